"""Release history from the registry and publish triggers: real Pants, Docker and registry.

    root ── mid ── leaf
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo
from bbc_integration.registry import Registry

# (No `%` in pants.toml values: Pants interpolates `%(name)s` there.)
TRIGGER = 'echo "$BBC_IMAGE|$BBC_REPOSITORY|$BBC_VERSION|$BBC_DIGEST|$BBC_PINNED|$BBC_PREVIOUS|$BBC_NOTES|$DOWNSTREAM_TOKEN" >> {log}'


@pytest.fixture(scope="module")
def repo(tmp_path_factory, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd())
    log = repo.root.parent / "triggers.log"
    trigger = TRIGGER.format(log=log).replace('"', '\\"')
    repo.configure(
        registry.pants_toml,
        f'\n[bbc]\ntest_only_packages = []\npublish_trigger = "{trigger}"\n'
        'publish_trigger_env = ["DOWNSTREAM_TOKEN"]\n',
    )
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid")
    repo.add_child("leaf", "mid", "RUN echo leaf > /leaf")
    repo.commit("Images to publish")
    yield repo
    repo.close()


def triggered(repo: Repo) -> list[list[str]]:
    log = repo.root.parent / "triggers.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [line.split("|") for line in lines]


def test_triggers_fire_once_per_release_and_releases_come_from_the_registry(
    repo: Repo, registry: Registry
) -> None:
    first = repo.pants("publish", "::", env={"DOWNSTREAM_TOKEN": "t0ken"})
    assert first.returncode == 0, first.output
    fired = triggered(repo)
    assert sorted(f[0] for f in fired) == ["img/leaf:leaf", "img/mid:mid", "img/root:root"]
    # The variables [bbc].publish_trigger_env names come from ./pants's environment.
    assert {f.pop() for f in fired} == {"t0ken"}
    for image, repository, version, digest, pinned, previous, notes in fired:
        name = image.split(":")[-1]
        assert repository == f"{registry.address}/{repo.prefix}/{name}"
        assert version == "1.0.0" and previous == ""
        assert digest == registry.digest(f"{repo.prefix}/{name}", "1.0.0")
        assert pinned == f"{repository}:1.0.0@{digest}"
        assert notes == f"dist/bbc/releases/{repo.prefix}/{name}/1.0.0.md"
        assert f"- Pinned: `{pinned}`" in repo.read(notes) and "First release." in repo.read(notes)
        sbom = json.loads(repo.read(notes.replace(".md", ".cdx.json")))
        assert sbom["metadata"]["component"]["name"] == f"{repo.prefix}/{name}"

    again = repo.pants("publish", "::")
    assert again.returncode == 0, again.output
    assert triggered(repo) == []  # nothing new released, nothing announced

    bumped = repo.pants("bbc-bump", "--level=patch", "--descendants", "img/mid:mid")
    assert bumped.returncode == 0, bumped.output
    repo.write("img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo 2 > /mid2\n")
    repo.commit("mid 1.0.1")
    second = repo.pants("publish", "::")
    assert second.returncode == 0, second.output
    fired = {f[0]: f for f in triggered(repo)}
    assert sorted(fired) == ["img/leaf:leaf", "img/mid:mid"]
    assert fired["img/mid:mid"][2:7] == [
        "1.0.1",
        registry.digest(f"{repo.prefix}/mid", "1.0.1"),
        f"{registry.address}/{repo.prefix}/mid:1.0.1@{registry.digest(f'{repo.prefix}/mid', '1.0.1')}",
        "1.0.0",
        f"dist/bbc/releases/{repo.prefix}/mid/1.0.1.md",
    ]
    notes = repo.read(fired["img/mid:mid"][6])
    assert "Changes to the image's files since 1.0.0:\n" in notes and " mid 1.0.1\n" in notes
    leaf = repo.read(fired["img/leaf:leaf"][6])
    assert f"{registry.address}/{repo.prefix}/mid:1.0.1@" in leaf.split("(the release before")[0]
    assert f"(the release before was built on `{registry.address}/{repo.prefix}/mid:1.0.0@" in leaf

    releases = repo.pants("bbc-releases", "img/mid:mid")
    assert releases.returncode == 0, releases.output
    mid = f"{registry.address}/{repo.prefix}/mid"
    new, old = (registry.digest(f"{repo.prefix}/mid", v) for v in ("1.0.1", "1.0.0"))
    root = registry.digest(f"{repo.prefix}/root", "1.0.0")
    lines = releases.stdout.splitlines()
    assert lines[0] == f"img/mid:mid @it {mid}:"
    assert lines[1].startswith("  1.0.1 [")
    assert set(lines[1].split("[")[1].split("]")[0].split(", ")) == {"1", "1.0", "latest"}
    assert lines[1].endswith(f"  {new}")
    assert lines[2].startswith("    content tag: 1.0.1-")
    assert lines[3] == f"    built on: {registry.address}/{repo.prefix}/root:1.0.0@{root}"
    assert lines[4] == f"    SBOM: sha256-{new.split(':')[1]}.sbom"
    assert lines[5] == f"  1.0.0  {old}"

    # Without any record of this checkout's publishes (no dist/), the same answer: the registry's.
    here = repo.pants("bbc-releases", "::")
    assert "img/root:root @it" in here.stdout and "img/leaf:leaf @it" in here.stdout
    (repo.root / "dist").rename(repo.root / "dist.kept")
    try:
        elsewhere = repo.pants("bbc-releases", "::")
    finally:
        (repo.root / "dist.kept").rename(repo.root / "dist")
    assert elsewhere.returncode == 0, elsewhere.output
    assert elsewhere.stdout == here.stdout


def test_a_failing_trigger_fails_the_run_but_the_release_stays(
    scratch: Repo, registry: Registry
) -> None:
    repo = scratch
    bumped = repo.pants("bbc-bump", "--level=minor", "img/leaf:leaf")
    assert bumped.returncode == 0, bumped.output
    repo.commit("leaf 1.1.0")
    failing = repo.pants("publish", "img/leaf:leaf", env={"PANTS_BBC_PUBLISH_TRIGGER": "exit 3"})
    assert failing.returncode != 0
    exact = f"{registry.address}/{repo.prefix}/leaf:1.1.0"
    assert (
        f"[bbc].publish_trigger failed for {exact}: the release stays published. Fix the "
        "trigger, then announce it again: ./pants publish --bbc-announce-existing img/leaf:leaf "
        "(exit 3)"
    ) in " ".join(failing.output.split())
    assert registry.digest(f"{repo.prefix}/leaf", "1.1.0") is not None

    rerun = repo.pants("publish", "img/leaf:leaf")
    assert rerun.returncode == 0, rerun.output
    assert triggered(repo) == []  # already released: not announced again unless asked
    asked = repo.pants("publish", "--bbc-announce-existing", "img/leaf:leaf")
    assert asked.returncode == 0, asked.output
    [fired] = triggered(repo)
    assert fired[:3] == ["img/leaf:leaf", f"{registry.address}/{repo.prefix}/leaf", "1.1.0"]
    older = [t for t in registry.tags(f"{repo.prefix}/leaf") if re.fullmatch(r"1\.0\.\d+", t)]
    assert fired[5] == max(older, key=lambda v: int(v.split(".")[2]))
