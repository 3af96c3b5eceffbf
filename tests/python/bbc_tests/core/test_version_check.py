from bbc.core.content import Inputs
from bbc.core.hierarchy import Hierarchy, Image
from bbc.core.version_check import (
    configured_build_args,
    content_changes,
    default_repository,
    fix_command,
    own_changes,
)

TOML = """
[docker]
default_repository = "bbc/{name}"
build_args = ["PIP_INDEX_URL=https://pypi.org/simple", "TOKEN"]
"""


def test_pants_toml_build_args_and_repository_are_read():
    assert configured_build_args(TOML) == {
        "PIP_INDEX_URL": "https://pypi.org/simple",
        "TOKEN": None,
    }
    assert default_repository(TOML) == "bbc/{name}"
    assert configured_build_args('[docker]\nbuild_args.add = ["A=1"]\n') == {"A": "1"}
    assert configured_build_args("") == {} and default_repository("") is None


INPUTS = Inputs(
    repository="bbc/flask",
    definitions=(("images/flask:flask", "new"), ("images/flask:bbc_web", "same")),
    files=(("images/flask/Dockerfile", "1"),),
    locks=(("3rdparty/python/images.lock", (("gunicorn", "23.0.0", ()),)),),
    build_args=("A=2",),
    host_files=(),
)


def test_nothing_changed_means_no_reasons():
    old_definitions = {"images/flask:flask": "new", "images/flask:bbc_web": "same"}
    old_locks = {"3rdparty/python/images.lock": (("gunicorn", "23.0.0", ()),)}
    assert own_changes(INPUTS, [], old_definitions, old_locks, ("A=2",), False) == []


def test_every_kind_of_change_is_named():
    reasons = own_changes(
        INPUTS,
        ["images/flask/Dockerfile"],
        {"images/flask:flask": "old", "images/flask:bbc_web": "same"},
        {"3rdparty/python/images.lock": (("gunicorn", "22.0.0", ()),)},
        ("A=1",),
        True,
    )
    assert reasons == [
        "its files changed: images/flask/Dockerfile",
        "the BUILD definitions of images/flask:flask changed",
        "its locked packages changed in 3rdparty/python/images.lock: gunicorn 22.0.0 -> 23.0.0",
        "its build arguments changed: A=1 -> A=2",
        "[docker].default_repository changed",
    ]


def family():
    def image(address, parent=None):
        return Image(address, "1.0.0", f"bbc/{address}", parent, "^1.0" if parent else None)

    return Hierarchy(
        [
            image("root"),
            image("python", "root"),
            image("flask", "python"),
            image("ml", "python"),
            image("web", "flask"),
            image("job", "ml"),
        ]
    )


def test_a_change_reaches_every_descendant_and_nothing_else():
    changed = content_changes(family(), {"flask": ["its files changed: x"], "ml": []})
    assert changed == {
        "flask": ["its files changed: x"],
        "web": ["its parent flask changed"],
    }


def test_the_fix_is_one_bump_with_descendants_when_whole_subtrees_need_it():
    assert fix_command(["flask", "web"], family()) == (
        "./pants bbc-bump --level=patch --descendants flask"
    )
    assert fix_command(["root", "python", "flask", "ml", "web", "job"], family()) == (
        "./pants bbc-bump --level=patch --descendants root"
    )


def test_the_fix_lists_images_when_some_descendants_are_already_bumped():
    assert fix_command(["python", "flask", "web", "job"], family()) == (
        "./pants bbc-bump --level=patch python flask web job"
    )
