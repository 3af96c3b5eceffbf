"""Goals given no BBC image say so, each the same way, with what to name instead."""

from __future__ import annotations

import pytest
from pants.engine.goal import Goal
from pants.testutil.rule_runner import RuleRunner

from bbc.changes.diff import Diff
from bbc.downstream.downstream import Downstream
from bbc.publish.releases import Releases

from bbc_tests.rule_runner import ENV, plugin_rule_runner, repository_options


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    rule_runner = plugin_rule_runner()
    rule_runner.write_files(
        {
            "img/root/BUILD": 'docker_image(name="root", version="1.0.0")\n'
            'file(name="notes", source="notes.txt")\n',
            "img/root/Dockerfile": "FROM scratch\n",
            "img/root/notes.txt": "not an image",
        }
    )
    return rule_runner


@pytest.mark.parametrize(
    "goal, options, exit_code, error",
    [
        (
            Releases,
            [],
            0,
            "bbc-releases: no BBC images named. All of them: ./pants bbc-releases ::",
        ),
        (
            Downstream,
            ["--bbc-downstream-repositories=['../app']"],
            1,
            "bbc-downstream: no BBC images named. All of them: ./pants bbc-downstream ::",
        ),
        (Diff, [], 1, "bbc-diff: no BBC images named, e.g. ./pants bbc-diff images/flask"),
    ],
)
def test_a_goal_given_no_bbc_image_says_what_to_name(
    rule_runner: RuleRunner, goal: type[Goal], options: list[str], exit_code: int, error: str
) -> None:
    result = rule_runner.run_goal_rule(
        goal,
        global_args=[*repository_options(), *options],
        args=["img/root:notes"],
        env_inherit=ENV,
    )
    assert (result.exit_code, result.stdout, result.stderr) == (exit_code, "", error + "\n")
