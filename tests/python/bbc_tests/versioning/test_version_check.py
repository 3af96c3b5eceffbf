from bbc.graph.hierarchy import Hierarchy, Image
from bbc.model.content import Inputs
from bbc.versioning.version_check import content_changes, fix_command, own_changes

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


def test_the_fix_also_bumps_a_child_whose_exact_range_would_be_left_behind():
    def image(address, parent=None, accepts=None, version="1.0.0"):
        return Image(address, version, f"bbc/{address}", parent, accepts)

    hierarchy = Hierarchy([image("r"), image("c", "r", "1.0.0", "1.0.1"), image("g", "c", "^1.0")])
    # r changed; c was bumped by hand but accepts exactly r 1.0.0; g is a descendant of r.
    assert fix_command(["r", "g"], hierarchy) == "./pants bbc-bump --level=patch --descendants r"


def test_a_stage_image_change_reaches_the_images_built_on_it():
    changed = content_changes(family(), {"ml": ["its files changed: x"]}, {"web": ("ml",)})
    assert changed["web"] == ["its stage image ml changed"]
    assert set(changed) == {"ml", "job", "web"}
