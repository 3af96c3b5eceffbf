"""`publish`: push every production image to its registries, parents first; never change a release.

Pants' publish goal packages every target, then runs the returned processes one by one. That
order cannot work here: a child records its parent's registry digest in a label, which exists
only once the parent is pushed. So the pushes happen in the rule graph: an image's publish
waits for its parent's, then builds the image on the published parent (see `Base`), then
pushes. The goal's processes only write `dist/bbc/published/<repository>.json` (or print why
an image was not published). `package` builds nothing during `publish` (package_image.py).

Per registry: `skopeo list-tags` and `docker manifest inspect` tell what the registry holds,
publish_plan.py decides. The exact tag is pushed first, then the content tag, then the moving
tags that no newer release holds.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageSkipPushField, DockerImageSourceField
from pants.backend.docker.util_rules.docker_binary import DockerBinary
from pants.core.goals.publish import (
    PublishFieldSet,
    PublishOutputData,
    PublishPackages,
    PublishProcesses,
    PublishRequest,
)
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.addresses import Address
from pants.engine.process import (
    FallibleProcessResult,
    InteractiveProcess,
    Process,
    ProcessCacheScope,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from bbc.build_image import Base, BaseRequest, ImageBuild, ImageBuildRequest, image_refs
from bbc.build_output import output_tail
from bbc.docker_engine import (
    DockerEnv,
    LocalImages,
    RegistryConfig,
    SkopeoBinary,
    raise_if_engine_down,
)
from bbc.publish_plan import (
    RemoteTag,
    is_insecure,
    parse_manifest_inspect,
    plan_push,
    repo_digest,
    tag_of,
    tool_message,
)
from bbc.run_token import RunToken
from bbc.target_types import ImageVersionField

RECORD_DIR = "dist/bbc/published"


@dataclass(frozen=True)
class Destination:
    """An image's refs in one registry."""

    alias: str
    registry: str  # its address
    repository: str  # registry/repository
    exact: str
    content: str
    moving: tuple[str, ...]  # X.Y, X, latest and the registry's extra tags

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.exact, self.content, *self.moving)


def destinations(
    target: Target, build: ImageBuild, options: DockerOptions
) -> tuple[Destination, ...]:
    """Where `publish` pushes the image: the registries it selects, minus skip_push ones."""
    found = []
    for refs in image_refs(target, build.tags, options, options.registries()):
        registry = refs.registry
        if registry is None or registry.skip_push:
            continue
        names = {t.formatted: t.full_name for t in refs.tags if not t.uses_local_alias}
        exact, content = names.pop(build.tags[0]), names.pop(build.content_tag)
        found.append(
            Destination(
                registry.alias,
                registry.address,
                f"{registry.address}/{refs.repository}",
                exact,
                content,
                tuple(names.values()),
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class RegistryPublish:
    destination: Destination
    build: ImageBuild  # what is there now: the local build, or the registry's pulled bits
    pushed: tuple[str, ...] = ()
    held_back: tuple[str, ...] = ()  # moving tags left on a newer release
    digest: str | None = None  # the manifest digest of the exact tag
    failure: str | None = None


@dataclass(frozen=True)
class RegistryPublishRequest:
    destination: Destination
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


def _registry_process(
    argv: tuple[str, ...],
    env: DockerEnv,
    run_token: RunToken,
    desc: str,
    level: LogLevel = LogLevel.DEBUG,
) -> Process:
    return Process(
        argv=argv,
        env={**env.env, "BBC_RUN_TOKEN": run_token.value},
        description=desc,
        # Keyed by the run: registries change between runs (see run_token.py).
        cache_scope=ProcessCacheScope.PER_RESTART_SUCCESSFUL,
        level=level,
    )


async def _list_tags(
    dest: Destination,
    insecure: bool,
    skopeo: SkopeoBinary,
    env: DockerEnv,
    run_token: RunToken,
) -> tuple[str, ...] | str:
    """Every tag of the image's repository in the registry, or why the registry did not say."""
    flags = ("--tls-verify=false",) if insecure else ()
    result = await Get(
        FallibleProcessResult,
        Process,
        _registry_process(
            (skopeo.path, "list-tags", *flags, f"docker://{dest.repository}"),
            env,
            run_token,
            f"Listing the tags of {dest.repository}",
        ),
    )
    stderr = result.stderr.decode(errors="replace").strip()
    if result.exit_code == 0:
        return tuple(json.loads(result.stdout)["Tags"] or ())
    if "404" in stderr or "NAME_UNKNOWN" in stderr or "name unknown" in stderr:
        return ()  # a new repository
    return (
        f"the registry did not answer: {tool_message(stderr)}. Check its address in "
        f"[docker.registries] and that it runs (this repository's local one: "
        f"build-support/local-registry.sh start)."
    )


async def _inspect(
    refs: tuple[str, ...],
    insecure: bool,
    docker: DockerBinary,
    env: DockerEnv,
    run_token: RunToken,
) -> dict[str, RemoteTag | None] | str:
    """What each ref points at in the registry (None: nothing), or why the registry did not say."""
    flags = ("--insecure",) if insecure else ()
    results = await MultiGet(
        Get(
            FallibleProcessResult,
            Process,
            _registry_process(
                (docker.path, "manifest", "inspect", "-v", *flags, ref),
                env,
                run_token,
                f"Looking up {ref}",
            ),
        )
        for ref in refs
    )
    found: dict[str, RemoteTag | None] = {}
    for ref, result in zip(refs, results):
        raise_if_engine_down("manifest inspect", result)
        stderr = result.stderr.decode(errors="replace").strip()
        if result.exit_code == 0:
            found[ref] = parse_manifest_inspect(result.stdout.decode())
        elif "no such manifest" in stderr:
            found[ref] = None
        else:
            return f"could not look up {ref}: {stderr}"
    return found


# bash -c: tag every ref from the image, push them in order (stop at the first failure), then
# print the image's registry digests.
PUSH_SCRIPT = """\
set -eu
docker=$1; image=$2; shift 2
for ref in "$@"; do "$docker" tag "$image" "$ref"; done
for ref in "$@"; do "$docker" push --quiet "$ref" >&2 || { echo "pushing $ref failed" >&2; exit 1; }; done
"$docker" image inspect --format '{{json .RepoDigests}}' "$image"
"""

# bash -c: pull the registry's image of this release and give it the local tags.
ADOPT_SCRIPT = """\
set -eu
docker=$1; remote=$2; shift 2
"$docker" pull --quiet "$remote" >&2
for ref in "$@"; do "$docker" tag "$remote" "$ref"; done
"$docker" image inspect --format '{{.Id}}' "$remote"
"""


def _script(bash: BashBinary, script: str, *args: str) -> tuple[str, ...]:
    return (bash.path, "-c", script, "bash", *args)


async def _run_loud(
    argv: tuple[str, ...], env: DockerEnv, run_token: RunToken, desc: str
) -> FallibleProcessResult:
    """A pull or push: shown in Pants' progress while it runs."""
    process = _registry_process(argv, env, run_token, desc, LogLevel.INFO)
    return await Get(FallibleProcessResult, Process, process)


@rule(desc="Publishing to a registry", level=LogLevel.DEBUG)
async def publish_to_registry(
    request: RegistryPublishRequest,
    docker: DockerBinary,
    skopeo: SkopeoBinary,
    bash: BashBinary,
    env: DockerEnv,
    registry_config: RegistryConfig,
    run_token: RunToken,
) -> RegistryPublish:
    dest, build = request.destination, request.build
    result = RegistryPublish(dest, build)
    where = f"{build.address} in @{dest.alias} ({dest.registry})"
    insecure = is_insecure(dest.registry, registry_config.config)
    tags = await _list_tags(dest, insecure, skopeo, env, run_token)
    if isinstance(tags, str):
        return replace(result, failure=f"{where}: {tags}")
    held_refs = tuple(ref for ref in dest.refs if tag_of(ref) in tags)
    remote = await _inspect(held_refs, insecure, docker, env, run_token)
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
        pulled = await _run_loud(
            _script(bash, ADOPT_SCRIPT, docker.path, plan.adopt, *build.refs),
            env,
            run_token,
            f"Pulling {plan.adopt}, the released build of {build.refs[0]}",
        )
        raise_if_engine_down("pull", pulled)
        if pulled.exit_code != 0:
            tail = output_tail(pulled.stderr.decode(errors="replace"))
            return replace(result, failure=f"{where}: pulling {plan.adopt} failed:\n{tail}")
        build = replace(build, image_id=pulled.stdout.decode().strip(), built=True)
        result = replace(result, build=build)

    held = remote.get(dest.exact)
    if not plan.push:
        return replace(result, digest=held.manifest_digest if held else None)
    pushed = await _run_loud(
        _script(bash, PUSH_SCRIPT, docker.path, build.image_id, *plan.push),
        env,
        run_token,
        f"Pushing {dest.repository}:{','.join(tag_of(ref) for ref in plan.push)}",
    )
    raise_if_engine_down("push", pushed)
    if pushed.exit_code != 0:
        tail = output_tail(pushed.stderr.decode(errors="replace"))
        return replace(result, failure=f"{where}: {tail}")
    digests = tuple(json.loads(pushed.stdout.decode() or "[]"))
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


@rule
async def base(request: BaseRequest, options: DockerOptions) -> Base:
    """The parent as published in this run, or as built, labelled from the engine's records."""
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


class BBCPublishRequest(PublishRequest):
    pass


@dataclass(frozen=True)
class BBCPublishFieldSet(PublishFieldSet):
    publish_request_type = BBCPublishRequest
    required_fields = (DockerImageSourceField, ImageVersionField)

    source: DockerImageSourceField
    version: ImageVersionField

    def get_output_data(self) -> PublishOutputData:
        return PublishOutputData({"publisher": "bbc", **super().get_output_data()})


def record(published: ImagePublish) -> dict:
    """What dist/bbc/published/<repository>.json says: how to pin each published ref."""
    build = published.build
    return {
        "address": str(published.address),
        "image_id": build.image_id,
        "version": build.tags[0],
        "content_tag": build.content_tag,
        "registries": [
            {
                "alias": r.destination.alias,
                "registry": r.destination.registry,
                "repository": r.destination.repository,
                "digest": r.digest,
                "pinned": f"{r.destination.repository}@{r.digest}" if r.digest else None,
                "tags": list(r.destination.refs),
                "pushed": list(r.pushed),
            }
            for r in published.registries
        ],
    }


def _failing(bash: BashBinary, message: str) -> InteractiveProcess:
    return InteractiveProcess(argv=_script(bash, 'printf "\\n%s\\n" "$1" >&2; exit 1', message))


@rule(desc="Reporting a published image")
async def publish_bbc_image(request: BBCPublishRequest, bash: BashBinary) -> PublishProcesses:
    published = await Get(ImagePublish, ImagePublishRequest(request.field_set.address))
    build, address = published.build, published.address
    name = build.refs[0] if build.refs else str(address)
    if published.blocked_by:
        blocker = await Get(ImagePublish, ImagePublishRequest(published.blocked_by))
        reason = (blocker.failure or "").split("\n")[0]
        message = (
            f"{address} was not published: its ancestor {published.blocked_by} failed. {reason}"
        )
        return PublishProcesses([PublishPackages((name,), _failing(bash, message))])
    if published.failure:
        failed = [r.destination.exact for r in published.registries if r.failure] or [name]
        return PublishProcesses([PublishPackages(tuple(failed), _failing(bash, published.failure))])
    if published.not_pushed:
        return PublishProcesses([PublishPackages((name,), None, f"({published.not_pushed})")])

    path = os.path.join(RECORD_DIR, f"{build.registries[0].repository}.json")
    text = json.dumps(record(published), indent=2, sort_keys=True)
    write = InteractiveProcess(
        argv=_script(bash, 'mkdir -p "$(dirname "$1")" && printf "%s\\n" "$2" > "$1"', path, text),
        run_in_workspace=True,
    )
    jobs = []
    for r in published.registries:
        data = PublishOutputData({"digest": r.digest, "record": path})
        where = f"@{r.destination.alias}"
        if r.pushed:
            jobs.append(PublishPackages(r.pushed, write, where, data))
        if r.destination.exact not in r.pushed:
            note = f"{where} (already there with this content, {r.digest})"
            jobs.append(PublishPackages((r.destination.exact,), write, note, data))
        if r.held_back:
            note = f"(a newer release in @{r.destination.alias} holds it)"
            jobs.append(PublishPackages(r.held_back, None, note, data))
    return PublishProcesses(jobs)


def rules():
    return [*collect_rules(), *BBCPublishFieldSet.rules()]
