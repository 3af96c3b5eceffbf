"""The report as one self-contained HTML page (report/data.py's data in, text out): the hierarchy as
inline SVG with each node coloured and labelled by its state, a table per image, the downstream
repositories and where every piece of data was read. No script, no fetched style or font: it
opens from `file://`, offline, and prints."""

from __future__ import annotations

import re
from html import escape
from typing import Iterable, Mapping
from urllib.parse import quote

from bbc.graph.render import megabytes
from bbc.report.data import (
    BROKEN,
    CHANGED,
    CURRENT,
    FAILING,
    NOT_BUILT,
    STATES,
    UNKNOWN,
    UNRELEASED,
    UPDATES,
)

# A fill, a border colour and a border dash for each state (each is written out in words too).
_STYLE = {
    BROKEN: ("#f4c7c3", "#a50e0e", "6 3"),
    FAILING: ("#f4c7c3", "#a50e0e", ""),
    CHANGED: ("#fde8b6", "#8a5300", "6 3"),
    UPDATES: ("#fde8b6", "#8a5300", ""),
    UNRELEASED: ("#d2e3fc", "#174ea6", "6 3"),
    NOT_BUILT: ("#e8eaed", "#3c4043", "2 3"),
    CURRENT: ("#ceead6", "#0d652d", ""),
    UNKNOWN: ("#ffffff", "#3c4043", "2 3"),
}
_CLASS = {state: re.sub(r"\W+", "-", state) for state in STATES}

NODE_WIDTH, NODE_HEIGHT, GAP_X, GAP_Y, MARGIN = 210, 58, 24, 46, 12


def anchor(address: str) -> str:
    """The id of an image's section, one per address: `img-images-2froot-3aroot`."""
    return "img-" + "".join(c if c.isascii() and c.isalnum() else f"-{ord(c):x}" for c in address)


def layout(images: Iterable[Mapping]) -> dict[str, tuple[float, float]]:
    """Each image's node position (left, top): one row per generation, leaves side by side in
    order, a parent centred over its children."""
    entries = {i["address"]: i for i in images}
    children: dict[str | None, list[str]] = {}
    for address, image in entries.items():
        parent = image.get("parent") if image.get("parent") in entries else None
        children.setdefault(parent, []).append(address)
    for kids in children.values():
        kids.sort()
    positions: dict[str, tuple[float, float]] = {}
    next_slot = [0]

    def place(address: str, depth: int) -> float:
        positions[address] = (0, 0)  # placed: a cycle does not come back to it
        kids = [k for k in children.get(address, []) if k not in positions]
        if kids:
            xs = [place(k, depth + 1) for k in kids]
            x = (xs[0] + xs[-1]) / 2
        else:
            x = next_slot[0] * (NODE_WIDTH + GAP_X)
            next_slot[0] += 1
        positions[address] = (MARGIN + x, MARGIN + depth * (NODE_HEIGHT + GAP_Y))
        return x

    for root in children.get(None, []):
        place(root, 0)
    for address in sorted(entries):  # in a cycle of parents: no root above it
        if address not in positions:
            place(address, 0)
    return positions


LABEL_CHARACTERS = 24  # what fits in a node at the label's size


def _fit(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


def _svg(images: list[Mapping]) -> str:
    positions = layout(images)
    if not positions:
        return "<p>No images.</p>"
    width = max(x for x, _ in positions.values()) + NODE_WIDTH + MARGIN
    height = max(y for _, y in positions.values()) + NODE_HEIGHT + MARGIN
    edges, nodes = [], []
    for image in images:
        x, y = positions[image["address"]]
        parent = image.get("parent")
        if parent in positions:
            px, py = positions[parent]
            edges.append(
                f'<line x1="{px + NODE_WIDTH / 2:.0f}" y1="{py + NODE_HEIGHT:.0f}" '
                f'x2="{x + NODE_WIDTH / 2:.0f}" y2="{y:.0f}" class="edge"/>'
            )
        fill, stroke, dash = _STYLE[image["state"]]
        label = f"{image['name']} {image['version']}"
        states = ", ".join(image["states"])
        nodes.append(
            f'<a href="#{anchor(image["address"])}" class="node state-{_CLASS[image["state"]]}" '
            f'data-address="{escape(image["address"])}" data-state="{escape(image["state"])}" '
            f'aria-label="{escape(label)}: {escape(states)}">'
            f"<title>{escape(image['address'])}: {escape(states)}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
            f'<text x="{x + 10:.0f}" y="{y + 22:.0f}" class="label">{escape(_fit(label))}</text>'
            f'<text x="{x + 10:.0f}" y="{y + 44:.0f}" class="state">{escape(image["state"])}'
            + (f" (+{len(image['states']) - 1})" if len(image["states"]) > 1 else "")
            + "</text></a>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="group" aria-labelledby="hierarchy-heading" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
        + "".join(edges)
        + "".join(nodes)
        + "</svg>"
    )


def _size(size: int | None) -> str:
    return "unknown" if size is None else megabytes(size)


def _run(goal: str, address: str) -> str:
    """The command that makes what is missing, as the page shows it."""
    return f"<code>./pants {goal} {escape(address)}</code>"


def _link(href: str | None, text: str) -> str:
    return f'<a href="{escape(quote(href))}">{escape(text)}</a>' if href else escape(text)


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<tr><th scope="row">{escape(k)}</th><td>{v}</td></tr>' for k, v in pairs)


def _registries(image: Mapping) -> str:
    if image.get("registries_problem"):
        return f"unknown: {escape(image['registries_problem'])}"
    if not image["registries"]:
        return "unknown: no registry is configured (<code>[docker.registries]</code> in pants.toml)"
    out = []
    for registry in image["registries"]:
        where = f"@{escape(registry['alias'])}" + (
            "" if registry.get("release") else f" <code>{escape(registry['repository'])}</code>"
        )
        if registry.get("failure"):
            out.append(f"{where}: could not be read: {escape(registry['failure'])}")
        elif registry.get("release") is None:
            older = ", ".join(registry.get("versions") or []) or "none"
            hint = "" if image["problem"] else f" Release it: {_run('publish', image['address'])}"
            out.append(
                f"{where}: {escape(image['version'])} is not released (releases: {escape(older)})."
                + hint
            )
        else:
            release = registry["release"]
            out.append(
                f"{where}: <code>{escape(release['pinned'])}</code>, content tag "
                f"<code>{escape(release['content_tag'] or 'unknown')}</code>, built on "
                f"<code>{escape(release['parent'] or 'no parent (a root)')}</code>"
                + (
                    f"; not released: the variant(s) {escape(', '.join(release['variants_missing']))}"
                    f" ({_run('publish', image['address'])})"
                    if release.get("variants_missing")
                    else ""
                )
            )
    return "<br>".join(out)


def _tests(image: Mapping) -> str:
    tests = image["tests"]
    if tests is None:
        return f"unknown: no test report here. Run {_run('test', image['address'])}"
    text = f"{tests['passed']} passed, {tests['failed']} failed"
    if tests["failures"]:
        text += ": " + ", ".join(escape(f) for f in tests["failures"])
    if tests["problems"]:
        text += ". Unreadable: " + "; ".join(escape(p) for p in tests["problems"])
    files = ", ".join(f"<code>{escape(r)}</code>" for r in tests["reports"])
    when = f"written {escape(tests['when'])}: " if tests.get("when") else ""
    return f"{text} ({when}{files})"


def _sbom(image: Mapping, links: Mapping[str, str]) -> str:
    sbom = image["sbom"]
    if sbom is None:
        return f"unknown: no SBOM here. Run {_run('package', image['address'])}"
    if "problem" in sbom:
        return escape(sbom["problem"])
    kinds = ", ".join(f"{n} {escape(k)}" for k, n in sbom["by_kind"].items())
    count = f"{sbom['packages']} package{'' if sbom['packages'] == 1 else 's'}"
    stale = (
        f"; of another build of this version ({escape(sbom['content_tag'])}): run "
        + _run("package", image["address"])
        if sbom.get("stale")
        else ""
    )
    return _link(links.get(sbom["path"]), count) + (f" ({kinds})" if kinds else "") + stale


def _updates(image: Mapping, problem: str | None) -> str:
    updates = image["updates"]
    if updates is None and problem:
        return f"unknown: {escape(problem)}"
    if updates is None:
        return "unknown: no update report here. Run <code>./pants bbc-update</code>"
    if updates["applied"]:
        return "the last bbc-update report was applied"
    if not updates["packages"]:
        return "none waiting"
    listed = ", ".join(
        escape(f"{p['name']} {p['old'] or '(new)'} -> {p['new'] or '(removed)'}")
        + (" (through its parent)" if p["through_parent"] else "")
        + (f" (CVEs unknown: {escape(p['cves_unknown'])})" if p.get("cves_unknown") else "")
        for p in updates["packages"]
    )
    cves = ", ".join(escape(c) for c in updates["cves"]) or "none named"
    return f"{len(updates['packages'])} package(s): {listed}. CVEs fixed: {cves}"


def _local(image: Mapping) -> str:
    local = image["local"]
    if local is None:
        return "unknown: it cannot be built (see its problem)"
    if local["built"] is None:
        return f"unknown: {escape(local['failure'] or 'the Docker engine was not asked')}"
    if not local["built"]:
        return (
            f"not built here (<code>{escape(local['content_ref'])}</code> is not in the engine). "
            f"Build it: {_run('package', image['address'])}"
        )
    missing = local.get("variants_not_built") or []
    return (
        f"<code>{escape(local['content_ref'])}</code>, {_size(local['size'])}, first built "
        f"{escape(local['created'] or 'at an unknown time')}"
        + (
            f"; not built here: the variant(s) {escape(', '.join(missing))} "
            f"({_run('package', image['address'])})"
            if missing
            else ""
        )
    )


def _image_section(
    image: Mapping, links: Mapping[str, str], shown: set[str], update_problem: str | None
) -> str:
    states = ", ".join(escape(s) for s in image["states"])
    pairs = [
        ("State", f'<span class="badge state-{_CLASS[image["state"]]}">{states}</span>'),
        ("Version", escape(image["version"])),
        ("Content tag", f"<code>{escape(image['content_tag'] or 'unknown')}</code>"),
        (
            "Parent",
            (
                (
                    f'<a href="#{anchor(image["parent"])}">{escape(image["parent"])}</a>'
                    if image["parent"] in shown
                    else escape(image["parent"])
                )
                + f" (accepts {escape(image['parent_versions'] or 'any version')})"
                if image["parent"]
                # A broken image's parent may be the very thing that could not be read.
                else "none found (see the problem above)"
                if image["problem"]
                else "none: a root"
            ),
        ),
        ("Releases", _registries(image)),
        ("Built here", _local(image)),
        ("Last tests", _tests(image)),
        ("SBOM", _sbom(image, links)),
        ("Updates waiting", _updates(image, update_problem)),
        (
            "Files",
            _link(links.get(image["dockerfile"]), image["dockerfile"])
            + (" · " + _link(links.get(image["notes"]), "release notes") if image["notes"] else ""),
        ),
    ]
    if image["variants"]:
        pairs.insert(2, ("Variants", escape(", ".join(image["variants"]))))
    if image["fix"]:
        wants = escape(image.get("wants") or "a new version")
        pairs.insert(1, ("Needs a new version", f"{wants}: <code>{escape(image['fix'])}</code>"))
    if image["problem"]:
        pairs.insert(1, ("Problem", f"<pre>{escape(image['problem'])}</pre>"))
    heading = f"{image['name']} {image['version']}"
    return (
        f'<section id="{anchor(image["address"])}" class="image" '
        f'data-address="{escape(image["address"])}" data-state="{escape(image["state"])}">'
        f'<h3 id="{anchor(image["address"])}-heading">{escape(heading)} '
        f"<small><code>{escape(image['address'])}</code></small></h3>"
        f'<table aria-labelledby="{anchor(image["address"])}-heading"><tbody>{_rows(pairs)}</tbody>'
        "</table>"
        "</section>"
    )


def _downstream(report: Mapping) -> str:
    downstream = report["downstream"]
    if downstream is None:
        return (
            "<p>Unknown: no downstream repositories are configured "
            "(<code>[bbc-downstream].repositories</code> in pants.toml).</p>"
        )
    out = []
    for repo in downstream:
        out.append(f"<h3>{escape(repo['repository'])}</h3>")
        if repo.get("failure"):
            out.append(f"<p>Could not be read: {escape(repo['failure'])}</p>")
            continue
        if not repo["references"]:
            out.append("<p>No reference to a family image.</p>")
            continue
        head = "".join(
            f'<th scope="col">{h}</th>'
            for h in ("Where", "Pinned", "On release", "Newest allowed", "Releases behind", "Note")
        )
        body = "".join(
            f"<tr><td><code>{escape(r['where'])}</code></td><td><code>{escape(r['pinned'])}</code>"
            f"</td><td>{escape(r['on'] or 'unknown')}</td>"
            f"<td>{escape(r['newest_allowed'] or 'unknown')}</td>"
            f"<td>{'unknown' if r['behind'] is None else r['behind']}</td>"
            f"<td>{escape(r['note'] or '')}</td></tr>"
            for r in repo["references"]
        )
        out.append(
            f"<table class=\"wide\"><caption>{escape(repo['repository'])} (policy "
            f"{escape(repo['policy'])})</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )
    return "".join(out)


def _sources(report: Mapping) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Data", "Read from", "When"))
    body = "".join(
        f"<tr><td>{escape(s['what'])}</td><td>{escape(s['where'])}</td>"
        f"<td>{escape(s['when']) if s['when'] else 'unknown: ' + escape(s.get('missing') or '')}"
        + (f". {escape(s['note'])}" if s.get("note") else "")
        + "</td></tr>"
        for s in report["sources"]
    )
    return (
        '<table class="wide" aria-labelledby="sources-heading">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _legend() -> str:
    items = "".join(
        f'<li><span class="badge state-{_CLASS[s]}">{escape(s)}</span></li>' for s in STATES
    )
    return f'<ul class="legend" aria-label="States, most pressing first">{items}</ul>'


def _css() -> str:
    states = "".join(
        f".state-{_CLASS[s]}{{background:{fill};border:2px {'dashed' if dash else 'solid'} {stroke}}}"
        for s, (fill, stroke, dash) in _STYLE.items()
    )
    return (
        "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;"
        "color:#202124}"
        "a:focus,a:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}"
        ".skip{position:absolute;left:-999px}.skip:focus{left:1em;top:1em;background:#fff}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}"
        "th,td{border:1px solid #dadce0;padding:.3em .5em;text-align:left;vertical-align:top}"
        "th[scope=row]{width:11em;background:#f8f9fa}caption{text-align:left;font-weight:600}"
        "code{font-size:.9em;word-break:break-all}pre{white-space:pre-wrap;margin:0}"
        ".badge{display:inline-block;padding:0 .4em;border-radius:4px}"
        ".legend{display:flex;flex-wrap:wrap;gap:.5em;list-style:none;padding:0}"
        ".graph{overflow-x:auto}.edge{stroke:#5f6368;stroke-width:1.5}"
        ".label{font-weight:600;font-size:14px}.state{font-size:12px}"
        "svg a:focus rect{stroke:#1a73e8;stroke-width:4}"
        f"{states}"
        "@media print{.skip,nav{display:none}section.image{break-inside:avoid}"
        "a{color:inherit;text-decoration:none}.graph svg{max-width:100%;height:auto}}"
    )


def render(report: Mapping, links: Mapping[str, str]) -> str:
    """The page. `links`: a file's path (as the report names it) -> its href from the page."""
    images = report["images"]
    shown = {i["address"] for i in images}
    counts = {s: sum(i["state"] == s for i in images) for s in STATES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    nav = "".join(
        f'<li><a href="#{anchor(i["address"])}">{escape(i["name"])} {escape(i["version"])}</a> '
        f"({escape(i['state'])})</li>"
        for i in images
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>BBC family report</title><style>{_css()}</style></head><body>"
        '<a class="skip" href="#images">Skip to the images</a>'
        "<header><h1>BBC family report</h1>"
        f"<p>Written {escape(report['generated'])} by <code>./pants bbc-report</code>: "
        f"{len(images)} image{'' if len(images) == 1 else 's'}: {escape(summary) or 'none'}."
        "</p></header>"
        '<main><section aria-labelledby="hierarchy-heading">'
        '<h2 id="hierarchy-heading">Hierarchy</h2>'
        f'{_legend()}<div class="graph">{_svg(images)}</div></section>'
        f'<nav aria-label="Images"><h2>Images</h2><ul>{nav}</ul></nav>'
        '<section id="images" aria-labelledby="images-heading">'
        '<h2 id="images-heading">Each image</h2>'
        + "".join(
            _image_section(i, links, shown, report.get("update_report_problem")) for i in images
        )
        + "</section>"
        '<section aria-labelledby="downstream-heading"><h2 id="downstream-heading">'
        f"Downstream repositories</h2>{_downstream(report)}</section>"
        '<section aria-labelledby="sources-heading"><h2 id="sources-heading">Where this was '
        f"read, and when</h2>{_sources(report)}</section>"
        "</main></body></html>\n"
    )
