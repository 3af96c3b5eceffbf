"""CI fan-out with real Pants, Docker and registries on loopback ports: `bbc-plan`'s jobs run
as separate processes, each in a fresh clone on an engine without the other jobs' images, as
separate runners would, against one registry; the result equals one machine's `publish ::`.

    root ─┬─ mid ── leaf     planned as two stages: root, then (mid, leaf) beside side
          └─ side
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from bbc_integration.fixture import Repo
from bbc_integration.registry import Registry

ALL = ("root", "mid", "leaf", "side")


def family(repo: Repo, registry: Registry) -> None:
    repo.configure(registry.pants_toml)
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid")
    repo.add_child("leaf", "mid", "RUN echo leaf > /leaf")
    repo.add_child("side", "root", "RUN echo side > /side")
    repo.commit("A family for the CI matrix")


def forget_images(repo: Repo, *registries: Registry) -> None:
    repo.remove_images(repo.prefix)
    for registry in registries:
        repo.remove_images(f"{registry.address}/{repo.prefix}")


def tags(repo: Repo, registry: Registry) -> dict[str, set[str]]:
    """Each image's tags; 1.0.0's SBOM tag (named by its digest, which differs between registries
    for a child: its labels name its parent there) as `<sbom of 1.0.0>`."""
    found = {}
    for name in ALL:
        repository = f"{repo.prefix}/{name}"
        sbom = f"sha256-{(registry.digest(repository, '1.0.0') or ':').split(':')[1]}.sbom"
        found[name] = {"<sbom of 1.0.0>" if t == sbom else t for t in registry.tags(repository)}
    return found


def test_the_plans_jobs_on_separate_runners_publish_what_one_machine_does(
    tmp_path: Path, registry: Registry
) -> None:
    single = Repo(tmp_path / "single", Path.cwd())
    matrix = Registry(tmp_path / "matrix-registry")
    try:
        family(single, registry)
        one_machine = single.pants("publish", "::")
        assert one_machine.returncode == 0, one_machine.output
        expected = tags(single, registry)
        # 1.0.0, moving, content, SBOM
        assert all(len(t) == 6 and "<sbom of 1.0.0>" in t for t in expected.values()), expected
        forget_images(single, registry)

        # The CI pipeline: the plan (which reads only the sources: here, the same commit's), then
        # each job on a runner of its own: a fresh clone with one Pants command.
        to_matrix = {
            "PANTS_DOCKER_REGISTRIES": f"{{'it': {{'address': '{matrix.address}', 'default': True}}}}"
        }
        planned = single.pants("bbc-plan", "--runners=2", "::")
        single.close_pantsd()
        assert planned.returncode == 0, planned.output
        stages = json.loads(planned.stdout)["stages"]

        def job(*names: str, pull: tuple[str, ...] = ()) -> tuple:
            return ([f"img/{n}:{n}" for n in names], [f"img/{n}:{n}" for n in pull])

        # (Within a stage, jobs come longest first by the build times this checkout recorded.)
        # (How a subtree too big for one runner is split into stages: fanout/test_stages.py.)
        assert [sorted((j["targets"], j["pull"]) for j in stage) for stage in stages] == [
            [job("root")],
            [job("mid", "leaf", pull=("root",)), job("side", pull=("root",))],
        ]

        outputs: dict[str, str] = {}
        for stage in stages:
            runners = []
            for spec in stage:
                runner = single.clone(
                    tmp_path / spec["name"], own_pants_cache=tmp_path / "ci-cache"
                )
                runner.env.update(to_matrix)
                job = runner.start_pants("--no-pantsd", "publish", *spec["targets"])
                runners.append((spec, job))
            for spec, process in runners:
                outputs[spec["name"]] = process.communicate(timeout=900)[0]
                assert process.returncode == 0, outputs[spec["name"]]
            forget_images(single, registry, matrix)  # the next runners start empty

        assert tags(single, matrix) == expected
        pushes: Counter = Counter()
        built: Counter = Counter()
        for stage in stages:
            pulled: set[str] = set()
            for spec in stage:
                out = outputs[spec["name"]]
                for repository, pushed in re.findall(r"Completed: Pushing (\S+):(\S+)$", out, re.M):
                    pushes.update(f"{repository}:{t}" for t in pushed.split(","))
                here = re.findall(r"Completed: Building - \S+ \((\S+)\) - built\.", out)
                assert sorted(here) == sorted(spec["targets"]), out
                built.update(here)
                pulled |= set(
                    re.findall(r"Completed: Pulling \S+ \((\S+)\) instead of building", out)
                )
            # The jobs of a stage share this machine's engine: one of them pulls each ancestor.
            assert pulled == {a for spec in stage for a in spec["pull"]}, stage
        assert built == Counter(f"img/{n}:{n}" for n in ALL)
        for name in ALL:
            remote = f"{matrix.address}/{single.prefix}/{name}"
            assert pushes[f"{remote}:1.0.0"] == 1, pushes
            [content] = [t for t in expected[name] if re.fullmatch(r"1\.0\.0-\w{12}", t)]
            assert pushes[f"{remote}:{content}"] == 1, pushes
        # A child in the matrix's registry names its parent there by digest.
        leaf = f"{matrix.address}/{single.prefix}/leaf:1.0.0"
        single.docker.images.pull(leaf)
        labels = single.docker.images.get(leaf).labels
        assert labels["org.opencontainers.image.base.digest"] == matrix.digest(
            f"{single.prefix}/mid", "1.0.0"
        )
    finally:
        single.close()
        forget_images(single, registry, matrix)
        matrix.close()
