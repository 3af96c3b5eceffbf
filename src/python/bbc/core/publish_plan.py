"""What publishing one image to one registry must do, given what the registry holds. No Pants.

A released version is immutable. The registry's `X.Y.Z` holds the same release as a local
build when it is the very same image (same config digest), or when the registry also holds
the build's content tag (`X.Y.Z-<hash of every build input>`) on the same manifest: the same
sources, built on another machine. Anything else under `X.Y.Z` is a different release.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import semver

from bbc.core.registry_data import RemoteTag
from bbc.core.tags import tag_of, version_tags
from bbc.core.versions import VersionError, parse_version


@dataclass(frozen=True)
class PushPlan:
    push: tuple[str, ...] = ()  # refs to push, in this order
    adopt: str | None = None  # pull this ref first: the registry's bits of the same release
    held_back: tuple[str, ...] = ()  # moving tags that stay on a newer release
    refusal: str | None = None


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


def may_move(tag: str, version: str, released: Iterable[semver.Version]) -> bool:
    """A moving tag never goes back: `X.Y`, `X` and `latest` point at the highest release whose
    tags include them. Other tags (a registry's `extra_image_tags`) always move."""
    if tag not in version_tags(version):
        return True
    ours = parse_version(version)
    return all(ours >= r for r in released if tag in version_tags(str(r)))


def plan_push(
    exact: str,
    content: str,
    moving: tuple[str, ...],
    image_id: str,
    remote: Mapping[str, RemoteTag | None],
    registry_tags: Iterable[str] = (),
    target: str = "<target>",
) -> PushPlan:
    """Exact first, then the content tag, then the moving tags; never a changed `X.Y.Z`.

    `remote`: what each of the image's refs points at in the registry (None: absent);
    `registry_tags`: every tag of the repository there.
    """
    released = released_versions(registry_tags)
    version = tag_of(exact)
    movable = tuple(ref for ref in moving if may_move(tag_of(ref), version, released))
    held_back = tuple(ref for ref in moving if ref not in movable)
    held = remote.get(exact)
    if held is None:
        return PushPlan(push=(exact, content, *movable), held_back=held_back)
    same_image = held.config_digest == image_id
    content_held = remote.get(content)
    same_sources = content_held is not None and content_held.manifest_digest == held.manifest_digest
    if not (same_image or same_sources):
        return PushPlan(
            refusal=(
                f"{exact} is already released with different content (registry config "
                f"{held.config_digest or held.manifest_digest}, this build {image_id}, built from "
                f"inputs it does not hold: {content}). A released version never changes: bump "
                f"the version (./pants bbc-bump --level=patch {target}) and publish again."
            )
        )
    stale = tuple(
        ref
        for ref in (content, *movable)
        if remote.get(ref) is None or remote[ref].manifest_digest != held.manifest_digest
    )
    return PushPlan(push=stale, adopt=None if same_image else exact, held_back=held_back)
