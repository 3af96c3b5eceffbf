"""How to build each kind of an image: which Dockerfile, FROM what, with which arguments.

- prod: the image's Dockerfile on its parent (on the variant its `parent_variant` names).
- test, `build-arg` mode: the same Dockerfile with `test_build_args` added.
- test, `sandwich` mode: the image's Dockerfile on its `test-base` variant, which is the test
  Dockerfile (test tools only) on the image's parent.
An image variant (`variants`) adds its build arguments to prod and test, and its name to their
tags; the sandwich's lower layer is shared by all variants.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial

from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents, PathGlobs
from pants.engine.rules import Get, MultiGet
from pants.engine.target import Target

from bbc.core.chain import ChainError, parent_arg
from bbc.core.tags import tag_for_test_base, tag_for_tests, version_tags
from bbc.rules.build_types import (
    PROD,
    TEST,
    TEST_BASE,
    Base,
    BaseRequest,
    ImageBuild,
    ImageBuildRequest,
)
from bbc.rules.dockerfiles import ParsedDockerfile, ParseDockerfileRequest
from bbc.rules.image_graph import ImageGraph, ImageInfo
from bbc.target_types import TestBuildArgsField, TestDockerfileField, TestVariantField


@dataclass(frozen=True)
class Recipe:
    dockerfile: str
    dockerfile_digest: Digest | None  # where to read it; None: from the build context
    base: Base | None  # the parent the variant is built FROM
    base_arg: str | None  # the ARG that names it
    build_args: tuple[str, ...]  # the variant's own, beyond the image's
    tags: tuple[str, ...]  # the version's tags, exact first (the content tag comes later)
    stages: tuple[tuple[str, ImageBuild], ...] = ()  # (ARG, image) of its other FROM images


def failed(request: ImageBuildRequest, failure: str) -> ImageBuild:
    return ImageBuild(
        request.address, request.variant, failure=failure, image_variant=request.image_variant
    )


def blocked(request: ImageBuildRequest, by: Address) -> ImageBuild:
    return ImageBuild(
        request.address, request.variant, blocked_by=by, image_variant=request.image_variant
    )


async def recipe(
    request: ImageBuildRequest, target: Target, info: ImageInfo, graph: ImageGraph
) -> Recipe | ImageBuild:
    """How to build the variant, or the failure that prevents it."""
    address, version, image_variant = request.address, info.version, request.image_variant
    if image_variant is not None and image_variant not in info.variants:
        known = ", ".join(sorted(info.variants)) or "none"
        return failed(
            request, f"{address} has no variant {image_variant!r} (its variants: {known})."
        )
    variant_args = info.variants.get(image_variant, ()) if image_variant else ()
    parent_address = graph.parent(address)
    publish = request.publish and request.variant == PROD
    parent = (
        await Get(Base, BaseRequest(parent_address, publish, info.parent_variant))
        if parent_address
        else None
    )
    if parent is not None and parent.blocked_by:
        return blocked(request, parent.blocked_by)
    stage_builds = await MultiGet(
        Get(ImageBuild, ImageBuildRequest(a)) for _, a in info.stage_images
    )
    for stage in stage_builds:
        if not stage.ok:
            return blocked(request, stage.blocked_by or stage.address)
    stages = tuple((arg, build) for (arg, _), build in zip(info.stage_images, stage_builds))
    recipe_of = partial(Recipe, stages=stages)
    if request.variant == PROD:
        tags = version_tags(version, image_variant)
        return recipe_of(info.dockerfile, None, parent, info.parent_arg, variant_args, tags)

    mode = target[TestVariantField].value
    if mode is None:
        return failed(
            request,
            f"{address} has no test variant: set test_variant='sandwich' or 'build-arg' in "
            f"{info.build_file}.",
        )
    test_tags = (tag_for_tests(version, image_variant),)
    if request.variant == TEST and mode == "build-arg":
        test_args = (*variant_args, *(target[TestBuildArgsField].value or ()))
        return recipe_of(info.dockerfile, None, parent, info.parent_arg, test_args, test_tags)
    if request.variant == TEST:
        base = await Get(ImageBuild, ImageBuildRequest(address, TEST_BASE))
        if not base.ok:
            return replace(base, variant=TEST, image_variant=image_variant)
        under = Base(base, base.content_ref)
        return recipe_of(info.dockerfile, None, under, info.parent_arg, variant_args, test_tags)

    # The sandwich's bottom: the test Dockerfile built FROM the parent.
    test_dockerfile = os.path.join(address.spec_path, target[TestDockerfileField].value)
    if parent is None:
        return failed(
            request,
            f"{address} is a root image: there is no parent to sandwich a test layer on. Use "
            f"test_variant='build-arg' in {info.build_file}.",
        )
    digest = await Get(Digest, PathGlobs([test_dockerfile]))
    contents = await Get(DigestContents, Digest, digest)
    if not contents:
        return failed(
            request,
            f"{request.address} asks for a sandwich test variant (test_variant='sandwich' in "
            f"{info.build_file}), but {test_dockerfile} does not exist. Add it (test tools only, "
            f"starting `ARG SOURCE_IMAGE` / `FROM $SOURCE_IMAGE`), point `test_dockerfile` at it, "
            f"or use test_variant='build-arg'.",
        )
    parsed = await Get(ParsedDockerfile, ParseDockerfileRequest(digest, test_dockerfile))
    try:
        arg = parent_arg(test_dockerfile, parsed.instructions)
    except ChainError as e:
        return failed(request, f"{address}: {e}")
    return recipe_of(test_dockerfile, digest, parent, arg, (), (tag_for_test_base(version),))
