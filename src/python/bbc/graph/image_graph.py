"""The BBC hierarchy: every BBC image (a `docker_image` with a `version`), the parent its
Dockerfile names (parent.py), its variants, and what is wrong. Other `docker_image`s are
Pants' (graph/vanilla.py).

A problem of one image (no Dockerfile, a parent that is not an image, a malformed version or
variant) is that image's error: it stops the image and its descendants, never the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from pants.backend.docker.goals.package_image import DockerPackageFieldSet
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageTagsField
from pants.build_graph.address import BuildFileAddress, BuildFileAddressRequest
from pants.engine.addresses import Address
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.value_interpolation import InterpolationContext

from bbc.graph import chain
from bbc.graph.backend_check import BackendCheck
from bbc.graph.chain import declared_args
from bbc.graph.dockerfiles import ImageDockerfile, ImageDockerfileRequest
from bbc.graph.hierarchy import Hierarchy, Image
from bbc.graph.parent import BBCImageTargets, ImageParent, ImageParentRequest
from bbc.model.tags import (
    VARIANT_AFTER,
    image_tags_problem,
    tag_problem,
    variant_template_problem,
)
from bbc.model.variants import parent_variant_problem, variants_problem
from bbc.model.versions import VersionError, parse_range, parse_version
from bbc.subsystems import BBC
from bbc.target_types import (
    ImageVersionField,
    ParentVariantField,
    ParentVersionsField,
    VariantsField,
)


@dataclass(frozen=True)
class ImageInfo:
    address: Address
    version: str
    repository: str
    dockerfile: str
    parent: Address | None
    parent_arg: str | None
    parent_versions: str | None
    build_file: str  # where a fix goes, e.g. images/root/BUILD
    error: str | None = None  # why this image cannot be built, naming the fix
    stage_images: tuple[tuple[str, Address], ...] = ()  # see ImageParent
    base: str | None = None  # see ImageParent
    # Image variants: name -> the build arguments that make it (model/variants.py).
    variants: FrozenDict[str, tuple[str, ...]] = FrozenDict()
    parent_variant: str | None = None  # the parent's variant it is built on; None: the parent


@dataclass(frozen=True)
class ImageInfoRequest:
    address: Address


def repository_of(target: Target, options: DockerOptions) -> str:
    field_set = DockerPackageFieldSet.create(target)
    return field_set.format_repository(options.default_repository, InterpolationContext())


def _field_problem(target: Target, build_file: str) -> str | None:
    """A malformed `version` or `parent_versions`, or `image_tags`: it stops this image only."""
    version, accepted = target[ImageVersionField].value or "", target[ParentVersionsField].value
    try:
        parse_version(version)
        too_long = tag_problem(version)
    except VersionError as e:
        too_long = str(e)
    if too_long:
        return f"version={version!r} in {build_file} is invalid: {too_long}"
    try:
        if accepted is not None:
            parse_range(accepted)
    except VersionError as e:
        return f"parent_versions={accepted!r} in {build_file} is invalid: {e}"
    return image_tags_problem(target[DockerImageTagsField].value, build_file)


@rule
async def image_info(request: ImageInfoRequest, options: DockerOptions, bbc: BBC) -> ImageInfo:
    wrapped, parent, build_file = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")),
        Get(ImageParent, ImageParentRequest(request.address)),
        Get(
            BuildFileAddress,
            BuildFileAddressRequest(request.address, description_of_origin="<bbc>"),
        ),
    )
    target = wrapped.target
    dockerfile = await Get(ImageDockerfile, ImageDockerfileRequest(request.address))
    variants = target[VariantsField].value or FrozenDict()
    problem = _field_problem(target, build_file.rel_path) or parent.problem
    if not problem and variants:
        problem = variant_template_problem(bbc.variant_tag_template) or variants_problem(
            variants,
            target[ImageVersionField].value or "",
            declared_args(dockerfile.instructions),
            parent.arg,
            build_file.rel_path,
            bbc.variant_tag_template,
        )
    return ImageInfo(
        address=target.address,
        version=target[ImageVersionField].value or "0.0.0",
        repository=repository_of(target, options),
        dockerfile=dockerfile.parsed.path if dockerfile.parsed else "",
        parent=parent.address,
        parent_arg=parent.arg,
        parent_versions=target[ParentVersionsField].value,
        build_file=build_file.rel_path,
        error=f"{target.address}: {problem}" if problem else None,
        stage_images=parent.stage_images,
        base=parent.base,
        variants=variants,
        parent_variant=target[ParentVariantField].value,
    )


@dataclass(frozen=True)
class ImageGraph:
    infos: FrozenDict[Address, ImageInfo]
    variant_template: str = VARIANT_AFTER  # [bbc].variant_tag_template

    @cached_property
    def hierarchy(self) -> Hierarchy:
        """Every image, those that cannot be built included (marked broken), so that their
        descendants keep their place in the family."""
        return Hierarchy(
            Image(
                address=str(info.address),
                version=info.version,
                repository=info.repository,
                parent=str(info.parent) if info.parent else None,
                parent_versions=info.parent_versions,
                build_file=info.build_file,
                broken=info.error is not None,
                base=info.base,
                variants=tuple(sorted(info.variants)),
                parent_variant=info.parent_variant,
                variant_template=self.variant_template,
            )
            for info in self.infos.values()
        )

    def parent(self, address: Address) -> Address | None:
        return self.infos[address].parent

    def address(self, spec: str) -> Address:
        """The image's Address from its string form (the hierarchy's names)."""
        return self._addresses[spec]

    @cached_property
    def _addresses(self) -> dict[str, Address]:
        return {str(a): a for a in self.infos}

    def ancestors(self, address: Address) -> list[Address]:
        """Parent first, root last."""
        return [self.address(a) for a in self.hierarchy.ancestors(str(address))]

    def problems(self, address: Address) -> list[str]:
        """What stops this image from being built, each naming the fix (not its ancestors')."""
        info = self.infos[address]
        return [info.error] if info.error else chain.problems_of(self.hierarchy, str(address))


@rule
async def image_graph(targets: BBCImageTargets, bbc: BBC) -> ImageGraph:
    await Get(BackendCheck)
    infos = await MultiGet(Get(ImageInfo, ImageInfoRequest(t.address)) for t in targets)
    duplicates = chain.duplicate_repositories(
        {str(i.address): (i.repository, i.build_file) for i in infos}
    )
    by_address = {info.address: info for info in infos}

    def error(info: ImageInfo) -> str | None:
        if info.error or str(info.address) in duplicates:
            return info.error or duplicates[str(info.address)]
        parent = by_address.get(info.parent) if info.parent else None
        problem = parent_variant_problem(
            info.parent_variant,
            str(info.parent) if info.parent else None,
            parent.variants if parent else (),
            info.build_file,
        )
        return f"{info.address}: {problem}" if problem else None

    return ImageGraph(
        FrozenDict({info.address: replace(info, error=error(info)) for info in infos}),
        bbc.variant_tag_template,
    )


def rules():
    return collect_rules()
