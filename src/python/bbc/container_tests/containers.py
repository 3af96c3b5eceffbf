"""Runs one check in a container of an image, for `./pants test`: bounded in time, its output
kept, its files copied out through the engine (so a remote engine works too), and the container
always removed.

Each container is labelled with its owner, the process that runs the check
(`io.bbc.test-owner`), and with when it may be removed (`io.bbc.test-expires`; never, for a check
without a time limit): a watchdog outside the check's process group removes it as soon as the
check's process ends, even when Pants kills it (Ctrl-C); a container left by a crash is removed
by the next run once its owner is gone (or, seen from another machine, once expired). Checks of
other checkouts, still running, are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pants.core.util_rules.system_binaries import (
    SEARCH_PATHS,
    BashBinary,
    BinaryShims,
    BinaryShimsRequest,
)
from pants.engine.fs import EMPTY_DIGEST, Digest
from pants.engine.internals.session import RunId
from pants.engine.process import (
    FallibleProcessResult,
    Process,
    ProcessCacheScope,
    ProcessResultMetadata,
)
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.util_rules.docker import Docker
from bbc.util_rules.scripts import script

OUT = "bbc-out"
TIMED_OUT = 124
COULD_NOT_START = 125
EXPIRES = "io.bbc.test-expires"
OWNER = "io.bbc.test-owner"
# Grace, beyond a check's time limit, before a left-over container may be removed by others.
_GRACE = 600

_RUN = script(__name__, "process_owner.sh", "run_container.sh")
_SWEEP = script(__name__, "process_owner.sh", "sweep_containers.sh")
# What both scripts read besides their arguments.
_ENV = {"BBC_EXPIRES_LABEL": EXPIRES, "BBC_OWNER_LABEL": OWNER, "BBC_GRACE": str(_GRACE)}


@dataclass(frozen=True)
class ContainerRun:
    """One check: `docker create` arguments (image, entrypoint, command) and how to run it."""

    create_args: tuple[str, ...]
    description: str
    time_limit: int  # seconds; 0: none
    cache_scope: ProcessCacheScope
    copy_out: str = ""  # a folder of the container to copy out, as `bbc-out/`


@dataclass(frozen=True)
class ContainerResult:
    exit_code: int
    output: str
    files: Digest  # what was copied out, under bbc-out/
    result: FallibleProcessResult

    @property
    def timed_out(self) -> bool:
        return self.exit_code == TIMED_OUT

    @property
    def could_not_start(self) -> bool:
        return self.exit_code == COULD_NOT_START


@dataclass(frozen=True)
class SweptContainers:
    """This run removed the containers that earlier runs left behind and that have expired."""


async def container_test_tools() -> BinaryShims:
    """The host tools the scripts of container tests run (bash, timeout, setsid...)."""
    return await Get(
        BinaryShims,
        BinaryShimsRequest.for_binaries(
            "bash",
            "date",
            "readlink",
            "setsid",
            "sleep",
            "timeout",
            rationale="run container tests",
            search_path=SEARCH_PATHS,
        ),
    )


@rule(desc="Removing expired test containers", level=LogLevel.DEBUG)
async def sweep_containers(docker: Docker, bash: BashBinary) -> SweptContainers:
    tools = await container_test_tools()
    await Get(
        FallibleProcessResult,
        Process,
        docker.script(
            bash,
            _SWEEP,
            description="Remove expired test containers",
            env={"PATH": tools.path_component, **_ENV},
            immutable_input_digests=tools.immutable_input_digests,
        ),
    )
    return SweptContainers()


@rule
async def run_container(run: ContainerRun, docker: Docker, bash: BashBinary) -> ContainerResult:
    await Get(SweptContainers)
    tools = await container_test_tools()
    result = await Get(
        FallibleProcessResult,
        Process,
        docker.script(
            bash,
            _RUN,
            str(run.time_limit),
            run.copy_out,
            *run.create_args,
            description=run.description,
            cache_scope=run.cache_scope,
            # A backstop: the script stops the container at its own limit first.
            timeout_seconds=run.time_limit + 120 if run.time_limit else None,
            env={"PATH": tools.path_component, **_ENV},
            immutable_input_digests=tools.immutable_input_digests,
            output_directories=(OUT,) if run.copy_out else (),
        ),
    )
    output = (result.stdout + result.stderr).decode(errors="replace")
    files = result.output_digest if run.copy_out else EMPTY_DIGEST
    return ContainerResult(result.exit_code, output, files, result)


def freshest(results: Iterable[FallibleProcessResult | None]) -> FallibleProcessResult | None:
    """The result whose metadata Pants should report for a test made of several processes: one
    that ran in this run if any (Pants then says neither "memoized" nor "cached"), else the
    newest."""

    def key(result: FallibleProcessResult) -> tuple[int, bool]:
        meta = result.metadata
        ran = meta.source(RunId(meta.source_run_id)) == ProcessResultMetadata.Source.RAN
        return meta.source_run_id, ran

    return max((r for r in results if r is not None), key=key, default=None)


def rules():
    return collect_rules()
