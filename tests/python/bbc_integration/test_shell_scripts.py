"""Every shell script of the repository passes Debian's shellcheck (warnings and errors; its
style notes aside): the launcher, the scripts the builds run, the test registry's."""

from __future__ import annotations

import subprocess
from pathlib import Path

# (The repository's folders only: Pants puts its own shims beside them in the test's sandbox.)
FOLDERS = ("3rdparty", "apps", "bench", "build-support", "images", "src", "tests")
SCRIPTS = sorted(
    {
        Path("pants"),
        Path("images/python/bbc-install-pex"),
        *(p for folder in FOLDERS for p in Path(folder).glob("**/*.sh")),
    }
)


def test_every_shell_script_passes_shellcheck() -> None:
    assert Path("pants") in SCRIPTS and Path("3rdparty/debian/fetch-debs.sh") in SCRIPTS
    assert Path("src/python/bbc/publish/push.sh") in SCRIPTS, SCRIPTS
    checked = subprocess.run(
        ["shellcheck", "--severity=warning", "--format=gcc", *map(str, SCRIPTS)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
