"""A child's parent, as the child is built on it.

During `publish` the parent is the one published in this run (pushed, or found already
released), and the child's `base.*` labels name its registry ref and manifest digest.
Otherwise it is the parent as built here, named by its local content tag; or, when it was pulled
from a registry (publish/registry_cache.py), by its registry ref and digest, as `publish` names it. A
child with `parent_variant` is built on that variant of its parent.
"""

from __future__ import annotations

from pants.engine.rules import Get, collect_rules, rule

from bbc.build.types import Base, BaseRequest, ImageBuild, ImageBuildRequest
from bbc.publish.release_types import ImagePublish, ImagePublishRequest


@rule
async def base(request: BaseRequest) -> Base:
    variant = request.image_variant
    if request.publish:
        published = await Get(ImagePublish, ImagePublishRequest(request.address))
        build = published.build_of(variant)
        if not published.ok:
            return Base(build, "", blocked_by=published.blocked_by or request.address)
        first = next((r for r in published.registries if r.destination.variant == variant), None)
        if first is not None and first.digest:
            return Base(first.build, first.destination.exact, first.digest)
        return Base(build, build.content_ref)

    build = await Get(ImageBuild, ImageBuildRequest(request.address, image_variant=variant))
    if not build.ok:
        return Base(build, "", blocked_by=build.blocked_by or build.address)
    if build.pulled_from:  # labelled as `publish` labels children of a released parent
        return Base(build, build.pulled_from, build.registry_digest)
    return Base(build, build.content_ref)


def rules():
    return collect_rules()
