"""What changed between two package lists (changes/package_diff.py), with the CVEs each moved Debian
package's new version says it fixed (its changelog, updates/changelog.py): for `bbc-diff` and for the
release notes written at publish."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pants.engine.rules import Get, MultiGet, collect_rules, rule

from bbc.changes.package_diff import PackageChange, package_changes
from bbc.sbom.contents import Package
from bbc.updates.changelog import DebChangelog, DebChangelogRequest
from bbc.updates.debian_pool import cves_fixed


@dataclass(frozen=True)
class PackageChangesRequest:
    old: tuple[Package, ...]
    new: tuple[Package, ...]


@dataclass(frozen=True)
class PackageChanges:
    changes: tuple[PackageChange, ...]


@rule(desc="Comparing package lists")
async def changes_with_cves(request: PackageChangesRequest) -> PackageChanges:
    changes = package_changes(list(request.old), list(request.new))
    moved = [c for c in changes if c.kind == "deb" and c.old and c.new]
    logs = (
        await MultiGet(
            Get(DebChangelog, DebChangelogRequest(c.name, c.source, c.new or "", c.arch or "all"))
            for c in moved
        )
        if moved
        else ()
    )
    found = {}
    for change, log in zip(moved, logs):
        if log.text is None:
            found[change] = replace(change, cves_unknown=log.failure)
        else:
            cves = tuple(cves_fixed(log.text, change.old or "", change.new or ""))
            found[change] = replace(change, cves=cves)
    return PackageChanges(tuple(found.get(c, c) for c in changes))


def rules():
    return collect_rules()
