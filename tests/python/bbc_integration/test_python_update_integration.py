"""A Python distribution moving upstream, taken in by `./pants bbc-update`, with real Pants,
real Docker and a real package index on 127.0.0.1 (a PEP 503 simple index of wheels made
here, served over HTTP; `[python-repos] indexes` names only it):

    images/root:root (this repository's real root, from 3rdparty/debian/root.lock)
    └── images/python:python (the real one, from 3rdparty/debian/python.lock)
        ├── img/demo   installs bbcdemo from 3rdparty/python/images.lock (the local index)
        │   └── img/leaf
        └── img/other  installs nothing

The Debian locks are plain files here, so bbc-update resolves only images.lock, through
Pants' generate-lockfiles, from the local index: nothing depends on how PyPI moves.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from bbc_integration.apt_family import built_family, copy
from bbc_integration.fixture import Repo, child_dockerfile
from bbc_integration.static import StaticServer

INSTALL = (
    "COPY --chown=bbc:bbc img.demo/demo-deps.pex /tmp/pex/",
    "RUN bbc-install-pex /tmp/pex",
)
VERSION_OF = "import importlib.metadata as m, bbcdemo; print(m.version('bbcdemo'), bbcdemo.VERSION)"


class Index(StaticServer):
    """A PEP 503 simple index (`<url>/simple/<project>/`: the server's listing of a folder of
    wheels) on a free loopback port."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        (root / "simple/bbcdemo").mkdir(parents=True)
        self.url += "/simple/"

    def publish(self, version: str) -> Path:
        """bbcdemo `version` as a pure-Python wheel (PEP 427: the module, METADATA, WHEEL and
        a RECORD of their hashes), written with fixed timestamps."""
        dist_info = f"bbcdemo-{version}.dist-info"
        files = {
            "bbcdemo/__init__.py": f'VERSION = "{version}"\n',
            f"{dist_info}/METADATA": (
                f"Metadata-Version: 2.1\nName: bbcdemo\nVersion: {version}\n"
                "Summary: a distribution of the tests\nRequires-Python: >=3.9\n"
            ),
            f"{dist_info}/WHEEL": (
                "Wheel-Version: 1.0\nGenerator: bbc-tests\nRoot-Is-Purelib: true\n"
                "Tag: py3-none-any\n"
            ),
        }
        record = [
            f"{name},sha256={_digest(text.encode())},{len(text)}" for name, text in files.items()
        ]
        files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,", ""])
        wheel = self.root / f"simple/bbcdemo/bbcdemo-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in files.items():
                archive.writestr(zipfile.ZipInfo(name, (2026, 12, 1, 0, 0, 0)), text)
        return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def installed(repo: Repo, name: str, tag: str) -> str:
    """`<version per importlib.metadata> <bbcdemo.VERSION>` in the image `name:tag`."""
    ran = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "python", repo.ref(name, tag), "-c", VERSION_OF],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.strip()


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("python")
    index = Index(tmp / "index")

    def setup(repo: Repo) -> None:
        copy(
            repo,
            "images/root",
            "images/python/Dockerfile",
            "images/python/bbc-install-pex",
            "images/python/contract",
            "3rdparty/debian/root.lock",
            "3rdparty/debian/python.lock",
            "3rdparty/debian/fetch-debs.sh",
        )
        repo.write(
            "3rdparty/debian/BUILD",
            'file(name="root", source="root.lock")\nfile(name="python", source="python.lock")\n'
            'file(name="fetch-debs", source="fetch-debs.sh")\n',
        )
        python_build = Path("images/python/BUILD").read_text()
        repo.write("images/python/BUILD", python_build.partition("# What a test variant")[0])
        repo.write(
            "3rdparty/python/BUILD",
            repo.read("3rdparty/python/BUILD")
            + 'python_requirements(name="images", source="images.txt", resolve="images")\n',
        )
        repo.write("3rdparty/python/images.txt", "bbcdemo>=1.0,<2\n")
        toml = repo.read("pants.toml").replace(
            'python-default = "3rdparty/python/python-default.lock"\n',
            'python-default = "3rdparty/python/python-default.lock"\n'
            'images = "3rdparty/python/images.lock"\n',
        )
        repo.write("pants.toml", toml + f'\n[python-repos]\nindexes = ["{index.url}"]\n')
        repo.write("img/demo/Dockerfile", child_dockerfile("images/python:python", *INSTALL))
        repo.write(
            "img/demo/BUILD",
            'docker_image(name="demo", version="1.0.0", parent_versions="^1.0")\n'
            'pex_binary(name="demo-deps", dependencies=["3rdparty/python:images#bbcdemo"], '
            'resolve="images", include_tools=True)\n',
        )
        repo.versions.update(root="1.0.3", python="1.0.3", demo="1.0.0")
        repo.add_child("leaf", "demo", "RUN python -c 'import bbcdemo'")
        repo.add_child("other", "images/python:python", "RUN true")
        index.publish("1.0")
        locked = repo.pants("generate-lockfiles", "--resolve=images")
        assert locked.returncode == 0, locked.output

    yield from built_family(
        tmp, index, setup, "A family with a Python distribution of the local index", python=True
    )


def test_the_first_lock_is_installed(family) -> None:
    repo, index = family
    lock = repo.read("3rdparty/python/images.lock")
    assert '"project_name": "bbcdemo"' in lock and '"version": "1.0"' in lock
    assert f"{index.url}bbcdemo/bbcdemo-1.0-py3-none-any.whl" in lock
    assert installed(repo, "demo", "1.0.0") == "1.0 1.0"
    assert installed(repo, "leaf", "1.0.0") == "1.0 1.0"


def test_the_real_python_images_sbom_says_what_a_scanner_needs(family) -> None:
    """The real root and python images (Debian 12's packages): the SBOM names the point release,
    the source packages advisories are filed under, real dependency edges and licenses."""
    repo, _ = family
    sbom = json.loads(repo.read(f"dist/bbc/sbom/{repo.prefix}/python/1.0.3.cdx.json"))
    [system] = [c for c in sbom["components"] if c["type"] == "operating-system"]
    assert system["name"] == "debian" and re.fullmatch(r"12\.\d+", system["version"]), system
    debs = {c["name"]: c for c in sbom["components"] if c.get("purl", "").startswith("pkg:deb/")}
    assert "upstream=python3.11%40" in debs["libpython3.11-minimal"]["purl"]
    assert "distro=debian-12" in debs["python3.11"]["purl"]
    graph = {d["ref"]: d["dependsOn"] for d in sbom["dependencies"]}
    assert debs["libpython3.11-stdlib"]["bom-ref"] in graph[debs["python3.11"]["bom-ref"]]
    assert {"license": {"name": "GPL-3+"}} in debs["bash"]["licenses"]


def test_a_new_release_is_found_applied_and_built(family) -> None:
    repo, index = family
    index.publish("1.1")
    index.publish("2.0")  # outside images.txt's range: reported as held back, never taken in
    ids = repo.ids("root", "python", "other")

    found = repo.pants("bbc-update")
    assert found.returncode == 2, found.output
    assert (
        "| bbcdemo | 1.0 -> 1.1 | not read (no changelog for Python packages) | img/demo:demo; "
        "through their parents: "
        "img/leaf:leaf |" in found.stdout
    ), found.stdout
    held = re.search(
        r"^\| bbcdemo \| 1\.0 \| 1\.1 \| 2\.0 \| 3rdparty/python/images\.txt: bbcdemo(\S+) \|$",
        found.stdout,
        re.M,
    )
    assert held and sorted(held.group(1).split(",")) == ["<2", ">=1.0"], found.stdout
    data = json.loads(repo.read("dist/bbc/update/report.json"))
    [standing] = data["python"]
    assert (standing["locked"], standing["in_range"], standing["newest"]) == ("1.0", "1.1", "2.0")
    [package] = data["packages"]
    assert (package["kind"], package["name"], package["old"], package["new"]) == (
        "python",
        "bbcdemo",
        "1.0",
        "1.1",
    )
    assert (package["images"], package["through_parents"]) == (["img/demo:demo"], ["img/leaf:leaf"])
    assert data["applied"] is False and repo.git("status", "--porcelain", "3rdparty", "img") == ""
    assert repo.read("dist/bbc/update/report.md") == found.stdout

    applied = repo.pants("bbc-update", "--apply")
    assert applied.returncode == 2, applied.output
    lock = repo.read("3rdparty/python/images.lock")
    assert '"version": "1.1"' in lock and "bbcdemo-1.1-py3-none-any.whl" in lock
    assert '"version": "1.0"' not in lock and '"version": "2.0"' not in lock
    changed = set(repo.git("diff", "--name-only").split())
    assert changed == {"3rdparty/python/images.lock", "img/demo/BUILD", "img/leaf/BUILD"}
    assert 'version="1.0.1"' in repo.read("img/demo/BUILD")
    assert 'version="1.0.1"' in repo.read("img/leaf/BUILD")
    check = repo.pants("bbc-check", "--since=HEAD", "::")
    assert check.returncode == 0, check.output

    repo.commit_and_package("bbc-update --apply", {"demo", "leaf"}, ids)
    assert installed(repo, "demo", "1.0.1") == "1.1 1.1"
    assert installed(repo, "leaf", "1.0.1") == "1.1 1.1"
    assert installed(repo, "demo", "1.0.0") == "1.0 1.0"

    again = repo.pants("bbc-update")
    assert again.returncode == 0, again.output
    assert "Nothing to take in" in again.stdout
    assert re.search(r"^\| bbcdemo \| 1\.1 \| 1\.1 \(locked\) \| 2\.0 \| ", again.stdout, re.M)
