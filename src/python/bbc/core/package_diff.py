"""What changed between two images' packages: plain functions over their package lists."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bbc.core.sbom import Package


@dataclass(frozen=True)
class PackageChange:
    kind: str  # deb or pypi
    name: str
    old: str | None  # None: added
    new: str | None  # None: removed

    @property
    def what(self) -> str:
        return "added" if self.old is None else "removed" if self.new is None else "changed"


def _key(package: Package) -> tuple[str, str, str]:
    return (package.kind, re.sub(r"[-_.]+", "-", package.name).lower(), package.arch or "")


def package_changes(old: list[Package], new: list[Package]) -> list[PackageChange]:
    """Every package added, removed or at another version, by kind and name."""
    before = {_key(p): p for p in old}
    after = {_key(p): p for p in new}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was and now and was.version == now.version:
            continue
        name = (now or was).name  # type: ignore[union-attr]
        changes.append(
            PackageChange(key[0], name, was.version if was else None, now.version if now else None)
        )
    return changes


def render_changes(title: str, changes: list[PackageChange]) -> str:
    """`bbc-diff`'s report of one image."""
    if not changes:
        return f"{title}: the same packages"
    counts = {w: sum(1 for c in changes if c.what == w) for w in ("changed", "added", "removed")}
    summary = ", ".join(f"{n} {w}" for w, n in counts.items() if n)
    lines = [f"{title}: {summary}"]
    for c in changes:
        versions = (
            f"{c.old} -> {c.new}" if c.what == "changed" else c.new if c.old is None else c.old
        )
        lines.append(f"  {c.what:<8} {c.kind:<5} {c.name} {versions}")
    return "\n".join(lines)
