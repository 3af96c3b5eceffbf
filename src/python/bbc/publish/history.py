"""An image's release history as a registry holds it: plain functions over its tags and labels.

A release is a version tag (`1.4.2`, `2.0.0-rc.1`); beside it the registry holds its content
tag (`1.4.2-<hash>`) and the moving tags (`1.4`, `1`, `latest`, a registry's extra tags) that
currently point at the same manifest. The plugin's own local tags (`-test`, `-test-base`) are
never pushed; anything else that is not a version is a moving tag. An image's variants
(`cuda12`) are released with it: `1.4.2-cuda12` is the variant of release 1.4.2, not a
prerelease, and its tags (`1.4-cuda12`, `1.4.2-cuda12-<hash>`...) are not the image's: its
moving tags are listed with the release whose variant they point at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from bbc.model.labels import BASE_DIGEST, BASE_NAME, REVISION
from bbc.model.tags import (
    CONTENT_HASH_LENGTH,
    VARIANT_AFTER,
    is_artifact_tag,
    sbom_tag,
    split_variant,
    tag_problem,
    with_variant,
)
from bbc.model.versions import VersionError, parse_version

_CONTENT = re.compile(rf"^(?P<version>.+)-[0-9a-f]{{{CONTENT_HASH_LENGTH}}}$")


@dataclass(frozen=True)
class ReleaseRow:
    version: str
    digest: str  # the manifest digest of the version tag
    content_tag: str | None
    parent: str | None  # the parent release it was built on: `<name>@<digest>`, or its name
    moving: tuple[str, ...]  # moving tags that point at this release now
    revision: str | None = None  # the commit it was built from (org.opencontainers.image.revision)
    variants: tuple[tuple[str, str], ...] = ()  # (variant, manifest digest of X.Y.Z-<variant>)
    sbom: bool = False  # its SBOM is recorded in the registry (under model/tags.py's sbom_tag)
    variant_moving: tuple[str, ...] = ()  # its variants' moving tags on them now (1.4-cuda12)
    template: str = VARIANT_AFTER  # where a variant's name is in its tags ([bbc])

    def variant_tag(self, name: str, tag: str | None = None) -> str:
        """A tag (by default the version) of one of its variants: `1.4.2-cuda12`."""
        return with_variant(tag or self.version, name, self.template)


@dataclass(frozen=True)
class RegistryReleases:
    """What one registry holds of an image: its releases, newest first, or why it could not be
    read."""

    alias: str
    repository: str  # <registry address>/<repository>
    rows: tuple[ReleaseRow, ...] = ()
    failure: str | None = None
    address: str = ""  # the registry's


def variant_of(
    tag: str, variants: tuple[str, ...] | list[str], template: str = VARIANT_AFTER
) -> str | None:
    """The image variant whose tag this is (`1.4-cuda12`, `1.4.2-cuda12-<hash>`), or None."""
    return split_variant(tag, variants, template)[1]


def own_tags(
    tags: tuple[str, ...] | list[str],
    variants: tuple[str, ...] | list[str],
    template: str = VARIANT_AFTER,
) -> list[str]:
    """The tags of the image itself, its variants' left out."""
    return [t for t in tags if variant_of(t, variants, template) is None]


def variant_moving_tags(
    tags: tuple[str, ...] | list[str],
    variants: tuple[str, ...] | list[str],
    template: str = VARIANT_AFTER,
) -> list[str]:
    """The variants' moving tags (`1.4-cuda12`, `latest-cuda12`): a variant's tags that are a
    moving tag of the image's kind with the variant's name."""
    found = []
    for tag in tags:
        own, name = split_variant(tag, variants, template)
        if name and moving_tags([own]):
            found.append(tag)
    return found


def released_versions(tags: tuple[str, ...] | list[str]) -> list[str]:
    """The tags that are released versions, oldest first (semver order)."""
    versions = []
    for tag in tags:
        try:
            parsed = parse_version(tag)
        except VersionError:
            continue
        if tag_problem(tag) is None:
            versions.append((parsed, tag))
    return [tag for _, tag in sorted(versions)]


def content_tags(tags: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Version -> its content tag, for the content tags among `tags`."""
    found = {}
    for tag in tags:
        match = _CONTENT.match(tag)
        if match:
            found[match.group("version")] = tag
    return found


def moving_tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    """Tags that are neither versions, content tags, SBOMs, attestations nor the plugin's local
    variants' tags."""
    versions, contents = set(released_versions(tags)), set(content_tags(tags).values())
    return [
        t
        for t in tags
        if t not in versions and t not in contents and "-test" not in t and not is_artifact_tag(t)
    ]


def final_releases(rows: list[ReleaseRow] | tuple[ReleaseRow, ...]) -> list[ReleaseRow]:
    """The rows that are final releases (no prerelease), in their order (newest first)."""
    return [r for r in rows if not parse_version(r.version).prerelease]


def previous_release(tags: tuple[str, ...] | list[str], version: str) -> str | None:
    """The newest released version older than `version`, or None for a first release."""
    this = parse_version(version)
    older = [v for v in released_versions(tags) if parse_version(v) < this]
    return older[-1] if older else None


def release_rows(
    tags: tuple[str, ...] | list[str],
    digests: Mapping[str, str | None],
    labels: Mapping[str, Mapping[str, str]],
    variants: tuple[str, ...] = (),
    template: str = VARIANT_AFTER,
) -> list[ReleaseRow]:
    """One row per released version, newest first. `digests`: tag -> manifest digest, for the
    versions, their variants' `X.Y.Z-<variant>` and moving tags; `labels`: version -> its
    image's labels."""
    held = set(tags)
    of_variants = variant_moving_tags(tags, variants, template)
    tags = own_tags(tags, variants, template)
    contents = content_tags(tags)
    moving = moving_tags(tags)
    rows = []
    for version in reversed(released_versions(tags)):
        digest = digests.get(version)
        if digest is None:
            continue  # removed between listing and reading
        own = labels.get(version, {})
        parent = own.get(BASE_NAME)
        if parent and own.get(BASE_DIGEST):
            parent = f"{parent.rsplit('@', 1)[0]}@{own[BASE_DIGEST]}"
        released = {
            name: digests.get(with_variant(version, name, template)) or ""
            for name in variants
            if with_variant(version, name, template) in held
        }
        rows.append(
            ReleaseRow(
                version,
                digest,
                contents.get(version),
                parent,
                tuple(t for t in moving if digests.get(t) == digest),
                own.get(REVISION),
                tuple(released.items()),
                sbom_tag(digest) in held,
                tuple(
                    t
                    for t in of_variants
                    if (d := digests.get(t))
                    and d == released.get(variant_of(t, variants, template))
                ),
                template,
            )
        )
    return rows


def render_releases(repository: str, rows: list[ReleaseRow]) -> str:
    """A repository's releases as `bbc-releases` prints them."""
    if not rows:
        return f"{repository}: no releases"
    lines = [f"{repository}:"]
    for row in rows:
        moving = f" [{', '.join(row.moving)}]" if row.moving else ""
        lines.append(f"  {row.version}{moving}  {row.digest}")
        if row.content_tag:
            lines.append(f"    content tag: {row.content_tag}")
        for name, digest in row.variants:
            on = [t for t in row.variant_moving if variant_of(t, [name], row.template)]
            tags = f" [{', '.join(on)}]" if on else ""
            lines.append(f"    variant {name}: {row.variant_tag(name)}{tags}  {digest}")
        lines.append(f"    built on: {row.parent or 'nothing (a root)'}")
        lines.append(f"    SBOM: {sbom_tag(row.digest) if row.sbom else 'none recorded'}")
    return "\n".join(lines)
