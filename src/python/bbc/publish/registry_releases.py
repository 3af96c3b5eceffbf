"""An image's releases, read from its registries (the source of truth): every version tag with
its digest, content tag, parent release and the moving tags on it (and on its variants)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.engine.addresses import Address
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest

from bbc.model.tags import VARIANT_AFTER, ref, tag_of, variant_template_problem, with_variant
from bbc.publish.history import (
    RegistryReleases,
    moving_tags,
    own_tags,
    release_rows,
    released_versions,
    variant_moving_tags,
)
from bbc.publish.registry import Registries, list_tags, read_labels, read_manifests
from bbc.publish.release import repositories
from bbc.subsystems import BBC
from bbc.target_types import VariantsField


@dataclass(frozen=True)
class ImageReleases:
    address: Address
    registries: tuple[RegistryReleases, ...]


@dataclass(frozen=True)
class ImageReleasesRequest:
    address: Address


@dataclass(frozen=True)
class _RegistryReleasesRequest:
    alias: str
    address: str
    repository: str
    variants: tuple[str, ...] = ()  # the image's variants
    template: str = VARIANT_AFTER  # [bbc].variant_tag_template


@dataclass(frozen=True)
class _LabelsRequest:
    address: str
    ref: str


@dataclass(frozen=True)
class _Labels:
    value: tuple[tuple[str, str], ...] | str | None  # the labels, no such tag, or a failure


@rule
async def labels(request: _LabelsRequest, registries: Registries) -> _Labels:
    found = await read_labels(registries, request.address, request.ref, "releases")
    return _Labels(tuple(sorted(found.items())) if isinstance(found, dict) else found)


@rule(desc="Reading an image's releases")
async def registry_releases(
    request: _RegistryReleasesRequest, registries: Registries
) -> RegistryReleases:
    key = "releases"
    tags = await list_tags(registries, request.address, request.repository, key)
    if isinstance(tags, str):
        return RegistryReleases(
            request.alias, request.repository, failure=tags, address=request.address
        )
    variants, template = request.variants, request.template
    own = own_tags(tags, variants, template)
    versions = released_versions(own)
    of_variants = [
        t for v in versions for n in variants if (t := with_variant(v, n, template)) in tags
    ]
    moving = (*moving_tags(own), *variant_moving_tags(tags, variants, template))
    refs = tuple(ref(request.repository, t) for t in (*versions, *of_variants, *moving))
    digests = await read_manifests(registries, request.address, refs, key) if refs else {}
    if isinstance(digests, str):
        return RegistryReleases(
            request.alias, request.repository, failure=digests, address=request.address
        )
    labels = (
        await MultiGet(
            Get(_Labels, _LabelsRequest(request.address, ref(request.repository, v)))
            for v in versions
        )
        if versions
        else ()
    )
    problems = [found.value for found in labels if isinstance(found.value, str)]
    if problems:
        return RegistryReleases(
            request.alias, request.repository, failure=problems[0], address=request.address
        )
    rows = release_rows(
        tags,
        {tag_of(r): d for r, d in digests.items()},
        {v: dict(found.value or ()) for v, found in zip(versions, labels)},
        variants,
        template,
    )
    return RegistryReleases(request.alias, request.repository, tuple(rows), address=request.address)


@rule(desc="Reading an image's releases")
async def image_releases(
    request: ImageReleasesRequest, options: DockerOptions, bbc: BBC
) -> ImageReleases:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    variants = tuple(sorted(wrapped.target[VariantsField].value or ()))
    problem = variant_template_problem(bbc.variant_tag_template) if variants else None
    if problem:  # its variants' tags cannot be read
        return ImageReleases(
            request.address,
            tuple(
                RegistryReleases(
                    registry.alias,
                    f"{registry.address}/{name}",
                    failure=problem,
                    address=registry.address,
                )
                for registry, name in repositories(wrapped.target, options)
            ),
        )
    found = await MultiGet(
        Get(
            RegistryReleases,
            _RegistryReleasesRequest(
                registry.alias,
                registry.address,
                f"{registry.address}/{name}",
                variants,
                bbc.variant_tag_template,
            ),
        )
        for registry, name in repositories(wrapped.target, options)
    )
    return ImageReleases(request.address, tuple(found))


def rules():
    return collect_rules()
