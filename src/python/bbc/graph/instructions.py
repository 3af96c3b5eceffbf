"""A Dockerfile's instructions, read with the parser of Pants' docker backend (the `dockerfile`
package, which wraps BuildKit's: line continuations, comments, flags and heredocs are read
exactly as Docker reads them). The plugin's one Dockerfile reader: the graph, the build inputs
and `bbc-downstream` all read through it."""

from __future__ import annotations

from dataclasses import dataclass

from dockerfile import GoParseError, parse_string


@dataclass(frozen=True)
class Instruction:
    cmd: str  # upper case, e.g. "FROM"
    value: tuple[str, ...]
    line: int = 0  # where it starts, 1-based
    flags: tuple[str, ...] = ()  # e.g. ("--from=install", "--chown=bbc:bbc")
    end_line: int = 0  # where it ends (continuations, heredocs)


class DockerfileSyntaxError(ValueError):
    pass


def read_instructions(text: str) -> tuple[Instruction, ...]:
    """DockerfileSyntaxError (BuildKit's message) when Docker could not read it either."""
    # The parser's C binding crashes the process on text that is not valid UTF-8 (a byte kept as
    # a surrogate, say) and stops silently at a NUL: neither may reach it.
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\0", "\ufffd")
    try:
        commands = parse_string(text)
    except GoParseError as e:
        raise DockerfileSyntaxError(str(e)) from None
    return tuple(
        Instruction(c.cmd.upper(), tuple(c.value), c.start_line, tuple(c.flags), c.end_line)
        for c in commands
    )
