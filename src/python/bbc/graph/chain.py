"""The rules a BBC chain must keep, each broken one reported with its fix.

Docker allows only a straight chain: the final stage of a BBC image must descend (through
any named stages) from `FROM $SOURCE_IMAGE`, whose value is the parent's target address, or
from `FROM scratch` for a root. In the hierarchy: no cycles, and every child says which parent
versions it accepts (`parent_versions`), a range its parent's version is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from bbc.graph.hierarchy import Hierarchy, Image
from bbc.graph.instructions import Instruction
from bbc.model.versions import caret_range

_ARG_REF = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


@dataclass(frozen=True)
class Chain:
    """A root (`parent_arg` None) or the argument and value naming the parent image."""

    parent_arg: str | None
    parent_ref: str | None
    # A root's external base, pinned by digest: `name:tag@sha256:...` (None: FROM scratch).
    base: str | None = None


class ChainError(Exception):
    pass


@dataclass(frozen=True)
class _Stage:
    name: str | None
    base: str
    line: int


def _stages_and_args(instructions: Sequence[Instruction]) -> tuple[list[_Stage], dict[str, str]]:
    stages: list[_Stage] = []
    global_args: dict[str, str] = {}  # ARGs before the first FROM: the only ones FROM can use
    for instruction in instructions:
        if instruction.cmd == "ARG" and not stages:
            for arg in instruction.value:
                name, _, default = arg.partition("=")
                global_args[name] = default.strip("\"'")
        elif instruction.cmd == "FROM":
            value = instruction.value
            named = len(value) == 3 and value[1].upper() == "AS"
            stages.append(_Stage(value[2] if named else None, value[0], instruction.line))
    return stages, global_args


def _base_through_arg(
    base: str, build_args: Mapping[str, str], global_args: Mapping[str, str]
) -> str:
    """A FROM's base, with `$ARG` read as Docker reads it: its value (a build argument or its
    default), which may name an earlier stage (`ARG ROOT_IMAGE=default_root`)."""
    arg_ref = _ARG_REF.match(base)
    if not arg_ref:
        return base
    name = arg_ref.group(1)
    return build_args.get(name) or global_args.get(name) or base


def _final_base(
    dockerfile: str, instructions: Sequence[Instruction], build_args: Mapping[str, str] = {}
) -> tuple[_Stage, dict[str, str]]:
    """The stage the final stage descends from through named stages (named directly, or by an
    ARG whose value is a stage's name), and the global ARGs."""
    stages, global_args = _stages_and_args(instructions)
    if not stages:
        raise ChainError(f"{dockerfile} has no FROM instruction.")
    index = len(stages) - 1
    while True:
        stage = stages[index]
        earlier = {s.name.lower(): i for i, s in enumerate(stages[:index]) if s.name}
        base = _base_through_arg(stage.base, build_args, global_args).lower()
        if base not in earlier:
            return stage, global_args
        index = earlier[base]


_PINNED = re.compile(r"^(?P<name>[^@$\s]+)@(?P<digest>sha256:[0-9a-f]{64})$")


def pinned_base(ref: str) -> tuple[str, str] | None:
    """(`name[:tag]`, `sha256:...`) of an image reference pinned by digest, else None."""
    found = _PINNED.match(ref)
    return (found.group("name"), found.group("digest")) if found else None


def parent_arg(
    dockerfile: str, instructions: Sequence[Instruction], build_args: Mapping[str, str] = {}
) -> str | None:
    """The ARG whose value is the final stage's base; None for a root (FROM scratch, or FROM an
    external image pinned by digest)."""
    stage, global_args = _final_base(dockerfile, instructions, build_args)
    if stage.base == "scratch" or pinned_base(stage.base):
        return None
    arg_ref = _ARG_REF.match(stage.base)
    if not arg_ref:
        raise ChainError(_not_chained(dockerfile, stage, global_args))
    arg = arg_ref.group(1)
    if arg not in global_args:
        raise ChainError(
            f"{dockerfile} line {stage.line}: FROM {stage.base} uses ARG {arg}, which is not "
            f"declared before the first FROM. Add `ARG {arg}=<address of the parent image>` at "
            f"the top of {dockerfile}."
        )
    return arg


_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def arg_defaults(instructions: Sequence[Instruction]) -> dict[str, str]:
    """Every ARG the Dockerfile declares, with its first default ("" without one)."""
    defaults: dict[str, str] = {}
    for i in instructions:
        if i.cmd == "ARG":
            for arg in i.value:
                name, _, value = arg.partition("=")
                defaults.setdefault(name, value.strip("\"'"))
    return defaults


def declared_args(instructions: Sequence[Instruction]) -> tuple[str, ...]:
    """The names of every ARG the Dockerfile declares."""
    return tuple(sorted(arg_defaults(instructions)))


def substituted(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `$ARG` or `${ARG}` that has a value replaced by it, as Docker reads it."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1)) or m.group(0), text)


def pinned_references(instructions: Sequence[Instruction]) -> tuple[tuple[str, str], ...]:
    """(what, reference) of every external image pinned by digest in any stage, once each:
    `FROM name` (a root's base, a builder stage) and `COPY --from=name`, ARG defaults
    substituted."""
    defaults = arg_defaults(instructions)
    found: dict[str, str] = {}
    for i in instructions:
        if i.cmd == "FROM" and i.value:
            kind, ref = "FROM ", substituted(i.value[0], defaults)
        elif i.cmd in ("COPY", "ADD"):
            source = next((f for f in i.flags if f.startswith("--from=")), None)
            if source is None:
                continue
            kind, ref = "COPY --from=", substituted(source.partition("=")[2], defaults)
        else:
            continue
        pinned = pinned_base(ref)
        if pinned is not None:
            found.setdefault(ref, f"{kind}{pinned[0]}")
    return tuple((what, ref) for ref, what in found.items())


def copied_from_context(
    instructions: Sequence[Instruction], build_args: Mapping[str, str] | None = None
) -> tuple[tuple[int, str], ...]:
    """(line, path) of every build-context path COPY and ADD read (not those from another stage
    or image), with ARGs substituted (`build_args`, values set outside the Dockerfile, before
    the defaults)."""
    defaults = {**arg_defaults(instructions), **(build_args or {})}
    return tuple(
        (i.line, substituted(source, defaults))
        for i in instructions
        if i.cmd in ("COPY", "ADD") and not any(f.startswith("--from") for f in i.flags)
        for source in i.value[:-1]
    )


def copy_sources(instructions: Sequence[Instruction]) -> tuple[str, ...]:
    """The build-context paths COPY and ADD read, with ARG defaults substituted."""
    return tuple(path for _, path in copied_from_context(instructions))


def stage_arguments(
    instructions: Sequence[Instruction], build_args: Mapping[str, str]
) -> dict[str, str]:
    """The value of every ARG a FROM line uses (any stage): the images a Dockerfile builds on."""
    stages, global_args = _stages_and_args(instructions)
    used = {m.group(1) for stage in stages for m in [_ARG_REF.match(stage.base)] if m}
    values = {arg: build_args.get(arg) or global_args.get(arg, "") for arg in sorted(used)}
    names = {s.name.lower() for s in stages if s.name}
    return {arg: value for arg, value in values.items() if value and value.lower() not in names}


def final_chain(
    dockerfile: str, instructions: Sequence[Instruction], build_args: Mapping[str, str]
) -> Chain:
    """The chain of the final stage; `build_args` are values set outside the Dockerfile."""
    arg = parent_arg(dockerfile, instructions, build_args)
    if arg is None:
        base = _final_base(dockerfile, instructions, build_args)[0].base
        return Chain(parent_arg=None, parent_ref=None, base=None if base == "scratch" else base)
    _, global_args = _stages_and_args(instructions)
    value = build_args.get(arg) or global_args[arg]
    if not value:
        raise ChainError(
            f"{dockerfile}: ARG {arg} has no value, so the parent image is unknown. Give it the "
            f"parent's target address: `ARG {arg}=images/python:python` (for example)."
        )
    return Chain(parent_arg=arg, parent_ref=value)


def _not_chained(dockerfile: str, stage: _Stage, global_args: Mapping[str, str]) -> str:
    declared = [f"ARG {name}={value}" for name, value in global_args.items() if ":" in value]
    hint = f"It declares {', '.join(declared)}, but never uses it as the base. " if declared else ""
    return (
        f"{dockerfile} line {stage.line}: the final stage is FROM {stage.base}, which is not a "
        f"BBC image. {hint}A BBC image must chain from its parent: `ARG SOURCE_IMAGE=<address of "
        f"the parent image>` then `FROM $SOURCE_IMAGE`. Only a root image starts elsewhere: FROM "
        f"scratch, or FROM an external image pinned by its digest, so that the digest is one of "
        f"its build inputs: `FROM {stage.base}@sha256:<digest>`, the digest from `skopeo inspect "
        f"--format '{{{{.Digest}}}}' docker://{stage.base}` or `docker buildx imagetools inspect "
        f"{stage.base}`; `./pants bbc-update` moves it when the tag moves."
    )


_ESCAPE = re.compile(r"^#\s*escape\s*=\s*(\S)", re.I)


def dangling_continuation(dockerfile: str, text: str) -> str | None:
    """Why a Dockerfile cannot be extended: its last instruction ends with a line continuation
    (the plugin appends a LABEL instruction, which it would swallow), or None."""
    lines = text.splitlines()
    escape = next((m.group(1) for m in map(_ESCAPE.match, lines[:1]) if m), "\\")
    for number in range(len(lines), 0, -1):
        line = lines[number - 1].strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith(escape):
            return (
                f"{dockerfile} line {number} ends with {escape!r}, continuing its instruction into "
                f"nothing: the next instruction would be swallowed into it. Remove the trailing "
                f"{escape!r}."
            )
        return None
    return None


def problems_of(hierarchy: Hierarchy, address: str) -> list[str]:
    """What is wrong with one image's place in the chain (its ancestors' own aside)."""
    cycle = hierarchy.find_cycle()
    if cycle and (address in cycle or set(hierarchy.ancestors(address)) & set(cycle)):
        return [cycle_message(cycle)]
    image = hierarchy[address]
    if image.broken:
        return []  # its own error says why
    if image.parent is None:
        if image.parent_versions is None:
            return []
        return [
            f"{address} sets parent_versions={image.parent_versions!r} but has no parent "
            f"image (its Dockerfile starts FROM scratch). Remove parent_versions from "
            f"{image.build_file}."
        ]
    if image.parent not in hierarchy.images or hierarchy[image.parent].broken:
        return []  # a parent that cannot be built: its own problem stops this image too
    parent = hierarchy[image.parent]
    if image.parent_versions is None:
        return [
            f"{address} descends from {parent.address} but does not say which of its "
            f"versions it accepts. Add parent_versions={caret_range(parent.version)!r} to "
            f"{address} in {image.build_file}."
        ]
    if not hierarchy.parent_range_holds(address):
        return [range_message(image, parent)]
    return []


def problems(hierarchy: Hierarchy) -> list[str]:
    """Every broken rule of the chain, each as one paragraph naming the targets and the fix."""
    cycle = hierarchy.find_cycle()
    if cycle:
        return [cycle_message(cycle)]
    return [problem for address in hierarchy.order() for problem in problems_of(hierarchy, address)]


def duplicate_repositories(repositories: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """For every image that shares its repository with another, why that is an error.
    `repositories`: image address -> (repository, BUILD file)."""
    by_repository: dict[str, list[str]] = {}
    for address, (repository, _) in sorted(repositories.items()):
        by_repository.setdefault(repository, []).append(address)
    problems = {}
    for repository, addresses in by_repository.items():
        if len(addresses) < 2:
            continue
        where = ", ".join(f"{a} ({repositories[a][1]})" for a in addresses)
        for address in addresses:
            problems[address] = (
                f"{address}: the images {where} are all named {repository}, so their tags "
                f"would overwrite each other. One repository, one image: rename all but one "
                f"target (its `name`), or give each its own `repository` field."
            )
    return problems


def range_message(child: Image, parent: Image) -> str:
    if "-" in parent.version:  # a prerelease: only a range that names it admits it
        return (
            f"{child.address} accepts {parent.address} versions {child.parent_versions!r} "
            f"(parent_versions in {child.build_file}), but {parent.address} is at the prerelease "
            f"{parent.version}, which a range admits only by name. To build {child.address} on "
            f"it, set parent_versions={caret_range(parent.version)!r}; or keep {parent.address} at "
            f"a release in {child.parent_versions!r}."
        )
    return (
        f"{child.address} accepts {parent.address} versions {child.parent_versions!r} "
        f"(parent_versions in {child.build_file}), but {parent.address} is at {parent.version}. "
        f"Either rebuild and test {child.address} on {parent.version} and set parent_versions="
        f"{caret_range(parent.version)!r} (`./pants bbc-bump "
        f"--level=patch --descendants {parent.address}` does this for every descendant), or keep "
        f"{parent.address} at a version in {child.parent_versions!r}."
    )


def cycle_message(cycle: list[str]) -> str:
    return (
        f"The images form a cycle: {' -> '.join(cycle)}. Each image must descend from exactly one "
        f"parent, ending at a root built FROM scratch; change the ARG SOURCE_IMAGE of one of "
        f"these Dockerfiles to break the cycle."
    )
