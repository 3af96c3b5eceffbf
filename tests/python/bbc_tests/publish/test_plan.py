from bbc.model.versions import parse_version
from bbc.publish.plan import (
    Release,
    lost_race,
    may_move,
    moving_plan,
    refusal,
    released_versions,
)

EXACT = "r/bbc/web:1.2.3"
MOVING = ("r/bbc/web:1.2", "r/bbc/web:1", "r/bbc/web:latest")
OURS = "a" * 64


def test_a_release_is_the_same_when_its_content_label_is():
    assert Release("sha256:m", "sha256:built-elsewhere", OURS).same_content(OURS)
    assert not Release("sha256:m", "sha256:i", "b" * 64).same_content(OURS)
    assert not Release("sha256:m", "sha256:i", None).same_content(OURS)


def test_a_refusal_names_both_contents_and_the_bump():
    held = Release("sha256:m1", "sha256:i", "b" * 64)
    message = refusal(EXACT, held, OURS, "apps/web:web")
    assert message.startswith(f"{EXACT} is already released with different content")
    assert "content bbbbbbbbbbbb, manifest sha256:m1" in message
    assert "this build: content aaaaaaaaaaaa" in message
    assert "./pants bbc-bump --level=patch apps/web:web" in message
    assert "not built by the BBC plugin" in refusal(
        EXACT, Release("sha256:m", None, None), OURS, "x"
    )


def test_a_lost_race_says_another_publisher_was_first():
    message = lost_race(EXACT, Release("sha256:m2", "sha256:i", "c" * 64), OURS, "apps/web:web")
    assert message.startswith(f"another publisher released {EXACT} first, with different content")
    assert "This build was not released as" in message


def test_moving_tags_never_go_back_to_an_older_release():
    # The registry already holds 1.3.0 (and 1.2.4): publishing 1.2.3 moves none of its tags.
    assert moving_plan("1.2.3", MOVING, ["1.3.0", "1.2.4", "latest"]) == ((), MOVING)


def test_a_backport_moves_only_the_tags_of_its_own_line():
    assert moving_plan("1.2.3", MOVING, ["1.2.2", "1.3.0", "2.0.0"]) == (
        ("r/bbc/web:1.2",),
        ("r/bbc/web:1", "r/bbc/web:latest"),
    )


def test_content_tags_and_prereleases_do_not_count_as_releases():
    tags = ["1.2.2", "1.2.9-0123456789ab", "1.9.0-rc.1", "latest", "1", "not-a-version"]
    assert released_versions(tags) == (parse_version("1.2.2"),)
    assert moving_plan("1.2.3", MOVING, tags) == (MOVING, ())


def test_extra_registry_tags_always_move():
    assert may_move("stable", "1.0.0", [parse_version("2.0.0")])


def test_a_variants_moving_tags_never_go_back_either():
    cuda = ("r/bbc/ml:1.2-cuda12", "r/bbc/ml:1-cuda12", "r/bbc/ml:latest-cuda12")
    # 1.3.0 is released (with its variant): a backport 1.2.3 moves only 1.2-cuda12.
    tags = ["1.2.2", "1.2.2-cuda12", "1.3.0", "1.3.0-cuda12", "latest-cuda12", "1-cuda12"]
    assert moving_plan("1.2.3", cuda, tags, "cuda12") == (cuda[:1], cuda[1:])
    # The variant tags are no releases of their own: the newest release moves all of them.
    assert moving_plan("1.4.0", cuda, tags, "cuda12") == (cuda, ())
    assert not may_move("latest-cuda12", "1.2.3", [parse_version("1.3.0")], "cuda12")
