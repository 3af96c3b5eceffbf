"""What changed between two images' packages: plain functions over their package lists."""

from __future__ import annotations

from dataclasses import dataclass

from bbc.model.content import pep503_name
from bbc.sbom.contents import Package


@dataclass(frozen=True)
class PackageChange:
    kind: str  # deb or pypi
    name: str
    old: str | None  # None: added
    new: str | None  # None: removed
    arch: str | None = None
    source: str | None = None  # a Debian package's source package, where it differs
    cves: tuple[str, ...] = ()  # what the update fixes, from the new version's changelog
    cves_unknown: str | None = None  # why the CVEs are not known

    @property
    def what(self) -> str:
        return "added" if self.old is None else "removed" if self.new is None else "changed"


def _key(package: Package) -> tuple[str, str, str]:
    return (package.kind, pep503_name(package.name), package.arch or "")


def package_changes(old: list[Package], new: list[Package]) -> list[PackageChange]:
    """Every package added, removed or at another version, by kind and name."""
    before = {_key(p): p for p in old}
    after = {_key(p): p for p in new}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was and now and was.version == now.version:
            continue
        package = now or was
        assert package is not None
        changes.append(
            PackageChange(
                key[0],
                package.name,
                was.version if was else None,
                now.version if now else None,
                package.arch,
                package.source,
            )
        )
    return changes


def render_changes(title: str, changes: list[PackageChange]) -> str:
    """`bbc-diff`'s report of one image."""
    if not changes:
        return f"{title}: the same packages"
    counts = {w: sum(1 for c in changes if c.what == w) for w in ("changed", "added", "removed")}
    summary = ", ".join(f"{n} {w}" for w, n in counts.items() if n)
    cves = {cve for c in changes for cve in c.cves}
    if cves:
        summary += f"; {len(cves)} CVE{'s' if len(cves) > 1 else ''} fixed"
    lines = [f"{title}: {summary}"]
    for c in changes:
        lines.append(f"  {c.what:<8} {c.kind:<5} {c.name} {_versions(c)}{_cves(c, '  ')}")
    return "\n".join(lines)


def _versions(change: PackageChange) -> str:
    if change.what == "changed":
        return f"{change.old} -> {change.new}"
    return change.new if change.old is None else change.old  # type: ignore[return-value]


def _cves(change: PackageChange, space: str) -> str:
    if change.cves:
        return f"{space}fixes {', '.join(change.cves)}"
    if change.cves_unknown:
        return f"{space}(CVEs unknown: {change.cves_unknown})"
    return ""


def notes_changes(previous: str, source: str, changes: list[PackageChange]) -> list[str]:
    """The release notes' lines (Markdown) on the packages changed since the release
    `previous`, whose package list came from `source`."""
    if not changes:
        return [f"Packages: the same as in {previous} (its SBOM, `{source}`)."]
    cves = sorted({cve for c in changes for cve in c.cves})
    lines = [f"Package changes since {previous} (Debian and Python; its SBOM, `{source}`):", ""]
    for c in changes:
        lines.append(f"- {c.what} {c.kind} `{c.name}` {_versions(c)}{_cves(c, ', ')}")
    if cves:
        lines += ["", f"CVEs fixed: {', '.join(cves)}"]
    return lines
