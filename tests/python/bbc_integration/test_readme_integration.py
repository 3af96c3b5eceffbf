"""The README's hierarchy picture is `./pants bbc-tree`'s output for this repository."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bbc_integration.fixture import Repo


def test_the_readme_shows_what_bbc_tree_draws(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo", Path.cwd())
    try:
        for tree in ("images", "apps", "3rdparty/python"):
            shutil.copytree(tree, repo.root / tree, dirs_exist_ok=True)
        shutil.copy("src/python/BUILD", repo.root / "src/python/BUILD")
        repo.write("pants.toml", Path("pants.toml").read_text())
        repo.commit("This repository's images")

        result = repo.pants("--no-pantsd", "bbc-tree")

        assert result.returncode == 0, result.output
        # The versions move with every release (bbc-update --apply bumps them): the README
        # shows the hierarchy and the ranges, not the versions.
        drawn = re.sub(r" \d+\.\d+\.\d+\S*?<br/>", "<br/>", repo.read("dist/bbc/hierarchy.mmd"))
        shown = re.search(r"```mermaid\n(.*?)```", Path("README.md").read_text(), re.S)
        assert shown, "README.md lost its mermaid picture"
        assert shown.group(1) == drawn, f"README.md's picture is stale; bbc-tree draws:\n{drawn}"
        assert re.search(
            r"^└─ images/python:python  bbc/python:\S+  tags .* parent \^1.0 ok",
            result.stdout,
            re.M,
        )
    finally:
        repo.close()
