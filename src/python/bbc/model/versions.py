"""Semantic versions and parent ranges: plain functions over strings.

Versions are parsed by `semver`; parent ranges use npm's syntax through `node-semver`
(caret `^1.2`, tilde `~1.2.3`, x-ranges `1.x`, comparisons `>=1.2.0 <2`).
"""

from __future__ import annotations

import nodesemver
import semver

LEVELS = ("major", "minor", "patch")


class VersionError(ValueError):
    """A version or range that breaks a rule; the message says which rule."""


def parse_version(text: str) -> semver.Version:
    try:
        version = semver.Version.parse(text)
    except (TypeError, ValueError):
        raise VersionError(
            f"{text!r} is not a semantic version: it must be MAJOR.MINOR.PATCH with an optional "
            "-PRERELEASE, for example 1.4.0 or 2.0.0-rc.1 (see https://semver.org)."
        ) from None
    if version.build:
        raise VersionError(
            f"{text!r} has build metadata (+{version.build}), which cannot be part of a Docker "
            f"tag: use {version.replace(build=None)} (every build gets a content tag anyway)."
        )
    return version


def bump(text: str, level: str) -> str:
    if level not in LEVELS:
        raise VersionError(f"unknown bump level {level!r}: use one of {', '.join(LEVELS)}.")
    return str(parse_version(text).next_version(part=level))


_SYNTAX = (
    "use npm's syntax, for example '^1.2' (1.2.0 up to 2.0.0), '~1.2.3' (patches of 1.2), "
    "'1.x', or comparisons such as '>=1.2.0 <2'."
)


def _bounds(comparators: list) -> tuple[tuple[semver.Version, bool] | None, ...]:
    """The tightest (version, inclusive?) lower and upper bounds of one alternative of a range."""
    lows, highs = [], []
    for c in comparators:
        version = semver.Version.parse(str(c.semver))
        if c.operator in (">=", ">", ""):
            lows.append((version, c.operator != ">"))
        if c.operator in ("<=", "<", ""):
            highs.append((version, c.operator != "<"))
    lower = max(lows, key=lambda bound: (bound[0], not bound[1]), default=None)
    upper = min(highs, key=lambda bound: (bound[0], bound[1]), default=None)
    return lower, upper


def parse_range(text: str) -> nodesemver.Range:
    """An npm range of parent versions: non-empty, each alternative satisfiable, and none that
    admits every version."""
    if not text.strip():
        raise VersionError(
            f"the range is empty: name the parent versions this image accepts; {_SYNTAX}"
        )
    try:
        parsed = nodesemver.make_range(text, loose=False)
    except (TypeError, ValueError):
        raise VersionError(f"{text!r} is not a version range: {_SYNTAX}") from None
    for alternative in parsed.set:
        shown = " ".join(c.value for c in alternative) or "(nothing)"
        if any(c.value == "" for c in alternative):
            raise VersionError(
                f"{text!r} admits every version (its alternative {shown} has no bounds; an "
                f"empty `||` side does that): name the versions; {_SYNTAX}"
            )
        lower, upper = _bounds(alternative)
        if upper is None and (lower is None or lower == (semver.Version(0, 0, 0), True)):
            raise VersionError(f"{text!r} admits every version: name the versions; {_SYNTAX}")
        if (
            lower is not None
            and upper is not None
            and (lower[0] > upper[0] or (lower[0] == upper[0] and not (lower[1] and upper[1])))
        ):
            raise VersionError(
                f"{text!r} admits no version ({shown} cannot hold together): name the versions "
                f"this image accepts; {_SYNTAX}"
            )
    return parsed


def range_allows(range_text: str, version_text: str) -> bool:
    parse_version(version_text)
    return nodesemver.satisfies(version_text, parse_range(range_text).range, loose=False)


def caret_range(version_text: str) -> str:
    """The npm caret range starting at a version: its compatible releases."""
    version = parse_version(version_text)
    return f"^{version}" if version.prerelease else f"^{version.major}.{version.minor}"


def range_admitting(range_text: str, version_text: str) -> str:
    """The range itself if it admits the version, else the caret range of that version."""
    return range_text if range_allows(range_text, version_text) else caret_range(version_text)
