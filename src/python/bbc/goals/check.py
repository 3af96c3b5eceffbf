"""`./pants bbc-check [--since=main] <images>`: version discipline against a git ref.

Fails for every image whose own inputs changed since the ref while its version did not, and
for every image whose parent is outside its accepted range: a root's change tells exactly
which descendants need a bump.
"""

from __future__ import annotations

import os

from pants.engine.addresses import Address
from pants.engine.console import Console
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets, TransitiveTargets, TransitiveTargetsRequest
from pants.option.option_types import StrOption
from pants.vcs.changed import ChangedOptions, DependentsOption
from pants.vcs.git import GitWorktreeRequest, MaybeGitWorktree

from bbc.core.build_files import changed_targets, field_value
from bbc.rules.git import GitRequest, GitResult
from bbc.rules.image_graph import ImageGraph


class CheckSubsystem(GoalSubsystem):
    name = "bbc-check"
    help = (
        "Check version discipline: every image whose inputs changed since a git ref must have a "
        "new version, and every parent must be within its children's parent_versions."
    )
    since = StrOption(default="main", help="The git ref to compare with.")


class Check(Goal):
    subsystem_cls = CheckSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _generators(addresses: set[Address]) -> set[Address]:
    """The addresses and, for generated targets, their generators' (a BUILD diff names those)."""
    return addresses | {a.maybe_convert_to_target_generator() for a in addresses}


@goal_rule
async def bbc_check(
    console: Console,
    check: CheckSubsystem,
    graph: ImageGraph,
    targets: Targets,
) -> Check:
    images = [t.address for t in targets if t.address in graph.infos]
    maybe_worktree, base = await MultiGet(
        Get(MaybeGitWorktree, GitWorktreeRequest()),
        Get(GitResult, GitRequest(("merge-base", check.since, "HEAD"))),
    )
    if maybe_worktree.git_worktree is None or base.exit_code != 0:
        console.print_stderr(
            f"bbc-check: cannot compare with {check.since!r} ({base.stderr.strip()}). Pass an "
            f"existing git ref: ./pants bbc-check --since=<ref> ::"
        )
        return Check(exit_code=1)
    # Pants' own --changed-since files: since the merge base, uncommitted and untracked ones too.
    changed_files = set(
        ChangedOptions(check.since, None, DependentsOption.NONE).changed_files(
            maybe_worktree.git_worktree
        )
    )
    merge_base = base.stdout.strip()
    build_files = sorted(f for f in changed_files if os.path.basename(f).split(".")[0] == "BUILD")
    owners, new_builds = await MultiGet(
        Get(Owners, OwnersRequest(tuple(sorted(changed_files - set(build_files))))),
        Get(DigestContents, PathGlobs(build_files)),
    )
    old_builds = await MultiGet(
        Get(GitResult, GitRequest(("show", f"{merge_base}:{f}"))) for f in build_files
    )
    # A BUILD file change changes only the targets whose definitions changed.
    new_text = {c.path: c.content.decode() for c in new_builds}
    changed_inputs = set(owners) | {
        Address(os.path.dirname(path), target_name=name)
        for path, old in zip(build_files, old_builds)
        for name in changed_targets(
            old.stdout if old.exit_code == 0 else "",
            new_text.get(path, ""),
            os.path.basename(os.path.dirname(path)),
        )
    }

    # An image's own inputs: what its build consumes, less what its parent's build consumes.
    parents = [graph.parent(a) for a in images]
    closures = await MultiGet(
        Get(TransitiveTargets, TransitiveTargetsRequest([a] if a else []))
        for a in (*images, *parents)
    )
    mine, theirs = closures[: len(images)], closures[len(images) :]
    changed = [
        address
        for address, own, parent in zip(images, mine, theirs)
        if _generators({t.address for t in own.closure} - {t.address for t in parent.closure})
        & changed_inputs
    ]
    old_image_builds = await MultiGet(
        Get(GitResult, GitRequest(("show", f"{merge_base}:{graph.infos[a].build_file}")))
        for a in changed
    )

    problems = []
    for address, old_build in zip(changed, old_image_builds):
        info = graph.infos[address]
        old = (
            field_value(
                old_build.stdout,
                address.target_name,
                os.path.basename(address.spec_path),
                "version",
            )
            if old_build.exit_code == 0
            else None
        )
        if old == info.version:
            problems.append(
                f"{address}: its inputs changed since {check.since} but its version is still "
                f"{info.version}. Bump it: ./pants bbc-bump --level=patch {address} (or minor, "
                f"or major for a breaking change)."
            )
    for address in images:
        problems.extend(graph.problems(address))
    for problem in problems:
        console.print_stderr(problem + "\n")
    if not problems:
        console.print_stdout(
            f"{len(images)} images: versions and ranges are consistent with {check.since}."
        )
    return Check(exit_code=1 if problems else 0)


def rules():
    return collect_rules()
