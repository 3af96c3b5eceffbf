from bbc.graph.hierarchy import Hierarchy, Image
from bbc.versioning.bump_plan import Change, plan_bumps


def family(root_version="1.0.0"):
    return Hierarchy(
        [
            Image("r:r", root_version, "bbc/r"),
            Image("p:p", "1.2.0", "bbc/p", "r:r", "^1.0"),
            Image("w:w", "0.3.1", "bbc/w", "p:p", "~1.2.0"),
            Image("o:o", "5.0.0", "bbc/o"),
        ]
    )


def test_bump_one_image():
    assert plan_bumps(family(), ["p:p"], "minor", descendants=False) == [
        Change("p:p", "1.2.0", "1.3.0", "^1.0", None)
    ]


def test_major_bump_with_descendants_patches_them_and_widens_ranges_that_no_longer_admit():
    assert plan_bumps(family(), ["r:r"], "major", descendants=True) == [
        Change("r:r", "1.0.0", "2.0.0", None, None),
        Change("p:p", "1.2.0", "1.2.1", "^1.0", "^2.0"),
        Change("w:w", "0.3.1", "0.3.2", "~1.2.0", None),  # ~1.2.0 still admits 1.2.1
    ]


def test_minor_bump_of_a_middle_image_widens_a_tilde_range():
    changes = plan_bumps(family(), ["p:p"], "minor", descendants=True)
    assert changes[-1] == Change("w:w", "0.3.1", "0.3.2", "~1.2.0", "^1.3")
