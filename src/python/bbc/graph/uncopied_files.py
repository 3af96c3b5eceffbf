"""Files a Dockerfile copies that are not in its image's build context.

Pants puts in a build context only the files of the image's dependencies. A `COPY tool.py ...`
whose file no target owns (or whose owner the image does not depend on) is outside the image's
inputs: the build cannot copy it, and a change to it selects and rebuilds nothing. Every goal that
reads Dockerfiles says so, naming the file and the target to add.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from pants.backend.docker.goals.package_image import DockerPackageFieldSet
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.util_rules.docker_build_args import (
    DockerBuildArgs,
    DockerBuildArgsRequest,
)
from pants.build_graph.address import ResolveError
from pants.engine.addresses import Address
from pants.engine.fs import PathGlobs, Paths
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    Dependencies,
    DependenciesRequest,
    SourcesField,
    SourcesPaths,
    SourcesPathsRequest,
    Targets,
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


TARGET = "copied"  # the name of the `files` target suggested in a folder's BUILD file
_GLOB = set("*?[")


@dataclass(frozen=True)
class Uncopied:
    """What one COPY source matches outside the build context."""

    line: int
    source: str
    path: str  # the repository path the source names (a file, a folder or a glob)
    unowned: tuple[str, ...]  # files no target owns
    not_depended_on: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (owner, its files)


def _named(files: Sequence[str]) -> str:
    shown = ", ".join(files[:SHOWN])
    return shown + (f" and {len(files) - SHOWN} more" if len(files) > SHOWN else "")


def _files_targets(found: Sequence[Uncopied]) -> dict[str, list[str]]:
    """BUILD file -> the sources of the one `files` target to add there so that every unowned
    file is owned: a copied folder's `**/*`, a glob's pattern, a file's name."""
    sources: dict[str, list[str]] = defaultdict(list)
    folders = set()
    for u in found:
        if not u.unowned:
            continue
        if u.path == "." or any(f.startswith(f"{u.path}/") for f in u.unowned):  # a folder
            top = "" if u.path == "." else u.path
            folders.add(top)
            sources[os.path.join(top, "BUILD")] = ["**/*"]
            continue
        folder = os.path.dirname(u.path)
        if _GLOB & set(os.path.basename(u.path)):
            wanted = [os.path.basename(u.path)]
        else:
            wanted = sorted({os.path.basename(f) for f in u.unowned})
        sources[os.path.join(folder, "BUILD")] += wanted
    return {
        build: (["**/*"] if os.path.dirname(build) in folders else sorted(set(names)))
        for build, names in sorted(sources.items())
    }


def uncopied_message(address: str, dockerfile: str, found: Sequence[Uncopied]) -> str:
    """What to say of an image whose Dockerfile copies files from outside its build context:
    each COPY source with what it misses, then one fix for all of them."""
    clauses = []
    for u in found:
        said = [f"no target owns {_named(u.unowned)}"] if u.unowned else []
        said += [
            f"{owner} owns {_named(files)} but the image does not depend on it"
            for owner, files in u.not_depended_on
        ]
        clauses.append(f"line {u.line} {u.source}: {'; '.join(said)}")
    targets = _files_targets(found)
    fixes = [
        f'add `files(name="{TARGET}", sources={json.dumps(names)})` to {build}'
        for build, names in targets.items()
    ]
    depend_on = [f"{os.path.dirname(build) or '//'}:{TARGET}" for build in targets]
    depend_on += sorted({owner for u in found for owner, _ in u.not_depended_on})
    fixes.append(f"add {json.dumps(depend_on)[1:-1]} to the image's dependencies")
    return (
        f"{address}: {dockerfile} copies files from outside the image's build context (Pants puts "
        f"there only the files of its dependencies), so the build cannot copy them and a change "
        f"to them rebuilds nothing: {'. '.join(clauses)}. Fix: {'; '.join(fixes)}."
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
    wrapped, dockerfile = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")),
        Get(ImageDockerfile, ImageDockerfileRequest(request.address)),
    )
    if dockerfile.parsed is None:
        return UncopiedFiles(())
    target = wrapped.target
    try:
        direct, build_args = await MultiGet(
            Get(Targets, DependenciesRequest(target[Dependencies])),
            Get(DockerBuildArgs, DockerBuildArgsRequest(target)),
        )
    except ResolveError:
        # A dependency that does not exist: the goals that build say so; this is only a hint,
        # and bbc-tree and bbc-check still draw and check the family.
        return UncopiedFiles(())
    given = {k: v for k, v in build_args.to_dict().items() if v is not None}
    root = DockerPackageFieldSet.create(target).get_context_root(docker.default_context_root)
    copies = [
        (line, source, context_globs(root, source))
        for line, source in copied_from_context(dockerfile.instructions, given)
    ]
    copies = [copy for copy in copies if copy[2]]
    if not copies:
        return UncopiedFiles(())
    # As Pants' docker backend makes a build context: the files of the image's own dependencies.
    in_context_targets = [t for t in direct if t.has_field(SourcesField)]
    matched = await MultiGet(Get(Paths, PathGlobs(globs)) for _, _, globs in copies)
    owned = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(t[SourcesField])) for t in in_context_targets
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
    found = []
    for (line, source, globs), files in zip(copies, missing):
        if not files:
            continue
        elsewhere: dict[str, list[str]] = defaultdict(list)
        for f in files:
            if owner_of[f]:
                elsewhere[owner_of[f][0]].append(f)
        found.append(
            Uncopied(
                line,
                source,
                "." if globs == ("**",) else globs[0],
                tuple(f for f in files if not owner_of[f]),
                tuple((owner, tuple(fs)) for owner, fs in sorted(elsewhere.items())),
            )
        )
    if not found:
        return UncopiedFiles(())
    return UncopiedFiles((uncopied_message(str(request.address), dockerfile.parsed.path, found),))


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
