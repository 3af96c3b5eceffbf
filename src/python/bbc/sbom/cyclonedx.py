"""An image's software bill of materials as CycloneDX JSON, from what it holds (sbom/contents.py),
and what such a document says read back. Plain functions over plain data.

What scanners need is in it: the operating system as a component (a scanner matches Debian
packages to advisories only when it knows the release), purls per the purl spec (deb: `arch`,
`distro`, `epoch`, and `upstream` naming the source package advisories are filed under), the real
dependency graph (an entry with an empty `dependsOn` means "depends on nothing", so only what is
known is written), licenses and the tool that wrote it. Once published, the image component
carries a `pkg:oci` purl with the manifest digest and repository.

The SBOM is a pure function of the image (and, once published, of where): its serial number
derives from the image id and its timestamp is the image's creation time.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from cyclonedx.exception.factory import InvalidSpdxLicenseException
from cyclonedx.factory.license import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot5, JsonV1Dot6
from debian.debian_support import Version
from packageurl import PackageURL  # pants: no-infer-dep (cyclonedx-python-lib brings it)

from bbc import __version__
from bbc.model.content import pep503_name
from bbc.sbom.contents import ImagePackages, OperatingSystem, Package

_NAMESPACE = uuid.UUID("6f1c5a56-8f1e-4a59-9a0e-3b1b2f2d5b8e")  # the plugin's SBOM serials
TOOL = "bbc"  # metadata.tools' name for this plugin
SPEC_VERSIONS = {"1.5": JsonV1Dot5, "1.6": JsonV1Dot6}
_VERSION_ID = "io.bbc.os-version-id"


@dataclass(frozen=True)
class Publication:
    """Where a release is: `registry/repository` and its manifest digest."""

    repository: str
    digest: str  # sha256:<hex>


def purl(package: Package, distro: str | None = None) -> PackageURL:
    if package.kind != "deb":
        return PackageURL("pypi", None, pep503_name(package.name), package.version)
    version = Version(package.version)
    qualifiers = {"arch": package.arch} if package.arch else {}
    if distro:
        qualifiers["distro"] = distro
    epoch = version.epoch if version.epoch not in (None, "", "0") else None
    if epoch:
        qualifiers["epoch"] = epoch
    if package.source and (package.source != package.name or package.source_version):
        qualifiers["upstream"] = f"{package.source}@{package.source_version or package.version}"
    without_epoch = package.version.split(":", 1)[-1] if version.epoch else package.version
    vendor = distro.rsplit("-", 1)[0] if distro else "debian"  # the feed: debian, ubuntu
    return PackageURL("deb", vendor, package.name, without_epoch, qualifiers)


def image_purl(repository: str, version: str, published: Publication) -> PackageURL:
    """The convention for a container image: `pkg:oci/<name>@<digest>?repository_url=...`."""
    name = published.repository.rsplit("/", 1)[-1].lower()
    qualifiers = {"repository_url": published.repository, "tag": version}
    return PackageURL("oci", None, name, published.digest, qualifiers)


def sbom(
    repository: str,
    version: str,
    content_tag: str,
    image_id: str,
    found: ImagePackages,
    spec_version: str = "1.6",
    published: Publication | None = None,
) -> str:
    """The image's CycloneDX JSON, of `spec_version` (one of SPEC_VERSIONS)."""
    image = Component(
        name=repository,
        version=version,
        type=ComponentType.CONTAINER,
        bom_ref=f"{repository}:{content_tag}",
        purl=image_purl(repository, version, published) if published else None,
        properties=[
            Property(name="io.bbc.content-tag", value=content_tag),
            Property(name="io.bbc.image-id", value=image_id),
        ],
    )
    system = found.os
    os_component = (
        Component(
            name=system.id,
            version=system.version,
            type=ComponentType.OPERATING_SYSTEM,
            bom_ref=f"os:{system.id}@{system.version}",
            properties=[Property(name=_VERSION_ID, value=system.version_id)],
        )
        if system
        else None
    )
    components: dict[Package, Component] = {}
    for package in found.packages:
        url = purl(package, system.distro if system else None)
        components[package] = Component(
            name=package.name,
            version=package.version,
            type=ComponentType.LIBRARY,
            purl=url,
            bom_ref=url.to_string(),
            licenses=_licenses(package.licenses),
        )
    bom = Bom(
        serial_number=uuid.uuid5(_NAMESPACE, image_id),
        metadata=BomMetaData(component=image, timestamp=found.created),
        components=[*([os_component] if os_component else []), *components.values()],
    )
    bom.metadata.tools.components.add(
        Component(name=TOOL, version=__version__, type=ComponentType.APPLICATION)
    )
    debs = [c for p, c in components.items() if p.kind == "deb"]
    pythons = [c for p, c in components.items() if p.kind == "pypi"]
    if os_component:
        bom.register_dependency(image, [os_component, *pythons])
        bom.register_dependency(os_component, debs)
    else:
        bom.register_dependency(image, [*debs, *pythons])
    by_key = {(p.kind, p.key): c for p, c in components.items()}
    for package, component in components.items():
        bom.register_dependency(
            component,
            [by_key[(package.kind, k)] for k in package.depends if (package.kind, k) in by_key],
        )
    document = json.loads(SPEC_VERSIONS[spec_version](bom).output_as_string())
    if found.created is None:  # not the time of writing: the same image, the same document
        document["metadata"].pop("timestamp", None)
    for entry in document.get("dependencies", ()):
        entry.setdefault("dependsOn", [])  # known to depend on nothing, said explicitly
    return json.dumps(document, indent=2) + "\n"


def _licenses(names: tuple[str, ...]) -> list:
    """One license: an SPDX id, expression or name. Several: ids and names (CycloneDX allows an
    expression only alone), an expression among them by its text."""
    factory = LicenseFactory()
    if len(names) == 1:
        return [factory.make_from_string(names[0])]
    found = []
    for name in names:
        try:
            found.append(factory.make_with_id(name))
        except InvalidSpdxLicenseException:
            found.append(factory.make_with_name(name))
    return found


def _document(text: str) -> tuple[dict, list]:
    """An SBOM's document and its components; ValueError when the text is not CycloneDX JSON."""
    try:
        document = json.loads(text)
        return document, list(document.get("components") or [])
    except (ValueError, AttributeError, TypeError):
        raise ValueError("not CycloneDX JSON")


def sbom_packages(text: str) -> list[Package]:
    """The packages an SBOM lists (a release's, read from its registry). ValueError when the text
    is not CycloneDX JSON this plugin can read."""
    try:
        document, components = _document(text)
        return _packages(components, _graph(document))
    except (AttributeError, TypeError, KeyError) as e:
        raise ValueError(f"not CycloneDX JSON this plugin can read ({type(e).__name__}: {e})")


def _graph(document: dict) -> dict[str, list[str]]:
    return {
        str(d.get("ref")): [str(r) for r in d.get("dependsOn") or ()]
        for d in document.get("dependencies") or ()
        if isinstance(d, dict)
    }


def _license_names(component: dict) -> tuple[str, ...]:
    names = []
    for entry in component.get("licenses") or ():
        if "expression" in entry:
            names.append(entry["expression"])
        else:
            license_ = entry.get("license") or {}
            names.append(license_.get("id") or license_.get("name") or "")
    return tuple(n for n in names if n)


def _packages(components: list, graph: dict[str, list[str]]) -> list[Package]:
    by_ref: dict[str, Package] = {}  # bom-ref -> its package, dependencies still to name
    for component in components:
        try:
            url = PackageURL.from_string(component["purl"])
        except (KeyError, ValueError, TypeError):
            continue  # not a package this plugin lists
        if url.type not in ("deb", "pypi"):
            continue
        qualifiers = url.qualifiers or {}
        source, _, source_version = (qualifiers.get("upstream") or "").partition("@")
        properties = {p.get("name"): p.get("value") for p in component.get("properties") or ()}
        source = source or properties.get("io.bbc.debian-source")  # releases before upstream=
        version = str(component.get("version") or url.version or "")
        by_ref[str(component.get("bom-ref"))] = Package(
            url.type,
            str(component.get("name") or url.name),
            version,
            qualifiers.get("arch"),
            source or (url.name if url.type == "deb" else None),
            source_version if source_version and source_version != version else None,
            (),
            _license_names(component),
        )
    return [
        replace(
            package,
            depends=tuple(sorted(by_ref[r].key for r in graph.get(ref, ()) if r in by_ref)),
        )
        for ref, package in by_ref.items()
    ]


def sbom_image(text: str) -> ImagePackages:
    """What an SBOM written by `sbom` says of its image: what it holds and its creation time, as
    `sbom` was given them. ValueError when the text is not such an SBOM (another tool's, or an
    older version of this plugin's, which said less)."""
    try:
        found = _sbom_image(text)
        for package in found.packages:
            if package.kind == "deb":
                Version(package.version)  # ValueError if it is none: `sbom` could not write it
        return found
    except (AttributeError, TypeError, KeyError) as e:
        raise ValueError(f"not CycloneDX JSON this plugin can read ({type(e).__name__}: {e})")


def _sbom_image(text: str) -> ImagePackages:
    document, components = _document(text)
    tools = ((document.get("metadata") or {}).get("tools") or {}).get("components") or ()
    if not any(isinstance(t, dict) and t.get("name") == TOOL for t in tools):
        raise ValueError(f"not written by this plugin (metadata.tools names no {TOOL})")
    stamp = (document.get("metadata") or {}).get("timestamp")
    try:
        created = datetime.fromisoformat(stamp) if stamp else None
    except (TypeError, ValueError):
        raise ValueError(f"its timestamp {stamp!r} is not a time")
    system = None
    for component in components:
        if component.get("type") == "operating-system":
            properties = {p.get("name"): p.get("value") for p in component.get("properties") or ()}
            version = str(component.get("version") or "")
            system = OperatingSystem(
                str(component.get("name") or ""), properties.get(_VERSION_ID) or version, version
            )
    return ImagePackages(tuple(_packages(components, _graph(document))), system, created)
