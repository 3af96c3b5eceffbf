"""Pants' remote cache on a Remote Execution API server (BuildGrid, remote_cache.py): a second
checkout with an empty local cache gets from it what the first one built: the output of a
`shell_command` (as the root filesystem is made), a pex and test results.

    root (COPY of a shell_command's random output)        tools: a pex_binary and python_tests
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bbc_integration.fixture import BUSYBOX, ROOT_DOCKERFILE, Repo, Run
from bbc_integration.remote_cache import RemoteCache

ROOT_BUILD = """\
file(name="busybox", source="busybox")

# Random on every run: only a cache hit gives two checkouts the same bytes.
shell_command(
    name="stamp",
    command="od -An -tx8 -N16 /dev/urandom > stamp.txt",
    tools=["od"],
    output_files=["stamp.txt"],
)

docker_image(name="root", version="1.0.0", dependencies=[":busybox", ":stamp"])
"""

TOOLS_BUILD = """\
python_sources(name="lib")
pex_binary(name="hello", entry_point="hello.py")
python_tests(name="tests")
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> RemoteCache:
    cache = RemoteCache(tmp_path_factory.mktemp("buildgrid"))
    yield cache
    cache.close()


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory, cache: RemoteCache) -> tuple[Repo, Repo]:
    base = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd(), python=True)
    base.write("pants.toml", cache.configure(base.read("pants.toml")))
    base._copy(Path(BUSYBOX), "img/root/busybox")
    base.write("img/root/BUILD", ROOT_BUILD)
    base.write(
        "img/root/Dockerfile",
        ROOT_DOCKERFILE.format(path="img/root") + "COPY img/root/stamp.txt /\n",
    )
    base.versions["root"] = "1.0.0"
    base.write("tools/BUILD", TOOLS_BUILD)
    base.write("tools/hello.py", 'def greet() -> str:\n    return "hello"\n\nprint(greet())\n')
    base.write(
        "tools/test_hello.py",
        'from tools.hello import greet\n\n\ndef test_greet():\n    assert greet() == "hello"\n',
    )
    base.commit("An image, a pex and tests")
    root = tmp_path_factory.mktemp("checkouts")
    first = base.clone(root / "first", own_pants_cache=root / "first-cache")
    second = base.clone(root / "second", own_pants_cache=root / "second-cache")
    yield first, second
    for repo in (second, first, base):
        repo.close()


def counter(run: Run, name: str) -> int:
    found = re.search(rf"^\s*{name}: (\d+)$", run.output, re.M)
    assert found, f"no {name} in the stats:\n{run.output}"
    return int(found.group(1))


def test_a_second_checkout_gets_outputs_pexes_and_test_results_from_the_remote_cache(
    checkouts: tuple[Repo, Repo],
) -> None:
    first, second = checkouts
    built = first.pants("--stats-log", "package", "::")
    assert built.returncode == 0, built.output
    assert counter(built, "remote_cache_write_successes") > 0
    tested = first.pants("test", "tools::")
    assert tested.returncode == 0, tested.output
    assert tested.tested("tools/test_hello.py:tests") == "ran"

    again = second.pants("--stats-log", "package", "::")
    assert again.returncode == 0, again.output
    # The shell_command did not run again: same random bytes, so the same content tag.
    assert again.reported()["root"] == built.reported()["root"]
    assert (second.root / "dist/tools/hello.pex").read_bytes() == (
        first.root / "dist/tools/hello.pex"
    ).read_bytes()
    assert counter(again, "remote_cache_requests_cached") > 0
    # Nothing runs here: even the read of the root's packages for its SBOM (one `docker save` of
    # the image id, after the builds: sbom/image_sbom.py) is the first checkout's, from the cache.
    # (A process of Pants' own may still run here while its cached result is fetched, and then
    # offer it to the cache: Pants races the two. The plugin's `docker save` waits 3 s first.)
    assert counter(again, "remote_cache_requests_uncached") == 0, again.output
    assert "Completed: Reading the packages" not in again.output
    sbom = "dist/bbc/sbom"
    assert sorted((second.root / sbom).rglob("*.cdx.json")) and all(
        (first.root / sbom / p.relative_to(second.root / sbom)).read_bytes() == p.read_bytes()
        for p in (second.root / sbom).rglob("*.cdx.json")
    )
    tested_again = second.pants("test", "tools::")
    assert tested_again.returncode == 0, tested_again.output
    assert tested_again.tested("tools/test_hello.py:tests") == "cached remotely"
