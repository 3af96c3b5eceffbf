"""CI fan-out: the affected images as jobs for a CI matrix, in stages (bbc-plan).

A job builds one or more independent subtrees of the affected images. Every ancestor it needs
but does not build comes from the registry: unchanged ones are there already, changed ones are
published by a job of an earlier stage (the registry cache pulls them, publish/registry_cache.py).
A subtree costing more than a runner's share of the work is split: its trunk (down to where it
branches) is built in one stage, its branches in the next. Each stage's subtrees are spread over
the runners, longest first, by the build times `package` recorded (dist/bbc/build-times/): an
image's and its variants', since the job that builds an image builds its variants.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Iterable, Mapping

BUILD_TIMES_DIR = "bbc/build-times"  # under dist/: one file per image (and variant) built


def build_time_path(repository: str, variant: str | None = None) -> str:
    """Where under dist/ a build's record goes: `<repository>.json`, a variant's
    `<repository>+<variant>.json` (no repository name has a `+`)."""
    return f"{BUILD_TIMES_DIR}/{repository}{f'+{variant}' if variant else ''}.json"


def build_time_record(
    address: str, content_tag: str, seconds: float, variant: str | None = None
) -> bytes:
    record = {"address": address, "content_tag": content_tag, "seconds": round(seconds, 3)}
    if variant:
        record["variant"] = variant
    return json.dumps(record, indent=2, sort_keys=True).encode()


def read_build_times(records: Iterable[str]) -> dict[str, dict[str | None, float]]:
    """Image address -> seconds per build: None for the image itself, a name for a variant's.
    Unreadable records are skipped."""
    times: dict[str, dict[str | None, float]] = {}
    for text in records:
        try:
            record = json.loads(text)
            seconds, variant = float(record["seconds"]), record.get("variant")
            build = str(variant) if variant else None
            times.setdefault(str(record["address"]), {})[build] = seconds
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return times


def costs(
    images: Iterable[str],
    recorded: Mapping[str, Mapping[str | None, float]],
    variants: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, float]:
    """Each image's build time: its own plus its variants' (the job that builds an image builds
    its variants: `package` and `publish` take them with it). A build never recorded costs the
    median of the image's other recorded builds, else of every recorded build of these images,
    or 1 when none is (then jobs are balanced by build counts). Records of variants the image no
    longer has do not count."""
    images = list(images)
    times: dict[str, list[float | None]] = {}
    for image in images:
        builds = [None, *sorted((variants or {}).get(image, ()))]
        seconds = [recorded.get(image, {}).get(b, 0.0) for b in builds]
        times[image] = [s if s > 0 else None for s in seconds]
    every = [s for found in times.values() for s in found if s is not None]
    fallback = statistics.median(every) if every else 1.0
    total = {}
    for image, found in times.items():
        known = [s for s in found if s is not None]
        guess = statistics.median(known) if known else fallback
        total[image] = sum(s if s is not None else guess for s in found)
    return total


@dataclass(frozen=True)
class Job:
    targets: tuple[str, ...]  # parents before children
    pull: tuple[str, ...]  # the ancestors it builds on and does not build, root first
    seconds: float


@dataclass(frozen=True)
class Plan:
    stages: tuple[tuple[Job, ...], ...]
    runners: int

    @property
    def seconds(self) -> float:
        """The estimated wall time: every stage waits for its longest job."""
        return sum(max(job.seconds for job in stage) for stage in self.stages)

    def to_json(self) -> dict:
        return {
            "runners": self.runners,
            "images": sum(len(job.targets) for stage in self.stages for job in stage),
            "estimated_seconds": round(self.seconds, 1),
            "stages": [
                [
                    {
                        "name": f"stage-{s}-job-{j}",
                        "targets": list(job.targets),
                        "pull": list(job.pull),
                        "estimated_seconds": round(job.seconds, 1),
                    }
                    for j, job in enumerate(stage, 1)
                ]
                for s, stage in enumerate(self.stages, 1)
            ],
        }


def plan(
    parents: Mapping[str, str | None],
    affected: Iterable[str],
    cost: Mapping[str, float],
    runners: int,
) -> Plan:
    """Jobs that build exactly the affected images (those in `parents`) on at most `runners`
    runners per stage. `parents` maps every image to its parent (None for a root)."""
    if runners < 1:
        raise ValueError(f"runners must be at least 1, not {runners}")
    chosen = sorted(a for a in set(affected) if a in parents)
    children: dict[str, list[str]] = {a: [] for a in chosen}
    for image in chosen:
        if parents[image] in children:
            children[parents[image]].append(image)  # type: ignore[index]

    def subtree(image: str) -> list[str]:
        return [image] + [d for c in children[image] for d in subtree(c)]

    weight = {a: sum(cost[d] for d in subtree(a)) for a in chosen}
    share = sum(cost[a] for a in chosen) / runners * (1 + 1e-9)  # (sums in another order)
    units: dict[int, list[list[str]]] = {}

    def split(image: str, stage: int) -> None:
        if weight[image] <= share or not children[image]:
            units.setdefault(stage, []).append(subtree(image))
            return
        trunk = [image]
        while len(children[trunk[-1]]) == 1:
            trunk.append(children[trunk[-1]][0])
        units.setdefault(stage, []).append(trunk)
        for child in children[trunk[-1]]:
            split(child, stage + 1)

    for root in (a for a in chosen if parents[a] not in children):
        split(root, 0)

    def ancestors(image: str) -> list[str]:
        found: list[str] = []
        parent = parents.get(image)
        while parent is not None and parent not in found:
            found.append(parent)
            parent = parents.get(parent)
        return found[::-1]

    stages = []
    for stage in sorted(units):
        bins: list[list[list[str]]] = [[] for _ in range(min(runners, len(units[stage])))]
        for unit in sorted(units[stage], key=lambda u: (-sum(cost[i] for i in u), u[0])):
            lightest = min(bins, key=lambda b: sum(cost[i] for u in b for i in u))
            lightest.append(unit)
        jobs = []
        for units_of_job in bins:
            targets = [i for u in units_of_job for i in u]
            pull = [a for u in units_of_job for a in ancestors(u[0]) if a not in targets]
            jobs.append(
                Job(tuple(targets), tuple(dict.fromkeys(pull)), sum(cost[i] for i in targets))
            )
        stages.append(tuple(sorted(jobs, key=lambda j: (-j.seconds, j.targets))))
    return Plan(tuple(stages), runners)


def describe_plan(
    images: int, builds: int, jobs: Plan, runners: int, timed: int, folder: str
) -> str:
    """bbc-plan's summary line. Without a recorded build time the jobs are balanced by build
    counts, so there is no time to estimate."""
    head = f"{images} images ({builds} builds with their variants) in {len(jobs.stages)} stages on up to {runners} runners"
    if timed == 0:
        return (
            f"{head}, balanced by build counts: no build times recorded in {folder} (`package` "
            f"and `publish` record them there)."
        )
    return f"{head}, about {jobs.seconds:.0f} s ({timed} build times recorded in {folder})."
