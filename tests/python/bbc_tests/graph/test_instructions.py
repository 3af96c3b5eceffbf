"""The one Dockerfile reader: BuildKit's parser, fed only what it can take."""

from bbc.graph.instructions import Instruction, read_instructions


def test_continuations_flags_and_heredocs_are_read_as_docker_reads_them():
    text = "FROM --platform=$P \\\n  base:1 AS b\nRUN <<EOF\necho FROM x\nEOF\n"
    assert read_instructions(text) == (
        Instruction("FROM", ("base:1", "AS", "b"), 1, ("--platform=$P",), 2),
        Instruction("RUN", ("<<EOF",), 3, (), 5),
    )


def test_what_is_not_utf_8_or_holds_a_nul_is_read_without_crashing_or_stopping():
    text = "FROM scratch\n# caf\udce9 \x00\nRUN true\n"  # a Latin-1 byte kept by surrogateescape
    assert [(i.cmd, i.line) for i in read_instructions(text)] == [("FROM", 1), ("RUN", 3)]
