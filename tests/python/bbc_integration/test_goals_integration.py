"""`bbc-check`, `bbc-bump` and `bbc-tree` with real Pants, in a temporary repository.

    root 1.0.0 ── mid 1.2.0 (^1.0) ── leaf 0.1.0 (~1.2.0)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bbc_integration.fixture import Repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd())
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid", version="1.2.0")
    repo.add_child("leaf", "mid", "RUN echo leaf > /leaf", version="0.1.0", accepts="~1.2.0")
    repo.write(
        "img/leaf/BUILD",
        "# The leaf.\n"
        + repo.read("img/leaf/BUILD")
        + "\nfile(name='notes', source='notes.txt')\n",
    )
    repo.write("img/leaf/notes.txt", "notes\n")
    repo.commit("A chain")
    yield repo
    repo.close()


def test_check_passes_when_nothing_changed(repo: Repo) -> None:
    result = repo.pants("bbc-check", "::")
    assert result.returncode == 0, result.output
    assert "3 images: versions and ranges are consistent with main." in result.stdout
    unnamed = repo.pants("bbc-check")
    assert "no images named. Check them all: ./pants bbc-check ::" in unnamed.stderr


def test_check_names_each_image_whose_inputs_changed_without_a_new_version(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo more > /more\n")
    result = repo.pants("bbc-check", "::")
    assert result.returncode == 1
    assert (
        "img/mid:mid: its content changed since main (its files changed: img/mid/Dockerfile), "
        "but its version is still 1.2.0."
    ) in result.stderr
    # A parent's change changes its children's content too: the leaf is built on the new mid.
    assert (
        "img/leaf:leaf: its content changed since main (its parent img/mid:mid changed), but its "
        "version is still 0.1.0."
    ) in result.stderr
    assert "img/root:root:" not in result.stderr
    assert result.stderr.rstrip().endswith(
        "Fix: ./pants bbc-bump --level=patch --descendants img/mid:mid"
    )


def test_a_bump_satisfies_the_check_and_rewrites_only_the_version(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo more > /more\n")
    before = repo.read("img/mid/BUILD")
    bumped = repo.pants("bbc-bump", "--level=minor", "img/mid:mid")
    assert bumped.returncode == 0, bumped.output
    assert bumped.stdout.strip() == "img/mid:mid: 1.2.0 -> 1.3.0"
    assert repo.read("img/mid/BUILD") == before.replace('version="1.2.0"', 'version="1.3.0"')
    # The leaf accepts ~1.2.0, which 1.3.0 leaves: the check names it and the fix.
    check = repo.pants("bbc-check", "::")
    assert check.returncode == 1
    assert "img/mid:mid: its content changed" not in check.stderr
    assert "img/leaf:leaf accepts img/mid:mid versions '~1.2.0'" in check.stderr
    assert "img/mid:mid is at 1.3.0" in check.stderr


def test_a_bump_with_descendants_widens_their_ranges(scratch: Repo) -> None:
    repo = scratch
    leaf_before = repo.read("img/leaf/BUILD")
    bumped = repo.pants("bbc-bump", "--level=major", "--descendants", "img/root:root")
    assert bumped.returncode == 0, bumped.output
    assert bumped.stdout.splitlines() == [
        "img/root:root: 1.0.0 -> 2.0.0",
        "img/mid:mid: 1.2.0 -> 1.2.1, parent_versions '^1.0' -> '^2.0'",
        "img/leaf:leaf: 0.1.0 -> 0.1.1",
    ]
    assert repo.read("img/leaf/BUILD") == leaf_before.replace('version="0.1.0"', 'version="0.1.1"')
    assert 'parent_versions="^2.0"' in repo.read("img/mid/BUILD")
    assert repo.pants("bbc-check", "::").returncode == 0


def test_a_bad_level_is_refused_with_the_choices(repo: Repo) -> None:
    result = repo.pants("bbc-bump", "--level=huge", "img/mid:mid")
    assert result.returncode == 1
    assert "bbc-bump: unknown bump level 'huge': use one of major, minor, patch." in result.stderr


def test_tree_prints_the_chain_and_writes_dot_and_mermaid(repo: Repo) -> None:
    result = repo.pants("bbc-tree")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("img/root:root  ")
    assert lines[1].startswith(
        f"└─ img/mid:mid  {repo.prefix}/mid:1.2.0  tags 1.2.0, 1.2, 1, latest  parent ^1.0 ok"
    )
    assert lines[2].startswith(
        f"   └─ img/leaf:leaf  {repo.prefix}/leaf:0.1.0  tags 0.1.0, 0.1, 0, latest  parent ~1.2.0 ok"
    )
    assert '"img/mid:mid" -> "img/leaf:leaf" [label="~1.2.0"];' in repo.read(
        "dist/bbc/hierarchy.dot"
    )
    assert repo.read("dist/bbc/hierarchy.mmd").startswith("graph TD\n")
    assert repo.read("dist/bbc/hierarchy.svg").lstrip().startswith("<?xml")


def test_tree_of_given_images_shows_only_their_chains(scratch: Repo) -> None:
    scratch.add_root("lone")
    scratch.add_child("lonekid", "lone")
    result = scratch.pants("bbc-tree", "img/mid:mid")
    assert result.returncode == 0, result.output
    shown = [
        line.replace("└─", "").replace("├─", "").split()[0]
        for line in result.stdout.splitlines()
        if line.strip()
    ]
    assert shown == ["img/root:root", "img/mid:mid", "img/leaf:leaf"]
    whole = scratch.pants("bbc-tree")
    assert "img/lone:lone" in whole.stdout and "img/lonekid:lonekid" in whole.stdout


def test_every_goal_that_reads_dockerfiles_names_a_copied_file_nobody_owns(scratch: Repo) -> None:
    repo = scratch
    repo.write("tools/setup_tool.py", "print('set up')\n")
    repo.write(
        "img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "COPY tools/setup_tool.py /\n"
    )
    said = (
        "img/mid:mid: img/mid/Dockerfile copies files from outside the image's build context "
        "(Pants puts there only the files of its dependencies), so the build cannot copy them and "
        "a change to them rebuilds nothing: line 4 tools/setup_tool.py: no target owns "
        'tools/setup_tool.py. Fix: add `files(name="copied", sources=["setup_tool.py"])` to '
        'tools/BUILD; add "tools:copied" to the image\'s dependencies.'
    )
    for goal in (("bbc-tree",), ("bbc-check", "::"), ("package", "img/mid:mid")):
        run = repo.pants(*goal)
        assert said in " ".join(run.output.split()), (goal, run.output)
    # Said again in the next run of the same pantsd, not only when first found.
    assert said in " ".join(repo.pants("bbc-tree").output.split())
    repo.write("tools/BUILD", 'files(name="setup_tool", sources=["setup_tool.py"])\n')
    repo.write(
        "img/mid/BUILD",
        repo.read("img/mid/BUILD").replace(")\n", ', dependencies=["tools:setup_tool"])\n'),
    )
    fixed = repo.pants("package", "img/mid:mid")
    assert fixed.returncode == 0, fixed.output
    assert "copies tools/setup_tool.py" not in fixed.output
