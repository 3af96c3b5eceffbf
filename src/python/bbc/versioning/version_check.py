"""Which images need a new version since a git ref, and the one command that gives it to them.

An image needs one when its content hash changed and its version did not: when its own inputs
changed (the same inputs model/content.py hashes) or its parent's content did. `publish` refuses
exactly those, since a released version never changes.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from bbc.graph.hierarchy import Hierarchy
from bbc.model.content import Inputs
from bbc.model.versions import range_allows
from bbc.versioning.bump_plan import plan_bumps


def _lock_changes(path: str, old: Iterable, new: Iterable) -> str:
    before = {name: version for name, version, _ in old}
    after = {name: version for name, version, _ in new}
    moved = [
        f"{name} {before.get(name, '(none)')} -> {after.get(name, '(none)')}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]
    return f"{path}: {', '.join(moved) or 'the same versions, other artifacts'}"


def own_changes(
    inputs: Inputs,
    changed_paths: Iterable[str],
    old_definitions: Mapping[str, str | None],
    old_locks: Mapping[str, tuple],
    old_build_args: tuple[str, ...],
    repository_changed: bool,
) -> list[str]:
    """Why an image's own inputs differ from the ref's (nothing: they do not)."""
    reasons = []
    paths = sorted(set(changed_paths))
    if paths:
        reasons.append(f"its files changed: {', '.join(paths)}")
    redefined = [a for a, d in inputs.definitions if old_definitions.get(a) != d]
    if redefined:
        reasons.append(f"the BUILD definitions of {', '.join(redefined)} changed")
    for path, subset in inputs.locks:
        if tuple(old_locks.get(path, ())) != tuple(subset):
            reasons.append(
                f"its locked packages changed in {_lock_changes(path, old_locks.get(path, ()), subset)}"
            )
    if tuple(old_build_args) != tuple(inputs.build_args):
        reasons.append(
            f"its build arguments changed: {', '.join(old_build_args) or '(none)'} -> "
            f"{', '.join(inputs.build_args) or '(none)'}"
        )
    if repository_changed:
        reasons.append("[docker].default_repository changed")
    return reasons


def content_changes(
    hierarchy: Hierarchy,
    own: Mapping[str, list[str]],
    stages: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, list[str]]:
    """Every image whose content changed, with why: its own inputs, its parent's content, or
    the content of an image one of its stages is built on (`stages`)."""
    changed: dict[str, list[str]] = {}
    grew = True
    while grew:  # stage images need not be ancestors: until nothing more changes
        grew = False
        for address in hierarchy.order():
            parent = hierarchy[address].parent
            reasons = [
                *own.get(address, ()),
                *([f"its parent {parent} changed"] if parent in changed else []),
                *(
                    f"its stage image {s} changed"
                    for s in (stages or {}).get(address, ())
                    if s in changed
                ),
            ]
            if reasons and reasons != changed.get(address):
                changed[address], grew = reasons, True
    return {a: changed[a] for a in hierarchy.order() if a in changed}


def fix_command(needing: Iterable[str], hierarchy: Hierarchy) -> str:
    """The one bbc-bump that gives each of these images a new patch version, their children's
    ranges widened where needed; a child whose range would not admit its parent's new version
    is bumped too (its range changes)."""
    wanted = set(needing)
    while True:
        plan = plan_bumps(hierarchy, [a for a in hierarchy.order() if a in wanted], "patch", False)
        stranded = {
            child
            for change in plan
            for child in hierarchy.children(change.address)
            if child not in wanted
            and hierarchy[child].parent_versions
            and not range_allows(hierarchy[child].parent_versions or "", change.new_version)
        }
        if not stranded:
            break
        wanted |= stranded
    tops = sorted(a for a in wanted if hierarchy[a].parent not in wanted)
    below = {d for top in tops for d in hierarchy.descendants(top)}
    if wanted == set(tops) | below:
        return f"./pants bbc-bump --level=patch --descendants {' '.join(tops)}"
    return f"./pants bbc-bump --level=patch {' '.join(a for a in hierarchy.order() if a in wanted)}"
