from bbc.model.variants import parent_variant_problem, variants_problem

DECLARED = ("SOURCE_IMAGE", "ACCEL", "CUDA")


def problem(variants, version="1.0.0", declared=DECLARED, parent_arg="SOURCE_IMAGE"):
    return variants_problem(variants, version, declared, parent_arg, "img/ml/BUILD")


def test_variants_named_as_tag_suffixes_with_declared_arguments_are_fine():
    assert problem({"cuda12": ["ACCEL=cuda12", "CUDA=12.4"], "rocm6.1": ["ACCEL=rocm"]}) is None
    assert problem({"gpu": ["ACCEL="]}) is None  # an empty value is a value


def test_a_name_that_is_no_tag_suffix_is_refused_with_an_example():
    for name in ("CUDA12", "12cuda", "cuda-12", "cu da", "", "x" * 33, "cuda.", "cuda..12"):
        found = problem({name: ["ACCEL=x"]})
        assert found is not None and "is not a tag suffix" in found and "'cuda12'" in found, name
        assert found.startswith("variants in img/ml/BUILD: "), found


def test_names_whose_tags_are_the_plugins_own_are_refused():
    assert "test variants" in (problem({"test": ["ACCEL=x"]}) or "")
    assert "the moving tags" in (problem({"latest": ["ACCEL=x"]}) or "")
    assert "looks like a content hash" in (problem({"abcdef012345": ["ACCEL=x"]}) or "")


def test_a_variant_without_arguments_or_with_malformed_ones_is_refused():
    assert "has no build arguments" in (problem({"cuda12": []}) or "")
    assert "has 'ACCEL', which is not NAME=value" in (problem({"cuda12": ["ACCEL"]}) or "")
    assert "has '1X=2', which is not NAME=value" in (problem({"cuda12": ["1X=2"]}) or "")
    assert "sets ACCEL twice" in (problem({"cuda12": ["ACCEL=a", "ACCEL=b"]}) or "")


def test_an_argument_the_dockerfile_does_not_declare_would_change_nothing():
    found = problem({"cuda12": ["ACCELERATOR=cuda12"]})
    assert found == (
        "variants in img/ml/BUILD: the variant 'cuda12' sets ACCELERATOR, which the Dockerfile "
        "does not declare, so it would change nothing: add `ARG ACCELERATOR` to the Dockerfile "
        "or remove it."
    )


def test_a_variant_may_not_change_the_parent():
    found = problem({"cuda12": ["SOURCE_IMAGE=img/other:other"]})
    assert found is not None and "the ARG that names the parent" in found
    assert "parent_variant" in found


def test_two_variants_built_alike_are_one_image():
    found = problem({"a": ["ACCEL=x", "CUDA=1"], "b": ["CUDA=1", "ACCEL=x"]})
    assert found == (
        "variants in img/ml/BUILD: 'a' and 'b' have the same build arguments, so they would be "
        "the same image; remove one."
    )


def test_a_version_shaped_like_a_variants_tag_is_refused():
    found = problem({"cuda12": ["ACCEL=x"]}, version="1.0.0-cuda12")
    assert (
        found is not None
        and "is spelled like the tags of its variant 'cuda12' (X.Y.Z-cuda12)" in found
    )


def test_tags_too_long_for_docker_are_refused():
    found = problem({"a" * 32: ["ACCEL=x"]}, version="1.0.0-" + "r" * 80)
    assert found is not None and "Docker allows 128" in found and "Shorten the name" in found


def test_a_parent_variant_must_be_one_of_the_parents():
    assert parent_variant_problem(None, "img/ml:ml", (), "img/job/BUILD") is None
    assert parent_variant_problem("cuda12", "img/ml:ml", ("cuda12",), "img/job/BUILD") is None
    assert parent_variant_problem("cuda11", "img/ml:ml", ("cuda12", "rocm6"), "b/BUILD") == (
        "parent_variant='cuda11' in b/BUILD names no variant of img/ml:ml: its variants are "
        "cuda12, rocm6. Name one of them, or remove parent_variant to build on img/ml:ml itself."
    )
    no_variants = parent_variant_problem("cuda12", "img/ml:ml", (), "b/BUILD")
    assert no_variants is not None and "it has no variants" in no_variants
    root = parent_variant_problem("cuda12", None, (), "b/BUILD")
    assert root is not None and "has no parent in the repository" in root


def test_with_the_variant_first_a_version_cannot_clash_and_tag_lengths_count_it():
    first = "{variant}-{tag}"
    assert (
        variants_problem({"cuda12": ["ACCEL=x"]}, "1.0.0-cuda12", ["ACCEL"], None, "b", first)
        is None
    )
    long = "v" + "a" * 31
    found = variants_problem({long: ["ACCEL=x"]}, "1.0.0-" + "r" * 90, ["ACCEL"], None, "b", first)
    assert found is not None and f"makes the tag {long[:20]}" in found
