import pytest

from bbc.model.labels import DOCUMENTATION, SOURCE, URL, source_labels, web_address


@pytest.mark.parametrize(
    "remote, address",
    [
        ("git@github.com:acme/images.git", "https://github.com/acme/images"),
        ("ssh://git@gitlab.example.com/team/bbc.git", "https://gitlab.example.com/team/bbc"),
        ("https://github.com/acme/images.git\n", "https://github.com/acme/images"),
        ("https://user:token@git.example.com/bbc/", "https://git.example.com/bbc"),
        ("/srv/git/images", "/srv/git/images"),
        ("file:///srv/git/images", "file:///srv/git/images"),
    ],
)
def test_web_address(remote: str, address: str) -> None:
    assert web_address(remote) == address


def test_source_labels() -> None:
    assert source_labels("https://github.com/acme/images", "abc123", "images/flask") == {
        SOURCE: "https://github.com/acme/images",
        URL: "https://github.com/acme/images/tree/abc123/images/flask",
        DOCUMENTATION: "https://github.com/acme/images/blob/abc123/README.md",
    }
    assert source_labels("/srv/git/images", "abc123", "images/flask") == {SOURCE: "/srv/git/images"}
    assert source_labels(None, "abc123", "images/flask") == {}
