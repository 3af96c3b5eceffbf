"""Rules that build one BBC image variant: parents first, tags moved only by a good build.

A failed build is returned, not raised, so that `package` can finish every unrelated image
before it reports the failures (see goals/package.py). Descendants of a failed image are not
built. An image is up to date, and not built again, when its content tag (its version plus a
hash of every build input) already names the local image all its tags point to and its parent
was not rebuilt in this run.

The hash chains the parent's content tag, not its image id, so the same sources give the same
content tag on any machine: `publish` relies on it to tell a release from a rebuild. A child of
a published parent records the parent's registry digest in a label: see `Base` and base.py.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace

from pants.backend.docker.goals.package_image import DockerPackageFieldSet, get_build_options
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.util_rules.docker_build_context import (
    DockerBuildContext,
    DockerBuildContextRequest,
)
from pants.engine.addresses import Address
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel
from pants.util.strutil import stable_hash

from bbc.core.build_output import failure_summary, output_tail
from bbc.core.chain import ChainError, parent_arg
from bbc.core.tags import content_tag, ref, variant_base_tag, variant_tag, version_tags
from bbc.rules.dockerfiles import ParsedDockerfile, ParseDockerfileRequest
from bbc.rules.docker import Docker, LocalImages, raise_if_engine_down
from bbc.rules.git import GitRequest, GitResult
from bbc.rules.image_graph import ImageGraph, ImageInfo
from bbc.target_types import TestBuildArgsField, TestDockerfileField, TestVariantField

PROD, TEST_BASE, TEST = "prod", "test-base", "test"
IIDFILE = "__bbc_image.iid"
# The Dockerfile that is built: the image's own plus one LABEL instruction. (One LABEL step
# costs a third of what the same labels as --label flags cost the classic builder.)
LABELLED_DOCKERFILE = "__bbc_Dockerfile"
# Part of every content hash: bump it when the plugin changes how it builds images.
RECIPE_VERSION = 3


@dataclass(frozen=True)
class ImageBuildRequest:
    address: Address
    variant: str = PROD
    # Build on the parent as published in this run (see publish_image.py), not as packaged.
    publish: bool = False


@dataclass(frozen=True)
class ImageBuild:
    address: Address
    variant: str
    image_id: str = ""
    repository: str = ""  # local: never with a registry (registries only matter to publish)
    tags: tuple[str, ...] = ()  # exact first, content tag last
    built: bool = False  # False: it was up to date
    failure: str | None = None  # why this image failed to build
    blocked_by: Address | None = None  # the ancestor whose failure stopped it

    @property
    def ok(self) -> bool:
        return self.failure is None and self.blocked_by is None

    @property
    def refs(self) -> tuple[str, ...]:
        """Every local `repository:tag` of the image, its exact version first."""
        return tuple(ref(self.repository, tag) for tag in self.tags)

    @property
    def content_tag(self) -> str:
        return self.tags[-1] if self.tags else ""


@dataclass(frozen=True)
class BaseRequest:
    address: Address  # the parent
    publish: bool


@dataclass(frozen=True)
class Base:
    """A child's parent: the image it builds FROM, and what its `base.*` labels say.

    When the parent is published (pushed in this run, or found in the engine with a registry
    digest), `name` is its registry ref and `digest` its manifest digest there; otherwise
    `name` is its local ref. The rule is in base.py.
    """

    build: ImageBuild
    name: str
    digest: str | None = None
    blocked_by: Address | None = None  # the ancestor that failed to build or to publish


@dataclass(frozen=True)
class _Recipe:
    dockerfile: str
    dockerfile_digest: Digest | None  # where to read it; None: from the build context
    base: Base | None  # what the parent argument is set to
    base_arg: str | None
    build_args: tuple[str, ...]  # beyond the context's
    tags: tuple[str, ...]  # bare tags, first one first


async def _recipe(
    request: ImageBuildRequest, target: Target, info: ImageInfo, graph: ImageGraph
) -> _Recipe | ImageBuild:
    """How to build the variant, or the failure that prevents it."""
    address, version = request.address, info.version
    parent_address = graph.parent(address)
    publish = request.publish and request.variant == PROD
    parent = await Get(Base, BaseRequest(parent_address, publish)) if parent_address else None
    if parent is not None and parent.blocked_by:
        return ImageBuild(address, request.variant, blocked_by=parent.blocked_by)
    if request.variant == PROD:
        return _Recipe(info.dockerfile, None, parent, info.parent_arg, (), version_tags(version))

    mode = target[TestVariantField].value
    if mode is None:
        return _failed(
            request,
            f"{address} has no test variant: set test_variant='sandwich' or 'build-arg' in "
            f"{info.build_file}.",
        )
    if request.variant == TEST and mode == "build-arg":
        test_args = target[TestBuildArgsField].value or ()
        return _Recipe(
            info.dockerfile, None, parent, info.parent_arg, test_args, (variant_tag(version),)
        )
    if request.variant == TEST:
        base = await Get(ImageBuild, ImageBuildRequest(address, TEST_BASE))
        if not base.ok:
            return replace(base, variant=TEST)
        return _Recipe(
            info.dockerfile,
            None,
            Base(base, base.refs[0]),
            info.parent_arg,
            (),
            (variant_tag(version),),
        )

    # The sandwich's bottom: the test Dockerfile built FROM the parent.
    test_dockerfile = os.path.join(address.spec_path, target[TestDockerfileField].value)
    if parent is None:
        return _failed(
            request,
            f"{address} is a root image: there is no parent to sandwich a test layer on. Use "
            f"test_variant='build-arg' in {info.build_file}.",
        )
    digest = await Get(Digest, PathGlobs([test_dockerfile]))
    contents = await Get(DigestContents, Digest, digest)
    if not contents:
        return _failed(
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
        return _failed(request, f"{address}: {e}")
    return _Recipe(test_dockerfile, digest, parent, arg, (), (variant_base_tag(version),))


def _failed(request: ImageBuildRequest, failure: str) -> ImageBuild:
    return ImageBuild(request.address, request.variant, failure=failure)


def _labels(info: ImageInfo, recipe: _Recipe, variant: str) -> dict[str, str]:
    labels = {
        "org.opencontainers.image.title": info.repository,
        "org.opencontainers.image.version": info.version,
    }
    if recipe.base is not None:
        labels["org.opencontainers.image.base.name"] = recipe.base.name
        if recipe.base.digest:
            labels["org.opencontainers.image.base.digest"] = recipe.base.digest
    if variant != PROD:
        labels["io.bbc.variant"] = variant
    return labels


@rule
async def build_image(
    request: ImageBuildRequest,
    graph: ImageGraph,
    docker: Docker,
    options: DockerOptions,
) -> ImageBuild:
    problems = graph.problems(request.address)
    if problems:
        return _failed(request, "\n\n".join(problems))
    info = graph.infos[request.address]
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    target = wrapped.target
    recipe = await _recipe(request, target, info, graph)
    if isinstance(recipe, ImageBuild):
        return recipe

    context = await Get(
        DockerBuildContext, DockerBuildContextRequest(request.address, build_upstream_images=False)
    )
    build_args = (*context.build_args, *recipe.build_args)
    if recipe.base is not None and recipe.base_arg is not None:
        build_args = (*build_args, f"{recipe.base_arg}={recipe.base.build.refs[0]}")
    labels = _labels(info, recipe, request.variant)
    field_set = DockerPackageFieldSet.create(target)
    build_options = tuple(get_build_options(context, field_set, options.build_target_stage, target))
    inputs_hash = stable_hash(
        (
            RECIPE_VERSION,
            context.digest,
            recipe.dockerfile,
            build_args,
            sorted(labels.items()),
            build_options,
            recipe.base.build.content_tag if recipe.base else None,
        )
    )
    tags = (*recipe.tags, content_tag(recipe.tags[0], inputs_hash))
    result = ImageBuild(request.address, request.variant, repository=info.repository, tags=tags)

    local = await Get(LocalImages)
    content_id = local.ids.get(result.refs[-1]) if result.refs else None
    parent_rebuilt = recipe.base is not None and recipe.base.build.built
    if (
        content_id
        and not parent_rebuilt
        and all(local.ids.get(ref) == content_id for ref in result.refs)
    ):
        return replace(result, image_id=content_id)

    snapshot = await Get(Snapshot, Digest, context.digest)
    build_file = os.path.join(request.address.spec_path, "BUILD")
    log = await Get(
        GitResult,
        GitRequest(("log", "-1", "--format=%H", "--", build_file, *snapshot.files)),
    )
    revision = log.stdout.strip() if log.exit_code == 0 and log.stdout.strip() else None
    if revision:
        labels["org.opencontainers.image.revision"] = revision

    dockerfile_digest = recipe.dockerfile_digest or await Get(
        Digest, DigestSubset(context.digest, PathGlobs([recipe.dockerfile]))
    )
    dockerfile = await Get(DigestContents, Digest, dockerfile_digest)
    if not dockerfile:
        return replace(
            result, failure=f"{request.address}: {recipe.dockerfile} is not in its build context."
        )
    label = " ".join(f"{json.dumps(name)}={json.dumps(value)}" for name, value in labels.items())
    labelled = f"{dockerfile[0].content.decode().rstrip()}\nLABEL {label}\n".encode()
    labelled_digest = await Get(Digest, CreateDigest([FileContent(LABELLED_DOCKERFILE, labelled)]))
    input_digest = await Get(Digest, MergeDigests([context.digest, labelled_digest]))

    argv = ["build", "--iidfile", IIDFILE, *build_options]
    for image_ref in result.refs:
        argv += ["--tag", image_ref]
    for arg in build_args:
        argv += ["--build-arg", arg]
    argv += [
        "--file",
        LABELLED_DOCKERFILE,
        field_set.get_context_root(options.default_context_root),
    ]
    process_result = await Get(
        FallibleProcessResult,
        Process,
        docker.process(
            *argv,
            description=f"Building {result.refs[0]} ({request.address})",
            env=context.build_env.environment,
            input_digest=input_digest,
            output_files=(IIDFILE,),
            level=LogLevel.INFO,
        ),
    )
    stdout = process_result.stdout.decode(errors="replace")
    stderr = process_result.stderr.decode(errors="replace")
    raise_if_engine_down("build", process_result)
    if process_result.exit_code != 0:
        summary = failure_summary(recipe.dockerfile, stdout, stderr)
        return replace(
            result,
            failure=f"{request.address} ({result.refs[0]}) failed to build at {summary}\n{output_tail(stdout)}",
        )
    iid = await Get(DigestContents, Digest, process_result.output_digest)
    return replace(result, image_id=iid[0].content.decode().strip(), built=True)


def rules():
    return collect_rules()
