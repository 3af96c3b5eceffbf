"""Rules that ask the Docker engine what it holds, and say clearly when it does not answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.util_rules.docker_binary import DockerBinary
from pants.core.util_rules.system_binaries import (
    BinaryPath,
    BinaryPathRequest,
    BinaryPaths,
    BinaryPathTest,
    SearchPath,
)
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


def raise_if_engine_down(command: str, result: FallibleProcessResult) -> None:
    """A failed `docker <command>` that could not reach the engine stops the run with
    `engine_error`; any other failure is the caller's to report."""
    if result.exit_code != 0 and b"Cannot connect to the Docker daemon" in result.stderr:
        raise engine_error(command, result.stderr)


@dataclass(frozen=True)
class DockerEnv:
    """The environment of `docker` processes: `[docker].env_vars`."""

    env: FrozenDict[str, str]


@rule
async def docker_env(options: DockerOptions.EnvironmentAware) -> DockerEnv:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(options.env_vars))
    return DockerEnv(FrozenDict(env))


async def _ask(docker: DockerBinary, env: DockerEnv, command: tuple[str, ...], desc: str) -> bytes:
    """The engine's answer to a query, once per run."""
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(docker.path, *command),
            env=env.env,
            description=desc,
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise engine_error(" ".join(c for c in command[:2] if not c.startswith("-")), result.stderr)
    return result.stdout


@dataclass(frozen=True)
class LocalImages:
    """What the engine holds at the start of this run: image id of every local `repo:tag`, and
    the registry digests (`repo@sha256:...`) of every image pushed or pulled."""

    ids: FrozenDict[str, str]
    repo_digests: FrozenDict[str, tuple[str, ...]]


@rule(desc="Listing local Docker images", level=LogLevel.DEBUG)
async def local_images(docker: DockerBinary, env: DockerEnv) -> LocalImages:
    listing = "{{.Repository}} {{.Tag}} {{.ID}} {{.Digest}}"
    command = ("image", "ls", "--digests", "--no-trunc", "--format", listing)
    stdout = await _ask(docker, env, command, "List local Docker images")
    ids: dict[str, str] = {}
    digests: dict[str, set[str]] = {}
    for line in stdout.decode().splitlines():
        repository, tag, image_id, digest = line.split()
        if tag != "<none>":
            ids[f"{repository}:{tag}"] = image_id
        if digest != "<none>":
            digests.setdefault(image_id, set()).add(f"{repository}@{digest}")
    return LocalImages(
        FrozenDict(ids), FrozenDict({i: tuple(sorted(d)) for i, d in digests.items()})
    )


@dataclass(frozen=True)
class RegistryConfig:
    """The engine's registry settings (`docker info`): which registries it reaches over HTTP."""

    config: FrozenDict[str, Any]


@rule(desc="Reading the Docker engine's registry settings", level=LogLevel.DEBUG)
async def registry_config(docker: DockerBinary, env: DockerEnv) -> RegistryConfig:
    command = ("info", "--format", "{{json .RegistryConfig}}")
    stdout = await _ask(docker, env, command, "Read the Docker engine's registry settings")
    return RegistryConfig(FrozenDict.deep_freeze(json.loads(stdout) or {}))


class SkopeoBinary(BinaryPath):
    """skopeo: lists a registry's tags (the Docker CLI cannot), with Docker's credentials."""


@rule(desc="Finding skopeo", level=LogLevel.DEBUG)
async def find_skopeo() -> SkopeoBinary:
    request = BinaryPathRequest(
        binary_name="skopeo",
        search_path=SearchPath(("/usr/bin", "/bin", "/usr/local/bin")),
        test=BinaryPathTest(args=["--version"]),
    )
    paths = await Get(BinaryPaths, BinaryPathRequest, request)
    if paths.first_path is None:
        raise DockerEngineError(
            "`publish` needs skopeo to read a registry's tags, and it is not installed. "
            "./pants installs it on Debian hosts (build-support/host-packages.txt); elsewhere "
            "install your system's skopeo package."
        )
    return SkopeoBinary(paths.first_path.path, paths.first_path.fingerprint)


def rules():
    return collect_rules()
