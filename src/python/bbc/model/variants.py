"""Image variants: one image built several ways (CPU and CUDA, say) from one Dockerfile, differing
only by build arguments. Plain checks over plain data, no Pants.

A BBC image declares them as `variants={"cuda12": ["ACCEL=cuda12"]}`. Each variant shares the
image's version, parent, contract tests and target (so `--changed-since`, `bbc-check` and
`bbc-bump` treat them as one image); its tags carry its name (model/tags.py). A child picks one
with `parent_variant="cuda12"`.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from bbc.model.tags import (
    CONTENT_HASH_LENGTH,
    MAX_TAG,
    MOVING,
    VARIANT_AFTER,
    content_tag,
    split_variant,
    tag_for_tests,
    with_variant,
)

# Lower case, starting with a letter: a tag suffix that no version, content hash or moving tag
# can be mistaken for. Dots and underscores inside (cuda12.4, rocm_6).
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[._][a-z0-9]+)*$")
_MAX_NAME = 32
# Names whose tags are the plugin's own: X.Y.Z-test (test variants), latest-latest.
_RESERVED = ("test", MOVING)
_ARG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _name_problem(name: str) -> str | None:
    if not _NAME.match(name) or len(name) > _MAX_NAME:
        return (
            f"the variant name {name!r} is not a tag suffix: use lower-case letters and digits, "
            f"starting with a letter (dots or underscores inside), at most {_MAX_NAME} characters, "
            f"for example 'cuda12'"
        )
    if name in _RESERVED:
        return (
            f"the variant name {name!r} is the plugin's own ({name} tags are "
            f"{'test variants' if name == 'test' else 'the moving tags'}); choose another"
        )
    if re.fullmatch(rf"[0-9a-f]{{{CONTENT_HASH_LENGTH}}}", name):
        return f"the variant name {name!r} looks like a content hash; choose another"
    return None


def _args_problem(
    name: str, args: Iterable[str], declared: Iterable[str], parent_arg: str | None
) -> str | None:
    args, declared = tuple(args), set(declared)
    if not args:
        return (
            f"the variant {name!r} has no build arguments, so it would be the image itself: "
            f'give it the arguments that make it, e.g. ["ACCEL=cuda12"]'
        )
    seen = set()
    for arg in args:
        key, equals, _ = arg.partition("=")
        if not equals or not _ARG_NAME.match(key):
            return f"the variant {name!r} has {arg!r}, which is not NAME=value"
        if key in seen:
            return f"the variant {name!r} sets {key} twice"
        seen.add(key)
        if key == parent_arg:
            return (
                f"the variant {name!r} sets {key}, the ARG that names the parent: variants "
                f"share the image's parent (a child picks a parent variant with parent_variant)"
            )
        if key not in declared:
            return (
                f"the variant {name!r} sets {key}, which the Dockerfile does not declare, so it "
                f"would change nothing: add `ARG {key}` to the Dockerfile or remove it"
            )
    return None


def variants_problem(
    variants: Mapping[str, Iterable[str]],
    version: str,
    declared: Iterable[str],
    parent_arg: str | None,
    build_file: str,
    template: str = VARIANT_AFTER,
) -> str | None:
    """What is wrong with an image's `variants` (None: nothing): names that are no tag suffix
    or are the plugin's own, arguments that are not NAME=value, set the parent or are not
    declared by the Dockerfile, two variants built alike, or tags too long for Docker."""
    declared = tuple(declared)
    built = {}
    clash = split_variant(version, variants, template)[1]
    if clash:
        return (
            f"version={version!r} in {build_file} is spelled like the tags of its variant "
            f"{clash!r} ({with_variant('X.Y.Z', clash, template)}); choose another prerelease "
            f"or rename the variant."
        )
    for name, args in sorted(variants.items()):
        problem = _name_problem(name) or _args_problem(name, args, declared, parent_arg)
        if problem:
            return f"variants in {build_file}: {problem}."
        key = frozenset(args)
        if key in built:
            return (
                f"variants in {build_file}: {built[key]!r} and {name!r} have the same build "
                f"arguments, so they would be the same image; remove one."
            )
        built[key] = name
        for tag in (
            content_tag(with_variant(version, name, template), "0" * CONTENT_HASH_LENGTH),
            tag_for_tests(version, name, template),
        ):
            if len(tag) > MAX_TAG:
                return (
                    f"variants in {build_file}: the variant {name!r} of version {version} makes "
                    f"the tag {tag[:20]}... of {len(tag)} characters; Docker allows {MAX_TAG}. "
                    f"Shorten the name."
                )
    return None


def parent_variant_problem(
    parent_variant: str | None, parent: str | None, parent_variants: Iterable[str], build_file: str
) -> str | None:
    """Why `parent_variant` cannot be used (None: it can, or is not set)."""
    if parent_variant is None:
        return None
    if parent is None:
        return (
            f"parent_variant={parent_variant!r} in {build_file}, but the image has no parent in "
            f"the repository: remove parent_variant."
        )
    known = sorted(parent_variants)
    if parent_variant not in known:
        have = f"its variants are {', '.join(known)}" if known else "it has no variants"
        return (
            f"parent_variant={parent_variant!r} in {build_file} names no variant of {parent}: "
            f"{have}. Name one of them, or remove parent_variant to build on {parent} itself."
        )
    return None
