from bbc.graph.hierarchy import Hierarchy, Image


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
