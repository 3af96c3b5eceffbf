"""Files a Dockerfile copies that are not in its image's build context.

Pants puts in a build context only the files of the image's dependencies. A `COPY tool.py ...`
whose file no target owns (or whose owner the image does not depend on) is outside the image's
inputs: the build cannot copy it, and a change to it selects and rebuilds nothing. Every goal that
reads Dockerfiles says so, naming the file and the target to add.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence

from pants.backend.docker.goals.package_image import DockerPackageFieldSet
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.engine.addresses import Address
from pants.engine.fs import PathGlobs, Paths
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    SourcesField,
    SourcesPaths,
    SourcesPathsRequest,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.logging import LogLevel

from bbc.graph.chain import copied_from_context
from bbc.graph.dockerfiles import ImageDockerfile, ImageDockerfileRequest

logger = logging.getLogger(__name__)

SHOWN = 5  # files named per COPY line; the rest are counted


def context_globs(context_root: str, source: str) -> tuple[str, ...]:
    """The repository globs a COPY source reads; none for what is no repository path (a URL, an
    ARG without a value, a path that leaves the context)."""
    if "://" in source or "$" in source:
        return ()
    path = os.path.normpath(os.path.join(context_root, source.lstrip("/")))
    if path == ".." or path.startswith("../"):
        return ()
    return ("**",) if path == "." else (path, f"{path}/**")


def _build_file(path: str) -> bool:
    """A BUILD file (Pants' default `build_patterns`): a folder's, never a file to copy."""
    name = os.path.basename(path)
    return name == "BUILD" or name.startswith("BUILD.")


def _files_target(files: Sequence[str]) -> tuple[str, str]:
    """(the BUILD file, the `files(...)` target to write in it) that would own `files`, which
    share one folder."""
    folder = os.path.dirname(files[0])
    names = sorted(os.path.basename(f) for f in files)
    if len(names) == 1:
        name = os.path.splitext(names[0])[0]
    else:
        name = os.path.basename(folder) or "files"
    sources = ", ".join(f'"{n}"' for n in names)
    return os.path.join(folder, "BUILD"), f'files(name="{name}", sources=[{sources}])'


def _named(files: Sequence[str]) -> str:
    shown = ", ".join(files[:SHOWN])
    return shown + (f" and {len(files) - SHOWN} more" if len(files) > SHOWN else "")


def uncopied_message(
    address: str,
    where: str,
    source: str,
    unowned: Sequence[str],
    not_depended_on: Mapping[str, Sequence[str]],
) -> str:
    """What to say of one COPY line (`where`: `<Dockerfile>:<line>`) whose `source` matches
    files outside the build context: `unowned` (no target owns them) and, per owner, files whose
    owner the image does not depend on."""
    clauses, fixes = [], []
    if unowned:
        clauses.append(f"no target owns {_named(unowned)}")
        by_folder: dict[str, list[str]] = defaultdict(list)
        for path in unowned:
            by_folder[os.path.dirname(path)].append(path)
        for files in by_folder.values():
            build_file, target = _files_target(files)
            owner = f"{os.path.dirname(build_file)}:{target.split(chr(34))[1]}"
            fixes.append(
                f'add `{target}` to {build_file} and "{owner}" to the image\'s dependencies'
            )
    for owner, files in sorted(not_depended_on.items()):
        clauses.append(f"{owner} owns {_named(files)} and the image does not depend on it")
        fixes.append(f'add "{owner}" to the image\'s dependencies')
    return (
        f"{address}: {where} copies {source}, but {' and '.join(clauses)}: Pants leaves them "
        f"out of the build context, so the build cannot copy them and a change to them rebuilds "
        f"nothing. Fix: {'; '.join(fixes)}."
    )


@dataclass(frozen=True)
class UncopiedFilesRequest:
    address: Address


@dataclass(frozen=True)
class UncopiedFiles:
    messages: tuple[str, ...]


@rule(
    desc="Finding the files an image copies that are not in its build context", level=LogLevel.DEBUG
)
async def uncopied_files(request: UncopiedFilesRequest, docker: DockerOptions) -> UncopiedFiles:
    wrapped, dockerfile, transitive = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")),
        Get(ImageDockerfile, ImageDockerfileRequest(request.address)),
        Get(TransitiveTargets, TransitiveTargetsRequest([request.address])),
    )
    if dockerfile.parsed is None:
        return UncopiedFiles(())
    root = DockerPackageFieldSet.create(wrapped.target).get_context_root(
        docker.default_context_root
    )
    copies = [
        (line, source, context_globs(root, source))
        for line, source in copied_from_context(dockerfile.instructions)
    ]
    copies = [copy for copy in copies if copy[2]]
    if not copies:
        return UncopiedFiles(())
    closure = [t for t in transitive.closure if t.has_field(SourcesField)]
    matched = await MultiGet(Get(Paths, PathGlobs(globs)) for _, _, globs in copies)
    owned = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(t[SourcesField])) for t in closure
    )
    in_context = {f for paths in owned for f in paths.files}
    missing = [
        sorted(f for f in set(paths.files) - in_context if not _build_file(f)) for paths in matched
    ]
    outside = sorted({f for files in missing for f in files})
    owners = await MultiGet(Get(Owners, OwnersRequest((f,))) for f in outside)
    owner_of = {
        f: sorted({str(a.maybe_convert_to_target_generator()) for a in found})
        for f, found in zip(outside, owners)
    }
    messages = []
    for (line, source, _), files in zip(copies, missing):
        if not files:
            continue
        unowned = [f for f in files if not owner_of[f]]
        elsewhere: dict[str, list[str]] = defaultdict(list)
        for f in files:
            if owner_of[f]:
                elsewhere[owner_of[f][0]].append(f)
        where = f"{dockerfile.parsed.path}:{line}"
        messages.append(uncopied_message(str(request.address), where, source, unowned, elsewhere))
    return UncopiedFiles(tuple(messages))


@dataclass(frozen=True)
class SayUncopiedFiles:
    """Once per run (`run_token`): what every one of `addresses` copies from outside its build
    context."""

    addresses: tuple[Address, ...]
    run_token: str


@dataclass(frozen=True)
class SaidUncopiedFiles:
    messages: tuple[str, ...]


@rule(desc="Saying what images copy from outside their build context", level=LogLevel.DEBUG)
async def say_uncopied_files(request: SayUncopiedFiles) -> SaidUncopiedFiles:
    found = await MultiGet(Get(UncopiedFiles, UncopiedFilesRequest(a)) for a in request.addresses)
    messages = tuple(m for f in found for m in f.messages)
    for message in messages:
        logger.warning(message)
    return SaidUncopiedFiles(messages)


def rules():
    return collect_rules()
