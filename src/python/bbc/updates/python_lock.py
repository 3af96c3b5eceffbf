"""bbc-update's resolver of the images' Python lockfiles: every resolve that an image installs
from (3rdparty/python/images.lock here) generated again through Pants' own `generate-lockfiles`
rules, exactly as `./pants generate-lockfiles --resolve=<name>` would write it."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.python.goals.lockfile import (
    GeneratePythonLockfile,
    RequestedPythonUserResolveNames,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.core.goals.generate_lockfiles import GenerateLockfileResult, UserGenerateLockfiles
from pants.engine.fs import Digest, DigestContents, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule

from bbc.graph.image_graph import ImageGraph
from bbc.model.inputs import ImageInputs, ImageInputsRequest
from bbc.updates.types import PythonLocksRequest


@dataclass(frozen=True)
class PythonLock:
    resolve: str
    lockfile: str
    old: str
    new: str
    installs: tuple[tuple[str, tuple[str, ...]], ...]  # (image, the requirements it installs)


@dataclass(frozen=True)
class PythonLocks:
    locks: tuple[PythonLock, ...]


@rule(desc="Generating the images' Python lockfiles again")
async def resolve_python_locks(
    _: PythonLocksRequest, graph: ImageGraph, python_setup: PythonSetup
) -> PythonLocks:
    addresses = [a for a, info in graph.infos.items() if not info.error]
    inputs = await MultiGet(Get(ImageInputs, ImageInputsRequest(a)) for a in addresses)
    installs: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for found in inputs:
        for path, names in found.lock_names:
            installs.setdefault(path, []).append((str(found.address), names))
    resolves = sorted(name for name, path in python_setup.resolves.items() if path in installs)
    if not resolves:
        return PythonLocks(())
    requests = await Get(UserGenerateLockfiles, RequestedPythonUserResolveNames(resolves))
    results = await MultiGet(
        Get(GenerateLockfileResult, GeneratePythonLockfile, request) for request in requests
    )
    new = await MultiGet(Get(DigestContents, Digest, r.digest) for r in results)
    old = await Get(DigestContents, PathGlobs([r.path for r in results]))
    old_text = {c.path: c.content.decode() for c in old}
    return PythonLocks(
        tuple(
            PythonLock(
                r.resolve_name,
                r.path,
                old_text.get(r.path, ""),
                contents[0].content.decode(),
                tuple(sorted(installs[r.path])),
            )
            for r, contents in zip(results, new)
        )
    )


def rules():
    return collect_rules()
