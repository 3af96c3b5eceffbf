from __future__ import annotations

import json

import pytest
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, MergeDigests
from pants.engine.goal import CurrentExecutingGoals
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.testutil.rule_runner import MockGet, run_rule_with_mocks
from pants.util.frozendict import FrozenDict

from bbc.build.package import ImageBuildFailed, _ImagesOfRun, package_bbc_image
from bbc.build.types import ImageBuild, ImageBuildRequest
from bbc.fanout.stages import BUILD_TIMES_DIR, read_build_times
from bbc.graph.run_images import RunImages
from bbc.graph.vanilla import BuiltOnByOthers
from bbc.sbom.contents import ImagePackages, OperatingSystem, Package
from bbc.sbom.image_sbom import ImageSBOM, ImageSBOMRequest, ImagesPackages
from bbc.target_types import VariantsField
from bbc.util_rules.docker import LocalImages


ROOT, LEAF, OTHER, CHILD, PULLED = (
    Address(f"img/{n}") for n in ("root", "leaf", "other", "child", "pulled")
)
DEBIAN = OperatingSystem("debian", "12", "12.8")
# What the release's SBOM of the pulled image lists.
LISTED = ImagePackages((Package("deb", "libc6", "2.36-9"),), DEBIAN, None)
BUILDS = {
    ROOT: ImageBuild(
        ROOT, "prod", "sha256:r", "bbc/root", ("1.0.0", "latest", "1.0.0-c0ffee"), built=True
    ),
    OTHER: ImageBuild(OTHER, "prod", "sha256:o", "bbc/other", ("2.0.0",)),
    LEAF: ImageBuild(
        LEAF, "prod", failure="img/leaf:leaf (bbc/leaf:0.1.0) failed to build at step 3/4"
    ),
    CHILD: ImageBuild(CHILD, "prod", blocked_by=LEAF),
    PULLED: ImageBuild(
        PULLED, "prod", "sha256:p", "bbc/pulled", ("3.0.0",), release_packages=LISTED
    ),
}


def read_from_engine(image_id: str) -> ImagePackages:
    return ImagePackages((Package("deb", "read-from", image_id),), DEBIAN, None)


ML = Address("img/ml")
ML_BUILDS = {
    None: ImageBuild(
        ML, "prod", "sha256:m", "bbc/ml", ("1.0.0", "1.0.0-c0ffee"), built=True, seconds=40.0
    ),
    "cuda12": ImageBuild(
        ML,
        "prod",
        "sha256:mc",
        "bbc/ml",
        ("1.0.0-cuda12", "1.0.0-cuda12-c0ffee"),
        built=True,
        seconds=100.0,
        image_variant="cuda12",
    ),
    "rocm6": ImageBuild(  # up to date: this run did not build it
        ML,
        "prod",
        "sha256:mr",
        "bbc/ml",
        ("1.0.0-rocm6", "1.0.0-rocm6-c0ffee"),
        image_variant="rocm6",
    ),
}


class _FieldSet:
    def __init__(self, address: Address, version: str, variants=None) -> None:
        self.address = address
        self.version = type("V", (), {"value": version})()
        self.output_path = type(
            "O",
            (),
            {"value_or_default": lambda _, file_ending: f"{address.spec_path}/info.{file_ending}"},
        )()
        self.variants = type("F", (), {"value": variants})()


_NO_VARIANTS = type("F", (), {"value": None})()
# What the rule reads of a requested image's target when something failed: its variants.
_TARGET = type("W", (), {"target": {VariantsField: _NO_VARIANTS}})()


def package(
    address: Address,
    run_images: set[Address],
    asked_for: list,
    goals=CurrentExecutingGoals(),
    built_on_by_others: frozenset = frozenset(),
    variants: dict | None = None,
):
    def build(request: ImageBuildRequest) -> ImageBuild:
        asked_for.append(request.address)
        if request.address == ML:
            return ML_BUILDS[request.image_variant]
        return BUILDS[request.address]

    created, sboms, read = [], [], []
    result = run_rule_with_mocks(
        package_bbc_image,
        rule_args=[_FieldSet(address, "1.0.0", variants), goals],
        mock_gets=[
            MockGet(
                output_type=RunImages,
                input_types=(),
                mock=lambda: RunImages(frozenset(run_images)),
            ),
            MockGet(output_type=ImageBuild, input_types=(ImageBuildRequest,), mock=build),
            MockGet(
                output_type=LocalImages,
                input_types=(),
                mock=lambda: asked_for.append("engine") or LocalImages(FrozenDict()),
            ),
            MockGet(
                output_type=BuiltOnByOthers,
                input_types=(),
                mock=lambda: BuiltOnByOthers(built_on_by_others),
            ),
            MockGet(
                output_type=Digest,
                input_types=(CreateDigest,),
                mock=lambda c: created.append(c) or EMPTY_DIGEST,
            ),
            MockGet(
                output_type=ImageSBOM,
                input_types=(ImageSBOMRequest,),
                mock=lambda r: sboms.append(r)
                or ImageSBOM(f"bbc/sbom/{r.repository}.json", EMPTY_DIGEST),
            ),
            MockGet(
                output_type=ImagesPackages,
                input_types=(_ImagesOfRun,),
                mock=lambda r: read.append(r.addresses)
                or ImagesPackages(
                    tuple(
                        (b.image_id, read_from_engine(b.image_id))
                        for b in (*BUILDS.values(), *ML_BUILDS.values())
                        if b.address in r.addresses and b.ok and not b.release_packages
                    )
                ),
            ),
            MockGet(output_type=Digest, input_types=(MergeDigests,), mock=lambda m: EMPTY_DIGEST),
            MockGet(
                output_type=WrappedTarget,
                input_types=(WrappedTargetRequest,),
                mock=lambda r: _TARGET,
            ),
        ],
    )
    package.sboms = sboms  # type: ignore[attr-defined]
    package.read = read  # type: ignore[attr-defined]
    return result, created


def test_a_built_image_is_packaged_with_its_content_ref_first_and_reported_exact_first():
    result, [created] = package(ROOT, {ROOT, OTHER}, [])
    assert isinstance(result, BuiltPackage)
    artifact, sbom = result.artifacts
    # A docker_image of Pants' own built on this one is built FROM the first: the content tag.
    assert artifact.tags == ("bbc/root:1.0.0-c0ffee", "bbc/root:1.0.0", "bbc/root:latest")
    assert artifact.extra_log_lines[0] == (
        "Built: bbc/root:1.0.0, bbc/root:latest, bbc/root:1.0.0-c0ffee"
    )
    assert sbom.relpath == "bbc/sbom/bbc/root.json"
    # What it holds is read with the run's other images, not on its own.
    assert package.read == [(OTHER, ROOT)]  # type: ignore[attr-defined]
    assert package.sboms == [  # type: ignore[attr-defined]
        ImageSBOMRequest(
            "bbc/root", "1.0.0", "1.0.0-c0ffee", "sha256:r", read_from_engine("sha256:r")
        )
    ]
    info = json.loads(created[0].content)
    assert info["image_id"] == "sha256:r" and info["bbc"] == {
        "version": "1.0.0",
        "variant": None,
        "built": True,
    }


def test_an_image_pulled_with_its_release_sbom_is_not_read_from_the_engine():
    result, _ = package(PULLED, {ROOT, PULLED}, [])
    assert isinstance(result, BuiltPackage)
    assert package.read == []  # type: ignore[attr-defined]
    [request] = package.sboms  # type: ignore[attr-defined]
    assert request.packages == LISTED


def test_package_builds_nothing_while_publish_runs():
    asked_for: list = []
    result, created = package(
        ROOT, {ROOT}, asked_for, CurrentExecutingGoals({"publish": object})  # type: ignore
    )
    assert result.artifacts == () and result.digest == EMPTY_DIGEST
    assert asked_for == [] and created == []


def test_while_publish_runs_package_builds_an_image_pants_own_images_are_built_on():
    asked_for: list = []
    result, created = package(
        ROOT,
        {ROOT},
        asked_for,
        CurrentExecutingGoals({"publish": object}),  # type: ignore
        frozenset({ROOT}),
    )
    assert asked_for == ["engine", ROOT]
    assert result.artifacts[0].tags[0] == "bbc/root:1.0.0-c0ffee"


def test_a_failure_waits_for_every_image_the_run_asked_for_then_reports_them_all():
    asked_for: list = []
    with pytest.raises(ImageBuildFailed) as error:
        package(LEAF, {ROOT, OTHER, LEAF}, asked_for)
    assert set(asked_for) == {"engine", LEAF, ROOT, OTHER}
    report = str(error.value)
    assert report.startswith("img/leaf:leaf (bbc/leaf:0.1.0) failed to build at step 3/4")
    assert "Built or up to date: img/other:other, img/root:root." in report


def test_images_the_run_does_not_name_are_not_waited_for():
    asked_for: list = []
    with pytest.raises(ImageBuildFailed):
        package(LEAF, set(), asked_for)
    assert asked_for == ["engine", LEAF, LEAF]


def test_a_blocked_image_reports_the_failure_of_the_ancestor_that_stopped_it():
    asked_for: list = []
    with pytest.raises(ImageBuildFailed) as error:
        package(CHILD, {CHILD}, asked_for)
    assert LEAF in asked_for
    report = str(error.value)
    assert report.startswith("img/leaf:leaf (bbc/leaf:0.1.0) failed to build at step 3/4")
    assert "Not built: img/child:child (because img/leaf:leaf failed)." in report


def test_package_records_the_build_times_of_the_image_and_of_each_variant_it_built():
    variants = {"cuda12": ("ACCEL=cuda12",), "rocm6": ("ACCEL=rocm6",)}
    result, created = package(ML, {ML}, [], variants=variants)
    assert [a.relpath for a in result.artifacts if hasattr(a, "image_id")] == [
        "img/ml/info.docker-info.json",
        "img/ml/info.cuda12.docker-info.json",
        "img/ml/info.rocm6.docker-info.json",
    ]
    records = {
        f.path: f.content.decode()
        for digest in created
        for f in digest
        if f.path.startswith(f"{BUILD_TIMES_DIR}/")
    }
    # rocm6 was up to date: its record from the run that built it stays as it was.
    assert sorted(records) == [
        "bbc/build-times/bbc/ml+cuda12.json",
        "bbc/build-times/bbc/ml.json",
    ]
    assert read_build_times(records.values()) == {"img/ml:ml": {None: 40.0, "cuda12": 100.0}}
