"""Rules that ask the Docker engine what it holds, and say clearly when it does not answer."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.util_rules.docker_binary import DockerBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel


class DockerEngineError(Exception):
    pass


def engine_error(command: str, stderr: bytes) -> DockerEngineError:
    reason = next((line for line in stderr.decode(errors="replace").splitlines() if line), "")
    return DockerEngineError(
        f"The Docker engine is not answering (`docker {command}`: {reason.strip()}). Start it "
        f"(./pants starts one itself unless BBC_DOCKER_AUTOSTART=0) or point DOCKER_HOST at "
        f"one, then run again."
    )


@dataclass(frozen=True)
class DockerEnv:
    """The environment of `docker` processes: `[docker].env_vars`."""

    env: FrozenDict[str, str]


@rule
async def docker_env(options: DockerOptions.EnvironmentAware) -> DockerEnv:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(options.env_vars))
    return DockerEnv(FrozenDict(env))


@dataclass(frozen=True)
class LocalImages:
    """What the engine holds at the start of this run: image id of every local `repo:tag`."""

    ids: FrozenDict[str, str]


@rule(desc="Listing local Docker images", level=LogLevel.DEBUG)
async def local_images(docker: DockerBinary, env: DockerEnv) -> LocalImages:
    command = ("image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(docker.path, *command),
            env=env.env,
            description="List local Docker images",
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise engine_error("image ls", result.stderr)
    pairs = (line.split() for line in result.stdout.decode().splitlines())
    return LocalImages(FrozenDict({ref: image_id for ref, image_id in pairs}))


def rules():
    return collect_rules()
