"""`./pants test` for images: contracts, clean production images, and the app's own tests.

For every image:
- the contract tests of the image and of all its ancestors run in its production image: shell
  one-liners inside a container, pytest files on the host driving containers of it;
- with a test variant: the test-only packages must be absent from the production image and
  present in the variant, and `test_command` runs in the variant (its JUnit XML is kept).
Every check runs in its own container (rules/containers.py), within the image's test time
limit, and is cached by the image id and the command until the image changes; `--test-force`
runs them again. An image with nothing to check passes, and says so.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any, Iterable

from pants.backend.docker.target_types import DockerImageSourceField
from pants.core.goals.test import TestFieldSet, TestRequest, TestResult, TestSubsystem
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, FileDigest, Snapshot
from pants.engine.process import FallibleProcessResult, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from bbc.core.junit import Check, capped, junit_xml, report_stem, summary
from bbc.rules.build_types import PROD, TEST, ImageBuild, ImageBuildRequest
from bbc.rules.containers import ContainerResult, ContainerRun, freshest
from bbc.rules.contract_pytest import ContractPytestResult, ContractPytestRun
from bbc.rules.image_graph import ImageGraph
from bbc.subsystems import BBC, ContainerTestsSubsystem
from bbc.target_types import (
    ContainerTestsTimeoutField,
    ContractTestFilesField,
    ContractTestsField,
    ImageVersionField,
    BBCImagesOnly,
    TestCommandField,
    TestOnlyPackagesCheckField,
    TestVariantField,
)

REPORTS = "/tmp/bbc-reports"
NO_PYTHON = 3
# Runs in the image, on its own Python: which of the named distributions are installed.
INSTALLED = (
    "import importlib.metadata as m, sys; "
    "names = {d.metadata['Name'].lower() for d in m.distributions()}; "
    "print(' '.join(p for p in sys.argv[1:] if p.lower() in names))"
)
_WITH_PYTHON = 'command -v python >/dev/null 2>&1 || exit 3; exec python -c "$0" "$@"'


@dataclass(frozen=True)
class ContainerTestFieldSet(BBCImagesOnly, TestFieldSet):
    required_fields = (DockerImageSourceField, ImageVersionField)

    version: ImageVersionField
    timeout: ContainerTestsTimeoutField


class ContainerTestRequest(TestRequest):
    tool_subsystem = ContainerTestsSubsystem
    field_set_type = ContainerTestFieldSet


@dataclass(frozen=True)
class _Runner:
    """How this image's checks run: their time limit, cache scope and output limit."""

    address: Address
    time_limit: int
    cache_scope: ProcessCacheScope
    output_limit: int

    def run(
        self, image_id: str, command: str, *args: str, description: str, **kwargs: Any
    ) -> ContainerRun:
        """`/bin/sh -c <command> <args>` in a container of the image."""
        create = ("--entrypoint", "/bin/sh", *kwargs.pop("env", ()), image_id, "-c", command, *args)
        return ContainerRun(create, description, self.time_limit, self.cache_scope, **kwargs)

    def check(
        self, suite: str, name: str, ran: ContainerResult, passed: bool | None = None
    ) -> Check:
        output = ran.output
        if ran.timed_out:
            name = f"{name}: timed out after {self.time_limit} s"
        return Check(
            suite,
            name,
            ran.exit_code == 0 if passed is None else passed,
            capped(output, self.output_limit),
        )


async def _report(
    address: Address,
    checks: list[Check],
    test_subsystem: TestSubsystem,
    ran: Iterable[FallibleProcessResult | None] = (),
    extra_xml=(),
) -> TestResult:
    """The test result: a summary (with the output of what failed) and JUnit XML."""
    name = str(address)
    files = [FileContent(f"{report_stem(name)}.bbc.xml", junit_xml(name, checks)), *extra_xml]
    xml = await Get(Snapshot, CreateDigest(files))
    text = summary(name, checks)
    if not checks:
        text = (
            f"{name}: nothing to test: no contract tests in its chain and no test variant. Add "
            f"`contract_tests` or `contract_test_files`, or `test_variant` and `test_command`, "
            f"to test it.\n"
        )
    stdout = text.encode()
    return TestResult(
        exit_code=0 if all(c.passed for c in checks) else 1,
        stdout=text,
        stdout_digest=FileDigest(hashlib.sha256(stdout).hexdigest(), len(stdout)),
        stderr="",
        stderr_digest=FileDigest(hashlib.sha256(b"").hexdigest(), 0),
        addresses=(address,),
        output_setting=test_subsystem.output,
        # Pants prints a summary line (with the source: ran, cached...) only with metadata.
        result_metadata=last.metadata if (last := freshest(ran)) else None,
        xml_results=xml,
    )


async def _contract_checks(
    address: Address, prod: ImageBuild, graph: ImageGraph, runner: _Runner
) -> tuple[list[Check], list[FileContent], list[FallibleProcessResult]]:
    """The contract tests of the image and of every ancestor, against the production image:
    shell one-liners in a container, and pytest files on the host (their JUnit XML is kept)."""
    declaring = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin="<bbc>"))
        for a in (address, *graph.ancestors(address))
    )
    contracts = [
        (str(w.target.address), title, shell)
        for w in declaring
        for title, shell in (w.target[ContractTestsField].value or {}).items()
    ]
    with_files = [w.target for w in declaring if w.target[ContractTestFilesField].value]
    shell = [
        Get(
            ContainerResult,
            ContainerRun,
            runner.run(prod.image_id, command, description=f"Contract '{title}' on {address}"),
        )
        for _, title, command in contracts
    ]
    files = [
        Get(
            ContractPytestResult,
            ContractPytestRun(
                address,
                prod.image_id,
                t.address,
                tuple(t[ContractTestFilesField].value or ()),
                graph.infos[t.address].build_file,
                runner.time_limit,
                runner.cache_scope,
                runner.output_limit,
            ),
        )
        for t in with_files
    ]
    # One MultiGet, so that both kinds run in parallel.
    done = await MultiGet(*shell, *files) if shell or files else ()  # type: ignore
    results, pytests = done[: len(shell)], done[len(shell) :]
    checks = [
        runner.check("contract tests", f"{title} (from {origin})", r)
        for (origin, title, _), r in zip(contracts, results)
    ]
    ran = [r.result for r in results] + [p.result for p in pytests if p.result]
    xml = [f for p in pytests for f in p.reports]
    return [*checks, *(p.check for p in pytests)], xml, ran


async def _clean_checks(
    target: Target, packages: tuple[str, ...], prod: ImageBuild, test: ImageBuild, runner: _Runner
) -> list[Check]:
    """Test-only packages: absent from the production image, present in the test variant."""
    wanted_check = target[TestOnlyPackagesCheckField].value
    listed = await MultiGet(
        Get(
            ContainerResult,
            ContainerRun,
            runner.run(
                image_id,
                _WITH_PYTHON,
                INSTALLED,
                *packages,
                description=f"List test-only packages in {target.address} ({kind})",
            ),
        )
        for image_id, kind in ((prod.image_id, "production"), (test.image_id, "test variant"))
    )
    checks = []
    for kind, ran, wanted in zip(("production image", "test variant"), listed, (False, True)):
        what = f"the {kind} {'has' if wanted else 'has none of'} {', '.join(packages)}"
        if ran.exit_code == NO_PYTHON and wanted_check is None:
            checks.append(
                Check(
                    "production is clean",
                    f"{what}: skipped, the image has no `python` to list its distributions "
                    f"with (check_test_only_packages=False skips it knowingly)",
                    True,
                )
            )
            continue
        found = set(ran.output.split()) if ran.exit_code == 0 else set()
        passed = ran.exit_code == 0 and all((p in found) is wanted for p in packages)
        if ran.exit_code == NO_PYTHON:
            ran = ContainerResult(ran.exit_code, "the image has no `python`", ran.files, ran.result)
        checks.append(
            runner.check(
                "production is clean", f"{what} (listed with the image's python)", ran, passed
            )
        )
    return checks


async def _app_tests(
    address: Address, test: ImageBuild, command: str, runner: _Runner
) -> tuple[Check, FallibleProcessResult, list[FileContent]]:
    """`test_command` in the test variant; JUnit XML it writes to $BBC_REPORTS_DIR is kept."""
    ran = await Get(
        ContainerResult,
        ContainerRun,
        runner.run(
            test.image_id,
            'mkdir -p "$BBC_REPORTS_DIR" && exec /bin/sh -c "$0"',
            command,
            description=f"Run the tests of {address} in its test variant",
            env=("--env", f"BBC_REPORTS_DIR={REPORTS}"),
            copy_out=REPORTS,
        ),
    )
    reports = await Get(DigestContents, Digest, ran.files)
    stem = report_stem(str(address))
    xml = [
        FileContent(f"{stem}.{os.path.basename(c.path)}", c.content)
        for c in reports
        if c.path.endswith(".xml")
    ]
    return runner.check("tests", command, ran), ran.result, xml


@rule(desc="Run container tests", level=LogLevel.DEBUG)
async def run_container_tests(
    batch: ContainerTestRequest.Batch[ContainerTestFieldSet, Any],
    test_subsystem: TestSubsystem,
    container_tests: ContainerTestsSubsystem,
    graph: ImageGraph,
    bbc: BBC,
) -> TestResult:
    field_set = batch.single_element
    address = field_set.address
    runner = _Runner(
        address,
        field_set.timeout.calculate_from_global_options(test_subsystem) or 0,
        ProcessCacheScope.PER_SESSION if test_subsystem.force else ProcessCacheScope.SUCCESSFUL,
        container_tests.output_limit,
    )
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<bbc>"))
    target = wrapped.target
    variant, command = target[TestVariantField].value, target[TestCommandField].value
    if bool(variant) != bool(command):
        given, missing = (
            ("test_variant", "test_command") if variant else ("test_command", "test_variant")
        )
        problem = (
            f"{address} sets {given} without {missing}: set both in "
            f"{graph.infos[address].build_file}, or neither."
        )
        return await _report(
            address, [Check("configuration", given, False, problem)], test_subsystem
        )

    prod = await Get(ImageBuild, ImageBuildRequest(address, PROD))
    if not prod.ok:
        why = prod.failure or f"its ancestor {prod.blocked_by} failed to build"
        return await _report(
            address, [Check("build", "production image", False, why)], test_subsystem
        )
    checks, contract_xml, ran = await _contract_checks(address, prod, graph, runner)
    if not variant:
        return await _report(address, checks, test_subsystem, ran, contract_xml)

    test = await Get(ImageBuild, ImageBuildRequest(address, TEST))
    if not test.ok:
        why = test.failure or f"{test.blocked_by} failed to build"
        return await _report(
            address,
            [*checks, Check("build", "test variant", False, why)],
            test_subsystem,
            ran,
            contract_xml,
        )
    if bbc.test_only_packages and target[TestOnlyPackagesCheckField].value is not False:
        checks.extend(
            await _clean_checks(target, tuple(bbc.test_only_packages), prod, test, runner)
        )
    app_check, app_ran, app_xml = await _app_tests(address, test, command, runner)
    return await _report(
        address, [*checks, app_check], test_subsystem, [*ran, app_ran], [*contract_xml, *app_xml]
    )


def rules():
    return [*collect_rules(), *ContainerTestRequest.rules()]
