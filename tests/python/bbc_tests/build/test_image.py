"""The build rule with the plugin's real rules and a fake docker: the exact `docker build` it
runs for each variant, up-to-date detection, and its failures."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest
from pants.engine.addresses import Address
from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc.build.types import (
    PROD,
    TEST,
    TEST_BASE,
    ImageBuild,
    ImageBuildRequest,
    ImageIdentityRequest,
)
from bbc.model.identity import ImageIdentity

from bbc_tests.fake_docker import FakeDocker
from bbc_tests.rule_runner import ENV, plugin_rule_runner, repository_options

ROOT, MID = Address("img/root", target_name="root"), Address("img/mid", target_name="mid")
JOB, APP = Address("img/job", target_name="job"), Address("img/app", target_name="app")
ML, ONCUDA = Address("img/ml", target_name="ml"), Address("img/oncuda", target_name="oncuda")


def options(fake: FakeDocker, greeting: str = "hello") -> list[str]:
    return [
        *repository_options(),
        *fake.options(),
        "--docker-default-repository=it/{name}",
        f"--docker-build-args=['GREETING={greeting}', 'UNUSED=1']",
    ]


def new_run(rule_runner: RuleRunner, fake: FakeDocker, **changes: str) -> None:
    """As a new ./pants run: a new session (and run token), with these options."""
    rule_runner.set_options(options(fake, **changes), env_inherit=ENV)


@pytest.fixture(scope="module")
def module_setup(tmp_path_factory) -> tuple[RuleRunner, FakeDocker]:
    fake = FakeDocker(tmp_path_factory.mktemp("docker"))
    rule_runner = plugin_rule_runner(
        QueryRule(ImageBuild, [ImageBuildRequest]),
        QueryRule(ImageIdentity, [ImageIdentityRequest]),
    )
    child = "ARG SOURCE_IMAGE={}\nFROM $SOURCE_IMAGE\n"
    rule_runner.write_files(
        {
            "img/root/BUILD": 'docker_image(name="root", version="1.0.0")',
            "img/root/Dockerfile": "FROM scratch\nLABEL root=yes\n",
            "img/mid/BUILD": dedent(
                """\
                docker_image(
                    name="mid",
                    version="1.2.0",
                    parent_versions="^1.0",
                    extra_build_args=["EXTRA=1"],
                )
                """
            ),
            "img/mid/Dockerfile": child.format("img/root:root")
            + "ARG GREETING\nARG EXTRA\nRUN echo $GREETING $EXTRA\n",
            "img/job/BUILD": dedent(
                """\
                docker_image(
                    name="job",
                    version="2.0.0",
                    parent_versions="^1.2",
                    test_variant="build-arg",
                    test_build_args=["TOOLS=pytest"],
                    test_command="true",
                )
                """
            ),
            "img/job/Dockerfile": child.format("img/mid:mid") + "ARG TOOLS=none\nRUN echo $TOOLS\n",
            "img/app/BUILD": dedent(
                """\
                docker_image(
                    name="app",
                    version="0.1.0",
                    parent_versions="^1.2",
                    test_variant="sandwich",
                    test_command="true",
                )
                """
            ),
            "img/app/Dockerfile": child.format("img/mid:mid") + "RUN echo app\n",
            "img/app/Dockerfile.test": "ARG SOURCE_IMAGE\nFROM $SOURCE_IMAGE\nRUN echo tools\n",
            "img/ml/BUILD": dedent(
                """\
                docker_image(
                    name="ml",
                    version="1.0.0",
                    parent_versions="^1.0",
                    variants={"cuda12": ["ACCEL=cuda12"]},
                    test_variant="build-arg",
                    test_build_args=["TOOLS=pytest"],
                    test_command="true",
                )
                """
            ),
            "img/ml/Dockerfile": child.format("img/root:root")
            + "ARG ACCEL=cpu\nARG TOOLS=none\nRUN echo $ACCEL $TOOLS\n",
            "img/oncuda/BUILD": (
                'docker_image(name="oncuda", version="1.0.0", parent_versions="^1.0", '
                'parent_variant="cuda12")'
            ),
            "img/oncuda/Dockerfile": child.format("img/ml:ml"),
        }
    )
    return rule_runner, fake


@pytest.fixture
def setup(module_setup) -> tuple[RuleRunner, FakeDocker]:
    """Each test starts with an empty engine, in a new run."""
    rule_runner, fake = module_setup
    fake.forget()
    fake.fail_builds(False)
    new_run(rule_runner, fake)
    return rule_runner, fake


def build(rule_runner: RuleRunner, address: Address, variant: str = PROD) -> ImageBuild:
    return rule_runner.request(ImageBuild, [ImageBuildRequest(address, variant)])


def builds(fake: FakeDocker) -> list[list[str]]:
    return [list(call.argv) for call in fake.calls("build")]


def test_a_child_is_built_from_its_parents_content_tag_with_its_build_args(setup) -> None:
    rule_runner, fake = setup
    mid = build(rule_runner, MID)
    root_build, mid_build = builds(fake)
    root_content = [root_build[i + 1] for i, arg in enumerate(root_build) if arg == "--tag"][-1]
    assert re.fullmatch(r"it/root:1\.0\.0-[0-9a-f]{12}", root_content)
    assert mid.ok and mid.built and mid.tags[:4] == ("1.2.0", "1.2", "1", "latest")
    assert mid_build == [
        "build",
        "--iidfile",
        "__bbc_image.iid",
        "--progress=plain",
        "--pull=False",
        *[arg for ref in mid.refs for arg in ("--tag", ref)],
        "--build-arg",
        "EXTRA=1",
        "--build-arg",
        "GREETING=hello",
        "--build-arg",
        "UNUSED=1",
        "--build-arg",
        f"SOURCE_IMAGE={root_content}",
        "--file",
        "__bbc_Dockerfile",
        ".",
    ]
    assert mid.content_ref == f"it/mid:1.2.0-{mid.content_hash[:12]}"
    dockerfile = fake.dockerfile("it/mid:1.2.0")
    assert dockerfile.startswith("ARG SOURCE_IMAGE=img/root:root\n")
    labels = dockerfile.splitlines()[-1]
    assert labels.startswith('LABEL "org.opencontainers.image.title"="it/mid"')
    assert f'"io.bbc.content"="{mid.content_hash}"' in labels
    assert f'"org.opencontainers.image.base.name"="{root_content}"' in labels
    assert fake.images()[mid.content_ref] == mid.image_id


def test_the_source_label_comes_from_the_source_url_option_without_asking_git(setup) -> None:
    rule_runner, fake = setup
    build(rule_runner, ROOT)  # the test's build root is no git repository: no source label
    assert "org.opencontainers.image.source" not in fake.dockerfile("it/root:1.0.0")
    source = "https://git.example.com/acme/images"
    fake.forget()
    rule_runner.set_options([*options(fake), f"--bbc-source-url={source}"], env_inherit=ENV)
    build(rule_runner, ROOT)
    assert f'"org.opencontainers.image.source"="{source}"' in fake.dockerfile("it/root:1.0.0")


def test_an_image_whose_content_tag_is_in_the_engine_is_not_built_again(setup) -> None:
    rule_runner, fake = setup
    first = build(rule_runner, MID)
    new_run(rule_runner, fake)
    again = build(rule_runner, MID)
    assert len(builds(fake)) == 2  # root and mid, once each
    assert not again.built and again.image_id == first.image_id
    assert again.content_hash == first.content_hash


def test_an_image_removed_from_the_engine_after_a_run_that_found_it_is_built_again(setup) -> None:
    rule_runner, fake = setup
    first = build(rule_runner, MID)
    new_run(rule_runner, fake)
    assert not build(rule_runner, MID).built
    held = (fake.state / "images").read_text().splitlines()
    (fake.state / "images").write_text("".join(f"{i}\n" for i in held if "it/mid:" not in i))
    new_run(rule_runner, fake)
    again = build(rule_runner, MID)
    assert again.built and again.content_hash == first.content_hash
    assert len(builds(fake)) == 3  # root once, mid twice
    assert fake.images()[again.content_ref] == again.image_id


def test_moved_version_tags_are_moved_back_without_a_build(setup) -> None:
    rule_runner, fake = setup
    first = build(rule_runner, MID)
    with open(fake.state / "images", "a") as images:
        images.write(f"it/mid:1.2.0 sha256:{'f' * 64}\n")  # another checkout's mid
    new_run(rule_runner, fake)
    again = build(rule_runner, MID)
    assert len(builds(fake)) == 2
    tagged = [c.argv for c in fake.calls("tag")]
    assert tagged == [("tag", first.image_id, "it/mid:1.2.0")]
    assert not again.built


def test_a_build_args_value_is_part_of_the_content(setup) -> None:
    rule_runner, fake = setup
    before = build(rule_runner, MID)
    new_run(rule_runner, fake, greeting="bonjour")
    after = build(rule_runner, MID)
    assert after.content_hash != before.content_hash and after.built


def test_a_failed_build_names_the_step_and_moves_no_tag(setup) -> None:
    rule_runner, fake = setup
    build(rule_runner, ROOT)
    fake.fail_builds()
    new_run(rule_runner, fake)
    failed = build(rule_runner, MID)
    assert not failed.ok and not failed.built
    assert failed.failure is not None and failed.failure.startswith(
        "img/mid:mid (it/mid:1.2.0) failed to build at img/mid/Dockerfile step 2/3 (RUN false): "
        "The command '/bin/sh -c false' returned a non-zero code: 1"
    )
    assert not any(ref.startswith("it/mid:") for ref in fake.images())


def test_a_parent_missing_from_the_engine_is_never_looked_up_elsewhere(setup) -> None:
    rule_runner, fake = setup
    root = build(rule_runner, ROOT)
    fake.forget()  # the engine lost every image after root was built, in the same run
    missing = build(rule_runner, MID)
    assert missing.failure == (
        f"img/mid:mid is built FROM the content tag {root.content_ref} of img/root:root, which is "
        f"not in the Docker engine (removed during this run?). Build it again: ./pants package "
        f"img/root:root"
    )
    assert builds(fake) == []  # docker build never ran, so nothing was pulled


def test_a_build_arg_test_variant_adds_its_arguments_and_its_own_tags(setup) -> None:
    rule_runner, fake = setup
    prod = build(rule_runner, JOB)
    test = build(rule_runner, JOB, TEST)
    assert test.tags[0] == "2.0.0-test" and test.content_hash != prod.content_hash
    test_build = builds(fake)[-1]
    assert test_build[test_build.index("UNUSED=1") + 1 :] == [
        "--build-arg",
        "TOOLS=pytest",
        "--build-arg",
        f"SOURCE_IMAGE={prod_parent(fake)}",
        "--file",
        "__bbc_Dockerfile",
        ".",
    ]
    assert '"io.bbc.variant"="test"' in fake.dockerfile("it/job:2.0.0-test")


def prod_parent(fake: FakeDocker) -> str:
    """The content tag of mid as built."""
    [mid] = [ref for ref in fake.images() if re.fullmatch(r"it/mid:1\.2\.0-[0-9a-f]{12}", ref)]
    return mid


def test_a_sandwich_puts_the_test_dockerfile_between_the_parent_and_the_image(setup) -> None:
    rule_runner, fake = setup
    test = build(rule_runner, APP, TEST)
    base_build, app_build = builds(fake)[-2:]
    assert base_build[base_build.index("--tag") + 1] == "it/app:0.1.0-test-base"
    assert f"SOURCE_IMAGE={prod_parent(fake)}" in base_build
    assert fake.dockerfile("it/app:0.1.0-test-base").startswith(
        "ARG SOURCE_IMAGE\nFROM $SOURCE_IMAGE\nRUN echo tools\n"
    )
    [base_content] = [r for r in fake.images() if r.startswith("it/app:0.1.0-test-base-")]
    assert f"SOURCE_IMAGE={base_content}" in app_build
    assert test.tags[0] == "0.1.0-test"
    assert build(rule_runner, APP, TEST_BASE).content_ref == base_content


def test_an_image_of_another_stage_is_built_first_and_passed_by_content_tag(setup) -> None:
    rule_runner, fake = setup
    rule_runner.write_files(
        {
            "img/staged/BUILD": 'docker_image(name="staged", version="1.0.0")',
            "img/staged/Dockerfile": (
                "ARG BUILDER=img/mid:mid\nFROM $BUILDER AS build\nFROM scratch\n"
                "COPY --from=build /mid /mid\n"
            ),
        }
    )
    staged = build(rule_runner, Address("img/staged", target_name="staged"))
    staged_build = builds(fake)[-1]
    assert f"BUILDER={prod_parent(fake)}" in staged_build, staged_build
    assert staged.ok and staged.built


def _argv_tagged(fake: FakeDocker, image_ref: str) -> list[str]:
    [found] = [argv for argv in builds(fake) if image_ref in argv]
    return found


def _build_args(argv: list[str]) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == "--build-arg"]


def test_a_variant_is_built_with_its_build_args_and_its_own_tags(setup) -> None:
    rule_runner, fake = setup
    cpu = rule_runner.request(ImageBuild, [ImageBuildRequest(ML)])
    cuda = rule_runner.request(ImageBuild, [ImageBuildRequest(ML, image_variant="cuda12")])
    assert cpu.ok and cuda.ok, (cpu, cuda)
    assert cpu.tags[:4] == ("1.0.0", "1.0", "1", "latest")
    assert cuda.tags[:4] == ("1.0.0-cuda12", "1.0-cuda12", "1-cuda12", "latest-cuda12")
    assert re.fullmatch(r"1\.0\.0-cuda12-[0-9a-f]{12}", cuda.content_tag)
    assert cpu.content_hash != cuda.content_hash and cpu.image_id != cuda.image_id
    assert "ACCEL=cuda12" in _build_args(_argv_tagged(fake, "it/ml:1.0.0-cuda12"))
    assert "ACCEL=cuda12" not in _build_args(_argv_tagged(fake, "it/ml:1.0.0"))
    test = rule_runner.request(ImageBuild, [ImageBuildRequest(ML, TEST, image_variant="cuda12")])
    assert test.tags[0] == "1.0.0-cuda12-test"
    assert {"ACCEL=cuda12", "TOOLS=pytest"} <= set(
        _build_args(_argv_tagged(fake, "it/ml:1.0.0-cuda12-test"))
    )


def test_a_child_with_parent_variant_is_built_from_that_variants_content_tag(setup) -> None:
    rule_runner, fake = setup
    child = rule_runner.request(ImageBuild, [ImageBuildRequest(ONCUDA)])
    cuda = rule_runner.request(ImageBuild, [ImageBuildRequest(ML, image_variant="cuda12")])
    assert child.ok, child
    assert f"SOURCE_IMAGE={cuda.content_ref}" in _build_args(_argv_tagged(fake, "it/oncuda:1.0.0"))


def test_an_unknown_variant_is_a_failure_naming_the_variants(setup) -> None:
    rule_runner, _ = setup
    found = rule_runner.request(ImageBuild, [ImageBuildRequest(ML, image_variant="rocm")])
    assert found.failure == "img/ml:ml has no variant 'rocm' (its variants: cuda12)."


def test_every_content_tag_is_known_before_anything_is_built(setup) -> None:
    """What lets an image be looked up in the registries while its parent is still being built
    or pulled: its tags come from its sources and its ancestors' content hashes alone."""
    rule_runner, fake = setup
    wanted = [
        ImageIdentityRequest(JOB),
        ImageIdentityRequest(APP, TEST),
        ImageIdentityRequest(ONCUDA),
        ImageIdentityRequest(ML, TEST, image_variant="cuda12"),
    ]
    known = [rule_runner.request(ImageIdentity, [request]).build for request in wanted]
    assert builds(fake) == [] and fake.images() == {}
    for request, identity in zip(wanted, known):
        built = rule_runner.request(
            ImageBuild,
            [
                ImageBuildRequest(
                    request.address, request.variant, image_variant=request.image_variant
                )
            ],
        )
        assert built.built and not identity.image_id, (built, identity)
        assert (identity.tags, identity.content_hash) == (built.tags, built.content_hash)


def test_an_image_whose_ancestor_fails_to_build_is_blocked_and_never_built(setup) -> None:
    rule_runner, fake = setup
    fake.fail_builds()
    job = build(rule_runner, JOB)
    assert job.blocked_by == ROOT and not job.built and job.failure is None
    assert [argv[argv.index("--tag") + 1] for argv in builds(fake)] == ["it/root:1.0.0"]
