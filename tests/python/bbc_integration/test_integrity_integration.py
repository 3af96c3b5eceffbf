"""Release integrity on a shared engine and a shared registry: real Pants, Docker and registry.

    root ─┬─ mid ── leaf       mid says who built it (/who)
          ├─ greeter           consumes GREETING from pants.toml
          ├─ gen               copies what a shell_command (gen.sh) writes
          ├─ tool              copies a pex resolved from python-default.lock
          └─ late              not published with the others: its publish is "killed"
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, Run
from bbc_integration.registry import Registry

IMAGES = ("root", "mid", "leaf", "greeter", "gen", "tool", "late")


def family(repo: Repo, who: str = "first") -> None:
    repo.add_root("root")
    repo.add_child("mid", "root", f"RUN echo {who} > /who")
    repo.add_child("leaf", "mid", "RUN cat /who > /leaf")
    repo.add_child("greeter", "root", "ARG GREETING", 'RUN echo "$GREETING" > /greeting')
    repo.add_child("gen", "root", "COPY img/gen/data.txt /data.txt")
    repo.write("img/gen/gen.sh", "#!/bin/bash\necho generated\n")
    repo.write(
        "img/gen/BUILD",
        repo.read("img/gen/BUILD").replace(")\n", ', dependencies=[":data"])\n')
        + 'shell_command(name="data", command="bash gen.sh > data.txt", tools=["bash"], '
        'execution_dependencies=[":script"], output_files=["data.txt"])\n'
        'file(name="script", source="gen.sh")\n',
    )
    repo.add_child("tool", "root", "COPY img.tool/tool-pex.pex /opt/tool.pex")
    repo.write(
        "img/tool/BUILD",
        repo.read("img/tool/BUILD")
        + 'pex_binary(name="tool-pex", dependencies=["3rdparty/python:reqs#pytest"])\n',
    )
    repo.add_child("late", "root", "RUN echo late > /late")


def with_registry(repo: Repo, registry: Registry) -> None:
    repo.configure(registry.pants_toml)


@pytest.fixture(scope="module")
def repo(tmp_path_factory, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd(), python=True)
    family(repo)
    with_registry(repo, registry)
    repo.commit("A family")
    published = repo.pants("publish", *(f"img/{n}:{n}" for n in IMAGES if n != "late"))
    assert published.returncode == 0, published.output
    yield repo
    repo.close()
    repo.remove_images(f"{registry.address}/{repo.prefix}")


def packaged(repo: Repo) -> Run:
    result = repo.pants("package", "::")
    assert result.returncode == 0, result.output
    return result


def test_pulling_a_parent_from_the_registry_changes_no_content_tag(
    repo: Repo, registry: Registry
) -> None:
    before = packaged(repo).reported()
    repo.docker.images.pull(f"{registry.address}/{repo.prefix}/root", tag="1.0.0")
    after = packaged(repo)
    assert after.reported() == before
    assert after.built() == set()


def test_a_clone_with_its_own_cache_makes_the_same_content_tags_and_resumes_a_killed_publish(
    repo: Repo, registry: Registry, tmp_path: Path
) -> None:
    """Another checkout (a fresh Pants cache: every pex and generated file made again) computes
    the same content tags; and it finishes a publish that was killed between its content-tag push
    and its X.Y.Z push, with the bits the registry holds, not a rebuild of its own."""
    here = packaged(repo).reported()
    assert set(here) == set(IMAGES)
    content = here["late"][0]
    remote = f"{registry.address}/{content}"
    # What a publish killed between its content-tag push and its X.Y.Z push leaves behind.
    repo.docker.images.get(content).tag(remote)
    subprocess.run(["docker", "push", "-q", remote], check=True, capture_output=True)
    late = f"{repo.prefix}/late"
    assert "1.0.0" not in registry.tags(late)

    clone = repo.clone(tmp_path / "clone", own_pants_cache=tmp_path / "cache")
    try:
        run = clone.pants("package", "::")
        assert run.returncode == 0, run.output
        assert {n: ref for n, (ref, _) in run.reported().items()} == {
            n: ref for n, (ref, _) in here.items()
        }
        # An engine without late's image: the clone can only take the registry's bits.
        for image in repo.docker.images.list(filters={"reference": late}):
            repo.docker.images.remove(image.id, force=True)
        resumed = clone.pants("publish", "::")
        assert resumed.returncode == 0, resumed.output
    finally:
        clone.close_pantsd()
    assert registry.digest(late, "1.0.0") == registry.digest(late, content.split(":")[1])
    record = json.loads(clone.read(f"dist/bbc/published/{late}.json"))
    assert record["registries"][0]["digest"] == registry.digest(late, "1.0.0")


def check(repo: Repo) -> tuple[Run, dict[str, str]]:
    """bbc-check's verdict: image name -> why it needs a new version; and its Fix line."""
    result = repo.pants("bbc-check", "::")
    named = dict(
        re.findall(
            r"^img/\w+:(\w+): its content changed since main \((.*)\), but", result.stderr, re.M
        )
    )
    return result, named


CHANGES = {
    "a parent's Dockerfile": (
        lambda repo: repo.write(
            "img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN true\n"
        ),
        {"mid": "its files changed: img/mid/Dockerfile", "leaf": "its parent img/mid:mid changed"},
    ),
    "a script a shell_command runs": (
        lambda repo: repo.write("img/gen/gen.sh", "#!/bin/bash\necho generated again\n"),
        {"gen": "its files changed: img/gen/gen.sh"},
    ),
    "a build argument in pants.toml": (
        lambda repo: repo.write(
            "pants.toml", repo.read("pants.toml").replace("GREETING=hello", "GREETING=bonjour")
        ),
        {"greeter": "its build arguments changed: GREETING=hello -> GREETING=bonjour"},
    ),
}


def test_check_names_exactly_the_images_whose_content_changed_and_publish_agrees(
    repo: Repo, registry: Registry
) -> None:
    """Every kind of change at once, in one commit: each image is named once, with its reason."""
    expected = {name: why for _, named in CHANGES.values() for name, why in named.items()}
    before = packaged(repo).reported()
    with repo.branch():
        for edit, _ in CHANGES.values():
            edit(repo)
        repo.commit("A change of every kind")
        result, named = check(repo)
        assert result.returncode == 1, result.output
        assert named == expected, result.stderr
        changed = {n for n, (ref, _) in packaged(repo).reported().items() if ref != before[n][0]}
        assert changed == set(expected), "bbc-check and the content tags disagree"
        fix = re.search(r"^Fix: \./pants (.*)$", result.stderr, re.M)
        assert fix, result.stderr
        bumped = repo.pants(*fix.group(1).split())
        assert bumped.returncode == 0, bumped.output
        repo.commit("The suggested bump")
        assert check(repo)[0].returncode == 0
        published = repo.pants("publish", "::")
        assert published.returncode == 0, published.output


def test_two_checkouts_with_the_same_names_build_on_their_own_parents_and_race_to_publish(
    tmp_path: Path, registry: Registry
) -> None:
    """Two checkouts package the same image names and versions with different content at once
    (twice: built, then up to date): each builds on its own parents. Then both publish at once:
    exactly one wins, the other names the race, and the registry holds the winner's chain."""
    checkouts: list[Repo] = []
    try:
        for who in ("first", "second"):
            checkout = Repo(
                tmp_path / who, Path.cwd(), prefix=checkouts[0].prefix if checkouts else None
            )
            checkout.add_root("root")
            checkout.add_child("mid", "root", f"RUN echo {who} > /who")
            checkout.add_child("leaf", "mid", "RUN cat /who > /leaf")
            with_registry(checkout, registry)
            checkout.commit("Same names and versions, different content")
            checkouts.append(checkout)
        for _ in range(2):
            runs = [c.start_pants("package", "::") for c in checkouts]
            outputs = [run.communicate(timeout=900)[0] for run in runs]
            for checkout, who, run, output in zip(checkouts, ("first", "second"), runs, outputs):
                assert run.returncode == 0, output
                reported = Run(0, output, "").reported()
                for name in ("mid", "leaf"):
                    ref, image_id = reported[name]
                    image = checkout.docker.images.get(ref)
                    assert image.id == image_id
                    assert ref.endswith(image.labels["io.bbc.content"][:12])
                    shown = checkout.docker.containers.run(
                        image_id, ["cat", f"/{'who' if name == 'mid' else 'leaf'}"], remove=True
                    )
                    assert shown.decode().strip() == who, (name, output)
                leaf = checkout.docker.images.get(reported["leaf"][0])
                assert leaf.labels["org.opencontainers.image.base.name"] == reported["mid"][0]

        runs = [c.start_pants("publish", "::") for c in checkouts]
        outputs = [run.communicate(timeout=900)[0] for run in runs]
        codes = [run.returncode for run in runs]
        assert sorted(codes)[0] == 0 and sorted(codes)[1] != 0, outputs
        winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
        lost = " ".join(outputs[loser].split())
        mid_ref = f"{registry.address}/{checkouts[0].prefix}/mid:1.0.0"
        assert (
            f"another publisher released {mid_ref} first" in lost
            or f"{mid_ref} is already released with different content" in lost
        ), outputs[loser]
        prefix = checkouts[0].prefix
        records = {
            name: json.loads(checkouts[winner].read(f"dist/bbc/published/{prefix}/{name}.json"))
            for name in ("mid", "leaf")
        }
        mid_digest = registry.digest(f"{prefix}/mid", "1.0.0")
        assert records["mid"]["registries"][0]["digest"] == mid_digest
        assert records["leaf"]["registries"][0]["digest"] == registry.digest(
            f"{prefix}/leaf", "1.0.0"
        )
        remote_leaf = f"{registry.address}/{prefix}/leaf:1.0.0"
        checkouts[winner].docker.images.pull(remote_leaf)
        labels = checkouts[winner].docker.images.get(remote_leaf).labels
        assert labels["org.opencontainers.image.base.digest"] == mid_digest
        shown = checkouts[winner].docker.containers.run(remote_leaf, ["cat", "/leaf"], remove=True)
        assert shown.decode().strip() == ("first", "second")[winner]
    finally:
        for checkout in checkouts:
            checkout.close()
            checkout.remove_images(f"{registry.address}/{checkout.prefix}")
