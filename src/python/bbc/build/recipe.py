"""How to build each kind of an image: which Dockerfile, FROM what, with which arguments.

- prod: the image's Dockerfile on its parent (on the variant its `parent_variant` names).
- test, `build-arg` mode: the same Dockerfile with `test_build_args` added.
- test, `sandwich` mode: the image's Dockerfile on its `test-base` variant, which is the test
  Dockerfile (test tools only) on the image's parent.
An image variant (`variants`) adds its build arguments to prod and test, and its name to their
tags; the sandwich's lower layer is shared by all variants.

A recipe names what the variant is built on (its parent, the images its stages copy from) by
request, not by build: model/identity.py hashes it with their content hashes before anything is
built, and `built_on` gets the builds themselves when the variant is to be built.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial
from typing import Union

from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest

from bbc.build.types import (
    PROD,
    TEST,
    TEST_BASE,
    Base,
    BaseRequest,
    ImageBuild,
    ImageBuildRequest,
    ImageIdentityRequest,
)
from bbc.graph.chain import ChainError, parent_arg
from bbc.graph.dockerfiles import ParsedDockerfile, ParseDockerfileRequest
from bbc.graph.image_graph import ImageGraph
from bbc.model.tags import tag_for_test_base, tag_for_tests, version_tags
from bbc.target_types import TestBuildArgsField, TestDockerfileField, TestVariantField


@dataclass(frozen=True)
class Recipe:
    dockerfile: str = ""
    dockerfile_digest: Digest | None = None  # where to read it; None: from the build context
    # What it is built FROM: the parent (its `parent_variant`), or a sandwich's own test-base.
    parent: ImageIdentityRequest | None = None
    base_arg: str | None = None  # the ARG that names it
    build_args: tuple[str, ...] = ()  # the variant's own, beyond the image's
    tags: tuple[str, ...] = ()  # the version's tags, exact first (the content tag comes later)
    stages: tuple[tuple[str, Address], ...] = ()  # (ARG, image) of its other FROM images
    failure: str | None = None  # why it cannot be built


Request = Union[ImageBuildRequest, ImageIdentityRequest]


def failed(request: Request, failure: str) -> ImageBuild:
    return ImageBuild(
        request.address, request.variant, failure=failure, image_variant=request.image_variant
    )


def blocked(request: Request, by: Address) -> ImageBuild:
    return ImageBuild(
        request.address, request.variant, blocked_by=by, image_variant=request.image_variant
    )


@rule(desc="Reading how to build an image")
async def recipe(request: ImageIdentityRequest, graph: ImageGraph) -> Recipe:
    """How to build the variant, or the failure that prevents it."""
    address, image_variant = request.address, request.image_variant
    info = graph.infos[address]
    if image_variant is not None and image_variant not in info.variants:
        known = ", ".join(sorted(info.variants)) or "none"
        return Recipe(
            failure=f"{address} has no variant {image_variant!r} (its variants: {known})."
        )
    variant_args = info.variants.get(image_variant, ()) if image_variant else ()
    parent_address = graph.parent(address)
    parent = (
        ImageIdentityRequest(parent_address, image_variant=info.parent_variant)
        if parent_address
        else None
    )
    recipe_of = partial(Recipe, stages=info.stage_images)
    if request.variant == PROD:
        tags = version_tags(info.version, image_variant, graph.variant_template)
        return recipe_of(info.dockerfile, None, parent, info.parent_arg, variant_args, tags)

    wrapped = await Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<bbc>"))
    target = wrapped.target
    mode = target[TestVariantField].value
    if mode is None:
        return Recipe(
            failure=f"{address} has no test variant: set test_variant='sandwich' or 'build-arg' "
            f"in {info.build_file}."
        )
    test_tags = (tag_for_tests(info.version, image_variant, graph.variant_template),)
    if request.variant == TEST and mode == "build-arg":
        test_args = (*variant_args, *(target[TestBuildArgsField].value or ()))
        return recipe_of(info.dockerfile, None, parent, info.parent_arg, test_args, test_tags)
    if request.variant == TEST:
        under = ImageIdentityRequest(address, TEST_BASE)
        return recipe_of(info.dockerfile, None, under, info.parent_arg, variant_args, test_tags)

    # The sandwich's bottom: the test Dockerfile built FROM the parent.
    test_dockerfile = os.path.join(address.spec_path, target[TestDockerfileField].value)
    if parent is None:
        return Recipe(
            failure=f"{address} is a root image: there is no parent to sandwich a test layer on. "
            f"Use test_variant='build-arg' in {info.build_file}."
        )
    digest = await Get(Digest, PathGlobs([test_dockerfile]))
    contents = await Get(DigestContents, Digest, digest)
    if not contents:
        return Recipe(
            failure=f"{address} asks for a sandwich test variant (test_variant='sandwich' in "
            f"{info.build_file}), but {test_dockerfile} does not exist. Add it (test tools only, "
            f"starting `ARG SOURCE_IMAGE` / `FROM $SOURCE_IMAGE`), point `test_dockerfile` at it, "
            f"or use test_variant='build-arg'."
        )
    parsed = await Get(ParsedDockerfile, ParseDockerfileRequest(digest, test_dockerfile))
    if parsed.problem:
        return Recipe(failure=f"{address}: {parsed.problem}")
    try:
        arg = parent_arg(test_dockerfile, parsed.instructions)
    except ChainError as e:
        return Recipe(failure=f"{address}: {e}")
    return recipe_of(test_dockerfile, digest, parent, arg, (), (tag_for_test_base(info.version),))


@dataclass(frozen=True)
class BuiltOnRequest:
    request: ImageBuildRequest
    recipe: Recipe


@dataclass(frozen=True)
class BuiltOn:
    """The builds a variant is built on, or the failure or block that stops it."""

    base: Base | None = None  # the parent the variant is built FROM
    stages: tuple[tuple[str, ImageBuild], ...] = ()  # (ARG, image) of its other FROM images
    stop: ImageBuild | None = None


@rule(desc="Getting the images an image is built on")
async def built_on(on: BuiltOnRequest) -> BuiltOn:
    request, parent = on.request, on.recipe.parent
    base = None
    if parent is not None and parent.variant == TEST_BASE:
        under = await Get(ImageBuild, ImageBuildRequest(parent.address, TEST_BASE))
        if not under.ok:
            return BuiltOn(stop=replace(under, variant=TEST, image_variant=request.image_variant))
        base = Base(under, under.content_ref)
    elif parent is not None:
        publish = request.publish and request.variant == PROD
        base = await Get(Base, BaseRequest(parent.address, publish, parent.image_variant))
        if base.blocked_by:
            return BuiltOn(stop=blocked(request, base.blocked_by))
    stage_builds = await MultiGet(
        Get(ImageBuild, ImageBuildRequest(a)) for _, a in on.recipe.stages
    )
    for stage in stage_builds:
        if not stage.ok:
            return BuiltOn(stop=blocked(request, stage.blocked_by or stage.address))
    stages = tuple((arg, build) for (arg, _), build in zip(on.recipe.stages, stage_builds))
    return BuiltOn(base, stages)


def rules():
    return collect_rules()
