from bbc.build.builder import Client, choose, parse_version

NEW = Client("/usr/local/bin/docker", "28.2.2", buildx=False)
OLD = Client("/usr/bin/docker", "20.10.24+dfsg1", buildx=False)
WITH_BUILDX = Client("/opt/docker", "28.2.2", buildx=True)


def test_the_client_version_is_read_from_its_banner():
    assert parse_version("Docker version 20.10.24+dfsg1, build 297e128\n") == "20.10.24+dfsg1"
    assert parse_version("nonsense") == "unknown"


def test_buildkit_through_the_first_client_that_can_drive_it():
    choice = choose([NEW, OLD], "auto")
    assert not isinstance(choice, str)
    assert choice.client == OLD and choice.buildkit and choice.note is None
    choice = choose([WITH_BUILDX, OLD], "auto")
    assert not isinstance(choice, str) and choice.client == WITH_BUILDX


def test_the_classic_builder_is_the_fallback_said_once_or_chosen_by_configuration():
    fallback = choose([NEW], "auto")
    assert not isinstance(fallback, str) and not fallback.buildkit
    assert fallback.note is not None and "classic builder" in fallback.note
    assert "/usr/local/bin/docker (28.2.2, no buildx)" in fallback.note
    chosen = choose([NEW, OLD], "classic")
    assert not isinstance(chosen, str) and chosen.client == NEW and not chosen.buildkit


def test_buildkit_required_but_impossible_or_no_client_at_all_is_an_error():
    required = choose([NEW], "buildkit")
    assert isinstance(required, str) and "no docker client can drive BuildKit" in required
    assert isinstance(choose([], "auto"), str)
    assert "must be auto, buildkit or classic" in str(choose([OLD], "fast"))
