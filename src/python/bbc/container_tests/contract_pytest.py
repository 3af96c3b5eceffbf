"""Runs an image's contract test files (`contract_test_files`): pytest on the host, driving
containers of the image under test through the `bbc_contract` plugin (bbc/host/bbc_contract.py).

The pytest is a pex built from `[container-tests].resolve` (pytest, the Docker SDK for Python, the
plugin). It runs once per image under test and image declaring the files, with BBC_IMAGE set to
the image's id, so it is cached by the image id and the files like every container test, within
the image's time limit. A watchdog outside its process group removes the containers it left
(label io.bbc.test-run) when it ends, however it ends; expired ones are swept as for every check.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import ConsoleScript
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.backend.python.util_rules.pex_requirements import PexRequirements, Resolve
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs, Snapshot
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.resources import read_resource

from bbc.container_tests.containers import SweptContainers, container_test_tools
from bbc.container_tests.contract_files import (
    PLUGIN,
    REPORT,
    REQUIREMENTS,
    collected_modules,
    glob_problems,
    outcome,
    pytest_args,
    repository_globs,
)
from bbc.container_tests.junit import Check, capped, report_stem
from bbc.model.content import lock_subset, parse_requirement, pep503_name
from bbc.subsystems import ContainerTestsSubsystem
from bbc.util_rules.docker import Docker
from bbc.util_rules.scripts import script

# The label the plugin (bbc_contract.py) puts on the containers of one pytest run.
RUN_LABEL = "io.bbc.test-run"
# Grace, beyond the time limit, before others may remove a container left behind.
_GRACE = 600

_RUN = script(__name__, "process_owner.sh", "contract_pytest.sh")


@dataclass(frozen=True)
class ContractPytest:
    """The host-side pytest, or why there is none."""

    pex: VenvPex | None
    problem: str = ""


def _name(requirement: str) -> str | None:
    """The project a requirement names (`Cyclonedx_Python_Lib[x]==9.1` -> cyclonedx-python-lib)."""
    parsed = parse_requirement(requirement)
    return pep503_name(parsed.name) if parsed else None


@rule(desc="Building the pytest of contract test files", level=LogLevel.DEBUG)
async def contract_pytest(
    subsystem: ContainerTestsSubsystem, python_setup: PythonSetup
) -> ContractPytest:
    resolve = subsystem.resolve or python_setup.default_resolve
    lockfile = python_setup.resolves.get(resolve)
    if lockfile is None:
        known = ", ".join(sorted(python_setup.resolves)) or "none"
        return ContractPytest(
            None,
            f"[container-tests].resolve names the Python resolve {resolve!r}, which "
            f"[python.resolves] in pants.toml does not have (it has: {known}). Name one that "
            f"locks {' and '.join(REQUIREMENTS)}.",
        )
    locks = await Get(DigestContents, PathGlobs([lockfile]))
    text = locks[0].content.decode() if locks else ""
    wanted = (*REQUIREMENTS, *subsystem.extra_requirements)
    locked = {name for name, _, _ in lock_subset(text, wanted)}
    missing = [r for r in wanted if _name(r) not in locked]
    if missing:
        extra = (
            " ([container-tests].extra_requirements)" if set(missing) - set(REQUIREMENTS) else ""
        )
        return ContractPytest(
            None,
            f"the Python resolve {resolve!r} ({lockfile}) does not lock {', '.join(missing)}, "
            f"which contract test files run with{extra}: add {' and '.join(missing)} (pinned) "
            f"to its requirements and run `./pants generate-lockfiles --resolve={resolve}`, or "
            f"name another resolve in [container-tests].resolve.",
        )
    plugin = read_resource("bbc.host", f"{PLUGIN}.py")
    assert plugin is not None
    sources = await Get(Digest, CreateDigest([FileContent(f"{PLUGIN}.py", plugin)]))
    constraints = python_setup.resolves_to_interpreter_constraints.get(
        resolve, python_setup.interpreter_constraints
    )
    pex = await Get(
        VenvPex,
        PexRequest(
            output_filename="bbc-contract-pytest.pex",
            internal_only=True,
            requirements=PexRequirements(
                wanted,
                from_superset=Resolve(resolve, False),
                description_of_origin="the BBC plugin's contract test files",
            ),
            interpreter_constraints=InterpreterConstraints(constraints),
            sources=sources,
            main=ConsoleScript("pytest"),
            description=f"Build pytest for contract test files (resolve {resolve})",
        ),
    )
    return ContractPytest(pex)


@dataclass(frozen=True)
class ContractPytestRun:
    """The contract test files of `origin` against the production image of `image`."""

    image: Address
    image_id: str
    origin: Address
    globs: tuple[str, ...]
    build_file: str  # origin's
    time_limit: int  # seconds; 0: none
    cache_scope: ProcessCacheScope
    output_limit: int


@dataclass(frozen=True)
class ContractPytestResult:
    check: Check
    reports: tuple[FileContent, ...]  # pytest's JUnit XML, when it wrote one
    result: FallibleProcessResult | None


def _failed(name: str, problem: str) -> ContractPytestResult:
    return ContractPytestResult(Check("contract tests", name, False, problem), (), None)


@rule
async def run_contract_pytest(
    run: ContractPytestRun, tool: ContractPytest, docker: Docker, bash: BashBinary
) -> ContractPytestResult:
    origin, where = run.origin, f"contract_test_files={list(run.globs)} in {run.build_file}"
    name = f"contract test files (from {origin})"
    problems = glob_problems(run.globs)
    if problems:
        return _failed(name, f"{origin}: {where}: {'; '.join(problems)}.")
    if tool.pex is None:
        return _failed(name, f"{origin}: {where}: {tool.problem}")
    includes, excludes = repository_globs(origin.spec_path, run.globs)
    files = await Get(Snapshot, PathGlobs([*includes, *(f"!{e}" for e in excludes)]))
    modules = collected_modules(files.files)
    if not modules:
        return _failed(
            name,
            f"{origin}: {where} match no test module (test_*.py or *_test.py) in "
            f"{origin.spec_path or 'the repository root'}: add the files or fix the globs.",
        )
    await Get(SweptContainers)
    tools = await container_test_tools()
    process = await Get(
        Process,
        VenvPexProcess(
            tool.pex,
            argv=pytest_args(modules, f"{run.image} (from {origin})"),
            input_digest=files.digest,
            description=f"Contract test files of {origin} on {run.image}",
            level=LogLevel.DEBUG,
            output_files=(REPORT,),
            cache_scope=run.cache_scope,
            # A backstop: the script stops pytest at its own limit first.
            timeout_seconds=run.time_limit + 120 if run.time_limit else None,
        ),
    )
    env = {
        **process.env,
        **docker.env,
        "DOCKER": docker.path,
        "PATH": tools.path_component,
        "BBC_IMAGE": run.image_id,
        "BBC_RUN_LABEL": RUN_LABEL,
        "BBC_GRACE": str(_GRACE),
    }
    result = await Get(
        FallibleProcessResult,
        Process,
        dataclasses.replace(
            process,
            argv=(bash.path, "-c", _RUN, "bash", str(run.time_limit), *process.argv),
            env=FrozenDict(env),
            immutable_input_digests=FrozenDict(
                {**process.immutable_input_digests, **tools.immutable_input_digests}
            ),
        ),
    )
    passed, note = outcome(result.exit_code, run.time_limit)
    output = (result.stdout + result.stderr).decode(errors="replace")
    reports = await Get(DigestContents, Digest, result.output_digest)
    return ContractPytestResult(
        Check(
            "contract tests",
            f"{' '.join(modules)} (from {origin})" + (f": {note}" if note else ""),
            passed,
            capped(output, run.output_limit),
        ),
        tuple(
            FileContent(
                f"{report_stem(str(run.image))}.from.{report_stem(str(origin))}.pytest.xml",
                c.content,
            )
            for c in reports
            if c.path == REPORT
        ),
        result,
    )


def rules():
    return collect_rules()
