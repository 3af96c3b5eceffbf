from __future__ import annotations

import pytest

from bbc.sbom.contents import (
    OperatingSystem,
    Package,
    debian_packages,
    operating_system,
    python_distributions,
)

# Excerpts of a Debian 12 image's dpkg status database (fields as dpkg writes them).
STATUS = """\
Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u9
Depends: libgcc-s1
Description: GNU C Library

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)

Package: gcc-12-base
Status: install ok installed
Architecture: amd64
Source: gcc-12
Version: 12.2.0-14

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b7
Source: bash (5.2.15-2)
Pre-Depends: libc6 (>= 2.36), libtinfo6 (>= 6)
Depends: base-files (>= 2.1.12), debianutils (>= 5.6-0.1)

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: mawk
Status: install ok installed
Architecture: amd64
Version: 1.3.4.20200120-3.1
Provides: awk
Depends: libc6 (>= 2.34)

Package: base-files
Status: install ok installed
Architecture: amd64
Version: 12.4+deb12u8
Pre-Depends: awk

Package: python3
Status: install ok installed
Architecture: amd64
Source: python3-defaults
Version: 3.11.2-1+b1
Depends: python3.11 (>= 3.11.2-1~), python3-minimal:any | python3-minimal-missing, libc6

Package: attr
Status: install ok installed
Architecture: amd64
Version: 1:2.5.1-4
"""

# The first lines of a machine-readable copyright file (DEP-5) and of one that is not.
OPENSSL_COPYRIGHT = """\
Format: http://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Source: https://www.openssl.org/source/

Files: *
Copyright: 1998-2023 The OpenSSL Project
License: Apache-2.0

Files: debian/*
Copyright: 2004 Kurt Roeckx
License: Artistic or GPL-1+
 a license text's first lines
 follow the name

License: Apache-2.0
 Licensed under the Apache License ...
"""
GLIBC_COPYRIGHT = "This is the Debian prepackaged version of the GNU C Library.\n"


def test_installed_debian_packages_with_their_source_dependencies_and_licenses() -> None:
    packages = {
        p.name: p
        for p in debian_packages(STATUS, {"libc6": GLIBC_COPYRIGHT, "bash": OPENSSL_COPYRIGHT})
    }
    assert sorted(packages) == [
        "attr",
        "base-files",
        "bash",
        "gcc-12-base",
        "libc6",
        "libgcc-s1",
        "mawk",
        "python3",
    ]
    # A source named with its own version where it differs from the binary's (a binNMU).
    assert packages["bash"] == Package(
        "deb",
        "bash",
        "5.2.15-2+b7",
        "amd64",
        "bash",
        "5.2.15-2",
        # Pre-Depends and Depends, resolved to what is installed (libtinfo6 and debianutils are
        # not in this excerpt: never an edge to a package the image does not hold).
        ("base-files:amd64", "libc6:amd64"),
        ("Apache-2.0", "Artistic or GPL-1+"),
    )
    assert packages["libgcc-s1"].source_version is None  # the same version as the binary's
    assert packages["libgcc-s1"].depends == ("gcc-12-base:amd64", "libc6:amd64")
    # A virtual package resolves to what provides it; alternatives to every installed one, an
    # architecture qualifier (`:any`) to the package.
    assert packages["base-files"].depends == ("mawk:amd64",)
    assert packages["python3"].depends == ("libc6:amd64",)  # python3.11, alternatives missing
    assert packages["libc6"].licenses == ()  # its copyright file is not machine-readable
    assert packages["attr"].version == "1:2.5.1-4" and packages["attr"].depends == ()
    assert debian_packages("") == []


def test_an_installed_package_without_a_name_is_a_damaged_database_not_a_crash() -> None:
    with pytest.raises(ValueError, match="without Package .*Version: 1.0.*is damaged"):
        debian_packages("Status: install ok installed\nVersion: 1.0\n")


SITE = "opt/venv/lib/python3.11/site-packages"
METADATA = {
    f"{SITE}/flask-3.0.3.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.3\n"
        "Classifier: License :: OSI Approved :: BSD License\n"
        "Requires-Dist: Werkzeug>=3.0.0\n"
        "Requires-Dist: importlib-metadata>=3.6.0; python_version < '3.10'\n"
        "Requires-Dist: asgiref>=3.2; extra == 'async'\n"
        "Requires-Dist: blinker (>=1.6.2) ; platform_machine == 'x86_64'\n"
        "\nLong text\nName: not-me\n"
    ),
    f"{SITE}/werkzeug-3.0.6.dist-info/METADATA": (
        "Metadata-Version: 2.4\nName: Werkzeug\nVersion: 3.0.6\nLicense-Expression: BSD-3-Clause\n"
        "Requires-Dist: MarkupSafe>=2.1.1\nRequires-Dist: watchdog>=2.3; extra == 'watchdog'\n"
    ),
    f"{SITE}/markupsafe-2.1.5.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: MarkupSafe\nVersion: 2.1.5\nLicense: BSD-3-Clause\n"
    ),
    f"{SITE}/importlib_metadata-8.5.0.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: importlib_metadata\nVersion: 8.5.0\n"
    ),
    f"{SITE}/blinker-1.8.2.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: blinker\nVersion: 1.8.2\nLicense: UNKNOWN\n"
    ),
    "usr/lib/python3/dist-packages/Flask-3.0.3.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: flask\nVersion: 3.0.3\n"  # the same one, seen twice
    ),
    "elsewhere/x.dist-info/METADATA": "no headers here",
}


def test_python_distributions_once_each_with_their_requirements_for_the_images_python() -> None:
    found = {p.name: p for p in python_distributions(METADATA, "amd64")}
    assert sorted(found) == ["Flask", "MarkupSafe", "Werkzeug", "blinker", "importlib_metadata"]
    # Markers evaluated for the image's CPython 3.11 on x86_64: importlib-metadata is for
    # Pythons before 3.10, asgiref for an extra, blinker for this machine.
    assert found["Flask"].depends == ("blinker==1.8.2", "werkzeug==3.0.6")
    assert found["Werkzeug"].depends == ("markupsafe==2.1.5",)
    assert found["Flask"].licenses == ("BSD License",)
    assert found["Werkzeug"].licenses == ("BSD-3-Clause",)
    assert found["MarkupSafe"].licenses == ("BSD-3-Clause",)
    assert found["blinker"].licenses == ()
    on_arm = {p.name: p for p in python_distributions(METADATA, "arm64")}
    assert on_arm["Flask"].depends == ("werkzeug==3.0.6",)


def test_python_markers_use_debians_full_python_version_when_installed() -> None:
    metadata = {
        f"{SITE}/a-1.dist-info/METADATA": (
            "Name: a\nVersion: 1\nRequires-Dist: b; python_full_version >= '3.11.4'\n"
        ),
        f"{SITE}/b-1.dist-info/METADATA": "Name: b\nVersion: 1\n",
    }
    minimal = Package("deb", "python3.11-minimal", "3.11.2-6+deb12u6", "amd64")
    assert python_distributions(metadata, "amd64", [minimal])[0].depends == ()
    newer = Package("deb", "python3.11-minimal", "3.11.9-1", "amd64")
    assert python_distributions(metadata, "amd64", [newer])[0].depends == ("b==1",)
    # A marker comparing a value that is no version holds not, and fails nothing.
    odd = {
        **metadata,
        f"{SITE}/a-1.dist-info/METADATA": "Name: a\nVersion: 1\nRequires-Dist: b; platform_release >= '5.0'\n",
    }
    assert python_distributions(odd, "amd64", [minimal])[0].depends == ()


def test_the_operating_system_at_its_point_release() -> None:
    release = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
    assert operating_system(release, "12.8\n") == OperatingSystem("debian", "12", "12.8")
    assert operating_system(release) == OperatingSystem("debian", "12", "12")
    assert operating_system(release, "trixie/sid\n") == OperatingSystem("debian", "12", "12")
    assert operating_system(release).distro == "debian-12"
    assert operating_system("") is None


def test_an_edge_goes_to_the_copy_beside_it_and_the_architecture_of_its_package() -> None:
    status = (
        "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\n"
        "Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36-9\n\n"
        "Package: zlib1g\nStatus: install ok installed\nArchitecture: i386\nVersion: 1:1.2.13\n"
        "Depends: libc6 (>= 2.14)\n\n"
        "Package: perl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.36\n"
        "Depends: libc6:any\n"
    )
    packages = {p.key: p for p in debian_packages(status)}
    assert packages["zlib1g:i386"].depends == ("libc6:i386",)
    assert packages["perl:amd64"].depends == ("libc6:amd64", "libc6:i386")
    metadata = {
        f"{SITE}/packaging-23.2.dist-info/METADATA": "Name: packaging\nVersion: 23.2\n",
        f"{SITE}/setuptools/_vendor/packaging-24.2.dist-info/METADATA": (
            "Name: packaging\nVersion: 24.2\n"
        ),
        f"{SITE}/pytest-8.4.2.dist-info/METADATA": (
            "Name: pytest\nVersion: 8.4.2\nRequires-Dist: packaging\n"
        ),
    }
    found = {p.key: p for p in python_distributions(metadata, "amd64")}
    assert found["pytest==8.4.2"].depends == ("packaging==23.2",)
