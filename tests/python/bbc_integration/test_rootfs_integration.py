"""The real root filesystem depends on the Debian lock only: built by real Pants in two checkouts
with separate, fresh Pants caches (so each fetches every locked .deb and runs mmdebstrap
itself), the tarballs are byte-identical. The build reads no mirror index, so a mirror whose
indices moved meanwhile changes nothing either; only a new lock does."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from bbc_integration.fixture import Repo


def test_the_root_filesystem_is_the_same_bits_from_two_fresh_pants_caches(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo", Path.cwd(), python=True)
    try:
        shutil.copytree("images/root", repo.root / "images/root")
        shutil.copytree("3rdparty/debian", repo.root / "3rdparty/debian")
        repo.commit("The real root and its Debian lock")
        # Both at once: each fetches and unpacks on its own (the network waits overlap).
        checkouts = [
            repo.clone(tmp_path / f"checkout{n}", own_pants_cache=tmp_path / f"cache{n}")
            for n in (1, 2)
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
