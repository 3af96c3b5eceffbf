from __future__ import annotations

from bbc.publish.registry_data import Answer, Outcome
from bbc.updates.plan import (
    Update,
    registry_of,
    report,
    rewrite,
    tag_to_follow,
    unreadable_pin,
)

OLD, NEW = "sha256:" + "a" * 64, "sha256:" + "b" * 64
NAME = "127.0.0.1:5000/debian:12"


def update(new: str | None = None, problem: str | None = None) -> Update:
    return Update(
        "images/root:root", f"FROM {NAME}", "images/root/Dockerfile", f"{NAME}@{OLD}", new, problem
    )


def test_the_registry_of_a_name_is_its_host_or_docker_hub() -> None:
    assert registry_of(NAME) == "127.0.0.1:5000"
    assert registry_of("registry.example/team/debian:12") == "registry.example"
    assert registry_of("localhost/debian") == "localhost"
    assert registry_of("library/debian:12") == "docker.io"
    assert registry_of("debian:12") == "docker.io"


def test_only_a_tag_can_be_followed() -> None:
    assert tag_to_follow(NAME) == NAME
    assert tag_to_follow("127.0.0.1:5000/debian") is None
    assert tag_to_follow("debian") is None


def test_a_moved_pin_is_rewritten_and_reported_with_both_digests() -> None:
    moved = update(new=f"{NAME}@{NEW}")
    text = f"FROM {NAME}@{OLD} AS base\nFROM base\n"
    assert rewrite(text, [moved]) == f"FROM {NAME}@{NEW} AS base\nFROM base\n"
    assert report([moved]) == [
        f"images/root:root: FROM {NAME} moved: {OLD} -> {NEW} (updated images/root/Dockerfile)"
    ]


def test_a_current_pin_or_an_unreadable_one_is_left_as_it_is() -> None:
    current, unknown = update(new=f"{NAME}@{OLD}"), update(problem="the registry has no " + NAME)
    text = f"FROM {NAME}@{OLD}\n"
    assert rewrite(text, [current, unknown]) == text
    assert not current.moved and not unknown.moved
    assert report([current, unknown]) == [
        f"images/root:root: FROM {NAME} is current ({OLD})",
        f"images/root:root: FROM {NAME}: the registry has no {NAME}",
    ]


def test_an_unreadable_pin_says_what_to_do_for_bbc_update_not_for_publish() -> None:
    again = "then run ./pants bbc-update again; the pin stays as it is."
    down = Answer(Outcome.UNREACHABLE, "connection refused").problem("r.example")
    said = unreadable_pin("r.example", down)
    assert said.startswith("the registry did not answer: connection refused. Check that r.example")
    assert said.endswith(again) and "local-registry.sh" not in said
    failing = Answer(Outcome.SERVER_ERROR, "500 Internal Server Error").problem("r.example")
    said = unreadable_pin("r.example", failing)
    assert said.startswith("the registry failed on every try: 500 Internal Server Error.")
    assert said.endswith(again) and "publish" not in said
