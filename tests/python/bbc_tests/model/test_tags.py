import pytest

from bbc.model.tags import (
    tag_problem,
    image_tags_problem,
    RegistryRefs,
    content_tag,
    attestation_tag,
    is_artifact_tag,
    pinned,
    sbom_tag,
    ref,
    registry_refs,
    repository_of,
    tag_of,
    tag_for_test_base,
    tag_for_tests,
    split_variant,
    variant_template_problem,
    version_tags,
    with_variant,
)
from bbc.model.versions import VersionError


def test_release_tags_are_exact_first_then_moving():
    assert version_tags("1.4.2") == ("1.4.2", "1.4", "1", "latest")


def test_prerelease_gets_only_its_exact_tag():
    assert version_tags("2.0.0-rc.1") == ("2.0.0-rc.1",)


def test_content_and_test_tags():
    assert content_tag("1.4.2", "0123456789abcdef0123") == "1.4.2-0123456789ab"
    assert tag_for_tests("1.4.2") == "1.4.2-test"
    assert tag_for_test_base("1.4.2") == "1.4.2-test-base"


def test_every_tag_checks_the_version():
    for make in (version_tags, tag_for_tests):
        with pytest.raises(VersionError, match="MAJOR.MINOR.PATCH"):
            make("1.2")


def test_refs_and_their_parts():
    assert ref("bbc/flask", "1.4") == "bbc/flask:1.4"
    assert tag_of("127.0.0.1:5000/bbc/flask:1.4") == "1.4"
    assert repository_of("127.0.0.1:5000/bbc/flask:1.4") == "127.0.0.1:5000/bbc/flask"
    assert pinned("r/bbc/flask", "sha256:ab") == "r/bbc/flask@sha256:ab"


def test_registry_refs_exact_then_content_then_moving_and_extra_tags():
    refs = registry_refs("bbc", "r:5000", "bbc/web", "1.2.3", "1.2.3-abc", ("nightly",))
    assert refs == RegistryRefs(
        alias="bbc",
        address="r:5000",
        repository="r:5000/bbc/web",
        exact="r:5000/bbc/web:1.2.3",
        content="r:5000/bbc/web:1.2.3-abc",
        moving=(
            "r:5000/bbc/web:1.2",
            "r:5000/bbc/web:1",
            "r:5000/bbc/web:latest",
            "r:5000/bbc/web:nightly",
        ),
        version="1.2.3",
    )
    assert refs.refs[:2] == (refs.exact, refs.content)


def test_an_image_variants_tags_carry_its_name_after_the_version():
    assert version_tags("1.4.2", "cuda12") == (
        "1.4.2-cuda12",
        "1.4-cuda12",
        "1-cuda12",
        "latest-cuda12",
    )
    assert version_tags("2.0.0-rc.1", "cuda12") == ("2.0.0-rc.1-cuda12",)
    assert content_tag("1.4.2-cuda12", "0123456789abcdef") == "1.4.2-cuda12-0123456789ab"
    assert tag_for_tests("1.4.2", "cuda12") == "1.4.2-cuda12-test"
    # The sandwich's lower layer has none of the variant's arguments: one for all variants.
    assert tag_for_test_base("1.4.2") == "1.4.2-test-base"


def test_a_variants_registry_refs_move_its_own_tags_without_the_registrys_extra_tags():
    refs = registry_refs(
        "bbc", "r", "bbc/ml", "1.2.3", "1.2.3-cuda12-abc", ("nightly",), variant="cuda12"
    )
    assert (refs.exact, refs.content) == ("r/bbc/ml:1.2.3-cuda12", "r/bbc/ml:1.2.3-cuda12-abc")
    assert refs.moving == ("r/bbc/ml:1.2-cuda12", "r/bbc/ml:1-cuda12", "r/bbc/ml:latest-cuda12")
    assert (refs.version, refs.variant) == ("1.2.3", "cuda12")


def test_a_prerelease_has_no_moving_refs_in_a_registry():
    refs = registry_refs("bbc", "r", "bbc/web", "2.0.0-rc.1", "2.0.0-rc.1-abc")
    assert refs.moving == ()


def test_versions_shaped_like_the_plugins_own_tags_are_refused():
    for clash in ("1.0.0-0123456789ab", "1.0.0-rc.1-0123456789ab", "1.0.0-test", "1.0.0-test-base"):
        problem = tag_problem(clash)
        assert problem is not None and "ends like the tags the plugin gives" in problem, clash
    assert tag_problem("1.0.0-rc.1") is None and tag_problem("1.0.0-testing") is None


def test_a_version_too_long_for_docker_tags_is_named_with_the_limit():
    assert tag_problem("1.0.0-rc.1") is None
    long = "1.0.0-" + "z" * 100
    problem = tag_problem(long)
    assert problem is not None and "Docker allows 128" in problem and "129 characters" in problem


def test_a_bbc_image_with_image_tags_is_refused_naming_the_fix():
    assert image_tags_problem(None, "img/a/BUILD") is None
    assert image_tags_problem(("latest",), "img/a/BUILD") is None  # Pants' default
    assert image_tags_problem(("v7", "stable"), "img/a/BUILD") == (
        "image_tags=['v7', 'stable'] in img/a/BUILD: the BBC plugin tags its images itself "
        "(X.Y.Z, X.Y, X, latest and the content tag) and would not apply these. Remove "
        "image_tags from the target; other names for the image belong in the registry."
    )


def test_a_releases_sbom_and_attestation_tags_are_named_for_its_manifest_digest():
    digest = "sha256:" + "0f" * 32
    assert sbom_tag(digest) == f"sha256-{'0f' * 32}.sbom"
    assert attestation_tag(digest) == f"sha256-{'0f' * 32}.att"
    assert is_artifact_tag(sbom_tag(digest)) and is_artifact_tag(attestation_tag(digest))
    assert not is_artifact_tag("sha256-abc.sbom") and not is_artifact_tag("1.0.0")


def test_a_variant_tag_template_puts_the_variant_name_first():
    first = "{variant}-{tag}"
    assert version_tags("1.4.2", "cuda12", first) == (
        "cuda12-1.4.2",
        "cuda12-1.4",
        "cuda12-1",
        "cuda12-latest",
    )
    assert tag_for_tests("1.4.2", "cuda12", first) == "cuda12-1.4.2-test"
    exact = with_variant("1.4.2", "cuda12", first)
    assert content_tag(exact, "0123456789abcdef") == "cuda12-1.4.2-0123456789ab"
    refs = registry_refs("bbc", "r", "bbc/ml", "1.2.3", "x", variant="cuda12", template=first)
    assert refs.exact == "r/bbc/ml:cuda12-1.2.3" and refs.moving[-1] == "r/bbc/ml:cuda12-latest"
    assert with_variant("1.4", None, first) == "1.4"


@pytest.mark.parametrize("template", ["{tag}-{variant}", "{variant}-{tag}", "{variant}_{tag}"])
def test_a_variants_tags_are_read_back_as_the_image_tag_and_the_variant(template):
    variants = ("cuda12", "cuda12.4", "rocm")
    for variant in variants:
        for tag in (
            *version_tags("1.4.2", variant, template),
            tag_for_tests("1.4.2", variant, template),
        ):
            own = tag.removesuffix("-test")
            assert split_variant(own, variants, template) == (
                own.replace(variant, "").strip("-_"),
                variant,
            ), tag
        hashed = content_tag(with_variant("1.4.2", variant, template), "0123456789abcdef")
        assert split_variant(hashed, variants, template) == ("1.4.2-0123456789ab", variant)
    for own in ("1.4.2", "latest", "1.4.2-0123456789ab", "1.4.2-rc.1"):
        assert split_variant(own, variants, template) == (own, None)


def test_a_template_must_name_the_tag_and_the_variant_once_with_one_separator():
    for good in ("{tag}-{variant}", "{variant}-{tag}", "{tag}_{variant}"):
        assert variant_template_problem(good) is None
    for bad in ("{tag}{variant}", "{variant}.{tag}", "{tag}-{variant}-gpu", "{variant}", "x-{tag}"):
        problem = variant_template_problem(bad)
        assert problem is not None and "'{variant}-{tag}': cuda12-1.4.2" in problem, bad
