"""What `bbc-bump` changes: new versions, and the descendants' versions and ranges."""

from __future__ import annotations

from dataclasses import dataclass

from bbc.graph.hierarchy import Hierarchy
from bbc.model.versions import bump, range_admitting


@dataclass(frozen=True)
class Change:
    address: str
    old_version: str
    new_version: str
    old_range: str | None = None
    new_range: str | None = None  # set only when the range must change


def plan_bumps(
    hierarchy: Hierarchy, addresses: list[str], level: str, descendants: bool
) -> list[Change]:
    """Bump `addresses` by `level`; with `descendants`, every descendant by a patch, its range
    widened to admit its parent's new version where it does not already."""
    versions = {a: image.version for a, image in hierarchy.images.items()}
    levels = {a: level for a in addresses}
    if descendants:
        for address in addresses:
            for child in hierarchy.descendants(address):
                levels.setdefault(child, "patch")
    changes = []
    for (
        address
    ) in hierarchy.order():  # parents first: a child's range sees its parent's new version
        if address not in levels:
            continue
        image = hierarchy[address]
        versions[address] = bump(image.version, levels[address])
        new_range = None
        if image.parent and image.parent in levels and image.parent_versions:
            widened = range_admitting(image.parent_versions, versions[image.parent])
            new_range = widened if widened != image.parent_versions else None
        changes.append(
            Change(address, image.version, versions[address], image.parent_versions, new_range)
        )
    return changes
