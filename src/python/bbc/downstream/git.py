"""Downstream repositories as bbc-downstream uses them: cloned to read their Dockerfiles, then
their update branch committed and pushed, with the user's own git credentials."""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import (
    EMPTY_DIGEST,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
)
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict

from bbc.build.output import output_tail
from bbc.downstream.references import DOCKERFILE_NAME, TRAILER
from bbc.util_rules.docker import per_run_process
from bbc.util_rules.run_token import RunToken
from bbc.util_rules.scripts import script


def _said(result: FallibleProcessResult) -> str:
    return output_tail(result.stderr.decode(errors="replace"))


_GIT_ENV = ("HOME", "PATH", "SSH_AUTH_SOCK", "GIT_SSH_COMMAND")


@dataclass(frozen=True)
class GitScript:
    """A bash script of git commands and its arguments: it runs in every run of ./pants, with
    the user's git credentials (`_GIT_ENV`). `Get(FallibleProcessResult, GitScript(...))`."""

    script: str
    args: tuple[str, ...]
    description: str
    input_digest: Digest = EMPTY_DIGEST
    output_directories: tuple[str, ...] = ()


@rule
async def git_script_process(request: GitScript, bash: BashBinary, token: RunToken) -> Process:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(_GIT_ENV))
    return per_run_process(
        (bash.path, "-c", request.script, "bash", *request.args),
        description=request.description,
        run_token=token.value,
        env=dict(env),
        input_digest=request.input_digest,
        output_directories=request.output_directories,
    )


@dataclass(frozen=True)
class CloneRequest:
    source: str


@dataclass(frozen=True)
class Clone:
    digest: Digest | None  # `repo/`, the clone
    dockerfiles: FrozenDict[str, str]
    base: str = ""  # the branch its HEAD names: what the update branch is made from
    failure: str | None = None


# Dockerfiles are rewritten byte for byte: bytes that are not UTF-8 survive the round trip.
def _text(content: bytes) -> str:
    return content.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def shown(text: str) -> str:
    """`text` for the console: bytes that are not UTF-8 shown as U+FFFD."""
    return _bytes(text).decode("utf-8", "replace")


# A remote that stops sending (under 1 byte/s for 60 s) fails the clone instead of hanging it.
_CLONE = (
    'git -c http.lowSpeedLimit=1 -c http.lowSpeedTime=60 clone --quiet "$1" repo && '
    "git -C repo symbolic-ref --short HEAD"
)


@rule(desc="Cloning a downstream repository")
async def clone(request: CloneRequest) -> Clone:
    result = await Get(
        FallibleProcessResult,
        GitScript(
            _CLONE, (request.source,), f"git clone {request.source}", output_directories=("repo",)
        ),
    )
    if result.exit_code != 0:
        return Clone(None, FrozenDict(), failure=f"git clone failed: {_said(result)}")
    subset = await Get(
        Digest,
        DigestSubset(
            result.output_digest, PathGlobs(["repo/**/*ockerfile*", "repo/**/Containerfile*"])
        ),
    )
    contents = await Get(DigestContents, Digest, subset)
    files = {
        c.path[len("repo/") :]: _text(c.content)
        for c in contents
        if DOCKERFILE_NAME.search(c.path) and "/.git/" not in c.path
    }
    base = result.stdout.decode().strip()
    return Clone(result.output_digest, FrozenDict(files), base)


_COMMIT = script(__name__, "commit_branch.sh")


@dataclass(frozen=True)
class UpdateRequest:
    source: str
    clone: Digest
    files: FrozenDict[str, str]
    message: str
    branch: str
    dry_run: bool = False  # check and `git push --dry-run`: what a real run would do


@dataclass(frozen=True)
class Update:
    outcome: str | None  # pushed, unchanged, would push
    failure: str | None = None


@rule(desc="Committing on a downstream repository's branch")
async def update(request: UpdateRequest) -> Update:
    new = await Get(
        Digest,
        CreateDigest(
            [
                *(FileContent(f"new/{p}", _bytes(t)) for p, t in request.files.items()),
                FileContent("message", request.message.encode()),
            ]
        ),
    )
    digest = await Get(Digest, MergeDigests([request.clone, new]))
    result = await Get(
        FallibleProcessResult,
        GitScript(
            _COMMIT,
            (request.branch, TRAILER, *(["--dry-run"] if request.dry_run else [])),
            f"Committing on {request.branch} of {request.source}"
            + (" (dry run)" if request.dry_run else ""),
            digest,
        ),
    )
    if result.exit_code != 0:
        return Update(None, f"git failed: {_said(result)}")
    return Update(result.stdout.decode().strip().splitlines()[-1])


def rules():
    return collect_rules()
