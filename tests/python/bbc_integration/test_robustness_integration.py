"""Every bad input and fault gets one clear message, and the rest still builds: real Pants,
real Docker, small offline images.

    root ─┬─ mid ── leaf      leaf has a build-arg test variant (no python: busybox)
          └─ other            the unrelated image each case changes, to see that it still builds
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, Run, wait_for
from bbc_integration.registry import Registry


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd())
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid")
    repo.add_child(
        "leaf",
        "mid",
        "ARG TOOLS=none",
        "RUN echo $TOOLS > /tools",
        extra=', test_variant="build-arg", test_build_args=["TOOLS=yes"], test_command="grep yes /tools"',
    )
    repo.add_child("other", "root", "RUN echo other > /other")
    repo.commit("A small family")
    assert repo.pants("package", "::").returncode == 0
    yield repo
    repo.close()


def tags_of(repo: Repo, name: str) -> dict[str, str]:
    return {
        tag: image.id
        for image in repo.docker.images.list(name=f"{repo.prefix}/{name}")
        for tag in image.tags
    }


def change_other(repo: Repo, how: str) -> None:
    """A change no earlier test built (Docker's and the plugin's caches would skip it)."""
    repo.write("img/other/Dockerfile", repo.read("img/other/Dockerfile") + f"RUN echo {how!r}\n")


def flat(run: Run) -> str:
    return " ".join(run.output.split())


def containers_of(repo: Repo) -> list:
    """Test containers of this repository's images, running or not."""
    ids = {image.id for image in repo.docker.images.list(name=f"{repo.prefix}/*")}
    return [
        c
        for c in repo.docker.containers.list(
            all=True, filters={"label": "io.bbc.test-expires"}, ignore_removed=True
        )
        if c.image.id in ids
    ]


def test_a_broken_image_is_named_in_every_goal_and_the_rest_still_builds(scratch: Repo) -> None:
    """One broken image end to end; every message an image can be refused with is checked once,
    at the level that makes it (tests/python/bbc_tests: graph/test_image_graph.py and
    graph/test_chain.py, test_versions.py, test_tags.py)."""
    repo = scratch
    with repo.branch():
        repo.write("img/bad/BUILD", 'docker_image(name="bad", version="1.0.0")\n')
        repo.add_child("below", "bad", "RUN true")
        change_other(repo, "a missing Dockerfile")
        repo.commit("Break an image: a missing Dockerfile")
        before = tags_of(repo, "other")
        message = (
            "img/bad:bad has no Dockerfile: img/bad/Dockerfile does not exist. Add it, point the "
            "target's `source` field at its Dockerfile, or write it in `instructions`."
        )
        for goal in ("package", "test", "bbc-tree", "bbc-check"):
            result = repo.pants(goal, "::")
            assert result.returncode != 0, (goal, result.output)
            assert message in flat(result), (goal, result.output)
            assert "Traceback" not in result.output and "KeyError" not in result.output, goal
            if goal == "package":
                assert tags_of(repo, "other") != before  # the unrelated change was built
                assert not repo.docker.images.list(name=f"{repo.prefix}/bad")
                assert "img/below:below (because img/bad:bad failed)" in flat(result)
            if goal == "bbc-tree":
                assert "blocked by its parent" in result.stdout
                assert not any(l.startswith("img/below:below") for l in result.stdout.splitlines())


@pytest.mark.parametrize("goal", ["package", "test", "publish", "bbc-tree", "bbc-check"])
def test_two_targets_with_one_repository_are_an_error_in_every_goal(
    goal: str, scratch: Repo
) -> None:
    repo = scratch
    repo.add_root("x")
    repo.write("other/x/Dockerfile", "ARG SOURCE_IMAGE=img/x:x\nFROM $SOURCE_IMAGE\n")
    repo.write("other/x/BUILD", 'docker_image(name="x", version="1.0.0", parent_versions="^1.0")\n')
    result = repo.pants(goal, "::")
    assert result.returncode != 0, result.output
    message = " ".join(result.output.split())
    assert (
        f"the images img/x:x (img/x/BUILD), other/x:x (other/x/BUILD) are all named "
        f"{repo.prefix}/x, so their tags would overwrite each other"
    ) in message, result.output
    assert "rename all but one target (its `name`), or give each its own `repository`" in message
    assert repo.docker.images.list(name=f"{repo.prefix}/x") == []


def test_a_dockerfile_ending_in_a_continuation_is_refused_and_moves_no_tag(scratch: Repo) -> None:
    repo = scratch
    before = tags_of(repo, "mid")
    repo.write("img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo a \\\n")
    result = repo.pants("package", "img/mid:mid")
    assert result.returncode != 0
    assert (
        "img/mid:mid: img/mid/Dockerfile line 4 ends with '\\\\', continuing its instruction into "
        "nothing: the next instruction would be swallowed into it. Remove the trailing '\\\\'."
    ) in flat(result), result.output
    assert tags_of(repo, "mid") == before


def test_a_docker_cli_error_shows_its_cause(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/mid/tok.txt", "s3cret\n")
    # A change, so that it must be built (secrets are not content: adding one changes nothing).
    repo.write("img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo cli\n")
    repo.write(
        "img/mid/BUILD",
        repo.read("img/mid/BUILD").replace(")\n", ', secrets={"tok": "img/mid/tok.txt"})\n'),
    )
    # The classic builder's client (the first on PATH, Docker 28 here) knows no --secret.
    result = repo.pants("package", "img/mid:mid", env={"PANTS_BBC_BUILDER": "classic"})
    assert result.returncode != 0
    assert "img/mid/Dockerfile: unknown flag: --secret" in flat(result), result.output
    assert "for more information" not in result.output


def test_a_hanging_check_times_out_with_pants_test_timeouts_and_leaves_no_container(
    scratch: Repo,
) -> None:
    repo = scratch
    repo.write(
        "img/other/BUILD",
        repo.read("img/other/BUILD").replace(")\n", ', contract_tests={"hangs": "sleep 600"})\n'),
    )
    result = repo.pants("test", "--test-timeout-default=3", "img/other:other")
    assert result.returncode != 0
    assert (
        "FAIL img/other:other [contract tests] hangs (from img/other:other): timed out after 3 s"
        in result.output
    )
    assert containers_of(repo) == []
    # A per-image `timeout` wins over the default.
    repo.write("img/other/BUILD", repo.read("img/other/BUILD").replace(")\n", ", timeout=2)\n"))
    capped = repo.pants("test", "--test-timeout-default=30", "img/other:other")
    assert "hangs (from img/other:other): timed out after 2 s" in capped.output
    assert containers_of(repo) == []


def test_an_interrupted_test_run_leaves_no_container(scratch: Repo) -> None:
    repo = scratch
    repo.write(
        "img/other/BUILD",
        repo.read("img/other/BUILD").replace(")\n", ', contract_tests={"hangs": "sleep 600"})\n'),
    )
    process = repo.start_pants("test", "img/other:other")
    wait_for(lambda: containers_of(repo), "the test container to start")
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=600)
    wait_for(lambda: not containers_of(repo), "the watchdog to remove the container", timeout=300)


def test_colour_codes_and_huge_output_leave_a_small_well_formed_report(scratch: Repo) -> None:
    repo = scratch
    # 400 KB: six times the cap (each line is one entry of the engine's log, which is slow).
    noisy = "printf '\\033[31mred\\033[0m\\007'; yes x | head -c 400000; exit 1"
    repo.write(
        "img/other/BUILD",
        repo.read("img/other/BUILD").replace(")\n", f", contract_tests={{'noisy': {noisy!r}}})\n"),
    )
    result = repo.pants("test", "--test-report", "img/other:other")
    assert result.returncode != 0
    assert "characters cut: the output of a check is capped at 65536 characters" in result.output
    assert len(result.output) < 200_000
    report = repo.root / "dist/test/reports/img.other.other.bbc.xml"
    assert report.stat().st_size < 200_000
    failure = ET.parse(report).find(".//failure")
    assert failure is not None and failure.text is not None and failure.text.startswith("redx\nx\n")


def test_an_image_with_nothing_to_test_passes_and_says_so(repo: Repo) -> None:
    result = repo.pants("test", "--test-output=all", "img/root:root")
    assert result.returncode == 0, result.output
    assert (
        "img/root:root: nothing to test: no contract tests in its chain and no test variant."
        in flat(result)
    )


def test_the_clean_check_is_skipped_without_python_unless_required(scratch: Repo) -> None:
    repo = scratch
    result = repo.pants("test", "--test-output=all", "img/leaf:leaf")
    assert result.returncode == 0, result.output
    assert "skipped, the image has no `python` to list its distributions with" in flat(result)
    repo.write(
        "img/leaf/BUILD",
        repo.read("img/leaf/BUILD").replace(")\n", ", check_test_only_packages=True)\n"),
    )
    required = repo.pants("test", "img/leaf:leaf")
    assert required.returncode != 0
    assert (
        "FAIL img/leaf:leaf [production is clean] the production image has none of pytest"
        in required.output
    )
    assert "the image has no `python`" in required.output


def test_a_second_pants_in_the_same_repository_says_what_it_waits_for(scratch: Repo) -> None:
    repo = scratch
    repo.write(
        "img/other/BUILD",
        repo.read("img/other/BUILD").replace(")\n", ', contract_tests={"slow": "sleep 20"})\n'),
    )
    first = repo.start_pants("test", "img/other:other")
    wait_for(lambda: containers_of(repo), "the first run's test container")
    second = repo.pants("--version")
    first.communicate(timeout=300)
    assert second.returncode == 0
    assert (
        "./pants: waiting for another ./pants run in this repository to finish: "
        "`./pants test img/other:other`"
    ) in second.stderr


def test_the_launcher_starts_no_engine_for_goals_that_need_none(repo: Repo) -> None:
    dead = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    version = repo.pants("--version", env=dead)
    assert version.returncode == 0 and "docker" not in version.stderr.lower()
    package = repo.pants("package", "::", env=dead)
    assert package.returncode != 0
    assert "a dockerd is running (pid" in package.stderr and "but does not answer" in package.stderr
    assert "starting dockerd" not in package.stderr


def test_a_wedged_engine_is_named_within_the_timeout(repo: Repo, tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text("#!/bin/sh\nexec sleep 30\n")
    (fake / "docker").chmod(0o755)
    result = repo.pants(
        "package",
        "::",
        env={"PATH": f"{fake}:{os.environ['PATH']}", "BBC_DOCKER_INFO_TIMEOUT": "1"},
    )
    assert result.returncode != 0
    assert (
        "the Docker engine did not answer `docker info` within 1 s: it looks wedged"
        in result.stderr
    )


def test_the_engine_the_launcher_starts_holds_none_of_its_locks(repo: Repo, tmp_path: Path) -> None:
    """A dockerd started by ./pants must not inherit the launcher's lock: every later ./pants
    that needs Docker would wait for it forever (a fresh CI machine hung this way)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    started = tmp_path / "dockerd.pid"
    scripts = {
        "docker": f'#!/bin/sh\n[ "$1" = info ] && [ -s {started} ] && exit 0\n'
        "echo 'Cannot connect to the Docker daemon' >&2; exit 1\n",
        "dockerd": f"#!/bin/sh\necho $$ > {started}\nexec sleep 300\n",
        "pgrep": "#!/bin/sh\nexit 1\n",  # the real engine's dockerd is not the one under test
    }
    for name, text in scripts.items():
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    result = repo.pants(
        "run", "--help", env={"PATH": f"{fake}:{os.environ['PATH']}", "BBC_DOCKER_AUTOSTART": "1"}
    )
    assert result.returncode == 0, result.output
    assert "starting dockerd in the background" in result.stderr
    pid = int(started.read_text())
    try:
        fds = Path(f"/proc/{pid}/fd")
        held = [os.readlink(fd) for fd in fds.iterdir()]
        assert not [target for target in held if target.endswith(".lock")], held
    finally:
        os.kill(pid, signal.SIGKILL)


def test_the_launcher_keys_its_virtualenv_on_the_interpreter_asked_for(repo: Repo) -> None:
    python = Path(os.environ["BBC_PYTHON39_DIR"]) / "python3.9"
    asked = repo.pants("--version", env={"BBC_PYTHON39": str(python)})
    created = re.search(r"creating Pants \S+ virtualenv in (\S+)", asked.stderr)
    try:
        assert asked.returncode == 0, asked.output
        assert created, asked.stderr
        default = repo.pants("--version")
        assert default.returncode == 0 and "creating" not in default.stderr
    finally:
        if created:
            shutil.rmtree(created.group(1), ignore_errors=True)


def test_a_registry_that_dies_mid_publish_is_named_and_publish_resumes(
    scratch: Repo, tmp_path: Path
) -> None:
    repo = scratch
    registry = Registry(tmp_path / "registry")
    try:
        with repo.branch():
            repo.configure(registry.pants_toml)
            repo.commit("Publish somewhere")
            process = repo.start_pants("publish", "::")
            assert process.stdout is not None
            output = []
            for line in process.stdout:
                output.append(line)
                if "Starting: Pushing" in line:
                    registry.close()
                    break
            output.extend(process.stdout.readlines())
            process.wait(timeout=600)
            text = " ".join("".join(output).split())
            assert process.returncode != 0, text
            assert "then publish again: it resumes where it stopped" in text, text
            failed = [
                json.loads(p.read_text())
                for p in (repo.root / "dist/bbc/published").rglob("*.json")
            ]
            assert any(r["status"] == "failed" and "resumes" in r["reason"] for r in failed)

            port = int(registry.address.split(":")[1])
            registry = Registry(tmp_path / "registry", port=port)
            resumed = repo.pants("publish", "::")
            assert resumed.returncode == 0, resumed.output
            root = json.loads(repo.read(f"dist/bbc/published/{repo.prefix}/root.json"))
            assert root["status"] == "published"
    finally:
        registry.close()
        repo.remove_images(f"{registry.address}/{repo.prefix}")
