"""Failures leave nothing half-done, and bad input gets a clear message: real Pants, real Docker.

    root ─┬─ mid ── leaf
          ├─ other
          └─ slow
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, wait_for


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd())
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid")
    repo.add_child("leaf", "mid", "RUN echo leaf > /leaf")
    repo.add_child("other", "root", "RUN echo other > /other")
    repo.add_child("slow", "root", "RUN echo v1 > /version")
    repo.commit("A small BBC hierarchy")
    first = repo.pants("package", "::")
    assert first.returncode == 0, first.output
    yield repo
    repo.close()


@pytest.fixture
def scratch(repo: Repo):
    """As conftest's, and main's images are built again: these tests compare tags with them."""
    yield repo
    repo.reset()
    assert repo.pants("package", "::").returncode == 0


def tags_of(repo: Repo, name: str) -> dict[str, str]:
    """Every local tag of an image name -> the image id it points to."""
    return {
        tag: image.id
        for image in repo.docker.images.list(name=f"{repo.prefix}/{name}")
        for tag in image.tags
    }


def test_a_failed_image_stops_its_descendants_moves_no_tag_and_the_rest_still_build(
    scratch: Repo,
) -> None:
    repo = scratch
    before = {name: tags_of(repo, name) for name in ("mid", "leaf", "other")}
    repo.write(
        "img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo broken && exit 3\n"
    )
    repo.write(
        "img/other/Dockerfile",
        repo.read("img/other/Dockerfile") + "RUN sleep 3 && echo again > /again\n",
    )

    result = repo.pants("package", "::")

    assert result.returncode != 0
    assert (
        f"img/mid:mid ({repo.prefix}/mid:1.0.0) failed to build at img/mid/Dockerfile step 3/3 "
        "(RUN echo broken && exit 3): executor failed running [/bin/sh -c echo broken && exit 3]: "
        "exit code: 3"
    ) in result.output
    assert "Not built: img/leaf:leaf (because img/mid:mid failed)." in result.output
    assert "Traceback" not in result.output
    # The log says how each build ended, not "Completed" for a failed one.
    assert re.search(
        rf"\[ERROR\] Completed: Building - {repo.prefix}/mid:1\.0\.0 \(img/mid:mid\) - failed "
        r"\(exit code 1\)",
        result.output,
    ), result.output
    assert f"Completed: Building - {repo.prefix}/other:1.0.0 (img/other:other) - built." in (
        result.output
    )
    assert not re.search(rf"Completed: Building {repo.prefix}/mid", result.output)
    # Seen from a descendant's tests: the ancestor's failure itself, on screen and in JUnit.
    tested = repo.pants("--test-report", "test", "img/leaf:leaf")
    assert tested.returncode != 0
    why = "its ancestor img/mid:mid failed to build: img/mid:mid"
    assert why in tested.output and "img/mid/Dockerfile step 3/3" in tested.output, tested.output
    junit = repo.read("dist/test/reports/img.leaf.leaf.bbc.xml")
    assert "img/mid/Dockerfile step 3/3" in junit, junit
    # No tag of the failed image or its descendant moved; the unrelated image was rebuilt.
    assert tags_of(repo, "mid") == before["mid"]
    assert tags_of(repo, "leaf") == before["leaf"]
    other = tags_of(repo, "other")
    assert other[repo.ref("other", "latest")] != before["other"][repo.ref("other", "latest")]
    assert len({other[repo.ref("other", t)] for t in ("1.0.0", "1.0", "1", "latest")}) == 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_build_leaves_no_partial_tags_and_the_next_run_succeeds(
    scratch: Repo, signum
) -> None:
    repo = scratch
    before = tags_of(repo, "slow")
    # A change no earlier test built (Docker's cache would finish it at once).
    pause = f"6.{os.getpid()}{int(signum)}"  # a step no earlier test built, findable on the host
    repo.write(
        "img/slow/Dockerfile", repo.read("img/slow/Dockerfile") + f"RUN sleep {pause} > /version\n"
    )

    process = repo.start_pants("package", "img/slow:slow")
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if f"Starting: Building - {repo.prefix}/slow:" in line:
            break
    # The build's step runs as a process of the host's kernel: wait until it does.
    running = ["pgrep", "-f", f"sleep {pause}"]
    wait_for(
        lambda: subprocess.run(running, capture_output=True).returncode == 0,
        "docker build to reach the slow step",
    )
    process.send_signal(signum)
    process.wait(timeout=60)
    seen.extend(process.stdout.readlines())

    assert process.returncode != 0, "".join(seen)
    assert tags_of(repo, "slow") == before, "".join(seen)
    again = repo.pants("package", "img/slow:slow")
    assert again.returncode == 0, again.output
    after = tags_of(repo, "slow")
    [content_tag] = set(after) - set(before)  # old builds keep their (immutable) content tags
    version_tags = [repo.ref("slow", t) for t in ("1.0.0", "1.0", "1", "latest")]
    assert (
        {after[t] for t in (*version_tags, content_tag)}
        == {after[content_tag]}
        != {before[version_tags[0]]}
    )


def test_a_chain_problem_stops_the_run_with_a_message_naming_the_images_and_the_fix(
    scratch: Repo,
) -> None:
    """One problem of the chain (not of one image) end to end; each such message (cycles,
    ranges, a child without parent_versions) is checked in graph/test_chain.py, and each image's
    own errors in graph/test_image_graph.py."""
    scratch.add_child("bad", "root", "RUN true", accepts="^2.0")
    result = scratch.pants("package", "img/bad:bad")
    assert result.returncode != 0
    assert (
        "img/bad:bad accepts img/root:root versions '^2.0' (parent_versions in img/bad/BUILD), but "
        "img/root:root is at 1.0.0. Either rebuild and test img/bad:bad on 1.0.0 and set "
        "parent_versions='^1.0'"
    ) in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_a_docker_engine_that_does_not_answer_is_one_clear_line(repo: Repo) -> None:
    result = repo.pants(
        "package",
        "::",
        env={"BBC_DOCKER_AUTOSTART": "0", "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "./pants: no Docker engine answers (Cannot connect to the Docker daemon at "
        "unix:///nonexistent/docker.sock. Is the docker daemon running?). Start one (for example "
        "`sudo systemctl start docker`), or unset BBC_DOCKER_AUTOSTART so that ./pants starts it."
    ]
