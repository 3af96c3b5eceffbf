"""The documentation says only what exists: every relative link of README.md, docs/ and
bench/README.md resolves (file and heading), and every `./pants <goal>`, Pants flag, `[scope].option`
and `PANTS_...` variable it names is one that this repository's Pants knows (`./pants help-all`
with this repository's pants.toml and the plugin)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo

DOCS = sorted([Path("README.md"), Path("bench/README.md"), *Path("docs").glob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
# The launcher's own variables, not Pants options (see ./pants).
LAUNCHER_VARIABLES = {"PANTS_NO_NATIVE_CLIENT"}
# Pants' flags that stand for a goal.
GOAL_FLAGS = {"--help", "--version", "--help-advanced", "--help-all"}


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub makes it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def code_spans(text: str) -> list[str]:
    """The text of every code block line and inline code span."""
    spans = []
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, re.S):
        spans.extend(block.splitlines())
    outside = re.sub(r"```.*?```", "", text, flags=re.S)
    spans.extend(re.findall(r"`([^`\n]+)`", outside))
    return spans


def test_the_docs_are_there_and_every_relative_link_resolves() -> None:
    assert len(DOCS) >= 10 and all(p.is_file() for p in DOCS), DOCS
    assert len(Path("README.md").read_text().splitlines()) <= 150
    broken = []
    for doc in DOCS:
        for target in LINK.findall(re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)):
            if re.match(r"[a-z]+:", target):
                continue
            name, _, anchor = target.partition("#")
            path = (doc.parent / name) if name else doc
            if not path.exists():
                broken.append(f"{doc}: {target} (no {path})")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                broken.append(f"{doc}: {target} (no heading #{anchor} in {path})")
    assert broken == []


@pytest.fixture(scope="module")
def pants_help(tmp_path_factory) -> dict:
    repo = Repo(tmp_path_factory.mktemp("docs"), Path.cwd())
    try:
        repo.write("pants.toml", Path("pants.toml").read_text())
        result = repo.pants("--no-pantsd", "help-all")
        assert result.returncode == 0, result.output
        return json.loads(result.stdout)
    finally:
        repo.close()


def named_in_docs() -> tuple[set[str], set[str], set[str], set[str]]:
    """Goals after `./pants`, flags in `./pants` commands (and the plugin's `--bbc-...` flags
    named alone), `[scope].x` options and PANTS_ variables the docs name."""
    goals, flags, options, variables = set(), set(), set(), set()
    for doc in DOCS:
        text = doc.read_text()
        for span in code_spans(text):
            for command in re.findall(r"(?:^|[\s(])\./pants((?: [^\s|;&)]+)*)", span):
                words = command.split()
                words = words[: words.index("--")] if "--" in words else words
                goal = None
                for word in words:
                    if word.startswith("--"):
                        flags.add((goal, word.split("=")[0]))
                    elif goal is None and not word.startswith(("<", "$", "-")):
                        goal = word
                if goal:
                    goals.add(goal)
            if re.fullmatch(r"--bbc-[a-z0-9-]*(=\S*)?", span):  # the plugin's, named alone
                flags.add((None, span.split("=")[0]))
        options.update(re.findall(r"\[([A-Za-z][\w.-]*)\]\.([a-z][a-z0-9_]*)", text))
        variables.update(re.findall(r"\b(PANTS_[A-Z0-9_]+)", text))
    return goals, flags, options, variables


def flags_of(args: list[str], negated: bool) -> list[str]:
    flags = [a for a in args if a.startswith("--")]
    return flags + ([f.replace("--", "--no-", 1) for f in flags] if negated else [])


def test_every_goal_option_and_variable_the_docs_name_exists(pants_help: dict) -> None:
    scopes = pants_help["scope_to_help_info"]
    scoped: set[str] = set()  # --bbc-plan-runners, --changed-since
    by_scope: dict[str, set[str]] = {}  # scope -> its flags without the scope: --runners
    config, env = set(), set()
    for scope, info in scopes.items():
        for option in info["basic"] + info["advanced"] + info["deprecated"]:
            negated = option["typ"] == "bool"
            scoped.update(flags_of(option["scoped_cmd_line_args"], negated))
            by_scope.setdefault(scope, set()).update(
                flags_of(option["unscoped_cmd_line_args"], negated)
            )
            config.add((scope or "GLOBAL", option["config_key"]))
            env.add(option["env_var"])

    def known(goal: str | None, flag: str) -> bool:
        if flag in scoped or flag in by_scope.get("", set()) or flag in GOAL_FLAGS:
            return True
        # After a goal, its own options go without the scope (`bbc-bump --level`).
        return goal is not None and flag in by_scope.get(goal, set())

    goals, flags, options, variables = named_in_docs()
    assert {"package", "test", "publish", "bbc-tree", "bbc-check"} <= goals
    assert sorted(goals - set(pants_help["name_to_goal_info"])) == []
    assert sorted(f"{flag} ({goal})" for goal, flag in flags if not known(goal, flag)) == []
    assert sorted(f"[{s}].{n}" for s, n in options if (s, n) not in config) == []
    assert sorted(variables - env - LAUNCHER_VARIABLES) == []
