"""`./pants test` for images: contracts, clean production images, and the app's own tests.

For every image:
- the contract tests of the image and of all its ancestors run in its production image;
- with a test variant: the test-only packages must be absent from the production image and
  present in the variant, and `test_command` runs in the variant (its JUnit XML is kept).
Every check is a process keyed by the image id and the command, so results are cached until
the image changes; `--test-force` runs them again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from pants.backend.docker.target_types import DockerImageSourceField
from pants.core.goals.test import TestFieldSet, TestRequest, TestResult, TestSubsystem
from pants.core.util_rules.system_binaries import (
    SEARCH_PATHS,
    BashBinary,
    BinaryShims,
    BinaryShimsRequest,
)
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, FileDigest, Snapshot
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from bbc.core.junit import Check, junit_xml, summary
from bbc.rules.build_types import PROD, TEST, ImageBuild, ImageBuildRequest
from bbc.rules.docker import Docker
from bbc.rules.image_graph import ImageGraph
from bbc.subsystems import BBC, ContainerTestsSubsystem
from bbc.target_types import (
    ContractTestsField,
    ImageVersionField,
    TestCommandField,
    TestVariantField,
)

REPORTS = "bbc-reports"
# Runs in the image, on its own Python: which of the named distributions are installed.
INSTALLED = (
    "import importlib.metadata as m, sys; "
    "names = {d.metadata['Name'].lower() for d in m.distributions()}; "
    "print(' '.join(p for p in sys.argv[1:] if p.lower() in names))"
)


@dataclass(frozen=True)
class ContainerTestFieldSet(TestFieldSet):
    required_fields = (DockerImageSourceField, ImageVersionField)

    version: ImageVersionField


class ContainerTestRequest(TestRequest):
    tool_subsystem = ContainerTestsSubsystem
    field_set_type = ContainerTestFieldSet


async def _report(
    address: Address,
    checks: list[Check],
    test_subsystem: TestSubsystem,
    last: FallibleProcessResult | None = None,
    extra_xml=(),
) -> TestResult:
    """The test result: a summary (with the output of what failed) and JUnit XML."""
    name = str(address)
    files = [FileContent(f"{_stem(name)}.bbc.xml", junit_xml(name, checks)), *extra_xml]
    xml = await Get(Snapshot, CreateDigest(files))
    stdout = summary(name, checks).encode()
    return TestResult(
        exit_code=0 if checks and all(c.passed for c in checks) else 1,
        stdout=stdout.decode(),
        stdout_digest=FileDigest(hashlib.sha256(stdout).hexdigest(), len(stdout)),
        stderr="",
        stderr_digest=FileDigest(hashlib.sha256(b"").hexdigest(), 0),
        addresses=(address,),
        output_setting=test_subsystem.output,
        # Pants prints a summary line (with the source: ran, cached...) only with metadata.
        result_metadata=last.metadata if last else None,
        xml_results=xml,
    )


@dataclass(frozen=True)
class _Runner:
    """How this run starts containers: Docker, and the test results' cache scope (results are
    kept until the image changes, unless --test-force)."""

    docker: Docker
    cache_scope: ProcessCacheScope

    def run(self, image_id: str, entrypoint: str, *args: str, description: str) -> Process:
        return self.docker.process(
            "run",
            "--rm",
            "--entrypoint",
            entrypoint,
            image_id,
            *args,
            description=description,
            cache_scope=self.cache_scope,
            timeout_seconds=900,
        )


def _output(result: FallibleProcessResult) -> str:
    return (result.stdout + result.stderr).decode(errors="replace")


def _stem(address: str) -> str:
    return address.replace("/", ".").replace(":", ".")


async def _contract_checks(
    address: Address, prod: ImageBuild, graph: ImageGraph, runner: _Runner
) -> tuple[list[Check], FallibleProcessResult | None]:
    """The contract tests of the image and of every ancestor, run in the production image."""
    declaring = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin="<bbc>"))
        for a in (address, *graph.ancestors(address))
    )
    contracts = [
        (str(w.target.address), title, shell)
        for w in declaring
        for title, shell in (w.target[ContractTestsField].value or {}).items()
    ]
    results = await MultiGet(
        Get(
            FallibleProcessResult,
            Process,
            runner.run(
                prod.image_id,
                "/bin/sh",
                "-c",
                shell,
                description=f"Contract '{title}' on {address}",
            ),
        )
        for _, title, shell in contracts
    )
    checks = [
        Check("contract tests", f"{title} (from {origin})", r.exit_code == 0, _output(r))
        for (origin, title, _), r in zip(contracts, results)
    ]
    return checks, (results[-1] if results else None)


async def _clean_checks(
    address: Address, packages: tuple[str, ...], prod: ImageBuild, test: ImageBuild, runner: _Runner
) -> list[Check]:
    """Test-only packages: absent from the production image, present in the test variant."""
    in_prod, in_test = await MultiGet(
        Get(
            FallibleProcessResult,
            Process,
            runner.run(
                image_id,
                "python",
                "-c",
                INSTALLED,
                *packages,
                description=f"List test-only packages in {address} ({kind})",
            ),
        )
        for image_id, kind in ((prod.image_id, "production"), (test.image_id, "test variant"))
    )
    checks = []
    for kind, result, wanted in (
        ("production image", in_prod, False),
        ("test variant", in_test, True),
    ):
        found = set(result.stdout.decode().split())
        passed = result.exit_code == 0 and all((p in found) is wanted for p in packages)
        name = f"the {kind} {'has' if wanted else 'has none of'} {', '.join(packages)}"
        output = f"installed: {sorted(found) or 'none'}\n{result.stderr.decode(errors='replace')}"
        checks.append(Check("production is clean", name, passed, output))
    return checks


async def _app_tests(
    address: Address, test: ImageBuild, command: str, runner: _Runner, bash: BashBinary
) -> tuple[Check, FallibleProcessResult, list[FileContent]]:
    """`test_command` in the test variant, with a report folder the image's user can write."""
    tools = await Get(
        BinaryShims,
        BinaryShimsRequest.for_binaries(
            "mkdir", "chmod", rationale="prepare the test report folder", search_path=SEARCH_PATHS
        ),
    )
    script = (
        'mkdir -p "$1" && chmod 777 "$1" && exec "$DOCKER" run --rm -e BBC_REPORTS_DIR=/bbc-reports '
        '-v "$PWD/$1:/bbc-reports" --entrypoint /bin/sh "$2" -c "$3"'
    )
    process = runner.docker.script(
        bash,
        script,
        REPORTS,
        test.image_id,
        command,
        description=f"Run the tests of {address} in its test variant",
        cache_scope=runner.cache_scope,
        timeout_seconds=900,
        env={"PATH": tools.path_component},
        output_directories=(REPORTS,),
        immutable_input_digests=tools.immutable_input_digests,
    )
    ran = await Get(FallibleProcessResult, Process, process)
    reports = await Get(DigestContents, Digest, ran.output_digest)
    stem = _stem(str(address))
    xml = [
        FileContent(f"{stem}.{os.path.basename(c.path)}", c.content)
        for c in reports
        if c.path.endswith(".xml")
    ]
    return Check("tests", command, ran.exit_code == 0, _output(ran)), ran, xml


@rule(desc="Run container tests", level=LogLevel.DEBUG)
async def run_container_tests(
    batch: ContainerTestRequest.Batch[ContainerTestFieldSet, Any],
    test_subsystem: TestSubsystem,
    graph: ImageGraph,
    bbc: BBC,
    docker: Docker,
    bash: BashBinary,
) -> TestResult:
    address = batch.single_element.address
    force = test_subsystem.force
    runner = _Runner(
        docker, ProcessCacheScope.PER_SESSION if force else ProcessCacheScope.SUCCESSFUL
    )
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<bbc>"))
    variant, command = (
        wrapped.target[TestVariantField].value,
        wrapped.target[TestCommandField].value,
    )
    if bool(variant) != bool(command):
        given, missing = (
            ("test_variant", "test_command") if variant else ("test_command", "test_variant")
        )
        problem = f"{address} sets {given} without {missing}: set both in {address.spec_path}/BUILD, or neither."
        return await _report(
            address, [Check("configuration", given, False, problem)], test_subsystem
        )

    prod = await Get(ImageBuild, ImageBuildRequest(address, PROD))
    if not prod.ok:
        why = prod.failure or f"its ancestor {prod.blocked_by} failed to build"
        return await _report(
            address, [Check("build", "production image", False, why)], test_subsystem
        )
    checks, last = await _contract_checks(address, prod, graph, runner)
    if not variant:
        return await _report(address, checks, test_subsystem, last)

    test = await Get(ImageBuild, ImageBuildRequest(address, TEST))
    if not test.ok:
        why = test.failure or f"{test.blocked_by} failed to build"
        return await _report(
            address, [*checks, Check("build", "test variant", False, why)], test_subsystem, last
        )
    if bbc.test_only_packages:
        checks.extend(
            await _clean_checks(address, tuple(bbc.test_only_packages), prod, test, runner)
        )
    app_check, ran, app_xml = await _app_tests(address, test, command, runner, bash)
    return await _report(address, [*checks, app_check], test_subsystem, ran, app_xml)


def rules():
    return [*collect_rules(), *ContainerTestRequest.rules()]
