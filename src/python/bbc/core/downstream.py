"""Downstream Dockerfiles that use BBC images, and where each reference should move: plain
functions over their text and the images' releases.

A reference is `<registry>/<repository>:<tag>[@sha256:<digest>]` in a `FROM`, a `COPY --from=`
or an `ARG` default. What moves depends on the pin:

- an exact version (`1.4.2`, with or without a digest) moves to the newest release that the
  policy allows (`patch`: 1.4.z, `minor`: 1.y.z, `major`: any), digest included where it had one;
- a moving tag (`1.4`, `1`, `latest`) with a digest keeps its tag and takes the digest the tag
  points at now; without a digest there is nothing to write (a build with `--pull` follows it);
- a content tag (`1.4.2-<hash>`) is not a pin to follow: it is reported, never moved.
Prereleases are never a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bbc.core.releases import ReleaseRow, content_tags
from bbc.core.versions import VersionError, parse_version

POLICIES = ("patch", "minor", "major")
DOCKERFILE_NAME = re.compile(r"(^|/)(Dockerfile|Containerfile)([.-][^/]*)?$|\.[Dd]ockerfile$")

_REF = r"(?P<ref>(?P<repository>[\w.-]+(?::\d+)?(?:/[\w.-]+)+)(?::(?P<tag>\w[\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?)"
_LINES = (
    ("FROM", re.compile(rf"^\s*FROM\s+(?:--platform=\S+\s+)?{_REF}(?=\s|$)", re.I)),
    ("COPY --from", re.compile(rf"^\s*COPY\s+(?:--\S+\s+)*?--from={_REF}(?=\s|$)", re.I)),
    ("ARG", re.compile(rf"^\s*ARG\s+\w+=[\"']?{_REF}(?=[\"']?(\s|$))", re.I)),
)


@dataclass(frozen=True)
class Reference:
    path: str  # the Dockerfile, relative to its repository
    line: int  # 1-based
    kind: str  # FROM, COPY --from or ARG
    text: str  # as written
    repository: str  # <registry>/<repository>
    tag: str
    digest: str | None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Move:
    reference: Reference
    tag: str
    digest: str | None
    since: str | None  # the release it was on, where known
    to: str  # the release it moves to

    @property
    def text(self) -> str:
        return f"{self.reference.repository}:{self.tag}" + (
            f"@{self.digest}" if self.digest else ""
        )


def references(path: str, text: str, repositories: set[str]) -> list[Reference]:
    """The references to `repositories` (`<registry>/<repository>`) in one Dockerfile."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for kind, pattern in _LINES:
            match = pattern.match(line)
            if match and match.group("repository") in repositories:
                found.append(
                    Reference(
                        path,
                        number,
                        kind,
                        match.group("ref"),
                        match.group("repository"),
                        match.group("tag") or "latest",
                        match.group("digest"),
                    )
                )
    return found


def _version(text: str):
    try:
        return parse_version(text)
    except VersionError:
        return None


def _allowed(current, candidate, policy: str) -> bool:
    if policy == "patch":
        return (candidate.major, candidate.minor) == (current.major, current.minor)
    if policy == "minor":
        return candidate.major == current.major
    return True


def decide(reference: Reference, rows: list[ReleaseRow], policy: str) -> Move | str:
    """Where `reference` moves, given its image's releases (newest first), or why it stays."""
    tag, digest = reference.tag, reference.digest
    if tag in content_tags([tag]).values():
        version = tag.rsplit("-", 1)[0]
        return (
            f"{tag} is a content tag, not a pin to follow: pin the release instead "
            f"({reference.repository}:{version}@sha256:...)"
        )
    by_digest = {row.digest: row for row in rows}
    current = _version(tag)
    if current is not None:
        candidates = [
            row
            for row in rows
            if not _version(row.version).prerelease
            and _version(row.version) > current
            and _allowed(current, _version(row.version), policy)
        ]
        if candidates:
            target = candidates[0]
            return Move(
                reference, target.version, target.digest if digest else None, tag, target.version
            )
        held = [
            r.version
            for r in rows
            if not _version(r.version).prerelease and _version(r.version) > current
        ]
        if held:
            return f"{tag} is the newest release the policy ({policy}) allows; {held[0]} is newer"
        released = next((r for r in rows if r.version == tag), None)
        if released is None:
            return f"{tag} is not released in {reference.repository}"
        if digest and digest != released.digest:
            return f"its digest is not {tag}'s ({released.digest}): check where {digest} comes from"
        return f"{tag} is the newest release"
    holder = next((row for row in rows if tag in row.moving), None)
    if holder is None:
        return f"no release in {reference.repository} carries the tag {tag}"
    if not digest:
        return f"follows {tag} by tag (now {holder.version}): a build with --pull takes it"
    if digest == holder.digest:
        return f"{tag} is still {holder.version}"
    since = by_digest.get(digest)
    return Move(reference, tag, holder.digest, since.version if since else None, holder.version)


def rewrite(text: str, moves: list[Move]) -> str:
    """`text` with each move's reference replaced on its line."""
    lines = text.splitlines(keepends=True)
    for move in moves:
        index = move.reference.line - 1
        lines[index] = lines[index].replace(move.reference.text, move.text, 1)
    return "".join(lines)


def taken_in(move: Move, rows: list[ReleaseRow]) -> list[ReleaseRow]:
    """The releases a move takes in, oldest first: newer than the one it was on, up to the one it
    moves to (only that one where the one it was on is not known)."""
    high = parse_version(move.to)
    low = _version(move.since) if move.since else None
    if low is None:
        return [r for r in rows if r.version == move.to]
    return [r for r in reversed(rows) if low < parse_version(r.version) <= high]


def commit_message(moves: list[Move], notes: dict[Move, list[str]]) -> str:
    """One commit's message: a summary line, every reference moved, then the notes of every
    release the moves take in (`notes`: per move, oldest first)."""
    names = sorted({f"{m.reference.repository.rsplit('/', 1)[-1]} {m.to}" for m in moves})
    lines = [f"Update BBC images: {', '.join(names)}", ""]
    for move in moves:
        was = move.reference.text.split("/")[-1]
        lines.append(f"- {move.reference.where}: {was} -> {move.text.split('/')[-1]}")
    seen = set()
    for move in moves:
        for text in notes.get(move, []):
            if text not in seen:
                seen.add(text)
                lines += ["", text.rstrip()]
    return "\n".join(lines) + "\n"
