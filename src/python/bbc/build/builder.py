"""Which docker client builds images, and with which builder: plain logic over probe results.

BuildKit is the default wherever a client can drive it: one with the buildx plugin, or a client
older than 23.0 (Debian's docker.io 20.10), whose BuildKit is built in. The newer clients refuse
`DOCKER_BUILDKIT=1` without buildx. Clients are tried in `[docker].executable_search_paths`
order; the classic builder is the fallback, said in one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AUTO, BUILDKIT, CLASSIC = "auto", "buildkit", "classic"


@dataclass(frozen=True)
class Client:
    path: str
    version: str  # as `docker --version` prints it, e.g. "20.10.24+dfsg1"
    buildx: bool  # `docker buildx version` works

    @property
    def can_buildkit(self) -> bool:
        major = re.match(r"(\d+)", self.version)
        return self.buildx or (major is not None and int(major.group(1)) < 23)


@dataclass(frozen=True)
class Choice:
    client: Client
    buildkit: bool
    note: str | None = None  # what to tell the user, once


def parse_version(output: str) -> str:
    """`20.10.24+dfsg1` of `Docker version 20.10.24+dfsg1, build 297e128`."""
    found = re.search(r"version\s+([^\s,]+)", output)
    return found.group(1) if found else "unknown"


def choose(clients: list[Client], preference: str) -> Choice | str:
    """The client and builder to use, or why there is none (an error message)."""
    if preference not in (AUTO, BUILDKIT, CLASSIC):
        return f"[bbc].builder must be {AUTO}, {BUILDKIT} or {CLASSIC}, not {preference!r}."
    if not clients:
        return (
            "no docker client found on [docker].executable_search_paths: install Docker (Debian: "
            "apt-get install docker.io) or add its folder to that option."
        )
    if preference == CLASSIC:
        return Choice(clients[0], False)
    capable = [c for c in clients if c.can_buildkit]
    if capable:
        return Choice(capable[0], True)
    tried = ", ".join(f"{c.path} ({c.version}, no buildx)" for c in clients)
    if preference == BUILDKIT:
        return (
            f'[bbc].builder = "buildkit", but no docker client can drive BuildKit: {tried}. Install '
            f"the buildx plugin, or Debian's docker.io (20.10), whose BuildKit is built in, and "
            f"put its folder first in [docker].executable_search_paths."
        )
    return Choice(
        clients[0],
        False,
        f"building with Docker's classic builder: no docker client here can drive BuildKit "
        f"({tried}); install buildx or Debian's docker.io (20.10) to use it.",
    )
