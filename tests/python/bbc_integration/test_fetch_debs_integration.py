"""3rdparty/debian/fetch-debs.sh, which fetches every image's locked Debian packages, run as the
build runs it, against a mirror on 127.0.0.1: a lock's entries are data, never paths or
commands, and the folder it writes holds exactly the lock's files."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from bbc_integration.static import StaticServer

SCRIPT = Path("3rdparty/debian/fetch-debs.sh").resolve()
DEB = b"not really a deb, but checked by its hash all the same"


def stanza(name: str, filename: str, url: str, sha256: str) -> str:
    return (
        f"Package: {name}\nVersion: 1.0\nArchitecture: all\nFilename: {filename}\n"
        f"SHA256: {sha256}\nUrl: {url}\n"
    )


@pytest.fixture
def mirror(tmp_path):
    server = StaticServer(tmp_path / "mirror")
    deb = server.root / "pool/main/d/demo/demo_1.0_all.deb"
    deb.parent.mkdir(parents=True)
    deb.write_bytes(DEB)
    yield server
    server.close()


def fetch(tmp_path: Path, *stanzas: str) -> tuple[subprocess.CompletedProcess, Path]:
    """The script run in a sandbox of its own, on a lock of `stanzas`, into `debs/`."""
    sandbox = tmp_path / "sandbox"
    (sandbox / "tmp").mkdir(parents=True)
    (sandbox / "demo.lock").write_text("# a lock\n\n" + "\n".join(stanzas))
    ran = subprocess.run(
        ["bash", str(SCRIPT), "demo.lock", "debs"],
        cwd=sandbox,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "TMPDIR": str(sandbox / "tmp")},
    )
    return ran, sandbox


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_lock_is_fetched_checked_and_nothing_else_is_left(tmp_path, mirror) -> None:
    url = f"{mirror.url}/pool/main/d/demo/demo_1.0_all.deb"
    good = stanza("demo", "pool/main/d/demo/demo_1.0_all.deb", url, hashlib.sha256(DEB).hexdigest())
    ran, sandbox = fetch(tmp_path, good)
    assert ran.returncode == 0, ran.stderr
    assert files_under(sandbox) == {
        "demo.lock",
        "debs/demo_1.0_all.deb",
        "debs/SHA256SUMS",
        "debs/Packages",
        "debs/Release",
    }
    assert "Filename: ./demo_1.0_all.deb" in (sandbox / "debs/Packages").read_text()


@pytest.mark.parametrize(
    "filename, url, sha256",
    [
        # The script's own list once lived in its output folder as `.locked`.
        ("pool/main/d/demo/.locked", "{url}/pool/main/d/demo/.locked", None),
        ("pool/main/d/demo/SHA256SUMS", "{url}/pool/main/d/demo/SHA256SUMS", None),
        ("pool/main/d/demo/demo;touch$IFS../../owned.deb", "{url}/x.deb", None),
        ("pool/main/d/demo/demo_1.0_all.deb", "file:///etc/passwd", None),
        ("pool/main/d/demo/demo_1.0_all.deb", "{url}/pool/main/d/demo/demo_1.0_all.deb", "beef"),
    ],
)
def test_an_entry_that_is_not_data_is_refused_before_anything_is_fetched(
    tmp_path, mirror, filename, url, sha256
) -> None:
    sha = sha256 or hashlib.sha256(DEB).hexdigest()
    ran, sandbox = fetch(tmp_path, stanza("demo", filename, url.format(url=mirror.url), sha))
    assert ran.returncode != 0
    assert "demo.lock: the entry of demo is refused" in ran.stderr, ran.stderr
    assert files_under(sandbox) == {"demo.lock", "debs/SHA256SUMS"}
    assert (sandbox / "debs/SHA256SUMS").read_text() == ""
    assert not (tmp_path / "owned.deb").exists()


def test_two_entries_of_one_file_are_refused(tmp_path, mirror) -> None:
    url = f"{mirror.url}/pool/main/d/demo/demo_1.0_all.deb"
    sha = hashlib.sha256(DEB).hexdigest()
    twice = [stanza(n, "pool/main/d/demo/demo_1.0_all.deb", url, sha) for n in ("demo", "other")]
    ran, _ = fetch(tmp_path, *twice)
    assert ran.returncode != 0
    assert "two entries name the file demo_1.0_all.deb (demo and other)" in ran.stderr
