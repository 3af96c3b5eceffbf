"""What `./pants bbc-update` refreshes, as plain data: each pinned input of an image that may
have moved upstream (today the digest of a root's external base; a Debian or Python lock could
be another kind), whether it moved, and the edit that follows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from bbc.publish.registry_data import CHECK_IT, advised_for


@dataclass(frozen=True)
class Update:
    """One pinned input of one image, as its upstream has it now."""

    image: str  # the docker_image target, e.g. images/root:root
    what: str  # what is pinned, e.g. "FROM 127.0.0.1:5000/debian:12"
    file: str  # where the pin is written, e.g. images/root/Dockerfile
    old: str  # the pin as written, e.g. 127.0.0.1:5000/debian:12@sha256:...
    new: str | None = None  # the pin upstream has now (== old: current); None: unknown
    problem: str | None = None  # why upstream could not say

    @property
    def moved(self) -> bool:
        return self.problem is None and self.new is not None and self.new != self.old


def registry_of(name: str) -> str:
    """The registry of an image name as Docker reads it: its first component when that looks
    like a host (a dot, a port or localhost), else Docker Hub."""
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def unreadable_pin(registry: str, problem: str) -> str:
    """Why `registry` could not say where a pin's tag is now, with what to do for bbc-update
    (publish's advice, and its local registry, are not this goal's)."""
    again = "then run ./pants bbc-update again; the pin stays as it is."
    check = (
        f"Check that {registry} answers from here (address, proxy, `docker login {registry}`), "
        + again
    )
    return advised_for(problem.replace(CHECK_IT, check), again)


def tag_to_follow(name: str) -> str | None:
    """`name` without its digest if it names a tag (`debian:12`), else None (`debian`)."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else None


def rewrite(text: str, updates: Iterable[Update]) -> str:
    """`text` with every moved pin replaced by the new one."""
    for update in updates:
        if update.moved and update.new is not None:
            text = text.replace(update.old, update.new)
    return text


def report(updates: Iterable[Update]) -> list[str]:
    """One line per pinned input: moved (old and new digest), current, or why unknown."""
    lines = []
    for u in sorted(updates, key=lambda u: (u.image, u.what)):
        if u.problem:
            lines.append(f"{u.image}: {u.what}: {u.problem}")
        elif u.moved and u.new is not None:
            old, new = u.old.rpartition("@")[2], u.new.rpartition("@")[2]
            lines.append(f"{u.image}: {u.what} moved: {old} -> {new} (updated {u.file})")
        else:
            lines.append(f"{u.image}: {u.what} is current ({u.old.rpartition('@')[2]})")
    return lines
