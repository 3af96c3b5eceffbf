"""Contract test files (`contract_test_files`): pytest on the host against containers of an image
and of its descendants, with real Pants and real Docker.

    root ── base (contract/: its promise, a published port, a mounted file...) ─┬─ good
                                                                                └─ bad (breaks it)
"""

from __future__ import annotations

import re
import signal
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, Run, wait_for

PROMISE = """\
def test_the_image_keeps_its_promise(containers):
    ran = containers.run()  # the image's own command: cat /etc/promise
    assert ran.output.strip() == "kept"
"""
PORT = """\
def test_a_published_port_answers_from_the_host(containers):
    web = containers.start(["httpd", "-f", "-p", "8080", "-h", "/www"], ports=[8080])
    web.wait_for_port(8080)
    answer = web.wait_for_http("/index.html", port=8080)
    assert answer.text == "served by base\\n"
    assert web.http("/missing", port=8080).status == 404
"""
FILES = """\
from pathlib import Path

from helpers import GREETING  # beside the tests, as pytest's default import mode finds it


def test_a_mounted_file_is_there_for_the_container(containers, tmp_path):
    host = tmp_path / "data.txt"
    host.write_text("from a host file\\n")
    ran = containers.run(
        ["sh", "-c", "cat /data/in.txt /data/host.txt"],
        files={"/data/in.txt": "from the test\\n", "/data/host.txt": host},
    )
    assert (ran.exit_code, ran.output) == (0, "from the test\\nfrom a host file\\n")


def test_a_library_of_the_extra_requirements_is_there():
    from cyclonedx.model.component import Component  # [container-tests].extra_requirements

    assert Component(name="flask").name == "flask"


def test_files_keep_a_given_mode_or_a_host_files_own(containers, tmp_path):
    script = tmp_path / "hello.sh"
    script.write_text("#!/bin/sh\\necho hello from the host\\n")
    script.chmod(0o755)
    ran = containers.run(
        ["sh", "-c", "/bin/given.sh && /bin/host.sh && stat -c %a /bin/given.sh /bin/plain.txt"],
        files={
            "/bin/given.sh": (f"#!/bin/sh\\necho {GREETING}\\n", 0o750),
            "/bin/host.sh": script,
            "/bin/plain.txt": "data",
        },
    )
    assert (ran.exit_code, ran.output) == (0, f"{GREETING}\\nhello from the host\\n750\\n644\\n")


def test_a_tty_and_a_volume_that_outlives_one_container(containers):
    assert "a tty" in containers.run(["sh", "-c", "test -t 1 && echo a tty"], tty=True).output
    volume = containers.volume()
    mount = {volume: {"bind": "/v", "mode": "rw"}}
    assert containers.run(["sh", "-c", "echo kept > /v/x"], volumes=mount).exit_code == 0
    assert containers.run(["cat", "/v/x"], volumes=mount).output == "kept\\n"


def test_user_environment_and_exec_in_a_running_container(image, containers):
    box = containers.start(
        ["600"], entrypoint=["sleep"], user="1234:1234", environment={"GREETING": "hi"}
    )
    ran = box.exec(["sh", "-c", 'echo "$(id -u) $GREETING"'])
    assert (ran.exit_code, ran.output) == (0, "1234 hi\\n")
    assert box.exec(["id", "-u"], user="0").output == "0\\n"
    assert image.attrs["Config"]["Cmd"] == ["cat", "/etc/promise"]
"""
LOUD = """\
def test_loud():
    print("x" * 200_000)
    assert False, "the end of a loud test"
"""
HANGS = """\
def test_hangs(containers):
    containers.start(["sleep", "600"]).wait(timeout=600)
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd()).for_tests()
    # A library of the resolve for the tests to import, beside pytest and docker (any spelling
    # of its name, with extras).
    repo.configure(
        '\n[container-tests]\nextra_requirements = ["Cyclonedx_Python_Lib[json-validation]"]\n'
    )
    repo.add_root("root")
    repo.add_child(
        "base",
        "root",
        "RUN echo kept > /etc/promise && mkdir /www && echo served by base > /www/index.html",
        'CMD ["cat", "/etc/promise"]',
        extra=', contract_test_files=["contract/test_*.py", "contract/helpers.py"]',
    )
    repo.write("img/base/contract/test_promise.py", PROMISE)
    repo.write("img/base/contract/test_port.py", PORT)
    repo.write("img/base/contract/test_files.py", FILES)
    repo.write("img/base/contract/helpers.py", 'GREETING = "hello from a helper"\n')
    repo.add_child("good", "base", "RUN echo good > /good")
    repo.add_child("bad", "base", "RUN echo broken > /etc/promise")
    repo.commit("A base with contract test files, and two children")
    repo.first_run = repo.run_first("test", "--test-output=all", "img::")  # type: ignore[attr-defined]
    yield repo
    repo.close()


def containers_of(repo: Repo) -> list:
    """Containers the contract test fixture started from this repository's images."""
    ids = {image.id for image in repo.docker.images.list(name=f"{repo.prefix}/*")}
    return [
        c
        for c in repo.docker.containers.list(
            all=True, filters={"label": "io.bbc.test-image"}, ignore_removed=True
        )
        if c.labels["io.bbc.test-image"] in ids
    ]


def flat(run: Run) -> str:
    return " ".join(run.output.split())


def images_tested(run: Run) -> set[str]:
    return set(re.findall(r"^[✓✕] (\S+) (?:succeeded|failed)", run.output, re.M))


FILES_OF_BASE = (
    "img/base/contract/test_files.py img/base/contract/test_port.py "
    "img/base/contract/test_promise.py (from img/base:base)"
)


def test_a_parent_s_files_run_for_it_and_each_child_and_name_the_child_that_breaks_them(
    repo: Repo,
) -> None:
    run = repo.first_run
    assert run.returncode != 0
    assert images_tested(run) == {"img/base:base", "img/good:good", "img/bad:bad"}
    assert "✓ img/base:base succeeded" in run.output
    assert "✓ img/good:good succeeded" in run.output
    assert "✕ img/bad:bad failed" in run.output
    assert f"PASS img/good:good [contract tests] {FILES_OF_BASE}" in run.output
    assert f"FAIL img/bad:bad [contract tests] {FILES_OF_BASE}" in run.output
    # pytest's own words: the parent's test file and test, and the assertion.
    assert "img/base/contract/test_promise.py:3: in test_the_image_keeps_its_promise" in run.output
    assert "E   AssertionError: assert 'broken' == 'kept'" in run.output
    # The failing test and the published-port and mounted-file tests left no container, and the
    # volume test no volume.
    assert containers_of(repo) == []
    ids = {image.id for image in repo.docker.images.list(name=f"{repo.prefix}/*")}
    volumes = repo.docker.volumes.list(filters={"label": "io.bbc.test-image"})
    assert [v.name for v in volumes if v.attrs["Labels"]["io.bbc.test-image"] in ids] == []


def test_pytest_s_junit_xml_is_kept_per_image_and_declaring_image(repo: Repo) -> None:
    reports = repo.root / "dist/test/reports"
    bad = ET.parse(reports / "img.bad.bad.from.img.base.base.pytest.xml").getroot()
    suite = bad.find("testsuite")
    assert suite is not None and suite.get("name") == "img/bad:bad (from img/base:base)"
    failed = [c.get("name") for c in bad.iter("testcase") if c.find("failure") is not None]
    assert failed == ["test_the_image_keeps_its_promise"]
    good = ET.parse(reports / "img.good.good.from.img.base.base.pytest.xml").getroot()
    assert len(list(good.iter("testcase"))) == 7
    assert not any(c.find("failure") is not None for c in good.iter("testcase"))


def test_results_are_cached_by_image_and_files_and_forced_again(scratch: Repo) -> None:
    repo = scratch
    again = repo.pants("test", "img/good:good")
    assert again.tested("img/good:good") in ("memoized", "cached locally"), again.output
    forced = repo.pants("test", "--test-force", "img/good:good")
    assert forced.tested("img/good:good") == "ran", forced.output
    repo.write("img/base/contract/test_promise.py", PROMISE + "\n\ndef test_more():\n    pass\n")
    changed = repo.pants("test", "img/good:good")
    assert changed.tested("img/good:good") == "ran", changed.output


def test_changing_a_parent_s_file_selects_it_and_its_descendants_and_changes_no_content(
    scratch: Repo,
) -> None:
    repo = scratch
    repo.git("checkout", "-q", "-b", "change-base-tests")
    repo.write("img/base/contract/test_promise.py", PROMISE + "# a changed test file\n")
    repo.commit("Change base's contract test file")
    listed = repo.pants("--changed-since=main", "list")
    assert set(listed.stdout.split()) == {"img/base:base", "img/good:good", "img/bad:bad"}
    result = repo.pants("--changed-since=main", "test")
    assert images_tested(result) == {"img/base:base", "img/good:good", "img/bad:bad"}, result.output
    # Test files are not in the image: the images are up to date, their content unchanged.
    packaged = repo.pants("--changed-since=main", "package")
    assert packaged.packaged() == {"base": "Up to date", "good": "Up to date", "bad": "Up to date"}
    assert repo.pants("bbc-check", "::").returncode == 0


def test_a_timed_out_test_is_named_and_leaves_no_container(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/base/contract/test_hangs.py", HANGS)
    result = repo.pants("test", "--test-timeout-default=8", "img/base:base")
    assert result.returncode != 0
    assert "(from img/base:base): timed out after 8 s" in result.output
    assert "timed out after 8 s: pytest was stopped and its containers removed" in result.output
    assert containers_of(repo) == []


def test_a_loud_run_s_output_is_capped_keeping_its_end(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/base/contract/test_loud.py", LOUD)
    result = repo.pants("test", "--container-tests-output-limit=4000", "img/base:base")
    assert result.returncode != 0
    assert "characters cut: the output of a check is capped at 4000 characters" in flat(result)
    assert "the end of a loud test" in result.output  # pytest's summary, at the end
    assert "x" * 4000 not in result.output


def test_an_interrupted_run_leaves_no_container(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/base/contract/test_hangs.py", HANGS)
    process = repo.start_pants("test", "img/good:good")
    wait_for(lambda: any(c.status == "running" for c in containers_of(repo)), "the container")
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    wait_for(lambda: not containers_of(repo), "the containers to be removed")


@pytest.mark.parametrize(
    "globs, message",
    [
        (
            '["../root/test_*.py"]',
            "img/good:good: contract_test_files=['../root/test_*.py'] in img/good/BUILD: "
            "'../root/test_*.py' leaves the BUILD file's folder: keep the tests beside it.",
        ),
        (
            '["checks/test_*.py"]',
            "img/good:good: contract_test_files=['checks/test_*.py'] in img/good/BUILD match no "
            "test module (test_*.py or *_test.py) in img/good: add the files or fix the globs.",
        ),
    ],
)
def test_bad_globs_say_what_to_fix(scratch: Repo, globs: str, message: str) -> None:
    repo = scratch
    repo.write(
        "img/good/BUILD",
        repo.read("img/good/BUILD").replace(")\n", f", contract_test_files={globs})\n"),
    )
    result = repo.pants("test", "img/good:good")
    assert result.returncode != 0
    assert (
        "FAIL img/good:good [contract tests] contract test files (from img/good:good)"
        in result.output
    )
    assert message in flat(result), result.output
    # The parent's files still ran for it.
    assert f"PASS img/good:good [contract tests] {FILES_OF_BASE}" in result.output


def test_a_resolve_without_pytest_and_docker_says_how_to_fix_it(scratch: Repo) -> None:
    repo = scratch
    result = repo.pants("test", "--container-tests-resolve=nope", "img/good:good")
    assert result.returncode != 0
    assert (
        "[container-tests].resolve names the Python resolve 'nope', which [python.resolves] in "
        "pants.toml does not have (it has: python-default)." in flat(result)
    ), result.output
    unlocked = repo.pants(
        "test", "--container-tests-extra-requirements=['tabulate']", "img/good:good"
    )
    assert unlocked.returncode != 0
    assert (
        "the Python resolve 'python-default' (3rdparty/python/python-default.lock) does not lock "
        "tabulate, which contract test files run with ([container-tests].extra_requirements): "
        "add tabulate (pinned) to its requirements and run `./pants generate-lockfiles "
        "--resolve=python-default`" in flat(unlocked)
    ), unlocked.output
