from bbc.hierarchy import Hierarchy, Image


def image(address, version="1.0.0", parent=None, parent_versions=None):
    name = address.split(":")[1]
    return Image(
        address, version, f"bbc/{name}", parent, parent_versions, f"{address.split(':')[0]}/BUILD"
    )


def family():
    return Hierarchy(
        [
            image("images/root:root"),
            image("images/python:python", parent="images/root:root", parent_versions="^1.0"),
            image("images/flask:flask", "1.2.0", "images/python:python", "^1.0"),
            image("images/ml:ml", parent="images/python:python", parent_versions="^1.0"),
            image("apps/web:web", parent="images/flask:flask", parent_versions="^1.2"),
        ]
    )


def test_parents_come_before_children():
    order = family().order()
    assert order[0] == "images/root:root"
    for child, parent in [
        ("images/python:python", "images/root:root"),
        ("apps/web:web", "images/flask:flask"),
    ]:
        assert order.index(parent) < order.index(child)


def test_descendants_and_ancestors():
    hierarchy = family()
    assert hierarchy.descendants("images/python:python") == [
        "images/flask:flask",
        "images/ml:ml",
        "apps/web:web",
    ]
    assert hierarchy.ancestors("apps/web:web") == [
        "images/flask:flask",
        "images/python:python",
        "images/root:root",
    ]
    assert hierarchy.descendants("apps/web:web") == []


def test_a_healthy_family_has_no_problems():
    assert family().problems() == []


def test_parent_outside_range_names_both_images_both_versions_and_the_fix():
    hierarchy = Hierarchy(
        [image("a:a", "2.0.0"), image("b:b", parent="a:a", parent_versions="^1.0")]
    )
    [problem] = hierarchy.problems()
    assert "b:b accepts a:a versions '^1.0'" in problem
    assert "a:a is at 2.0.0" in problem
    assert "parent_versions='^2.0'" in problem
    assert "bbc-bump" in problem


def test_child_without_range_is_told_what_to_add():
    hierarchy = Hierarchy([image("a:a", "1.3.0"), image("b:b", parent="a:a")])
    assert hierarchy.problems() == [
        "b:b descends from a:a but does not say which of its versions it accepts. "
        "Add parent_versions='^1.3' to b:b in b/BUILD."
    ]


def test_root_with_a_range_is_an_error():
    [problem] = Hierarchy([image("a:a", parent_versions="^1")]).problems()
    assert "has no parent image" in problem


def test_cycle_is_reported_as_a_path():
    hierarchy = Hierarchy(
        [
            image("a:a", parent="c:c", parent_versions="^1"),
            image("b:b", parent="a:a", parent_versions="^1"),
            image("c:c", parent="b:b", parent_versions="^1"),
            image("d:d"),
        ]
    )
    assert hierarchy.find_cycle() == ["a:a", "c:c", "b:b", "a:a"]
    [problem] = hierarchy.problems()
    assert problem.startswith("The images form a cycle: a:a -> c:c -> b:b -> a:a.")
    assert hierarchy.problems_of("d:d") == []


def test_around_keeps_the_chains_of_the_given_images():
    hierarchy = family()
    part = hierarchy.around(["images/flask:flask"])
    assert part.order() == [
        "images/root:root",
        "images/python:python",
        "images/flask:flask",
        "apps/web:web",
    ]
    assert hierarchy.around(["not/an:image"]).order() == []
