"""`./pants package` with real Pants and real Docker: tags, labels and rebuilding exactly
what changed (the incremental promise), in a temporary repository.

The hierarchy (all offline, from Debian's static busybox):

    root 1.0.0 ── mid 1.2.0 ─┬─ leaf       greeter consumes GREETING from pants.toml
                             └─ greeter
                └ tool ── toolkid          tool consumes a pex from python-default.lock
    root2 2.0.0-rc.1 ── other              other consumes img/other/data.txt
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo

ALL = ("root", "mid", "leaf", "greeter", "tool", "toolkid", "root2", "other")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd(), python=True)
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid", version="1.2.0")
    repo.add_child("leaf", "mid", "RUN echo leaf > /leaf", accepts="^1.2")
    repo.add_child(
        "greeter", "mid", "ARG GREETING", 'RUN echo "$GREETING" > /greeting', accepts="^1.2"
    )
    repo.add_child("tool", "root", "COPY img.tool/tool-pex.pex /opt/tool.pex")
    repo.write(
        "img/tool/BUILD",
        repo.read("img/tool/BUILD")
        + 'pex_binary(name="tool-pex", dependencies=["3rdparty/python:reqs#pytest"], resolve="python-default")\n',
    )
    repo.add_child("toolkid", "tool", "RUN test -f /opt/tool.pex")
    repo.add_root("root2", version="2.0.0-rc.1")
    repo.add_child("other", "root2", "COPY img/other/data.txt /data.txt", accepts="^2.0.0-rc.1")
    repo.write("img/other/data.txt", "one\n")
    repo.write(
        "img/other/BUILD",
        repo.read("img/other/BUILD").replace(
            ")\n", ', dependencies=[":data"])\nfile(name="data", source="data.txt")\n'
        ),
    )
    repo.commit("A small BBC hierarchy")
    repo.git("remote", "add", "origin", "git@github.com:acme/images.git")  # never fetched
    first = repo.run_first("package", "::")
    assert first.returncode == 0, first.output
    repo.first_run = first  # type: ignore[attr-defined]
    yield repo
    repo.close()


def test_first_package_builds_every_image_parents_first(repo: Repo) -> None:
    output = repo.first_run.output
    assert repo.first_run.built() == set(ALL)
    for child, parent in [
        ("mid", "root"),
        ("leaf", "mid"),
        ("greeter", "mid"),
        ("toolkid", "tool"),
        ("other", "root2"),
    ]:
        parent_done = output.index(f"Completed: Building - {repo.prefix}/{parent}:")
        child_started = output.index(f"Starting: Building - {repo.prefix}/{child}:")
        assert parent_done < child_started, (parent, child)


def test_tags_are_exact_first_then_moving_plus_a_content_tag(repo: Repo) -> None:
    image = repo.docker.images.get(repo.ref("mid", "1.2.0"))
    tags = sorted(image.tags)
    moving = [repo.ref("mid", t) for t in ("1", "1.2", "1.2.0", "latest")]
    content = [t for t in tags if t not in moving]
    assert set(moving) <= set(tags)
    assert len(content) == 1 and content[0].startswith(repo.ref("mid", "1.2.0-"))
    info = repo.read("dist/img.mid/mid.docker-info.json")
    assert f'"name": "{repo.ref("mid", "1.2.0")}"' in info


def test_a_prerelease_gets_only_its_exact_tag(repo: Repo) -> None:
    tags = repo.docker.images.get(repo.ref("root2", "2.0.0-rc.1")).tags
    assert repo.ref("root2", "latest") not in tags
    assert [t for t in tags if not t.startswith(repo.ref("root2", "2.0.0-rc.1-"))] == [
        repo.ref("root2", "2.0.0-rc.1")
    ]


def test_oci_labels(repo: Repo) -> None:
    labels = repo.docker.images.get(repo.ref("leaf", "1.0.0")).labels
    head = repo.git("log", "-1", "--format=%H", "--", "img/leaf").strip()
    assert labels["org.opencontainers.image.version"] == "1.0.0"
    assert labels["org.opencontainers.image.title"] == f"{repo.prefix}/leaf"
    # Built FROM its parent's immutable content tag, never a moving tag.
    assert labels["org.opencontainers.image.base.name"] == repo.content_ref("mid", "1.2.0")
    content = repo.content_ref("leaf", "1.0.0").rsplit("-", 1)[1]
    assert labels["io.bbc.content"].startswith(content) and len(labels["io.bbc.content"]) == 64
    assert labels["org.opencontainers.image.revision"] == head
    # Where it comes from, for bots and people: the git remote as a web address.
    source = "https://github.com/acme/images"
    assert labels["org.opencontainers.image.source"] == source
    assert labels["org.opencontainers.image.url"] == f"{source}/tree/{head}/img/leaf"
    assert labels["org.opencontainers.image.documentation"] == f"{source}/blob/{head}/README.md"
    assert "org.opencontainers.image.created" not in labels  # it would defeat Docker's cache
    assert (
        "org.opencontainers.image.base.name"
        not in repo.docker.images.get(repo.ref("root", "1.0.0")).labels
    )


def test_a_second_package_builds_nothing(repo: Repo) -> None:
    before = repo.ids(*ALL)
    again = repo.pants("package", "::")
    assert again.returncode == 0, again.output
    assert again.packaged() == {name: "Up to date" for name in ALL}
    assert repo.ids(*ALL) == before


def test_pantsd_notices_an_image_retagged_or_removed_between_two_runs(repo: Repo) -> None:
    # pantsd keeps what an up-to-date image's rule found from one run to the next: the engine's
    # answer, read once per run, must still reach it.
    warm = repo.pants("package", "::")
    assert warm.packaged() == {name: "Up to date" for name in ALL}, warm.output
    leaf, mid = repo.image_id("leaf"), repo.image_id("mid")
    repo.docker.images.get(mid).tag(f"{repo.prefix}/leaf", "1.0.0")
    retagged = repo.pants("package", "::")
    assert retagged.packaged() == {name: "Up to date" for name in ALL}, retagged.output
    assert repo.image_id("leaf", "1.0.0") == leaf

    repo.docker.images.remove(repo.content_ref("greeter", "1.0.0"))
    repo.docker.images.remove(repo.ref("greeter", "latest"))
    for tag in ("1.0.0", "1.0", "1"):
        repo.docker.images.remove(repo.ref("greeter", tag))
    assert repo.image_id("greeter") is None
    removed = repo.pants("package", "::")
    assert removed.returncode == 0, removed.output
    assert removed.packaged() == {**{name: "Up to date" for name in ALL}, "greeter": "Built"}
    assert repo.image_id("greeter") is not None


def test_no_change_packages_nothing(repo: Repo) -> None:
    result = repo.pants("--changed-since=main", "package")
    assert result.returncode == 0, result.output
    assert result.packaged() == {}


def changed_since_main(repo: Repo) -> tuple[dict[str, str], dict[str, bool], str]:
    """What `--changed-since=main package` packaged, which image ids it changed, its output."""
    before = repo.ids(*ALL)
    result = repo.pants("--changed-since=main", "package")
    assert result.returncode == 0, result.output
    after = repo.ids(*ALL)
    return result.packaged(), {name: before[name] != after[name] for name in ALL}, result.output


def test_changes_rebuild_exactly_the_changed_images_and_their_descendants(repo: Repo) -> None:
    cases = [
        (
            "a leaf's Dockerfile",
            lambda: repo.write(
                "img/leaf/Dockerfile", repo.read("img/leaf/Dockerfile") + "RUN echo more > /more\n"
            ),
            {"leaf"},
        ),
        (
            "a root's Dockerfile",
            lambda: repo.write(
                "img/root/Dockerfile", repo.read("img/root/Dockerfile") + "RUN echo v2 > /version\n"
            ),
            {"root", "mid", "leaf", "greeter", "tool", "toolkid"},
        ),
        (
            "a BUILD field (version)",
            lambda: repo.write(
                "img/mid/BUILD",
                repo.read("img/mid/BUILD").replace('version="1.2.0"', 'version="1.2.1"'),
            ),
            {"mid", "leaf", "greeter"},
        ),
        ("a file an image copies", lambda: repo.write("img/other/data.txt", "two\n"), {"other"}),
        (
            "a build argument in pants.toml",
            lambda: repo.write(
                "pants.toml", repo.read("pants.toml").replace("GREETING=hello", "GREETING=bonjour")
            ),
            {"greeter"},
        ),
    ]
    for what, edit, expected in cases:
        with repo.branch("package", "::"):
            edit()
            repo.commit(f"Change {what}")
            packaged, changed, output = changed_since_main(repo)
            assert set(packaged) == expected, f"{what}:\n{output}"
            assert all(status == "Built" for status in packaged.values()), f"{what}:\n{output}"
            assert {
                name for name, moved in changed.items() if moved
            } == expected, f"{what}:\n{output}"


def test_a_lockfile_change_rebuilds_the_images_that_consume_it_and_check_says_why(
    repo: Repo,
) -> None:
    # img/tool copies a pex resolved from 3rdparty/python/python-default.lock; a new pin in the
    # lockfile (regenerated from PyPI) changes the pex, so tool and its descendant are rebuilt,
    # and bbc-check names them with the package that moved.
    with repo.branch("package", "::"):
        requirements = "3rdparty/python/python-default.txt"
        repo.write(requirements, repo.read(requirements).replace("pytest==7.0.1", "pytest==7.1.3"))
        regenerated = repo.pants("generate-lockfiles", "--resolve=python-default")
        assert regenerated.returncode == 0, regenerated.output
        assert "pytest==7.1.3" in repo.read("3rdparty/python/python-default.lock")
        repo.commit("Upgrade pytest")
        check = repo.pants("bbc-check", "::")
        named = dict(
            re.findall(
                r"^img/\w+:(\w+): its content changed since main \((.*)\), but", check.stderr, re.M
            )
        )
        assert set(named) == {"tool", "toolkid"}, check.stderr
        assert "pytest 7.0.1 -> 7.1.3" in named["tool"], named
        assert "Fix: ./pants bbc-bump --level=patch --descendants img/tool:tool" in check.stderr
        packaged, changed, output = changed_since_main(repo)
        assert packaged == {"tool": "Built", "toolkid": "Built"}, output
        assert {name for name, moved in changed.items() if moved} == {"tool", "toolkid"}, output


STATUS = """\
Package: hello
Status: install ok installed
Architecture: amd64
Source: hello-src (2.10-2)
Version: 2.10-3
Depends: libc6 (>= 2.34)

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u9

Package: gone
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
"""


HELLO = "pkg:deb/debian/hello@2.10-3?arch=amd64&distro=debian-12&upstream=hello-src%402.10-2"
LIBC6 = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12&upstream=glibc%402.36-9%2Bdeb12u9"


def test_every_image_gets_an_sbom_of_what_it_holds(scratch: Repo) -> None:
    repo = scratch
    files = {
        "status": ("/var/lib/dpkg/status", STATUS),
        "METADATA": (
            "/usr/lib/python3/dist-packages/Flask-3.0.3.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.3\nRequires-Dist: Werkzeug>=3\n",
        ),
        "METADATA-werkzeug": (
            "/usr/lib/python3/dist-packages/werkzeug-3.0.6.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: Werkzeug\nVersion: 3.0.6\nLicense: BSD-3-Clause\n",
        ),
        "copyright": (
            "/usr/share/doc/hello/copyright",
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
            "Files: *\nCopyright: 1992 FSF\nLicense: GPL-3+\n",
        ),
        "os-release": ("/usr/lib/os-release", 'ID=debian\nVERSION_ID="12"\n'),
        "debian_version": ("/etc/debian_version", "12.8\n"),
    }
    repo.add_child("pkgs", "root", *(f"COPY img/pkgs/{n} {p}" for n, (p, _) in files.items()))
    for name, (_, text) in files.items():
        repo.write(f"img/pkgs/{name}", text)
    repo.write(
        "img/pkgs/BUILD",
        repo.read("img/pkgs/BUILD").replace(")\n", ', dependencies=[":files"])\n')
        + f"files(name='files', sources={sorted(files)})\n",
    )
    # A child upgrades Flask: the layer that removes the old dist-info folder hides it (a
    # whiteout), so only the new version is listed. The layer's archive starts with a file named
    # `[` (layers are known by the archive's manifest, not by their first byte), and its
    # os-release is a hard link to a file no SBOM reads (still read: the distro stays known).
    site = "/usr/lib/python3/dist-packages"
    repo.add_child(
        "upgraded",
        "pkgs",
        "RUN touch '/[' && mv /usr/lib/os-release /etc/osr && ln /etc/osr /usr/lib/os-release && "
        f"rm -r {site}/Flask-3.0.3.dist-info && "
        f"mkdir {site}/Flask-3.1.0.dist-info && "
        f"printf 'Name: Flask\\nVersion: 3.1.0\\n' > {site}/Flask-3.1.0.dist-info/METADATA",
    )
    repo.add_child("empty", "root", "RUN true")
    result = repo.pants("package", "img/pkgs:pkgs", "img/root:root", "img/upgraded:", "img/empty:")
    assert result.returncode == 0, result.output
    # What the run's four images hold is read once for the whole run, after the builds.
    reads = re.findall(r"Completed: Reading the packages in (\d+) image\(s\)", result.output)
    assert reads == ["4"], result.output
    path = f"dist/bbc/sbom/{repo.prefix}/pkgs/1.0.0.cdx.json"
    assert f"SBOM: {path}" in result.output
    upgraded = json.loads(repo.read(f"dist/bbc/sbom/{repo.prefix}/upgraded/1.0.0.cdx.json"))
    assert sorted(c.get("purl", c["name"]) for c in upgraded["components"]) == [
        "debian",
        HELLO,
        LIBC6,
        "pkg:pypi/flask@3.1.0",
        "pkg:pypi/werkzeug@3.0.6",
    ]
    sbom = json.loads(repo.read(path))
    content, image_id = result.reported()["pkgs"]
    image = sbom["metadata"]["component"]
    assert (image["name"], image["version"]) == (f"{repo.prefix}/pkgs", "1.0.0")
    assert {"name": "io.bbc.image-id", "value": image_id} in image["properties"]
    assert {"name": "io.bbc.content-tag", "value": content.split(":")[-1]} in image["properties"]
    components = {c.get("purl", c["name"]): c for c in sbom["components"]}
    assert sorted(components) == [
        "debian",
        HELLO,
        LIBC6,
        "pkg:pypi/flask@3.0.3",
        "pkg:pypi/werkzeug@3.0.6",
    ]
    # What a scanner needs: the distribution and its point release, the source package in the
    # purl (above), the packages' own dependencies, their licenses.
    assert (components["debian"]["type"], components["debian"]["version"]) == (
        "operating-system",
        "12.8",
    )
    graph = {d["ref"]: d["dependsOn"] for d in sbom["dependencies"]}
    assert graph[components[HELLO]["bom-ref"]] == [components[LIBC6]["bom-ref"]]
    flask, werkzeug = (
        components[f"pkg:pypi/{n}"]["bom-ref"] for n in ("flask@3.0.3", "werkzeug@3.0.6")
    )
    assert graph[flask] == [werkzeug]
    assert components[HELLO]["licenses"] == [{"license": {"name": "GPL-3+"}}]
    assert components[f"pkg:pypi/werkzeug@3.0.6"]["licenses"] == [
        {"license": {"id": "BSD-3-Clause"}}
    ]
    # The root holds neither Debian packages nor Python distributions.
    root = json.loads(repo.read(f"dist/bbc/sbom/{repo.prefix}/root/1.0.0.cdx.json"))
    assert root["metadata"]["component"]["name"] == f"{repo.prefix}/root"
    assert root.get("components", []) == []
    # The same image gets the same document: read after its build, or read again from the
    # engine by a ./pants that did not build it (no pantsd that remembers the build).
    for args in (("package",), ("--no-pantsd", "package")):
        repo.write(path, "")
        again = repo.pants(*args, "img/pkgs:pkgs")
        assert again.returncode == 0, again.output
        assert again.reported()["pkgs"] == (content, image_id) and "Up to date: " in again.output
        assert json.loads(repo.read(path)) == sbom
