"""Reads `docker build` output, the classic builder's or BuildKit's (`--progress=plain`): which
Dockerfile step failed, and Docker's own reason. And checks a build's input for credentials that
would stay in the image (build arguments, ARG defaults)."""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

_CLASSIC_STEP = re.compile(r"^Step (\d+/\d+) : (.*)$", re.MULTILINE)
# BuildKit: "#7 [install 2/3] RUN make" opens a step; "#7 ERROR: ..." says it failed.
_BUILDKIT_STEP = re.compile(r"^#(\d+) \[(?:(\S+) )?(\d+/\d+)\] (.*)$", re.MULTILINE)
_BUILDKIT_ERROR = re.compile(r"^#(\d+) ERROR: (.*)$", re.MULTILINE)
_NOISE = (
    "DEPRECATED:",
    "BuildKit is currently disabled",
    "environment-variable.",
    "Install the buildx",
    "------",
    ">",
)
# The CLI's pointer to its help, printed after the real error (an unknown flag, a bad tag).
_HELP = re.compile(r"^((See|Run) '?docker [a-z ]+--help'?|Usage: +docker )")
_PROGRESS = re.compile(r"^#\d+ ")


def _reason(stderr: str) -> str:
    errors = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip()
        and not any(line.strip().startswith(n) for n in _NOISE)
        and not _HELP.match(line.strip())
        and not _PROGRESS.match(line.strip())
    ]
    reason = errors[-1] if errors else "docker build failed"
    secret = re.search(r"secret (\S+) not found", reason)
    if secret:
        reason += (
            f" (a RUN --mount=type=secret needs it: give it in the image's `secrets` field, for "
            f'example secrets={{"{secret.group(1)}": "path/to/file"}})'
        )
    elif "not found in build context" in reason or "not found: not found" in reason:
        reason += (
            " (the files an image copies come from its dependencies: add the file's target, a "
            "`file` or `files`, to the image's `dependencies`)"
        )
    return reason


def _failed_step(stdout: str, stderr: str) -> str | None:
    """`step 3/5 (RUN make)` (`stage install step 2/3 (...)`), as far as the output tells."""
    failed = _BUILDKIT_ERROR.findall(stderr)
    if failed:
        headers = {
            n: (stage, step, text) for n, stage, step, text in _BUILDKIT_STEP.findall(stderr)
        }
        if failed[-1][0] in headers:
            stage, step, text = headers[failed[-1][0]]
            return f"{f'stage {stage} ' if stage else ''}step {step} ({text})"
        return None
    steps = _CLASSIC_STEP.findall(stdout)
    return f"step {steps[-1][0]} ({steps[-1][1]})" if steps else None


_METADATA = re.compile(r"^#(\d+) \[internal\] load metadata for (\S+)$", re.MULTILINE)


def _failed_base(stderr: str, bases: Sequence[tuple[int, str]]) -> str | None:
    """`line 1 (FROM <base>)` when BuildKit failed before any step, fetching a FROM's base.
    `bases`: (line, base as Docker reads it, arguments substituted) of each FROM."""
    failed = {n for n, _ in _BUILDKIT_ERROR.findall(stderr)}
    for number, ref in _METADATA.findall(stderr):
        if number not in failed:
            continue
        for line, base in bases:
            if base and (ref == base or ref.endswith(f"/{base}")):
                return f"line {line} (FROM {base}), fetching its base"
        return f"fetching the base {ref}"
    return None


def failure_summary(
    dockerfile: str, stdout: str, stderr: str, bases: Sequence[tuple[int, str]] = ()
) -> str:
    """`<dockerfile> step 3/5 (RUN make): <the error>`, or `<dockerfile> line 1 (FROM x),
    fetching its base: <the error>`, as far as the output tells."""
    step = _failed_step(stdout, stderr) or _failed_base(stderr, bases)
    return f"{dockerfile}{f' {step}' if step else ''}: {_reason(stderr)}"


def output_tail(output: str, lines: int = 20) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])


# A URL's user information anywhere in the value (pip's lists are space-separated): `user:pass@`
# or a bare token `ghp_...@`.
_USERINFO = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^/@\s:]*:)?([^/@\s]+)@", re.I)
# Tokens recognisable by their shape (GitHub, GitLab, AWS keys, Slack, Stripe, PyPI).
_TOKEN = re.compile(
    r"\b(gh[pousr]_[A-Za-z0-9]{20,}|glpat-[\w-]{20,}|AKIA[0-9A-Z]{16}|xox[abpr]-[\w-]{10,}|sk_live_\w{16,}|pypi-[\w-]{50,})"
)
# Docker keeps these out of an image's history unless the Dockerfile declares them with ARG.
PROXY_ARGS = {
    f(name)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")
    for f in (str.upper, str.lower)
}


def credential_problem(name: str, value: str, declared: bool = True) -> str | None:
    """Why a build argument must not be given this value (it carries a password or a token), or
    None. `declared`: the Dockerfile declares it with ARG (Docker hides undeclared proxy
    arguments from the history, so they may carry a proxy's credentials)."""
    if name in PROXY_ARGS and not declared:
        return None
    found = _USERINFO.search(value) or _TOKEN.search(value)
    if not found:
        return None
    shown = value.replace(found.group(1), "***")
    return (
        f"build argument {name}={shown} carries a credential, and build arguments are kept in "
        f"the image's history and config. Give {name} without it, and the credential as a build "
        f"secret (docs/building.md: Build secrets)."
    )


def build_leak(
    dockerfile: str,
    declared: Mapping[str, str],
    build_args: Iterable[str],
    environment: Mapping[str, str],
) -> str | None:
    """A credential in a build argument (`NAME=value`), the build's environment or an ARG
    default (`declared`: the Dockerfile's ARGs and their defaults, graph/chain.py's
    `arg_defaults`): they stay in the image's history."""
    for name, default in declared.items():
        problem = credential_problem(name, default)
        if problem:
            return f"{dockerfile}: ARG {problem.split('build argument ', 1)[1]}"
    given = {**dict(a.partition("=")[::2] for a in build_args), **environment}
    problems = (credential_problem(k, v, k in declared) for k, v in given.items())
    return next((p for p in problems if p), None)
