"""`./pants bbc-update`: refresh every pinned input of the images from upstream, rewrite the
pins that moved, and report each. Each kind of pinned input has its request and rule returning
`Updates` (rules/external_bases.py: the digests of roots' external bases), asked for here; the
logic is core/updates.py."""

from __future__ import annotations

from collections import defaultdict
from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule

from bbc.core.updates import Update, report, rewrite
from bbc.rules.update_types import ExternalBasesRequest, Updates


class UpdateSubsystem(GoalSubsystem):
    name = "bbc-update"
    help = (
        "Refresh the images' pinned inputs from upstream (the digest of a root's external base, "
        "`FROM name:tag@sha256:...`, from its registry): rewrite each pin whose tag moved, and "
        "report every pin. Then `./pants bbc-check ::` names the versions to bump."
    )


class UpdateGoal(Goal):
    subsystem_cls = UpdateSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@goal_rule
async def bbc_update(console: Console, workspace: Workspace) -> UpdateGoal:
    found = await MultiGet(
        Get(Updates, ExternalBasesRequest()),
        # A Debian or Python lock updater: its Get(Updates, ...) here.
    )
    updates = [u for f in found for u in f.updates]
    per_file: dict[str, list[Update]] = defaultdict(list)
    for update in updates:
        if update.moved:
            per_file[update.file].append(update)
    if per_file:
        contents = await Get(DigestContents, PathGlobs(sorted(per_file)))
        rewritten = [
            FileContent(c.path, rewrite(c.content.decode(), per_file[c.path]).encode())
            for c in contents
        ]
        workspace.write_digest(await Get(Digest, CreateDigest(rewritten)))
    for line in report(updates) or ["bbc-update: no image has a pinned input to refresh."]:
        console.print_stdout(line)
    return UpdateGoal(exit_code=1 if any(u.problem for u in updates) else 0)


def rules():
    return collect_rules()
