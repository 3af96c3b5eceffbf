"""Locked Debian packages, `./pants bbc-update`, and what releases record of them (SBOMs in the
registry, release notes naming package changes and CVEs), with real Pants, real Docker, a real
registry and a real apt repository on 127.0.0.1 (the family of apt_family.py).

The root's lock is a plain file here, so bbc-update resolves only demo.lock, from the local
repository: nothing in the test depends on how Debian's mirror moves.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from bbc_integration.apt_family import debian_family
from bbc_integration.fixture import Repo
from bbc_integration.registry import Registry

IMAGES = ("images/root:root", "img/demo:demo")
SBOM_TYPE = "application/vnd.cyclonedx+json"


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
def family(tmp_path_factory, registry: Registry):
    yield from debian_family(tmp_path_factory.mktemp("debian"), registry.pants_toml)


def sbom_tag(digest: str) -> str:
    return f"sha256-{digest.split(':')[1]}.sbom"


def recorded_sbom(registry: Registry, repository: str, version: str) -> bytes:
    """The SBOM recorded for `repository:version`, read over the registry's HTTP API."""
    manifest = json.loads(
        registry.manifest(repository, sbom_tag(registry.digest(repository, version) or ""))
    )
    assert manifest["artifactType"] == SBOM_TYPE
    [layer] = manifest["layers"]
    assert layer["mediaType"] == SBOM_TYPE
    return registry.blob(repository, layer["digest"])


def skopeo_copy(source: str, target: str) -> None:
    ran = subprocess.run(
        ["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", source, target],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr


def test_the_first_lock_is_installed(family) -> None:
    repo, _ = family
    lock = repo.read("3rdparty/debian/demo.lock")
    assert re.search(r"^Package: bbc-demo\nVersion: 1.0\n", lock, re.M), lock
    assert "Url: http://127.0.0.1:" in lock and re.search(r"^SHA256: [0-9a-f]{64}$", lock, re.M)
    assert dpkg_version(repo, "demo", "1.0.1") == "1.0"
    assert dpkg_version(repo, "leaf", "1.0.1") == "1.0"


def test_a_release_records_its_sbom_in_the_registry_and_never_replaces_one(
    family, registry: Registry
) -> None:
    repo, mirror = family
    demo, root, leaf = (f"{repo.prefix}/{name}" for name in ("demo", "root", "leaf"))
    # A release from before SBOMs were recorded: leaf 1.0.1 pushed by hand.
    old_leaf = f"{registry.address}/{leaf}:1.0.1"
    subprocess.run(["docker", "tag", repo.ref("leaf", "1.0.1"), old_leaf], check=True)
    subprocess.run(["docker", "push", "--quiet", old_leaf], check=True, capture_output=True)

    first = repo.pants("publish", *IMAGES)
    assert first.returncode == 0, first.output
    released = registry.digest(demo, "1.0.1")
    assert sbom_tag(released or "") in registry.tags(demo)
    sbom = recorded_sbom(registry, demo, "1.0.1").decode()
    assert sbom == repo.read(f"dist/bbc/releases/{demo}/1.0.1.cdx.json")
    # The release names its digest and repository (a pkg:oci purl); `package`, which finds the
    # published image up to date, writes the same document of the image, without them.
    recorded = json.loads(sbom)
    assert recorded["metadata"]["component"].pop("purl") == (
        f"pkg:oci/demo@{released}?repository_url={registry.address}/{demo}&tag=1.0.1"
    )
    packaged = repo.pants("package", "img/demo:demo")
    assert packaged.returncode == 0, packaged.output
    assert recorded == json.loads(repo.read(f"dist/bbc/sbom/{demo}/1.0.1.cdx.json"))
    assert {"bbc-demo": "1.0"}.items() <= {
        c["name"]: c["version"] for c in json.loads(sbom)["components"]
    }.items()
    root_version = "1.0.3"  # images/root/BUILD
    assert (
        json.loads(recorded_sbom(registry, root, root_version))["metadata"]["component"]["name"]
        == root
    )
    notes = repo.read(f"dist/bbc/releases/{demo}/1.0.1.md")
    assert notes.endswith("First release.\n"), notes
    releases = repo.pants("bbc-releases", "img/demo:demo")
    assert releases.returncode == 0, releases.output
    assert f"    SBOM: {sbom_tag(released or '')}\n" in releases.stdout

    # A recorded SBOM is never replaced: put another artifact under root's SBOM tag; publishing
    # the same release again leaves it.
    root_tag = sbom_tag(registry.digest(root, root_version) or "")
    other = f"docker://{registry.address}/{demo}:{sbom_tag(released or '')}"
    skopeo_copy(other, f"docker://{registry.address}/{root}:{root_tag}")
    planted = registry.digest(root, root_tag)
    assert planted == registry.digest(demo, sbom_tag(released or ""))
    again = repo.pants("publish", *IMAGES)
    assert again.returncode == 0, again.output
    assert registry.digest(root, root_tag) == planted
    assert registry.digest(demo, sbom_tag(released or "")) == planted


def test_an_update_is_found_applied_built_shown_and_released_with_notes(
    family, registry: Registry
) -> None:
    repo, mirror = family
    demo, root, leaf = (f"{repo.prefix}/{name}" for name in ("demo", "root", "leaf"))
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

    # The release's notes: the previous release's packages come from its SBOM in the registry.
    released = registry.digest(demo, "1.0.1")
    root_version = "1.0.3"  # images/root/BUILD
    shutil.rmtree(repo.root / "dist/bbc/sbom")
    second = repo.pants("publish", *IMAGES, "img/leaf:leaf")
    assert second.returncode == 0, second.output
    notes = repo.read(f"dist/bbc/releases/{demo}/1.0.2.md")
    source = f"{registry.address}/{demo}:{sbom_tag(released or '')}"
    assert (
        f"Package changes since 1.0.1 (Debian and Python; its SBOM, `{source}`):\n"
        "\n"
        "- changed deb `bbc-demo` 1.0 -> 1.1, fixes CVE-2099-0001\n"
        "\n"
        "CVEs fixed: CVE-2099-0001\n"
    ) in notes, notes
    assert f"- Built on: `{registry.address}/{root}:{root_version}@" in notes
    assert sbom_tag(registry.digest(demo, "1.0.2") or "") in registry.tags(demo)
    leaf_notes = repo.read(f"dist/bbc/releases/{leaf}/1.0.2.md")
    assert leaf_notes.endswith(
        "Package changes since 1.0.1: not known (1.0.1: no SBOM recorded in the registry).\n"
    ), leaf_notes
    assert sbom_tag(registry.digest(leaf, "1.0.2") or "") in registry.tags(leaf)

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
