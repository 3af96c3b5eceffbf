"""How the plugin runs docker (`Docker`: the one factory of docker processes; the client and
builder chosen by build/builder.py), what the engine holds, and one clear message when the engine
does not answer."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Any, Mapping

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.core.util_rules.system_binaries import (
    BashBinary,
    BinaryPath,
    BinaryPathRequest,
    BinaryPaths,
    BinaryPathTest,
)
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from bbc.build.builder import Client, choose, parse_version
from bbc.subsystems import BBC
from bbc.util_rules.run_token import RunToken

logger = logging.getLogger(__name__)


class DockerEngineError(Exception):
    pass


def engine_error(command: str, stderr: bytes) -> DockerEngineError:
    reason = next((line for line in stderr.decode(errors="replace").splitlines() if line), "")
    return DockerEngineError(
        f"The Docker engine is not answering (`docker {command}`: {reason.strip()}). Start it "
        f"(./pants starts one itself unless BBC_DOCKER_AUTOSTART=0) or point DOCKER_HOST at "
        f"one, then run again."
    )


def raise_if_engine_down(command: str, result: FallibleProcessResult) -> None:
    """A failed `docker <command>` that could not reach the engine stops the run with
    `engine_error`; any other failure is the caller's to report."""
    if result.exit_code != 0 and b"Cannot connect to the Docker daemon" in result.stderr:
        raise engine_error(command, result.stderr)


def per_run_process(
    argv: tuple[str, ...],
    *,
    description: str,
    run_token: str,
    env: Mapping[str, str],
    cache_scope: ProcessCacheScope | None = None,
    level: LogLevel = LogLevel.DEBUG,
    **kwargs: Any,
) -> Process:
    """A process that runs once per run of ./pants (see run_token.py) unless given a
    `cache_scope`; then it is cached like any process, keyed on its argv and inputs."""
    if cache_scope is None and not run_token:
        raise ValueError(f"{description}: a DockerClient process needs a cache_scope")
    per_run = {"BBC_RUN_TOKEN": run_token} if cache_scope is None else {}
    return Process(
        argv=argv,
        env={**env, **per_run},
        description=description,
        # Not PER_SESSION: pantsd would rerun it while re-validating an older result.
        cache_scope=cache_scope or ProcessCacheScope.PER_RESTART_SUCCESSFUL,
        level=level,
        **kwargs,
    )


@dataclass(frozen=True)
class Docker:
    """The docker CLI as the plugin runs it: its binary, its environment (`[docker].env_vars`)
    and this run's token. Every docker `Process` the plugin runs comes from `process` or
    `script`."""

    path: str
    env: FrozenDict[str, str]
    run_token: str
    buildkit: bool = True  # builds use BuildKit (else Docker's classic builder)

    def process(self, *args: str, description: str, **kwargs: Any) -> Process:
        """`docker <args>`, once per run unless given a `cache_scope` (see `per_run_process`)."""
        env = {**self.env, **kwargs.pop("env", {})}
        return per_run_process(
            (self.path, *args),
            description=description,
            run_token=self.run_token,
            env=env,
            **kwargs,
        )

    def script(
        self, bash: BashBinary, script: str, *args: str, description: str, **kwargs: Any
    ) -> Process:
        """A bash script of several steps, which runs docker as "$DOCKER" (and builds with the
        chosen builder)."""
        env = {
            **self.env,
            "DOCKER": self.path,
            "DOCKER_BUILDKIT": "1" if self.buildkit else "0",
            **kwargs.pop("env", {}),
        }
        return per_run_process(
            (bash.path, "-c", script, "bash", *args),
            description=description,
            run_token=self.run_token,
            env=env,
            **kwargs,
        )


def _probe_process(path: BinaryPath, *args: str) -> Process:
    """Asks a docker client about itself, once per pantsd (and again when its version changes),
    whatever it answers: a client without buildx fails `buildx version` every time."""
    return Process(
        argv=(path.path, *args),
        env={"BBC_CLIENT": path.fingerprint},
        description=f"Asking {path.path} {' '.join(args)}",
        cache_scope=ProcessCacheScope.PER_RESTART_ALWAYS,
        level=LogLevel.DEBUG,
    )


@dataclass(frozen=True)
class DockerClient:
    """The chosen client without a run token: the same in every run, so that a rule whose docker
    processes are cached on what they read (an image id) is not run again in every run."""

    docker: Docker  # its processes must be given a `cache_scope`
    note: str | None = None  # why the classic builder, said once per run


@rule(desc="Choosing the docker client", level=LogLevel.DEBUG)
async def docker_client(options: DockerOptions.EnvironmentAware, bbc: BBC) -> DockerClient:
    found, env = await MultiGet(
        Get(
            BinaryPaths,
            BinaryPathRequest(
                binary_name="docker",
                search_path=options.executable_search_path,
                # Each client's `--version` output, kept as its "fingerprint": asked once.
                test=BinaryPathTest(args=["--version"], fingerprint_stdout=False),
            ),
        ),
        Get(EnvironmentVars, EnvironmentVarsRequest(options.env_vars)),
    )
    unique = list({p.path: p for p in found.paths}.values())
    buildx = await MultiGet(
        Get(FallibleProcessResult, Process, _probe_process(p, "buildx", "version")) for p in unique
    )
    clients = [
        Client(p.path, parse_version(p.fingerprint), b.exit_code == 0)
        for p, b in zip(unique, buildx)
    ]
    choice = choose(clients, bbc.builder)
    if isinstance(choice, str):
        raise DockerEngineError(choice)
    return DockerClient(
        Docker(choice.client.path, FrozenDict(env), "", choice.buildkit), choice.note
    )


@rule(desc="Docker for this run", level=LogLevel.DEBUG)
async def docker_tool(client: DockerClient, run_token: RunToken) -> Docker:
    if client.note:
        logger.warning(client.note)
    return replace(client.docker, run_token=run_token.value)


async def _ask(docker: Docker, command: tuple[str, ...], description: str) -> bytes:
    """The engine's answer to a query, once per run."""
    result = await Get(
        FallibleProcessResult, Process, docker.process(*command, description=description)
    )
    if result.exit_code != 0:
        raise engine_error(" ".join(c for c in command[:2] if not c.startswith("-")), result.stderr)
    return result.stdout


@dataclass(frozen=True)
class LocalImages:
    """What the engine holds at the start of this run: the image id of every local `repo:tag`."""

    ids: FrozenDict[str, str]


@rule(desc="Listing local Docker images", level=LogLevel.DEBUG)
async def local_images(docker: Docker) -> LocalImages:
    command = ("image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
    stdout = await _ask(docker, command, "List local Docker images")
    pairs = (line.split() for line in stdout.decode().splitlines())
    return LocalImages(FrozenDict({ref: i for ref, i in pairs if not ref.endswith(":<none>")}))


@dataclass(frozen=True)
class EngineImagesRequest:
    refs: tuple[str, ...]


@dataclass(frozen=True)
class EngineImages:
    """The ids of those of `refs` that the engine holds at the start of this run. The same value
    from one run to the next unless one of them changed, so that a rule which reads it (and
    runs no docker process) is not run again because some other image changed."""

    ids: FrozenDict[str, str]


@rule
async def engine_images(request: EngineImagesRequest, local: LocalImages) -> EngineImages:
    return EngineImages(FrozenDict({r: local.ids[r] for r in request.refs if r in local.ids}))


@dataclass(frozen=True)
class RegistryConfig:
    """The engine's registry settings (`docker info`): which registries it reaches over HTTP."""

    config: FrozenDict[str, Any]


@rule(desc="Reading the Docker engine's registry settings", level=LogLevel.DEBUG)
async def registry_config(docker: Docker) -> RegistryConfig:
    command = ("info", "--format", "{{json .RegistryConfig}}")
    stdout = await _ask(docker, command, "Read the Docker engine's registry settings")
    return RegistryConfig(FrozenDict.deep_freeze(json.loads(stdout) or {}))


def rules():
    return collect_rules()
