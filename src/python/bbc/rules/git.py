"""Runs git in the repository, again in every run of ./pants (see run_token.py)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import MaybeGitBinary
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.rules.docker import per_run_process
from bbc.rules.run_token import RunToken


@dataclass(frozen=True)
class GitRequest:
    args: tuple[str, ...]


@dataclass(frozen=True)
class GitResult:
    exit_code: int
    stdout: str
    stderr: str


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
    return GitResult(result.exit_code, result.stdout.decode(), result.stderr.decode())


def rules():
    return collect_rules()
