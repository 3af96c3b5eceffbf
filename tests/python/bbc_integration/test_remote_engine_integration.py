"""Every goal against an engine that does not share the host's files (DOCKER_HOST at a second
engine that sees no /tmp, see engine.py): builds, container tests with their reports, `run`,
SBOMs and publish. Nothing lands in the host's default engine.

    root ── app (contract test, build-arg test variant writing a JUnit report, a CMD)
"""

from __future__ import annotations

import json
from pathlib import Path

import docker
import pytest

from bbc_integration.engine import Engine
from bbc_integration.fixture import Repo
from bbc_integration.registry import Registry

REPORT = "<testsuite name='app' tests='1'><testcase classname='app' name='remote'/></testsuite>"
# Run on the host against the engine's containers: a published port and a file copied in.
CONTRACT = """\
def test_served_on_a_published_port(containers, tmp_path):
    page = tmp_path / "index.html"
    page.write_text("copied in from the host\\n")
    web = containers.start(
        ["httpd", "-f", "-p", "8080", "-h", "/www"], ports=[8080], files={"/www/index.html": page}
    )
    assert web.wait_for_http("/index.html", port=8080).text == "copied in from the host\\n"
"""
TEST_COMMAND = f'test -f /test-tools && echo "{REPORT}" > $BBC_REPORTS_DIR/app.xml'


@pytest.fixture(scope="module")
def engine() -> Engine:
    engine = Engine()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def repo(tmp_path_factory, engine: Engine, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd()).for_tests()
    repo.env["DOCKER_HOST"] = engine.tcp
    repo.docker.close()
    repo.docker = engine.client  # so that close() removes what the test built, there
    repo.configure(registry.pants_toml)
    repo.add_root("root")
    repo.write("img/app/greeting.txt", "hello from the remote engine\n")
    repo.add_child(
        "app",
        "root",
        "COPY img/app/greeting.txt /greeting.txt",
        "ARG TEST_TOOLS=",
        'RUN if [ -n "$TEST_TOOLS" ]; then touch /test-tools; fi',
        'CMD ["/bin/cat", "/greeting.txt"]',
        extra=(
            ', dependencies=[":greeting"], contract_test_files=["contract/test_*.py"]'
            ', contract_tests={"has its greeting": "grep -q remote /greeting.txt"}'
            ', test_variant="build-arg", test_build_args=["TEST_TOOLS=yes"]'
            f", test_command={TEST_COMMAND!r}"
        ),
    )
    repo.write("img/app/contract/test_web.py", CONTRACT)
    repo.write(
        "img/app/BUILD",
        repo.read("img/app/BUILD") + 'file(name="greeting", source="greeting.txt")\n',
    )
    repo.commit("Images for a remote engine")
    yield repo
    repo.close()


def test_package_builds_in_the_remote_engine_only(repo: Repo, engine: Engine) -> None:
    result = repo.pants("package", "::")
    assert result.returncode == 0, result.output
    assert result.packaged() == {"root": "Built", "app": "Built"}
    ours = {t for t in engine.tags() if t.startswith(f"{repo.prefix}/")}
    assert f"{repo.prefix}/app:1.0.0" in ours and f"{repo.prefix}/root:latest" in ours
    local = docker.from_env()
    try:
        assert local.images.list(filters={"reference": f"{repo.prefix}/*"}) == []
    finally:
        local.close()
    sbom = json.loads(repo.read(f"dist/bbc/sbom/{repo.prefix}/app/1.0.0.cdx.json"))
    assert sbom["metadata"]["component"]["name"] == f"{repo.prefix}/app"
    again = repo.pants("package", "::")
    assert again.returncode == 0, again.output
    assert again.packaged() == {"root": "Up to date", "app": "Up to date"}


def test_container_tests_run_there_and_their_reports_come_back(repo: Repo) -> None:
    result = repo.pants("test", "--test-output=all", "::")
    assert result.returncode == 0, result.output
    assert "PASS img/app:app [contract tests] has its greeting" in result.output
    assert "PASS img/app:app [contract tests] img/app/contract/test_web.py" in result.output
    report = repo.root / "dist/test/reports/img.app.app.app.xml"
    assert report.read_text().strip() == REPORT


def test_run_runs_the_image_there(repo: Repo) -> None:
    result = repo.pants("run", "img/app:app")
    assert result.returncode == 0, result.output
    assert "hello from the remote engine" in result.stdout
    # The container is removed when it stops.
    ids = {i.id for i in repo.docker.images.list(name=f"{repo.prefix}/app")}
    assert [c for c in repo.docker.containers.list(all=True) if c.image.id in ids] == []


def test_publish_pushes_from_the_remote_engine(repo: Repo, registry: Registry) -> None:
    result = repo.pants("publish", "::")
    assert result.returncode == 0, result.output
    for name in ("root", "app"):
        assert {"1.0.0", "1.0", "1", "latest"} <= registry.tags(f"{repo.prefix}/{name}")
    releases = repo.pants("bbc-releases", "img/app:app")
    assert releases.returncode == 0, releases.output
    assert "1.0.0" in releases.stdout
