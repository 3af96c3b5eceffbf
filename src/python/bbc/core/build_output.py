"""Reads `docker build` output (the classic builder's): which step failed, and why."""

from __future__ import annotations

import re

_STEP = re.compile(r"^Step (\d+/\d+) : (.*)$", re.MULTILINE)
_NOISE = (
    "DEPRECATED:",
    "BuildKit is currently disabled",
    "environment-variable.",
    "Install the buildx",
)
# The CLI's pointer to its help, printed after the real error (an unknown flag, a bad tag).
_HELP = re.compile(r"^((See|Run) '?docker [a-z ]+--help'?|Usage: +docker )")


def failure_summary(dockerfile: str, stdout: str, stderr: str) -> str:
    """`<dockerfile> step 3/5 (RUN make): <the error>`, as far as the output tells."""
    errors = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip()
        and not any(line.strip().startswith(n) for n in _NOISE)
        and not _HELP.match(line.strip())
    ]
    reason = errors[-1] if errors else "docker build failed"
    if "not found in build context" in reason:
        reason += (
            " (the files an image copies come from its dependencies: add the file's target, a "
            "`file` or `files`, to the image's `dependencies`)"
        )
    steps = _STEP.findall(stdout)
    if not steps:
        return f"{dockerfile}: {reason}"
    number, instruction = steps[-1]
    return f"{dockerfile} step {number} ({instruction}): {reason}"


def output_tail(stdout: str, lines: int = 20) -> str:
    return "\n".join(stdout.rstrip().splitlines()[-lines:])
