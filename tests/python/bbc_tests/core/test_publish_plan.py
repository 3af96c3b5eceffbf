from bbc.core.publish_plan import may_move, plan_push, released_versions
from bbc.core.registry_data import RemoteTag
from bbc.core.versions import parse_version

EXACT, CONTENT = "r/bbc/web:1.2.3", "r/bbc/web:1.2.3-abc"
MOVING = ("r/bbc/web:1.2", "r/bbc/web:1", "r/bbc/web:latest")
OTHER_CONTENT = "r/bbc/web:1.2.3-def"
IMAGE = "sha256:1111"


def plan(remote):
    return plan_push(EXACT, CONTENT, MOVING, IMAGE, remote)


def test_a_new_version_pushes_exact_first_then_content_then_moving():
    result = plan({})
    assert result.push == (EXACT, CONTENT, *MOVING)
    assert result.refusal is None and result.adopt is None


def test_the_same_image_again_pushes_nothing():
    held = RemoteTag("sha256:m1", IMAGE)
    remote = {EXACT: held, CONTENT: held, **{ref: held for ref in MOVING}}
    result = plan(remote)
    assert result.push == () and result.refusal is None and result.adopt is None


def test_moving_tags_left_behind_by_an_interrupted_push_are_finished():
    held = RemoteTag("sha256:m1", IMAGE)
    older = RemoteTag("sha256:m0", "sha256:0000")
    remote = {EXACT: held, CONTENT: held, MOVING[0]: older}
    assert plan(remote).push == MOVING


def test_the_same_sources_built_elsewhere_are_adopted_not_refused():
    held = RemoteTag("sha256:m1", "sha256:built-on-ci")
    remote = {EXACT: held, CONTENT: held, **{ref: held for ref in MOVING}}
    result = plan(remote)
    assert result.refusal is None
    assert result.adopt == EXACT
    assert result.push == ()


def test_different_content_under_a_released_version_is_refused():
    held = RemoteTag("sha256:m1", "sha256:someone-else")
    result = plan({EXACT: held, OTHER_CONTENT: held})
    assert result.push == ()
    assert result.refusal is not None
    assert EXACT in result.refusal and "bump the version" in result.refusal
    assert "bbc-bump --level=patch <target>" in result.refusal
    assert "sha256:someone-else" in result.refusal and IMAGE in result.refusal


def test_a_content_tag_on_another_manifest_does_not_count_as_the_same_release():
    remote = {
        EXACT: RemoteTag("sha256:m1", "sha256:a"),
        CONTENT: RemoteTag("sha256:m2", "sha256:b"),
    }
    assert plan(remote).refusal is not None


def test_moving_tags_never_go_back_to_an_older_release():
    # The registry already holds 1.3.0 (and 1.2.4): publishing 1.2.3 moves none of its tags.
    result = plan_push(EXACT, CONTENT, MOVING, IMAGE, {}, ["1.3.0", "1.2.4", "latest"])
    assert result.push == (EXACT, CONTENT)
    assert result.held_back == MOVING


def test_a_backport_moves_only_the_tags_of_its_own_line():
    result = plan_push(EXACT, CONTENT, MOVING, IMAGE, {}, ["1.2.2", "1.3.0", "2.0.0"])
    assert result.push == (EXACT, CONTENT, "r/bbc/web:1.2")
    assert result.held_back == ("r/bbc/web:1", "r/bbc/web:latest")


def test_content_tags_and_prereleases_do_not_count_as_releases():
    tags = ["1.2.2", "1.2.9-0123456789ab", "1.9.0-rc.1", "latest", "1", "not-a-version"]
    assert released_versions(tags) == (parse_version("1.2.2"),)
    assert plan_push(EXACT, CONTENT, MOVING, IMAGE, {}, tags).held_back == ()


def test_extra_registry_tags_always_move():
    assert may_move("stable", "1.0.0", [parse_version("2.0.0")])
