import pytest

from bbc.graph.chain import (
    arg_defaults,
    dangling_continuation,
    Chain,
    ChainError,
    pinned_base,
    final_chain,
    parent_arg,
    duplicate_repositories,
    problems,
    pinned_references,
    problems_of,
    stage_arguments,
)
from bbc.graph.hierarchy import Hierarchy
from bbc.graph.instructions import read_instructions

from bbc_tests.graph.test_hierarchy import family, image


def parse(text):
    return read_instructions(text.strip() + "\n")


def test_arg_defaults_are_every_declared_arg_with_its_first_default_unquoted():
    instructions = parse(
        'ARG SOURCE_IMAGE=img/root:root\nARG A="1" B\nFROM $SOURCE_IMAGE\nARG A=2\nARG C'
    )
    assert arg_defaults(instructions) == {
        "SOURCE_IMAGE": "img/root:root",
        "A": "1",
        "B": "",
        "C": "",
    }


def test_a_child_chains_through_its_parent_argument():
    chain = final_chain(
        "Dockerfile", parse("ARG SOURCE_IMAGE=images/root:root\nFROM $SOURCE_IMAGE\nRUN x"), {}
    )
    assert chain == Chain("SOURCE_IMAGE", "images/root:root")


def test_a_build_arg_overrides_the_default():
    chain = final_chain(
        "Dockerfile", parse("ARG SOURCE_IMAGE=a:a\nFROM ${SOURCE_IMAGE}"), {"SOURCE_IMAGE": "b:b"}
    )
    assert chain.parent_ref == "b:b"


def test_a_root_starts_from_scratch():
    assert final_chain("Dockerfile", parse("FROM scratch\nADD rootfs.tar /"), {}) == Chain(
        None, None
    )


def test_multi_stage_final_stage_descends_through_named_stages():
    text = """
    ARG SOURCE_IMAGE=images/python:python
    FROM $SOURCE_IMAGE AS install
    RUN install
    FROM install AS tested
    FROM tested
    """
    assert final_chain("Dockerfile", parse(text), {}).parent_ref == "images/python:python"


def test_a_final_stage_from_an_outside_image_is_refused_with_the_fix():
    text = "ARG SOURCE_IMAGE=images/root:root\nFROM $SOURCE_IMAGE AS build\nFROM debian:12\nCOPY --from=build /x /x"
    with pytest.raises(ChainError) as error:
        final_chain("apps/x/Dockerfile", parse(text), {})
    message = str(error.value)
    assert (
        "apps/x/Dockerfile line 3: the final stage is FROM debian:12, which is not a BBC image."
        in message
    )
    assert "It declares ARG SOURCE_IMAGE=images/root:root, but never uses it" in message
    assert "FROM $SOURCE_IMAGE" in message


def test_an_argument_without_a_value_is_refused():
    with pytest.raises(ChainError, match="ARG SOURCE_IMAGE has no value"):
        final_chain("Dockerfile", parse("ARG SOURCE_IMAGE\nFROM $SOURCE_IMAGE"), {})


def test_an_undeclared_argument_is_refused():
    with pytest.raises(ChainError, match="not declared before the first FROM"):
        final_chain("Dockerfile", parse("FROM $SOURCE_IMAGE"), {})


def test_parent_arg_needs_no_value_for_a_test_dockerfile():
    assert (
        parent_arg("Dockerfile.test", parse("ARG SOURCE_IMAGE\nFROM $SOURCE_IMAGE\nRUN t"))
        == "SOURCE_IMAGE"
    )


def test_no_from_at_all():
    with pytest.raises(ChainError, match="has no FROM instruction"):
        final_chain("Dockerfile", parse("RUN x"), {})


def test_a_healthy_family_has_no_problems():
    assert problems(family()) == []


def test_parent_outside_range_names_both_images_both_versions_and_the_fix():
    hierarchy = Hierarchy(
        [image("a:a", "2.0.0"), image("b:b", parent="a:a", parent_versions="^1.0")]
    )
    [problem] = problems(hierarchy)
    assert "b:b accepts a:a versions '^1.0'" in problem
    assert "a:a is at 2.0.0" in problem
    assert "parent_versions='^2.0'" in problem
    assert "bbc-bump" in problem


def test_child_without_range_is_told_what_to_add():
    hierarchy = Hierarchy([image("a:a", "1.3.0"), image("b:b", parent="a:a")])
    assert problems(hierarchy) == [
        "b:b descends from a:a but does not say which of its versions it accepts. "
        "Add parent_versions='^1.3' to b:b in b/BUILD."
    ]


def test_root_with_a_range_is_an_error():
    [problem] = problems(Hierarchy([image("a:a", parent_versions="^1")]))
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
    [problem] = problems(hierarchy)
    assert problem.startswith("The images form a cycle: a:a -> c:c -> b:b -> a:a.")
    assert problems_of(hierarchy, "d:d") == []


def test_two_images_with_one_repository_are_both_told_how_to_rename():
    found = duplicate_repositories(
        {
            "a/x:x": ("bbc/x", "a/x/BUILD"),
            "b/x:x": ("bbc/x", "b/x/BUILD.pants"),
            "c/y:y": ("bbc/y", "c/y/BUILD"),
        }
    )
    assert set(found) == {"a/x:x", "b/x:x"}
    assert found["b/x:x"].startswith(
        "b/x:x: the images a/x:x (a/x/BUILD), b/x:x (b/x/BUILD.pants) are all named bbc/x"
    )
    assert "rename all but one target" in found["a/x:x"]


def test_a_child_of_a_broken_parent_has_no_problem_of_its_own():
    hierarchy = Hierarchy([image("b:b", parent="a:a", parent_versions="^1")])
    assert problems_of(hierarchy, "b:b") == []


def test_a_dockerfile_ending_in_a_continuation_is_named_with_its_line():
    text = "FROM scratch\nRUN echo a \\\n  && echo b \\\n\n# done\n"
    assert dangling_continuation("img/a/Dockerfile", text) == (
        "img/a/Dockerfile line 3 ends with '\\\\', continuing its instruction into nothing: the "
        "next instruction would be swallowed into it. Remove the trailing '\\\\'."
    )
    assert dangling_continuation("d", "FROM scratch\nRUN a \\\n  b\n") is None
    assert dangling_continuation("d", "# escape=`\nFROM scratch\nRUN a `\n") is not None
    assert dangling_continuation("d", "# escape=`\nFROM scratch\nRUN a \\\n") is None


DIGEST = "sha256:" + "ab" * 32


def test_a_root_may_start_from_an_external_image_pinned_by_digest():
    text = f"FROM registry.example/ubuntu:24.04@{DIGEST} AS build\nFROM build\nRUN true\n"
    chain = final_chain("images/root/Dockerfile", parse(text), {})
    assert chain.parent_arg is None and chain.parent_ref is None
    assert chain.base == f"registry.example/ubuntu:24.04@{DIGEST}"
    assert pinned_base(chain.base) == ("registry.example/ubuntu:24.04", DIGEST)
    assert final_chain("Dockerfile", parse("FROM scratch\n"), {}).base is None


def test_an_external_image_not_pinned_is_refused_with_how_to_pin_it():
    with pytest.raises(ChainError) as error:
        final_chain("images/root/Dockerfile", parse("FROM ubuntu:24.04\n"), {})
    message = str(error.value)
    assert message.startswith(
        "images/root/Dockerfile line 1: the final stage is FROM ubuntu:24.04, which is not a BBC "
        "image."
    )
    assert "`FROM ubuntu:24.04@sha256:<digest>`" in message
    assert "`skopeo inspect --format '{{.Digest}}' docker://ubuntu:24.04`" in message
    assert "`docker buildx imagetools inspect ubuntu:24.04`" in message
    assert pinned_base("ubuntu:24.04") is None and pinned_base("ubuntu@sha256:12") is None


def test_a_parent_argument_whose_value_names_a_stage_builds_on_that_stage():
    # A root whose base a build argument may override (adopted families do this).
    text = (
        "ARG ROOT_IMAGE=default_root\n"
        f"FROM registry.example/ubuntu:24.04@{DIGEST} AS default_root\n"
        "RUN true\n"
        "FROM $ROOT_IMAGE\n"
        "RUN true\n"
    )
    chain = final_chain("images/root/Dockerfile", parse(text), {})
    assert chain == Chain(None, None, f"registry.example/ubuntu:24.04@{DIGEST}")
    assert stage_arguments(parse(text), {}) == {}
    # Overridden by a build argument, it names the parent image.
    given = {"ROOT_IMAGE": "images/base:base"}
    assert final_chain("images/root/Dockerfile", parse(text), given) == Chain(
        "ROOT_IMAGE", "images/base:base"
    )
    assert stage_arguments(parse(text), given) == {"ROOT_IMAGE": "images/base:base"}


def test_every_external_pin_in_any_stage_is_found_once() -> None:
    tool = f"example.com/toolchain:2.8.1@{DIGEST}"
    text = (
        f"ARG TOOL={tool}\n"
        "ARG SOURCE_IMAGE=images/python:python\n"
        f"FROM registry.example/golang:1.22@{DIGEST} AS builder\n"
        "RUN make\n"
        "FROM $SOURCE_IMAGE\n"
        "COPY --from=builder /out /out\n"
        f"COPY --from={tool} /bin/tool /bin/tool\n"
        "COPY --from=$TOOL /bin/other /bin/other\n"
        "COPY --from=example.com/unpinned:1 /x /x\n"
    )
    assert pinned_references(parse(text)) == (
        ("FROM registry.example/golang:1.22", f"registry.example/golang:1.22@{DIGEST}"),
        ("COPY --from=example.com/toolchain:2.8.1", tool),
    )
