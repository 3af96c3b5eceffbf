"""The reader of images' SBOM files (sbom/save_images.sh), run as the plugin runs it, on the
archive a stand-in `docker save` writes: it takes the files the patterns name, and names a file
too big to read instead of handing it to Pants (an image's own file must not fill pantsd)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

SCRIPT = Path("src/python/bbc/sbom/save_images.sh").read_text()
PATTERNS = "*var/lib/dpkg/status *usr/share/doc/*/copyright"
STATUS = b"Package: hello\nStatus: install ok installed\nVersion: 1.0\n"


def _tar(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _saved(tmp: Path, copyright_size: int) -> Path:
    """What `docker save` writes for one image of one layer, and a `docker` that prints it."""
    layer = _tar(
        {"var/lib/dpkg/status": STATUS, "usr/share/doc/hello/copyright": b"x" * copyright_size}
    )
    manifest = [{"Config": "abc.json", "Layers": ["l1/layer.tar"]}]
    archive = tmp / "saved.tar"
    archive.write_bytes(
        _tar(
            {
                "manifest.json": json.dumps(
                    manifest, separators=(",", ":")
                ).encode(),  # as Docker writes it
                "abc.json": b'{"architecture": "amd64"}',
                "l1/layer.tar": layer,
            }
        )
    )
    docker = tmp / "docker"
    docker.write_text(f"#!/bin/sh\nexec cat {archive}\n")
    docker.chmod(0o755)
    return docker


def _read(tmp: Path, limit: int, copyright_size: int) -> subprocess.CompletedProcess:
    work = tmp / "work"
    work.mkdir()
    env = {
        "DOCKER": str(_saved(tmp, copyright_size)),
        "TAR": shutil.which("tar") or "tar",
        "MKDIR": shutil.which("mkdir") or "mkdir",
        "BBC_PATTERNS": PATTERNS,
        "BBC_FILE_LIMIT": str(limit),
    }
    return subprocess.run(
        ["bash", "-c", SCRIPT, "bash", "sha256:abc"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_files_the_patterns_name_are_taken(tmp_path: Path) -> None:
    ran = _read(tmp_path, limit=10_000, copyright_size=100)
    assert ran.returncode == 0, ran.stderr
    layer = tmp_path / "work/out/l1_layer.tar.d"
    assert (layer / "var/lib/dpkg/status").read_bytes() == STATUS
    assert (layer / "usr/share/doc/hello/copyright").stat().st_size == 100


def test_a_file_too_big_is_named_and_nothing_of_its_layer_is_taken(tmp_path: Path) -> None:
    ran = _read(tmp_path, limit=10_000, copyright_size=20_000)
    assert ran.returncode == 1
    assert (
        "l1/layer.tar holds usr/share/doc/hello/copyright of 20000 bytes, more than the 10000 "
        "bytes the SBOM reader takes from one file" in ran.stderr
    ), ran.stderr
    assert not list((tmp_path / "work/out").rglob("copyright"))
