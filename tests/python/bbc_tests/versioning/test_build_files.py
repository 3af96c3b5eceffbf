import pytest

from bbc.versioning.build_files import (
    BuildFileError,
    field_value,
    set_field,
    target_definition,
)

BUILD = """# The flask image.
docker_image(
    name="flask",
    version="1.0.0",  # bumped by bbc-bump
    parent_versions='^1.0',
)

pex_binary(name="deps", resolve="images")
"""


def test_field_value_reads_the_literal():
    assert field_value(BUILD, "flask", "flask", "version") == "1.0.0"
    assert field_value(BUILD, "flask", "flask", "parent_versions") == "^1.0"
    assert field_value(BUILD, "missing", "flask", "version") is None


def test_set_field_changes_only_the_literal_and_keeps_its_quotes():
    changed = set_field(BUILD, "flask", "flask", "parent_versions", "^2.0", after="version")
    assert changed == BUILD.replace("'^1.0'", "'^2.0'")
    assert set_field(BUILD, "flask", "flask", "version", "1.1.0", after="name") == BUILD.replace(
        '"1.0.0"', '"1.1.0"'
    )


def test_set_field_adds_a_missing_field_on_its_own_line():
    source = 'docker_image(\n    name="web",\n    version="1.0.0",\n)\n'
    assert set_field(source, "web", "web", "parent_versions", "^1.2", after="version") == (
        'docker_image(\n    name="web",\n    version="1.0.0",\n    parent_versions="^1.2",\n)\n'
    )


def test_set_field_adds_a_missing_field_inline():
    source = 'docker_image(version="1.0.0")\n'
    assert set_field(source, "web", "web", "parent_versions", "^1.2", after="version") == (
        'docker_image(version="1.0.0", parent_versions="^1.2")\n'
    )


def test_the_default_name_is_the_directory_name():
    source = 'docker_image(version="1.0.0")\n'
    assert field_value(source, "web", "web", "version") == "1.0.0"
    assert field_value(source, "other", "web", "version") is None


def test_set_field_refuses_what_it_cannot_edit():
    with pytest.raises(BuildFileError, match="no target named 'nope'"):
        set_field(BUILD, "nope", "flask", "version", "2.0.0", after="name")
    with pytest.raises(BuildFileError, match="not a plain string literal"):
        set_field("docker_image(version=VERSION)\n", "x", "x", "version", "2.0.0", after="name")


def test_a_definition_ignores_formatting_comments_and_the_ignored_fields():
    one = 'docker_image(name="web", version="1.0.0", contract_tests={"a": "true"})\n'
    two = '# the web app\ndocker_image(\n    version="1.0.0",\n    name="web",\n)\n'
    ignore = frozenset({"contract_tests"})
    assert target_definition(one, "web", "x", ignore) == target_definition(two, "web", "x", ignore)
    assert target_definition(one, "web", "x") != target_definition(two, "web", "x")
    assert target_definition(one.replace("1.0.0", "1.0.1"), "web", "x", ignore) != (
        target_definition(one, "web", "x", ignore)
    )
    assert target_definition(one, "other", "x") is None


def test_dependencies_count_as_a_set_of_absolute_addresses():
    one = 'docker_image(name="c", dependencies=[":data", ":extra", "3rdparty:x"])\n'
    two = 'docker_image(name="c", dependencies=["img/c:extra", "3rdparty:x", "img/c:data"])\n'
    assert target_definition(one, "c", "c", spec_path="img/c") == target_definition(
        two, "c", "c", spec_path="img/c"
    )
    three = 'docker_image(name="c", dependencies=[":data"])\n'
    assert target_definition(three, "c", "c", spec_path="img/c") != target_definition(
        one, "c", "c", spec_path="img/c"
    )
