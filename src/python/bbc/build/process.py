"""The one process that builds an image: checks that the images it is built on are in the
engine, labels it with the git revision of its files and runs `docker build`. One process per
image, as Pants' own docker backend runs: each extra process per image costs wall time when the
machine runs two at once. (Its SBOM is read later, with the other images built in the run:
sbom/image_sbom.py.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import BashBinary, MaybeGitBinary
from pants.engine.fs import Digest, FileContent
from pants.engine.engine_aware import EngineAwareParameter, EngineAwareReturnType
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.model.labels import REVISION, source_labels
from bbc.util_rules.docker import Docker
from bbc.util_rules.scripts import script

IIDFILE = "__bbc_image.iid"
PARENT_MISSING = 97
_DOCKERFILE = "__bbc_Dockerfile.in"  # the image's own
# The Dockerfile that is built: the image's own plus one LABEL instruction. (One LABEL step
# costs a third of what the same labels as --label flags cost the classic builder.)
LABELLED_DOCKERFILE = "__bbc_Dockerfile"
_PATHS = "__bbc_paths"  # the files whose last commit is the image's revision
_REVISION = "@BBC_REVISION@"

_BUILD = script(__name__, "build_image.sh")


@dataclass(frozen=True)
class BuildTools:
    bash: BashBinary
    git: str  # empty: no git, no revision label
    build_root: str


@rule(desc="Finding the tools a build uses", level=LogLevel.DEBUG)
async def build_tools(bash: BashBinary, git: MaybeGitBinary, root: BuildRoot) -> BuildTools:
    return BuildTools(bash, git.git_binary.path if git.git_binary else "", root.path)


def _label_text(labels: dict[str, str]) -> str:
    return " ".join(f"{json.dumps(name)}={json.dumps(value)}" for name, value in labels.items())


def build_inputs(dockerfile: str, build_file: str, context_files: tuple[str, ...]):
    """The files the build script reads beside the build context."""
    return [
        FileContent(_DOCKERFILE, f"{dockerfile.rstrip()}\n".encode()),
        FileContent(_PATHS, "\n".join((build_file, *context_files)).encode() + b"\n"),
    ]


def build_process(
    docker: Docker,
    tools: BuildTools,
    argv: list[str],
    *,
    labels: dict[str, str],
    source: str | None,
    folder: str,
    built_on: tuple[str, ...],
    env: dict[str, str],
    input_digest: Digest,
    description: str,
) -> Process:
    """`docker <argv>` (a build with `--file LABELLED_DOCKERFILE --iidfile IIDFILE`) with
    `labels` and the revision's labels."""
    plain = {**labels, **source_labels(source, None, folder)}
    with_revision = source_labels(source, _REVISION, folder)
    later = {REVISION: _REVISION, **{k: v for k, v in with_revision.items() if k not in plain}}
    return docker.script(
        tools.bash,
        _BUILD,
        *argv,
        description=description,
        env={
            **env,
            "BBC_BUILT_ON": " ".join(built_on),
            "BBC_LABELS": _label_text(plain),
            "BBC_REVISION_LABELS": _label_text(later),
            "GIT": tools.git,
            "BBC_ROOT": tools.build_root,
            "BBC_PARENT_MISSING": str(PARENT_MISSING),
            "BBC_PATHS_FILE": _PATHS,
            "BBC_DOCKERFILE_IN": _DOCKERFILE,
            "BBC_LABELLED_DOCKERFILE": LABELLED_DOCKERFILE,
            "BBC_REVISION_MARK": _REVISION,
        },
        input_digest=input_digest,
        output_files=(IIDFILE,),
        level=LogLevel.DEBUG,  # shown by `run_docker_build`'s workunit, which says how it ended
    )


@dataclass(frozen=True)
class DockerBuild(EngineAwareParameter):
    process: Process  # from `build_process`
    image: str  # `<exact ref> (<address>)`

    def debug_hint(self) -> str:
        return self.image


@dataclass(frozen=True)
class DockerBuildResult(EngineAwareReturnType):
    result: FallibleProcessResult

    def level(self) -> LogLevel:
        return LogLevel.INFO if self.result.exit_code == 0 else LogLevel.ERROR

    def message(self) -> str:
        if self.result.exit_code == 0:
            return "built."
        return f"failed (exit code {self.result.exit_code}); why is said with the image's result."


@rule(desc="Building", level=LogLevel.INFO)
async def run_docker_build(build: DockerBuild) -> DockerBuildResult:
    """The build in a workunit of its own: Pants logs a process that failed as `Completed`."""
    return DockerBuildResult(await Get(FallibleProcessResult, Process, build.process))


def rules():
    return collect_rules()
