"""Locked Debian packages and `./pants bbc-update`, with real Pants, real Docker and a real apt
repository on 127.0.0.1 (the family of apt_family.py).

The root's lock is a plain file here, so bbc-update resolves only demo.lock, from the local
repository: nothing in the test depends on how Debian's mirror moves.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from bbc_integration.apt_family import debian_family
from bbc_integration.fixture import Repo


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
    yield from debian_family(tmp_path_factory.mktemp("debian"))


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

    repo.commit_and_package("bbc-update --apply", {"demo", "leaf"}, ids)
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
