"""Downstream Dockerfiles that use BBC images, and where each reference should move: plain
functions over their text and the images' releases.

A reference is `<registry>/<repository>:<tag>[@sha256:<digest>]` in a `FROM`, a `COPY --from=`
or an `ARG` default. What moves depends on the pin:

- an exact version (`1.4.2`, with or without a digest) moves to the newest release that the
  policy allows (`patch`: 1.4.z, `minor`: 1.y.z, `major`: any), digest included where it had one;
- a moving tag (`1.4`, `1`, `latest`, a variant's `1.4-cuda12`) with a digest keeps its tag and
  takes the digest the tag points at now; without a digest there is nothing to write (a build
  with `--pull` follows it);
- a content tag (`1.4.2-<hash>`) is not a pin to follow: it is reported, never moved.
An image variant's exact tag (`1.4.2-cuda12`) moves like an exact version, to the same variant
of the newest release allowed that has it. Prereleases are never a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping

from bbc.graph.instructions import DockerfileSyntaxError, Instruction, read_instructions
from bbc.model.versions import VersionError, parse_version
from bbc.publish.history import ReleaseRow, content_tags, final_releases, variant_of

POLICIES = ("patch", "minor", "major")
DOCKERFILE_NAME = re.compile(
    r"(^|/)(Dockerfile|Containerfile)([.-][^/]*)?$|\.Dockerfile$", re.IGNORECASE
)

_REF = (
    r"(?P<ref>(?P<repository>[\w.-]+(?::\d+)?(?:/[\w.-]+)+)"
    r"(?::(?P<tag>\w[\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?)"
)
_REF_ONLY = re.compile(rf"^{_REF}$")


@dataclass(frozen=True)
class Reference:
    path: str  # the Dockerfile, relative to its repository
    line: int  # 1-based
    kind: str  # FROM, COPY --from or ARG
    text: str  # as written
    repository: str  # <registry>/<repository>
    tag: str | None  # None: pinned by digest alone
    digest: str | None
    start: int = 0  # where `text` starts on its line

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Move:
    reference: Reference
    tag: str | None
    digest: str | None
    since: str | None  # the release it was on, where known
    to: str  # the release it moves to

    @property
    def text(self) -> str:
        tag = f":{self.tag}" if self.tag else ""
        return f"{self.reference.repository}{tag}" + (f"@{self.digest}" if self.digest else "")


def lines(text: str) -> list[str]:
    """A Dockerfile's lines as Docker counts them (only newlines end one)."""
    return text.split("\n")


@dataclass(frozen=True)
class _Token:
    text: str  # a flag or argument, as the parser gives it
    kind: str | None = None  # the kind of reference it may hold
    offset: int = 0  # where in `text` the image's name starts
    image: str = ""  # the image's name it holds (an ARG default unquoted)


def _tokens(instruction: Instruction) -> list[_Token]:
    """The flags and arguments of an instruction that can name an image, in the order they are
    written: a `FROM`'s image, a `COPY --from=`, an `ARG` default (and the flags and words
    around them, to find them in the text)."""
    if instruction.cmd not in ("FROM", "COPY", "ARG"):
        return []
    tokens = [
        _Token(f, "COPY --from", 7, f[7:]) if f.startswith("--from=") else _Token(f)
        for f in instruction.flags
    ]
    for i, value in enumerate(instruction.value):
        if instruction.cmd == "FROM":
            tokens.append(_Token(value, "FROM", 0, value) if i == 0 else _Token(value))
            continue
        name, equals, default = value.partition("=")
        quoted = len(default) > 1 and default[0] in "\"'" and default[-1] == default[0]
        image = default[1:-1] if quoted else default
        tokens.append(
            _Token(value, "ARG", len(name) + 1 + quoted, image) if equals else _Token(value)
        )
    return tokens


def references(path: str, text: str, repositories: set[str]) -> tuple[list[Reference], list[int]]:
    """The references to `repositories` (`<registry>/<repository>`) in one Dockerfile, and the
    numbers of lines that mention one in a way not understood here (left alone): in a command,
    a comment or a heredoc, or written so that its text is not the image's name (a line
    continuation or an escape inside it)."""
    mention = re.compile(
        "|".join(rf"{re.escape(r)}(?=[:@\s\"']|$)" for r in sorted(repositories)) or "(?!)", re.I
    )
    written = lines(text)
    mentioned = [n for n, line in enumerate(written, 1) for _ in mention.finditer(line)]
    try:
        instructions = read_instructions(text)
    except DockerfileSyntaxError:
        return [], sorted(set(mentioned))  # Docker cannot read it either: nothing is guessed

    def wanted(token: _Token):
        m = _REF_ONLY.match(token.image) if token.kind else None
        return m if m and m.group("repository") in repositories else None

    found: list[Reference] = []
    unlocated: set[int] = set()
    for instruction in instructions:
        tokens = _tokens(instruction)
        # Each token is looked for after the one before it, on the instruction's own lines but
        # its comment lines (Docker drops those inside a continued instruction).
        number, column = instruction.line, 0
        for i, token in enumerate(tokens):
            start = -1
            while number <= instruction.end_line:
                line = written[number - 1]
                if number == instruction.line or not line.lstrip().startswith("#"):
                    start = line.find(token.text, column)
                if start >= 0:
                    break
                number, column = number + 1, 0
            if start < 0:  # not written as read: its references are said, not moved
                if any(wanted(t) for t in tokens[i:]):
                    unlocated.add(instruction.line)
                break
            column = start + len(token.text)
            m = wanted(token)
            if m:
                found.append(
                    Reference(
                        path,
                        number,
                        token.kind or "",
                        token.image,
                        m.group("repository"),
                        m.group("tag"),
                        m.group("digest"),
                        start + token.offset,
                    )
                )
    unclear = sorted(
        {n for n in mentioned if mentioned.count(n) > sum(r.line == n for r in found)} | unlocated
    )
    return found, unclear


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
    if tag is not None and tag in content_tags([tag]).values():
        version = tag.rsplit("-", 1)[0]
        return (
            f"{tag} is a content tag, not a pin to follow: pin the release instead "
            f"({reference.repository}:{version}@sha256:...)"
        )
    variant = _variant_pin(tag, rows)
    if variant is not None:
        return _variant_move(reference, rows, *variant, policy)
    by_digest = {row.digest: row for row in rows}
    if tag is None and digest is None:
        return (
            f"names {reference.repository} without a tag or digest here (one added where it is "
            f"used is not followed): pin a release here ({reference.repository}:X.Y.Z@sha256:...)"
        )
    if tag is None:
        pinned = by_digest.get(digest or "")
        if pinned is None:
            return (
                f"{digest} is no release of {reference.repository}: pin a release "
                f"({reference.repository}:X.Y.Z@sha256:...)"
            )
        return _newer(reference, rows, pinned, policy)
    if _version(tag) is not None:
        released = next((r for r in rows if r.version == tag), None)
        if released is None:
            return f"{tag} is not released in {reference.repository}"
        if digest and digest != released.digest:
            return f"its digest is not {tag}'s ({released.digest}): check where {digest} comes from"
        return _newer(reference, rows, released, policy)
    found = _holder(tag, rows)
    if found is None:
        return f"no release in {reference.repository} carries the tag {tag}"
    holder, name, now = found
    shown = holder.variant_tag(name) if name else holder.version
    if not digest:
        return f"follows {tag} by tag (now {shown}): a build with --pull takes it"
    if digest == now:
        return f"{tag} is still {shown}"
    if name:
        since = next((r for r in rows if dict(r.variants).get(name) == digest), None)
    else:
        since = by_digest.get(digest)
    return Move(reference, tag, now, since.version if since else None, holder.version)


def _holder(tag: str, rows: list[ReleaseRow]) -> tuple[ReleaseRow, str | None, str] | None:
    """The release a moving tag is on now: (its row, the variant the tag is of or None, the
    digest the tag points at)."""
    for row in rows:
        if tag in row.moving:
            return row, None, row.digest
        for name, digest in row.variants:
            if tag in row.variant_moving and variant_of(tag, [name], row.template):
                return row, name, digest
    return None


def _variant_pin(tag: str | None, rows: list[ReleaseRow]) -> tuple[ReleaseRow, str] | None:
    """(the release, the variant) when `tag` is a variant's exact tag, `X.Y.Z-<variant>`."""
    for row in rows:
        for name, _ in row.variants:
            if tag == row.variant_tag(name):
                return row, name
    return None


def _variant_move(
    reference: Reference, rows: list[ReleaseRow], current: ReleaseRow, name: str, policy: str
) -> Move | str:
    """An exact pin on a variant: as `_newer`, among the releases that have the variant."""
    with_it = [replace(r, digest=dict(r.variants)[name]) for r in rows if name in dict(r.variants)]
    on = next(r for r in with_it if r.version == current.version)
    if reference.digest and reference.digest != on.digest:
        return (
            f"its digest is not {current.variant_tag(name)}'s ({on.digest}): check where "
            f"{reference.digest} comes from"
        )
    found = _newer(reference, with_it, on, policy)
    if isinstance(found, str):
        return f"the variant {name}: {found}"
    return replace(found, tag=current.variant_tag(name, found.to) if found.tag else None)


def _newer(reference: Reference, rows: list[ReleaseRow], current: ReleaseRow, policy: str):
    """An exact pin (a version, or a digest alone) on `current`: the newest final release the
    policy allows, or why it stays."""
    on = parse_version(current.version)
    newer = [r for r in final_releases(rows) if parse_version(r.version) > on]
    allowed = [r for r in newer if _allowed(on, parse_version(r.version), policy)]
    if allowed:
        target = allowed[0]
        tag = target.version if reference.tag is not None else None
        digest = target.digest if reference.digest else None
        return Move(reference, tag, digest, current.version, target.version)
    if newer:
        return (
            f"{current.version} is the newest release the policy ({policy}) allows; "
            f"{newer[0].version} is newer"
        )
    # No newer final release: any newer release is a prerelease.
    later = [r.version for r in rows if parse_version(r.version) > on]
    if later:
        return (
            f"{current.version} is the newest final release; a pin never moves to a prerelease "
            f"({later[0]} is newer)"
        )
    return f"{current.version} is the newest release"


def rewrite(text: str, moves: list[Move]) -> str:
    """`text` with each move's reference replaced where it was found, right to left on a line."""
    found = lines(text)
    for move in sorted(moves, key=lambda m: (m.reference.line, -m.reference.start)):
        ref = move.reference
        line = found[ref.line - 1]
        assert line[ref.start :].startswith(ref.text), f"{ref.where} changed since it was read"
        found[ref.line - 1] = line[: ref.start] + move.text + line[ref.start + len(ref.text) :]
    return "\n".join(found)


def taken_in(move: Move, rows: list[ReleaseRow]) -> list[ReleaseRow]:
    """The releases a move takes in, oldest first: newer than the one it was on, up to the one it
    moves to (only that one where the one it was on is not known)."""
    high = parse_version(move.to)
    low = _version(move.since) if move.since else None
    if low is None:
        return [r for r in rows if r.version == move.to]
    return [r for r in reversed(rows) if low < parse_version(r.version) <= high]


TRAILER = "BBC-Downstream: yes"  # marks the commits bbc-downstream makes


def commit_message(moves: list[Move], notes: dict[Move, list[tuple[str, str]]]) -> str:
    """One commit's message: a summary line, every reference moved, the notes of every release
    the moves take in (`notes`: per move, (version, notes) pairs), by image and version, and the
    trailer that marks the commit as bbc-downstream's."""
    names = sorted({f"{m.reference.repository.rsplit('/', 1)[-1]} {m.to}" for m in moves})
    out = [f"Update BBC images: {', '.join(names)}", ""]
    for move in moves:
        was = move.reference.text.split("/")[-1]
        out.append(f"- {move.reference.where}: {was} -> {move.text.split('/')[-1]}")
    taken = {
        (move.reference.repository, parse_version(version)): text
        for move in moves
        for version, text in notes.get(move, [])
    }
    for key in sorted(taken):
        out += ["", taken[key].rstrip()]
    return "\n".join([*out, "", TRAILER]) + "\n"


@dataclass(frozen=True)
class Plan:
    """What one downstream repository gets: its rewritten Dockerfiles and the commit message."""

    changed: dict[str, str]  # path -> new text
    report: list[str]  # a line per reference: where it moves, or why it stays
    message: str | None  # None: nothing moves


def plan(
    dockerfiles: Mapping[str, str],
    releases: Mapping[str, list[ReleaseRow]],
    notes: Mapping[tuple[str, str], str],
    policy: str,
) -> Plan:
    """The update of one repository's Dockerfiles (path -> text), given each repository's
    releases (`<registry>/<repository>` -> rows, newest first) and their notes."""
    moves: list[Move] = []
    changed, report = {}, []
    for path, text in sorted(dockerfiles.items()):
        found, unclear = references(path, text, set(releases))
        here = []
        for reference in found:
            decision = decide(reference, releases[reference.repository], policy)
            if isinstance(decision, Move):
                here.append(decision)
                report.append(f"{reference.where}: {reference.text} -> {decision.text}")
            else:
                report.append(f"{reference.where}: {reference.text} stays: {decision}")
        for number in unclear:
            line = lines(text)[number - 1].strip()
            report.append(f"{path}:{number}: not understood, left alone: {line}")
        if here:
            moves += here
            changed[path] = rewrite(text, here)
    if not moves:
        return Plan({}, report, None)
    taken = {
        m: [
            (r.version, notes.get((m.reference.repository, r.version), ""))
            for r in taken_in(m, releases[m.reference.repository])
        ]
        for m in moves
    }
    return Plan(changed, report, commit_message(moves, taken))
