"""Runs git in the repository, again in every run of ./pants (see run_token.py)."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import MaybeGitBinary
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from bbc.util_rules.docker import per_run_process
from bbc.util_rules.run_token import RunToken


@dataclass(frozen=True)
class GitRequest:
    args: tuple[str, ...]


@dataclass(frozen=True)
class GitResult:
    exit_code: int
    output: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.output.decode(errors="replace")


@rule
async def run_git(
    request: GitRequest, git: MaybeGitBinary, build_root: BuildRoot, run_token: RunToken
) -> GitResult:
    if git.git_binary is None:
        return GitResult(127, "", "git is not installed")
    result = await Get(
        FallibleProcessResult,
        Process,
        per_run_process(
            (git.git_binary.path, "-C", build_root.path, *request.args),
            description=f"git {' '.join(request.args[:3])}",
            run_token=run_token.value,
            env={},
            level=LogLevel.DEBUG,
        ),
    )
    return GitResult(result.exit_code, result.stdout, result.stderr.decode(errors="replace"))


@dataclass(frozen=True)
class FilesAtRevisionRequest:
    revision: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class FilesAtRevision:
    """The files as they were at a revision; a path missing there is missing here."""

    files: FrozenDict[str, bytes]


@rule
async def files_at_revision(request: FilesAtRevisionRequest) -> FilesAtRevision:
    if not request.paths:
        return FilesAtRevision(FrozenDict())
    listed = await Get(
        GitResult,
        GitRequest(("ls-tree", "-r", "--name-only", request.revision, "--", *request.paths)),
    )
    present = sorted(set(listed.stdout.split()) & set(request.paths))
    if listed.exit_code != 0 or not present:
        return FilesAtRevision(FrozenDict())
    archive = await Get(
        GitResult, GitRequest(("archive", "--format=tar", request.revision, "--", *present))
    )
    with tarfile.open(fileobj=io.BytesIO(archive.output)) as tar:
        return FilesAtRevision(
            FrozenDict(
                {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
            )
        )


def rules():
    return collect_rules()
