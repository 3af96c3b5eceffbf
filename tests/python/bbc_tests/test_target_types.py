import pytest
from pants.backend.docker.target_types import DockerImageTarget
from pants.engine.addresses import Address
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc.target_types import (
    PLUGIN_FIELDS,
    ContractTestFilesField,
    ImageVersionField,
    ParentVersionsField,
)


@pytest.fixture
def rule_runner() -> RuleRunner:
    return RuleRunner(
        target_types=[DockerImageTarget],
        rules=[
            *(DockerImageTarget.register_plugin_field(field) for field in PLUGIN_FIELDS),
            QueryRule(Owners, [OwnersRequest]),
        ],
    )


def test_version_and_range_are_read(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"img/BUILD": 'docker_image(version="1.2.0", parent_versions="^1.0")'})
    target = rule_runner.get_target(Address("img"))
    assert target[ImageVersionField].value == "1.2.0"
    assert target[ParentVersionsField].value == "^1.0"


def test_contract_test_files_are_owned_by_their_image(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "img/BUILD": 'docker_image(version="1.0.0", contract_test_files=["contract/test_*.py", "!contract/test_slow.py"])',
            "img/contract/test_a.py": "",
            "img/contract/test_slow.py": "",
        }
    )
    target = rule_runner.get_target(Address("img"))
    matcher = target[ContractTestFilesField].filespec_matcher
    assert matcher.matches(
        ["img/contract/test_a.py", "img/contract/test_slow.py", "img/test_b.py"]
    ) == ["img/contract/test_a.py"]
    owners = rule_runner.request(Owners, [OwnersRequest(("img/contract/test_a.py",))])
    assert list(owners) == [Address("img")]
