"""bbc-update's resolver of the images' Python lockfiles: every resolve that an image installs
from (3rdparty/python/images.lock here) generated again through Pants' own `generate-lockfiles`
rules, exactly as `./pants generate-lockfiles --resolve=<name>` would write it; and once more
with the requirements' version ranges left out, to know the newest releases
(updates/python_versions.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.backend.python.goals.lockfile import (
    GeneratePythonLockfile,
    RequestedPythonUserResolveNames,
)
from pants.backend.python.macros.python_requirements import PythonRequirementsSourceField
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import (
    PythonRequirementResolveField,
    PythonRequirementsField,
)
from pants.core.goals.generate_lockfiles import GenerateLockfileResult, UserGenerateLockfiles
from pants.engine.fs import Digest, DigestContents, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets, WrappedTarget, WrappedTargetRequest
from pants.util.ordered_set import FrozenOrderedSet

from bbc.graph.image_graph import ImageGraph
from bbc.model.inputs import ImageInputs, ImageInputsRequest
from bbc.updates.python_versions import requirement_names, unbounded
from bbc.updates.types import PythonLocksRequest


@dataclass(frozen=True)
class PythonLock:
    resolve: str
    lockfile: str
    old: str
    new: str
    installs: tuple[tuple[str, tuple[str, ...]], ...]  # (image, the requirements it installs)
    newest: str | None = None  # the lockfile without version ranges; None: see newest_problem
    newest_problem: str | None = None
    # (normalized name, `<file>: <requirement as written>`) of each requirement of the resolve
    requirements: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PythonLocks:
    locks: tuple[PythonLock, ...]


@dataclass(frozen=True)
class RequirementOriginsRequest:
    resolves: tuple[str, ...]


@dataclass(frozen=True)
class RequirementOrigins:
    origins: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # resolve -> (requirement, file)

    def of(self, resolve: str) -> tuple[tuple[str, str], ...]:
        return dict(self.origins).get(resolve, ())


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
    origins = await Get(RequirementOrigins, RequirementOriginsRequest(tuple(resolves)))
    locks = []
    for request, r, contents in zip(requests, results, new):
        newest, problem = await _newest(request)
        locks.append(
            PythonLock(
                r.resolve_name,
                r.path,
                old_text.get(r.path, ""),
                contents[0].content.decode(),
                tuple(sorted(installs[r.path])),
                newest,
                problem,
                tuple(sorted(requirement_names(dict(origins.of(r.resolve_name))).items())),
            )
        )
    return PythonLocks(tuple(locks))


async def _newest(request: GeneratePythonLockfile) -> tuple[str | None, str | None]:
    """The lockfile of the request's requirements without their version ranges (the newest
    releases that resolve together), or why it could not be made."""
    without_ranges = dataclasses.replace(
        request,
        requirements=FrozenOrderedSet(unbounded(r) for r in request.requirements),
        diff=False,
    )
    try:
        result = await Get(GenerateLockfileResult, GeneratePythonLockfile, without_ranges)
    except Exception as e:  # a resolve that fails: the newest releases stay unknown
        lines = [line for line in str(e).splitlines() if line.strip()]
        return None, f"resolving {request.resolve_name} without version ranges failed: " + (
            lines[-1] if lines else type(e).__name__
        )
    contents = await Get(DigestContents, Digest, result.digest)
    return contents[0].content.decode(), None


@rule(desc="Finding the images' Python requirements")
async def requirement_origins(
    request: RequirementOriginsRequest, targets: AllTargets, python_setup: PythonSetup
) -> RequirementOrigins:
    """Each resolve's requirements as written, with the file that says them."""
    resolves = request.resolves
    mine = [
        t
        for t in targets
        if t.has_field(PythonRequirementsField)
        and t.has_field(PythonRequirementResolveField)
        and t[PythonRequirementResolveField].normalized_value(python_setup) in resolves
    ]
    generators = sorted(
        {
            t.address.maybe_convert_to_target_generator()
            for t in mine
            if t.address.is_generated_target
        }
    )
    wrapped = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin="bbc-update"))
        for a in generators
    )
    files = {
        w.target.address: w.target[PythonRequirementsSourceField].file_path
        for w in wrapped
        if w.target.has_field(PythonRequirementsSourceField)
    }
    origins: dict[str, dict[str, str]] = {}
    for t in mine:
        where = files.get(t.address.maybe_convert_to_target_generator()) or str(t.address)
        for requirement in t[PythonRequirementsField].value:
            resolve = t[PythonRequirementResolveField].normalized_value(python_setup)
            origins.setdefault(resolve, {})[str(requirement)] = where
    return RequirementOrigins(
        tuple((r, tuple(sorted(found.items()))) for r, found in sorted(origins.items()))
    )


def rules():
    return collect_rules()
