from bbc.graph.backends import foreign_docker_rules


def test_the_plugins_own_field_sets_are_fine() -> None:
    registered = {
        "package": ["BBCImageFieldSet", "VanillaPackageFieldSet", "PexBinaryFieldSet"],
        "run": ["BBCRunFieldSet", "VanillaRunFieldSet"],
        "publish": ["BBCPublishFieldSet", "VanillaPublishFieldSet"],
    }
    assert foreign_docker_rules(registered, ["bbc", "pants.backend.python"]) is None


def test_pants_docker_rules_name_the_backend_that_registered_them() -> None:
    registered = {
        "package": ["BBCImageFieldSet", "DockerPackageFieldSet"],
        "run": ["DockerRunFieldSet"],
        "publish": ["PublishDockerImageFieldSet"],
    }
    backends = ["pants.backend.python", "bbc", "pants.backend.docker.lint.hadolint"]
    problem = foreign_docker_rules(registered, backends)
    assert problem is not None
    assert problem.startswith(
        "Pants' own docker rules (package, run, publish) are registered beside the BBC plugin, "
        "by pants.backend.docker.lint.hadolint: "
    )
    assert "Remove pants.backend.docker.lint.hadolint from [GLOBAL].backend_packages" in problem
    assert "bbc.lint.hadolint" in problem


def test_a_plugin_of_some_other_name_is_described() -> None:
    problem = foreign_docker_rules({"package": ["DockerPackageFieldSet"]}, ["bbc", "acme.docker"])
    assert problem is not None and "(package)" in problem
    assert "by a backend of [GLOBAL].backend_packages" in problem
