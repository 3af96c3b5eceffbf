from __future__ import annotations

from html.parser import HTMLParser

from bbc.report.data import CHANGED, CURRENT, NOT_BUILT, STATES, UNKNOWN
from bbc.report.page import NODE_WIDTH, anchor, layout, render


def image(address: str, parent: str | None, state: str, **extra) -> dict:
    name = address.split(":")[-1]
    return {
        "address": address,
        "name": name,
        "repository": f"bbc/{name}",
        "version": "1.0.0",
        "parent": parent,
        "parent_versions": "^1.0" if parent else None,
        "variants": [],
        "dockerfile": f"{address.split(':')[0]}/Dockerfile",
        "build_file": f"{address.split(':')[0]}/BUILD",
        "problem": None,
        "state": state,
        "states": [state],
        "fix": None,
        "content_tag": "1.0.0-aaaaaaaaaaaa",
        "local": None,
        "registries": [],
        "tests": None,
        "sbom": None,
        "notes": None,
        "updates": None,
        **extra,
    }


REPORT = {
    "generated": "2026-12-07T20:00:00+00:00",
    "images": [
        image("img/root:root", None, CURRENT),
        image(
            "img/mid:mid",
            "img/root:root",
            CHANGED,
            states=[CHANGED, NOT_BUILT],
            fix="./pants bbc-bump --level=patch --descendants img/mid:mid",
            wants="1.0.1",
            updates={
                "packages": [
                    {
                        "name": "zlib1g",
                        "old": "1",
                        "new": "2",
                        "lockfile": "3rdparty/debian/root.lock",
                        "cves": ["CVE-2099-0001"],
                        "through_parent": True,
                    }
                ],
                "cves": ["CVE-2099-0001"],
                "applied": False,
            },
            notes="dist/bbc/releases/bbc/mid/1.0.0.md",
        ),
        image("img/leaf:leaf", "img/mid:mid", UNKNOWN),
        image("img/side:side", "img/root:root", CURRENT),
    ],
    "downstream": [
        {
            "repository": "../app",
            "policy": "minor",
            "references": [
                {
                    "where": "Dockerfile:1",
                    "image": "r/bbc/root",
                    "pinned": "r/bbc/root:0.9.0",
                    "on": "0.9.0",
                    "newest_allowed": "0.9.0",
                    "behind": 0,
                    "note": "0.9.0 is the newest release the policy (minor) allows",
                }
            ],
        }
    ],
    "sources": [
        {"what": "Local images", "where": "the Docker engine", "when": "2026-12-07T20:00:00+00:00"},
        {
            "what": "SBOMs",
            "where": "dist/bbc/sbom",
            "when": None,
            "missing": "run ./pants package ::",
        },
        {
            "what": "Updates waiting",
            "where": "dist/bbc/update/report.json",
            "when": "2026-12-07T19:00:00+00:00",
            "note": "it could not read everything: root.lock: mirror down",
        },
    ],
}


class Page(HTMLParser):
    """Elements by tag, ids, in-page links and every external reference of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: dict[str, list[dict]] = {}
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.setdefault(tag, []).append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def words(self) -> str:
        """Its text, whitespace between elements as one space."""
        return " ".join("".join(self.text).split())


def test_the_page_is_self_contained_with_headings_tables_and_links_to_its_own_sections() -> None:
    html = render(REPORT, {"img/mid/Dockerfile": "../../../img/mid/Dockerfile"})
    page = Page(html)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not [a for attrs in page.tags.values() for a in attrs if "src" in a]
    assert [len(page.tags.get(h, [])) for h in ("h1", "h2")] == [1, 5]
    assert len(page.tags["h3"]) == 4 + 1  # an image each, and the downstream repository
    ids = {a["id"] for attrs in page.tags.values() for a in attrs if "id" in a}
    in_page = [a["href"] for a in page.tags["a"] if a.get("href", "").startswith("#")]
    assert in_page and all(href[1:] in ids for href in in_page)
    assert {anchor(i["address"]) for i in REPORT["images"]} <= ids
    assert {"href": "../../../img/mid/Dockerfile"} in page.tags["a"]


def test_each_node_and_section_carries_its_state_in_text() -> None:
    page = Page(render(REPORT, {}))
    nodes = {a["data-address"]: a for a in page.tags["a"] if "data-state" in a}
    assert {address: a["data-state"] for address, a in nodes.items()} == {
        i["address"]: i["state"] for i in REPORT["images"]
    }
    assert nodes["img/mid:mid"]["aria-label"] == (
        "mid 1.0.0: changed since its release, not built here"
    )
    text = page.words
    assert "CVE-2099-0001" in text and "zlib1g 1 -> 2 (through its parent)" in text
    assert "1.0.1: ./pants bbc-bump --level=patch --descendants img/mid:mid" in text
    assert "unknown: run ./pants package ::" in text
    assert "2026-12-07T19:00:00+00:00. it could not read everything: root.lock: mirror down" in text
    assert "0.9.0 is the newest release the policy (minor) allows" in text
    for state in STATES:  # the legend names every state
        assert state in text


def test_a_root_is_said_to_be_one_and_a_broken_image_without_parent_is_not() -> None:
    orphan = image(
        "img/orphan:orphan",
        None,
        "broken",
        problem="img/orphan:orphan: ARG SOURCE_IMAGE=img/gone:gone names no target",
    )
    text = Page(render({**REPORT, "images": [*REPORT["images"], orphan]}, {})).words
    assert "Parentnone: a root" in text  # img/root:root (table cells have no space between)
    assert "Parentnone found (see the problem above)" in text
    assert text.count("none: a root") == 1


def test_a_report_with_nothing_known_still_renders_what_to_run() -> None:
    bare = {**REPORT, "downstream": None, "images": [image("img/root:root", None, UNKNOWN)]}
    text = Page(render(bare, {})).words
    assert "no registry is configured" in text
    assert "Run ./pants test img/root:root" in text
    assert "no downstream repositories are configured" in text


def test_layout_centres_parents_over_children_and_never_overlaps() -> None:
    positions = layout(REPORT["images"])
    root, mid, leaf, side = (positions[i["address"]] for i in REPORT["images"])
    assert root[1] < mid[1] < leaf[1] and mid[1] == side[1]
    assert root[0] == (leaf[0] + side[0]) / 2  # mid is over leaf, root over mid and side
    assert mid[0] == leaf[0]
    xs = sorted(x for x, y in positions.values() if y == mid[1])
    assert all(b - a >= NODE_WIDTH for a, b in zip(xs, xs[1:]))


def test_ids_are_one_per_address_and_a_cycle_of_parents_is_still_drawn() -> None:
    assert anchor("fam/py-3:slim") != anchor("fam/py:3-slim")
    cycle = [image("img/a:a", "img/b:b", UNKNOWN), image("img/b:b", "img/a:a", UNKNOWN)]
    positions = layout([*REPORT["images"], *cycle])
    assert set(positions) == {i["address"] for i in [*REPORT["images"], *cycle]}
    page = Page(render({**REPORT, "images": cycle}, {}))
    assert {a["data-address"] for a in page.tags["a"] if "data-state" in a} == {
        "img/a:a",
        "img/b:b",
    }
