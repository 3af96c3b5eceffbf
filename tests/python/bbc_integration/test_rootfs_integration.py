"""The real root filesystem depends on the Debian lock only: built by real Pants in two checkouts,
one with a fresh Pants cache of its own (so it fetches every locked .deb and runs mmdebstrap
itself), the other with the cache the other tests share (where the tests of the real family may
have built it already, at another time, in another checkout; else it is built here too), the
tarballs are byte-identical. The build reads no mirror index, so a mirror whose indices moved
meanwhile changes nothing either; only a new lock does."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from bbc_integration.fixture import Repo


def test_the_root_filesystem_is_the_same_bits_from_a_fresh_pants_cache_and_a_shared_one(
    tmp_path: Path,
) -> None:
    repo = Repo(tmp_path / "repo", Path.cwd(), shell=True)
    try:
        shutil.copytree("images/root", repo.root / "images/root")
        shutil.copytree("3rdparty/debian", repo.root / "3rdparty/debian")
        repo.commit("The real root and its Debian lock")
        # Both at once: each fetches and unpacks on its own (the network waits overlap).
        checkouts = [
            repo.clone(tmp_path / "fresh", own_pants_cache=tmp_path / "cache"),
            repo.clone(tmp_path / "shared"),
        ]
        runs = [
            c.start_pants("--no-pantsd", "export-codegen", "images/root:rootfs") for c in checkouts
        ]
        digests = []
        for checkout, run in zip(checkouts, runs):
            output = run.communicate(timeout=1200)[0]
            assert run.returncode == 0, output
            tarball = checkout.root / "dist/codegen/images/root/rootfs.tar"
            digests.append(hashlib.sha256(tarball.read_bytes()).hexdigest())
        assert digests[0] == digests[1]
    finally:
        repo.close()
