"""What an image's Dockerfile builds on: `ImageParent` is the one answer to "what is this image
built on". dependencies.py makes it the image's dependency in Pants' graph (so `--changed-since`
selects its descendants) and image_graph.py's hierarchy uses it, so the two never disagree. The
parent is named by an ARG the final stage is built FROM, resolved as Pants resolves it (its
default, `extra_build_args` or `[docker].build_args`); any other form is refused with the ARG
line to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from pants.backend.docker.target_types import DockerImageSourceField
from pants.backend.docker.util_rules.docker_build_args import (
    DockerBuildArgs,
    DockerBuildArgsRequest,
)
from pants.build_graph.address import BuildFileAddress, BuildFileAddressRequest
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.collection import Collection
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.backend.docker.target_types import AllDockerImageTargets
from pants.engine.target import Target, Targets, WrappedTarget, WrappedTargetRequest

from bbc.graph.chain import ChainError, final_chain, stage_arguments
from bbc.graph.dockerfiles import ImageDockerfile, ImageDockerfileRequest
from bbc.target_types import is_bbc_image


class BBCImageTargets(Collection[Target]):
    """The `docker_image` targets the plugin manages: those with a `version`."""


@rule
def bbc_image_targets(all_images: AllDockerImageTargets) -> BBCImageTargets:
    return BBCImageTargets(t for t in all_images if is_bbc_image(t))


@dataclass(frozen=True)
class ImageParentRequest:
    address: Address


@dataclass(frozen=True)
class ImageParent:
    """What an image's Dockerfile builds on: its parent image (None: a root), the images of its
    other stages (a builder, say), and why they are unknown, if they are."""

    address: Address | None
    arg: str | None  # the ARG that names the parent, e.g. SOURCE_IMAGE
    ref: str | None  # its value, e.g. images/python:python
    # (ARG, image) of every other FROM that names one of the repository's images: built first
    # and passed by content tag, like the parent.
    stage_images: tuple[tuple[str, Address], ...] = ()
    problem: str | None = None
    base: str | None = None  # a root's external base, pinned by digest (graph/chain.py)


async def _images_named(values: list[str], owner: Address, origin: str) -> list[Target]:
    addresses = await Get(
        Addresses,
        UnparsedAddressInputs(
            values, owning_address=owner, description_of_origin=origin, skip_invalid_addresses=True
        ),
    )
    return list(await Get(Targets, Addresses(addresses)))


async def _unmanaged_image(where: str, image: Target) -> str:
    """A BBC image built on a `docker_image` the plugin does not manage: the fix is to convert
    the parent first (parents before children)."""
    build_file = await Get(
        BuildFileAddress, BuildFileAddressRequest(image.address, description_of_origin="<bbc>")
    )
    return (
        f"{where} names {image.address}, a docker_image without `version`: Pants' docker backend "
        f"builds it, not the BBC plugin, so a BBC image cannot be built on it. Convert the parent "
        f"first: give {image.address} a version in {build_file.rel_path} (for example "
        f'version="1.0.0"), or build this image on an image the plugin manages.'
    )


def _as_address(ref: str, owner: Address) -> str:
    """An ARG value that names a target, spelled as `str(Address)` spells it (`img/x:x`)."""
    ref = ref.removeprefix("//")
    path, _, name = ref.partition(":")
    path = path if ref and not ref.startswith(":") else owner.spec_path
    return f"{path}:{name or path.rsplit('/', 1)[-1]}"


def possible_parents(image: str, built_on: Mapping[str, Sequence[str]]) -> list[str]:
    """The images that could be `image`'s parent (`built_on`: the images each image's Dockerfile
    builds on, its parent and its other stages' images): every other image but those that
    build on it, directly or through others (it would be their ancestor and their descendant)."""
    above: set[str] = set()  # the images that build on `image`
    frontier = [image]
    while frontier:
        on = frontier.pop()
        for other, bases in built_on.items():
            if on in bases and other not in above:
                above.add(other)
                frontier.append(other)
    return sorted(other for other in built_on if other != image and other not in above)


@rule
async def image_parent(request: ImageParentRequest, all_images: BBCImageTargets) -> ImageParent:
    address = request.address
    wrapped, dockerfile = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<bbc>")),
        Get(ImageDockerfile, ImageDockerfileRequest(address)),
    )
    if dockerfile.parsed is None:
        return ImageParent(None, None, None, problem=dockerfile.problem)
    path, instructions = dockerfile.parsed.path, dockerfile.instructions
    given = (await Get(DockerBuildArgs, DockerBuildArgsRequest(wrapped.target))).to_dict()
    values = {k: v for k, v in given.items() if v is not None}
    origin = f"the FROM arguments of {path}"
    try:
        found = final_chain(path, instructions, values)
    except ChainError as e:
        return ImageParent(None, None, None, (), str(e))
    stage_args = {
        arg: value
        for arg, value in stage_arguments(instructions, values).items()
        if arg != found.parent_arg
    }
    resolved = await MultiGet(
        Get(
            Addresses,
            UnparsedAddressInputs(
                [value],
                owning_address=address,
                description_of_origin=origin,
                skip_invalid_addresses=True,
            ),
        )
        for value in stage_args.values()
    )
    named_stages = {
        t.address: t for t in await Get(Targets, Addresses(a for f in resolved for a in f))
    }
    stage_targets = [(arg, named_stages[f[0]]) for arg, f in zip(stage_args, resolved) if f]
    stage_images = tuple((arg, t.address) for arg, t in stage_targets if is_bbc_image(t))
    for arg, stage in stage_targets:
        if stage.has_field(DockerImageSourceField) and not is_bbc_image(stage):
            problem = await _unmanaged_image(f"{path}: ARG {arg}={stage_args[arg]}", stage)
            return ImageParent(None, found.parent_arg, found.parent_ref, stage_images, problem)
    if found.parent_ref is None:
        return ImageParent(None, None, None, stage_images, base=found.base)
    named = await _images_named([found.parent_ref], address, origin)
    where = f"{path}: ARG {found.parent_arg}={found.parent_ref}"
    if not named:
        # (Each image's parent as its Dockerfile names it, without resolving it: asking for the
        # others' ImageParent would ask for this one's.)
        others = list(all_images)
        dockerfiles = await MultiGet(
            Get(ImageDockerfile, ImageDockerfileRequest(t.address)) for t in others
        )
        build_args = await MultiGet(Get(DockerBuildArgs, DockerBuildArgsRequest(t)) for t in others)
        built_on: dict[str, list[str]] = {}
        for other, other_dockerfile, args in zip(others, dockerfiles, build_args):
            given = {k: v for k, v in args.to_dict().items() if v is not None}
            try:
                chain = final_chain("", other_dockerfile.instructions, given)
            except ChainError:
                chain = None
            refs = [chain.parent_ref] if chain and chain.parent_ref else []
            refs += stage_arguments(other_dockerfile.instructions, given).values()
            built_on[str(other.address)] = [_as_address(r, other.address) for r in refs]
        images = possible_parents(str(address), built_on)
        example = images[0] if images else "<path>:<name>"
        problem = (
            f"{where} names no target, so the parent image is unknown (and Pants infers no "
            f"dependency on it). Write the parent's address, one of {', '.join(images)}: "
            f"`ARG {found.parent_arg}={example}`."
        )
    elif not named[0].has_field(DockerImageSourceField):
        problem = (
            f"{where} names {named[0].address}, a `{named[0].alias}` target, not a "
            f"docker_image. Set it to the address of the parent image."
        )
    elif not is_bbc_image(named[0]):
        problem = await _unmanaged_image(where, named[0])
    elif found.parent_ref != str(named[0].address):
        problem = (
            f"{where} names {named[0].address} in a form that Pants' docker backend cannot build "
            f"from (it reads the value as an image name). Write the address in full: "
            f"`ARG {found.parent_arg}={named[0].address}`."
        )
    else:
        return ImageParent(named[0].address, found.parent_arg, found.parent_ref, stage_images)
    return ImageParent(None, found.parent_arg, found.parent_ref, stage_images, problem)


def rules():
    return collect_rules()
