from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bbc.sbom.cyclonedx import (
    ImagePackages,
    Package,
    debian_packages,
    os_release,
    python_distributions,
    sbom,
    sbom_image,
    sbom_packages,
)

STATUS = """\
Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u9
Description: GNU C Library

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: ca-certificates
Status: install ok installed
Architecture: all
Version: 20230311
"""

METADATA = [
    "Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.3\nSummary: web\n\nLong text\nName: not-me\n",
    "Metadata-Version: 2.1\nName: flask\nVersion: 3.0.3\n",  # the same one, seen twice
    "Metadata-Version: 2.1\nName: typing_extensions\nVersion: 4.12.2\n",
    "no headers here",
]


def test_installed_debian_packages_only_with_their_source() -> None:
    assert debian_packages(STATUS) == [
        Package("deb", "ca-certificates", "20230311", "all"),
        Package("deb", "libc6", "2.36-9+deb12u9", "amd64", "glibc"),
    ]
    assert debian_packages("") == []


def test_an_installed_package_without_a_name_is_a_damaged_database_not_a_crash() -> None:
    with pytest.raises(ValueError, match="without Package .*Version: 1.0.*is damaged"):
        debian_packages("Status: install ok installed\nVersion: 1.0\n")


def test_python_distributions_once_each_from_their_headers() -> None:
    assert python_distributions(METADATA) == [
        Package("pypi", "Flask", "3.0.3"),
        Package("pypi", "typing_extensions", "4.12.2"),
    ]


def test_os_release() -> None:
    assert os_release('PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\nVERSION_ID="12"\n') == (
        "debian-12"
    )
    assert os_release("") is None


def test_the_sbom_names_the_image_and_each_package_by_purl_and_is_reproducible() -> None:
    packages = debian_packages(STATUS) + python_distributions(METADATA)
    created = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    text = sbom(
        "bbc/flask", "1.0.2", "1.0.2-0123456789ab", "sha256:abc", created, packages, "debian-12"
    )
    assert text == sbom(
        "bbc/flask", "1.0.2", "1.0.2-0123456789ab", "sha256:abc", created, packages, "debian-12"
    )
    doc = json.loads(text)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    assert doc["metadata"]["timestamp"].startswith("2026-11-30T12:00:00")
    image = doc["metadata"]["component"]
    assert (image["type"], image["name"], image["version"]) == ("container", "bbc/flask", "1.0.2")
    assert {"name": "io.bbc.image-id", "value": "sha256:abc"} in image["properties"]
    assert sorted(c["purl"] for c in doc["components"]) == [
        "pkg:deb/debian/ca-certificates@20230311?arch=all&distro=debian-12",
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12",
        "pkg:pypi/flask@3.0.3",
        "pkg:pypi/typing-extensions@4.12.2",
    ]
    [root] = [d for d in doc["dependencies"] if d["ref"] == image["bom-ref"]]
    assert len(root["dependsOn"]) == 4
    other = json.loads(
        sbom("bbc/flask", "1.0.2", "1.0.2-0123456789ab", "sha256:def", created, [], None)
    )
    assert other["serialNumber"] != doc["serialNumber"]


def test_an_sboms_packages_read_back_are_the_packages_it_was_written_from() -> None:
    packages = debian_packages(STATUS) + python_distributions(METADATA)
    text = sbom(
        "bbc/flask", "1.0.2", "1.0.2-0123456789ab", "sha256:abc", None, packages, "debian-12"
    )
    assert sorted(sbom_packages(text), key=lambda p: (p.kind, p.name)) == sorted(
        packages, key=lambda p: (p.kind, p.name)
    )
    assert Package("deb", "libc6", "2.36-9+deb12u9", "amd64", "glibc") in sbom_packages(text)
    assert sbom_packages(sbom("bbc/x", "1.0.0", "1.0.0-0123456789ab", "sha256:a", None, [])) == []
    with pytest.raises(ValueError, match="not CycloneDX JSON"):
        sbom_packages("<html>not found</html>")


def test_an_sbom_read_back_writes_the_same_sbom_for_another_checkout_of_the_image() -> None:
    packages = debian_packages(STATUS) + python_distributions(METADATA)
    created = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    args = ("bbc/flask", "1.0.2", "1.0.2-0123456789ab", "sha256:abc")
    text = sbom(*args, created, packages, "debian-12")
    found = sbom_image(text)
    assert (found.distro, found.created) == ("debian-12", created)
    assert sbom(*args, found.created, list(found.packages), found.distro) == text
    assert sbom_image(sbom(*args, created, [], None)) == ImagePackages((), None, created)
    broken = json.loads(text)
    broken["metadata"]["timestamp"] = "yesterday"
    with pytest.raises(ValueError, match="'yesterday' is not a time"):
        sbom_image(json.dumps(broken))
