from bbc.publish.history import (
    ReleaseRow,
    content_tags,
    final_releases,
    moving_tags,
    previous_release,
    release_rows,
    own_tags,
    released_versions,
    render_releases,
    variant_moving_tags,
    variant_of,
)

TAGS = [
    "latest",
    "1",
    "1.0",
    "1.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "2.0.0-rc.1",
    "1.0.0-0123456789ab",
    "1.0.1-aaaaaaaaaaaa",
    "1.1.0-bbbbbbbbbbbb",
    "1.1.0-test",
    "cuda12",
]


def test_versions_are_the_semver_tags_in_semver_order_without_the_plugins_own() -> None:
    assert released_versions(TAGS) == ["1.0.0", "1.0.1", "1.1.0", "2.0.0-rc.1"]
    assert released_versions(["1.10.0", "1.9.0", "1.10.0-rc.1"]) == [
        "1.9.0",
        "1.10.0-rc.1",
        "1.10.0",
    ]


def test_content_and_moving_tags() -> None:
    assert content_tags(TAGS) == {
        "1.0.0": "1.0.0-0123456789ab",
        "1.0.1": "1.0.1-aaaaaaaaaaaa",
        "1.1.0": "1.1.0-bbbbbbbbbbbb",
    }
    assert moving_tags(TAGS) == ["latest", "1", "1.0", "1.1", "cuda12"]


def test_previous_release() -> None:
    assert previous_release(TAGS, "1.1.0") == "1.0.1"
    assert previous_release(TAGS, "1.2.0") == "1.1.0"
    assert previous_release(TAGS, "2.0.0") == "2.0.0-rc.1"
    assert previous_release(TAGS, "1.0.0") is None
    assert previous_release([], "1.0.0") is None


def test_final_releases_keep_their_order_without_prereleases() -> None:
    rows = [ReleaseRow(v, f"sha256:{v}", None, None, ()) for v in ("2.0.0-rc.1", "1.1.0", "1.0.0")]
    assert [r.version for r in final_releases(rows)] == ["1.1.0", "1.0.0"]
    assert final_releases(rows[:1]) == []


def test_rows_newest_first_with_moving_tags_and_parents() -> None:
    digests = {
        "1.0.0": "sha256:a",
        "1.0.1": "sha256:b",
        "1.1.0": "sha256:c",
        "2.0.0-rc.1": None,
        "latest": "sha256:c",
        "1": "sha256:c",
        "1.0": "sha256:b",
        "1.1": "sha256:c",
        "cuda12": "sha256:x",
    }
    labels = {
        "1.1.0": {
            "org.opencontainers.image.base.name": "reg/bbc/root:1.0.2",
            "org.opencontainers.image.base.digest": "sha256:p",
        },
        "1.0.1": {"org.opencontainers.image.base.name": "reg/bbc/root:1.0.1"},
    }
    rows = release_rows(TAGS, digests, labels)
    assert rows == [
        ReleaseRow(
            "1.1.0",
            "sha256:c",
            "1.1.0-bbbbbbbbbbbb",
            "reg/bbc/root:1.0.2@sha256:p",
            ("latest", "1", "1.1"),
        ),
        ReleaseRow("1.0.1", "sha256:b", "1.0.1-aaaaaaaaaaaa", "reg/bbc/root:1.0.1", ("1.0",)),
        ReleaseRow("1.0.0", "sha256:a", "1.0.0-0123456789ab", None, ()),
    ]
    text = render_releases("reg/bbc/flask", rows)
    assert text.splitlines()[:4] == [
        "reg/bbc/flask:",
        "  1.1.0 [latest, 1, 1.1]  sha256:c",
        "    content tag: 1.1.0-bbbbbbbbbbbb",
        "    built on: reg/bbc/root:1.0.2@sha256:p",
    ]
    assert "    built on: nothing (a root)" in text
    assert render_releases("reg/bbc/new", []) == "reg/bbc/new: no releases"


def test_an_image_variants_tags_are_no_releases_and_are_listed_under_the_release() -> None:
    tags = [
        "1.0.0",
        "1.0.0-cuda12",
        "1.0.0-cuda12-0123456789ab",
        "1.0-cuda12",
        "latest-cuda12",
        "1.1.0",
        "1.1.0-0123456789ab",
        "latest",
    ]
    assert own_tags(tags, ("cuda12",)) == ["1.0.0", "1.1.0", "1.1.0-0123456789ab", "latest"]
    assert variant_of("1.0.0-cuda12-0123456789ab", ("cuda12",)) == "cuda12"
    assert variant_of("1.0.0-0123456789ab", ("cuda12",)) is None
    digests = {
        "1.0.0": "sha256:a",
        "1.0.0-cuda12": "sha256:c",
        "1.1.0": "sha256:b",
        "latest": "sha256:b",
    }
    rows = release_rows(tags, digests, {}, ("cuda12",))
    assert [(r.version, r.moving, r.variants) for r in rows] == [
        ("1.1.0", ("latest",), ()),
        ("1.0.0", (), (("cuda12", "sha256:c"),)),
    ]
    assert "    variant cuda12: 1.0.0-cuda12  sha256:c" in render_releases("r/bbc/ml", rows)


def test_sbom_tags_are_no_moving_tags_and_a_row_says_its_sbom_is_recorded() -> None:
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    tags = ["1.0.0", "1.0.1", "latest", f"sha256-{'a' * 64}.sbom"]
    assert moving_tags(tags) == ["latest"]
    rows = release_rows(tags, {"1.0.0": a, "1.0.1": b, "latest": b}, {})
    assert [(r.version, r.sbom) for r in rows] == [("1.0.1", False), ("1.0.0", True)]
    text = render_releases("reg/bbc/x", rows)
    assert f"    SBOM: sha256-{'a' * 64}.sbom" in text and "    SBOM: none recorded" in text


def test_a_variants_moving_tags_are_listed_with_the_release_whose_variant_they_are_on() -> None:
    tags = [
        "1.0.0",
        "1.0.0-cuda12",
        "1.0.1",
        "1.0.1-cuda12",
        "1.0.1-cuda12-0123456789ab",
        "1.0.1-cuda12-test",
        "2.0.0-rc.1-cuda12",
        "1.0",
        "1.0-cuda12",
        "1-cuda12",
        "latest-cuda12",
        "gone-cuda12",
    ]
    assert variant_moving_tags(tags, ("cuda12",)) == [
        "1.0-cuda12",
        "1-cuda12",
        "latest-cuda12",
        "gone-cuda12",
    ]
    digests = {
        "1.0.0": "sha256:a",
        "1.0.0-cuda12": "sha256:c",
        "1.0.1": "sha256:b",
        "1.0.1-cuda12": "sha256:d",
        "1.0": "sha256:b",
        "1.0-cuda12": "sha256:d",
        "1-cuda12": "sha256:d",
        "latest-cuda12": "sha256:c",  # not moved on since 1.0.0
        "gone-cuda12": "sha256:e",  # on no release's variant
    }
    rows = release_rows(tags, digests, {}, ("cuda12",))
    assert [(r.version, r.moving, r.variants, r.variant_moving) for r in rows] == [
        ("1.0.1", ("1.0",), (("cuda12", "sha256:d"),), ("1.0-cuda12", "1-cuda12")),
        ("1.0.0", (), (("cuda12", "sha256:c"),), ("latest-cuda12",)),
    ]
    text = render_releases("r/bbc/ml", rows)
    assert "    variant cuda12: 1.0.1-cuda12 [1.0-cuda12, 1-cuda12]  sha256:d" in text
    assert "    variant cuda12: 1.0.0-cuda12 [latest-cuda12]  sha256:c" in text


def test_with_the_variant_first_its_tags_are_read_and_shown_as_spelled() -> None:
    first = "{variant}-{tag}"
    tags = ["1.0.0", "cuda12-1.0.0", "cuda12-1.0.0-0123456789ab", "cuda12-1.0", "cuda12-latest"]
    assert own_tags(tags, ("cuda12",), first) == ["1.0.0"]
    assert variant_moving_tags(tags, ("cuda12",), first) == ["cuda12-1.0", "cuda12-latest"]
    digests = {"1.0.0": "sha256:a", "cuda12-1.0.0": "sha256:c", "cuda12-1.0": "sha256:c"}
    [row] = release_rows(tags, digests, {}, ("cuda12",), first)
    assert (row.variants, row.variant_moving) == ((("cuda12", "sha256:c"),), ("cuda12-1.0",))
    text = render_releases("r/bbc/ml", [row])
    assert "    variant cuda12: cuda12-1.0.0 [cuda12-1.0]  sha256:c" in text
