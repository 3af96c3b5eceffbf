"""Every goal that drives Docker, against an engine that is not the host's: DOCKER_HOST names a
second dockerd on a loopback TCP port with its own data root. Nothing may reach the host's
engine, and no file may pass between the host and a container other than through the engine.

    root ── leaf   (a build-arg test variant that writes a report)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bbc_integration.engine import Engine
from bbc_integration.fixture import Repo
from bbc_integration.registry import Registry


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    engine = Engine(tmp_path_factory.mktemp("engine"))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def repo(tmp_path_factory, engine: Engine, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd()).for_tests()
    repo.write(
        "pants.toml",
        repo.read("pants.toml")
        + f'\n[docker.registries.it]\naddress = "{registry.address}"\ndefault = true\n',
    )
    repo.add_root("root", extra=', contract_tests={"has busybox": "test -x /bin/busybox"}')
    repo.add_child(
        "leaf",
        "root",
        "ARG TEST_TOOLS=",
        'RUN if [ -n "$TEST_TOOLS" ]; then touch /test-tools; fi',
        "RUN echo leaf > /leaf",
        'CMD ["cat", "/leaf"]',
        extra=', test_variant="build-arg", test_build_args=["TEST_TOOLS=yes"], test_command="test -f /test-tools && echo leaf-report > $BBC_REPORTS_DIR/result.txt"',
    )
    repo.commit("Images for a remote engine")
    repo.env["DOCKER_HOST"] = engine.host
    yield repo
    repo.close()


def on_host(repo: Repo, registry: Registry) -> list:
    return [
        *repo.docker.images.list(filters={"reference": f"{repo.prefix}/*"}),
        *repo.docker.images.list(filters={"reference": f"{registry.address}/{repo.prefix}/*"}),
    ]


def test_package_builds_in_the_remote_engine_only(repo: Repo, engine: Engine, registry) -> None:
    run = repo.pants("package", "::")
    assert run.returncode == 0, run.output
    assert run.built() == {"root", "leaf"}
    assert {repo.ref("root", "1.0.0"), repo.ref("leaf", "1.0.0")} <= engine.images(repo.prefix)
    assert on_host(repo, registry) == []


def test_container_tests_copy_their_reports_out_through_the_engine(
    repo: Repo, engine: Engine, registry
) -> None:
    run = repo.pants("test", "--test-output=all", "img::")
    assert run.returncode == 0, run.output
    assert "PASS img/leaf:leaf [contract tests] has busybox (from img/root:root)" in run.output
    reports = list((repo.root / "dist/test/reports").rglob("result.txt"))
    assert [p.read_text() for p in reports] == ["leaf-report\n"], run.output
    assert repo.ref("leaf", "1.0.0-test") in engine.images(repo.prefix)
    assert on_host(repo, registry) == []


def test_run_runs_the_image_in_the_remote_engine(repo: Repo, registry) -> None:
    run = repo.pants("run", "img/leaf:leaf")
    assert run.returncode == 0, run.output
    assert re.search(r"^leaf$", run.stdout, re.M), run.output
    assert on_host(repo, registry) == []


def test_publish_pushes_from_the_remote_engine(repo: Repo, registry: Registry) -> None:
    run = repo.pants("publish", "::")
    assert run.returncode == 0, run.output
    for name in ("root", "leaf"):
        assert {"1.0.0", "latest"} <= registry.tags(f"{repo.prefix}/{name}")
    assert on_host(repo, registry) == []
