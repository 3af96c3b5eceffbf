"""The registry as a build cache, with real Pants, Docker and a registry on a loopback port:
a second machine (a fresh clone with its own Pants cache, an engine without the images) pulls
what the registry holds by content tag and builds only what is new.

    root ── mid ── leaf
        └── side
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, Run
from bbc_integration.gate import Gate
from bbc_integration.registry import Registry

ALL = ("root", "mid", "leaf", "side")


@pytest.fixture(scope="module")
def repo(tmp_path_factory, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd(), shell=True)
    repo.configure(registry.pants_toml)
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid")
    repo.add_child("leaf", "mid", "RUN echo leaf > /leaf")
    repo.add_child("side", "root", "RUN echo side > /side", extra=', dependencies=[":made"]')
    # A file of side's build context that only a machine holding the marker can make.
    marker(repo).write_text("made here\n")
    repo.write(
        "img/side/BUILD",
        repo.read("img/side/BUILD")
        + f'shell_command(name="made", command="cat {marker(repo)} > made.txt", tools=["cat"], '
        'output_files=["made.txt"])\n',
    )
    repo.commit("A family to share")
    published = repo.pants("publish", "::")
    assert published.returncode == 0, published.output
    yield repo
    repo.close()
    repo.remove_images(f"{registry.address}/{repo.prefix}")


@pytest.fixture(scope="module")
def machine(repo: Repo, tmp_path_factory) -> Repo:
    """The second machine: a fresh clone with a Pants cache of its own, logging at debug level
    (in every run: a change of level restarts pantsd)."""
    folder = tmp_path_factory.mktemp("second")
    clone = repo.clone(folder / "clone", own_pants_cache=folder / "cache")
    clone.env["PANTS_LEVEL"] = "debug"
    yield clone
    clone.close_pantsd()


def marker(repo: Repo) -> Path:
    return repo.root.parent / "made-here"


def forget_images(repo: Repo, registry: Registry) -> None:
    """An engine without the family: only the images this test module made are removed."""
    repo.remove_images(repo.prefix)
    repo.remove_images(f"{registry.address}/{repo.prefix}")
    assert not repo.docker.images.list(filters={"reference": f"{repo.prefix}/*"})


def content_tags(repo: Repo, registry: Registry) -> dict[str, str]:
    found = {}
    for name in ALL:
        [tag] = [
            t for t in registry.tags(f"{repo.prefix}/{name}") if re.fullmatch(r"1\.0\.0-\w{12}", t)
        ]
        found[name] = tag
    return found


PARSE = "Completed: Parse Dockerfile."  # Pants' Dockerfile parser, shown at debug level


def built_processes(run: Run) -> list[str]:
    return re.findall(r"Completed: Building - \S+ \((\S+)\) - built\.", run.output)


def test_a_second_machine_pulls_every_image_and_builds_none(
    repo: Repo, machine: Repo, registry: Registry
) -> None:
    forget_images(repo, registry)
    # A pulled image's build context is never made: side's could not be, on this machine.
    hidden = marker(repo).rename(marker(repo).with_suffix(".hidden"))
    try:
        run = machine.pants("package", "::")
    finally:
        hidden.rename(marker(repo))
    assert run.returncode == 0, run.output
    assert run.packaged() == {name: "Pulled" for name in ALL}, run.output
    assert built_processes(run) == []
    # Each image's SBOM comes from its release's in the registry, none from exporting the image,
    # and it is the one the publishing checkout recorded.
    assert len(re.findall(r"Completed: Reading the SBOM \S+\.sbom", run.output)) == len(ALL)
    assert "Reading the packages in" not in run.output
    # Nor is Pants' parse of a pulled image's Dockerfile (the build context's first step) run.
    assert PARSE not in run.output
    for name in ALL:
        sbom = f"{repo.prefix}/{name}/1.0.0.cdx.json"
        assert (machine.root / "dist/bbc/sbom" / sbom).read_bytes() == (
            repo.root / "dist/bbc/releases" / sbom
        ).read_bytes()
    tags = content_tags(repo, registry)
    for name in ALL:
        remote = f"{registry.address}/{repo.prefix}/{name}"
        digest = registry.digest(f"{repo.prefix}/{name}", tags[name])
        assert f"From: {remote}:1.0.0@{digest}" in run.output
        # The local content tag is the registry's bits, pulled by digest.
        image = repo.docker.images.get(repo.ref(name, tags[name]))
        assert f"{remote}@{digest}" in image.attrs["RepoDigests"]
        assert run.reported()[name] == (repo.ref(name, tags[name]), image.id)
    again = machine.pants("package", "::")
    assert again.packaged() == {name: "Up to date" for name in ALL}, again.output


def test_a_childs_pull_does_not_wait_for_its_parents(
    repo: Repo, machine: Repo, registry: Registry
) -> None:
    """Every lookup and pull starts at once: the registry holds root's pull (docker's manifest
    request by digest) until mid's pull has asked for mid's manifest. Pulls in a chain, one after
    another, would leave root's held until the gate gives up."""
    forget_images(repo, registry)
    by_digest = r"^(GET|HEAD) /v2/{}/{}/manifests/sha256:"
    held, opens = by_digest.format(repo.prefix, "root"), by_digest.format(repo.prefix, "mid")
    with Gate(registry.address, held, opens) as gate:
        registries = f"{{'it': {{'address': '{gate.address}', 'default': True}}}}"
        run = machine.pants("package", "::", env={"PANTS_DOCKER_REGISTRIES": registries})
    assert run.returncode == 0, run.output
    assert run.packaged() == {name: "Pulled" for name in ALL}, run.output
    # root's pull went through the gate, and mid's started before root's could finish.
    assert gate.waited >= 1 and not gate.timed_out, gate.seen


def test_then_a_changed_leaf_alone_is_built_on_the_pulled_parent(
    repo: Repo, machine: Repo, registry: Registry
) -> None:
    forget_images(repo, registry)
    machine.write("img/leaf/Dockerfile", machine.read("img/leaf/Dockerfile") + "RUN echo 2 >/2\n")
    try:
        run = machine.pants("package", "::")
        assert run.returncode == 0, run.output
        assert run.packaged() == {
            "root": "Pulled",
            "mid": "Pulled",
            "side": "Pulled",
            "leaf": "Built",
        }, run.output
        assert built_processes(run) == ["img/leaf:leaf"]
        assert run.output.count(PARSE) == 1, run.output  # the built image's only
        mid_tag = content_tags(repo, registry)["mid"]
        mid = repo.docker.images.get(repo.ref("mid", mid_tag))
        leaf = repo.docker.images.get(repo.ref("leaf", "1.0.0"))
        layers = leaf.attrs["RootFS"]["Layers"]
        assert layers[: len(mid.attrs["RootFS"]["Layers"])] == mid.attrs["RootFS"]["Layers"]
        # Labelled as publish labels a child of the released parent.
        assert leaf.labels["org.opencontainers.image.base.name"] == (
            f"{registry.address}/{repo.prefix}/mid:1.0.0"
        )
        assert leaf.labels["org.opencontainers.image.base.digest"] == registry.digest(
            f"{repo.prefix}/mid", "1.0.0"
        )
    finally:
        machine.git("checkout", "-q", "--", "img/leaf/Dockerfile")


def test_the_cache_can_be_turned_off(repo: Repo, machine: Repo, registry: Registry) -> None:
    forget_images(repo, registry)
    run = machine.pants("package", "::", env={"PANTS_BBC_REGISTRY_CACHE": "false"})
    assert run.returncode == 0, run.output
    assert run.packaged() == {name: "Built" for name in ALL}, run.output
    assert "Pulling" not in run.output


def test_a_registry_that_cannot_be_read_is_said_once_per_pantsd_and_everything_is_built(
    repo: Repo, machine: Repo, registry: Registry
) -> None:
    forget_images(repo, registry)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    registries = f"{{'it': {{'address': '{closed}', 'default': True}}}}"
    run = machine.pants("package", "::", env={"PANTS_DOCKER_REGISTRIES": registries})
    assert run.returncode == 0, run.output
    assert run.packaged() == {name: "Built" for name in ALL}, run.output
    said = re.findall(
        rf"The registry @it \({closed}\) could not be read \((.+)\): images not in the Docker "
        rf"engine are built here instead of pulled from it\.",
        run.output,
    )
    assert len(said) == 1, run.output
    assert "connection refused" in said[0], said
    # Once per pantsd: the next run, still without the registry, does not say it again.
    again = machine.pants("package", "::", env={"PANTS_DOCKER_REGISTRIES": registries})
    assert again.returncode == 0, again.output
    assert again.packaged() == {name: "Up to date" for name in ALL}, again.output
    assert "could not be read" not in again.output


def test_a_content_tag_with_another_content_label_is_refused_and_never_used(
    repo: Repo, machine: Repo, registry: Registry
) -> None:
    tags = content_tags(repo, registry)
    # What a tampered or broken registry could hold: the root's image under side's content tag.
    remote = f"{registry.address}/{repo.prefix}/side:{tags['side']}"
    root = repo.docker.images.get(repo.ref("root", tags["root"]))
    root.tag(remote)
    subprocess.run(["docker", "push", "-q", remote], check=True, capture_output=True)
    forget_images(repo, registry)
    run = machine.pants("package", "::")
    assert run.returncode != 0
    found = re.search(
        rf"img/side:side: the registry @it holds {re.escape(remote)}, but its io\.bbc\.content "
        rf"label says (\w+), not (\w+): it is not this image's content, and it was not used\.",
        run.output,
    )
    assert found, run.output
    assert found.group(1) == root.labels["io.bbc.content"] != found.group(2)
    assert found.group(2).startswith(tags["side"].split("-")[1])
    assert "Traceback" not in run.output
    assert not repo.docker.images.list(filters={"reference": f"{repo.prefix}/side"})
    assert repo.image_id("leaf") is not None  # the other images were pulled
