"""What publishing may do, given what a registry holds. Plain logic, no Pants.

A released version is immutable. The registry's `X.Y.Z` is the same release as a local build
when its image carries the same content label (`io.bbc.content`, the hash of every build
input): the same sources, wherever they were built. Anything else under `X.Y.Z` is another
release, and publishing this build as `X.Y.Z` is refused.

Moving tags (`X.Y`, `X`, `latest`) never go back: each points at the highest release whose
tags include it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import semver

from bbc.model.tags import VARIANT_AFTER, tag_of, version_tags
from bbc.model.versions import VersionError, parse_version


@dataclass(frozen=True)
class Release:
    """What a registry's tag holds: its manifest, and its image's id and content label."""

    manifest_digest: str
    image_id: str | None  # None: not a single image (a manifest list, say)
    content: str | None  # None: no content label (not a BBC image)

    def same_content(self, content_hash: str) -> bool:
        return self.content == content_hash


def _both(held: Release, content_hash: str) -> str:
    theirs = held.content[:12] if held.content else "none: not built by the BBC plugin"
    return (
        f"(registry: content {theirs}, manifest {held.manifest_digest}; this build: content "
        f"{content_hash[:12]})"
    )


def refusal(exact: str, held: Release, content_hash: str, target: str) -> str:
    return (
        f"{exact} is already released with different content {_both(held, content_hash)}. A "
        f"released version never changes: bump the version (./pants bbc-bump --level=patch "
        f"{target}; with --descendants when its children change too) and publish again."
    )


def lost_race(exact: str, held: Release, content_hash: str, target: str) -> str:
    return (
        f"another publisher released {exact} first, with different content "
        f"{_both(held, content_hash)}. This build was not released as {exact}. Bump the version "
        f"(./pants bbc-bump --level=patch {target}) and publish again."
    )


def released_versions(tags: Iterable[str]) -> tuple[semver.Version, ...]:
    """The releases among a repository's tags (content tags parse as prereleases: left out)."""
    found = []
    for tag in tags:
        try:
            version = parse_version(tag)
        except VersionError:
            continue
        if not version.prerelease:
            found.append(version)
    return tuple(found)


def may_move(
    tag: str,
    version: str,
    released: Iterable[semver.Version],
    variant: str | None = None,
    template: str = VARIANT_AFTER,
) -> bool:
    """A moving tag never goes back: `X.Y`, `X` and `latest` (an image variant's `X.Y-cuda12`,
    `X-cuda12`, `latest-cuda12`) point at the highest release whose tags include them. The
    variants share the image's versions, so the image's releases decide. Other tags (a
    registry's `extra_image_tags`) always move."""
    if tag not in version_tags(version, variant, template):
        return True
    ours = parse_version(version)
    return all(ours >= r for r in released if tag in version_tags(str(r), variant, template))


def moving_plan(
    version: str,
    moving: tuple[str, ...],
    registry_tags: Iterable[str],
    variant: str | None = None,
    template: str = VARIANT_AFTER,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the moving refs this release (of an image variant) may move, the ones a newer release
    holds)."""
    released = released_versions(registry_tags)
    movable = tuple(r for r in moving if may_move(tag_of(r), version, released, variant, template))
    return movable, tuple(r for r in moving if r not in movable)
