"""An image's releases read from a registry in memory: its variants' moving tags are read and
listed with the release whose variant they point at (what bbc-downstream moves them by)."""

from __future__ import annotations

from pants.testutil.rule_runner import MockGet, run_rule_with_mocks

from bbc.downstream.references import Move, Reference, decide
from bbc.publish.registry_releases import (
    RegistryReleases,
    _Labels,
    _LabelsRequest,
    _RegistryReleasesRequest,
    registry_releases,
)

from bbc_tests.fakes import REGISTRIES, FakeRegistry, image_config

REPOSITORY = "r:5000/bbc/ml"


def releases(registry: FakeRegistry, variants: tuple[str, ...]) -> RegistryReleases:
    return run_rule_with_mocks(
        registry_releases,
        rule_args=[_RegistryReleasesRequest("it", "r:5000", REPOSITORY, variants), REGISTRIES],
        mock_gets=[
            *registry.mock_gets(),
            MockGet(output_type=_Labels, input_types=(_LabelsRequest,), mock=lambda r: _Labels(())),
        ],
    )


def test_a_variants_moving_tags_are_read_and_move_downstream_pins_to_that_variant() -> None:
    registry = FakeRegistry(REPOSITORY)
    image = {t: image_config(c) for t, c in (("1.0.0", "a"), ("1.0.1", "b"))}
    cuda = {t: image_config(c) for t, c in (("1.0.0", "c"), ("1.0.1", "d"))}
    registry.tags = {
        "1.0.0": image["1.0.0"],
        "1.0.0-cuda12": cuda["1.0.0"],
        "1.0.1": image["1.0.1"],
        "1.0.1-cuda12": cuda["1.0.1"],
        "1.0": image["1.0.1"],
        "latest": image["1.0.1"],
        "1.0-cuda12": cuda["1.0.1"],
        "latest-cuda12": cuda["1.0.0"],  # a registry that has not moved it since 1.0.0
    }
    found = releases(registry, ("cuda12",))
    assert found.failure is None
    newer, older = found.rows
    assert (newer.version, newer.moving, newer.variant_moving) == (
        "1.0.1",
        ("1.0", "latest"),
        ("1.0-cuda12",),
    )
    assert newer.variants == (("cuda12", registry.digest("1.0.1-cuda12")),)
    assert (older.version, older.moving, older.variant_moving) == ("1.0.0", (), ("latest-cuda12",))
    read = {entry[1] for entry in registry.log if entry[0] == "read"}
    assert {"1.0-cuda12", "latest-cuda12"} <= read

    was, now = registry.digest("1.0.0-cuda12"), registry.digest("1.0.1-cuda12")
    pin = Reference(
        "Dockerfile", 1, "FROM", f"{REPOSITORY}:1.0-cuda12@{was}", REPOSITORY, "1.0-cuda12", was, 5
    )
    assert decide(pin, list(found.rows), "patch") == Move(pin, "1.0-cuda12", now, "1.0.0", "1.0.1")


def test_an_image_without_variants_has_no_variant_moving_tags() -> None:
    registry = FakeRegistry(REPOSITORY)
    registry.tags = {"1.0.0": image_config("a"), "latest": image_config("a")}
    [row] = releases(registry, ()).rows
    assert (row.moving, row.variants, row.variant_moving) == (("latest",), (), ())
