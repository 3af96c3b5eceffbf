"""bbc-update's report, as plain data: every locked package that moved, the CVEs its changelog
says the new version fixes, and the images it goes into, directly or through their parents;
where each Python distribution stands against its newest release (updates/python_versions.py);
rendered as Markdown (printed, and dist/bbc/update/report.md) and JSON (report.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable, Mapping, Sequence

from bbc.model.content import lock_subset, locked_versions
from bbc.updates.python_versions import PythonVersions

# Exit codes of `./pants bbc-update`, for a scheduled job.
NOTHING_NEW = 0
PROBLEM = 1
UPDATES = 2


@dataclass(frozen=True)
class PackageUpdate:
    kind: str  # "deb" or "python"
    lockfile: str
    name: str
    old: str | None  # None: added
    new: str | None  # None: removed
    cves: tuple[str, ...] = ()
    cves_unknown: str | None = None  # why the changelog could not be read
    images: tuple[str, ...] = ()  # that install it themselves
    through_parents: tuple[str, ...] = ()  # their descendants


def affected(direct: Iterable[str], descendants_of) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the images given, sorted; every descendant of theirs not among them, sorted)."""
    mine = sorted(set(direct))
    below = {d for image in mine for d in descendants_of(image)} - set(mine)
    return tuple(mine), tuple(sorted(below))


def _version(update: PackageUpdate) -> str:
    return f"{update.old or '(new)'} -> {update.new or '(removed)'}"


def _cves(update: PackageUpdate) -> str:
    if update.kind == "python":
        return "not read (no changelog for Python packages)"
    if update.cves:
        return ", ".join(update.cves)
    return f"unknown: {update.cves_unknown}" if update.cves_unknown else "none named"


@dataclass(frozen=True)
class UpdateReport:
    updates: tuple[PackageUpdate, ...]
    pins: tuple[str, ...]  # core/updates.report of the external bases
    problems: tuple[str, ...]
    bumps: tuple[str, ...]  # the version bumps, described
    applied: bool  # --apply took them in
    python: tuple[PythonVersions, ...] = ()  # every distribution of the images' lockfiles
    notes: tuple[str, ...] = ()  # said once: a newer Debian stable, what could not be known

    def markdown(self) -> str:
        lines = ["# bbc-update", ""]
        if not self.updates and not self.problems and not any("moved" in p for p in self.pins):
            lines.append("Nothing to take in: every lock and pin is current.")
        for lockfile in sorted({u.lockfile for u in self.updates}):
            mine = [u for u in self.updates if u.lockfile == lockfile]
            lines += [
                f"## {lockfile}",
                "",
                "| package | version | CVEs fixed | images |",
                "| --- | --- | --- | --- |",
            ]
            for u in mine:
                images = ", ".join(u.images)
                if u.through_parents:
                    images += f"; through their parents: {', '.join(u.through_parents)}"
                lines.append(f"| {u.name} | {_version(u)} | {_cves(u)} | {images or 'none'} |")
            lines.append("")
        for lockfile in sorted({v.lockfile for v in self.python}):
            lines += [
                f"## Python distributions of {lockfile}",
                "",
                "| distribution | locked | newest allowed | newest released | held back by |",
                "| --- | --- | --- | --- | --- |",
            ]
            for v in (v for v in self.python if v.lockfile == lockfile):
                allowed = v.in_range or "(no longer required)"
                if v.in_range and v.in_range == v.locked:
                    allowed += " (locked)"
                lines.append(
                    f"| {v.name} | {v.locked or '(new)'} | {allowed} | "
                    f"{v.newest or 'unknown'} | {v.held_back_by or ''} |"
                )
            lines.append("")
        if self.notes:
            lines += ["## Notes", "", *(f"- {n}" for n in self.notes), ""]
        if self.pins:
            lines += ["## Pinned bases", "", *(f"- {p}" for p in self.pins), ""]
        if self.problems:
            lines += ["## Problems", "", *(f"- {p}" for p in self.problems), ""]
        if self.bumps:
            lines += ["## Versions bumped" if self.applied else "## Versions --apply bumps", ""]
            lines += [f"- {b}" for b in self.bumps] + [""]
        if self.updates and not self.applied:
            lines.append("Take them in: `./pants bbc-update --apply`.")
        return "\n".join(lines).rstrip() + "\n"

    def as_json(self) -> str:
        return json.dumps(
            {
                "applied": self.applied,
                "packages": [asdict(u) for u in self.updates],
                "python": [asdict(v) for v in self.python],
                "notes": list(self.notes),
                "pins": list(self.pins),
                "problems": list(self.problems),
                "bumps": list(self.bumps),
            },
            indent=2,
            sort_keys=True,
        )


def exit_code(moved: bool, problems: Sequence[str]) -> int:
    """PROBLEM when anything could not be read; else UPDATES when a lock or pin moved."""
    if problems:
        return PROBLEM
    return UPDATES if moved else NOTHING_NEW


def python_updates(
    lockfile: str,
    old: str,
    new: str,
    installs: Mapping[str, Sequence[str]],
    descendants_of,
) -> tuple[list[PackageUpdate], tuple[str, ...]]:
    """The distributions that moved between two versions of a Python lockfile, and the images
    whose locked distributions (`installs`: image -> the requirements it installs from this
    lockfile; core/content.lock_subset, what their content hash holds) changed. Each update
    names those of the images that install it, and their descendants."""
    before, after = locked_versions(old), locked_versions(new)
    changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
    subsets = {
        image: (lock_subset(old, requirements), lock_subset(new, requirements))
        for image, requirements in installs.items()
    }
    moved_in = sorted(image for image, (was, now) in subsets.items() if was != now)
    updates = []
    for name in changed:
        direct = [i for i in moved_in if any(d[0] == name for d in sum(subsets[i], ()))]
        images, below = affected(direct, descendants_of)
        updates.append(
            PackageUpdate(
                "python", lockfile, name, before.get(name), after.get(name), (), None, images, below
            )
        )
    return updates, tuple(moved_in)
