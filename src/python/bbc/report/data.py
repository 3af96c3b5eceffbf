"""The family at a glance, as plain data: each image's state, its releases, local build, last tests,
SBOM and pending updates, and where each downstream reference stands. `report.json` is exactly
this; report/page.py draws it. Nothing here reads files or asks Pants: report/goal.py does.

Every piece of data says where it was read and when (`sources`), or what to run to have it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from typing import Mapping, Sequence

from bbc.container_tests.junit import report_stem
from bbc.downstream.references import Move, decide, references, taken_in
from bbc.graph.hierarchy import Hierarchy
from bbc.model.versions import VersionError, bump, parse_version
from bbc.publish.history import RegistryReleases, ReleaseRow
from bbc.publish.registry_data import advised_for
from bbc.sbom.cyclonedx import sbom_packages
from bbc.versioning.version_check import fix_command

# An image's states, most pressing first: its node takes the colour of the first that holds.
BROKEN = "broken"
FAILING = "failing tests"
CHANGED = "changed since its release"
UPDATES = "updates waiting"
UNRELEASED = "not released yet"
NOT_BUILT = "not built here"
CURRENT = "released and current"
UNKNOWN = "release unknown"
STATES = (BROKEN, FAILING, CHANGED, UPDATES, UNRELEASED, NOT_BUILT, CURRENT, UNKNOWN)

CONTENT_TAG_PROPERTY = "io.bbc.content-tag"  # of the image an SBOM describes (sbom/cyclonedx.py)


@dataclass(frozen=True)
class Local:
    """The image in this machine's Docker engine: its current content tag, or None."""

    content_ref: str  # <repository>:<version>-<hash>: what this checkout's sources make
    built: bool | None  # None: the engine could not be asked
    size: int | None = None
    created: str | None = None
    failure: str | None = None  # why it could not be asked


@dataclass(frozen=True)
class ImageFacts:
    """What the goal found out about one image, from Pants, the engine, registries and dist/."""

    address: str
    dockerfile: str
    local: Local | None  # None: its content tag is unknown (it cannot be built)
    registries: tuple[RegistryReleases, ...]
    problem: str | None = None  # why it cannot be built
    tests: Mapping[str, str] | None = None  # its last test reports: path -> JUnit XML
    sbom: tuple[str, str] | None = None  # (path, CycloneDX JSON) of its version's SBOM
    notes: str | None = None  # path of its release notes, where written here
    registries_problem: str | None = None  # why no registry could be read at all
    tests_when: str | None = None  # when its newest test report was written
    variants_not_built: tuple[str, ...] = ()  # its variants the engine does not hold


_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.I)


def without_credentials(text: str) -> str:
    """`text` with the user and password of every URL in it left out (`https://tok@host/x` ->
    `https://host/x`): a report is shared more widely than the options it was made from."""
    return _USERINFO.sub(r"\1", text)


def reports_of_images(names: Sequence[str], addresses: Sequence[str]) -> dict[str, list[str]]:
    """Which test report files (by name) are each image's. Its checks write
    `<stem>.<what>.xml` (container_tests/: `.bbc.xml`, a test_command's own JUnit files,
    contract test files' `.from.<image>.pytest.xml`, each possibly after a variant's name);
    a file is the image's whose stem is the longest that starts its name, so that the reports of
    `img/root:root.extra` are never `img/root:root`'s. Other files (Pants' own) are nobody's."""
    stems = sorted(((report_stem(a), a) for a in addresses), key=lambda s: -len(s[0]))
    found: dict[str, list[str]] = {a: [] for a in addresses}
    for name in sorted(names):
        owner = next((a for stem, a in stems if name.startswith(stem + ".")), None)
        if owner is not None:
            found[owner].append(name)
    return found


def junit_results(reports: Mapping[str, str]) -> dict:
    """Passed and failed checks in JUnit XML reports (path -> text), and the failures' names."""
    passed, failed, problems = 0, [], []
    for path, text in sorted(reports.items()):
        try:
            cases = list(ET.fromstring(text).iter("testcase"))
        except ET.ParseError as e:
            problems.append(f"{path} is not JUnit XML ({e})")
            continue
        for case in cases:
            if case.find("failure") is not None or case.find("error") is not None:
                failed.append(f"{case.get('classname', '')} {case.get('name', '')}".strip())
            elif case.find("skipped") is None:
                passed += 1
    return {
        "passed": passed,
        "failed": len(failed),
        "failures": failed,
        "reports": sorted(reports),
        "problems": problems,
    }


def sbom_counts(path: str, text: str, content_tag: str | None = None) -> dict:
    """How many packages an SBOM lists, by kind (`deb`, `pypi`), and whether it is of the content
    `content_tag` names (an SBOM of an older build of the same version is not)."""
    try:
        packages = sbom_packages(text)
        component = (json.loads(text).get("metadata") or {}).get("component") or {}
        said = {p.get("name"): p.get("value") for p in component.get("properties") or ()}
    except (ValueError, AttributeError, TypeError) as e:
        return {"path": path, "problem": f"{path}: {e}"}
    kinds: dict[str, int] = {}
    for package in packages:
        kinds[package.kind] = kinds.get(package.kind, 0) + 1
    of = said.get(CONTENT_TAG_PROPERTY)
    return {
        "path": path,
        "packages": len(packages),
        "by_kind": dict(sorted(kinds.items())),
        "content_tag": of,
        "stale": bool(content_tag and of and of != content_tag),
    }


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _cves_unknown(package: Mapping) -> str | None:
    """Why a package's fixed CVEs are not known (bbc-update reads Debian changelogs only)."""
    if package.get("kind") == "python":
        return "not read (no changelog for Python packages)"
    why = package.get("cves_unknown")
    return why if isinstance(why, str) else None


def pending_updates(update_report: Mapping | None, address: str) -> dict | None:
    """The packages the last `bbc-update` report found for this image and did not take in: their
    names, new versions and the CVEs their changelogs name. None: no report. Entries that are
    not what bbc-update writes are left out."""
    if update_report is None:
        return None
    if update_report.get("applied"):
        return {"packages": [], "cves": [], "applied": True}
    listed = update_report.get("packages")
    found = [
        p
        for p in (listed if isinstance(listed, list) else [])
        if isinstance(p, dict)
        and isinstance(p.get("name"), str)
        and (address in _strings(p.get("images")) or address in _strings(p.get("through_parents")))
    ]
    return {
        "packages": [
            {
                "name": p["name"],
                "old": p.get("old"),
                "new": p.get("new"),
                "lockfile": p.get("lockfile"),
                "cves": _strings(p.get("cves")),
                "cves_unknown": _cves_unknown(p),
                "through_parent": address not in _strings(p.get("images")),
            }
            for p in found
        ],
        "cves": sorted({c for p in found for c in _strings(p.get("cves"))}),
        "applied": False,
    }


def registry_problem(failure: str) -> str:
    """Why a registry could not be read, with what to do for this page."""
    return advised_for(failure, "then run ./pants bbc-report again.")


def _release(registry: RegistryReleases, version: str, variants: Sequence[str]) -> dict:
    entry: dict = {"alias": registry.alias, "repository": registry.repository}
    if registry.failure:
        return {**entry, "failure": registry_problem(registry.failure)}
    row = next((r for r in registry.rows if r.version == version), None)
    entry["versions"] = [r.version for r in registry.rows]
    if row is None:
        return {**entry, "release": None}
    return {
        **entry,
        "release": {
            "version": row.version,
            "digest": row.digest,
            "pinned": f"{registry.repository}:{row.version}@{row.digest}",
            "content_tag": row.content_tag,
            "parent": row.parent,
            "moving": list(row.moving),
            "sbom_recorded": row.sbom,
            "revision": row.revision,
            "variants": dict(row.variants),
            "variants_missing": sorted(set(variants) - {name for name, _ in row.variants}),
        },
    }


def _next_patch(version: str) -> str | None:
    """The version bbc-check's fix gives a changed image (a patch bump)."""
    try:
        return bump(version, "patch")
    except VersionError:
        return None


def image_entry(facts: ImageFacts, hierarchy: Hierarchy, update_report: Mapping | None) -> dict:
    """One image's row of the report, its states most pressing first (`fix`: see with_fixes)."""
    image = hierarchy[facts.address]
    content_tag = facts.local.content_ref.rsplit(":", 1)[1] if facts.local else None
    registries = [_release(r, image.version, image.variants) for r in facts.registries]
    tests = {**junit_results(facts.tests), "when": facts.tests_when} if facts.tests else None
    updates = pending_updates(update_report, facts.address)
    states = []
    if facts.problem:
        states.append(BROKEN)
    if tests and tests["failed"]:
        states.append(FAILING)
    releases = [r["release"] for r in registries if r.get("release")]
    if content_tag and any(r["content_tag"] not in (None, content_tag) for r in releases):
        states.append(CHANGED)
    if updates and updates["packages"]:
        states.append(UPDATES)
    readable = [r for r in registries if "failure" not in r]
    if readable and any(r["release"] is None or r["release"]["variants_missing"] for r in readable):
        states.append(UNRELEASED)
    if facts.local and (facts.local.built is False or facts.variants_not_built):
        states.append(NOT_BUILT)
    if not readable or len(readable) < len(registries):
        states.append(UNKNOWN)
    elif not states:
        states.append(CURRENT)
    return {
        "address": facts.address,
        "name": image.repository.rsplit("/", 1)[-1],
        "repository": image.repository,
        "version": image.version,
        "parent": image.parent,
        "parent_versions": image.parent_versions,
        "variants": list(image.variants),
        "dockerfile": facts.dockerfile,
        "build_file": image.build_file,
        "problem": facts.problem,
        "state": states[0],
        "states": states,
        "fix": None,
        "wants": _next_patch(image.version) if CHANGED in states else None,
        "content_tag": content_tag,
        "local": (
            {**asdict(facts.local), "variants_not_built": list(facts.variants_not_built)}
            if facts.local
            else None
        ),
        "registries": registries,
        "registries_problem": facts.registries_problem,
        "tests": tests,
        "sbom": sbom_counts(*facts.sbom, content_tag) if facts.sbom else None,
        "notes": facts.notes,
        "updates": updates,
    }


def with_fixes(entries: Sequence[dict], hierarchy: Hierarchy) -> list[dict]:
    """The entries, each changed since its release with bbc-check's fix: the one bbc-bump that
    gives every changed image a new version."""
    changed = [e["address"] for e in entries if CHANGED in e["states"]]
    fix = fix_command(changed, hierarchy) if changed else None
    return [{**e, "fix": fix} if e["address"] in changed else e for e in entries]


def _on(reference, rows: Sequence[ReleaseRow]) -> str | None:
    """The release a reference is on now: its digest decides (a build uses it whatever the tag
    says), else its version tag, else the release a moving tag is on."""
    if reference.digest:
        return next((r.version for r in rows if r.digest == reference.digest), None)
    if reference.tag:
        try:
            parse_version(reference.tag)
            if any(r.version == reference.tag for r in rows):
                return reference.tag
        except VersionError:
            pass
        for row in rows:
            if reference.tag in row.moving or reference.tag in (
                row.variant_tag(name) for name, _ in row.variants
            ):
                return row.version
    return None


def downstream_entry(
    name: str,
    dockerfiles: Mapping[str, str] | None,
    releases: Mapping[str, Sequence[ReleaseRow]],
    policy: str,
    failure: str | None = None,
) -> dict:
    """Where one downstream repository's references to family images stand: each one's pin, the
    release it is on, the newest the policy allows and how many releases behind it is."""
    if failure or dockerfiles is None:
        return {"repository": name, "failure": failure or "not read", "references": []}
    found = []
    for path, text in sorted(dockerfiles.items()):
        refs, _ = references(path, text, set(releases))
        for reference in refs:
            rows = list(releases[reference.repository])
            decision = decide(reference, rows, policy)
            on = _on(reference, rows)
            if isinstance(decision, Move):
                newest, behind, note = decision.to, len(taken_in(decision, rows)), None
            else:  # it stays: up to date when the release it is on is known
                newest, behind, note = on, (0 if on else None), decision
            found.append(
                {
                    "where": reference.where,
                    "image": reference.repository,
                    "pinned": reference.text,
                    "on": on,
                    "newest_allowed": newest,
                    "behind": behind,
                    "note": note,
                }
            )
    return {"repository": name, "policy": policy, "references": found}
