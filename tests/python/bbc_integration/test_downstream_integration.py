"""Downstream repositories follow BBC releases: real Pants, Docker, registry and git; and the
family's report page, as headless Chromium shows it.

    root ── flask            two application repositories use flask from the registry:
                             `tagged` by exact version, `pinned` by version and digest
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, Run, wait_for
from bbc_integration.registry import Registry


@pytest.fixture(scope="module")
def repo(tmp_path_factory, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd())
    apps = repo.root.parent
    repo.configure(
        registry.pants_toml,
        "\n[bbc]\ntest_only_packages = []\n",
        '\n[bbc-downstream]\npolicy = "patch"\n',
        f'repositories = ["../tagged", "{apps / "pinned"}", "../missing"]\n',
    )
    repo.add_root("root", extra=', contract_tests={"has a shell": "test -x /bin/sh"}')
    repo.add_child(
        "flask",
        "root",
        "RUN echo flask > /flask",
        dpkg_status("2.10-3"),
        extra=', contract_tests={"is ready": "test -f /ready"}',  # it is not: fails
    )
    repo.commit("Images to publish")
    yield repo
    repo.remove_images(f"{registry.address}/{repo.prefix}")
    repo.close()


def dpkg_status(hello: str) -> str:
    """A RUN line that records Debian's `hello` at that version as installed (for bbc-diff)."""
    fields = (
        f"Package: hello\\nStatus: install ok installed\\nArchitecture: amd64\\nVersion: {hello}"
    )
    return f"RUN mkdir -p /var/lib/dpkg && printf '{fields}\\n' > /var/lib/dpkg/status"


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], check=True, capture_output=True, text=True
    ).stdout


def app(folder: Path, dockerfile: bytes) -> Path:
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.email", "app@example.com")
    git(folder, "config", "user.name", "App team")
    (folder / "Dockerfile").write_bytes(dockerfile)
    (folder / "README.md").write_text("FROM nothing:1.0.0 is not a Dockerfile line here\n")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "The app")
    return folder


def publish_flask(repo: Repo, level: str, change: str, *lines: str) -> None:
    bumped = repo.pants("bbc-bump", f"--level={level}", "img/flask:flask")
    assert bumped.returncode == 0, bumped.output
    added = "".join(f"{line}\n" for line in (f"RUN echo {change}", *lines))
    repo.write("img/flask/Dockerfile", repo.read("img/flask/Dockerfile") + added)
    repo.commit(f"flask: {change}")
    published = repo.pants("publish", "::")
    assert published.returncode == 0, published.output


def test_downstream_repositories_move_as_their_pins_allow_with_the_notes(
    repo: Repo, registry: Registry
) -> None:
    first = repo.pants("publish", "::")
    assert first.returncode == 0, first.output
    flask = f"{registry.address}/{repo.prefix}/flask"
    digest = {"1.0.0": registry.digest(f"{repo.prefix}/flask", "1.0.0")}
    apps = repo.root.parent
    # (A Latin-1 comment: bytes that are not UTF-8 must survive the rewrite.)
    tagged = app(
        apps / "tagged", f"FROM {flask}:1.0.0\n# caf\xe9\nRUN echo tagged\n".encode("latin-1")
    )
    pinned = app(
        apps / "pinned",
        f"ARG BASE={flask}:1.0.0@{digest['1.0.0']}\nFROM $BASE\n"
        f"COPY --from={flask}:1.0 /flask /copied\n".encode(),
    )

    nothing = repo.pants("bbc-downstream", "::")
    assert nothing.returncode == 1  # ../missing
    assert (
        "../tagged: up to date" in nothing.stdout
        and "1.0.0 is the newest release" in nothing.stdout
    )
    assert "../missing: not updated: git clone failed" in nothing.stderr

    publish_flask(repo, "patch", "security fix", dpkg_status("2.10-4"))
    digest["1.0.1"] = registry.digest(f"{repo.prefix}/flask", "1.0.1")
    full = repo.pants("bbc-downstream", "--bbc-downstream-branch=refs/heads/main", "::")
    assert full.returncode == 1 and "[bbc-downstream].branch is 'refs/heads/main', not a " in (
        full.stderr
    ), full.output
    assert "refs/heads/refs" not in git(tagged, "branch", "--list", "--all")
    dry = repo.pants("bbc-downstream", "--dry-run", "::")
    assert f"-FROM {flask}:1.0.0\n+FROM {flask}:1.0.1\n" in dry.stdout
    assert f"+ARG BASE={flask}:1.0.1@{digest['1.0.1']}\n" in dry.stdout
    assert "../tagged: would be pushed on branch bbc/update-base-images (dry run)" in dry.stdout
    assert "bbc/update-base-images" not in git(tagged, "branch", "--list")

    moved = repo.pants("bbc-downstream", "::")
    assert moved.returncode == 1, moved.output  # ../missing still cannot be cloned
    assert (
        f"../tagged: pushed on branch bbc/update-base-images, made from main (git fetch {tagged} "
        in moved.stdout
    )
    assert "follows 1.0 by tag (now 1.0.1)" in moved.stdout
    branch = "bbc/update-base-images"
    shown = subprocess.run(
        ["git", "-C", str(tagged), "show", f"{branch}:Dockerfile"], capture_output=True, check=True
    )
    assert shown.stdout == f"FROM {flask}:1.0.1\n# caf\xe9\nRUN echo tagged\n".encode("latin-1")
    assert git(pinned, "show", f"{branch}:Dockerfile").startswith(
        f"ARG BASE={flask}:1.0.1@{digest['1.0.1']}\n"
    )
    message = git(pinned, "log", "-1", "--format=%B", branch)
    assert message.startswith(f"Update BBC images: flask 1.0.1\n\n- Dockerfile:1: flask:1.0.0@")
    assert f"## {flask}:1.0.1\n" in message and "flask: security fix" in message
    assert git(tagged, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"  # left as it was

    publish_flask(repo, "minor", "new feature")
    digest["1.1.0"] = registry.digest(f"{repo.prefix}/flask", "1.1.0")
    held = repo.pants("bbc-downstream", "::")
    assert f"Dockerfile:1: {flask}:1.0.0 -> {flask}:1.0.1\n" in held.stdout  # patch: no further
    assert "../tagged: already there on branch" in held.stdout  # the same change, not pushed again

    minor = repo.pants("bbc-downstream", "--policy=minor", "::")
    assert "../tagged: pushed on branch" in minor.stdout, minor.output
    message = git(tagged, "log", "-1", "--format=%B", branch)
    # Every release skipped over, oldest first.
    assert message.index(f"## {flask}:1.0.1\n") < message.index(f"## {flask}:1.1.0\n")
    assert "flask: new feature" in message and message.rstrip().endswith("\nBBC-Downstream: yes")

    # Building each application from its branch uses the new release.
    for folder in (tagged, pinned):
        git(folder, "checkout", "-q", branch)
        image, _ = repo.docker.images.build(
            path=str(folder), tag=f"{repo.prefix}/app-{folder.name}", rm=True
        )
        labels = image.labels
        assert labels["org.opencontainers.image.version"] == "1.1.0"
        released = repo.docker.images.get_registry_data(f"{flask}:1.1.0")
        assert released.id == digest["1.1.0"]
        assert labels["io.bbc.content"] == (
            repo.docker.images.get(f"{flask}:1.1.0").labels["io.bbc.content"]
        )
        git(folder, "checkout", "-q", "main")

    # Somebody else's commit on the branch: reported, never overwritten.
    git(tagged, "checkout", "-q", branch)
    (tagged / "NOTES").write_text("reviewer's fix\n")
    git(tagged, "add", "NOTES")
    git(tagged, "commit", "-q", "-m", "Reviewer's fix")
    git(tagged, "checkout", "-q", "main")
    # The dry run predicts the refusal (and that the other repository would be pushed).
    predicted = repo.pants("bbc-downstream", "--policy=major", "--dry-run", "::")
    assert predicted.returncode == 1, predicted.output
    said = " ".join(predicted.stderr.split())
    assert (
        "../tagged: would not be updated: git failed: the branch bbc/update-base-images has "
        "commits" in said
    ), predicted.output
    assert "pinned: already there on branch bbc/update-base-images (dry run)" in (predicted.stdout)
    refused = repo.pants("bbc-downstream", "--policy=major", "::")
    assert refused.returncode == 1
    said = " ".join(refused.stderr.split())
    assert (
        "../tagged: not updated: git failed: the branch bbc/update-base-images has commits" in said
    )
    assert "Reviewer's fix Merge or delete the branch, or name another" in said
    assert git(tagged, "log", "-1", "--format=%s", branch).strip() == "Reviewer's fix"
    base = repo.pants("bbc-downstream", "--branch=main", "--dry-run", "::")
    assert base.returncode == 1
    assert "the branch main is the repository's base branch: name another" in base.stderr


HELLO_CHANGELOG = """\
hello (2.10-4) bookworm-security; urgency=high

  * Fix CVE-2026-1111 and CVE-2026-2222.

 -- Test <test@example.com>  Thu, 01 Jan 2026 00:00:00 +0000

hello (2.10-3) bookworm; urgency=medium

  * Fix CVE-2025-0001.

 -- Test <test@example.com>  Wed, 01 Jan 2025 00:00:00 +0000
"""


@pytest.fixture(scope="module")
def pool(tmp_path_factory) -> str:
    """A Debian pool on loopback holding hello 2.10-4, whose changelog names two CVEs; under
    bomb/, one whose changelog inflates to 9 MiB from a few KB."""
    root = tmp_path_factory.mktemp("archive")
    changelogs = {"": HELLO_CHANGELOG.encode(), "bomb/": bytes(9 * 1024 * 1024)}
    for where, changelog in changelogs.items():
        build = root / f"build-{where.strip('/')}"
        (build / "DEBIAN").mkdir(parents=True)
        (build / "DEBIAN/control").write_text(
            "Package: hello\nVersion: 2.10-4\nArchitecture: amd64\n"
            "Maintainer: Test <test@example.com>\nDescription: a test package\n"
        )
        doc = build / "usr/share/doc/hello"
        doc.mkdir(parents=True)
        (doc / "changelog.Debian.gz").write_bytes(gzip.compress(changelog))
        deb = root / f"{where}pool/main/h/hello/hello_2.10-4_amd64.deb"
        deb.parent.mkdir(parents=True)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "--build", str(build), str(deb)],
            check=True,
            capture_output=True,
        )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                return True
        except (urllib.error.URLError, ConnectionError):
            return False

    wait_for(answers, "the test's Debian pool")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


def test_bbc_diff_says_which_packages_moved_between_releases(repo: Repo, pool: str) -> None:
    def diff(*pools: str) -> Run:
        """bbc-diff of the releases of the test above (hello moved in 1.0.1), from `pools`."""
        env = {"PANTS_BBC_DEBIAN_POOLS": json.dumps([f"{pool}/{p}/main" for p in pools])}
        run = repo.pants("bbc-diff", "--from=1.0.0", "--to=1.0.1", "img/flask:flask", env=env)
        assert run.returncode == 0, run.output
        return run

    moved = diff("elsewhere/pool", "pool")  # the first pool lacks it
    flask = next(line for line in moved.stdout.splitlines() if line.startswith("img/flask:flask"))
    assert flask.endswith("flask:1.0.1: 1 changed; 2 CVEs fixed")
    assert (
        "  changed  deb   hello 2.10-3 -> 2.10-4  fixes CVE-2026-1111, CVE-2026-2222\n"
        in moved.stdout
    )
    nowhere = diff("elsewhere/pool")
    assert "hello 2.10-3 -> 2.10-4  (CVEs unknown: no pool holds it:" in nowhere.stdout
    bomb = diff("bomb/pool")
    assert (
        "usr/share/doc/hello/changelog.Debian.gz inflates to more than 8388608 bytes: not read"
        in " ".join(bomb.stdout.split())
    ), bomb.stdout
    # Default: from the newest release to the local build.
    same = repo.pants("bbc-diff", "img/flask:flask")
    assert same.returncode == 0, same.output
    assert (
        f"flask:1.1.0 -> {repo.prefix}/flask:1.1.0 (local build): the same packages" in same.stdout
    )
    unknown = repo.pants("bbc-diff", "--from=9.9.9", "img/flask:flask")
    assert unknown.returncode == 1
    assert "img/flask:flask: 9.9.9 is neither released (" in unknown.stderr


class Dom(HTMLParser):
    """The attributes of every element of a page, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def chromium(*args: str) -> subprocess.CompletedProcess:
    """Headless Chromium (Debian's, a host tool ./pants installs); as root it needs --no-sandbox."""
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_report_page_shows_each_image_s_state_in_a_browser(
    repo: Repo, registry: Registry
) -> None:
    """After the releases above: tests run (flask's fail), an update waits for flask, and flask's
    sources change without a new version. The page shows it all, offline, in a real browser."""
    tested = repo.pants("test", "--test-report", "::")
    assert tested.returncode != 0 and "FAIL img/flask:flask [contract tests] is ready" in (
        tested.output
    ), tested.output
    (repo.root / "dist/bbc/update").mkdir(parents=True, exist_ok=True)
    # What `bbc-update` writes (the plugin's unit tests read UpdateReport.as_json() the same way).
    repo.write(
        "dist/bbc/update/report.json",
        json.dumps(
            {
                "applied": False,
                "packages": [
                    {
                        "kind": "deb",
                        "lockfile": "3rdparty/debian/flask.lock",
                        "name": "hello",
                        "old": "2.10-4",
                        "new": "2.10-5",
                        "cves": ["CVE-2099-0042"],
                        "cves_unknown": None,
                        "images": ["img/flask:flask"],
                        "through_parents": [],
                    }
                ],
                "python": [],
                "notes": [],
                "pins": [],
                "problems": [],
                "bumps": [],
            }
        ),
    )
    dockerfile = repo.read("img/flask/Dockerfile")
    repo.write("img/flask/Dockerfile", dockerfile + "RUN echo not released yet\n")
    try:
        run = repo.pants("bbc-report", "::")
    finally:
        repo.write("img/flask/Dockerfile", dockerfile)
    assert run.returncode == 0, run.output
    report = json.loads(repo.read("dist/bbc/report/report.json"))
    images = {i["address"]: i for i in report["images"]}
    assert images["img/root:root"]["states"] == ["released and current"], images["img/root:root"]
    flask = images["img/flask:flask"]
    assert flask["states"] == [
        "failing tests",
        "changed since its release",
        "updates waiting",
        "not built here",
    ], flask
    assert flask["fix"] == "./pants bbc-bump --level=patch --descendants img/flask:flask"
    assert flask["wants"] == "1.1.1"
    assert flask["tests"]["failures"] == [
        "img/flask:flask contract tests is ready (from img/flask:flask)"
    ]
    [release] = [r["release"] for r in flask["registries"]]
    assert release["digest"] == registry.digest(f"{repo.prefix}/flask", "1.1.0")
    assert release["parent"].startswith(f"{registry.address}/{repo.prefix}/root:1.0.0@sha256:")
    downstream = {d["repository"]: d for d in report["downstream"]}
    [tagged] = downstream["../tagged"]["references"]
    assert (tagged["on"], tagged["newest_allowed"], tagged["behind"]) == ("1.0.0", "1.0.1", 1)
    assert downstream["../missing"]["failure"].startswith("git clone failed")
    assert {s["what"]: bool(s["when"]) for s in report["sources"]}["SBOMs"] is True

    page = repo.root / "dist/bbc/report/index.html"
    shown = chromium("--dump-dom", page.as_uri())
    assert shown.returncode == 0, shown.stderr
    dom = Dom(shown.stdout)
    nodes = {a["data-address"]: a for tag, a in dom.elements if tag == "a" and "data-state" in a}
    assert set(nodes) == {"img/root:root", "img/flask:flask"}
    assert nodes["img/flask:flask"]["data-state"] == "failing tests"
    assert "changed since its release" in nodes["img/flask:flask"]["aria-label"]
    assert nodes["img/root:root"]["data-state"] == "released and current"
    words = " ".join("".join(dom.text).split())
    assert "CVE-2099-0042" in words and "hello 2.10-4 -> 2.10-5" in words
    assert not [a for _, a in dom.elements if a.get("src")], "the page loads nothing"

    # A screenshot for people, kept with the test reports of the checkout that ran the tests.
    assert "BBC_BUILD_ROOT" in os.environ, "run the tests with ./pants: it exports BBC_BUILD_ROOT"
    reports = Path(os.environ["BBC_BUILD_ROOT"]) / "dist/test/reports"
    reports.mkdir(parents=True, exist_ok=True)
    screenshot = reports / "bbc-report.png"
    taken = chromium(f"--screenshot={screenshot}", "--window-size=1200,1400", page.as_uri())
    assert taken.returncode == 0, taken.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
