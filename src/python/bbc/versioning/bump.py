"""`./pants bbc-bump --level=patch|minor|major [--descendants] <images>`: rewrite versions."""

from __future__ import annotations

import os
from collections import defaultdict

from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.option_types import BoolOption, StrOption

from bbc.graph.image_graph import ImageGraph
from bbc.model.versions import LEVELS, VersionError
from bbc.versioning.build_files import set_field
from bbc.versioning.bump_plan import Change, plan_bumps


class BumpSubsystem(GoalSubsystem):
    name = "bbc-bump"
    help = (
        "Bump the version of the given images in their BUILD files (the rest of each file is "
        "left as it was)."
    )
    level = StrOption(default="patch", help=f"Which part to bump: {', '.join(LEVELS)}.")
    descendants = BoolOption(
        default=False,
        help=(
            "Also bump the patch version of every descendant, and widen its parent_versions to "
            "admit its parent's new version where it does not already."
        ),
    )


class Bump(Goal):
    subsystem_cls = BumpSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def describe(change: Change) -> str:
    text = f"{change.address}: {change.old_version} -> {change.new_version}"
    if change.new_range:
        text += f", parent_versions {change.old_range!r} -> {change.new_range!r}"
    return text


async def version_edits(graph: ImageGraph, changes: list[Change]) -> list[FileContent]:
    """The BUILD files with the planned versions and ranges written in (nothing else changed)."""
    per_file: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        per_file[graph.infos[graph.address(change.address)].build_file].append(change)
    contents = await Get(DigestContents, PathGlobs(sorted(per_file)))
    rewritten = []
    for content in contents:
        text = content.content.decode()
        for change in per_file[content.path]:
            address = graph.address(change.address)
            default_name = os.path.basename(address.spec_path)
            text = set_field(
                text, address.target_name, default_name, "version", change.new_version, after="name"
            )
            if change.new_range:
                text = set_field(
                    text,
                    address.target_name,
                    default_name,
                    "parent_versions",
                    change.new_range,
                    after="version",
                )
        rewritten.append(FileContent(content.path, text.encode()))
    return rewritten


@goal_rule
async def bbc_bump(
    console: Console, workspace: Workspace, bump: BumpSubsystem, graph: ImageGraph, targets: Targets
) -> Bump:
    requested = [t.address for t in targets if t.address in graph.infos]
    broken = [graph.infos[a].error for a in requested if graph.infos[a].error]
    if not requested or broken:
        console.print_stderr(
            "\n\n".join(broken) or "bbc-bump: name the docker_image targets to bump."
        )
        return Bump(exit_code=1)
    try:
        changes = plan_bumps(
            graph.hierarchy, [str(a) for a in requested], bump.level, bump.descendants
        )
    except VersionError as e:
        console.print_stderr(f"bbc-bump: {e}")
        return Bump(exit_code=1)

    workspace.write_digest(await Get(Digest, CreateDigest(await version_edits(graph, changes))))
    for change in changes:
        console.print_stdout(describe(change))
    return Bump(exit_code=0)


def rules():
    return collect_rules()
