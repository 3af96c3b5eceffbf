"""Publishing in the rule graph: push every production image to its registries, parents first.

Pants' publish goal packages every target, then runs the returned processes one by one. That
order cannot work here: a child records its parent's registry digest in a label, which exists
only once the parent is pushed. So the pushes happen in the rule graph: an image's publish
waits for its parent's, then builds the image on the published parent (see build/base.py), then
pushes. publish/publish.py only reports and records the result.

Per registry: the registry client (registry.py) says what the registry holds, and
publish/plan.py decides what to push; a released version never changes.
"""

from __future__ import annotations

from dataclasses import replace

from pants.backend.docker.goals.package_image import DockerPackageFieldSet
from pants.backend.docker.registries import DockerRegistryOptions
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageSkipPushField
from pants.engine.fs import Digest, DigestContents
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel
from pants.util.value_interpolation import InterpolationContext

from bbc.build.types import ImageBuild, ImageBuildRequest
from bbc.model.content import CONTENT_LABEL
from bbc.model.tags import RegistryRefs, attestation_tag, registry_refs, sbom_tag, tag_of
from bbc.subsystems import BBC
from bbc.publish.history import previous_release
from bbc.publish.plan import Release, lost_race, moving_plan, refusal
from bbc.publish.registry import (
    Registries,
    copy,
    list_tags,
    pull,
    push,
    read_manifests,
    read_release,
)
from bbc.publish.release_types import (
    ImagePublish,
    ImagePublishRequest,
    RegistryPublish,
    RegistryPublishRequest,
)
from bbc.sbom.cyclonedx import Publication
from bbc.sbom.image_sbom import ImageSBOM, ImageSBOMRequest
from bbc.sbom.registry_sbom import record_sbom
from bbc.signing.attestations import (
    AttestationsRequest,
    Attested,
    record_attestations,
    uncommitted,
)
from bbc.signing.signatures import Signatures, SignaturesRequest, Signing, SigningReady
from bbc.target_types import ImageVersionField, VariantsField


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
    target: Target, build: ImageBuild, options: DockerOptions, template: str
) -> tuple[RegistryRefs, ...]:
    """Where `publish` pushes the image: its refs in each of its registries."""
    found = []
    for registry, repository in repositories(target, options):
        found.append(
            registry_refs(
                registry.alias,
                registry.address,
                repository,
                target[ImageVersionField].value or build.tags[0],
                build.content_tag,
                registry.extra_image_tags,
                build.image_variant,
                template,
            )
        )
    return tuple(found)


_NOTHING = Release("none (the tag was removed)", None, None)


async def _push(
    registries: Registries, build: ImageBuild, dest: RegistryRefs, refs: tuple[str, ...]
):
    """Push `refs` of the build, in order; the failure, if any."""
    description = f"Pushing {dest.repository}:{','.join(tag_of(r) for r in refs)}"
    return (await push(registries, build.image_id, refs, description)).failure


async def _record_and_sign(
    registries: Registries,
    signing: Signing,
    dest: RegistryRefs,
    build: ImageBuild,
    digest: str,
    tags: tuple[str, ...],
    reading,
) -> tuple[str, ...] | str:
    """Record the release's SBOM, and with a key its attestations, where the registry has none
    (a recorded one is never replaced); then sign its exact and content tags and its
    attestations' tag. The tags signed now, or the failure."""
    needs_sbom = sbom_tag(digest) not in tags
    needs_attestations = bool(signing.key) and attestation_tag(digest) not in tags
    if needs_sbom or needs_attestations:
        sbom = await Get(
            ImageSBOM,
            ImageSBOMRequest(
                build.repository,
                build.tags[0],
                build.content_tag,
                build.image_id,
                build.release_packages,
                Publication(dest.repository, digest),
            ),
        )
        [sbom_file] = await Get(DigestContents, Digest, sbom.digest)
    if needs_sbom:
        failure = await record_sbom(
            registries, dest.address, dest.repository, digest, sbom_file.content
        )
        if failure:
            return f"{failure.rstrip('.')}. The release is published: publish again to record its SBOM."
    if not signing.key:
        return ()
    if needs_attestations:
        failure = await record_attestations(
            registries, signing, dest.address, dest.repository, digest, build, sbom_file.content
        )
        if failure:
            return f"{failure.rstrip('.')}. The release is published: publish again to attest it."
    refs = (dest.exact, dest.content)
    attestations = f"{dest.repository}:{attestation_tag(digest)}"
    named = await read_manifests(
        registries, dest.address, (*refs, attestations), reading("signing")
    )
    if isinstance(named, str):
        return named
    ours = [(tag_of(r), digest) for r in refs if named[r] == digest]
    if named[attestations] and not needs_attestations:  # found there: whose, about what?
        held = await Get(
            Attested, AttestationsRequest(dest.address, dest.repository, digest, revision=False)
        )
        if held.problems:
            return (
                f"{attestations} is not this release's attestations by {signing.key} "
                f"({'; '.join(held.problems)}), so it is not signed. Remove that tag from the "
                "registry, then publish again to record them."
            )
    if named[attestations]:
        ours.append((tag_of(attestations), named[attestations]))
    found = await Get(
        Signatures, SignaturesRequest(dest.address, dest.repository, tuple(ours), sign=True)
    )
    if found.failure:
        published = "The release is published: publish again to sign it."
        return f"signing failed: {found.failure.rstrip('.')}. {published}"
    return found.tags("new")


@rule(desc="Publishing to a registry", level=LogLevel.DEBUG)
async def publish_to_registry(
    request: RegistryPublishRequest, registries: Registries, signing: Signing
) -> RegistryPublish:
    """Release the build in one registry, safe against other publishers of the same version:
    the content tag first, then `X.Y.Z` only if nobody released it meanwhile (read again just
    before the push, and read back after it), then the moving tags."""
    dest, build = request.destination, request.build
    result = RegistryPublish(dest, build)
    where, target = f"{build.name} in @{dest.alias} ({dest.address})", str(build.address)

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
    # A push that failed is read back: another publisher of the same bits may have made ours
    # fail (registry:2 fails one of two concurrent uploads of a blob), and left what we wanted.
    if released is None or tag_of(dest.content) not in tags:
        failure = await _push(registries, build, dest, (dest.content,))
        if failure:
            there = await read_release(registries, dest.address, dest.content, reading("pushed"))
            if not (isinstance(there, Release) and there.same_content(build.content_hash)):
                return fail(failure)
        pushed += (dest.content,)
    if held is None:
        again = await read_release(registries, dest.address, dest.exact, reading("recheck"))
        if isinstance(again, str):
            return fail(again)
        if again is not None and not again.same_content(build.content_hash):
            return fail(lost_race(dest.exact, again, build.content_hash, target))
        failure = None
        if again is None:
            failure = await _push(registries, build, dest, (dest.exact,))
            pushed += (dest.exact,)
        back = await read_release(registries, dest.address, dest.exact, reading("readback"))
        if isinstance(back, str):
            return fail(back)
        if back is None and failure:
            return fail(failure)
        if back is None or not back.same_content(build.content_hash):
            return fail(lost_race(dest.exact, back or _NOTHING, build.content_hash, target))

    # The release's SBOM, attestations and signatures before any moving tag names it.
    release = held if held is not None else back
    recorded = await _record_and_sign(
        registries, signing, dest, build, release.manifest_digest, tags, reading
    )
    if isinstance(recorded, str):
        return fail(recorded)
    signed = recorded

    movable, held_back = moving_plan(dest.version, dest.moving, tags, dest.variant, dest.template)
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
            problem = await copy(
                registries,
                dest.address,
                f"docker://{dest.exact}",
                ref,
                reading("repair"),
                description=f"Pointing {ref} at {dest.exact}",
            )
            message += (
                f" Moved {tag_of(ref)} back to its release."
                if problem is None
                else f" Could not move {tag_of(ref)} back to its release ({problem}): publish "
                f"{target} again from the winning checkout to repair it."
            )
        return fail(message)
    if signing.key and movable:  # each moving tag that names the release now
        named = await read_manifests(registries, dest.address, movable, reading("signing-moving"))
        if isinstance(named, str):
            return fail(named)
        ours = tuple((tag_of(r), d) for r, d in named.items() if d == final.manifest_digest)
        found = await Get(
            Signatures, SignaturesRequest(dest.address, dest.repository, ours, sign=True)
        )
        if found.failure:
            published = "The release is published: publish again to sign it."
            return fail(f"signing failed: {found.failure.rstrip('.')}. {published}")
        signed += found.tags("new")
    previous = previous_release(tags, dest.version)
    return replace(
        result,
        pushed=pushed,
        signed=signed,
        held_back=held_back,
        digest=final.manifest_digest,
        previous=previous,
    )


async def _refused_variants(
    registries: Registries, planned: list[tuple[ImageBuild, tuple[RegistryRefs, ...]]]
) -> RegistryPublish | None:
    """An image variant that a registry already released with other content, read before
    anything of the image is pushed: the image and its variants are released together or not
    at all. (publish_to_registry reads the same again, as the same reading.)"""
    for build, found in planned:
        for dest in found if build.image_variant else ():
            held = await read_release(
                registries, dest.address, dest.exact, f"{build.content_hash}:exact"
            )
            where = f"{build.name} in @{dest.alias} ({dest.address})"
            if isinstance(held, str):
                return RegistryPublish(dest, build, failure=f"{where}: {held}")
            if held is not None and not held.same_content(build.content_hash):
                why = refusal(dest.exact, held, build.content_hash, str(build.address))
                return RegistryPublish(dest, build, failure=f"{where}: {why} Nothing was pushed.")
    return None


@rule(desc="Publishing an image")
async def publish_image(
    request: ImagePublishRequest,
    options: DockerOptions,
    registries: Registries,
    bbc: BBC,
    signing: Signing,
) -> ImagePublish:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    target = wrapped.target
    names = sorted(target[VariantsField].value or ())
    build, *variant_list = await MultiGet(
        Get(ImageBuild, ImageBuildRequest(request.address, publish=True, image_variant=name))
        for name in (None, *names)
    )
    variants = tuple(variant_list)
    blocker = next((b.blocked_by for b in (build, *variants) if b.blocked_by), None)
    if not all(b.ok for b in (build, *variants)):
        return ImagePublish(request.address, build, blocked_by=blocker, variant_builds=variants)
    if target[DockerImageSkipPushField].value:
        return ImagePublish(
            request.address,
            build,
            not_pushed=f"skip_push=True on {target.address}",
            variant_builds=variants,
        )
    template = bbc.variant_tag_template
    planned = [(b, destinations(target, b, options, template)) for b in (build, *variants)]
    if not planned[0][1]:
        return ImagePublish(
            request.address,
            build,
            not_pushed=(
                "no registry: add one to pants.toml ([docker.registries.<alias>] with `address` "
                "and `default = true`) or name one in the target's `registries` field"
            ),
            variant_builds=variants,
        )
    refused = await _refused_variants(registries, planned)
    if refused is not None:
        return ImagePublish(request.address, build, (refused,), variant_builds=variants)
    ready = await Get(SigningReady)
    failure = ready.failure or (await uncommitted(request.address) if signing.key else None)
    if failure:  # known before anything is pushed: no release is left unsigned
        dest = planned[0][1][0]
        why = f"{build.name} in @{dest.alias} ({dest.address}): not published: {failure}"
        return ImagePublish(
            request.address,
            build,
            (RegistryPublish(dest, build, failure=why),),
            variant_builds=variants,
        )
    # The image first, then each variant; one registry at a time: a registry's bits of the
    # release, once adopted, go to the next.
    published: list[RegistryPublish] = []
    finals: list[ImageBuild] = []
    for current, found in planned:
        for dest in found:
            done = await Get(RegistryPublish, RegistryPublishRequest(dest, current))
            published.append(done)
            current = done.build
            if done.failure:
                break
        finals.append(current)
        if published and published[-1].failure:
            break
    finals += [b for b in (build, *variants)][len(finals) :]
    return ImagePublish(
        request.address, finals[0], tuple(published), variant_builds=tuple(finals[1:])
    )


def rules():
    return collect_rules()
