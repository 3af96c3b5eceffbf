"""The rule that builds one BBC image variant: parents first, tags moved only by a good build.

An image's identity is its content tag, `X.Y.Z-<content hash>`, a pure function of its sources
(model/content.py), known before anything is built (model/identity.py). A child is built FROM its
parent's content tag, never from a moving tag, so two checkouts sharing one engine cannot build
on each other's parents. An image whose content tag is already in the engine is up to date: it
is not built again (its version tags are moved back to it if something moved them). Its rule
then ran no process and read only which of its tags the engine holds (util_rules/docker.py's
`EngineImages`), so pantsd does not run it again in the next run unless those tags changed.
During `publish` it must also carry its published parent's `base.*` labels, or it is built again
on that parent (see base.py). An image that is not in the engine is looked up in the registries
(publish/registry_cache.py) while its parent is built or pulled.

A failed build is returned, not raised, so that `package` can finish every unrelated image
before it reports the failures (see build/package.py). Descendants of a failed image are not
built; Docker tags only after a successful build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from pants.backend.docker.goals.package_image import DockerPackageFieldSet, get_build_options
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.util_rules.docker_build_context import (
    DockerBuildContext,
    DockerBuildContextRequest,
)
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.addresses import Address
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest

from bbc.build.output import build_leak, failure_summary, output_tail
from bbc.build.process import (
    IIDFILE,
    LABELLED_DOCKERFILE,
    PARENT_MISSING,
    BuildTools,
    DockerBuild,
    DockerBuildResult,
    build_inputs,
    build_process,
)
from bbc.build.recipe import BuiltOn, BuiltOnRequest
from bbc.build.types import PROD, Base, ImageBuild, ImageBuildRequest, ImageIdentityRequest
from bbc.graph.chain import arg_defaults, dangling_continuation, pinned_base, substituted
from bbc.graph.dockerfiles import ParsedDockerfile, ParseDockerfileRequest
from bbc.graph.image_graph import ImageGraph, ImageInfo
from bbc.model.content import CONTENT_LABEL
from bbc.model.identity import ImageIdentity
from bbc.model.labels import BASE_DIGEST, BASE_NAME, web_address
from bbc.publish.registry_cache import CachedImage, CachedImageRequest, cache_request, from_registry
from bbc.subsystems import BBC
from bbc.graph.uncopied_files import SaidUncopiedFiles, SayUncopiedFiles
from bbc.util_rules.run_token import RunToken
from bbc.util_rules.docker import Docker, EngineImages, EngineImagesRequest, raise_if_engine_down
from bbc.util_rules.git import GitRequest, GitResult

IMAGE_VARIANT_LABEL = "io.bbc.image-variant"

_RETAG = 'image=$1; shift; for ref in "$@"; do "$DOCKER" tag "$image" "$ref" || exit 1; done'


def _base_labels(base: Base | None, external: str | None = None) -> dict[str, str]:
    """The parent's name and registry digest; for a root on an external image, its pinned
    reference's name and digest."""
    pinned = pinned_base(external) if external else None
    if pinned:
        return {BASE_NAME: pinned[0], BASE_DIGEST: pinned[1]}
    if base is None:
        return {}
    labels = {BASE_NAME: base.name}
    if base.digest:
        labels[BASE_DIGEST] = base.digest
    return labels


def _labels(info: ImageInfo, build: ImageBuild, base: Base | None) -> dict[str, str]:
    labels = {
        "org.opencontainers.image.title": info.repository,
        "org.opencontainers.image.version": info.version,
        CONTENT_LABEL: build.content_hash,
        **_base_labels(base, info.base),
    }
    if build.variant != PROD:
        labels["io.bbc.variant"] = build.variant
    if build.image_variant:
        labels[IMAGE_VARIANT_LABEL] = build.image_variant
    return labels


async def _labels_of(image_ref: str) -> dict[str, str]:
    docker = await Get(Docker)
    result = await Get(
        FallibleProcessResult,
        Process,
        docker.process(
            "image",
            "inspect",
            "--format",
            "{{json .Config.Labels}}",
            image_ref,
            description=f"Reading the labels of {image_ref}",
        ),
    )
    return json.loads(result.stdout or b"null") or {} if result.exit_code == 0 else {}


async def _up_to_date(
    request: ImageBuildRequest, build: ImageBuild, base: Base | None, local: EngineImages
) -> ImageBuild | None:
    """The image as the engine already holds it (`local`: which of its tags it holds), version
    tags moved back to it; or None.

    Only what the engine holds of this image's tags is read, and `Docker` (new in every run) is
    asked for only to run a process: so a no-op `package` does not run this rule again for an
    image whose tags did not change (see util_rules/docker.py's `EngineImages`)."""
    existing = local.ids.get(build.content_ref)
    if not existing:
        return None
    if request.publish and base is not None and base.digest:
        labels = await _labels_of(build.content_ref)
        if any(labels.get(k) != v for k, v in _base_labels(base).items()):
            return None  # built before its parent was published: built again on it
    stale = tuple(r for r in build.refs if local.ids.get(r) != existing)
    if stale:
        docker, bash = await MultiGet(Get(Docker), Get(BashBinary))
        moved = await Get(
            FallibleProcessResult,
            Process,
            docker.script(
                bash, _RETAG, existing, *stale, description=f"Tagging {', '.join(stale)}"
            ),
        )
        raise_if_engine_down("tag", moved)
        if moved.exit_code != 0:
            return replace(build, failure=f"{build.address}: {moved.stderr.decode().strip()}")
    return replace(build, image_id=existing)


_ORIGIN = GitRequest(("remote", "get-url", "origin"))


def _source(bbc: BBC, remote: GitResult | None) -> str | None:
    """The repository's web address: [bbc].source_url, else the git remote `origin`'s (asked
    for only without [bbc].source_url)."""
    if bbc.source_url or remote is None:
        return bbc.source_url or None
    return web_address(remote.stdout) if remote.exit_code == 0 and remote.stdout.strip() else None


@dataclass(frozen=True)
class _LookupRequest:
    address: Address
    cache: CachedImageRequest | None  # None: a test variant, never pulled


@dataclass(frozen=True)
class _Lookup:
    cached: CachedImage
    context: DockerBuildContext | None  # for an image no registry holds: it will be built


@rule
async def look_up_then_prepare(request: _LookupRequest) -> _Lookup:
    """The registry cache's answer; for an image it does not hold (it will be built), also its
    build context (Pants' parse of its Dockerfile, its pex files, its root file system): so an
    image that is pulled never waits for them, and one that is built has them ready once its
    parent is."""
    found = CachedImage()
    if request.cache is not None:
        found = await Get(CachedImage, CachedImageRequest, request.cache)
    if found.image_id or found.failure:
        return _Lookup(found, None)
    context = await Get(
        DockerBuildContext,
        DockerBuildContextRequest(request.address, build_upstream_images=False),
    )
    return _Lookup(found, context)


@rule
async def build_image(
    request: ImageBuildRequest,
    graph: ImageGraph,
    options: DockerOptions,
    bbc: BBC,
) -> ImageBuild:
    identity, token = await MultiGet(
        Get(ImageIdentity, ImageIdentityRequest, request.identity), Get(RunToken)
    )
    await Get(SaidUncopiedFiles, SayUncopiedFiles((request.address,), token.value))
    result, plan = identity.build, identity.recipe
    if not result.ok:
        return result
    info = graph.infos[request.address]
    local = await Get(EngineImages, EngineImagesRequest(result.refs))
    missing = result.content_ref not in local.ids
    # The parent's build (or pull) and, for an image not in the engine, its registry lookup
    # (and pull) then its build context if it must be built: both at once, as the content tag
    # does not depend on the parent's bits.
    cache = cache_request(result, info.version) if request.variant == PROD else None
    lookup = (_LookupRequest(request.address, cache),) if missing else ()
    on, *looked_up = await MultiGet(
        [
            Get(BuiltOn, BuiltOnRequest, BuiltOnRequest(request, plan)),
            *(Get(_Lookup, _LookupRequest, x) for x in lookup),
        ]
    )
    prepared = looked_up[0].context if looked_up else None
    if on.stop is not None:
        return on.stop
    existing = await _up_to_date(request, result, on.base, local)
    if existing is None and request.variant == PROD:
        existing = await from_registry(result, info.version)
    if existing is not None:
        return existing

    # Only an image that is built needs its build context: an up-to-date or pulled one would
    # otherwise package its pex files and root file system for nothing.
    origin = () if bbc.source_url else (_ORIGIN,)
    docker, tools, wrapped, *remote = await MultiGet(
        [
            Get(Docker),
            Get(BuildTools),
            Get(
                WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
            ),
            *(Get(GitResult, GitRequest, o) for o in origin),
        ]
    )
    # (Not prepared only for an image in the engine that is not up to date: rare.)
    context = prepared or await Get(
        DockerBuildContext,
        DockerBuildContextRequest(request.address, build_upstream_images=False),
    )
    target = wrapped.target
    build_args = (*context.build_args, *plan.build_args)
    built_on = dict(on.stages)
    if on.base is not None and on.base.build.content_ref and plan.base_arg is not None:
        built_on[plan.base_arg] = on.base.build
    build_args = (*build_args, *(f"{arg}={b.content_ref}" for arg, b in built_on.items()))
    labels = _labels(info, result, on.base)

    dockerfile_digest = plan.dockerfile_digest or await Get(
        Digest, DigestSubset(context.digest, PathGlobs([plan.dockerfile]))
    )
    dockerfile = await Get(DigestContents, Digest, dockerfile_digest)
    if not dockerfile:
        return replace(
            result, failure=f"{request.address}: {plan.dockerfile} is not in its build context."
        )
    text = dockerfile[0].content.decode()
    dangling = dangling_continuation(plan.dockerfile, text)
    if dangling:
        return replace(result, failure=f"{request.address}: {dangling}")
    parsed = await Get(ParsedDockerfile, ParseDockerfileRequest(dockerfile_digest, plan.dockerfile))
    declared = arg_defaults(parsed.instructions)
    leak = build_leak(plan.dockerfile, declared, build_args, context.build_env.environment)
    if leak:
        return replace(result, failure=f"{request.address}: {leak}")
    snapshot = await Get(Snapshot, Digest, context.digest)
    inputs = build_inputs(text, info.build_file, snapshot.files)
    input_digest = await Get(
        Digest, MergeDigests([context.digest, await Get(Digest, CreateDigest(inputs))])
    )

    field_set = DockerPackageFieldSet.create(target)
    argv = ["build", "--iidfile", IIDFILE, *(["--progress=plain"] if docker.buildkit else [])]
    argv += get_build_options(context, field_set, options.build_target_stage, target)
    for image_ref in result.refs:
        argv += ["--tag", image_ref]
    for arg in build_args:
        argv += ["--build-arg", arg]
    argv += [
        "--file",
        LABELLED_DOCKERFILE,
        field_set.get_context_root(options.default_context_root),
    ]
    built = await Get(
        DockerBuildResult,
        DockerBuild(
            build_process(
                docker,
                tools,
                argv,
                labels=labels,
                source=_source(bbc, remote[0] if remote else None),
                folder=request.address.spec_path,
                built_on=tuple(b.content_ref for b in built_on.values()),
                env=dict(context.build_env.environment),
                input_digest=input_digest,
                description=f"Building {result.refs[0]} ({request.address})",
            ),
            f"{result.refs[0]} ({request.address})",
        ),
    )
    process_result = built.result
    raise_if_engine_down("build", process_result)
    if process_result.exit_code == PARENT_MISSING:
        missing = process_result.stderr.decode().strip()
        [image] = [b for b in built_on.values() if b.content_ref == missing] or [on.base.build]  # type: ignore[union-attr]
        return replace(
            result,
            failure=(
                f"{request.address} is built FROM the content tag {missing} of {image.address}, "
                f"which is not in the Docker engine (removed during this run?). Build it again: "
                f"./pants package {image.address}"
            ),
        )
    if process_result.exit_code != 0:
        stdout = process_result.stdout.decode(errors="replace")
        stderr = process_result.stderr.decode(errors="replace")
        given = dict(arg.split("=", 1) for arg in build_args if "=" in arg)
        bases = [
            (i.line, substituted(i.value[0], {**declared, **given}))
            for i in parsed.instructions
            if i.cmd == "FROM" and i.value
        ]
        summary = failure_summary(plan.dockerfile, stdout, stderr, bases)
        tail = output_tail(stderr if docker.buildkit else stdout)
        return replace(
            result,
            failure=f"{request.address} ({result.refs[0]}) failed to build at {summary}\n{tail}",
        )
    outputs = await Get(DigestContents, Digest, process_result.output_digest)
    image_id = next(c.content for c in outputs if c.path == IIDFILE).decode().strip()
    seconds = (process_result.metadata.total_elapsed_ms or 0) / 1000
    return replace(result, image_id=image_id, built=True, seconds=seconds)


def rules():
    return collect_rules()
