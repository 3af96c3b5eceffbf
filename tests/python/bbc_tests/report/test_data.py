from __future__ import annotations

import json
from dataclasses import replace

from bbc.graph.hierarchy import Hierarchy, Image
from bbc.publish.history import RegistryReleases, ReleaseRow
from bbc.publish.registry_data import Answer, Outcome
from bbc.report.data import (
    BROKEN,
    CHANGED,
    CURRENT,
    FAILING,
    NOT_BUILT,
    UNKNOWN,
    UNRELEASED,
    UPDATES,
    ImageFacts,
    Local,
    downstream_entry,
    image_entry,
    pending_updates,
    sbom_counts,
    junit_results,
    reports_of_images,
    with_fixes,
    without_credentials,
)
from bbc.updates.report import PackageUpdate, UpdateReport

HIERARCHY = Hierarchy(
    [
        Image("img/root:root", "1.0.1", "bbc/root"),
        Image("img/app:app", "2.0.0", "bbc/app", parent="img/root:root", parent_versions="^1.0"),
    ]
)
ROOT_ROWS = (
    ReleaseRow("1.0.1", "sha256:r1", "1.0.1-aaaaaaaaaaaa", None, ("1", "1.0", "latest"), sbom=True),
    ReleaseRow("1.0.0", "sha256:r0", "1.0.0-cccccccccccc", None, ()),
)
JUNIT_PASS = '<testsuites><testsuite><testcase classname="img/app:app contract tests" name="user"/></testsuite></testsuites>'
JUNIT_FAIL = (
    '<testsuites><testsuite><testcase classname="img/app:app tests" name="starts">'
    '<failure message="exit 1"/></testcase><testcase name="ok"/></testsuite></testsuites>'
)


def facts(address: str = "img/root:root", tag: str = "1.0.1-aaaaaaaaaaaa", **kwargs) -> ImageFacts:
    repository = HIERARCHY[address].repository
    defaults = dict(
        address=address,
        dockerfile=f"{address.split(':')[0]}/Dockerfile",
        local=Local(f"{repository}:{tag}", True, 5_000_000, "2026-12-07T10:00:00Z"),
        registries=(RegistryReleases("it", f"127.0.0.1:5000/{repository}", ROOT_ROWS),),
    )
    return ImageFacts(**{**defaults, **kwargs})


def test_a_release_holding_the_content_the_sources_make_is_current() -> None:
    entry = image_entry(facts(), HIERARCHY, None)
    assert (entry["state"], entry["states"]) == (CURRENT, [CURRENT])
    [registry] = entry["registries"]
    assert registry["release"]["pinned"] == "127.0.0.1:5000/bbc/root:1.0.1@sha256:r1"
    assert registry["versions"] == ["1.0.1", "1.0.0"]
    assert entry["content_tag"] == "1.0.1-aaaaaaaaaaaa" and entry["fix"] is None


def test_other_content_under_the_released_version_is_changed_with_the_fix() -> None:
    changed = facts(tag="1.0.1-bbbbbbbbbbbb")
    [entry] = with_fixes([image_entry(changed, HIERARCHY, None)], HIERARCHY)
    assert entry["states"] == [CHANGED]
    assert entry["fix"] == "./pants bbc-bump --level=patch img/root:root"
    assert entry["wants"] == "1.0.2"


def test_every_state_that_holds_is_listed_most_pressing_first() -> None:
    entry = image_entry(
        facts(
            "img/app:app",
            "2.0.0-dddddddddddd",
            local=Local("bbc/app:2.0.0-dddddddddddd", False),
            registries=(RegistryReleases("it", "127.0.0.1:5000/bbc/app", ()),),
            tests={"dist/test/reports/img.app.app.bbc.xml": JUNIT_FAIL},
        ),
        HIERARCHY,
        {
            "applied": False,
            "packages": [
                {"name": "zlib1g", "images": ["img/root:root"], "through_parents": ["img/app:app"]}
            ],
        },
    )
    assert entry["states"] == [FAILING, UPDATES, UNRELEASED, NOT_BUILT]
    assert entry["state"] == FAILING
    assert entry["tests"]["failures"] == ["img/app:app tests starts"]
    assert entry["updates"]["packages"][0]["through_parent"] is True


def test_an_image_that_cannot_be_built_and_registries_that_cannot_be_read() -> None:
    entry = image_entry(
        facts(local=None, problem="img/root/Dockerfile: no FROM", registries=()),
        HIERARCHY,
        None,
    )
    assert entry["states"] == [BROKEN, UNKNOWN] and entry["content_tag"] is None
    failed = image_entry(
        facts(
            registries=(
                RegistryReleases("it", "127.0.0.1:1/bbc/root", failure="connection refused"),
            )
        ),
        HIERARCHY,
        None,
    )
    assert failed["states"] == [UNKNOWN]
    assert failed["registries"][0]["failure"] == "connection refused"


def test_test_reports_count_passes_and_name_failures_and_bad_files() -> None:
    found = junit_results({"a.xml": JUNIT_PASS, "b.xml": JUNIT_FAIL, "c.xml": "<not"})
    assert (found["passed"], found["failed"]) == (2, 1)
    assert found["failures"] == ["img/app:app tests starts"]
    assert found["problems"] and found["problems"][0].startswith("c.xml is not JUnit XML")


def test_pending_updates_name_packages_and_cves_and_say_when_applied() -> None:
    report = {
        "applied": False,
        "packages": [
            {"name": "zlib1g", "old": "1", "new": "2", "cves": ["CVE-2099-0001"], "images": ["x"]},
            {"name": "bbcdemo", "old": "1.0", "new": "1.1", "images": [], "through_parents": ["x"]},
            {"name": "other", "images": ["y"]},
        ],
    }
    found = pending_updates(report, "x")
    assert [p["name"] for p in found["packages"]] == ["zlib1g", "bbcdemo"]
    assert found["cves"] == ["CVE-2099-0001"]
    assert pending_updates(None, "x") is None
    garbled = [5, {"name": "z", "images": "x"}, {"images": ["x"]}, {"name": "y", "images": ["x"]}]
    assert pending_updates({"packages": garbled}, "x")["packages"] == [
        {
            "name": "y",
            "old": None,
            "new": None,
            "lockfile": None,
            "cves": [],
            "cves_unknown": None,
            "through_parent": False,
        }
    ]
    assert pending_updates({"packages": 5}, "x")["packages"] == []
    assert pending_updates({"applied": True, "packages": report["packages"]}, "x")["applied"]


def test_sbom_counts_by_kind_and_names_an_unreadable_one() -> None:
    text = (
        '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": ['
        '{"type": "library", "bom-ref": "a", "name": "zlib1g", "version": "1", "purl": "pkg:deb/debian/zlib1g@1?arch=amd64"},'
        '{"type": "library", "bom-ref": "b", "name": "flask", "version": "3", "purl": "pkg:pypi/flask@3"}]}'
    )
    assert sbom_counts("s.json", text) == {
        "path": "s.json",
        "packages": 2,
        "by_kind": {"deb": 1, "pypi": 1},
        "content_tag": None,
        "stale": False,
    }
    assert sbom_counts("s.json", "[]")["problem"].startswith("s.json: not CycloneDX")


def digest(letter: str) -> str:
    return "sha256:" + letter * 64


def test_downstream_references_say_how_far_behind_they_are() -> None:
    repository = "127.0.0.1:5000/bbc/root"
    rows = {
        repository: [
            ReleaseRow("1.2.0", digest("c"), None, None, ("latest",)),
            ReleaseRow("1.1.0", digest("b"), None, None, ()),
            ReleaseRow("1.0.0", digest("a"), None, None, ()),
            ReleaseRow("0.9.0", digest("f"), None, None, ()),
        ]
    }
    dockerfiles = {
        "Dockerfile": f"FROM {repository}:1.0.0@{digest('a')}\n",
        "old/Dockerfile": f"FROM {repository}:0.9.0\n",
        "new/Dockerfile": f"FROM {repository}:1.2.0\n",
    }
    entry = downstream_entry("../app", dockerfiles, rows, "minor")
    found = {r["where"]: r for r in entry["references"]}
    assert (found["Dockerfile:1"]["on"], found["Dockerfile:1"]["newest_allowed"]) == (
        "1.0.0",
        "1.2.0",
    )
    assert found["Dockerfile:1"]["behind"] == 2
    assert found["old/Dockerfile:1"]["behind"] == 0
    assert "newest release the policy (minor) allows" in found["old/Dockerfile:1"]["note"]
    assert (found["new/Dockerfile:1"]["behind"], found["new/Dockerfile:1"]["newest_allowed"]) == (
        0,
        "1.2.0",
    )
    failed = downstream_entry("git@x:app.git", None, rows, "minor", "git clone failed: denied")
    assert failed == {
        "repository": "git@x:app.git",
        "failure": "git clone failed: denied",
        "references": [],
    }


def test_pending_updates_read_what_bbc_update_writes() -> None:
    written = UpdateReport(
        updates=(
            PackageUpdate(
                "deb",
                "3rdparty/debian/root.lock",
                "zlib1g",
                "1.2.13",
                "1.2.14",
                ("CVE-2099-0001",),
                images=("img/root:root",),
                through_parents=("img/app:app",),
            ),
        ),
        pins=(),
        problems=(),
        bumps=(),
        applied=False,
    )
    found = pending_updates(json.loads(written.as_json()), "img/app:app")
    assert found == {
        "packages": [
            {
                "name": "zlib1g",
                "old": "1.2.13",
                "new": "1.2.14",
                "lockfile": "3rdparty/debian/root.lock",
                "cves": ["CVE-2099-0001"],
                "cves_unknown": None,
                "through_parent": True,
            }
        ],
        "cves": ["CVE-2099-0001"],
        "applied": False,
    }


def test_an_sbom_of_another_build_of_the_version_is_stale() -> None:
    text = (
        '{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"name": '
        '"bbc/root", "properties": [{"name": "io.bbc.content-tag", "value": "1.0.1-old"}]}}}'
    )
    assert sbom_counts("s.json", text, "1.0.1-old")["stale"] is False
    assert sbom_counts("s.json", text, "1.0.1-new")["stale"] is True


def test_a_registry_that_cannot_be_read_leaves_the_release_unknown_and_says_what_to_run() -> None:
    down = Answer(Outcome.UNREACHABLE, "connection refused").problem("127.0.0.1:1")
    two = (
        RegistryReleases("it", "127.0.0.1:5000/bbc/root", ROOT_ROWS),
        RegistryReleases("down", "127.0.0.1:1/bbc/root", failure=down),
    )
    entry = image_entry(facts(registries=two), HIERARCHY, None)
    assert entry["states"] == [UNKNOWN]
    said = entry["registries"][1]["failure"]
    assert said.startswith("the registry did not answer: connection refused. Check its address")
    assert said.endswith("then run ./pants bbc-report again.") and "publish" not in said


def test_a_release_without_one_of_the_image_s_variants_is_not_released() -> None:
    hierarchy = Hierarchy([Image("img/root:root", "1.0.1", "bbc/root", variants=("gpu",))])
    rows = (replace(ROOT_ROWS[0], variants=(("gpu", "sha256:g"),)),)
    released = facts(registries=(RegistryReleases("it", "r/bbc/root", rows),))
    assert image_entry(released, hierarchy, None)["states"] == [CURRENT]
    missing = facts(registries=(RegistryReleases("it", "r/bbc/root", ROOT_ROWS),))
    entry = image_entry(missing, hierarchy, None)
    assert entry["states"] == [UNRELEASED]
    assert entry["registries"][0]["release"]["variants_missing"] == ["gpu"]


def test_each_test_report_is_the_image_s_whose_stem_starts_it_longest() -> None:
    names = [
        "img.root.root.bbc.xml",
        "img.root.root.results.xml",  # a test_command's own JUnit file
        "img.root.root.gpu.from.img.root.root.pytest.xml",
        "img.root.root.extra.from.img.mid.mid.pytest.xml",  # img/root:root.extra's
        "img.root.root.extra.bbc.xml",
        "tests.python.test_x.py.tests.xml",  # Pants' own
    ]
    found = reports_of_images(names, ["img/root:root", "img/root:root.extra", "img/mid:mid"])
    assert found == {
        "img/root:root": sorted(names[:3]),
        "img/root:root.extra": sorted(names[3:5]),
        "img/mid:mid": [],
    }


def test_a_variant_missing_from_the_engine_is_not_built_and_python_cves_are_not_read() -> None:
    entry = image_entry(
        facts(variants_not_built=("gpu",)),
        HIERARCHY,
        {
            "packages": [
                {"kind": "python", "name": "flask", "images": ["img/root:root"], "cves": []}
            ]
        },
    )
    assert entry["states"] == [UPDATES, NOT_BUILT]
    assert entry["local"]["variants_not_built"] == ["gpu"]
    [flask] = entry["updates"]["packages"]
    assert flask["cves_unknown"] == "not read (no changelog for Python packages)"


def test_credentials_in_urls_are_left_out() -> None:
    assert without_credentials(
        "git clone https://x-access-token:ghp_SECRET@example.com/o/app.git failed"
    ) == ("git clone https://example.com/o/app.git failed")
    assert without_credentials("../app and git@example.com:o/app.git") == (
        "../app and git@example.com:o/app.git"
    )


def test_a_digest_decides_the_release_a_tag_and_digest_pin_is_on() -> None:
    repository = "127.0.0.1:5000/bbc/root"
    rows = {
        repository: [
            ReleaseRow("1.0.1", digest("b"), None, None, ("1.0", "latest")),
            ReleaseRow("1.0.0", digest("a"), None, None, ()),
        ]
    }
    pinned = {"Dockerfile": f"FROM {repository}:1.0@{digest('a')}\n"}
    [found] = downstream_entry("../app", pinned, rows, "minor")["references"]
    assert (found["on"], found["newest_allowed"], found["behind"]) == ("1.0.0", "1.0.1", 1)
    variant = {"Dockerfile": f"FROM {repository}:1.0.0-gpu\n"}
    with_gpu = {
        repository: [replace(r, variants=(("gpu", digest("g")),)) for r in rows[repository]]
    }
    [found] = downstream_entry("../app", variant, with_gpu, "patch")["references"]
    assert (found["on"], found["newest_allowed"], found["behind"]) == ("1.0.0", "1.0.1", 1)
    unreleased = {"Dockerfile": f"FROM {repository}:9.9.9\n"}
    [found] = downstream_entry("../app", unreleased, rows, "minor")["references"]
    assert (found["on"], found["behind"]) == (None, None)
