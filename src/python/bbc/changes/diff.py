"""`./pants bbc-diff [--from=X.Y.Z] [--to=X.Y.Z] <images>`: the packages added, removed and
changed between two versions of each image, read from the images themselves (sbom/image_sbom.py).

A version is the release its registries hold (pulled when the engine lacks it), else the
engine's local `<repository>:X.Y.Z`. Default: from the newest release, to the local build.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule, rule
from pants.engine.target import Targets
from pants.option.option_types import StrOption

from bbc.build.types import ImageBuild, ImageBuildRequest
from bbc.changes.package_changes import PackageChanges, PackageChangesRequest
from bbc.changes.package_diff import render_changes
from bbc.graph.image_graph import ImageGraph
from bbc.graph.named import named_images
from bbc.model.tags import ref
from bbc.publish.history import final_releases
from bbc.publish.registry import Registries, pull
from bbc.publish.registry_releases import ImageReleases, ImageReleasesRequest
from bbc.sbom.image_sbom import ImagePackages, ImagePackagesRequest
from bbc.util_rules.docker import LocalImages


class DiffSubsystem(GoalSubsystem):
    name = "bbc-diff"
    help = (
        "The packages added, removed and changed between two versions of BBC images: "
        "`./pants bbc-diff --from=1.0.1 --to=1.0.2 images/flask`."
    )
    since = StrOption(
        "--from", default=None, help="The version to compare from. Default: the newest release."
    )
    until = StrOption(
        "--to", default=None, help="The version to compare to. Default: the local build."
    )


class Diff(Goal):
    subsystem_cls = DiffSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@dataclass(frozen=True)
class _SideRequest:
    address: Address
    version: str | None  # None: the newest release; "": the local build


@dataclass(frozen=True)
class _Side:
    name: str = ""  # what it is, for the report
    image_id: str = ""
    failure: str | None = None


@rule(desc="Finding an image version to compare")
async def side(
    request: _SideRequest, registries: Registries, local: LocalImages, graph: ImageGraph
) -> _Side:
    address, version = request.address, request.version
    if version == "":  # the local build
        build = await Get(ImageBuild, ImageBuildRequest(address))
        if not build.ok:
            return _Side(failure=f"the local build failed: {build.failure or build.blocked_by}")
        return _Side(f"{build.refs[0]} (local build)", build.image_id)
    releases = await Get(ImageReleases, ImageReleasesRequest(address))
    for registry in releases.registries:
        row = (
            next(iter(final_releases(registry.rows)), None)
            if version is None
            else next((r for r in registry.rows if r.version == version), None)
        )
        if row is None:
            continue
        remote = f"{ref(registry.repository, row.version)}@{row.digest}"
        pulled = await pull(registries, remote, (), f"Pulling {remote}")
        if pulled.failure:
            return _Side(failure=f"could not pull {remote}: {pulled.failure}")
        return _Side(f"{ref(registry.repository, row.version)}", pulled.stdout.strip())
    name = f"{graph.infos[address].repository}:{version}"
    if version is not None and name in local.ids:
        return _Side(f"{name} (this engine's)", local.ids[name])
    where = ", ".join(r.repository for r in releases.registries) or "no registry"
    if version is None:
        return _Side(failure=f"no release in {where}: name one with --from=X.Y.Z")
    return _Side(failure=f"{version} is neither released ({where}) nor in this engine")


@goal_rule
async def bbc_diff(
    console: Console, targets: Targets, graph: ImageGraph, subsystem: DiffSubsystem
) -> Diff:
    images = named_images(console, DiffSubsystem.name, targets, graph, "images/flask")
    if not images:
        return Diff(exit_code=1)
    since, until = subsystem.since, subsystem.until or ""
    sides = await MultiGet(
        Get(_Side, _SideRequest(a, version)) for a in images for version in (since, until)
    )
    failed = False
    for address, old, new in zip(images, sides[::2], sides[1::2]):
        problems = [s.failure for s in (old, new) if s.failure]
        if problems:
            failed = True
            console.print_stderr(f"{address}: {'; '.join(problems)}")
            continue
        before, after = await MultiGet(
            Get(ImagePackages, ImagePackagesRequest(old.image_id, old.name)),
            Get(ImagePackages, ImagePackagesRequest(new.image_id, new.name)),
        )
        found = await Get(PackageChanges, PackageChangesRequest(before.packages, after.packages))
        title = f"{address}: {old.name} -> {new.name}"
        console.print_stdout(render_changes(title, list(found.changes)))
    return Diff(exit_code=1 if failed else 0)


def rules():
    return collect_rules()
