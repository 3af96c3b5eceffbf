import pytest

from bbc_integration.fixture import Repo
from bbc_integration.registry import Registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Registry:
    """A real registry on a free loopback port, for the module's tests."""
    registry = Registry(tmp_path_factory.mktemp("registry"))
    yield registry
    registry.close()


@pytest.fixture
def scratch(repo: Repo):
    """The module's repository; a test's edits, branches and new files are undone after it."""
    yield repo
    repo.reset()
