import json
from datetime import datetime, timezone

from bbc.sbom.saved_images import SavedImage, created, merged, saved_images

STATUS = "var/lib/dpkg/status"
SITE = "usr/lib/python3/dist-packages"


def test_images_are_found_by_the_digest_of_their_config_in_both_layouts() -> None:
    manifest = [
        {"Config": "1a2b.json", "RepoTags": None, "Layers": ["aa/layer.tar", "bb/layer.tar"]},
        {"Config": "blobs/sha256/3c4d", "RepoTags": ["x:1"], "Layers": ["blobs/sha256/cc"]},
    ]
    assert saved_images(json.dumps(manifest)) == {
        "sha256:1a2b": SavedImage("sha256:1a2b", "1a2b.json", ("aa/layer.tar", "bb/layer.tar")),
        "sha256:3c4d": SavedImage("sha256:3c4d", "blobs/sha256/3c4d", ("blobs/sha256/cc",)),
    }


def test_an_upper_layer_replaces_a_file_and_adds_others() -> None:
    assert merged(
        [
            {STATUS: b"one", "usr/lib/os-release": b"ID=debian"},
            {STATUS: b"two", f"{SITE}/a-1.dist-info/METADATA": b"a"},
        ]
    ) == {
        STATUS: b"two",
        "usr/lib/os-release": b"ID=debian",
        f"{SITE}/a-1.dist-info/METADATA": b"a",
    }


def test_a_whiteout_removes_a_folder_of_a_lower_layer_and_everything_in_it() -> None:
    upgraded = [
        {f"{SITE}/a-1.dist-info/METADATA": b"a 1", f"{SITE}/ab-1.dist-info/METADATA": b"ab 1"},
        {f"{SITE}/.wh.a-1.dist-info": b"", f"{SITE}/a-2.dist-info/METADATA": b"a 2"},
    ]
    assert merged(upgraded) == {
        f"{SITE}/ab-1.dist-info/METADATA": b"ab 1",
        f"{SITE}/a-2.dist-info/METADATA": b"a 2",
    }


def test_an_opaque_folder_hides_what_lower_layers_held_in_it_but_not_its_own_files() -> None:
    layers = [
        {f"{SITE}/a-1.dist-info/METADATA": b"a 1", STATUS: b"status"},
        {f"{SITE}/.wh..wh..opq": b"", f"{SITE}/b-1.dist-info/METADATA": b"b 1"},
    ]
    assert merged(layers) == {STATUS: b"status", f"{SITE}/b-1.dist-info/METADATA": b"b 1"}


def test_a_whiteout_at_the_root_and_of_a_file_that_was_never_there() -> None:
    assert merged([{"etc/x": b"x", "y": b"y"}, {".wh.y": b"", "etc/.wh.z": b""}]) == {"etc/x": b"x"}


def test_the_creation_time_is_read_to_the_second_in_utc() -> None:
    config = json.dumps({"created": "2026-12-02T08:21:55.123456789Z", "config": {}})
    assert created(config) == datetime(2026, 12, 2, 8, 21, 55, tzinfo=timezone.utc)
    assert created("{}") is None


def test_many_whiteouts_over_many_files() -> None:
    site = "usr/lib/python3/dist-packages"
    lower = {f"{site}/p{i}.dist-info/METADATA": b"x" for i in range(3000)}
    upper = {f"{site}/.wh.p{i}.dist-info": b"" for i in range(0, 3000, 2)}
    upper.update({f"etc/.wh.gone{i}": b"" for i in range(20000)})
    found = merged([lower, upper])
    assert sorted(found) == sorted(f"{site}/p{i}.dist-info/METADATA" for i in range(1, 3000, 2))
