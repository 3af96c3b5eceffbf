"""Contract test files: pytest files in an image's folder, run on the host against a container of
the image (and of every descendant). Which files an image declares, the pytest command line, and
what pytest's exit says, as plain data.
"""

from __future__ import annotations

import fnmatch
import posixpath
from typing import Iterable

# What the host-side pytest needs from the Python resolve it is built from.
REQUIREMENTS = ("pytest", "docker")
# The pytest plugin that gives tests the image under test and its containers (bbc/host/).
PLUGIN = "bbc_contract"
REPORT = "bbc-out/pytest.xml"
TIMED_OUT = 124
# pytest's own exit codes (pytest.ExitCode).
_EXITS = {
    2: "pytest was interrupted",
    3: "pytest failed internally",
    4: "pytest was called wrongly",
    5: "pytest collected no test",
}
# pytest's default `python_files`: the files it collects tests from.
TEST_MODULES = ("test_*.py", "*_test.py")


def glob_problems(globs: Iterable[str]) -> list[str]:
    """What is wrong with `contract_test_files` globs: they are relative to the BUILD file's
    folder and stay inside it."""
    problems = []
    for glob in globs:
        path = glob[1:] if glob.startswith("!") else glob
        if not path.strip():
            problems.append(f"{glob!r} is empty")
        elif posixpath.isabs(path):
            problems.append(f"{glob!r} is absolute: write it relative to the BUILD file's folder")
        elif ".." in path.split("/"):
            problems.append(f"{glob!r} leaves the BUILD file's folder: keep the tests beside it")
    return problems


def repository_globs(spec_path: str, globs: Iterable[str]) -> tuple[list[str], list[str]]:
    """(includes, excludes): the globs relative to the repository root ("!x" excludes x), and the
    conftest.py beside each included glob. Globs with problems are left out."""
    includes, excludes = [], []
    for glob in globs:
        if glob_problems([glob]):
            continue
        if glob.startswith("!"):
            excludes.append(posixpath.join(spec_path, glob[1:]))
        else:
            includes.append(posixpath.join(spec_path, glob))
    # pytest's conftest.py files beside the tests always go with them.
    conftests = {posixpath.join(posixpath.dirname(g), "conftest.py") for g in includes}
    includes += sorted(conftests - set(includes))
    return includes, excludes


def collected_modules(files: Iterable[str]) -> list[str]:
    """The files pytest collects tests from; the others (conftest.py, helpers, data) are only
    beside them."""
    return sorted(
        f for f in files if any(fnmatch.fnmatch(posixpath.basename(f), p) for p in TEST_MODULES)
    )


def pytest_args(modules: Iterable[str], suite: str) -> tuple[str, ...]:
    """pytest's arguments: no colour, short tracebacks with the failing assertion, a summary of
    failures and errors, JUnit XML (its suite named `suite`), and the BBC plugin (which puts each
    test file's folder on `sys.path`). Test files are imported by path (`importlib`), so that
    two images' `test_contract.py` never clash."""
    return (
        "-p",
        PLUGIN,
        "-p",
        "no:cacheprovider",
        "--rootdir=.",
        "--import-mode=importlib",
        "--color=no",
        "--tb=short",
        "-rfE",
        f"--junitxml={REPORT}",
        "-o",
        f"junit_suite_name={suite}",
        *modules,
    )


def outcome(exit_code: int, time_limit: int) -> tuple[bool, str]:
    """(passed, what to add to the check's name) for pytest's exit code. Failed tests speak for
    themselves in pytest's output."""
    if exit_code == 0:
        return True, ""
    if exit_code == TIMED_OUT:
        return False, f"timed out after {time_limit} s"
    if exit_code in _EXITS:
        return False, _EXITS[exit_code]
    return False, "" if exit_code == 1 else f"pytest exited with {exit_code}"
