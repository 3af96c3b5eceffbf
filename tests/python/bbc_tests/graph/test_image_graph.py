"""The hierarchy from real targets and Dockerfiles: parents as Dockerfiles name them, and every
broken image's own error, which stops it and its descendants but never the rest."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from pants.engine.addresses import Address
from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc.graph.chain import problems
from bbc.graph.image_graph import ImageGraph
from bbc.graph.render import text_tree

from bbc_tests.rule_runner import plugin_rule_runner

CHILD = "ARG SOURCE_IMAGE={}\nFROM $SOURCE_IMAGE\n"


def image(name: str, parent: str | None = None, **fields: str) -> dict[str, str]:
    fields = {"version": "1.0.0", **({"parent_versions": "^1.0"} if parent else {}), **fields}
    given = "".join(f", {k}={v!r}" for k, v in fields.items())
    files = {f"img/{name}/BUILD": f'docker_image(name="{name}"{given})\n'}
    files[f"img/{name}/Dockerfile"] = CHILD.format(parent) if parent else "FROM scratch\n"
    return files


@pytest.fixture(scope="module")
def graph() -> ImageGraph:
    rule_runner: RuleRunner = plugin_rule_runner(QueryRule(ImageGraph, []))
    rule_runner.write_files(
        {
            **image("root"),
            "img/root/BUILD": dedent(
                """\
                docker_image(name="root", version="1.0.0")
                file(name="notes", source="notes.txt")
                """
            ),
            "img/root/notes.txt": "not an image",
            **image("mid", "img/root:root"),
            **image("short", "img/root"),  # the short form of img/root:root: refused
            **image("leaf", "img/mid:mid"),
            **image("onfile", "img/root:notes"),
            **image("belowfile", "img/onfile:onfile"),
            **image("external", None),
            "img/external/Dockerfile": "FROM debian:12\n",
            **image("nodockerfile", "img/root:root"),
            **image("badversion", "img/root:root", version="1.0"),
            **image("badrange", "img/root:root", parent_versions="^1.0 || "),
            **image("orphan", "img/gone:gone"),
            **image("orphankid", "img/orphan:orphan"),
            **image("orphangrandkid", "img/orphankid"),
            # Built on img/orphan too: through a build argument, and as a builder stage.
            **image(
                "orphanbyarg", "img/root:root", extra_build_args=["SOURCE_IMAGE=img/orphan:orphan"]
            ),
            **image("orphanstage", "img/root:root"),
            "img/orphanstage/Dockerfile": (
                "ARG B=img/orphan:orphan\nARG SOURCE_IMAGE=img/root:root\nFROM $B AS b\n"
                "FROM $SOURCE_IMAGE\nCOPY --from=b /x /x\n"
            ),
            **image("vanilla", "img/root:root"),
            "img/vanilla/BUILD": 'docker_image(name="vanilla")\n',
            **image("onvanilla", "img/vanilla:vanilla"),
            **image("tagged", "img/root:root", image_tags=["cuda12-latest"]),
            **image("gpu", "img/root:root", variants={"cuda12": ["ACCEL=cuda12"]}),
            "img/gpu/Dockerfile": CHILD.format("img/root:root") + "ARG ACCEL=cpu\n",
            **image("ongpu", "img/gpu:gpu", parent_variant="cuda12"),
            **image("onnovariant", "img/gpu:gpu", parent_variant="rocm"),
            **image("badvariant", "img/root:root", variants={"cuda12": ["ACCEL=cuda12"]}),
        }
    )
    (Path(rule_runner.build_root) / "img/nodockerfile/Dockerfile").unlink()
    return rule_runner.request(ImageGraph, [])


def info(graph: ImageGraph, name: str):
    return graph.infos[Address(f"img/{name}", target_name=name)]


def test_parents_are_the_images_the_dockerfiles_name(graph: ImageGraph) -> None:
    assert info(graph, "mid").parent == Address("img/root", target_name="root")
    assert info(graph, "leaf").parent == Address("img/mid", target_name="mid")
    assert info(graph, "root").parent is None
    for name in ("root", "mid", "leaf"):
        assert info(graph, name).error is None, name


@pytest.mark.parametrize(
    "name, error",
    [
        (
            "onfile",
            "img/onfile:onfile: img/onfile/Dockerfile: ARG SOURCE_IMAGE=img/root:notes names "
            "img/root:notes, a `file` target, not a docker_image. Set it to the address of the "
            "parent image.",
        ),
        ("external", "img/external/Dockerfile line 1: the final stage is FROM debian:12"),
        (
            "nodockerfile",
            "img/nodockerfile:nodockerfile has no Dockerfile: img/nodockerfile/Dockerfile does not exist",
        ),
        (
            "badversion",
            "version='1.0' in img/badversion/BUILD is invalid: '1.0' is not a semantic version",
        ),
        (
            "badrange",
            "parent_versions='^1.0 || ' in img/badrange/BUILD is invalid: '^1.0 || ' admits every version",
        ),
        (
            "onvanilla",
            "img/onvanilla:onvanilla: img/onvanilla/Dockerfile: ARG SOURCE_IMAGE=img/vanilla:vanilla "
            "names img/vanilla:vanilla, a docker_image without `version`: Pants' docker backend "
            "builds it, not the BBC plugin, so a BBC image cannot be built on it. Convert the "
            "parent first: give img/vanilla:vanilla a version in img/vanilla/BUILD",
        ),
        (
            "short",
            "img/short:short: img/short/Dockerfile: ARG SOURCE_IMAGE=img/root names img/root:root "
            "in a form that Pants' docker backend cannot build from (it reads the value as an "
            "image name). Write the address in full: `ARG SOURCE_IMAGE=img/root:root`.",
        ),
        (
            "tagged",
            "img/tagged:tagged: image_tags=['cuda12-latest'] in img/tagged/BUILD: the BBC plugin "
            "tags its images itself",
        ),
        (
            "badvariant",
            "img/badvariant:badvariant: variants in img/badvariant/BUILD: the variant 'cuda12' "
            "sets ACCEL, which the Dockerfile does not declare, so it would change nothing",
        ),
        (
            "onnovariant",
            "img/onnovariant:onnovariant: parent_variant='rocm' in img/onnovariant/BUILD names "
            "no variant of img/gpu:gpu: its variants are cuda12.",
        ),
        (
            "orphan",
            "ARG SOURCE_IMAGE=img/gone:gone names no target, so the parent image is unknown (and "
            "Pants infers no dependency on it). Write the parent's address, one of "
            "img/badrange:badrange, ",
        ),
    ],
)
def test_each_broken_image_has_its_own_error(graph: ImageGraph, name: str, error: str) -> None:
    found = info(graph, name).error
    assert found is not None and error in found, found


def test_the_parents_suggested_to_an_image_are_never_itself_nor_its_descendants(
    graph: ImageGraph,
) -> None:
    error = info(graph, "orphan").error
    assert error is not None
    suggested = error.split("one of ")[1].split(": `ARG")[0].split(", ")
    assert "img/root:root" in suggested and "img/mid:mid" in suggested
    for name in ("orphan", "orphankid", "orphangrandkid", "orphanbyarg", "orphanstage"):
        assert f"img/{name}:{name}" not in suggested, suggested


def test_variants_and_a_parent_variant_are_in_the_hierarchy(graph: ImageGraph) -> None:
    assert info(graph, "gpu").error is None and info(graph, "ongpu").error is None
    assert dict(info(graph, "gpu").variants) == {"cuda12": ("ACCEL=cuda12",)}
    assert graph.hierarchy["img/gpu:gpu"].variants == ("cuda12",)
    assert graph.hierarchy["img/ongpu:ongpu"].parent_variant == "cuda12"
    assert info(graph, "ongpu").parent == Address("img/gpu", target_name="gpu")


def test_a_docker_image_without_version_is_not_in_the_hierarchy(graph: ImageGraph) -> None:
    assert Address("img/vanilla", target_name="vanilla") not in graph.infos
    assert "img/vanilla:vanilla" not in text_tree(graph.hierarchy)


def test_a_broken_image_keeps_its_place_and_stops_only_its_descendants(graph: ImageGraph) -> None:
    hierarchy = graph.hierarchy
    assert hierarchy["img/belowfile:belowfile"].parent == "img/onfile:onfile"
    assert "img/belowfile:belowfile" not in hierarchy.roots()
    assert graph.problems(Address("img/belowfile", target_name="belowfile")) == []
    assert problems(hierarchy) == []  # the chain itself is sound; broken images say why
    drawn = text_tree(hierarchy)
    assert "img/onfile:onfile  onfile:1.0.0  CANNOT BE BUILT (see below)" in drawn
    assert (
        "img/belowfile:belowfile  belowfile:1.0.0  tags 1.0.0, 1.0, 1, latest  blocked by its parent"
        in drawn
    )
