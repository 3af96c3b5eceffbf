"""A rule that runs git in the repository, again in every run (see run_token.py)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import MaybeGitBinary
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.run_token import RunToken


@dataclass(frozen=True)
class GitRequest:
    args: tuple[str, ...]
    run_token: RunToken


@dataclass(frozen=True)
class GitResult:
    exit_code: int
    stdout: str
    stderr: str


@rule
async def run_git(request: GitRequest, git: MaybeGitBinary, build_root: BuildRoot) -> GitResult:
    if git.git_binary is None:
        return GitResult(127, "", "git is not installed")
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(git.git_binary.path, "-C", build_root.path, *request.args),
            description=f"git {' '.join(request.args[:3])}",
            env={"BBC_RUN_TOKEN": request.run_token.value},
            cache_scope=ProcessCacheScope.PER_RESTART_SUCCESSFUL,
            level=LogLevel.DEBUG,
        ),
    )
    return GitResult(result.exit_code, result.stdout.decode(), result.stderr.decode())


def rules():
    return collect_rules()
