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
    repo = Repo(tmp_path / "repo", Path.cwd())
    try:
        shutil.copytree("images/root", repo.root / "images/root")
        shutil.copytree("3rdparty/debian", repo.root / "3rdparty/debian")
        repo.commit("The real root and its Debian lock")
        digests = []
        for n in (1, 2):
            other = repo.clone(tmp_path / f"checkout{n}", own_pants_cache=tmp_path / f"cache{n}")
            try:
                run = other.pants(
                    "--no-pantsd", "export-codegen", "images/root:rootfs", timeout=1200
                )
                assert run.returncode == 0, run.output
                tarball = other.root / "dist/codegen/images/root/rootfs.tar"
                digests.append(hashlib.sha256(tarball.read_bytes()).hexdigest())
            finally:
                other.close_pantsd()
        assert digests[0] == digests[1]
    finally:
        repo.close()
