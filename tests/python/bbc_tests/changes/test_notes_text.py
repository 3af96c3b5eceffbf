from bbc.changes.notes_text import release_notes
from bbc.publish.history import ReleaseRow

REPO = "reg/bbc/flask"
OLD = ReleaseRow(
    "1.0.0", "sha256:a", "1.0.0-aaaaaaaaaaaa", "reg/bbc/python:1.0.0@sha256:p", (), "r1"
)
NEW = ReleaseRow(
    "1.0.1", "sha256:b", "1.0.1-bbbbbbbbbbbb", "reg/bbc/python:1.0.1@sha256:q", ("1.0",), "r2"
)


def test_notes_say_what_the_release_is_and_the_commits_since_the_one_before() -> None:
    assert release_notes(REPO, NEW, OLD, ["abc1234 Add curl", "def5678 Pin flask"]) == (
        "## reg/bbc/flask:1.0.1\n"
        "\n"
        "- Pinned: `reg/bbc/flask:1.0.1@sha256:b`\n"
        "- Content tag: `1.0.1-bbbbbbbbbbbb`\n"
        "- Built on: `reg/bbc/python:1.0.1@sha256:q` (the release before was built on "
        "`reg/bbc/python:1.0.0@sha256:p`)\n"
        "- Previous release: 1.0.0\n"
        "- Source revision: r2\n"
        "\n"
        "Changes to the image's files since 1.0.0:\n"
        "- abc1234 Add curl\n"
        "- def5678 Pin flask\n"
    )


def test_a_first_release_a_parent_only_change_and_a_missing_history() -> None:
    first = release_notes(REPO, OLD, None, None)
    assert "- Previous release: none, the first\n" in first and first.endswith("First release.\n")
    rebuilt = release_notes(REPO, NEW, OLD, [])
    assert rebuilt.endswith(
        "No change to the image's own files since 1.0.0: rebuilt on its parent's new release.\n"
    )
    unknown = release_notes(REPO, NEW, OLD, None)
    assert "the revisions r1..r2 are not in this repository's history" in unknown
    unlabelled = ReleaseRow("1.0.2", "sha256:c", None, None, (), None)
    assert "not known (1.0.2 has no org.opencontainers.image.revision label" in release_notes(
        REPO, unlabelled, NEW, None
    )
    root = release_notes(REPO, ReleaseRow("1.0.0", "sha256:a", None, None, ()), None, None)
    assert "- Built on: nothing (a root image)\n" in root


def test_the_notes_pin_each_variant_released_with_it() -> None:
    row = ReleaseRow("1.0.1", "sha256:b", None, None, (), "r2", (("cuda12", "sha256:c"),))
    notes = release_notes(REPO, row, None, None)
    assert (
        "- Pinned: `reg/bbc/flask:1.0.1@sha256:b`\n"
        "- Variant cuda12: `reg/bbc/flask:1.0.1-cuda12@sha256:c`\n"
    ) in notes


def test_the_notes_end_with_the_package_changes_given_except_for_a_first_release() -> None:
    lines = ["Package changes since 1.0.0 (...):", "", "- changed deb `a` 1 -> 2"]
    assert release_notes(REPO, NEW, OLD, [], lines).endswith(
        "rebuilt on its parent's new release.\n"
        "\n"
        "Package changes since 1.0.0 (...):\n"
        "\n"
        "- changed deb `a` 1 -> 2\n"
    )
    assert release_notes(REPO, OLD, None, None, lines).endswith("First release.\n")
