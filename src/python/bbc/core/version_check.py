"""Which images need a new version since a git ref, and the one command that gives it to them.

An image needs one when its content hash changed and its version did not: when its own inputs
changed (the same inputs core/content.py hashes) or its parent's content did. `publish` refuses
exactly those, since a released version never changes.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import toml

from bbc.core.content import Inputs
from bbc.core.hierarchy import Hierarchy


def configured_build_args(pants_toml: str) -> dict[str, str | None]:
    """`[docker].build_args` of a pants.toml: NAME -> value (None: taken from the environment)."""
    docker = toml.loads(pants_toml).get("docker", {}) if pants_toml.strip() else {}
    value = docker.get("build_args", [])
    if isinstance(value, dict):  # `build_args.add = [...]`
        value = value.get("add", [])
    args: dict[str, str | None] = {}
    for arg in value:
        name, has_value, given = arg.partition("=")
        args[name] = given if has_value else None
    return args


def default_repository(pants_toml: str) -> str | None:
    docker = toml.loads(pants_toml).get("docker", {}) if pants_toml.strip() else {}
    return docker.get("default_repository")


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


def content_changes(hierarchy: Hierarchy, own: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Every image whose content changed, with why: its own inputs, or its parent's content."""
    changed: dict[str, list[str]] = {}
    for address in hierarchy.order():
        reasons = list(own.get(address, ()))
        parent = hierarchy[address].parent
        if parent in changed:
            reasons.append(f"its parent {parent} changed")
        if reasons:
            changed[address] = reasons
    return changed


def fix_command(needing: Iterable[str], hierarchy: Hierarchy) -> str:
    """The one bbc-bump that gives each of these images a new patch version (their children's
    ranges widened where needed)."""
    wanted = set(needing)
    tops = sorted(a for a in wanted if hierarchy[a].parent not in wanted)
    below = {d for top in tops for d in hierarchy.descendants(top)}
    if wanted == set(tops) | below:
        return f"./pants bbc-bump --level=patch --descendants {' '.join(tops)}"
    return f"./pants bbc-bump --level=patch {' '.join(a for a in hierarchy.order() if a in wanted)}"
