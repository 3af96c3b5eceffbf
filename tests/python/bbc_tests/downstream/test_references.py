from __future__ import annotations

from dataclasses import replace

import pytest

from bbc.downstream.references import (
    DOCKERFILE_NAME,
    TRAILER,
    Move,
    Reference,
    commit_message,
    decide,
    plan,
    references,
    rewrite,
    taken_in,
)
from bbc.publish.history import ReleaseRow

REG = "127.0.0.1:5000/bbc/flask"
D = {
    v: "sha256:" + c * 64
    for v, c in {"1.0.0": "a", "1.0.1": "b", "1.1.0": "c", "2.0.0": "d", "2.1.0-rc.1": "e"}.items()
}
ROWS = [  # newest first, as release_rows gives them
    ReleaseRow("2.1.0-rc.1", D["2.1.0-rc.1"], None, None, ()),
    ReleaseRow("2.0.0", D["2.0.0"], "2.0.0-dddddddddddd", None, ("2", "2.0", "latest")),
    ReleaseRow("1.1.0", D["1.1.0"], None, None, ("1", "1.1")),
    ReleaseRow("1.0.1", D["1.0.1"], None, None, ("1.0",)),
    ReleaseRow("1.0.0", D["1.0.0"], None, None, ()),
]

DOCKERFILE = f"""\
ARG BASE={REG}:1.0.0 OTHER="{REG}:1.0.0"
from --platform=linux/amd64 {REG}:1.0.0@{D["1.0.0"]} as build
COPY --chown=app --from={REG}:1.0 /opt /opt
FROM {REG}@{D["1.0.0"]}\r
FROM 127.0.0.1:5000/bbc/other:1.0.0
FROM {REG}-extra:1.0.0
FROM flask:1.0.0
FROM \\
  {REG}:1.0.0
RUN echo {REG.upper()}:1.0.0
RUN <<EOF
echo {REG}:1.0.0
EOF
"""


def ref(tag: str | None, digest: str | None = None) -> Reference:
    text = REG + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
    return Reference("Dockerfile", 1, "FROM", text, REG, tag, digest, 5)


def test_references_in_from_copy_from_and_arg_defaults_of_known_repositories_only() -> None:
    found, unclear = references("app/Dockerfile", DOCKERFILE, {REG})
    assert [(r.line, r.kind, r.tag, r.digest) for r in found] == [
        (1, "ARG", "1.0.0", None),
        (1, "ARG", "1.0.0", None),
        (2, "FROM", "1.0.0", D["1.0.0"]),
        (3, "COPY --from", "1.0", None),
        (4, "FROM", None, D["1.0.0"]),
        (9, "FROM", "1.0.0", None),  # after a line continuation, as Docker reads it
    ]
    assert found[2].text == f"{REG}:1.0.0@{D['1.0.0']}" and found[2].where == "app/Dockerfile:2"
    assert [found[i].start for i in (0, 1, 5)] == [9, 47, 2]
    written = DOCKERFILE.split("\n")
    assert all(written[r.line - 1][r.start :].startswith(r.text) for r in found)
    # A mention that is not an image reference (a command's text, a heredoc) is said, not
    # guessed at.
    assert unclear == [10, 12]


def test_a_dockerfile_docker_cannot_read_has_its_mentions_said_and_nothing_moved() -> None:
    found, unclear = references("Dockerfile", f"FROM {REG}:1.0.0\nRUN <<EOF\n", {REG})
    assert (found, unclear) == ([], [1])


@pytest.mark.parametrize(
    "path, matches",
    [
        ("Dockerfile", True),
        ("svc/Dockerfile.prod", True),
        ("svc/app.Dockerfile", True),
        ("svc/dockerfile", True),
        ("Containerfile", True),
        ("docs/Dockerfiles.md", False),
        ("svc/Dockerfile_notes/README", False),
    ],
)
def test_which_files_are_dockerfiles(path: str, matches: bool) -> None:
    assert bool(DOCKERFILE_NAME.search(path)) is matches


@pytest.mark.parametrize("policy, to", [("patch", "1.0.1"), ("minor", "1.1.0"), ("major", "2.0.0")])
def test_an_exact_pin_moves_as_far_as_the_policy_allows_never_to_a_prerelease(policy, to) -> None:
    assert decide(ref("1.0.0"), ROWS, policy) == Move(ref("1.0.0"), to, None, "1.0.0", to)
    pinned = decide(ref("1.0.0", D["1.0.0"]), ROWS, policy)
    assert isinstance(pinned, Move) and pinned.text == f"{REG}:{to}@{D[to]}"
    by_digest = decide(ref(None, D["1.0.0"]), ROWS, policy)
    assert isinstance(by_digest, Move) and by_digest.text == f"{REG}@{D[to]}"
    assert (by_digest.since, by_digest.to) == ("1.0.0", to)


def test_an_exact_pin_that_cannot_move_says_why() -> None:
    assert decide(ref("1.0.1"), ROWS, "patch") == (
        "1.0.1 is the newest release the policy (patch) allows; 2.0.0 is newer"
    )
    assert decide(ref("2.0.0"), ROWS, "major") == (
        "2.0.0 is the newest final release; a pin never moves to a prerelease (2.1.0-rc.1 is newer)"
    )
    assert decide(ref("2.0.0"), ROWS[1:], "major") == "2.0.0 is the newest release"
    assert decide(ref(None), ROWS, "major") == (
        f"names {REG} without a tag or digest here (one added where it is used is not "
        f"followed): pin a release here ({REG}:X.Y.Z@sha256:...)"
    )
    assert decide(ref("3.0.0"), ROWS, "major") == f"3.0.0 is not released in {REG}"
    assert decide(ref("1.0.0-slim"), ROWS, "major") == f"1.0.0-slim is not released in {REG}"
    wrong = decide(ref("1.0.0", D["2.0.0"]), ROWS, "major")
    assert wrong == f"its digest is not 1.0.0's ({D['1.0.0']}): check where {D['2.0.0']} comes from"
    unknown = decide(ref(None, "sha256:" + "f" * 64), ROWS, "major")
    assert unknown == (
        f"sha256:{'f' * 64} is no release of {REG}: pin a release ({REG}:X.Y.Z@sha256:...)"
    )


def test_a_moving_tag_takes_its_new_digest_only_when_it_has_one() -> None:
    assert decide(ref("1.0", D["1.0.0"]), ROWS, "patch") == Move(
        ref("1.0", D["1.0.0"]), "1.0", D["1.0.1"], "1.0.0", "1.0.1"
    )
    assert decide(ref("1.0", D["1.0.1"]), ROWS, "patch") == "1.0 is still 1.0.1"
    assert decide(ref("1.0"), ROWS, "patch") == (
        "follows 1.0 by tag (now 1.0.1): a build with --pull takes it"
    )
    unknown = decide(ref("latest", "sha256:" + "f" * 64), ROWS, "patch")
    assert unknown == Move(ref("latest", "sha256:" + "f" * 64), "latest", D["2.0.0"], None, "2.0.0")
    assert decide(ref("cuda"), ROWS, "patch") == f"no release in {REG} carries the tag cuda"


def test_an_exact_pin_on_a_variant_moves_to_that_variant_of_a_release_that_has_it() -> None:
    cuda = {v: "sha256:" + c * 64 for v, c in {"1.0.0": "1", "1.0.1": "2", "2.0.0": "3"}.items()}
    rows = [
        ReleaseRow("2.0.0", D["2.0.0"], None, None, (), None, (("cuda12", cuda["2.0.0"]),)),
        ReleaseRow("1.1.0", D["1.1.0"], None, None, ()),  # released without the variant
        ReleaseRow("1.0.1", D["1.0.1"], None, None, (), None, (("cuda12", cuda["1.0.1"]),)),
        ReleaseRow("1.0.0", D["1.0.0"], None, None, (), None, (("cuda12", cuda["1.0.0"]),)),
    ]
    moved = decide(ref("1.0.0-cuda12", cuda["1.0.0"]), rows, "minor")
    assert moved == Move(
        ref("1.0.0-cuda12", cuda["1.0.0"]), "1.0.1-cuda12", cuda["1.0.1"], "1.0.0", "1.0.1"
    )
    assert isinstance(moved, Move) and moved.text == f"{REG}:1.0.1-cuda12@{cuda['1.0.1']}"
    assert decide(ref("1.0.1-cuda12"), rows, "minor") == (
        "the variant cuda12: 1.0.1 is the newest release the policy (minor) allows; 2.0.0 is newer"
    )
    wrong = decide(ref("1.0.0-cuda12", D["1.0.0"]), rows, "major")
    assert wrong == (
        f"its digest is not 1.0.0-cuda12's ({cuda['1.0.0']}): check where {D['1.0.0']} comes from"
    )


def test_a_content_tag_is_never_followed() -> None:
    assert decide(ref("2.0.0-dddddddddddd"), ROWS, "major") == (
        f"2.0.0-dddddddddddd is a content tag, not a pin to follow: pin the release instead "
        f"({REG}:2.0.0@sha256:...)"
    )


def test_rewrite_changes_only_the_moved_references_and_keeps_line_endings() -> None:
    found, _ = references("Dockerfile", DOCKERFILE, {REG})
    moves = [decide(r, ROWS, "patch") for r in found]
    moved = [m for m in moves if isinstance(m, Move)]
    assert len(moved) == 5  # the COPY --from one follows 1.0 by tag
    new = rewrite(DOCKERFILE, moved).split("\n")
    old = DOCKERFILE.split("\n")
    assert new[0] == f'ARG BASE={REG}:1.0.1 OTHER="{REG}:1.0.1"'
    assert new[1] == f"from --platform=linux/amd64 {REG}:1.0.1@{D['1.0.1']} as build"
    assert new[3] == f"FROM {REG}@{D['1.0.1']}\r"
    assert new[8] == f"  {REG}:1.0.1"  # the continued FROM
    assert new[2] == old[2] and new[4:8] == old[4:8] and new[9:] == old[9:]


def test_a_move_takes_in_every_release_after_the_one_it_was_on() -> None:
    move = decide(ref("1.0.0"), ROWS, "major")
    assert [r.version for r in taken_in(move, ROWS)] == ["1.0.1", "1.1.0", "2.0.0"]
    unknown = Move(ref("latest"), "latest", D["2.0.0"], None, "2.0.0")
    assert [r.version for r in taken_in(unknown, ROWS)] == ["2.0.0"]


def test_the_commit_message_lists_the_moves_then_each_release_s_notes_once_in_order() -> None:
    first, second = references("Dockerfile", DOCKERFILE, {REG})[0][1:3]
    moves = [decide(first, ROWS, "minor"), decide(second, ROWS, "minor")]
    notes = {
        moves[0]: [("1.1.0", "## 1.1.0 notes\n"), ("1.0.1", "## 1.0.1 notes\n")],
        moves[1]: [("1.0.1", "## 1.0.1 notes\n")],
    }
    assert commit_message(moves, notes) == (
        "Update BBC images: flask 1.1.0\n"
        "\n"
        "- Dockerfile:1: flask:1.0.0 -> flask:1.1.0\n"
        f"- Dockerfile:2: flask:1.0.0@{D['1.0.0']} -> flask:1.1.0@{D['1.1.0']}\n"
        "\n"
        "## 1.0.1 notes\n"
        "\n"
        "## 1.1.0 notes\n"
        "\n"
        f"{TRAILER}\n"
    )


def test_a_repository_s_plan() -> None:
    notes = {(REG, v): f"## {v}\n" for v in D}
    planned = plan({"Dockerfile": DOCKERFILE, "README": "x"}, {REG: ROWS}, notes, "patch")
    assert planned.report[0] == f"Dockerfile:1: {REG}:1.0.0 -> {REG}:1.0.1"
    assert f"Dockerfile:3: {REG}:1.0 stays: follows 1.0 by tag (now 1.0.1)" in planned.report[3]
    assert planned.report[-2:] == [
        f"Dockerfile:10: not understood, left alone: RUN echo {REG.upper()}:1.0.0",
        f"Dockerfile:12: not understood, left alone: echo {REG}:1.0.0",
    ]
    assert list(planned.changed) == ["Dockerfile"]
    assert planned.message and "\n## 1.0.1\n" in planned.message
    assert "## 1.0.0" not in planned.message
    nothing = plan({"Dockerfile": f"FROM {REG}:2.0.0\n"}, {REG: ROWS}, notes, "major")
    assert nothing.message is None and nothing.changed == {}
    assert nothing.report == [
        f"Dockerfile:1: {REG}:2.0.0 stays: 2.0.0 is the newest final release; a pin never moves "
        "to a prerelease (2.1.0-rc.1 is newer)"
    ]


CUDA = {v: "sha256:" + c * 64 for v, c in {"1.0.0": "1", "1.0.1": "2", "1.1.0": "3"}.items()}
CUDA_ROWS = [  # release_rows' rows of an image with the variant cuda12
    ReleaseRow(
        "1.1.0",
        D["1.1.0"],
        None,
        None,
        ("1", "1.1", "latest"),
        None,
        (("cuda12", CUDA["1.1.0"]),),
        False,
        ("1-cuda12", "1.1-cuda12", "latest-cuda12"),
    ),
    ReleaseRow(
        "1.0.1", D["1.0.1"], None, None, ("1.0",), None, (("cuda12", CUDA["1.0.1"]),), False, ()
    ),
    ReleaseRow("1.0.0", D["1.0.0"], None, None, (), None, (("cuda12", CUDA["1.0.0"]),)),
]


def test_a_variants_moving_tag_takes_the_digest_of_that_variant_like_the_image_s_own() -> None:
    # 1.0-cuda12 is on 1.0.1's variant now (the registry says where, not the image's 1.0).
    rows = [
        CUDA_ROWS[0],
        replace(CUDA_ROWS[1], variant_moving=("1.0-cuda12",)),
        CUDA_ROWS[2],
    ]
    pinned = ref("1.0-cuda12", CUDA["1.0.0"])
    moved = decide(pinned, rows, "patch")
    assert moved == Move(pinned, "1.0-cuda12", CUDA["1.0.1"], "1.0.0", "1.0.1")
    assert isinstance(moved, Move) and moved.text == f"{REG}:1.0-cuda12@{CUDA['1.0.1']}"
    assert decide(ref("1.0-cuda12", CUDA["1.0.1"]), rows, "patch") == (
        "1.0-cuda12 is still 1.0.1-cuda12"
    )
    assert decide(ref("latest-cuda12"), rows, "patch") == (
        "follows latest-cuda12 by tag (now 1.1.0-cuda12): a build with --pull takes it"
    )
    # The image's own digest under a variant's tag: where it was is not known; it moves.
    assert decide(ref("1-cuda12", D["1.0.0"]), rows, "patch") == Move(
        ref("1-cuda12", D["1.0.0"]), "1-cuda12", CUDA["1.1.0"], None, "1.1.0"
    )
    assert decide(ref("1.0-rocm6", CUDA["1.0.0"]), rows, "patch") == (
        f"no release in {REG} carries the tag 1.0-rocm6"
    )
    # The image's own moving tag still takes the image's digest, not the variant's.
    assert decide(ref("1", D["1.0.0"]), rows, "patch") == Move(
        ref("1", D["1.0.0"]), "1", D["1.1.0"], "1.0.0", "1.1.0"
    )


def test_a_repository_on_a_variants_moving_tag_gets_its_new_digest_and_the_notes() -> None:
    notes = {(REG, v): f"## {v}\n" for v in D}
    text = f"FROM {REG}:1-cuda12@{CUDA['1.0.0']} AS gpu\nFROM {REG}:latest-cuda12\n"
    planned = plan({"Dockerfile": text}, {REG: CUDA_ROWS}, notes, "patch")
    assert planned.changed == {
        "Dockerfile": f"FROM {REG}:1-cuda12@{CUDA['1.1.0']} AS gpu\nFROM {REG}:latest-cuda12\n"
    }
    assert planned.report == [
        f"Dockerfile:1: {REG}:1-cuda12@{CUDA['1.0.0']} -> {REG}:1-cuda12@{CUDA['1.1.0']}",
        f"Dockerfile:2: {REG}:latest-cuda12 stays: follows latest-cuda12 by tag "
        "(now 1.1.0-cuda12): a build with --pull takes it",
    ]
    assert planned.message is not None
    assert planned.message.startswith("Update BBC images: flask 1.1.0\n")
    assert "\n## 1.0.1\n" in planned.message and "\n## 1.1.0\n" in planned.message
    assert "## 1.0.0" not in planned.message


def test_a_reference_is_found_where_it_is_written_never_in_other_text_that_repeats_it() -> None:
    text = (
        "FROM scratch\n"
        f"ARG A={REG}:1.0.0-${{VARIANT}} B={REG}:1.0.0\n"
        "ARG C=x \\\n"
        f"# pinned before: {REG}:1.0.0\n"
        f"    D={REG}:1.0.0\n"
        "FROM \\\n"
        f"# {REG}:1.0.0\n"
        f" {REG}:1.0.0\n"
    )
    found, unclear = references("Dockerfile", text, {REG})
    written = text.split("\n")
    assert [(r.line, r.kind) for r in found] == [(2, "ARG"), (5, "ARG"), (8, "FROM")]
    assert all(written[r.line - 1][r.start :].startswith(r.text) for r in found)
    assert found[0].start == written[1].index(" B=") + 3
    # A's default holds a variable, and comments are not references: said, never moved.
    assert unclear == [2, 4, 7]
    moved = rewrite(text, [decide(r, ROWS, "patch") for r in found])
    assert moved.count(f"{REG}:1.0.1") == 3 and moved.count(f"{REG}:1.0.0") == 3


def test_a_reference_split_by_a_line_continuation_is_said_not_skipped() -> None:
    split = REG[:-3] + "\\\n" + REG[-3:]
    assert references("Dockerfile", f"FROM {split}:1.0.0\n", {REG}) == ([], [1])
    found, unclear = references("Dockerfile", f"ARG A={split}:1.0.0 B={REG}:1.0.0\n", {REG})
    assert found == [] and unclear == [1, 2]  # nothing after it is guessed at either


def test_with_the_variant_first_a_variant_pin_and_a_variant_moving_tag_move_as_spelled() -> None:
    first = "{variant}-{tag}"
    rows = [
        replace(r, template=first, variant_moving=("cuda12-1.0",) if r.version == "1.0.1" else ())
        for r in CUDA_ROWS[1:]
    ]
    exact = decide(ref("cuda12-1.0.0", CUDA["1.0.0"]), rows, "patch")
    assert isinstance(exact, Move) and exact.text == f"{REG}:cuda12-1.0.1@{CUDA['1.0.1']}"
    moving = decide(ref("cuda12-1.0", CUDA["1.0.0"]), rows, "patch")
    assert isinstance(moving, Move) and moving.text == f"{REG}:cuda12-1.0@{CUDA['1.0.1']}"
    # The default spelling is not this family's: 1.0.0-cuda12 is no tag of it.
    assert not isinstance(decide(ref("1.0.0-cuda12", CUDA["1.0.0"]), rows, "patch"), Move)
