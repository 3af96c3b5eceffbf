"""What publishing one image to one registry must do, given what the registry holds. No Pants.

A released version is immutable. The registry's `X.Y.Z` holds the same release as a local
build when it is the very same image (same config digest), or when the registry also holds
the build's content tag (`X.Y.Z-<hash of every build input>`) on the same manifest: the same
sources, built on another machine. Anything else under `X.Y.Z` is a different release.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

import semver

from bbc.versions import VersionError, parse_version, version_tags


@dataclass(frozen=True)
class RemoteTag:
    """What a registry's tag points at."""

    manifest_digest: str
    config_digest: str | None  # None: not a single image (a manifest list, say)


@dataclass(frozen=True)
class PushPlan:
    push: tuple[str, ...] = ()  # refs to push, in this order
    adopt: str | None = None  # pull this ref first: the registry's bits of the same release
    held_back: tuple[str, ...] = ()  # moving tags that stay on a newer release
    refusal: str | None = None


def tag_of(ref: str) -> str:
    """`1.2` of `registry:5000/bbc/web:1.2`."""
    return ref.rsplit(":", 1)[1]


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


def parse_manifest_inspect(stdout: str) -> RemoteTag:
    """`docker manifest inspect -v` output of one tag."""
    data = json.loads(stdout)
    if isinstance(data, list):  # a manifest list: one entry per platform
        return RemoteTag(data[0]["Descriptor"]["digest"] if data else "", None)
    manifest = json.loads(base64.b64decode(data["Raw"]))
    config = manifest.get("config") or {}
    return RemoteTag(data["Descriptor"]["digest"], config.get("digest"))


def is_insecure(registry_address: str, registry_config: Mapping) -> bool:
    """Whether the Docker engine talks plain HTTP to the registry (`docker info`'s
    RegistryConfig: 127.0.0.0/8 by default, plus the daemon's `insecure-registries`)."""
    host = registry_address.split("/")[0]
    index = (registry_config.get("IndexConfigs") or {}).get(host)
    if index is not None:
        return not index.get("Secure", True)
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.strip("[]")
    if name == "localhost":
        name = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(cidr)
        for cidr in registry_config.get("InsecureRegistryCIDRs") or ()
    )


def tool_message(stderr: str) -> str:
    """skopeo's one-line reason without its log decoration (`time=... level=fatal msg="..."`)."""
    found = re.findall(r'msg="((?:[^"\\]|\\.)*)"', stderr)
    return found[-1].replace('\\"', '"') if found else stderr.strip()


def repo_digest(repo_digests: tuple[str, ...], repository: str) -> str | None:
    """The digest of `repository` among an image's RepoDigests (`repo@sha256:...`)."""
    for entry in repo_digests:
        repo, _, digest = entry.rpartition("@")
        if repo == repository:
            return digest
    return None
