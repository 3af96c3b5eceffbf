"""A child's parent: the image it is built FROM, and what its `base.*` labels say.

During `publish` the parent is the one published in this run (pushed, or found already
released), so the child's labels name its registry ref and manifest digest. Otherwise it is the
parent as built, labelled from the engine's records when the parent was pushed or pulled before.
"""

from __future__ import annotations

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest

from bbc.core.registry_data import repo_digest
from bbc.rules.build import Base, BaseRequest, ImageBuild, ImageBuildRequest
from bbc.rules.docker import LocalImages
from bbc.rules.publish import ImagePublish, ImagePublishRequest, destinations


@rule
async def base(request: BaseRequest, options: DockerOptions) -> Base:
    if request.publish:
        published = await Get(ImagePublish, ImagePublishRequest(request.address))
        if not published.ok:
            return Base(published.build, "", blocked_by=published.blocked_by or request.address)
        first = next(iter(published.registries), None)
        if first is not None and first.digest:
            return Base(published.build, first.destination.exact, first.digest)
        return Base(published.build, published.build.refs[0])

    build = await Get(ImageBuild, ImageBuildRequest(request.address))
    if not build.ok:
        return Base(build, "", blocked_by=build.blocked_by or build.address)
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    local = await Get(LocalImages)
    for dest in destinations(wrapped.target, build, options)[:1]:
        digest = repo_digest(local.repo_digests.get(build.image_id, ()), dest.repository)
        if digest:
            return Base(build, dest.exact, digest)
    return Base(build, build.refs[0])


def rules():
    return collect_rules()
