"""`./pants bbc-report [images]`: the family at a glance, as dist/bbc/report/index.html (a static,
self-contained page) and report.json, from what the other goals produce, without building.

Read here: each image's content tag (model/identity.py), its releases in every registry, the
local engine's images, and what earlier runs left in dist/ (the last `bbc-update` report, test
reports, SBOMs, release notes), plus the downstream repositories' references. Each missing piece
is said on the page with the command that makes it; nothing missing fails the goal.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from pants.base.build_root import BuildRoot
from pants.core.goals.test import TestSubsystem
from pants.core.util_rules.distdir import DistDir
from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, FileContent, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets

from bbc.build.types import ImageIdentityRequest
from bbc.downstream.downstream import DownstreamSubsystem, source_of
from bbc.downstream.git import Clone, CloneRequest
from bbc.downstream.references import POLICIES
from bbc.graph.image_graph import ImageGraph
from bbc.graph.named import named_images
from bbc.model.identity import ImageIdentity
from bbc.publish.publish import RELEASES_DIR
from bbc.publish.registry_releases import ImageReleases, ImageReleasesRequest
from bbc.report.data import (
    ImageFacts,
    Local,
    downstream_entry,
    image_entry,
    registry_problem,
    reports_of_images,
    with_fixes,
    without_credentials,
)
from bbc.report.page import render
from bbc.sbom.image_sbom import SBOM_DIR
from bbc.util_rules.docker import Docker, DockerEngineError

OUTPUT_DIR = "bbc/report"  # under dist/


class ReportSubsystem(GoalSubsystem):
    name = "bbc-report"
    help = (
        "Write the family at a glance to dist/bbc/report/index.html (one static page: the "
        "hierarchy coloured by state, a table per image, the downstream repositories) and "
        "report.json, from what the other goals leave behind; nothing is built "
        "(`./pants bbc-report ::`)."
    )


class Report(Goal):
    subsystem_cls = ReportSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _when(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _shown(path: Path, root: Path) -> str:
    """A path as the page names it: relative to the build root when inside it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _newest(paths: list[Path]) -> str | None:
    return max((_when(p) for p in paths), default=None)


async def _local(refs: list[str], docker: Docker) -> dict[str, Local]:
    """Which content refs the engine holds, with their sizes: one `docker image inspect`."""
    if not refs:
        return {}
    result = await Get(
        FallibleProcessResult,
        Process,
        docker.process("image", "inspect", *refs, description="Looking for the images locally"),
    )
    try:
        found = json.loads(result.stdout or b"[]")
    except ValueError:
        found = []
    if result.exit_code != 0 and not found and b"No such image" not in result.stderr:
        why = result.stderr.decode(errors="replace").strip().splitlines()
        failure = f"the Docker engine could not be asked ({why[0] if why else 'no answer'})"
        return {r: Local(r, None, failure=failure) for r in refs}
    held = {tag: image for image in found for tag in image.get("RepoTags") or []}
    found_as = {r: held.get(r) or held.get(_short(r)) for r in refs}
    return {
        r: (
            Local(r, True, image.get("Size"), image.get("Created", "")[:19] + "Z")
            if image
            else Local(r, False)
        )
        for r, image in found_as.items()
    }


def _short(ref: str) -> str:
    """A ref as the engine lists Docker Hub's: without `docker.io/` (and `library/`)."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


@goal_rule
async def bbc_report(
    console: Console,
    targets: Targets,
    graph: ImageGraph,
    workspace: Workspace,
    dist_dir: DistDir,
    build_root: BuildRoot,
    test: TestSubsystem,
    downstream: DownstreamSubsystem,
) -> Report:
    named = named_images(console, ReportSubsystem.name, targets, graph)
    if not named:
        return Report(exit_code=1)
    rank = {a: i for i, a in enumerate(graph.hierarchy.order())}  # parents first
    images = sorted(named, key=lambda a: (rank.get(str(a), len(rank)), str(a)))
    generated = _now()
    hierarchy = graph.hierarchy
    buildable = [a for a in images if not graph.problems(a)]
    identities = await MultiGet(Get(ImageIdentity, ImageIdentityRequest(a)) for a in buildable)
    # Reading registries and the engine both need a docker client (registries: its settings);
    # without one, what they would say is unknown, and the page says why.
    releases_problem = None
    try:
        releases = await MultiGet(Get(ImageReleases, ImageReleasesRequest(a)) for a in images)
    except DockerEngineError as e:
        releases_problem = f"the registries could not be read: {e}"
        releases = tuple(ImageReleases(a, ()) for a in images)
    content_refs = {str(i.build.address): i.build.content_ref for i in identities if i.build.ok}
    variant_ids = await MultiGet(
        Get(ImageIdentity, ImageIdentityRequest(a, image_variant=v))
        for a in buildable
        for v in sorted(graph.infos[a].variants)
    )
    variant_refs = {
        (str(i.build.address), i.build.image_variant): i.build.content_ref
        for i in variant_ids
        if i.build.ok
    }
    unknown = {
        str(i.build.address): i.build.failure
        or f"its ancestor {i.build.blocked_by} cannot be built"
        for i in identities
        if not i.build.ok
    }
    try:
        docker = await Get(Docker)
        local = await _local(sorted({*content_refs.values(), *variant_refs.values()}), docker)
    except DockerEngineError as e:
        local = {
            r: Local(r, None, failure=str(e))
            for r in (*content_refs.values(), *variant_refs.values())
        }

    root = Path(build_root.path)
    dist = root / dist_dir.relpath
    update_path = dist / "bbc/update/report.json"
    update_text = _read(update_path)
    update_problem = None
    try:
        update_report = json.loads(update_text) if update_text else None
    except ValueError as e:
        update_report, update_problem = None, f"not JSON ({e})"
    if update_report is not None and not isinstance(update_report, dict):
        update_report, update_problem = None, "not a bbc-update report"
    if update_problem:
        update_problem = (
            f"{_shown(update_path, root)} is {update_problem}: run ./pants bbc-update again"
        )
    reports_dir = root / test.report_dir(dist_dir)
    read_reports: list[Path] = []
    read_sboms: list[Path] = []
    sources = []

    report_names = reports_of_images(
        [p.name for p in reports_dir.glob("*.xml")] if reports_dir.is_dir() else [],
        [str(a) for a in graph.infos],
    )
    facts = []
    for address, found in zip(images, releases):
        name = str(address)
        info = graph.infos[address]
        reports = [reports_dir / n for n in report_names[name]]
        read_reports += reports
        # The SBOM `package` wrote, else the one `publish` wrote for the release.
        released = root / RELEASES_DIR / info.repository / f"{info.version}.cdx.json"
        sbom_path = next(
            (
                p
                for p in (dist / SBOM_DIR / info.repository / f"{info.version}.cdx.json", released)
                if p.is_file()
            ),
            None,
        )
        sbom_text = _read(sbom_path) if sbom_path else None
        if sbom_path and sbom_text is not None:
            read_sboms.append(sbom_path)
        notes = root / RELEASES_DIR / info.repository / f"{info.version}.md"
        facts.append(
            ImageFacts(
                address=name,
                dockerfile=info.dockerfile,
                local=local.get(content_refs.get(name, "")),
                registries=found.registries,
                registries_problem=releases_problem,
                problem="\n\n".join(graph.problems(address)) or unknown.get(name),
                tests={_shown(p, root): _read(p) or "" for p in reports} or None,
                tests_when=_newest(reports),
                variants_not_built=tuple(
                    v
                    for (a, v), ref in sorted(variant_refs.items())
                    if a == name and local[ref].built is False
                ),
                sbom=((_shown(sbom_path, root), sbom_text) if sbom_path and sbom_text else None),
                notes=_shown(notes, root) if notes.is_file() else None,
            )
        )
    entries = with_fixes([image_entry(f, hierarchy, update_report) for f in facts], hierarchy)

    registries = {(r.alias, r.address) for found in releases for r in found.registries}
    failed = {
        (r.alias, r.address): registry_problem(r.failure)
        for found in releases
        for r in found.registries
        if r.failure
    }
    sources.append(
        {
            "what": "Images, versions, parents",
            "where": "this checkout's BUILD files and Dockerfiles",
            "when": generated,
        }
    )
    any_local = next(iter(local.values()), None)
    sources.append(
        {
            "what": "Local images",
            "where": "the Docker engine",
            "when": generated if any_local and any_local.built is not None else None,
            "missing": ((any_local.failure or "") if any_local else "no image named can be built"),
        }
    )
    for alias, address in sorted(registries):
        sources.append(
            {
                "what": f"Releases in @{alias}",
                "where": address,
                "when": None if (alias, address) in failed else generated,
                "missing": failed.get((alias, address)),
            }
        )
    if not registries:
        sources.append(
            {
                "what": "Releases",
                "where": "the registries" if releases_problem else "no registry",
                "when": None,
                "missing": releases_problem
                or "configure [docker.registries] in pants.toml, then ./pants publish ::",
            }
        )
    sources.append(
        {
            "what": "Updates waiting (the last bbc-update report)",
            "where": _shown(update_path, root),
            "when": _when(update_path) if update_report is not None else None,
            "missing": update_problem or "run ./pants bbc-update",
            "note": (
                "it could not read everything: " + "; ".join(map(str, update_report["problems"]))
                if update_report
                and isinstance(update_report.get("problems"), list)
                and update_report["problems"]
                else None
            ),
        }
    )
    sources.append(
        {
            "what": "Last test results",
            "where": _shown(reports_dir, root),
            "when": _newest(read_reports),
            "missing": "run ./pants test :: (with [test].report = true)",
        }
    )
    sources.append(
        {
            "what": "SBOMs",
            "where": f"{_shown(dist / SBOM_DIR, root)}, {RELEASES_DIR}",
            "when": _newest(read_sboms),
            "missing": "run ./pants package :: (or publish)",
        }
    )

    downstream_entries = None
    if downstream.repositories and downstream.policy not in POLICIES:
        downstream_entries = [
            downstream_entry(
                without_credentials(name),
                None,
                {},
                downstream.policy,
                f"unknown policy {downstream.policy!r}: use one of {', '.join(POLICIES)} "
                "([bbc-downstream].policy)",
            )
            for name in downstream.repositories
        ]
    elif downstream.repositories:
        rows = {r.repository: list(r.rows) for found in releases for r in found.registries}
        where = [source_of(r, build_root.path) for r in downstream.repositories]
        clones = await MultiGet(Get(Clone, CloneRequest(s)) for s in where)
        downstream_entries = [
            downstream_entry(
                without_credentials(name),
                dict(clone.dockerfiles) if not clone.failure else None,
                rows,
                downstream.policy,
                clone.failure and without_credentials(clone.failure),
            )
            for name, clone in zip(downstream.repositories, clones)
        ]
    if downstream_entries is not None:
        unread = [d["repository"] for d in downstream_entries if d.get("failure")]
        sources.append(
            {
                "what": "Downstream repositories",
                "where": ", ".join(without_credentials(r) for r in downstream.repositories),
                "when": generated if len(unread) < len(downstream_entries) else None,
                "missing": f"not read: {', '.join(unread)}" if unread else None,
            }
        )
    else:
        sources.append(
            {
                "what": "Downstream repositories",
                "where": "none configured",
                "when": None,
                "missing": "name them in [bbc-downstream].repositories",
            }
        )

    report = {
        "update_report_problem": update_problem,
        "generated": generated,
        "images": entries,
        "downstream": downstream_entries,
        "sources": sources,
    }
    out_dir = dist / OUTPUT_DIR
    linked = [e["dockerfile"] for e in entries] + [
        p for e in entries for p in (e["notes"], (e["sbom"] or {}).get("path")) if p
    ]
    links = {p: os.path.relpath(root / p, out_dir) for p in linked}
    digest = await Get(
        Digest,
        CreateDigest(
            [
                FileContent(f"{OUTPUT_DIR}/index.html", render(report, links).encode()),
                FileContent(
                    f"{OUTPUT_DIR}/report.json",
                    (json.dumps(report, indent=2, sort_keys=True) + "\n").encode(),
                ),
            ]
        ),
    )
    workspace.write_digest(digest, path_prefix=str(dist_dir.relpath))
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["state"]] = counts.get(entry["state"], 0) + 1
    for entry in entries:
        console.print_stdout(f"{entry['address']} {entry['version']}: {', '.join(entry['states'])}")
    missing = [s for s in sources if not s["when"]]
    for source in missing:
        console.print_stderr(f"Unknown: {source['what']}: {source.get('missing')}")
    console.print_stderr(
        f"\nWrote {dist_dir.relpath}/{OUTPUT_DIR}/index.html and report.json "
        f"({', '.join(f'{n} {s}' for s, n in counts.items())})"
    )
    return Report(exit_code=0)


def rules():
    return collect_rules()
