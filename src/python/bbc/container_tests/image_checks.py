"""The checks `./pants test` runs in containers of an image beyond its contract tests: the
test-only packages (absent from production, present in the test variant) and `test_command` in
the test variant. container_tests/test.py runs them for the image and each of its variants.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult, ProcessCacheScope
from pants.engine.rules import Get, MultiGet
from pants.engine.target import Target

from bbc.build.types import ImageBuild
from bbc.container_tests.containers import ContainerResult, ContainerRun
from bbc.container_tests.junit import Check, capped, report_stem
from bbc.target_types import TestOnlyPackagesCheckField

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
class Runner:
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


async def clean_checks(
    target: Target, packages: tuple[str, ...], prod: ImageBuild, test: ImageBuild, runner: Runner
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


async def app_tests(
    address: Address, test: ImageBuild, command: str, runner: Runner
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
