"""Each release's SBOM in the registry, and release notes naming the package changes since the
previous release (read from its SBOM there): real Pants, Docker, a real registry and the local apt
repository of apt_family.py (bbc-demo 1.0 -> 1.1 fixes CVE-2099-0001)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from bbc_integration.apt_family import debian_family
from bbc_integration.registry import Registry

IMAGES = ("images/root:root", "img/demo:demo")
SBOM_TYPE = "application/vnd.cyclonedx+json"


@pytest.fixture(scope="module")
def family(tmp_path_factory, registry: Registry):
    toml = registry.pants_toml
    yield from debian_family(tmp_path_factory.mktemp("notes"), toml)


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


def test_releases_record_their_sboms_and_the_next_notes_name_package_changes_and_cves(
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
    # `package` finds the published image up to date: its SBOM is the one in the registry.
    packaged = repo.pants("package", "img/demo:demo")
    assert packaged.returncode == 0, packaged.output
    assert sbom == repo.read(f"dist/bbc/sbom/{demo}/1.0.1.cdx.json")
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

    # bbc-demo 1.0 -> 1.1; the previous release's packages come from its SBOM in the registry.
    mirror.add("1.1")
    applied = repo.pants("bbc-update", "--apply")
    assert applied.returncode == 2, applied.output
    repo.commit("bbc-demo 1.1")
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
