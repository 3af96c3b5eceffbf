"""`./pants bbc-releases [images]`: every release of each BBC image, read from its registries.

The registry is the source of truth: the answer is the same on any machine, whatever its `dist/`
holds. Per release: its manifest digest, content tag, the parent release it was built on and the
moving tags that point at it now.
"""

from __future__ import annotations

from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.option_types import BoolOption

from bbc.changes.notes import ImageNotes, ImageNotesRequest
from bbc.graph.image_graph import ImageGraph
from bbc.graph.named import named_images
from bbc.publish.history import render_releases


class ReleasesSubsystem(GoalSubsystem):
    name = "bbc-releases"
    help = (
        "List every released version of BBC images that their registries hold: digest, content "
        "tag, parent release and the moving tags on it (`./pants bbc-releases ::`)."
    )
    notes = BoolOption(
        default=False,
        help="Print each release's notes too: what changed since the release before it.",
    )


class Releases(Goal):
    subsystem_cls = ReleasesSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@goal_rule
async def bbc_releases(
    console: Console, targets: Targets, graph: ImageGraph, subsystem: ReleasesSubsystem
) -> Releases:
    images = named_images(console, ReleasesSubsystem.name, targets, graph)
    if not images:
        return Releases(exit_code=0)
    found = await MultiGet(Get(ImageNotes, ImageNotesRequest(a)) for a in images)
    failed = False
    for notes in found:
        image = notes.releases
        if not image.registries:
            console.print_stdout(f"{image.address}: no registry (see [docker.registries])")
        for registry in image.registries:
            if registry.failure:
                failed = True
                console.print_stderr(f"{image.address} in @{registry.alias}: {registry.failure}")
                continue
            console.print_stdout(
                f"{image.address} @{registry.alias} "
                + render_releases(registry.repository, list(registry.rows))
            )
            if subsystem.notes:
                for row in registry.rows:
                    console.print_stdout(notes.of(registry.repository, row.version) or "")
    return Releases(exit_code=1 if failed else 0)


def rules():
    return collect_rules()
