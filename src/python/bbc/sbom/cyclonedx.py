"""An image's software bill of materials: CycloneDX JSON of its Debian packages and Python
distributions, from files read out of the image (dpkg's status database, `*.dist-info/METADATA`
and `os-release`). Plain functions over their text.

The SBOM is a pure function of the image: its serial number derives from the image id and its
timestamp is the image's creation time, so the same image always gets the same document.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.parser import HeaderParser

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from debian.deb822 import Deb822
from packageurl import PackageURL  # pants: no-infer-dep (cyclonedx-python-lib brings it)

from bbc.model.content import pep503_name

_NAMESPACE = uuid.UUID("6f1c5a56-8f1e-4a59-9a0e-3b1b2f2d5b8e")  # the plugin's SBOM serials


@dataclass(frozen=True)
class Package:
    kind: str  # deb or pypi
    name: str
    version: str
    arch: str | None = None
    source: str | None = None  # a Debian binary package's source package

    @property
    def purl(self) -> PackageURL:
        if self.kind == "deb":
            qualifiers = {"arch": self.arch} if self.arch else {}
            return PackageURL("deb", "debian", self.name, self.version, qualifiers)
        return PackageURL("pypi", None, pep503_name(self.name), self.version)


def debian_packages(dpkg_status: str) -> list[Package]:
    """The installed packages in dpkg's status database (`/var/lib/dpkg/status`). ValueError
    for an installed package without a name or version (dpkg never writes one)."""
    found = []
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
        source = paragraph.get("Source", "").split(" ")[0] or None
        found.append(
            Package(
                "deb",
                paragraph["Package"],
                paragraph["Version"],
                paragraph.get("Architecture"),
                source,
            )
        )
    return sorted(found, key=lambda p: (p.name, p.arch or ""))


def python_distributions(metadata: list[str]) -> list[Package]:
    """The distributions whose `METADATA` (or `PKG-INFO`) texts are given, once each."""
    found = {}
    for text in metadata:
        headers = HeaderParser().parsestr(text)
        name, version = headers.get("Name"), headers.get("Version")
        if name and version:
            key = (pep503_name(name), version)
            found.setdefault(key, Package("pypi", name, version))
    return sorted(found.values(), key=lambda p: p.name.lower())


def os_release(text: str) -> str | None:
    """`debian-12` from an os-release file, for the deb purls' `distro` qualifier."""
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    name, version = values.get("ID", "").strip('"'), values.get("VERSION_ID", "").strip('"')
    return f"{name}-{version}" if name and version else None


def sbom(
    repository: str,
    version: str,
    content_tag: str,
    image_id: str,
    created: datetime | None,
    packages: list[Package],
    distro: str | None = None,
) -> str:
    """The image's CycloneDX 1.6 JSON."""
    image = Component(
        name=repository,
        version=version,
        type=ComponentType.CONTAINER,
        bom_ref=f"{repository}:{content_tag}",
        properties=[
            Property(name="io.bbc.content-tag", value=content_tag),
            Property(name="io.bbc.image-id", value=image_id),
        ],
    )
    components = []
    for package in packages:
        purl = package.purl
        if package.kind == "deb" and distro:
            purl = PackageURL(
                purl.type,
                purl.namespace,
                purl.name,
                purl.version,
                {**purl.qualifiers, "distro": distro},
            )
        properties = (
            [Property(name="io.bbc.debian-source", value=package.source)] if package.source else []
        )
        components.append(
            Component(
                name=package.name,
                version=package.version,
                type=ComponentType.LIBRARY,
                purl=purl,
                bom_ref=purl.to_string(),
                properties=properties,
            )
        )
    bom = Bom(
        serial_number=uuid.uuid5(_NAMESPACE, image_id),
        metadata=BomMetaData(component=image, timestamp=created),
        components=components,
    )
    bom.register_dependency(image, components)
    return JsonV1Dot6(bom).output_as_string(indent=2)


def _document(text: str) -> tuple[dict, list]:
    """An SBOM's document and its components; ValueError when the text is not CycloneDX JSON."""
    try:
        document = json.loads(text)
        return document, document.get("components") or []
    except (ValueError, AttributeError):
        raise ValueError("not CycloneDX JSON")


def sbom_packages(text: str) -> list[Package]:
    """The packages an SBOM written by `sbom` lists (a release's, read from its registry).
    ValueError when the text is not such an SBOM."""
    return _packages(_document(text)[1])


def _packages(components: list) -> list[Package]:
    found = []
    for component in components:
        try:
            purl = PackageURL.from_string(component["purl"])
        except (KeyError, ValueError):
            continue  # not a package this plugin lists
        if purl.type not in ("deb", "pypi"):
            continue
        properties = {p.get("name"): p.get("value") for p in component.get("properties") or ()}
        found.append(
            Package(
                purl.type,
                component.get("name") or purl.name,
                component.get("version") or purl.version or "",
                (purl.qualifiers or {}).get("arch"),
                properties.get("io.bbc.debian-source"),
            )
        )
    return found


@dataclass(frozen=True)
class ImagePackages:
    """What an image holds, as its own files say."""

    packages: tuple[Package, ...]
    distro: str | None
    created: datetime | None


def sbom_image(text: str) -> ImagePackages:
    """What an SBOM written by `sbom` says of its image: its packages, the distro of its deb
    purls and the image's creation time, as `sbom` was given them. ValueError when the text is
    not such an SBOM."""
    document, components = _document(text)
    distros = {
        PackageURL.from_string(c["purl"]).qualifiers.get("distro")
        for c in components
        if str(c.get("purl", "")).startswith("pkg:deb/")
    }
    stamp = (document.get("metadata") or {}).get("timestamp")
    try:
        created = datetime.fromisoformat(stamp) if stamp else None
    except (TypeError, ValueError):
        raise ValueError(f"its timestamp {stamp!r} is not a time")
    distro = distros.pop() if len(distros) == 1 else None
    return ImagePackages(tuple(_packages(components)), distro, created)
