"""A downstream repository cloned for its Dockerfiles, then its update branch committed and
pushed, with real git on a repository in a temporary folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants.util.frozendict import FrozenDict

from bbc.downstream.git import Clone, CloneRequest, Update, UpdateRequest
from bbc.downstream.references import TRAILER

from bbc_tests.rule_runner import ENV, plugin_rule_runner, repository_options

NOT_UTF8 = b"FROM r/bbc/flask:1.0.0\n# caf\xe9\n"


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def app(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    (folder / "sub").mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.email", "app@example.com")
    git(folder, "config", "user.name", "App team")
    (folder / "Dockerfile").write_text("FROM r/bbc/python:1.0.0\n")
    (folder / "sub" / "Containerfile").write_bytes(NOT_UTF8)
    (folder / "README.md").write_text("not a Dockerfile\n")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "The app")
    return folder


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    return plugin_rule_runner(QueryRule(Clone, [CloneRequest]), QueryRule(Update, [UpdateRequest]))


def update(rule_runner: RuleRunner, app: Path, files: dict[str, str], message: str) -> Update:
    clone = rule_runner.request(Clone, [CloneRequest(str(app))])
    assert clone.failure is None and clone.digest is not None
    request = UpdateRequest(str(app), clone.digest, FrozenDict(files), message, "bbc/update")
    return rule_runner.request(Update, [request])


def test_a_clone_holds_the_dockerfiles_byte_for_byte_and_names_its_base(
    rule_runner: RuleRunner, app: Path
) -> None:
    clone = rule_runner.request(Clone, [CloneRequest(str(app))])
    assert clone.failure is None and clone.base == "main"
    assert sorted(clone.dockerfiles) == ["Dockerfile", "sub/Containerfile"]
    assert clone.dockerfiles["Dockerfile"] == "FROM r/bbc/python:1.0.0\n"
    assert clone.dockerfiles["sub/Containerfile"].encode("utf-8", "surrogateescape") == NOT_UTF8


def test_a_repository_that_cannot_be_cloned_says_what_git_said(
    rule_runner: RuleRunner, tmp_path: Path
) -> None:
    clone = rule_runner.request(Clone, [CloneRequest(str(tmp_path / "missing"))])
    assert clone.digest is None and clone.failure is not None
    assert clone.failure.startswith("git clone failed: ") and "missing" in clone.failure


def test_the_update_branch_is_pushed_then_left_alone_when_nothing_changed(
    rule_runner: RuleRunner, app: Path
) -> None:
    files = {"Dockerfile": "FROM r/bbc/python:1.0.1\n"}
    message = f"Move python to 1.0.1\n\n{TRAILER}\n"
    assert update(rule_runner, app, files, message) == Update("pushed")
    assert git(app, "show", "bbc/update:Dockerfile") == "FROM r/bbc/python:1.0.1\n"
    assert git(app, "log", "-1", "--format=%B", "bbc/update").strip().endswith(TRAILER)
    # A new run of ./pants (a new session, with a new run token) clones again.
    rule_runner.set_options(repository_options(), env_inherit=ENV)
    assert update(rule_runner, app, files, message) == Update("unchanged")
    assert git(app, "rev-list", "--count", "main..bbc/update") == "1\n"


def test_a_branch_with_commits_of_others_is_not_replaced(
    rule_runner: RuleRunner, app: Path
) -> None:
    git(app, "checkout", "-q", "-b", "bbc/update")
    (app / "Dockerfile").write_text("FROM r/bbc/python:9.9.9\n")
    git(app, "commit", "-q", "-am", "Hand-made")
    git(app, "checkout", "-q", "main")
    found = update(rule_runner, app, {"Dockerfile": "FROM r/bbc/python:1.0.1\n"}, TRAILER)
    assert found.outcome is None and found.failure is not None
    assert "the branch bbc/update has commits bbc-downstream did not make" in found.failure
    assert "Hand-made" in found.failure
    assert git(app, "show", "bbc/update:Dockerfile") == "FROM r/bbc/python:9.9.9\n"
