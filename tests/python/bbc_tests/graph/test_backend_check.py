"""Pants' docker backend beside the plugin stops the plugin's goals, naming the backend; the
plugin's own hadolint backend (bbc.lint.hadolint) does not register it."""

from __future__ import annotations

import pytest
from pants.backend.docker.lint.hadolint import register as pants_hadolint
from pants.backend.python import register as python_backend
from pants.core import register as core
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc import register
from bbc.graph.backend_check import BackendCheck
from bbc.lint.hadolint import register as bbc_hadolint

from bbc_tests.rule_runner import ENV, repository_options


def _runner(*backend_rules, backends: str) -> RuleRunner:
    rule_runner = RuleRunner(
        target_types=[*core.target_types(), *register.target_types()],
        rules=[
            *core.rules(),
            *python_backend.rules(),
            *register.rules(),
            *backend_rules,
            QueryRule(BackendCheck, []),
        ],
    )
    rule_runner.set_options(
        [*repository_options(), f"--backend-packages={backends}"], env_inherit=ENV
    )
    return rule_runner


def test_the_plugin_alone_and_with_its_hadolint_backend_passes() -> None:
    rule_runner = _runner(*bbc_hadolint.rules(), backends="['bbc', 'bbc.lint.hadolint']")
    assert rule_runner.request(BackendCheck, []) == BackendCheck()


def test_pants_hadolint_backend_registers_pants_docker_rules_and_is_named() -> None:
    rule_runner = _runner(
        *pants_hadolint.rules(), backends="['bbc', 'pants.backend.docker.lint.hadolint']"
    )
    with pytest.raises(ExecutionError) as raised:
        rule_runner.request(BackendCheck, [])
    assert (
        "Pants' own docker rules (package, run, publish) are registered beside the BBC plugin, by "
        "pants.backend.docker.lint.hadolint"
    ) in str(raised.value)
