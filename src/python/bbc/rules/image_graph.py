"""Rules that build the BBC hierarchy from every `docker_image` target and its Dockerfile."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from pants.backend.docker.goals.package_image import DockerPackageFieldSet
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import AllDockerImageTargets
from pants.backend.docker.util_rules.docker_build_args import (
    DockerBuildArgs,
    DockerBuildArgsRequest,
)
from pants.build_graph.address import AddressInput, BuildFileAddress, BuildFileAddressRequest
from pants.engine.addresses import Address
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.value_interpolation import InterpolationContext

from bbc.core import chain
from bbc.core.chain import ChainError, final_chain
from bbc.core.hierarchy import Hierarchy, Image
from bbc.rules.dockerfiles import ImageDockerfileRequest, ParsedDockerfile
from bbc.target_types import ImageVersionField, ParentVersionsField


@dataclass(frozen=True)
class ImageInfo:
    address: Address
    version: str
    repository: str
    dockerfile: str
    parent_arg: str | None  # the ARG that names the parent, e.g. SOURCE_IMAGE
    parent_ref: str | None  # its value as written, e.g. images/python:python
    parent_versions: str | None
    build_file: str  # where a fix goes, e.g. images/root/BUILD
    error: str | None = None  # why this image's chain is broken, naming the fix


@dataclass(frozen=True)
class ImageInfoRequest:
    address: Address


def repository_of(target: Target, options: DockerOptions) -> str:
    field_set = DockerPackageFieldSet.create(target)
    return field_set.format_repository(options.default_repository, InterpolationContext())


@rule
async def image_info(request: ImageInfoRequest, options: DockerOptions) -> ImageInfo:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    target = wrapped.target
    dockerfile, build_args, build_file = await MultiGet(
        Get(ParsedDockerfile, ImageDockerfileRequest(target.address)),
        Get(DockerBuildArgs, DockerBuildArgsRequest(target)),
        Get(
            BuildFileAddress,
            BuildFileAddressRequest(target.address, description_of_origin="<bbc>"),
        ),
    )
    explicit_args = {k: v for k, has, v in (a.partition("=") for a in build_args) if has}
    info = ImageInfo(
        address=target.address,
        version=target[ImageVersionField].value,
        repository=repository_of(target, options),
        dockerfile=dockerfile.path,
        parent_arg=None,
        parent_ref=None,
        parent_versions=target[ParentVersionsField].value,
        build_file=build_file.rel_path,
    )
    try:
        chain = final_chain(dockerfile.path, dockerfile.instructions, explicit_args)
    except ChainError as e:
        return _with_error(info, str(e))
    return replace(info, parent_arg=chain.parent_arg, parent_ref=chain.parent_ref)


def _with_error(info: ImageInfo, error: str) -> ImageInfo:
    return replace(info, error=f"{info.address}: {error}")


@dataclass(frozen=True)
class ImageGraph:
    infos: FrozenDict[Address, ImageInfo]
    parents: FrozenDict[Address, Address]  # only images whose parent is a known image

    @cached_property
    def hierarchy(self) -> Hierarchy:
        return Hierarchy(
            Image(
                address=str(info.address),
                version=info.version,
                repository=info.repository,
                parent=str(self.parents[a]) if a in self.parents else None,
                parent_versions=info.parent_versions,
                build_file=info.build_file,
            )
            for a, info in self.infos.items()
            if info.error is None
        )

    def parent(self, address: Address) -> Address | None:
        return self.parents.get(address)

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


def _resolve_parent(info: ImageInfo, known: set[Address]) -> tuple[Address | None, str | None]:
    if info.parent_ref is None:
        return None, None
    try:
        parent = AddressInput.parse(
            info.parent_ref,
            relative_to=info.address.spec_path,
            description_of_origin=f"ARG {info.parent_arg} in {info.dockerfile}",
        ).dir_to_address()
    except Exception:
        parent = None
    if parent in known:
        return parent, None
    return None, (
        f"{info.dockerfile}: ARG {info.parent_arg}={info.parent_ref} names no docker_image "
        f"target, so the parent image is unknown. Set it to the address of the parent image; "
        f"the images are: {', '.join(sorted(str(a) for a in known))}."
    )


@rule
async def image_graph(targets: AllDockerImageTargets) -> ImageGraph:
    infos = await MultiGet(Get(ImageInfo, ImageInfoRequest(t.address)) for t in targets)
    known = {info.address for info in infos}
    duplicates = chain.duplicate_repositories(
        {str(i.address): (i.repository, i.build_file) for i in infos}
    )
    resolved = {}
    parents = {}
    for info in infos:
        parent, error = _resolve_parent(info, known)
        if str(info.address) in duplicates:
            info = replace(info, error=duplicates[str(info.address)])
        resolved[info.address] = _with_error(info, error) if error else info
        if parent is not None:
            parents[info.address] = parent
    return ImageGraph(FrozenDict(resolved), FrozenDict(parents))


def rules():
    return collect_rules()
