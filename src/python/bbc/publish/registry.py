"""The one client of container registries: skopeo reads, docker pushes and pulls.

Reads (`skopeo list-tags`, `skopeo inspect --raw`) use the engine's view of each registry: plain
HTTP where `docker info` says the engine uses it (so reads and `docker push` agree), and
Docker's credentials (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`). Every call
runs again in each run of ./pants, keyed on the image it concerns: a read is never answered from
an earlier run or from a build that has since changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from pants.core.util_rules.system_binaries import (
    BashBinary,
    BinaryPath,
    BinaryPathRequest,
    BinaryPaths,
    BinaryPathTest,
    SearchPath,
)
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from bbc.build.output import output_tail
from bbc.publish.artifact import LAYOUT_REF
from bbc.publish.registry_data import (
    CHECK_IT,
    Answer,
    Outcome,
    image_labels,
    is_insecure,
    parse_manifest,
    parse_release,
    registry_answer,
)
from bbc.util_rules.docker import Docker, RegistryConfig, per_run_process, raise_if_engine_down
from bbc.util_rules.scripts import script

# A registry that takes longer than this for one read (tags, a manifest) is down.
READ_TIMEOUT = "120s"
# A read that meets a server error is tried again after these many seconds (skopeo 1.9's own
# --retry-times does not retry HTTP 5xx answers).
READ_RETRY_DELAYS = (1, 4)


class RegistryError(Exception):
    pass


class SkopeoBinary(BinaryPath):
    """skopeo: reads registries (tags, manifests) without pulling, with Docker's credentials."""


@rule(desc="Finding skopeo", level=LogLevel.DEBUG)
async def find_skopeo() -> SkopeoBinary:
    request = BinaryPathRequest(
        binary_name="skopeo",
        search_path=SearchPath(("/usr/bin", "/bin", "/usr/local/bin")),
        test=BinaryPathTest(args=["--version"]),
    )
    paths = await Get(BinaryPaths, BinaryPathRequest, request)
    if paths.first_path is None:
        raise RegistryError(
            "`publish` needs skopeo to read registries, and it is not installed. ./pants "
            "installs it on Debian hosts (build-support/host-packages.txt); elsewhere install "
            "your system's skopeo package."
        )
    return SkopeoBinary(paths.first_path.path, paths.first_path.fingerprint)


@dataclass(frozen=True)
class Registries:
    """How to reach registries: the tools, and the engine's registry settings."""

    skopeo: SkopeoBinary
    docker: Docker
    bash: BashBinary
    config: RegistryConfig

    def _skopeo(
        self,
        address: str,
        command: str,
        *args: str,
        description: str,
        key: str,
        sides=("",),
        delay: int = 0,
        **kwargs,
    ) -> Process:
        """skopeo with the engine's TLS choice and Docker's credentials, per side of a copy;
        started `delay` seconds late when it is a read tried again."""
        flags = self.skopeo_flags(address, sides)
        # A read of a registry that accepts connections but never answers gives up.
        limit = ("--command-timeout", READ_TIMEOUT) if command in ("list-tags", "inspect") else ()
        argv: tuple[str, ...] = (self.skopeo.path, *limit, command, *flags, *args)
        if delay:
            argv = (self.bash.path, "-c", 'sleep "$0" && exec "$@"', str(delay), *argv)
            description = f"{description} again, after a server error"
        # Docker's environment, once per run; `key` ties the call to what it is for, so that a
        # build that changed during the run reads again.
        return per_run_process(
            argv,
            description=description,
            run_token=self.docker.run_token,
            env={**self.docker.env, "BBC_READ_FOR": key},
            **kwargs,
        )

    def skopeo_flags(self, address: str, sides=("",)) -> list[str]:
        """skopeo's flags for the engine's TLS choice and Docker's credentials at `address`."""
        docker_config = self.docker.env.get("DOCKER_CONFIG") or os.path.join(
            self.docker.env.get("HOME", ""), ".docker"
        )
        authfile = os.path.join(docker_config, "config.json")
        flags = []
        for side in sides:
            if is_insecure(address, self.config.config):
                flags.append(f"--{side}tls-verify=false")
            if os.path.exists(authfile):
                flags += [f"--{side}authfile", authfile]
        return flags


@rule
async def registries(
    skopeo: SkopeoBinary, docker: Docker, bash: BashBinary, config: RegistryConfig
) -> Registries:
    return Registries(skopeo, docker, bash, config)


def answer_of(result: FallibleProcessResult) -> Answer:
    """What the registry said to a skopeo or docker process (publish/registry_data.py)."""
    return registry_answer(result.exit_code, result.stderr.decode(errors="replace"))


async def _read(
    registries: Registries, address: str, command: str, *args: str, **kwargs: Any
) -> tuple[FallibleProcessResult, Answer]:
    """A skopeo read and the registry's answer to it, tried again after a server error."""
    for delay in (0, *READ_RETRY_DELAYS):
        result = await Get(
            FallibleProcessResult,
            Process,
            registries._skopeo(address, command, *args, delay=delay, **kwargs),
        )
        answer = answer_of(result)
        if answer.outcome is not Outcome.SERVER_ERROR:
            break
    return result, answer


async def list_tags(registries: Registries, address: str, repository: str, key: str):
    """Every tag of `repository` (`<address>/<name>`), or why the registry did not say."""
    result, answer = await _read(
        registries,
        address,
        "list-tags",
        f"docker://{repository}",
        description=f"Listing the tags of {repository}",
        key=key,
    )
    if answer.outcome is Outcome.FOUND:
        return tuple(json.loads(result.stdout)["Tags"] or ())
    if answer.outcome is Outcome.NOT_FOUND:
        return ()  # a new repository
    return answer.problem(address)


async def _raw(registries: Registries, address: str, ref: str, key: str, *flags: str):
    """`skopeo inspect --raw` of a ref: its bytes, None when the registry has no such tag, or
    why the registry did not say."""
    what = "image config" if flags else "manifest"
    result, answer = await _read(
        registries,
        address,
        "inspect",
        *flags,
        "--raw",
        f"docker://{ref}",
        description=f"Reading the {what} of {ref}",
        key=key,
    )
    if answer.outcome is Outcome.FOUND:
        return result.stdout
    if answer.outcome is Outcome.NOT_FOUND:
        return None
    return f"could not read {ref}: {answer.problem(address)}"


async def read_manifests(registries: Registries, address: str, refs: tuple[str, ...], key: str):
    """The manifest digest each ref points at (None: no such tag), or why the registry did not
    say."""
    found = await MultiGet(Get(_Raw, _RawRequest(address, ref, key)) for ref in refs)
    digests: dict[str, str | None] = {}
    for ref, raw in zip(refs, found):
        if isinstance(raw.value, str):
            return raw.value
        digests[ref] = parse_manifest(raw.value)[0] if raw.value is not None else None
    return digests


async def read_release(registries: Registries, address: str, ref: str, key: str):
    """What the registry's `ref` holds (manifest, image id, content label), None when it holds
    nothing there, or why the registry did not say. `key` names this reading: a later reading
    of the same ref in the same run needs its own."""
    manifest, config = await MultiGet(
        Get(_Raw, _RawRequest(address, ref, key)),
        Get(_Raw, _RawRequest(address, ref, key, config=True)),
    )
    for raw in (manifest, config):
        if isinstance(raw.value, str):
            return raw.value
    if manifest.value is None:
        return None
    return parse_release(manifest.value, config.value)


async def read_labels(registries: Registries, address: str, ref: str, key: str):
    """The labels of the image `ref` names, None when there is no such tag, or why the registry
    did not say."""
    config = await Get(_Raw, _RawRequest(address, ref, key, config=True))
    if config.value is None or isinstance(config.value, str):
        return config.value
    return image_labels(config.value)


@dataclass(frozen=True)
class _RawRequest:
    address: str
    ref: str
    key: str
    config: bool = False


@dataclass(frozen=True)
class _Raw:
    value: bytes | str | None


@rule
async def raw(request: _RawRequest, registries: Registries) -> _Raw:
    flags = ("--config",) if request.config else ()
    return _Raw(await _raw(registries, request.address, request.ref, request.key, *flags))


_PUSH = script(__name__, "push.sh")
_PULL = script(__name__, "pull.sh")


async def copy(
    registries: Registries, address: str, source: str, target: str, key: str, **process: Any
) -> str | None:
    """`skopeo copy` to the registry's `target` from `source`: another ref there (`docker://`) or
    an OCI layout in the process's `input_digest` (`oci:...`). The failure, if any."""
    result = await Get(
        FallibleProcessResult,
        Process,
        registries._skopeo(
            address,
            "copy",
            source,
            f"docker://{target}",
            key=key,
            sides=("src-", "dest-") if source.startswith("docker://") else ("dest-",),
            **process,
        ),
    )
    answer = answer_of(result)
    return None if answer.outcome is Outcome.FOUND else answer.problem(address)


async def push_artifact(
    registries: Registries,
    address: str,
    layout: dict[str, bytes],
    target: str,
    key: str,
    description: str,
) -> str | None:
    """Push the artifact in an OCI layout (publish/artifact.py) as the registry's `target`. The
    failure, if any."""
    files = await Get(
        Digest, CreateDigest([FileContent(f"artifact/{p}", b) for p, b in layout.items()])
    )
    return await copy(
        registries,
        address,
        f"oci:artifact:{LAYOUT_REF}",
        target,
        key,
        description=description,
        input_digest=files,
    )


@dataclass(frozen=True)
class ArtifactRequest:
    address: str  # the registry's
    ref: str  # the artifact's tag there
    key: str  # what the reading is for (see _skopeo)
    what: str  # what the artifact is, for the process's description ("the SBOM")


@dataclass(frozen=True)
class Artifact:
    """skopeo's `dir:` copy of an artifact (file name -> bytes; None: no such tag), or why the
    registry did not say."""

    files: FrozenDict[str, bytes] | None
    failure: str | None = None


@rule(desc="Reading an artifact from a registry")
async def read_artifact(request: ArtifactRequest, registries: Registries) -> Artifact:
    result, answer = await _read(
        registries,
        request.address,
        "copy",
        f"docker://{request.ref}",
        "dir:copy",
        description=f"Reading {request.what} {request.ref}",
        key=request.key,
        sides=("src-",),
        output_directories=("copy",),
    )
    if answer.outcome is Outcome.NOT_FOUND:
        return Artifact(None)
    if answer.outcome is not Outcome.FOUND:
        return Artifact(None, f"could not read {request.ref}: {answer.problem(request.address)}")
    contents = await Get(DigestContents, Digest, result.output_digest)
    return Artifact(FrozenDict({c.path[len("copy/") :]: c.content for c in contents}))


@dataclass(frozen=True)
class Transfer:
    """A push or pull: its output, or why it failed."""

    stdout: str = ""
    failure: str | None = None


def transfer(command: str, result: FallibleProcessResult) -> Transfer:
    """What a push or pull process did."""
    raise_if_engine_down(command, result)
    if result.exit_code != 0:
        stderr = result.stderr.decode(errors="replace")
        answer = answer_of(result)
        if answer.outcome is Outcome.UNREACHABLE:
            return Transfer(
                failure=f"the registry stopped answering: {output_tail(stderr, 3)} {CHECK_IT}"
            )
        if answer.outcome is Outcome.UNAUTHORIZED:
            return Transfer(failure=answer.problem())
        return Transfer(failure=output_tail(stderr))
    return Transfer(stdout=result.stdout.decode())


async def push(
    registries: Registries, image_id: str, refs: tuple[str, ...], description: str
) -> Transfer:
    """Tag the image as each ref and push them in this order."""
    script = (registries.bash, _PUSH, image_id, *refs)
    process = registries.docker.script(*script, description=description, level=LogLevel.INFO)
    return transfer("push", await Get(FallibleProcessResult, Process, process))


async def pull(registries: Registries, *args: Any) -> Transfer:
    """`pull_process` run: stdout is the pulled image's id."""
    process = pull_process(registries, *args)
    return transfer("pull", await Get(FallibleProcessResult, Process, process))


def pull_process(
    registries: Registries,
    remote: str,
    local_refs: tuple[str, ...],
    description: str,
    label: str = "",
    expected: str = "",
) -> Process:
    """Pull `remote` and give it the local refs; given a `label`, only if it says `expected` (a
    release's content hash: what is used is what was checked). Run by `pull`, or `transfer`."""
    check = f'{{{{index .Config.Labels "{label}"}}}}' if label else ""
    script = (registries.bash, _PULL, remote, check, expected, *local_refs)
    return registries.docker.script(*script, description=description, level=LogLevel.INFO)


def rules():
    return collect_rules()
