"""Publishing in the rule graph: push every production image to its registries, parents first.

Pants' publish goal packages every target, then runs the returned processes one by one. That
order cannot work here: a child records its parent's registry digest in a label, which exists
only once the parent is pushed. So the pushes happen in the rule graph: an image's publish
waits for its parent's, then builds the image on the published parent (see base.py), then
pushes. goals/publish.py only reports and records the result.

Per registry: the registry client (registry.py) says what the registry holds, and
core/publish_plan.py decides what to push; a released version never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from pants.backend.docker.goals.package_image import DockerPackageFieldSet
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageSkipPushField
from pants.engine.addresses import Address
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel
from pants.util.value_interpolation import InterpolationContext

from bbc.core.publish_plan import plan_push
from bbc.core.registry_data import repo_digest
from bbc.core.tags import RegistryRefs, registry_refs, tag_of
from bbc.rules.build import ImageBuild, ImageBuildRequest
from bbc.rules.registry import Registries, inspect, list_tags, pull, push


def destinations(
    target: Target, build: ImageBuild, options: DockerOptions
) -> tuple[RegistryRefs, ...]:
    """Where `publish` pushes the image: the registries it selects, minus skip_push ones."""
    field_set = DockerPackageFieldSet.create(target)
    found = []
    for registry in options.registries().get(*(field_set.registries.value or ())):
        if registry.skip_push:
            continue
        repository = field_set.format_repository(
            options.default_repository, InterpolationContext(), registry
        )
        found.append(
            registry_refs(
                registry.alias,
                registry.address,
                repository,
                build.tags[0],
                build.content_tag,
                registry.extra_image_tags,
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class RegistryPublish:
    destination: RegistryRefs
    build: ImageBuild  # what is there now: the local build, or the registry's pulled bits
    pushed: tuple[str, ...] = ()
    held_back: tuple[str, ...] = ()  # moving tags left on a newer release
    digest: str | None = None  # the manifest digest of the exact tag
    failure: str | None = None


@dataclass(frozen=True)
class RegistryPublishRequest:
    destination: RegistryRefs
    build: ImageBuild


@dataclass(frozen=True)
class ImagePublishRequest:
    address: Address


@dataclass(frozen=True)
class ImagePublish:
    address: Address
    build: ImageBuild
    registries: tuple[RegistryPublish, ...] = ()
    not_pushed: str | None = None  # why nothing was pushed (no registry, skip_push)
    blocked_by: Address | None = None  # an ancestor that failed to build or publish

    @property
    def failure(self) -> str | None:
        if self.build.failure:
            return self.build.failure
        failures = [r.failure for r in self.registries if r.failure]
        return "\n".join(failures) if failures else None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.blocked_by is None


@rule(desc="Publishing to a registry", level=LogLevel.DEBUG)
async def publish_to_registry(
    request: RegistryPublishRequest, registries: Registries
) -> RegistryPublish:
    dest, build = request.destination, request.build
    result = RegistryPublish(dest, build)
    where = f"{build.address} in @{dest.alias} ({dest.address})"
    key = build.image_id
    tags = await list_tags(registries, dest.address, dest.repository, key)
    if isinstance(tags, str):
        return replace(result, failure=f"{where}: {tags}")
    held_refs = tuple(r for r in dest.refs if tag_of(r) in tags)
    remote = await inspect(registries, dest.address, held_refs, key)
    if isinstance(remote, str):
        return replace(result, failure=f"{where}: {remote}")
    plan = plan_push(
        dest.exact, dest.content, dest.moving, build.image_id, remote, tags, str(build.address)
    )
    if plan.refusal:
        return replace(result, failure=f"{where}: {plan.refusal}")
    result = replace(result, held_back=plan.held_back)

    if plan.adopt:
        # The same sources were released from another build: use those bits here too, so that
        # children are built on (and label) exactly what the registry holds.
        pulled = await pull(
            registries,
            plan.adopt,
            build.refs,
            f"Pulling {plan.adopt}, the released build of {build.refs[0]}",
        )
        if pulled.failure:
            return replace(
                result, failure=f"{where}: pulling {plan.adopt} failed:\n{pulled.failure}"
            )
        build = replace(build, image_id=pulled.stdout.strip(), built=True)
        result = replace(result, build=build)

    held = remote.get(dest.exact)
    if not plan.push:
        return replace(result, digest=held.manifest_digest if held else None)
    pushed = await push(
        registries,
        build.image_id,
        plan.push,
        f"Pushing {dest.repository}:{','.join(tag_of(r) for r in plan.push)}",
    )
    if pushed.failure:
        return replace(result, failure=f"{where}: {pushed.failure}")
    digests = tuple(json.loads(pushed.stdout or "[]"))
    return replace(result, pushed=plan.push, digest=repo_digest(digests, dest.repository))


@rule(desc="Publishing an image")
async def publish_image(request: ImagePublishRequest, options: DockerOptions) -> ImagePublish:
    build = await Get(ImageBuild, ImageBuildRequest(request.address, publish=True))
    if not build.ok:
        return ImagePublish(request.address, build, blocked_by=build.blocked_by)
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    target = wrapped.target
    if target[DockerImageSkipPushField].value:
        return ImagePublish(
            request.address, build, not_pushed=f"skip_push=True on {target.address}"
        )
    found = destinations(target, build, options)
    if not found:
        return ImagePublish(
            request.address,
            build,
            not_pushed=(
                "no registry: add one to pants.toml ([docker.registries.<alias>] with `address` "
                "and `default = true`) or name one in the target's `registries` field"
            ),
        )
    # One registry at a time: a registry's bits of the release, once adopted, go to the next.
    published: list[RegistryPublish] = []
    for dest in found:
        done = await Get(RegistryPublish, RegistryPublishRequest(dest, build))
        published.append(done)
        build = done.build
        if done.failure:
            break
    return ImagePublish(request.address, build, tuple(published))


def rules():
    return collect_rules()
