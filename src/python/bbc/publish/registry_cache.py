"""The registries as a shared build cache (`[bbc].registry_cache`, on by default).

An image that is not in the engine is looked up by its content tag in its registries, in order,
before it is built. A content tag names exactly one content (model/content.py), so an image found
there is what this build would make: it is pulled instead, by digest, and used only if its
`io.bbc.content` label says that content. Its children are then built FROM the pulled bits,
which are the released ones. A registry that cannot be read is said once per run; the images
are then built here. With `[bbc].signing_key`, an image is pulled only when its content tag has
a signature by that key (signing/); anyone who can push could have copied its label.

The lookup needs only the image's content tag (model/identity.py), never its parent's bits, so
build/image.py starts it together with the parent's build or pull: a family's pulls overlap (the
engine downloads a layer they share once). A child whose parent fails is still reported blocked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.engine.addresses import Address
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from bbc.build.types import ImageBuild
from bbc.model.content import CONTENT_LABEL
from bbc.model.tags import registry_refs
from bbc.publish.registry import Registries, pull_process, read_release, transfer
from bbc.publish.release import repositories
from bbc.sbom.contents import ImagePackages
from bbc.sbom.cyclonedx import sbom_image
from bbc.sbom.registry_sbom import ReleaseSBOM, ReleaseSBOMRequest
from bbc.signing.signatures import Signatures, SignaturesRequest, Signing
from bbc.subsystems import BBC

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedImageRequest:
    address: Address
    version: str  # the exact version tag
    content_tag: str
    content_hash: str
    local_refs: tuple[str, ...]  # the tags it gets here, content tag last
    variant: str | None = None  # the image variant it is (its tags say so)


@dataclass(frozen=True)
class CachedImage:
    """The image as pulled from a registry; no image id when no registry holds it."""

    image_id: str = ""
    pulled_from: str = ""  # the registry ref of its exact version
    digest: str = ""  # the manifest digest pulled
    packages: ImagePackages | None = None  # what its release's SBOM lists, when it has one
    failure: str | None = None


@dataclass(frozen=True)
class _SilentRegistry:
    alias: str
    address: str
    reason: str = field(default="", compare=False)  # the first image's


@dataclass(frozen=True)
class _Said:
    pass


@rule(desc="Saying that a registry did not answer", level=LogLevel.DEBUG)
async def say_silent(request: _SilentRegistry) -> _Said:
    """Once per registry and pantsd (the request is memoized): a registry that is often down,
    such as an example in pants.toml, is not said in every run."""
    logger.warning(
        f"The registry @{request.alias} ({request.address}) could not be read "
        f"({request.reason}): images not in the Docker engine are built here instead of pulled "
        f"from it. Start it or fix its address, or turn the registry cache off with "
        f"[bbc].registry_cache = false."
    )
    return _Said()


@rule(desc="Looking for an image in the registries", level=LogLevel.DEBUG)
async def cached_image(
    request: CachedImageRequest, options: DockerOptions, bbc: BBC, signing: Signing
) -> CachedImage:
    if not bbc.registry_cache:
        return CachedImage()
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    found_in = repositories(wrapped.target, options, pushed_to=False)
    if not found_in:
        return CachedImage()
    registries = await Get(Registries)  # (skopeo is needed only from here)
    for registry, repository in found_in:
        refs = registry_refs(
            registry.alias,
            registry.address,
            repository,
            request.version,
            request.content_tag,
            variant=request.variant,
            template=bbc.variant_tag_template,
        )
        found = await read_release(
            registries, registry.address, refs.content, f"{request.content_hash}:cache"
        )
        if isinstance(found, str):
            reason = found.split(" Check its address")[0]
            said = _SilentRegistry(registry.alias, registry.address, reason.rstrip("."))
            await Get(_Said, _SilentRegistry, said)
            continue
        if found is None:
            continue
        if found.content != request.content_hash:
            return CachedImage(
                failure=(
                    f"{request.address}: the registry @{registry.alias} holds {refs.content}, "
                    f"but its {CONTENT_LABEL} label says {found.content or 'nothing'}, not "
                    f"{request.content_hash}: it is not this image's content, and it was not "
                    f"used. Remove that tag from the registry, or build here with "
                    f"[bbc].registry_cache = false."
                )
            )
        if signing.key:
            # Whoever can push to the registry could have copied the label: with a key, only
            # what the organisation signed is used.
            checked = await Get(
                Signatures,
                SignaturesRequest(
                    registry.address,
                    refs.repository,
                    ((refs.content.rpartition(":")[2], found.manifest_digest),),
                    sign=False,
                ),
            )
            if checked.tags("signed") == ():
                why = checked.failure or f"no signature by {signing.key} in {signing.store}"
                logger.warning(
                    f"{request.address}: the registry @{registry.alias} holds {refs.content} "
                    f"({found.manifest_digest}), but it has {why}: not used, built here."
                )
                continue
        process = pull_process(
            registries,
            f"{refs.repository}@{found.manifest_digest}",
            request.local_refs,
            f"Pulling {refs.content} ({request.address}) instead of building it",
            CONTENT_LABEL,
            request.content_hash,
        )
        # Its SBOM, if its release has one recorded, saves exporting the image to read it: read
        # while the image is pulled.
        result, recorded = await MultiGet(
            Get(FallibleProcessResult, Process, process),
            Get(
                ReleaseSBOM,
                ReleaseSBOMRequest(registry.address, refs.repository, found.manifest_digest),
            ),
        )
        pulled = transfer("pull", result)
        if pulled.failure:
            return CachedImage(
                failure=f"{request.address}: pulling {refs.content} failed: {pulled.failure}"
            )
        return CachedImage(
            pulled.stdout.strip(), refs.exact, found.manifest_digest, _listed(recorded.text)
        )
    return CachedImage()


def _listed(sbom_text: str | None) -> ImagePackages | None:
    """What a release's SBOM lists; None for one this plugin did not write (the image is then
    read from the engine)."""
    try:
        return sbom_image(sbom_text) if sbom_text else None
    except ValueError:
        return None


def cache_request(build: ImageBuild, version: str) -> CachedImageRequest:
    return CachedImageRequest(
        build.address,
        version,
        build.content_tag,
        build.content_hash,
        build.refs,
        build.image_variant,
    )


async def from_registry(build: ImageBuild, version: str) -> ImageBuild | None:
    """The build as pulled from a registry, a failure if the registry's is not its content, or
    None: build it."""
    cached = await Get(CachedImage, CachedImageRequest, cache_request(build, version))
    if cached.failure:
        return replace(build, failure=cached.failure)
    if not cached.image_id:
        return None
    return replace(
        build,
        image_id=cached.image_id,
        pulled_from=cached.pulled_from,
        registry_digest=cached.digest,
        release_packages=cached.packages,
    )


def rules():
    return collect_rules()
