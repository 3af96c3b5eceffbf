"""The container-test rule with a fake docker: the `docker create` it runs, the label that lets
the next run sweep leftovers, exit codes, time limits, and that every container is removed."""

from __future__ import annotations

import os
from pathlib import Path
import time

import pytest
from pants.engine.process import ProcessCacheScope
from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc.container_tests.containers import (
    EXPIRES,
    OWNER,
    ContainerResult,
    ContainerRun,
    freshest,
)

from bbc_tests.fake_docker import FakeDocker
from bbc_tests.fakes import process_result
from bbc_tests.rule_runner import ENV, plugin_rule_runner, repository_options


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    return plugin_rule_runner(QueryRule(ContainerResult, [ContainerRun]))


@pytest.fixture
def setup(rule_runner: RuleRunner, tmp_path) -> tuple[RuleRunner, FakeDocker]:
    """The module's rule runner in a new session whose docker is a new fake."""
    fake = FakeDocker(tmp_path)
    rule_runner.set_options([*repository_options(), *fake.options()], env_inherit=ENV)
    return rule_runner, fake


def run(rule_runner: RuleRunner, command: str, time_limit: int = 30) -> ContainerResult:
    check = ContainerRun(
        ("--entrypoint", "/bin/sh", "--env", "A=1", "sha256:abc", "-c", command),
        f"check {command}",
        time_limit,
        ProcessCacheScope.PER_SESSION,
    )
    return rule_runner.request(ContainerResult, [check])


def test_creates_a_labelled_container_runs_it_and_removes_it(setup) -> None:
    rule_runner, fake = setup
    before = int(time.time())
    result = run(rule_runner, "true", time_limit=30)
    assert result.exit_code == 0 and not result.timed_out
    [create] = fake.calls("create")
    name = create.argv[2]
    assert create.argv[:2] == ("create", "--name") and name.startswith("bbc-test-")
    assert create.argv[3] == "--label" and create.argv[4].startswith(f"{EXPIRES}=")
    expires = int(create.argv[4].split("=", 1)[1])
    assert before + 30 + 600 <= expires <= int(time.time()) + 30 + 600  # limit + grace
    assert create.argv[5] == "--label" and create.argv[6].startswith(f"{OWNER}=")
    assert create.argv[7:] == (
        "--entrypoint",
        "/bin/sh",
        "--env",
        "A=1",
        "sha256:abc",
        "-c",
        "true",
    )
    assert [c.argv for c in fake.calls("start")] == [("start", name)]
    assert f"output of {name}" in result.output
    assert ("rm", "-f", name) in [c.argv for c in fake.calls("rm")]
    assert fake.containers() == []


def test_a_check_without_a_time_limit_never_expires_and_names_its_owner(setup) -> None:
    rule_runner, fake = setup
    assert run(rule_runner, "true", time_limit=0).exit_code == 0
    [create] = fake.calls("create")
    assert create.argv[4] == f"{EXPIRES}=0"
    # The script that ran the check: on this machine, in this pid namespace, gone by now.
    where, pid, start = create.argv[6].removeprefix(f"{OWNER}=").split(" ")
    host, boot = (
        Path(f"/proc/sys/kernel/{f}").read_text().strip() for f in ("hostname", "random/boot_id")
    )
    assert where == f"{host}/{boot}/{os.readlink('/proc/self/ns/pid')}/{os.getuid()}"
    assert int(pid) > 0 and int(start) > 0


def test_the_check_exit_code_is_the_result(setup) -> None:
    rule_runner, fake = setup
    fake.flag("exit-code", "3")
    result = run(rule_runner, "exit 3")
    assert result.exit_code == 3 and not result.timed_out and not result.could_not_start


def test_a_check_over_its_time_limit_is_stopped_and_removed(setup) -> None:
    rule_runner, fake = setup
    fake.flag("hang")
    result = run(rule_runner, "sleep 600", time_limit=1)
    assert result.timed_out
    assert "timed out after 1 s: the container was stopped" in result.output
    [create] = fake.calls("create")
    assert ("rm", "-f", create.argv[2]) in [c.argv for c in fake.calls("rm")]
    assert fake.containers() == []


def test_a_container_that_cannot_be_created_is_reported_as_not_started(setup) -> None:
    rule_runner, fake = setup
    fake.flag("no-create")
    result = run(rule_runner, "true")
    assert result.could_not_start
    assert "No such image" in result.output
    assert fake.calls("start") == []


def test_a_test_made_of_several_processes_is_reported_as_what_ran_in_this_run():
    old = process_result(b"old", run_id=1)
    cached = process_result(b"cached", source="hit_locally", run_id=2)
    ran = process_result(b"ran", run_id=2)
    assert freshest([old, ran, cached, None]) is ran
    assert freshest([cached, old]) is cached
    assert freshest([old, None]) is old
    assert freshest([None]) is None and freshest([]) is None
