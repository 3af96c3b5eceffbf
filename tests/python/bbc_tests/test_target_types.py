import pytest
from pants.backend.docker.target_types import DockerImageTarget
from pants.engine.addresses import Address
from pants.testutil.rule_runner import RuleRunner

from bbc.target_types import PLUGIN_FIELDS, ImageVersionField, ParentVersionsField


@pytest.fixture
def rule_runner() -> RuleRunner:
    return RuleRunner(
        target_types=[DockerImageTarget],
        rules=[DockerImageTarget.register_plugin_field(field) for field in PLUGIN_FIELDS],
    )


def test_version_and_range_are_read(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"img/BUILD": 'docker_image(version="1.2.0", parent_versions="^1.0")'})
    target = rule_runner.get_target(Address("img"))
    assert target[ImageVersionField].value == "1.2.0"
    assert target[ParentVersionsField].value == "^1.0"
