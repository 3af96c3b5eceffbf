"""The hierarchy as text, Graphviz DOT and Mermaid."""

from __future__ import annotations

import re
from typing import Iterator, Mapping

from bbc.graph.hierarchy import Hierarchy, Image
from bbc.model.tags import version_tags


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def external_base(image: Image) -> str:
    """`on name:tag@sha256:<12 hex digits>` for a root built on a pinned external image."""
    if not image.base:
        return ""
    name, _, digest = image.base.partition("@")
    return f"on {name}@{digest[:19]}"


def variants_of(image: Image, with_tags: bool = False) -> str:
    """`variants cuda12, rocm6`: the image's variants, drawn on its node (with their tags:
    `variant cuda12 (tags 1.0.2-cuda12, ...)`)."""
    if not image.variants:
        return ""
    if not with_tags or image.broken:
        return f"variants {', '.join(image.variants)}"
    return "  ".join(
        f"variant {name} (tags {', '.join(version_tags(image.version, name, image.variant_template))})"
        for name in image.variants
    )


def _on_variant(image: Image) -> str:
    return f" (on its variant {image.parent_variant})" if image.parent_variant else ""


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
    return f"parent {image.parent_versions or '(no range)'} {verdict}{_on_variant(image)}"


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
            variants_of(image, with_tags=True),
            external_base(image),
            _range(hierarchy, address),
        ]
        if sizes and address in sizes:
            parent_size = sizes.get(image.parent or "", 0)
            parts.append(
                f"{megabytes(sizes[address])} (+{megabytes(sizes[address] - parent_size)})"
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
    """(parent, child, child's range and parent variant, whether it holds), parents first."""
    for address in hierarchy.order():
        image = hierarchy[address]
        if image.parent:
            accepted = image.parent_versions or "?"
            if image.parent_variant:
                accepted = f"{accepted} ({image.parent_variant})"
            yield image.parent, address, accepted, bool(hierarchy.parent_range_holds(address))


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
        base += f"\\n{variants_of(image)}" if image.variants else ""
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
        base += f"<br/>{variants_of(image)}" if image.variants else ""
        lines.append(
            f'  {_mermaid_id(address)}["{image.repository} {image.version}<br/>{address}{base}"]'
        )
    for parent, child, accepted, holds in _edges(hierarchy):
        arrow = "-->" if holds else "-.->"
        lines.append(f'  {_mermaid_id(parent)} {arrow}|"{accepted}"| {_mermaid_id(child)}')
    return "\n".join(lines) + "\n"
