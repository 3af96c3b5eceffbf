"""Where each distribution of an images' Python lockfile stands, as plain data: the version
locked, the newest its requirements allow (what `bbc-update --apply` takes in) and the newest
released (the same requirements resolved without their version ranges), with the requirement
that holds it back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from packaging.version import InvalidVersion, Version  # pants: no-infer-dep (Pants brings it)

from bbc.model.content import locked_versions, parse_requirement, pep503_name


@dataclass(frozen=True)
class PythonVersions:
    lockfile: str
    name: str
    locked: str | None  # None: not in the lockfile yet
    in_range: str | None  # the newest the requirements allow; None: no longer required
    newest: str | None  # the newest released; None: unknown
    held_back_by: str | None = None  # what keeps `newest` out: `<file>: <requirement>`


def unbounded(requirement: str) -> str:
    """The requirement without its version range: its name, extras and marker."""
    parsed = parse_requirement(requirement)
    if parsed is None or parsed.url:  # a direct reference names no range: kept as written
        return requirement
    extras = f"[{','.join(sorted(parsed.extras))}]" if parsed.extras else ""
    marker = f"; {parsed.marker}" if parsed.marker else ""
    return f"{parsed.name}{extras}{marker}"


def _newer(newest: str | None, than: str | None) -> bool:
    if newest is None or than is None:
        return False
    try:
        return Version(newest) > Version(than)
    except InvalidVersion:
        return newest != than


def _admits(written: str, version: str | None) -> bool:
    """Whether the requirement (`<file>: <requirement>`) admits the version: then it is not what
    holds the version back."""
    parsed = parse_requirement(written.partition(": ")[2])
    if parsed is None or version is None:
        return False
    try:
        return parsed.specifier.contains(version, prereleases=True)
    except (InvalidVersion, ValueError):
        return False


def python_versions(
    lockfile: str,
    old: str,
    new: str,
    newest_lock: str | None,
    requirements: Mapping[str, str],
) -> list[PythonVersions]:
    """Every distribution of the old or new lockfile. `newest_lock`: the lockfile of the same
    requirements without version ranges (None: not known). `requirements`: each requirement
    as written, by the normalized name it requires, with where (`images.txt: flask>=3,<4`).
    A distribution held back that no requirement names is held back by what requires it."""
    before, after = locked_versions(old), locked_versions(new)
    newest = locked_versions(newest_lock) if newest_lock is not None else {}
    rows = []
    for name in sorted(set(before) | set(after)):
        in_range = after.get(name)
        best = newest.get(name) if newest_lock is not None else None
        held = None
        if _newer(best, in_range):
            written = requirements.get(name)
            if written is None or _admits(written, best):
                written = "the versions of what requires it"
            held = written
        rows.append(PythonVersions(lockfile, name, before.get(name), in_range, best, held))
    return rows


def requirement_names(requirements: Mapping[str, str]) -> dict[str, str]:
    """`{requirement as written: where}` by the normalized name each requires."""
    found = {}
    for requirement, where in requirements.items():
        parsed = parse_requirement(requirement)
        if parsed is not None:
            found[pep503_name(parsed.name)] = f"{where}: {requirement}"
    return found
