import pytest

from bbc.dockerfile_chain import Chain, ChainError, Instruction, final_chain, parent_arg


def parse(text):
    """A tiny stand-in for the real parser: one instruction per line, no continuations."""
    instructions = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        cmd, *value = line.split()
        instructions.append(Instruction(cmd.upper(), tuple(value), number))
    return instructions


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
