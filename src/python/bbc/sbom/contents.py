"""What an image holds, as its own files say: Debian packages (dpkg's status database and each
package's `copyright` file), Python distributions (`*.dist-info/METADATA`) and the operating system
(`os-release`, `debian_version`). Plain functions over their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import HeaderParser
from typing import Iterable, Mapping

from debian.deb822 import Deb822, PkgRelation
from debian.debian_support import Version

from bbc.model.content import parse_requirement, pep503_name, requirement_holds


@dataclass(frozen=True)
class Package:
    kind: str  # deb or pypi
    name: str
    version: str
    arch: str | None = None
    source: str | None = None  # a Debian package's source package (its own name if unnamed)
    source_version: str | None = None  # the source's version, where it differs from `version`
    depends: tuple[str, ...] = ()  # the `key`s of the installed packages it depends on
    licenses: tuple[str, ...] = ()  # SPDX ids or expressions, or the names its files give

    @property
    def key(self) -> str:
        """The one installed package this is, as a dependency names it: a Debian package by
        name and architecture (`libc6:amd64`; two architectures may be installed), a Python
        distribution by name and version (`flask==3.0.3`; a vendored copy may be another)."""
        if self.kind == "deb":
            return f"{self.name}:{self.arch}" if self.arch else self.name
        return f"{pep503_name(self.name)}=={self.version}"


@dataclass(frozen=True)
class OperatingSystem:
    id: str  # os-release's ID: debian
    version_id: str  # os-release's VERSION_ID: 12
    version: str  # the point release where the image says it (debian_version: 12.8)

    @property
    def distro(self) -> str:
        """The deb purls' `distro` qualifier: debian-12."""
        return f"{self.id}-{self.version_id}"


@dataclass(frozen=True)
class ImagePackages:
    """What an image holds, as its own files say."""

    packages: tuple[Package, ...]
    os: OperatingSystem | None
    created: datetime | None


def debian_packages(dpkg_status: str, copyrights: Mapping[str, str] = {}) -> list[Package]:
    """The installed packages in dpkg's status database (`/var/lib/dpkg/status`), each with the
    installed packages its `Depends` and `Pre-Depends` name (every installed alternative, and
    what `Provides` a virtual one) and the licenses its machine-readable `copyright` file names
    (`copyrights`: the files' texts by package name). ValueError for an installed package
    without a name or version (dpkg never writes one)."""
    paragraphs = []
    for paragraph in Deb822.iter_paragraphs(dpkg_status.splitlines(keepends=True)):
        if paragraph.get("Status", "").split()[-1:] != ["installed"]:
            continue
        missing = [f for f in ("Package", "Version") if not paragraph.get(f)]
        if missing:
            given = ", ".join(f"{k}: {v}" for k, v in list(paragraph.items())[:3])
            raise ValueError(
                f"dpkg's status database lists an installed package without "
                f"{' or '.join(missing)} ({given}): the image's /var/lib/dpkg/status is damaged"
            )
        paragraphs.append(paragraph)
    # What satisfies a name: the packages of that name and those that provide it, (arch, key).
    satisfying: dict[str, list[tuple[str, str]]] = {}
    for paragraph in paragraphs:
        arch = paragraph.get("Architecture") or ""
        key = f"{paragraph['Package']}:{arch}" if arch else paragraph["Package"]
        satisfying.setdefault(paragraph["Package"], []).append((arch, key))
        for group in _relations(paragraph.get("Provides", "")):
            for virtual in group:
                satisfying.setdefault(virtual["name"], []).append((arch, key))
    found = []
    for paragraph in paragraphs:
        name, version, arch = (
            paragraph["Package"],
            paragraph["Version"],
            paragraph.get("Architecture"),
        )
        own = f"{name}:{arch}" if arch else name
        depends: set[str] = set()
        for field in ("Pre-Depends", "Depends"):
            for group in _relations(paragraph.get(field, "")):
                for alternative in group:
                    depends |= _satisfied_by(
                        satisfying.get(alternative["name"], []), arch, alternative
                    )
        source, source_version = _source(paragraph.get("Source", ""), name, version)
        found.append(
            Package(
                "deb",
                name,
                version,
                arch,
                source,
                source_version,
                tuple(sorted(depends - {own})),
                _debian_licenses(copyrights.get(name, "")),
            )
        )
    return sorted(found, key=lambda p: (p.name, p.arch or ""))


def _satisfied_by(candidates: list[tuple[str, str]], arch: str | None, relation: dict) -> set[str]:
    """The keys of the installed packages that satisfy one alternative of a package of `arch`:
    those of its architecture (or `all`, or the one its `:arch` qualifier names); with `:any`,
    or when only another architecture's is installed, those."""
    wanted = relation.get("archqual") or arch
    if wanted == "any":
        return {key for _, key in candidates}
    mine = {key for a, key in candidates if a in (wanted, "all", "")}
    return mine or {key for _, key in candidates}


def _relations(field: str) -> list[list[dict]]:
    """A relationship field's alternatives groups (python-debian's), without empty names."""
    if not field.strip():
        return []
    groups = PkgRelation.parse_relations(field)
    return [[a for a in group if a.get("name")] for group in groups]


def _source(field: str, name: str, version: str) -> tuple[str | None, str | None]:
    """(source, its version where it differs) from a `Source: glibc (2.36-9)` field."""
    match = re.fullmatch(r"\s*(\S+)(?:\s+\((\S+)\))?\s*", field)
    if not match:
        return name, None  # dpkg leaves out a source named as its binary
    source_version = match.group(2)
    return match.group(1), source_version if source_version not in (None, version) else None


def _debian_licenses(copyright_text: str) -> tuple[str, ...]:
    """The license short names a machine-readable (DEP-5) copyright file gives, once each: the
    first line of the header's and each `Files` paragraph's `License` (a paragraph with only a
    `License` holds a text for a name given elsewhere)."""
    if not copyright_text.startswith("Format:"):
        return ()
    names: dict[str, None] = {}
    paragraphs = Deb822.iter_paragraphs(copyright_text.splitlines(keepends=True))
    for number, paragraph in enumerate(paragraphs):
        if number == 0 or "Files" in paragraph:
            synopsis = " ".join(paragraph.get("License", "").split("\n", 1)[0].split())
            if synopsis:
                names.setdefault(synopsis, None)
    return tuple(names)


def upstream_version(version: str) -> str:
    """A Debian version's upstream part: 3.11.2 of 3.11.2-6+deb12u6."""
    return Version(version).upstream_version


# `platform_machine` of an architecture, by Debian's name and by Go's (image configs).
_MACHINES = {
    "amd64": "x86_64",
    "arm64": "aarch64",
    "armhf": "armv7l",
    "arm": "armv7l",
    "i386": "i686",
    "386": "i686",
    "ppc64el": "ppc64le",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
}
_SITE = re.compile(r"(?:^|/)lib/python(\d+\.\d+)/(?:site|dist)-packages/")


def python_distributions(
    metadata: Mapping[str, str], architecture: str | None = None, debian: Iterable[Package] = ()
) -> list[Package]:
    """The distributions whose `METADATA` texts are given by path, once each, with the installed
    distributions their `Requires-Dist` names (markers evaluated for the interpreter whose
    `lib/pythonX.Y` holds them, on `architecture` (Debian's name); its full version from
    Debian's `pythonX.Y-minimal` package when installed) and their licenses."""
    debs = {p.name: p.version for p in debian}
    parsed = []
    installed: dict[str, list[tuple[str, str]]] = {}  # name -> (folder, key) of each copy
    for path, text in sorted(metadata.items()):
        headers = HeaderParser().parsestr(text)
        name, version = headers.get("Name"), headers.get("Version")
        if name and version:
            site = _SITE.search(path)
            environment = _environment(site.group(1), debs, architecture) if site else None
            folder = path.rsplit("/", 2)[0] if path.count("/") >= 2 else ""
            parsed.append((name, version, headers, environment, folder))
            key = f"{pep503_name(name)}=={version}"
            installed.setdefault(pep503_name(name), []).append((folder, key))
    found: dict[tuple[str, str], Package] = {}
    for name, version, headers, environment, folder in parsed:
        depends = {
            key
            for r in _requirements(headers.get_all("Requires-Dist") or (), environment)
            if pep503_name(r.name) != pep503_name(name)
            for key in _copy_for(installed.get(pep503_name(r.name), []), folder)
        }
        found.setdefault(
            (pep503_name(name), version),
            Package(
                "pypi",
                name,
                version,
                depends=tuple(sorted(depends)),
                licenses=_python_licenses(headers),
            ),
        )
    return sorted(found.values(), key=lambda p: p.name.lower())


def _copy_for(copies: list[tuple[str, str]], folder: str) -> list[str]:
    """The copy of a distribution that one in `folder` imports: the one beside it, else those
    not vendored inside another distribution (`.../_vendor/...`), else any."""
    for tier in (
        [key for f, key in copies if f == folder],
        [key for f, key in copies if "/_vendor" not in f],
        [key for _, key in copies],
    ):
        if tier:
            return sorted(tier)[:1]
    return []


def _environment(python: str, debs: Mapping[str, str], architecture: str | None) -> dict:
    """PEP 508's marker environment of Debian's CPython `python` (3.11) in the image."""
    minimal = debs.get(f"python{python}-minimal")
    full = upstream_version(minimal) if minimal else python
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": _MACHINES.get(architecture or "", architecture or ""),
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full,
        "python_version": python,
        "sys_platform": "linux",
        "extra": "",
    }


def _requirements(lines: Iterable[str], environment: dict | None) -> list:
    """The requirements that hold in `environment` (an extra's do not: they are optional). With
    no environment, only those without a marker."""
    parsed = [parse_requirement(line) for line in lines]
    return [r for r in parsed if r is not None and requirement_holds(r, environment)]


def _python_licenses(headers) -> tuple[str, ...]:
    """PEP 639's `License-Expression`; else a one-line `License`; else the license classifiers."""
    expression = (headers.get("License-Expression") or "").strip()
    if expression:
        return (expression,)
    text = (headers.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 100 and text.upper() != "UNKNOWN":
        return (text,)
    classifiers = headers.get_all("Classifier") or ()
    names = [c.split("::")[-1].strip() for c in classifiers if c.startswith("License ::")]
    return tuple(dict.fromkeys(n for n in names if n and n != "OSI Approved"))


def operating_system(os_release: str, debian_version: str = "") -> OperatingSystem | None:
    """The image's distribution from its os-release file, at the point release its
    `/etc/debian_version` names when that is one of it (12.8 for VERSION_ID 12)."""
    values = {}
    for line in os_release.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip("\"'")
    id_, version_id = values.get("ID", "").lower(), values.get("VERSION_ID", "")
    if not id_ or not version_id:
        return None
    point = debian_version.strip()
    version = point if re.fullmatch(re.escape(version_id) + r"(\.\d+)*", point) else version_id
    return OperatingSystem(id_, version_id, version)
