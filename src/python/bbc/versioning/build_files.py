"""Reads and rewrites one string field of one target in a BUILD file's text.

Only the field's string literal changes; comments, order and formatting stay as they were.
"""

from __future__ import annotations

import ast


class BuildFileError(ValueError):
    pass


def _calls(source: str, default_name: str) -> dict[str, ast.Call]:
    """The target calls at the top of a BUILD file, by target name."""
    calls = {}
    for node in ast.parse(source).body:
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call):
            names = [k.value for k in call.keywords if k.arg == "name"]
            name = names[0].value if names and isinstance(names[0], ast.Constant) else default_name
            calls[str(name)] = call
    return calls


def _target_call(source: str, target_name: str, default_name: str) -> ast.Call | None:
    return _calls(source, default_name).get(target_name)


def _offset(source: str, line: int, column: int) -> int:
    lines = source.splitlines(keepends=True)
    return sum(len(text) for text in lines[: line - 1]) + len(
        lines[line - 1].encode()[:column].decode()
    )


def field_value(source: str, target_name: str, default_name: str, field: str) -> str | None:
    """The literal value of `field`, or None when the target or the field is absent."""
    call = _target_call(source, target_name, default_name)
    if call is None:
        return None
    for keyword in call.keywords:
        if keyword.arg == field and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return None


def set_field(
    source: str, target_name: str, default_name: str, field: str, value: str, after: str
) -> str:
    """`source` with `field=value` on the target: replaced in place, or added after `after`."""
    call = _target_call(source, target_name, default_name)
    if call is None:
        raise BuildFileError(f"no target named {target_name!r}")
    keywords = {k.arg: k for k in call.keywords}
    existing = keywords.get(field)
    if existing is not None:
        node = existing.value
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            raise BuildFileError(f"`{field}` of {target_name!r} is not a plain string literal")
        start = _offset(source, node.lineno, node.col_offset)
        end = _offset(source, node.end_lineno or node.lineno, node.end_col_offset or 0)
        quote = source[start]
        return f"{source[:start]}{quote}{value}{quote}{source[end:]}"
    anchor = keywords.get(after)
    if anchor is None:
        raise BuildFileError(f"{target_name!r} has no `{after}` field to add `{field}` after")
    end = _offset(source, anchor.value.end_lineno or 0, anchor.value.end_col_offset or 0)
    anchor_start = _offset(source, anchor.lineno, anchor.col_offset)
    indent = source[source.rfind("\n", 0, anchor_start) + 1 : anchor_start]
    separator = f",\n{indent}" if indent.isspace() else ", "
    return f'{source[:end]}{separator}{field}="{value}"{source[end:]}'


def _addresses(node: ast.expr, spec_path: str) -> str:
    """A list of address literals as a set of absolute addresses (`:x` is `<spec_path>:x`), so
    that reordering or respelling them changes nothing."""
    if isinstance(node, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        values = (str(e.value) for e in node.elts)  # type: ignore[attr-defined]
        return repr(sorted(f"{spec_path}{v}" if v.startswith(":") else v for v in values))
    return ast.dump(node)


def target_definition(
    source: str,
    target_name: str,
    default_name: str,
    ignore: frozenset[str] = frozenset(),
    spec_path: str = "",
) -> str | None:
    """The target's definition as written (its type and fields, formatting and comments aside,
    the `ignore`d fields left out, its `dependencies` as a set of absolute addresses), or None
    when the BUILD file does not define it."""
    call = _target_call(source, target_name, default_name)
    if call is None:
        return None
    kept = sorted(
        (
            k.arg or "**",
            _addresses(k.value, spec_path) if k.arg == "dependencies" else ast.dump(k.value),
        )
        for k in call.keywords
        if k.arg not in ignore
    )
    return f"{ast.dump(call.func)}({kept})"
