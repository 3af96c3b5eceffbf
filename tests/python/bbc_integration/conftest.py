import pytest

from bbc_integration.fixture import Repo


@pytest.fixture
def scratch(repo: Repo):
    """The module's repository; a test's edits, branches and new files are undone after it."""
    yield repo
    repo.reset()
