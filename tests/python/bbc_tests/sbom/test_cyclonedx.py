from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bbc import __version__
from bbc.sbom.contents import ImagePackages, OperatingSystem, Package
from bbc.sbom.cyclonedx import Publication, sbom, sbom_image, sbom_packages

DEBIAN = OperatingSystem("debian", "12", "12.8")
CREATED = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
PACKAGES = (
    Package("deb", "ca-certificates", "20230311", "all", "ca-certificates"),
    Package("deb", "libc6", "2.36-9+deb12u9", "amd64", "glibc", licenses=("LGPL-2.1+",)),
    Package(
        kind="deb",
        name="bash",
        version="5.2.15-2+b7",
        arch="amd64",
        source="bash",
        source_version="5.2.15-2",
        depends=("libc6:amd64",),
        licenses=("GPL-3+", "GPL-3+ with Bison exception"),
    ),
    Package("deb", "attr", "1:2.5.1-4", "amd64", "attr"),
    Package(
        "deb",
        "libssl3",
        "3.0.15-1~deb12u1",
        "amd64",
        "openssl",
        depends=("libc6:amd64",),
        licenses=("Apache-2.0", "Artistic or GPL-1+"),
    ),
    Package("pypi", "Flask", "3.0.3", depends=("werkzeug==3.0.6",), licenses=("BSD License",)),
    Package("pypi", "Werkzeug", "3.0.6", licenses=("BSD-3-Clause",)),
)
IMAGE = ("bbc/flask", "1.0.2", "1.0.2-0123456789ab", "sha256:abc")


def document(found: ImagePackages = ImagePackages(PACKAGES, DEBIAN, CREATED), **kwargs) -> dict:
    return json.loads(sbom(*IMAGE, found, **kwargs))


def by_name(doc: dict) -> dict[str, dict]:
    return {c["name"]: c for c in doc["components"]}


def test_the_sbom_names_the_operating_system_a_scanner_matches_debian_packages_with() -> None:
    doc = document()
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    [system] = [c for c in doc["components"] if c["type"] == "operating-system"]
    assert (system["name"], system["version"]) == ("debian", "12.8")
    assert doc["metadata"]["tools"]["components"] == [
        {"name": "bbc", "type": "application", "version": __version__}
    ]
    assert doc["metadata"]["timestamp"].startswith("2026-11-30T12:00:00")
    image = doc["metadata"]["component"]
    assert (image["type"], image["name"], image["version"]) == ("container", "bbc/flask", "1.0.2")
    assert {"name": "io.bbc.image-id", "value": "sha256:abc"} in image["properties"]
    assert "purl" not in image  # not published: no digest yet


def test_purls_per_the_purl_spec_with_the_source_package_advisories_are_filed_under() -> None:
    components = by_name(document())
    assert components["libc6"]["purl"] == (
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12&upstream=glibc%402.36-9%2Bdeb12u9"
    )
    # A binNMU: the source's version is not the binary's.
    assert components["bash"]["purl"] == (
        "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2"
    )
    assert components["ca-certificates"]["purl"] == (
        "pkg:deb/debian/ca-certificates@20230311?arch=all&distro=debian-12"
    )
    # The epoch is a qualifier, the component's version the full Debian version.
    assert components["attr"]["purl"] == (
        "pkg:deb/debian/attr@2.5.1-4?arch=amd64&distro=debian-12&epoch=1"
    )
    assert components["attr"]["version"] == "1:2.5.1-4"
    assert components["Flask"]["purl"] == "pkg:pypi/flask@3.0.3"


def test_the_dependency_graph_is_the_packages_own_and_says_nothing_it_does_not_know() -> None:
    doc = document()
    graph = {d["ref"]: d["dependsOn"] for d in doc["dependencies"]}
    components = by_name(doc)
    ref = {name: c["bom-ref"] for name, c in components.items()}
    assert graph[ref["bash"]] == [ref["libc6"]]
    assert graph[ref["Flask"]] == [ref["Werkzeug"]]
    assert graph[ref["libc6"]] == []  # explicitly nothing, as its status entry says
    # The image holds the operating system and the Python distributions; the system its
    # Debian packages.
    assert sorted(graph[doc["metadata"]["component"]["bom-ref"]]) == sorted(
        [ref["debian"], ref["Flask"], ref["Werkzeug"]]
    )
    assert sorted(graph[ref["debian"]]) == sorted(
        ref[n] for n in ("attr", "bash", "ca-certificates", "libc6", "libssl3")
    )
    assert all("dependsOn" in d for d in doc["dependencies"])


def test_licenses_by_spdx_id_where_they_are_one_else_by_name() -> None:
    components = by_name(document())
    assert components["Werkzeug"]["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert components["Flask"]["licenses"] == [{"license": {"name": "BSD License"}}]
    assert {"license": {"name": "GPL-3+"}} in components["bash"]["licenses"]
    assert "licenses" not in components["ca-certificates"]
    # An expression only alone (CycloneDX's rule): among others, by its text.
    assert components["libssl3"]["licenses"] == [
        {"license": {"id": "Apache-2.0"}},
        {"license": {"name": "Artistic or GPL-1+"}},
    ]
    alone = Package("pypi", "x", "1", licenses=("MIT OR Apache-2.0",))
    [x] = document(ImagePackages((alone,), None, None))["components"]
    assert x["licenses"] == [{"expression": "MIT OR Apache-2.0"}]


def test_a_published_release_names_its_digest_and_repository_in_a_pkg_oci_purl() -> None:
    where = Publication("127.0.0.1:5000/bbc/flask", "sha256:" + "e" * 64)
    image = document(published=where)["metadata"]["component"]
    assert image["purl"] == (
        f"pkg:oci/flask@sha256:{'e' * 64}?repository_url=127.0.0.1:5000/bbc/flask&tag=1.0.2"
    )


def test_cyclonedx_1_5_for_older_scanners_says_the_same() -> None:
    older = document(spec_version="1.5")
    assert older["specVersion"] == "1.5"
    newer = document()
    assert older["components"] == newer["components"]
    assert older["dependencies"] == newer["dependencies"]


def test_the_same_image_gets_the_same_document_and_another_image_another_serial() -> None:
    found = ImagePackages(PACKAGES, DEBIAN, CREATED)
    assert sbom(*IMAGE, found) == sbom(*IMAGE, found)
    other = json.loads(sbom(*IMAGE[:3], "sha256:def", ImagePackages((), None, None)))
    assert other["serialNumber"] != document()["serialNumber"]
    assert other.get("components", []) == []


def test_an_sbom_read_back_writes_the_same_sbom_for_another_checkout_of_the_image() -> None:
    found = ImagePackages(PACKAGES, DEBIAN, CREATED)
    text = sbom(*IMAGE, found)
    again = sbom_image(text)
    assert again.os == DEBIAN and again.created == CREATED
    assert sorted(again.packages, key=repr) == sorted(PACKAGES, key=repr)
    assert sbom(*IMAGE, again) == text
    assert sbom_image(sbom(*IMAGE, ImagePackages((), None, CREATED))) == ImagePackages(
        (), None, CREATED
    )
    broken = json.loads(text)
    broken["metadata"]["timestamp"] = "yesterday"
    with pytest.raises(ValueError, match="'yesterday' is not a time"):
        sbom_image(json.dumps(broken))
    # An SBOM of another tool, or of this plugin before it wrote the tool: read from the image.
    del broken["metadata"]["tools"]
    with pytest.raises(ValueError, match="metadata.tools names no bbc"):
        sbom_image(json.dumps(broken))


def test_the_packages_of_any_release_sbom_even_one_written_before_upstream_purls() -> None:
    assert sorted(sbom_packages(sbom(*IMAGE, ImagePackages(PACKAGES, DEBIAN, None))), key=repr) == (
        sorted(PACKAGES, key=repr)
    )
    older = {
        "components": [
            {
                "name": "libc6",
                "version": "2.36-9",
                "purl": "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12",
                "properties": [{"name": "io.bbc.debian-source", "value": "glibc"}],
            },
            {"name": "not-a-package", "purl": "pkg:generic/x@1"},
        ]
    }
    assert sbom_packages(json.dumps(older)) == [Package("deb", "libc6", "2.36-9", "amd64", "glibc")]
    with pytest.raises(ValueError, match="not CycloneDX JSON"):
        sbom_packages("<html>not found</html>")


def test_an_edge_goes_to_the_installed_package_of_its_architecture_and_version() -> None:
    both = (
        Package("deb", "libc6", "2.36-9", "amd64", "glibc"),
        Package("deb", "libc6", "2.36-9", "i386", "glibc"),
        Package("deb", "zlib1g", "1:1.2.13", "i386", "zlib", depends=("libc6:i386",)),
        Package("pypi", "packaging", "23.2"),
        Package("pypi", "packaging", "24.2"),  # a vendored copy
        Package("pypi", "pytest", "8.4.2", depends=("packaging==23.2",)),
    )
    doc = document(ImagePackages(both, DEBIAN, None))
    refs = {(c["name"], c.get("version")): c["bom-ref"] for c in doc["components"]}
    purls = {c["bom-ref"]: c.get("purl") for c in doc["components"]}
    graph = {d["ref"]: d["dependsOn"] for d in doc["dependencies"]}
    [libc6] = graph[refs[("zlib1g", "1:1.2.13")]]
    assert "arch=i386" in purls[libc6]
    assert graph[refs[("pytest", "8.4.2")]] == [refs[("packaging", "23.2")]]
    assert sbom(*IMAGE, sbom_image(sbom(*IMAGE, ImagePackages(both, DEBIAN, None)))) == sbom(
        *IMAGE, ImagePackages(both, DEBIAN, None)
    )


def test_no_creation_time_is_no_timestamp_not_the_time_of_writing() -> None:
    assert "timestamp" not in document(ImagePackages(PACKAGES, DEBIAN, None))["metadata"]


def test_the_purls_name_the_distributions_feed_and_no_zero_epoch() -> None:
    ubuntu = OperatingSystem("ubuntu", "24.04", "24.04")
    zero = Package("deb", "base-files", "0:13ubuntu10", "amd64", "base-files")
    [component] = [
        c for c in document(ImagePackages((zero,), ubuntu, None))["components"] if "purl" in c
    ]
    assert (
        component["purl"] == "pkg:deb/ubuntu/base-files@13ubuntu10?arch=amd64&distro=ubuntu-24.04"
    )


def test_another_tools_sbom_is_refused_as_one_this_plugin_cannot_read() -> None:
    for text in (
        '{"metadata": {"tools": [{"name": "syft"}]}, "components": []}',
        '{"metadata": {"tools": {"components": [{"name": "bbc"}]}}, "components": {"a": 1}}',
        '{"components": [{"purl": "pkg:pypi/a@1", "licenses": ["MIT"]}]}',
    ):
        with pytest.raises(ValueError):
            sbom_image(text)
    with pytest.raises(ValueError):
        sbom_packages('{"components": [{"purl": "pkg:pypi/a@1", "licenses": ["MIT"]}]}')
    forged = json.loads(sbom(*IMAGE, ImagePackages(PACKAGES, DEBIAN, None)))
    [libc6] = [c for c in forged["components"] if c["name"] == "libc6"]
    libc6["version"] = "1.0 beta"
    with pytest.raises(ValueError):
        sbom_image(json.dumps(forged))
