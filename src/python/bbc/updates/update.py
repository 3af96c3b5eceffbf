"""`./pants bbc-update [--apply]`: refresh every pinned and locked input of the images from
upstream and report what moved: the digests of roots' external bases (updates/external_bases.py)
the Debian locks (updates/debian_resolver.py) and the images' Python lockfiles (updates/python_lock.py,
through Pants' generate-lockfiles rules), each package with the CVEs its new changelog names
and the images it goes into. With --apply the new locks are written and every image they go
into is bumped (a patch, and its descendants). The logic is updates/plan.py,
updates/debian_lock.py and updates/report.py."""

from __future__ import annotations

from collections import defaultdict

from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.option.option_types import BoolOption

from bbc.graph.image_graph import ImageGraph
from bbc.model.inputs import ImageInputs, ImageInputsRequest
from bbc.updates.changelog import DebChangelog, DebChangelogRequest
from bbc.updates.debian_lock import Moved, moved
from bbc.updates.debian_release import DebianStable, DebianStableRequest
from bbc.updates.debian_pool import cves_fixed
from bbc.updates.debian_resolver import DebianLocks
from bbc.updates.plan import Update, report, rewrite
from bbc.updates.python_lock import PythonLocks
from bbc.updates.python_versions import PythonVersions, python_versions
from bbc.updates.report import (
    PackageUpdate,
    UpdateReport,
    affected,
    exit_code,
    python_updates,
)
from bbc.updates.types import (
    DebianLocksRequest,
    ExternalBasesRequest,
    PythonLocksRequest,
    Updates,
)
from bbc.versioning.bump import describe, version_edits
from bbc.versioning.bump_plan import plan_bumps

REPORT_DIR = "dist/bbc/update"


class UpdateSubsystem(GoalSubsystem):
    name = "bbc-update"
    help = (
        "Refresh the images' pinned and locked inputs from upstream: the digest of a root's "
        "external base (`FROM name:tag@sha256:...`, rewritten when its tag moved) and the "
        "Debian locks (`debian_packages` targets, from `[bbc].debian_sources`). Reports every "
        "package that moved, the CVEs its changelog says the new version fixes and the images "
        f"it goes into, on screen and in {REPORT_DIR}/report.md and report.json. Exit status: 0 "
        "nothing to take in, 2 updates found (taken in with --apply), 1 a problem."
    )
    apply = BoolOption(
        default=False,
        help=(
            "Write the new locks and bump every image they go into (a patch, and its "
            "descendants), so that `bbc-check` passes and `publish` accepts the result."
        ),
    )


class UpdateGoal(Goal):
    subsystem_cls = UpdateSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _changelog_request(change: Moved) -> DebChangelogRequest | None:
    new = change.new
    if change.old is None or new is None:
        return None
    return DebChangelogRequest(new.name, new.source, new.version, new.arch, new.url)


async def _lock_users(graph: ImageGraph) -> dict[str, set[str]]:
    """Each target whose files an image consumes itself (a lock's `debian_packages`, even
    before its lockfile exists) -> those images."""
    addresses = [a for a, info in graph.infos.items() if not info.error]
    inputs = await MultiGet(Get(ImageInputs, ImageInputsRequest(a)) for a in addresses)
    users: dict[str, set[str]] = defaultdict(set)
    for found in inputs:
        for target in found.file_targets:
            users[str(target)].add(str(found.address))
    return users


def _cves(change: Moved, log: DebChangelog | None) -> tuple[tuple[str, ...], str | None]:
    if log is None or change.old is None or change.new is None:
        return (), None
    if log.text is None:
        return (), log.failure
    return tuple(cves_fixed(log.text, change.old.version, change.new.version)), None


@goal_rule
async def bbc_update(
    console: Console, workspace: Workspace, options: UpdateSubsystem, graph: ImageGraph
) -> UpdateGoal:
    bases, debian, python, stable = await MultiGet(
        Get(Updates, ExternalBasesRequest()),
        Get(DebianLocks, DebianLocksRequest()),
        Get(PythonLocks, PythonLocksRequest()),
        Get(DebianStable, DebianStableRequest()),
    )
    problems = [
        f"{lock.address} ({lock.lockfile}): {lock.problem}" for lock in debian.locks if lock.problem
    ]
    problems += [line for u in bases.updates if u.problem for line in report([u])]
    pins = report(bases.updates)
    users = await _lock_users(graph) if debian.locks else {}

    updates: list[PackageUpdate] = []
    locks: list[FileContent] = []  # the locks that moved, as resolved now
    direct: set[str] = set()  # the images whose content they change
    for lock in debian.locks:
        if lock.new is None or lock.new == lock.old:
            continue
        changes = moved(lock.old, lock.new)
        requests = [_changelog_request(c) for c in changes]
        logs = await MultiGet(Get(DebChangelog, DebChangelogRequest, r) for r in requests if r)
        by_request = dict(zip([r for r in requests if r], logs))
        images, below = affected(users.get(lock.address, ()), graph.hierarchy.descendants)
        for change, request in zip(changes, requests):
            found, unknown = _cves(change, by_request.get(request))
            updates.append(
                PackageUpdate(
                    "deb",
                    lock.lockfile,
                    change.name,
                    change.old.version if change.old else None,
                    change.new.version if change.new else None,
                    found,
                    unknown,
                    images,
                    below,
                )
            )
        locks.append(FileContent(lock.lockfile, lock.new.encode()))
        direct.update(images)
    standing: list[PythonVersions] = []
    notes: list[str] = [stable.note] if stable.note and debian.locks else []
    for plock in python.locks:
        found_python, images = python_updates(
            plock.lockfile, plock.old, plock.new, dict(plock.installs), graph.hierarchy.descendants
        )
        updates += found_python
        standing += python_versions(
            plock.lockfile, plock.old, plock.new, plock.newest, dict(plock.requirements)
        )
        if plock.newest_problem:
            notes.append(f"{plock.lockfile}: the newest releases: {plock.newest_problem}")
        if images:
            locks.append(FileContent(plock.lockfile, plock.new.encode()))
            direct.update(images)
    bumps = plan_bumps(graph.hierarchy, sorted(direct), "patch", True) if direct else []
    applied = options.apply and not problems

    writes: list[FileContent] = []
    moved_pins: dict[str, list[Update]] = defaultdict(list)
    for update in bases.updates:
        if update.moved:
            moved_pins[update.file].append(update)
    if moved_pins:
        contents = await Get(DigestContents, PathGlobs(sorted(moved_pins)))
        writes += [
            FileContent(c.path, rewrite(c.content.decode(), moved_pins[c.path]).encode())
            for c in contents
        ]
    if applied:
        writes += locks
        writes += await version_edits(graph, bumps)
    bumped = tuple(describe(change) for change in bumps)
    summary = UpdateReport(
        tuple(updates),
        tuple(pins),
        tuple(problems),
        bumped,
        applied,
        tuple(standing),
        tuple(notes),
    )
    text = summary.markdown()
    writes += [
        FileContent(f"{REPORT_DIR}/report.md", text.encode()),
        FileContent(f"{REPORT_DIR}/report.json", summary.as_json().encode()),
    ]
    workspace.write_digest(await Get(Digest, CreateDigest(writes)))
    console.print_stdout(text, end="")
    return UpdateGoal(exit_code=exit_code(bool(locks or moved_pins), problems))


def rules():
    return collect_rules()
