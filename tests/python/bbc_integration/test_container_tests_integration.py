"""`./pants test` of images with real Pants and real Docker: inherited contracts, both test
variant modes, caching, `--changed-since`, failures.

    root (contract: has busybox) ── mid (contract: has /mid) ─┬─ leaf   sandwich test variant
                                                              └─ other  build-arg test variant
    root ── plain                                                        no tests of its own
"""

from __future__ import annotations

import re
from pathlib import Path

import docker
import pytest

from bbc_integration.fixture import Repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd()).for_tests()
    repo.add_root("root", extra=', contract_tests={"has busybox": "test -x /bin/busybox"}')
    repo.add_child(
        "mid",
        "root",
        "RUN echo mid > /mid",
        extra=', contract_tests={"has /mid": "grep -q mid /mid"}',
    )
    repo.add_child(
        "leaf",
        "mid",
        "RUN echo leaf > /leaf",
        extra=', test_variant="sandwich", test_command="test -f /test-tools && grep -q leaf /leaf && echo leaf-tests-ran"',
    )
    repo.write(
        "img/leaf/Dockerfile.test", "ARG SOURCE_IMAGE\nFROM $SOURCE_IMAGE\nRUN touch /test-tools\n"
    )
    repo.add_child(
        "other",
        "mid",
        "ARG TEST_TOOLS=",
        'RUN if [ -n "$TEST_TOOLS" ]; then touch /test-tools; fi',
        extra=', test_variant="build-arg", test_build_args=["TEST_TOOLS=yes"], test_command="test -f /test-tools && echo other-tests-ran > $BBC_REPORTS_DIR/result.txt"',
    )
    repo.add_child("plain", "root", "RUN true")
    repo.commit("Images with tests")
    first = repo.run_first("test", "--test-output=all", "img::")
    repo.first_run = first  # type: ignore[attr-defined]
    yield repo
    repo.close()


def lines_for(output: str, address: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if line.startswith(("PASS ", "FAIL ")) and f" {address} " in line
    ]


def test_every_image_is_tested_and_contracts_are_inherited(repo: Repo) -> None:
    output = repo.first_run.output
    assert repo.first_run.returncode == 0, output
    for address in (
        "img/root:root",
        "img/mid:mid",
        "img/leaf:leaf",
        "img/other:other",
        "img/plain:plain",
    ):
        assert f"✓ {address} succeeded" in output
    leaf = lines_for(output, "img/leaf:leaf")
    assert "PASS img/leaf:leaf [contract tests] has busybox (from img/root:root)" in leaf
    assert "PASS img/leaf:leaf [contract tests] has /mid (from img/mid:mid)" in leaf
    assert any(line.startswith("PASS img/leaf:leaf [tests] test -f /test-tools") for line in leaf)
    assert lines_for(output, "img/plain:plain") == [
        "PASS img/plain:plain [contract tests] has busybox (from img/root:root)"
    ]


def test_junit_xml_is_written_under_dist(repo: Repo) -> None:
    xml = repo.read("dist/test/reports/img.leaf.leaf.bbc.xml")
    assert (
        '<testcase classname="img/leaf:leaf contract tests" name="has /mid (from img/mid:mid)"'
        in xml
    )
    assert '<testcase classname="img/leaf:leaf tests" name="test -f /test-tools' in xml
    assert "<failure" not in xml


def test_package_and_test_give_the_same_results_with_and_without_pantsd(repo: Repo) -> None:
    """Nothing the plugin decides hangs on what a pantsd remembers: the same goals through pantsd
    and in a Pants process of their own report the same images, checks and SBOMs."""
    seen = []
    for mode in ((), ("--no-pantsd",)):
        run = repo.pants(*mode, "package", "test", "--test-output=all", "img::")
        assert run.returncode == 0, run.output
        checks = sorted(l for l in run.output.splitlines() if l.startswith(("PASS ", "FAIL ")))
        sboms = {
            str(p.relative_to(repo.root)): p.read_bytes()
            for p in (repo.root / "dist/bbc/sbom").rglob("*.cdx.json")
        }
        seen.append((run.reported(), checks, sboms))
    assert len(seen[0][0]) >= 5 and len(seen[0][1]) >= 7 and len(seen[0][2]) >= 5, seen[0][:2]
    assert seen[0] == seen[1]


def run_in(repo: Repo, ref: str, command: str) -> bool:
    try:
        repo.docker.containers.run(ref, ["sh", "-c", command], remove=True)
        return True
    except docker.errors.ContainerError:
        return False


@pytest.mark.parametrize("name", ["leaf", "other"])
def test_test_tools_are_in_the_test_variant_only(repo: Repo, name: str) -> None:
    assert not run_in(repo, repo.ref(name, "1.0.0"), "test -e /test-tools")
    assert run_in(repo, repo.ref(name, "1.0.0-test"), "test -e /test-tools")


def test_the_sandwich_puts_the_test_layer_between_the_parent_and_the_app(repo: Repo) -> None:
    base = repo.docker.images.get(repo.ref("leaf", "1.0.0-test-base"))
    variant = repo.docker.images.get(repo.ref("leaf", "1.0.0-test"))
    # Each layer is built FROM the content tag of the one under it.
    assert base.labels["org.opencontainers.image.base.name"] == repo.content_ref("mid", "1.0.0")
    assert variant.labels["org.opencontainers.image.base.name"] == repo.content_ref(
        "leaf", "1.0.0-test-base"
    )
    assert variant.labels["io.bbc.variant"] == "test"
    # The production image is built on the production parent, never on a test layer.
    assert repo.docker.images.get(repo.ref("leaf", "1.0.0")).labels[
        "org.opencontainers.image.base.name"
    ] == repo.content_ref("mid", "1.0.0")


def test_results_are_cached_by_image_and_command_and_forced_again(repo: Repo) -> None:
    again = repo.pants("test", "img/leaf:leaf")
    assert again.tested("img/leaf:leaf") in ("memoized", "cached locally"), again.output
    forced = repo.pants("test", "--test-force", "img/leaf:leaf")
    assert forced.tested("img/leaf:leaf") == "ran", forced.output


def test_changed_since_tests_the_changed_images_and_their_descendants(scratch: Repo) -> None:
    repo = scratch
    repo.git("checkout", "-q", "-b", "change-mid")
    repo.write(
        "img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo changed > /changed\n"
    )
    repo.commit("Change mid")
    result = repo.pants("--changed-since=main", "test")
    assert result.returncode == 0, result.output
    tested = set(re.findall(r"^✓ (\S+) succeeded", result.output, re.M))
    assert tested == {"img/mid:mid", "img/leaf:leaf", "img/other:other"}


def test_a_broken_app_test_fails_and_shows_its_output(scratch: Repo) -> None:
    repo = scratch
    repo.write(
        "img/leaf/BUILD",
        repo.read("img/leaf/BUILD").replace(
            "grep -q leaf /leaf", "echo 'leaf is broken: no /nothing' && test -f /nothing"
        ),
    )
    result = repo.pants("test", "img/leaf:leaf")
    assert result.returncode != 0
    assert "✕ img/leaf:leaf failed" in result.output
    assert "FAIL img/leaf:leaf [tests]" in result.output
    assert "    leaf is broken: no /nothing" in result.output


def test_an_app_that_breaks_its_base_s_promise_fails_that_contract(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/leaf/Dockerfile", repo.read("img/leaf/Dockerfile") + "RUN rm /mid\n")
    result = repo.pants("test", "img/leaf:leaf")
    assert result.returncode != 0
    assert "FAIL img/leaf:leaf [contract tests] has /mid (from img/mid:mid)" in result.output


def test_a_sandwich_without_its_test_dockerfile_says_how_to_fix_it(scratch: Repo) -> None:
    repo = scratch
    (repo.root / "img/leaf/Dockerfile.test").unlink()
    result = repo.pants("test", "img/leaf:leaf")
    assert result.returncode != 0
    assert (
        "img/leaf:leaf asks for a sandwich test variant (test_variant='sandwich' in img/leaf/BUILD), "
        "but img/leaf/Dockerfile.test does not exist. Add it (test tools only, starting `ARG "
        "SOURCE_IMAGE` / `FROM $SOURCE_IMAGE`), point `test_dockerfile` at it, or use "
        "test_variant='build-arg'."
    ) in " ".join(result.output.split())
