from bbc.graph.hierarchy import Hierarchy, Image
from bbc.graph.render import dot, mermaid, text_tree

FAMILY = Hierarchy(
    [
        Image("images/root:root", "1.0.0", "bbc/root"),
        Image("images/python:python", "1.1.0", "bbc/python", "images/root:root", "^1.0"),
        Image("apps/web:web", "0.1.0", "bbc/web", "images/python:python", "^2.0"),
        Image("apps/job:job", "2.0.0-rc.1", "bbc/job", "images/root:root", "^1.0"),
    ]
)


def test_text_tree_shows_versions_tags_ranges_and_sizes():
    sizes = {"images/root:root": 100_000_000, "images/python:python": 150_000_000}
    assert text_tree(FAMILY, sizes) == "\n".join(
        [
            "images/root:root  bbc/root:1.0.0  tags 1.0.0, 1.0, 1, latest  100.0 MB (+100.0 MB)",
            "├─ apps/job:job  bbc/job:2.0.0-rc.1  tags 2.0.0-rc.1  parent ^1.0 ok",
            "└─ images/python:python  bbc/python:1.1.0  tags 1.1.0, 1.1, 1, latest  parent ^1.0 ok  150.0 MB (+50.0 MB)",
            "   └─ apps/web:web  bbc/web:0.1.0  tags 0.1.0, 0.1, 0, latest  parent ^2.0 NOT MET by 1.1.0",
        ]
    )


def test_dot_draws_parent_to_child_edges_and_marks_broken_ranges():
    text = dot(FAMILY)
    assert text.startswith("digraph bbc {")
    assert '"images/root:root" -> "images/python:python" [label="^1.0"];' in text
    assert (
        '"images/python:python" -> "apps/web:web" [label="^2.0", color=red, fontcolor=red];' in text
    )


def test_mermaid():
    text = mermaid(FAMILY)
    assert text.splitlines()[0] == "graph TD"
    assert '  images_root_root["bbc/root 1.0.0<br/>images/root:root"]' in text
    assert '  images_root_root -->|"^1.0"| images_python_python' in text
    assert '  images_python_python -.->|"^2.0"| apps_web_web' in text


def test_a_root_on_an_external_image_shows_its_pinned_base():
    base = "127.0.0.1:5000/debian:12@sha256:" + "ab" * 32
    family = Hierarchy([Image("images/root:root", "1.0.0", "bbc/root", base=base)])
    shown = "on 127.0.0.1:5000/debian:12@sha256:abababababab"
    assert (
        text_tree(family)
        == f"images/root:root  bbc/root:1.0.0  tags 1.0.0, 1.0, 1, latest  {shown}"
    )
    assert f'["bbc/root 1.0.0<br/>images/root:root<br/>{shown}"]' in mermaid(family)
    assert f'[label="bbc/root\\n1.0.0\\n{shown}"];' in dot(family)


VARIANTS = Hierarchy(
    [
        Image("img/ml:ml", "1.2.0", "bbc/ml", variants=("cuda12", "rocm6")),
        Image("img/job:job", "1.0.0", "bbc/job", "img/ml:ml", "^1.2", parent_variant="cuda12"),
    ]
)


def test_an_image_and_its_variants_are_one_node_and_a_child_says_which_variant_it_is_on():
    assert text_tree(VARIANTS).splitlines() == [
        "img/ml:ml  bbc/ml:1.2.0  tags 1.2.0, 1.2, 1, latest  "
        "variant cuda12 (tags 1.2.0-cuda12, 1.2-cuda12, 1-cuda12, latest-cuda12)  "
        "variant rocm6 (tags 1.2.0-rocm6, 1.2-rocm6, 1-rocm6, latest-rocm6)",
        "└─ img/job:job  bbc/job:1.0.0  tags 1.0.0, 1.0, 1, latest  "
        "parent ^1.2 ok (on its variant cuda12)",
    ]
    text = mermaid(VARIANTS)
    assert '  img_ml_ml["bbc/ml 1.2.0<br/>img/ml:ml<br/>variants cuda12, rocm6"]' in text
    assert '  img_ml_ml -->|"^1.2 (cuda12)"| img_job_job' in text
    assert text.count("img/ml:ml") == 1  # one node
    assert '"img/ml:ml" [label="bbc/ml\\n1.2.0\\nvariants cuda12, rocm6"];' in dot(VARIANTS)
