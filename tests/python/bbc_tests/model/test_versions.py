import re

import pytest

from bbc.model.versions import (
    VersionError,
    bump,
    caret_range,
    parse_range,
    parse_version,
    range_admitting,
    range_allows,
)


@pytest.mark.parametrize("bad", ["1.2", "v1.2.3", "1.2.3.4", "01.2.3", "latest", ""])
def test_malformed_versions_name_the_rule(bad):
    with pytest.raises(VersionError, match="MAJOR.MINOR.PATCH"):
        parse_version(bad)


def test_build_metadata_is_refused_because_docker_tags_cannot_hold_it():
    with pytest.raises(VersionError, match=r"cannot be part of a Docker tag: use 1.2.3"):
        parse_version("1.2.3+build.7")


@pytest.mark.parametrize(
    "level, expected", [("patch", "1.4.3"), ("minor", "1.5.0"), ("major", "2.0.0")]
)
def test_bump(level, expected):
    assert bump("1.4.2", level) == expected


def test_bump_finalizes_a_prerelease_patch():
    assert bump("2.0.0-rc.1", "patch") == "2.0.0"


def test_bump_refuses_unknown_levels():
    with pytest.raises(VersionError, match="major, minor, patch"):
        bump("1.0.0", "huge")


@pytest.mark.parametrize(
    "range_text, version, allowed",
    [
        ("^1.2", "1.9.0", True),
        ("^1.2", "2.0.0", False),
        ("^1.2", "1.1.9", False),
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("^0.3", "0.3.7", True),
        ("^0.3", "0.4.0", False),
        (">=1.0.0 <2", "1.5.0", True),
        ("1.x", "2.0.0", False),
        ("^1.2", "1.3.0-rc.1", False),  # a prerelease is only admitted by name
        ("^2.0.0-rc.1", "2.0.0-rc.2", True),
    ],
)
def test_npm_ranges(range_text, version, allowed):
    assert range_allows(range_text, version) is allowed


def test_malformed_range_names_the_syntax():
    with pytest.raises(VersionError, match="npm's syntax"):
        parse_range("about 1.2")


def test_caret_range_and_range_admitting():
    assert caret_range("2.1.5") == "^2.1"
    assert caret_range("3.0.0-rc.2") == "^3.0.0-rc.2"
    assert range_admitting("^1.0", "1.7.0") == "^1.0"
    assert range_admitting("^1.0", "2.0.0") == "^2.0"


@pytest.mark.parametrize(
    "bad, why",
    [
        ("", "the range is empty"),
        ("   ", "the range is empty"),
        ("^1.0 || ", "admits every version"),
        ("*", "admits every version"),
        ("x", "admits every version"),
        (">=0.0.0", "admits every version"),
        (">=2.0.0 <1.0.0", "admits no version (>=2.0.0 <1.0.0 cannot hold together)"),
        (">1.0.0 <=1.0.0", "admits no version"),
        ("^1.2 || >=3.0.0 <2.0.0", "admits no version"),
    ],
)
def test_a_range_must_be_non_empty_satisfiable_and_not_admit_everything(bad, why):
    with pytest.raises(VersionError, match=re.escape(why)):
        parse_range(bad)


@pytest.mark.parametrize(
    "good", ["^1.0", "~1.2.3", "1.x", "1.0.0", ">=1.0.0", ">=1.0.0 <=1.0.0", "^1 || ^2"]
)
def test_reasonable_ranges_are_accepted(good):
    assert parse_range(good) is not None
