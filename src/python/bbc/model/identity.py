"""What an image variant is, without building anything: its tags and content hash.

The content hash (model/content.py) is made of the variant's own inputs and recipe and of the
content hashes of the images it is built on, never of built bits. So every image's identity is
known before any image is built, and an image that is not in the engine is looked up in the
registries (publish/registry_cache.py) while its parent is still being built or pulled. This is the one
place that computes it: build/image.py builds, pulls or finds what it names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.engine.rules import Get, MultiGet, collect_rules, rule

from bbc.build.recipe import Recipe, blocked, failed
from bbc.build.types import TEST_BASE, ImageBuild, ImageIdentityRequest
from bbc.graph.image_graph import ImageGraph
from bbc.model.content import content_hash
from bbc.model.inputs import ImageInputs, ImageInputsRequest
from bbc.model.tags import content_tag


@dataclass(frozen=True)
class ImageIdentity:
    # Not built (no image id): its address, repository, tags and content hash; or the failure,
    # or the ancestor whose failure stops it.
    build: ImageBuild
    recipe: Recipe = Recipe()


@rule(desc="Finding an image's content tag")
async def image_identity(
    request: ImageIdentityRequest, graph: ImageGraph, options: DockerOptions
) -> ImageIdentity:
    problems = graph.problems(request.address)
    if problems:
        return ImageIdentity(failed(request, "\n\n".join(problems)))
    plan, own = await MultiGet(
        Get(Recipe, ImageIdentityRequest, request),
        Get(ImageInputs, ImageInputsRequest(request.address)),
    )
    if plan.failure:
        return ImageIdentity(failed(request, plan.failure))
    parent = (plan.parent,) if plan.parent else ()
    stages = tuple(ImageIdentityRequest(a) for _, a in plan.stages)
    found = await MultiGet(Get(ImageIdentity, ImageIdentityRequest, r) for r in (*parent, *stages))
    for on, identity in zip((*parent, *stages), found):
        unknown = identity.build
        if unknown.ok:
            continue
        if on.variant == TEST_BASE:  # a sandwich's lower layer fails as the test variant
            return ImageIdentity(
                replace(unknown, variant=request.variant, image_variant=request.image_variant)
            )
        return ImageIdentity(blocked(request, unknown.blocked_by or unknown.address))
    parent_hash = found[0].build.content_hash if parent else None
    stage_hashes = found[len(parent) :]
    identity = content_hash(
        own.inputs.digest(),
        request.variant,
        plan.dockerfile,
        plan.build_args,
        own.test_files if request.variant == TEST_BASE else (),
        (options.build_target_stage or "",),
        parent_hash,
        tuple((arg, s.build.content_hash) for (arg, _), s in zip(plan.stages, stage_hashes)),
    )
    build = ImageBuild(
        request.address,
        request.variant,
        repository=graph.infos[request.address].repository,
        tags=(*plan.tags, content_tag(plan.tags[0], identity)),
        content_hash=identity,
        image_variant=request.image_variant,
    )
    return ImageIdentity(build, plan)


def rules():
    return collect_rules()
