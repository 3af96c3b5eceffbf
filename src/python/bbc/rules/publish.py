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

from dataclasses import dataclass, replace

from pants.backend.docker.goals.package_image import DockerPackageFieldSet
from pants.backend.docker.registries import DockerRegistryOptions
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageSkipPushField
from pants.engine.addresses import Address
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel
from pants.util.value_interpolation import InterpolationContext

from bbc.core.content import CONTENT_LABEL
from bbc.core.publish_plan import Release, lost_race, moving_plan, refusal
from bbc.core.releases import previous_release
from bbc.core.tags import RegistryRefs, registry_refs, tag_of
from bbc.rules.build_types import ImageBuild, ImageBuildRequest
from bbc.rules.registry import (
    Registries,
    copy_tag,
    list_tags,
    pull,
    push,
    read_manifests,
    read_release,
)


def repositories(
    target: Target, options: DockerOptions, pushed_to: bool = True
) -> tuple[tuple[DockerRegistryOptions, str], ...]:
    """The registries of the image (those `publish` pushes it to: minus skip_push ones, unless
    `pushed_to` is False), each with the image's repository there."""
    field_set = DockerPackageFieldSet.create(target)
    return tuple(
        (
            registry,
            field_set.format_repository(
                options.default_repository, InterpolationContext(), registry
            ),
        )
        for registry in options.registries().get(*(field_set.registries.value or ()))
        if not (pushed_to and registry.skip_push)
    )


def destinations(
    target: Target, build: ImageBuild, options: DockerOptions
) -> tuple[RegistryRefs, ...]:
    """Where `publish` pushes the image: its refs in each of its registries."""
    found = []
    for registry, repository in repositories(target, options):
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
    previous: str | None = None  # the newest release before this version in the registry
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


_NOTHING = Release("none (the tag was removed)", None, None)


async def _push(
    registries: Registries, build: ImageBuild, dest: RegistryRefs, refs: tuple[str, ...]
):
    """Push `refs` of the build, in order; the failure, if any."""
    description = f"Pushing {dest.repository}:{','.join(tag_of(r) for r in refs)}"
    return (await push(registries, build.image_id, refs, description)).failure


@rule(desc="Publishing to a registry", level=LogLevel.DEBUG)
async def publish_to_registry(
    request: RegistryPublishRequest, registries: Registries
) -> RegistryPublish:
    """Release the build in one registry, safe against other publishers of the same version:
    the content tag first, then `X.Y.Z` only if nobody released it meanwhile (read again just
    before the push, and read back after it), then the moving tags."""
    dest, build = request.destination, request.build
    result = RegistryPublish(dest, build)
    where, target = f"{build.address} in @{dest.alias} ({dest.address})", str(build.address)

    def fail(why: str) -> RegistryPublish:
        return replace(result, failure=f"{where}: {why}")

    def reading(step: str) -> str:  # every reading of the registry is its own process
        return f"{build.content_hash}:{step}"

    tags = await list_tags(registries, dest.address, dest.repository, reading("tags"))
    if isinstance(tags, str):
        return fail(tags)
    held = await read_release(registries, dest.address, dest.exact, reading("exact"))
    if isinstance(held, str):
        return fail(held)
    if held is not None and not held.same_content(build.content_hash):
        return fail(refusal(dest.exact, held, build.content_hash, target))
    released = held or await read_release(
        registries, dest.address, dest.content, reading("content")
    )
    if isinstance(released, str):
        return fail(released)
    if released is not None and released.same_content(build.content_hash):
        if released.image_id != build.image_id:
            # The same sources, built elsewhere: use the registry's bits here too, so that
            # children are built on (and label) exactly what the registry holds.
            source = dest.exact if held is not None else dest.content
            pulled = await pull(
                registries,
                source,
                build.refs,
                f"Pulling {source}, the released {build.refs[0]}",
                CONTENT_LABEL,
                build.content_hash,
            )
            if pulled.failure:
                return fail(f"pulling {source} failed:\n{pulled.failure}")
            build = replace(build, image_id=pulled.stdout.strip(), built=True)
            result = replace(result, build=build)

    pushed: tuple[str, ...] = ()
    if released is None or tag_of(dest.content) not in tags:
        failure = await _push(registries, build, dest, (dest.content,))
        if failure:
            return fail(failure)
        pushed += (dest.content,)
    if held is None:
        again = await read_release(registries, dest.address, dest.exact, reading("recheck"))
        if isinstance(again, str):
            return fail(again)
        if again is not None and not again.same_content(build.content_hash):
            return fail(lost_race(dest.exact, again, build.content_hash, target))
        if again is None:
            failure = await _push(registries, build, dest, (dest.exact,))
            if failure:
                return fail(failure)
            pushed += (dest.exact,)
        back = await read_release(registries, dest.address, dest.exact, reading("readback"))
        if isinstance(back, str):
            return fail(back)
        if back is None or not back.same_content(build.content_hash):
            return fail(lost_race(dest.exact, back or _NOTHING, build.content_hash, target))

    movable, held_back = moving_plan(tag_of(dest.exact), dest.moving, tags)
    current = await read_manifests(
        registries, dest.address, (dest.exact, *movable), reading("moving")
    )
    if isinstance(current, str):
        return fail(current)
    stale = tuple(r for r in movable if current[r] != current[dest.exact])
    if stale:
        failure = await _push(registries, build, dest, stale)
        if failure:
            return fail(failure)
        pushed += stale
    # Read once more: a publisher that overwrote X.Y.Z after our reading back won the race; the
    # moving tags this run moved then go to its release.
    final = await read_release(registries, dest.address, dest.exact, reading("final"))
    if isinstance(final, str):
        return fail(final)
    if final is None or not final.same_content(build.content_hash):
        message = lost_race(dest.exact, final or _NOTHING, build.content_hash, target)
        for ref in stale if final is not None else ():
            problem = await copy_tag(registries, dest.address, dest.exact, ref, reading("repair"))
            message += (
                f" Moved {tag_of(ref)} back to its release."
                if problem is None
                else f" Could not move {tag_of(ref)} back to its release ({problem}): publish "
                f"{target} again from the winning checkout to repair it."
            )
        return fail(message)
    previous = previous_release(tags, tag_of(dest.exact))
    return replace(
        result,
        pushed=pushed,
        held_back=held_back,
        digest=final.manifest_digest,
        previous=previous,
    )


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
