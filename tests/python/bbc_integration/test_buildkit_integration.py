"""BuildKit builds: secrets that never land in an image, RUN --mount, and the classic builder as
a fallback said in one line. Real Pants, real Docker.

    root ── app      app's Dockerfile changes per test
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo

SECRET = "s3cret-b0f9c2e7"


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd())
    repo.add_root("root")
    repo.add_child("app", "root", "RUN echo app > /app")
    repo.commit("Two images")
    assert repo.pants("package", "::").returncode == 0
    yield repo
    repo.close()


def app(repo: Repo, *lines: str, build_fields: str = "") -> None:
    repo.write(
        "img/app/Dockerfile",
        "\n".join(["ARG SOURCE_IMAGE=img/root:root", "FROM $SOURCE_IMAGE", *lines]) + "\n",
    )
    repo.write(
        "img/app/BUILD",
        f'docker_image(name="app", version="1.0.0", parent_versions="^1.0"{build_fields})\n',
    )


def everything_docker_keeps(repo: Repo, image_id: str) -> bytes:
    """The image's history, config, labels and every file of every layer, as Docker has them."""
    image = repo.docker.images.get(image_id)
    kept = [json.dumps(image.history()).encode(), json.dumps(image.attrs).encode()]
    saved = b"".join(image.save())
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        for member in outer.getmembers():
            data = outer.extractfile(member)
            if data is None:
                continue
            blob = data.read()
            kept.append(blob)
            if member.name.endswith("layer.tar"):
                with tarfile.open(fileobj=io.BytesIO(blob)) as layer:
                    for entry in layer.getmembers():
                        if entry.isfile():
                            kept.append(layer.extractfile(entry).read())  # type: ignore[union-attr]
    return b"\n".join(kept)


def test_a_build_secret_is_used_and_never_kept(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/app/token.txt", SECRET + "\n")
    app(
        repo,
        "RUN --mount=type=secret,id=token grep -c s3cret /run/secrets/token > /used",
        build_fields=', secrets={"token": "img/app/token.txt"}',
    )
    result = repo.pants("package", "img/app:app")
    assert result.returncode == 0, result.output
    image_id = result.reported()["app"][1]
    shown = repo.docker.containers.run(image_id, ["cat", "/used"], remove=True)
    assert shown.decode().strip() == "1"  # the build read the secret
    assert SECRET.encode() not in everything_docker_keeps(repo, image_id)


def test_run_mounts_bind_from_another_stage_and_cache(scratch: Repo) -> None:
    repo = scratch
    repo.write(
        "img/app/Dockerfile",
        "ARG SOURCE_IMAGE=img/root:root\n"
        "FROM $SOURCE_IMAGE AS tools\n"
        "RUN echo tool > /tool\n"
        "FROM $SOURCE_IMAGE\n"
        "RUN --mount=type=bind,from=tools,source=/tool,target=/mnt/tool cat /mnt/tool > /copied\n"
        "RUN --mount=type=cache,target=/cache echo cached >> /cache/runs && cat /cache/runs > /runs\n",
    )
    result = repo.pants("package", "img/app:app")
    assert result.returncode == 0, result.output
    image_id = result.reported()["app"][1]
    copied = repo.docker.containers.run(image_id, ["cat", "/copied", "/runs"], remove=True)
    assert copied.decode().split() == ["tool", "cached"]
    assert repo.docker.containers.run(image_id, ["ls", "/mnt"], remove=True).decode() == ""


def test_a_credential_in_a_build_argument_is_refused(scratch: Repo) -> None:
    repo = scratch
    app(repo, "ARG PIP_INDEX_URL", "RUN echo $PIP_INDEX_URL > /index")
    before = repo.ids("app")
    result = repo.pants(
        f"--docker-build-args=['PIP_INDEX_URL=https://me:{SECRET}@pypi.example.com/simple']",
        "package",
        "img/app:app",
    )
    assert result.returncode != 0
    assert (
        "img/app:app: build argument PIP_INDEX_URL=https://me:***@pypi.example.com/simple carries "
        "a credential"
    ) in " ".join(result.output.split())
    assert SECRET not in result.output
    assert repo.ids("app") == before
    # The same in an ARG's default (after the FROM, and quoted): refused, naming the Dockerfile.
    app(repo, f'ARG INDEX="https://me:{SECRET}@pypi.example.com/simple"', "RUN echo $INDEX")
    result = repo.pants("package", "img/app:app")
    assert result.returncode != 0
    assert (
        "img/app:app: img/app/Dockerfile: ARG INDEX=https://me:***@pypi.example.com/simple "
        "carries a credential"
    ) in " ".join(result.output.split()), result.output
    assert SECRET not in result.output
    assert repo.ids("app") == before


def test_the_classic_builder_is_the_fallback_said_in_one_line(
    scratch: Repo, tmp_path: Path
) -> None:
    repo = scratch
    # A client that cannot drive BuildKit (Docker 23+ without buildx), in front of Debian's.
    new = tmp_path / "bin" / "docker"
    new.parent.mkdir()
    new.write_text(
        "#!/bin/sh\n"
        'case "$1" in --version) echo "Docker version 28.0.0, build fake";; '
        'buildx) exit 1;; *) exec /usr/bin/docker "$@";; esac\n'
    )
    new.chmod(0o755)
    app(repo, "RUN echo classic > /classic")
    result = repo.pants(
        f"--docker-executable-search-paths=['{new.parent}']", "package", "img/app:app"
    )
    assert result.returncode == 0, result.output
    notes = [l for l in result.stderr.splitlines() if "building with Docker's classic builder" in l]
    assert len(notes) == 1, result.stderr
    assert f"{new} (28.0.0, no buildx)" in notes[0]

    app(repo, "RUN --mount=type=cache,target=/c true")
    refused = repo.pants(
        f"--docker-executable-search-paths=['{new.parent}']", "package", "img/app:app"
    )
    assert refused.returncode != 0
    assert "the --mount option requires BuildKit" in refused.output


def test_buildkit_required_where_no_client_can_is_one_clear_error(
    repo: Repo, tmp_path: Path
) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    result = repo.pants(
        "--bbc-builder=buildkit",
        f"--docker-executable-search-paths=['{empty}']",
        "package",
        "img/app:app",
    )
    assert result.returncode != 0
    assert "no docker client found on [docker].executable_search_paths" in result.output
    assert "Traceback" not in result.output
