from bbc.container_tests.contract_files import (
    collected_modules,
    glob_problems,
    outcome,
    pytest_args,
    repository_globs,
)


def test_globs_stay_in_the_build_files_folder():
    assert glob_problems(["contract/test_*.py", "!contract/test_slow.py", "data/*"]) == []
    assert glob_problems(["/etc/test_x.py", "../other/test_*.py", "a/../../b", "", "!"]) == [
        "'/etc/test_x.py' is absolute: write it relative to the BUILD file's folder",
        "'../other/test_*.py' leaves the BUILD file's folder: keep the tests beside it",
        "'a/../../b' leaves the BUILD file's folder: keep the tests beside it",
        "'' is empty",
        "'!' is empty",
    ]


def test_globs_are_made_relative_to_the_repository_and_bad_ones_left_out():
    assert repository_globs("images/flask", ["contract/*.py", "!contract/x.py", "/abs"]) == (
        ["images/flask/contract/*.py", "images/flask/contract/conftest.py"],
        ["images/flask/contract/x.py"],
    )
    assert repository_globs("", ["contract/test_a.py"]) == (
        ["contract/test_a.py", "contract/conftest.py"],
        [],
    )


def test_pytest_collects_test_modules_only():
    files = ["a/contract/conftest.py", "a/contract/test_b.py", "a/contract/helpers.py"]
    assert collected_modules([*files, "a/contract/a_test.py", "a/contract/data.json"]) == [
        "a/contract/a_test.py",
        "a/contract/test_b.py",
    ]
    assert collected_modules(["a/contract/conftest.py"]) == []


def test_pytest_runs_the_plugin_writes_junit_and_names_the_suite():
    args = pytest_args(
        ["a/contract/test_b.py", "a/contract/sub/test_c.py"], "img/c:c (from img/a:a)"
    )
    assert args[:2] == ("-p", "bbc_contract")
    assert "--junitxml=bbc-out/pytest.xml" in args
    assert "junit_suite_name=img/c:c (from img/a:a)" in args
    assert args[-2:] == ("a/contract/test_b.py", "a/contract/sub/test_c.py")


def test_what_pytest_s_exit_says():
    assert outcome(0, 30) == (True, "")
    assert outcome(1, 30) == (False, "")
    assert outcome(124, 30) == (False, "timed out after 30 s")
    assert outcome(5, 30) == (False, "pytest collected no test")
    assert outcome(2, 30) == (False, "pytest was interrupted")
    assert outcome(139, 30) == (False, "pytest exited with 139")
