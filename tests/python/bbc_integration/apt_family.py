"""A family of images with a Debian package locked from a local apt repository (made with
dpkg-deb and apt-ftparchive, served over HTTP on 127.0.0.1), for the tests of locks, updates and
release notes:

    images/root:root (this repository's real root, from 3rdparty/debian/root.lock)
    ├── img/demo   installs bbc-demo from 3rdparty/debian/demo.lock (the local repository)
    │   └── img/leaf
    └── img/other  installs nothing

bbc-demo 1.0 is in the repository at first; `Mirror.add("1.1")` adds 1.1, whose changelog says it
fixes CVE-2099-0001.

`built_family` is the scaffold of such a family, served from a local server: the Python family of
test_python_update_integration.py uses it too.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from bbc_integration.fixture import Repo, child_dockerfile
from bbc_integration.static import StaticServer

CHANGELOG = {
    "1.0": ["bbc-demo (1.0) bookworm; urgency=medium", "  * First release."],
    "1.1": ["bbc-demo (1.1) bookworm-security; urgency=high", "  * Fix CVE-2099-0001."],
}
Server = TypeVar("Server", bound=StaticServer)


def copy(repo: Repo, *paths: str) -> None:
    """Files and folders of this repository, to the same paths in `repo`."""
    for path in paths:
        target = repo.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if Path(path).is_dir() else shutil.copy)(path, target)


def built_family(
    tmp: Path, server: Server, setup: Callable[[Repo], None], message: str, python: bool = False
) -> Iterator[tuple[Repo, Server]]:
    """Yields (repo, server): a repository in `tmp/repo` as `setup` makes it, committed with
    `message` and packaged (every image built). Closes both after. With `python`, it has Pants'
    Python backend (else its shell backend only: the root filesystem is a shell_command's)."""
    repo = Repo(tmp / "repo", Path.cwd(), python=python, shell=True)
    try:
        setup(repo)
        repo.commit(message)
        built = repo.pants("package", "::")
        assert built.returncode == 0, built.output
        yield repo, server
    finally:
        repo.close()
        server.close()


INSTALL = (
    "RUN --mount=type=bind,source=img/demo/debs,target=/tmp/debs cd /tmp/debs"
    " && sha256sum --quiet --strict -c SHA256SUMS"
    " && apt-get install -y --no-install-recommends /tmp/debs/*.deb"
)


class Mirror(StaticServer):
    """A flat apt repository served on a free loopback port (`deb [trusted=yes] URL ./`)."""

    def add(self, version: str) -> Path:
        """bbc-demo at `version`, its changelog naming every version up to it."""
        tree = self.root.parent / f"bbc-demo-{version}"
        (tree / "DEBIAN").mkdir(parents=True)
        (tree / "DEBIAN/control").write_text(
            f"Package: bbc-demo\nVersion: {version}\nArchitecture: all\nPriority: optional\n"
            "Maintainer: BBC tests <it@example.com>\nDescription: a package of the tests\n"
        )
        entries = [
            "\n".join(
                [
                    *CHANGELOG[v],
                    "",
                    " -- BBC tests <it@example.com>  Mon, 01 Dec 2026 00:00:00 +0000",
                    "",
                ]
            )
            for v in sorted(CHANGELOG, reverse=True)
            if v <= version
        ]
        doc = tree / "usr/share/doc/bbc-demo"
        doc.mkdir(parents=True)
        (doc / "changelog.Debian.gz").write_bytes(
            gzip.compress("\n".join(entries).encode(), mtime=0)
        )
        (tree / "usr/share/bbc-demo").mkdir(parents=True)
        (tree / "usr/share/bbc-demo/version").write_text(f"{version}\n")
        deb = self.root / f"pool/main/b/bbc-demo/bbc-demo_{version}_all.deb"
        deb.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", tree, deb],
            check=True,
            capture_output=True,
        )
        self.index()
        return deb

    def index(self) -> None:
        packages = subprocess.run(
            ["apt-ftparchive", "packages", "pool"], cwd=self.root, check=True, capture_output=True
        ).stdout
        (self.root / "Packages").write_bytes(packages)
        release = subprocess.run(
            ["apt-ftparchive", "release", "."], cwd=self.root, check=True, capture_output=True
        ).stdout
        (self.root / "Release").write_bytes(release)


def debian_family(tmp: Path, pants_toml: str = "", bbc_options: str = ""):
    """Yields (repo, mirror): the family, built, with demo.lock locking bbc-demo 1.0 and demo at
    1.0.1. `pants_toml`: more of pants.toml; `bbc_options`: more lines of its [bbc] section."""
    mirror = Mirror(tmp / "mirror")

    def setup(repo: Repo) -> None:
        copy(repo, "images/root", "3rdparty/debian/root.lock", "3rdparty/debian/fetch-debs.sh")
        repo.write(
            "3rdparty/debian/BUILD",
            'file(name="root", source="root.lock")\nfile(name="fetch-debs", source="fetch-debs.sh")\n'
            'debian_packages(name="demo", lockfile="demo.lock", packages=["bbc-demo"])\n',
        )
        repo.write(
            "pants.toml",
            repo.read("pants.toml")
            + pants_toml
            + f'\n[bbc]\ndebian_sources = ["deb [trusted=yes] {mirror.url} ./"]\n'
            f'debian_pools = ["{mirror.url}/pool/main"]\n{bbc_options}',
        )
        repo.write(
            "img/demo/Dockerfile",
            child_dockerfile("images/root:root", "USER root", INSTALL, "USER 10001:10001"),
        )
        repo.write(
            "img/demo/BUILD",
            'docker_image(name="demo", version="1.0.0", parent_versions="^1.0", dependencies=[":debs"])\n'
            'shell_command(name="debs", command="bash ../../3rdparty/debian/fetch-debs.sh '
            '../../3rdparty/debian/demo.lock debs", execution_dependencies=["3rdparty/debian:demo", '
            '"3rdparty/debian:fetch-debs"], tools=["bash"], output_directories=["debs"])\n',
        )
        repo.versions.update(root="1.0.0", demo="1.0.0")
        repo.add_child("leaf", "demo", "RUN test -f /usr/share/bbc-demo/version")
        repo.write("img/other/Dockerfile", child_dockerfile("images/root:root", "RUN true"))
        repo.write(
            "img/other/BUILD",
            'docker_image(name="other", version="1.0.0", parent_versions="^1.0")\n',
        )
        repo.versions["other"] = "1.0.0"
        mirror.add("1.0")
        first = repo.pants("bbc-update", "--apply")
        assert first.returncode == 2, first.output

    message = "A family with a locked package of the local repository"
    yield from built_family(tmp, mirror, setup, message)
