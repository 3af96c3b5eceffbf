"""The hierarchy as text, Graphviz DOT and Mermaid."""

from __future__ import annotations

import re
from typing import Iterator, Mapping

from bbc.core.hierarchy import Hierarchy, Image
from bbc.core.tags import version_tags


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def external_base(image: Image) -> str:
    """`on name:tag@sha256:<12 hex digits>` for a root built on a pinned external image."""
    if not image.base:
        return ""
    name, _, digest = image.base.partition("@")
    return f"on {name}@{digest[:19]}"


def _range(hierarchy: Hierarchy, address: str) -> str:
    image = hierarchy[address]
    if image.broken:
        return "CANNOT BE BUILT (see below)"
    if image.parent is None:
        return ""
    if hierarchy[image.parent].broken:
        return "blocked by its parent"
    holds = hierarchy.parent_range_holds(address)
    verdict = (
        "ok"
        if holds
        else "missing"
        if holds is None
        else f"NOT MET by {hierarchy[image.parent].version}"
    )
    return f"parent {image.parent_versions or '(no range)'} {verdict}"


def text_tree(hierarchy: Hierarchy, sizes: Mapping[str, int] | None = None) -> str:
    """One line per image, children indented under their parent."""
    lines: list[str] = []

    def visit(address: str, prefix: str, last: bool, depth: int) -> None:
        image = hierarchy[address]
        branch = "" if depth == 0 else ("└─ " if last else "├─ ")
        parts = [
            f"{address}",
            f"{image.repository}:{image.version}",
            "" if image.broken else f"tags {', '.join(version_tags(image.version))}",
            external_base(image),
            _range(hierarchy, address),
        ]
        if sizes and address in sizes:
            parent_size = sizes.get(image.parent or "", 0)
            parts.append(
                f"{_megabytes(sizes[address])} (+{_megabytes(sizes[address] - parent_size)})"
            )
        lines.append(prefix + branch + "  ".join(p for p in parts if p))
        children = hierarchy.children(address)
        child_prefix = prefix if depth == 0 else prefix + ("   " if last else "│  ")
        for i, child in enumerate(children):
            visit(child, child_prefix, i == len(children) - 1, depth + 1)

    for root in hierarchy.roots():
        visit(root, "", True, 0)
    return "\n".join(lines)


def _edges(hierarchy: Hierarchy) -> Iterator[tuple[str, str, str, bool]]:
    """(parent, child, child's range, whether it holds), parents first."""
    for address in hierarchy.order():
        image = hierarchy[address]
        if image.parent:
            yield image.parent, address, image.parent_versions or "?", bool(
                hierarchy.parent_range_holds(address)
            )


def dot(hierarchy: Hierarchy) -> str:
    lines = [
        "digraph bbc {",
        "  rankdir=TB;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for address in hierarchy.order():
        image = hierarchy[address]
        base = f"\\n{external_base(image)}" if image.base else ""
        lines.append(f'  "{address}" [label="{image.repository}\\n{image.version}{base}"];')
    for parent, child, accepted, holds in _edges(hierarchy):
        color = "" if holds else ", color=red, fontcolor=red"
        lines.append(f'  "{parent}" -> "{child}" [label="{accepted}"{color}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", address)


def mermaid(hierarchy: Hierarchy) -> str:
    lines = ["graph TD"]
    for address in hierarchy.order():
        image = hierarchy[address]
        base = f"<br/>{external_base(image)}" if image.base else ""
        lines.append(
            f'  {_mermaid_id(address)}["{image.repository} {image.version}<br/>{address}{base}"]'
        )
    for parent, child, accepted, holds in _edges(hierarchy):
        arrow = "-->" if holds else "-.->"
        lines.append(f'  {_mermaid_id(parent)} {arrow}|"{accepted}"| {_mermaid_id(child)}')
    return "\n".join(lines) + "\n"
