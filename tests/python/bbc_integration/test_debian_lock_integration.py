"""Locked Debian packages and `./pants bbc-update`, with real Pants, real Docker and a real apt
repository on 127.0.0.1 (made with dpkg-deb and apt-ftparchive, served over HTTP):

    images/root:root (this repository's real root, from 3rdparty/debian/root.lock)
    ├── img/demo   installs bbc-demo from 3rdparty/debian/demo.lock (the local repository)
    │   └── img/leaf
    └── img/other  installs nothing

The root's lock is a plain file here, so bbc-update resolves only demo.lock, from the local
repository: nothing in the test depends on how Debian's mirror moves.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, child_dockerfile
from bbc_integration.static import StaticServer

CHANGELOG = {
    "1.0": ["bbc-demo (1.0) bookworm; urgency=medium", "  * First release."],
    "1.1": ["bbc-demo (1.1) bookworm-security; urgency=high", "  * Fix CVE-2099-0001."],
}
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


def dpkg_version(repo: Repo, name: str, tag: str) -> str:
    """The version of bbc-demo that dpkg says is installed in `name:tag`."""
    ran = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            repo.ref(name, tag),
            "dpkg-query",
            "-W",
            "-f",
            "${Version}",
            "bbc-demo",
        ],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("debian")
    mirror = Mirror(tmp / "mirror")
    repo = Repo(tmp / "repo", Path.cwd())
    try:
        shutil.copytree("images/root", repo.root / "images/root")
        (repo.root / "3rdparty/debian").mkdir(parents=True)
        for name in ("root.lock", "fetch-debs.sh"):
            shutil.copy(f"3rdparty/debian/{name}", repo.root / "3rdparty/debian" / name)
        repo.write(
            "3rdparty/debian/BUILD",
            'file(name="root", source="root.lock")\nfile(name="fetch-debs", source="fetch-debs.sh")\n'
            'debian_packages(name="demo", lockfile="demo.lock", packages=["bbc-demo"])\n',
        )
        repo.write(
            "pants.toml",
            repo.read("pants.toml")
            + f'\n[bbc]\ndebian_sources = ["deb [trusted=yes] {mirror.url} ./"]\n'
            f'debian_pools = ["{mirror.url}/pool/main"]\n',
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
        repo.add_child("other", "images/root:root", "RUN true")
        mirror.add("1.0")
        first = repo.pants("bbc-update", "--apply")
        assert first.returncode == 2, first.output
        repo.commit("A family with a locked package of the local repository")
        built = repo.pants("package", "::")
        assert built.returncode == 0, built.output
        yield repo, mirror
    finally:
        repo.close()
        mirror.close()


def test_the_first_lock_is_installed(family) -> None:
    repo, _ = family
    lock = repo.read("3rdparty/debian/demo.lock")
    assert re.search(r"^Package: bbc-demo\nVersion: 1.0\n", lock, re.M), lock
    assert "Url: http://127.0.0.1:" in lock and re.search(r"^SHA256: [0-9a-f]{64}$", lock, re.M)
    assert dpkg_version(repo, "demo", "1.0.1") == "1.0"
    assert dpkg_version(repo, "leaf", "1.0.1") == "1.0"


def test_an_update_is_found_applied_built_and_shown(family) -> None:
    repo, mirror = family
    mirror.add("1.1")
    ids = repo.ids("root", "other")

    found = repo.pants("bbc-update")
    assert found.returncode == 2, found.output
    assert (
        "| bbc-demo | 1.0 -> 1.1 | CVE-2099-0001 | img/demo:demo; through their parents: img/leaf:leaf |"
        in found.stdout
    )
    data = json.loads(repo.read("dist/bbc/update/report.json"))
    [package] = data["packages"]
    assert (package["old"], package["new"], package["cves"]) == ("1.0", "1.1", ["CVE-2099-0001"])
    assert data["applied"] is False and "Version: 1.0\n" in repo.read("3rdparty/debian/demo.lock")
    assert repo.read("dist/bbc/update/report.md") == found.stdout

    applied = repo.pants("bbc-update", "--apply")
    assert applied.returncode == 2, applied.output
    assert "Version: 1.1\n" in repo.read("3rdparty/debian/demo.lock")
    bumped = {line.split(":")[0] for line in repo.git("diff", "--name-only").split()}
    assert bumped == {"3rdparty/debian/demo.lock", "img/demo/BUILD", "img/leaf/BUILD"}
    assert 'version="1.0.2"' in repo.read("img/demo/BUILD") and 'version="1.0.2"' in repo.read(
        "img/leaf/BUILD"
    )
    check = repo.pants("bbc-check", "--since=HEAD", "::")
    assert check.returncode == 0, check.output

    repo.commit("bbc-update --apply")
    built = repo.pants("package", "::")
    assert built.returncode == 0, built.output
    assert built.built() == {"demo", "leaf"}
    assert repo.ids("root", "other") == ids
    assert (
        dpkg_version(repo, "demo", "1.0.2") == "1.1"
        and dpkg_version(repo, "leaf", "1.0.2") == "1.1"
    )

    diff = repo.pants("bbc-diff", "--from=1.0.1", "--to=1.0.2", "img/demo:demo")
    assert diff.returncode == 0, diff.output
    assert re.search(
        r"changed\s+deb\s+bbc-demo 1.0 -> 1.1.*CVE-2099-0001", diff.stdout
    ), diff.stdout
    sbom = json.loads(repo.read(f"dist/bbc/sbom/{repo.prefix}/demo/1.0.2.cdx.json"))
    assert any(c["name"] == "bbc-demo" and c["version"] == "1.1" for c in sbom["components"])

    again = repo.pants("bbc-update")
    assert again.returncode == 0, again.output
    assert "Nothing to take in" in again.stdout


def test_a_locked_version_gone_from_the_mirror_stops_the_build_naming_it(family) -> None:
    repo, _ = family
    with repo.branch():
        lock = repo.read("3rdparty/debian/demo.lock")
        repo.write(
            "3rdparty/debian/demo.lock", re.sub(r"(Version: |bbc-demo_)1\.[01]", r"\g<1>1.7", lock)
        )
        failed = repo.pants("package", "img/demo:demo")
        assert failed.returncode != 0
        assert (
            "3rdparty/debian/demo.lock: Debian package bbc-demo 1.7 (all) is no longer on the mirror"
            in failed.output
        )
        assert "Run ./pants bbc-update" in failed.output
