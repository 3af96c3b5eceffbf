"""Each release's SBOM in its registry, part of the registry client (publish/registry.py): a CycloneDX
artifact tagged `sha256-<hex>.sbom` after the image manifest's digest (cosign's and ORAS's tag
convention; registry:2 has no OCI referrers API). skopeo pushes it from an OCI layout
(sbom/artifact.py) and reads it back as a `dir:` copy.

A recorded SBOM is never replaced: publish/release.py records one only where the tag is not there.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule

from bbc.model.tags import ref, sbom_tag
from bbc.publish.registry import (
    Artifact,
    ArtifactRequest,
    Registries,
    list_tags,
    push_artifact,
)
from bbc.sbom.artifact import sbom_layout, sbom_of_copy


async def record_sbom(
    registries: Registries,
    address: str,
    repository: str,
    image_digest: str,
    sbom: bytes,
) -> str | None:
    """Push the SBOM of the release `repository@image_digest` (its caller checks that none is
    recorded yet: a recorded SBOM is never replaced): the failure, if any.

    Two publishers of one release both record its SBOM; registry:2 may then fail one push
    ("blob unknown") while the other's is half done. The loser looks again: a recorded SBOM is
    the release's, whoever pushed it; if there is none, it pushes once more."""
    tag = sbom_tag(image_digest)
    target = ref(repository, tag)
    failure = await _push_sbom(registries, address, target, image_digest, sbom, "first")
    if failure is None:
        return None
    tags = await list_tags(registries, address, repository, f"record-sbom:{image_digest}:again")
    if isinstance(tags, tuple) and tag in tags:
        return None
    failure = await _push_sbom(registries, address, target, image_digest, sbom, "again")
    return None if failure is None else f"recording its SBOM as {target} failed: {failure}"


async def _push_sbom(
    registries: Registries, address: str, target: str, image_digest: str, sbom: bytes, try_: str
) -> str | None:
    return await push_artifact(
        registries,
        address,
        sbom_layout(sbom, image_digest),
        target,
        f"record-sbom:{image_digest}:{try_}",
        f"Recording the SBOM of the release {image_digest} as {target}",
    )


@dataclass(frozen=True)
class ReleaseSBOMRequest:
    address: str  # the registry's
    repository: str  # <address>/<name>
    image_digest: str  # the release's manifest digest


@dataclass(frozen=True)
class ReleaseSBOM:
    text: str | None  # None: no SBOM recorded for it
    failure: str | None = None  # why it could not be read


@rule(desc="Reading a release's SBOM from its registry")
async def release_sbom(request: ReleaseSBOMRequest) -> ReleaseSBOM:
    source = ref(request.repository, sbom_tag(request.image_digest))
    copy = await Get(
        Artifact,
        ArtifactRequest(request.address, source, f"sbom:{request.image_digest}", "the SBOM"),
    )
    if copy.failure:
        return ReleaseSBOM(None, copy.failure)
    if copy.files is None:
        return ReleaseSBOM(None)
    try:
        sbom = sbom_of_copy(dict(copy.files))
    except ValueError as e:
        return ReleaseSBOM(None, f"{source} is not readable: {e}")
    return ReleaseSBOM(sbom.decode(errors="replace"))


def rules():
    return collect_rules()
