"""Image variants with real Pants, real Docker and a real registry, in a temporary repository:

    root 1.0.0 ── ml 1.0.0, variants={"cuda12": ["ACCEL=cuda12"]} ── job 1.0.0 on ml's cuda12
              └── plain: a docker_image of Pants' own (no version), built on root

ml's Dockerfile writes $ACCEL (default `cpu`) to /accel: the image and its variant differ by
that build argument only. They share the version, the target, the contract tests (ml's and
root's) and the test variant.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, Run
from bbc_integration.registry import Registry

ML_LINES = (
    "ARG ACCEL=cpu",
    "ARG WITH_TESTS=",
    'RUN echo "$ACCEL" > /accel && if [ -n "$WITH_TESTS" ]; then touch /test-tools; fi',
)
ML_FIELDS = (
    ', variants={"cuda12": ["ACCEL=cuda12"]}, contract_tests={"accel is written": "test -s /accel"}'
    ', test_variant="build-arg", test_build_args=["WITH_TESTS=1"]'
    ', test_command="test -f /test-tools && test -s /accel"'
)
PLAIN_DOCKERFILE = 'ARG BASE=img/root:root\nFROM $BASE\nCMD ["echo", "plain ran"]\n'
CONTENT = r"[0-9a-f]{12}"


@pytest.fixture(scope="module")
def repo(tmp_path_factory, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("variants"), Path.cwd()).for_tests()
    repo.configure(registry.pants_toml)
    repo.add_root("root", extra=', contract_tests={"busybox": "test -x /bin/busybox"}')
    repo.add_child("ml", "root", *ML_LINES, extra=ML_FIELDS)
    repo.add_child("job", "ml", "RUN cp /accel /job-accel", extra=', parent_variant="cuda12"')
    repo.write("img/plain/Dockerfile", PLAIN_DOCKERFILE)
    repo.write("img/plain/BUILD", 'docker_image(name="plain", skip_push=True)\n')
    repo.commit("An image with a CUDA variant, a child on it, and an image of Pants' own")
    repo.first_package = repo.run_first("package", "::")  # type: ignore[attr-defined]
    yield repo
    repo.close()
    repo.remove_images(f"{registry.address}/{repo.prefix}")


def image(repo: Repo, name: str, tag: str):
    return repo.docker.images.get(repo.ref(name, tag))


def cat(repo: Repo, name: str, tag: str, path: str) -> str:
    output = repo.docker.containers.run(repo.ref(name, tag), ["cat", path], remove=True)
    return output.decode().strip()


def built_refs(run: Run) -> set[str]:
    """Every local ref `package` reported as built or up to date."""
    found = set()
    for line in re.findall(r"^(?:Built|Up to date): (.+)$", run.output, re.M):
        found.update(ref.split("/", 1)[1] for ref in line.split(", "))
    return found


def test_package_builds_the_image_and_its_variant_with_their_own_tags_and_contents(
    repo: Repo,
) -> None:
    run = repo.first_package
    assert run.returncode == 0, run.output
    cpu, cuda = image(repo, "ml", "1.0.0"), image(repo, "ml", "1.0.0-cuda12")
    assert cpu.id != cuda.id
    for tag in ("1.0", "1", "latest"):
        assert image(repo, "ml", tag).id == cpu.id, tag
        assert image(repo, "ml", f"{tag}-cuda12").id == cuda.id, tag
    cpu_content = [t for t in cpu.tags if re.fullmatch(rf".*:1\.0\.0-{CONTENT}", t)]
    cuda_content = [t for t in cuda.tags if re.fullmatch(rf".*:1\.0\.0-cuda12-{CONTENT}", t)]
    assert len(cpu_content) == 1 and len(cuda_content) == 1, (cpu.tags, cuda.tags)
    assert cpu.labels["io.bbc.content"] != cuda.labels["io.bbc.content"]
    assert cuda.labels["io.bbc.image-variant"] == "cuda12"
    assert "io.bbc.image-variant" not in cpu.labels
    assert {
        cpu.labels["org.opencontainers.image.version"],
        cuda.labels["org.opencontainers.image.version"],
    } == {"1.0.0"}
    assert cat(repo, "ml", "1.0.0", "/accel") == "cpu"
    assert cat(repo, "ml", "1.0.0-cuda12", "/accel") == "cuda12"
    # The child picked the CUDA variant: built FROM its content tag.
    assert cat(repo, "job", "1.0.0", "/job-accel") == "cuda12"
    job = image(repo, "job", "1.0.0")
    assert job.labels["org.opencontainers.image.base.name"] == cuda_content[0]
    refs = built_refs(run)
    assert {"ml:1.0.0", "ml:latest", "ml:1.0.0-cuda12", "ml:latest-cuda12"} <= {
        r.split("/", 1)[-1] for r in refs
    }
    assert (repo.root / f"dist/bbc/sbom/{repo.prefix}/ml/1.0.0-cuda12.cdx.json").is_file()
    # Each build's time is recorded, the variant's beside the image's, and bbc-plan counts both.
    times = {}
    for build, content in (("ml", cpu_content[0]), ("ml+cuda12", cuda_content[0])):
        path = f"dist/bbc/build-times/{repo.prefix}/{build}.json"
        assert (repo.root / path).is_file(), run.output
        record = json.loads(repo.read(path))
        assert record["address"] == "img/ml:ml" and record["seconds"] > 0, record
        assert record["content_tag"] == content.rsplit(":", 1)[1], record
        times[build] = record["seconds"]
    assert record["variant"] == "cuda12"
    planned = repo.pants("bbc-plan", "img/ml:ml")
    assert planned.returncode == 0, planned.output
    [[ml_job]] = json.loads(planned.stdout)["stages"]
    assert ml_job["targets"] == ["img/ml:ml"]
    assert ml_job["estimated_seconds"] == round(times["ml"] + times["ml+cuda12"], 1)
    assert "1 images (2 builds with their variants)" in planned.output
    assert "(2 build times recorded in dist/bbc/build-times)" in planned.output


def test_the_contract_tests_and_the_test_variant_run_for_the_image_and_its_variant(
    scratch: Repo,
) -> None:
    repo = scratch
    run = repo.pants("test", "--test-output=all", "img/ml:ml")
    assert run.returncode == 0, run.output
    for prefix in ("", "[cuda12] "):
        assert f"PASS img/ml:ml [contract tests] {prefix}accel is written (from img/ml:ml)" in (
            run.output
        )
        assert f"PASS img/ml:ml [contract tests] {prefix}busybox (from img/root:root)" in run.output
        assert f"PASS img/ml:ml [tests] {prefix}test -f /test-tools" in run.output
    assert cat(repo, "ml", "1.0.0-cuda12-test", "/accel") == "cuda12"
    # A promise the CUDA variant breaks fails the image, naming the variant.
    repo.write(
        "img/ml/BUILD",
        repo.read("img/ml/BUILD").replace(
            '"accel is written": "test -s /accel"', '"cpu only": "test \\"$(cat /accel)\\" = cpu"'
        ),
    )
    failed = repo.pants("test", "--test-output=all", "img/ml:ml")
    assert failed.returncode != 0, failed.output
    assert "PASS img/ml:ml [contract tests] cpu only (from img/ml:ml)" in failed.output
    assert "FAIL img/ml:ml [contract tests] [cuda12] cpu only (from img/ml:ml)" in failed.output


def pushed(run: Run) -> list[str]:
    return re.findall(r"Completed: Pushing (\S+)$", run.output, re.M)


def test_publish_releases_the_image_and_its_variant_together_and_never_over_a_release(
    repo: Repo, registry: Registry
) -> None:
    shutil.rmtree(repo.root / "dist/bbc/build-times", ignore_errors=True)
    run = repo.pants("publish", "::")
    assert run.returncode == 0, run.output
    name = f"{repo.prefix}/ml"
    # ml is built again on its published parent: publish records its builds' times as package
    # does, the variant's beside the image's.
    for build in ("ml", "ml+cuda12"):
        timed = json.loads(repo.read(f"dist/bbc/build-times/{repo.prefix}/{build}.json"))
        assert timed["address"] == "img/ml:ml" and timed["seconds"] > 0, timed
    digests = registry.digests(name)
    cuda_tags = {"1.0.0-cuda12", "1.0-cuda12", "1-cuda12", "latest-cuda12"}
    assert {"1.0.0", "1.0", "1", "latest", *cuda_tags} <= set(digests)
    assert any(re.fullmatch(rf"1\.0\.0-cuda12-{CONTENT}", t) for t in digests), digests
    assert any(re.fullmatch(rf"1\.0\.0-{CONTENT}", t) for t in digests), digests
    assert digests["1.0.0"] != digests["1.0.0-cuda12"]
    assert {digests[t] for t in cuda_tags} == {digests["1.0.0-cuda12"]}
    assert {digests[t] for t in ("1.0", "1", "latest")} == {digests["1.0.0"]}
    record = json.loads(repo.read(f"dist/bbc/published/{name}.json"))
    by_variant = {r["variant"]: r for r in record["registries"]}
    assert by_variant["cuda12"]["digest"] == digests["1.0.0-cuda12"]
    assert by_variant[None]["digest"] == digests["1.0.0"]
    # Each release has its SBOM beside it, the variant's too.
    for version in ("1.0.0", "1.0.0-cuda12"):
        tag = f"sha256-{digests[version].split(':')[1]}.sbom"
        [layer] = json.loads(registry.manifest(name, tag))["layers"]
        sbom = json.loads(registry.blob(name, layer["digest"]))
        assert sbom["metadata"]["component"]["version"] == version
    # The child records the CUDA variant's release as its base.
    job = image(repo, "job", "1.0.0")
    assert job.labels["org.opencontainers.image.base.digest"] == digests["1.0.0-cuda12"]
    releases = repo.pants("bbc-releases", "img/ml:ml")
    assert releases.returncode == 0, releases.output
    # The variant's moving tags are listed with the release whose variant they point at.
    listed = re.search(
        rf"variant cuda12: 1\.0\.0-cuda12 \[(.+)\]  {digests['1.0.0-cuda12']}", releases.output
    )
    assert listed and set(listed.group(1).split(", ")) == cuda_tags - {
        "1.0.0-cuda12"
    }, releases.output
    assert not re.search(r"^\s+1\.0\.0-cuda12 ", releases.output, re.M), releases.output

    with repo.branch():
        repo.write("img/ml/BUILD", repo.read("img/ml/BUILD").replace("=cuda12", "=cuda12.4"))
        repo.commit("The CUDA variant changes, the version does not")
        check = repo.pants("bbc-check", "::")
        assert check.returncode != 0 and "img/ml:ml" in check.output, check.output
        refused = repo.pants("publish", "img/ml:ml")
        assert refused.returncode != 0, refused.output
        assert f"img/ml:ml (cuda12) in @it ({registry.address})" in refused.output
        assert "1.0.0-cuda12 is already released with different content" in refused.output
        assert "Nothing was pushed." in refused.output
        assert pushed(refused) == []
        assert registry.digests(name) == digests

    # A machine without them pulls the image and its variant, each from its own release.
    for found in repo.docker.images.list(filters={"reference": name}):
        for tag in found.tags:
            repo.docker.images.remove(tag, force=True)
    pulled = repo.pants("package", "img/ml:ml")
    assert pulled.returncode == 0, pulled.output
    for version in ("1.0.0", "1.0.0-cuda12"):
        assert f"From: {registry.address}/{name}:{version}@{digests[version]}" in pulled.output


def test_a_variant_tag_template_puts_the_variant_first_in_every_tag_it_makes(
    repo: Repo, registry: Registry
) -> None:
    """A family that publishes flavours as `cuda12-1.1.0`, `cuda12-latest` (and a template that
    would make tags ambiguous refused, naming the option)."""
    first = {"PANTS_BBC_VARIANT_TAG_TEMPLATE": "{variant}-{tag}"}
    with repo.branch("package", "::"):
        for name in ("ml", "job"):
            build = f"img/{name}/BUILD"
            repo.write(build, repo.read(build).replace('version="1.0.0"', 'version="1.1.0"'))
        repo.commit("ml 1.1.0, its variant spelled first")
        published = repo.pants("publish", "::", env=first)
        assert published.returncode == 0, published.output
        digests = registry.digests(f"{repo.prefix}/ml")
        cuda_tags = {"cuda12-1.1.0", "cuda12-1.1", "cuda12-1"}
        assert cuda_tags | {"cuda12-latest"} <= set(digests), digests
        assert {digests[t] for t in cuda_tags} == {digests["cuda12-1.1.0"]} != {digests["1.1.0"]}
        assert any(re.fullmatch(rf"cuda12-1\.1\.0-{CONTENT}", t) for t in digests), digests
        assert "1.1.0-cuda12" not in digests
        assert cat(repo, "ml", "cuda12-1.1.0", "/accel") == "cuda12"
        job = image(repo, "job", "1.1.0")
        assert job.labels["org.opencontainers.image.base.digest"] == digests["cuda12-1.1.0"]
        releases = repo.pants("bbc-releases", "img/ml:ml", env=first)
        assert re.search(
            rf"variant cuda12: cuda12-1\.1\.0 \[.*cuda12-latest.*\]  {digests['cuda12-1.1.0']}",
            releases.output,
        ), releases.output
        tree = repo.pants("bbc-tree", env=first)
        assert "variant cuda12 (tags cuda12-1.1.0, cuda12-1.1, cuda12-1, cuda12-latest)" in (
            tree.output
        )
        for goal in ("package", "bbc-releases"):
            ambiguous = repo.pants(
                goal, "img/ml:ml", env={"PANTS_BBC_VARIANT_TAG_TEMPLATE": "{Variant}-{tag}"}
            )
            assert ambiguous.returncode != 0, (goal, ambiguous.output)
            assert (
                "[bbc].variant_tag_template = '{Variant}-{tag}': write {tag} and {variant} once "
                "each" in " ".join(ambiguous.output.split())
            ), (goal, ambiguous.output)
            assert "Traceback" not in ambiguous.output and "KeyError" not in ambiguous.output


def test_bbc_tree_draws_the_image_and_its_variants_as_one_node(repo: Repo) -> None:
    run = repo.pants("bbc-tree")
    assert run.returncode == 0, run.output
    ml = [line for line in run.output.splitlines() if "img/ml:ml " in line]
    assert len(ml) == 1, run.output
    assert "variant cuda12 (tags 1.0.0-cuda12, 1.0-cuda12, 1-cuda12, latest-cuda12)" in ml[0]
    assert any(
        "img/job:job" in l and "(on its variant cuda12)" in l for l in run.output.splitlines()
    )
    mermaid = repo.read("dist/bbc/hierarchy.mmd")
    assert mermaid.count('img_ml_ml["') == 1
    assert "<br/>variants cuda12" in mermaid
    assert '|"^1.0 (cuda12)"| img_job_job' in mermaid


def test_a_change_to_the_shared_dockerfile_selects_and_rebuilds_every_variant(repo: Repo) -> None:
    with repo.branch():
        before = {t: image(repo, n, t).id for n, t in (("ml", "latest"), ("ml", "latest-cuda12"))}
        before["job"] = image(repo, "job", "latest").id
        repo.write("img/ml/Dockerfile", repo.read("img/ml/Dockerfile") + "RUN echo 2 > /two\n")
        repo.commit("ml's Dockerfile changes")
        listed = repo.pants("--changed-since=main", "list")
        assert listed.returncode == 0, listed.output
        assert set(listed.stdout.split()) == {"img/ml:ml", "img/job:job"}
        run = repo.pants("--changed-since=main", "package")
        assert run.returncode == 0, run.output
        built = {r.split("/", 1)[-1] for r in built_refs(run)}
        assert {"ml:1.0.0", "ml:1.0.0-cuda12", "job:1.0.0"} <= built
        assert not any(r.startswith("root:") for r in built)
        after = {t: image(repo, n, t).id for n, t in (("ml", "latest"), ("ml", "latest-cuda12"))}
        after["job"] = image(repo, "job", "latest").id
        assert all(after[k] != before[k] for k in before), (before, after)
        assert cat(repo, "ml", "latest-cuda12", "/two") == "2"


@pytest.mark.parametrize(
    "path, edit, target, message",
    [
        (
            "img/ml/BUILD",
            ('"cuda12": ["ACCEL=cuda12"]', '"CUDA12": ["ACCEL=cuda12"]'),
            "img/ml:ml",
            "img/ml:ml: variants in img/ml/BUILD: the variant name 'CUDA12' is not a tag suffix",
        ),
        (
            "img/ml/BUILD",
            ('"cuda12": ["ACCEL=cuda12"]', '"cuda12": ["CUDA=12"]'),
            "img/ml:ml",
            "the variant 'cuda12' sets CUDA, which the Dockerfile does not declare",
        ),
        (
            "img/ml/BUILD",
            ('"cuda12": ["ACCEL=cuda12"]', '"test": ["ACCEL=cuda12"]'),
            "img/ml:ml",
            "the variant name 'test' is the plugin's own",
        ),
        (
            "img/job/BUILD",
            ('parent_variant="cuda12"', 'parent_variant="cuda11"'),
            "img/job:job",
            "img/job:job: parent_variant='cuda11' in img/job/BUILD names no variant of img/ml:ml: "
            "its variants are cuda12.",
        ),
        (
            "img/plain/BUILD",
            ("skip_push=True", 'skip_push=True, variants={"cuda12": ["ACCEL=cuda12"]}'),
            "img/plain:plain",
            "img/plain:plain: variants in img/plain/BUILD, but the image has no `version`, so "
            "Pants' own docker rules build it and would ignore it.",
        ),
    ],
)
def test_bad_variants_are_refused_naming_the_target_file_and_fix(
    scratch: Repo, path: str, edit: tuple[str, str], target: str, message: str
) -> None:
    repo = scratch
    text = repo.read(path)
    assert edit[0] in text
    repo.write(path, text.replace(*edit))
    run = repo.pants("package", target)
    assert run.returncode != 0, run.output
    assert message in " ".join(run.output.split()), run.output
    assert "Traceback" not in run.output


def test_an_image_of_pants_own_runs_beside_bbc_images(repo: Repo) -> None:
    run = repo.pants("run", "--docker-run-args=--rm", "img/plain:plain")
    assert run.returncode == 0, run.output
    assert "plain ran" in run.stdout
