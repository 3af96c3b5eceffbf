"""Each release's SBOM in its registry, part of the registry client (publish/registry.py): a CycloneDX
artifact tagged `sha256-<hex>.sbom` after the image manifest's digest (cosign's and ORAS's tag
convention; registry:2 has no OCI referrers API). skopeo pushes it from an OCI layout written
here (sbom/artifact.py) and reads it back as a `dir:` copy.

A recorded SBOM is never replaced: publish/release.py records one only where the tag is not there.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule

from bbc.model.tags import ref, sbom_tag
from bbc.publish.registry import Registries, answer_of, copy, list_tags
from bbc.publish.registry_data import Outcome
from bbc.sbom.artifact import LAYOUT_REF, sbom_layout, sbom_of_copy


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
    layout = sbom_layout(sbom, image_digest)
    files = await Get(
        Digest, CreateDigest([FileContent(f"sbom/{p}", b) for p, b in layout.items()])
    )
    return await copy(
        registries,
        address,
        f"oci:sbom:{LAYOUT_REF}",
        target,
        f"record-sbom:{image_digest}:{try_}",
        description=f"Recording the SBOM of the release {image_digest} as {target}",
        input_digest=files,
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
async def release_sbom(request: ReleaseSBOMRequest, registries: Registries) -> ReleaseSBOM:
    source = ref(request.repository, sbom_tag(request.image_digest))
    result = await Get(
        FallibleProcessResult,
        Process,
        registries._skopeo(
            request.address,
            "copy",
            f"docker://{source}",
            "dir:copy",
            description=f"Reading the SBOM {source}",
            key=f"sbom:{request.image_digest}",
            sides=("src-",),
            output_directories=("copy",),
        ),
    )
    answer = answer_of(result)
    if answer.outcome is Outcome.NOT_FOUND:
        return ReleaseSBOM(None)
    if answer.outcome is not Outcome.FOUND:
        return ReleaseSBOM(None, f"could not read {source}: {answer.problem(request.address)}")
    contents = await Get(DigestContents, Digest, result.output_digest)
    try:
        sbom = sbom_of_copy({c.path[len("copy/") :]: c.content for c in contents})
    except ValueError as e:
        return ReleaseSBOM(None, f"{source} is not readable: {e}")
    return ReleaseSBOM(sbom.decode(errors="replace"))


def rules():
    return collect_rules()
