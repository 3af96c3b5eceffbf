"""`./pants test` for images: contracts, clean production images, and the app's own tests.

For every image:
- the contract tests of the image and of all its ancestors run in its production image: shell
  one-liners inside a container, pytest files on the host driving containers of it;
- with a test variant: the test-only packages must be absent from the production image and
  present in the variant, and `test_command` runs in the variant (its JUnit XML is kept).
An image's variants (`variants`) each get the same checks, named `[<variant>] ...`.
Every check runs in its own container (container_tests/containers.py), within the image's test time
limit, and is cached by the image id and the command until the image changes; `--test-force`
runs them again. An image with nothing to check passes, and says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any, Iterable

from pants.backend.docker.target_types import DockerImageSourceField
from pants.core.goals.test import TestFieldSet, TestRequest, TestResult, TestSubsystem
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, FileContent, FileDigest, Snapshot
from pants.engine.process import FallibleProcessResult, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from bbc.build.types import PROD, TEST, ImageBuild, ImageBuildRequest
from bbc.container_tests.containers import ContainerResult, ContainerRun, freshest
from bbc.container_tests.contract_pytest import ContractPytestResult, ContractPytestRun
from bbc.container_tests.image_checks import Runner, app_tests, clean_checks
from bbc.container_tests.junit import Check, junit_xml, report_stem, summary
from bbc.graph.image_graph import ImageGraph
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


@dataclass(frozen=True)
class ContainerTestFieldSet(BBCImagesOnly, TestFieldSet):
    required_fields = (DockerImageSourceField, ImageVersionField)

    version: ImageVersionField
    timeout: ContainerTestsTimeoutField


class ContainerTestRequest(TestRequest):
    tool_subsystem = ContainerTestsSubsystem
    field_set_type = ContainerTestFieldSet


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
    last = freshest(ran)
    return TestResult(
        exit_code=0 if all(c.passed for c in checks) else 1,
        stdout=text,
        stdout_digest=FileDigest(hashlib.sha256(stdout).hexdigest(), len(stdout)),
        stderr="",
        stderr_digest=FileDigest(hashlib.sha256(b"").hexdigest(), 0),
        addresses=(address,),
        output_setting=test_subsystem.output,
        # Pants prints a summary line (with the source: ran, cached...) only with metadata.
        result_metadata=last.metadata if last else None,
        xml_results=xml,
    )


async def _contract_checks(
    address: Address, prod: ImageBuild, graph: ImageGraph, runner: Runner
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


async def _ancestor_failure(build: ImageBuild) -> str:
    """Why an image was not built, from the ancestor that stopped it: its own failure (stage,
    step and Docker's error), on screen and in the JUnit file of every image it blocks."""
    blocker = await Get(ImageBuild, ImageBuildRequest(build.blocked_by, PROD))
    return f"its ancestor {build.blocked_by} failed to build: " + (
        blocker.failure or "see that image's own output"
    )


async def _checks_of(
    target: Target, variant: str | None, graph: ImageGraph, runner: Runner, bbc: BBC
) -> tuple[list[Check], list[FileContent], list[FallibleProcessResult]]:
    """The checks of the image or of one of its variants: the contract tests in its production
    image, then with a test variant the test-only packages and `test_command`."""
    address, mode = target.address, target[TestVariantField].value
    command = target[TestCommandField].value or ""
    prod = await Get(ImageBuild, ImageBuildRequest(address, PROD, image_variant=variant))
    if not prod.ok:
        why = prod.failure or await _ancestor_failure(prod)
        return [Check("build", "production image", False, why)], [], []
    checks, contract_xml, ran = await _contract_checks(address, prod, graph, runner)
    if not mode:
        return checks, contract_xml, ran

    test = await Get(ImageBuild, ImageBuildRequest(address, TEST, image_variant=variant))
    if not test.ok:
        why = test.failure or await _ancestor_failure(test)
        return [*checks, Check("build", "test variant", False, why)], contract_xml, ran
    if bbc.test_only_packages and target[TestOnlyPackagesCheckField].value is not False:
        checks.extend(await clean_checks(target, tuple(bbc.test_only_packages), prod, test, runner))
    app_check, app_ran, app_xml = await app_tests(address, test, command, runner)
    return [*checks, app_check], [*contract_xml, *app_xml], [*ran, app_ran]


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
    runner = Runner(
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

    checks, xml, ran = [], [], []
    # The image, then each variant: they share the contract tests and test settings.
    for name in (None, *sorted(graph.infos[address].variants)):
        found = await _checks_of(target, name, graph, runner, bbc)
        checks += [replace(c, name=f"[{name}] {c.name}") if name else c for c in found[0]]
        stem = report_stem(str(address))
        xml += [
            replace(f, path=f.path.replace(stem, f"{stem}.{name}", 1)) if name else f
            for f in found[1]
        ]
        ran += found[2]
    return await _report(address, checks, test_subsystem, ran, xml)


def rules():
    return [*collect_rules(), *ContainerTestRequest.rules()]
