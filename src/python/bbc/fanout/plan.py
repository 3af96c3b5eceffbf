"""`./pants bbc-plan`: the images to build (the given ones, or `--changed-since`'s) as CI jobs.

Prints JSON on stdout: stages of jobs, each job the images it builds and the ancestors it pulls
from the registry first (fanout/stages.py). Jobs in one stage are independent; a stage starts once
the jobs of the stage before it have published. Each job runs `./pants publish <its targets>`
(or `package`), and the registry cache pulls its ancestors instead of building them.
"""

from __future__ import annotations

import json
import os

from pants.base.build_root import BuildRoot
from pants.core.util_rules.distdir import DistDir
from pants.engine.addresses import Addresses
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import collect_rules, goal_rule
from pants.option.option_types import IntOption, StrOption

from bbc.fanout.stages import describe_plan, BUILD_TIMES_DIR, costs, plan, read_build_times
from bbc.graph.image_graph import ImageGraph


class PlanSubsystem(GoalSubsystem):
    name = "bbc-plan"
    help = (
        "Print the given images (or, with --changed-since, the changed ones and their "
        "descendants) as CI jobs, in JSON: stages of independent subtrees, each with the "
        "ancestors it pulls first, balanced over the runners by the build times `package` "
        "recorded for each image and its variants (by build counts where none is recorded)."
    )
    runners = IntOption(default=4, help="How many jobs may run at once (the CI runners).")
    build_times = StrOption(
        default=None,
        help=(
            "The folder of build-time records to balance by (one JSON file per image and per "
            f"variant, as `package` writes them to <distdir>/{BUILD_TIMES_DIR}, its default): "
            "say, the records a previous pipeline's jobs kept as artifacts."
        ),
    )


class PlanGoal(Goal):
    subsystem_cls = PlanSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _records(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        return []
    texts = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            texts += _records(path)
        elif name.endswith(".json"):
            with open(path, encoding="utf-8", errors="replace") as f:
                texts.append(f.read())
    return texts


@goal_rule
async def bbc_plan(
    console: Console,
    subsystem: PlanSubsystem,
    graph: ImageGraph,
    specified: Addresses,
    dist_dir: DistDir,
    build_root: BuildRoot,
) -> PlanGoal:
    if subsystem.runners < 1:
        console.print_stderr(f"--bbc-plan-runners={subsystem.runners}: give 1 or more runners.")
        return PlanGoal(exit_code=1)
    images = graph.hierarchy.images
    parents = {a: image.parent for a, image in images.items()}
    affected = sorted({str(a) for a in specified} & set(parents))
    folder = subsystem.build_times or os.path.join(dist_dir.relpath, BUILD_TIMES_DIR)
    recorded = read_build_times(_records(os.path.join(build_root.path, folder)))
    variants = {a: images[a].variants for a in affected}
    cost = costs(affected, recorded, variants)
    jobs = plan(parents, affected, cost, subsystem.runners)
    console.print_stdout(json.dumps(jobs.to_json(), indent=2))
    builds = [(a, b) for a in affected for b in (None, *variants[a])]
    timed = sum(1 for a, b in builds if recorded.get(a, {}).get(b, 0) > 0)
    console.print_stderr(
        describe_plan(len(affected), len(builds), jobs, subsystem.runners, timed, folder)
    )
    return PlanGoal(exit_code=0)


def rules():
    return collect_rules()
