"""`./pants bbc-downstream <images>`: move downstream repositories onto the newest BBC releases.

For each repository in `[bbc-downstream].repositories` (a local path or a git URL): clone it,
find every reference to the named images' registries in its Dockerfiles, decide where each may
move (downstream/references.py, under `policy`), rewrite them and commit on `branch`, pushed to that
repository, with the release notes of every release taken in. `--dry-run` prints the diffs.
A repository that cannot be updated is reported with the reason; the others still get theirs.
"""

from __future__ import annotations

import difflib
import os
import shlex

from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.option_types import BoolOption, StrListOption, StrOption
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap

from bbc.changes.notes import ImageNotes, ImageNotesRequest
from bbc.downstream.git import Clone, CloneRequest, Update, UpdateRequest, shown
from bbc.downstream.references import POLICIES, plan
from bbc.graph.image_graph import ImageGraph
from bbc.graph.named import named_images
from bbc.publish.history import ReleaseRow
from bbc.signing.signatures import Signatures, SignaturesRequest, Signing
from bbc.util_rules.git import GitRequest, GitResult


class DownstreamSubsystem(GoalSubsystem):
    name = "bbc-downstream"
    help = (
        "Move downstream repositories' Dockerfiles onto the newest releases of BBC images, on a "
        "branch of each, with the release notes (`./pants bbc-downstream ::`)."
    )
    repositories = StrListOption(
        default=[],
        help=softwrap(
            """
            The downstream repositories: local paths (relative to the build root) or git URLs
            that `git clone` and `git push` reach with the user's own credentials.
            """
        ),
    )
    policy = StrOption(
        default="minor",
        help=softwrap(
            f"""
            How far an exact version pin (`1.4.2`) may move: {', '.join(POLICIES)} (`minor`:
            to the newest 1.y.z). Moving tags (`1.4`, `latest`) with a digest keep their tag and
            take its digest; without one there is nothing to write.
            """
        ),
    )
    branch = StrOption(
        default="bbc/update-base-images",
        help=softwrap(
            """
            The branch each repository gets, made again every run from the branch its HEAD
            names (a remote's default branch; a local working copy's checked-out branch). It is
            replaced only while every commit on it that the base branch does not hold is
            bbc-downstream's own.
            """
        ),
    )
    require_signed = BoolOption(
        default=False,
        help=softwrap(
            """
            Move references only to releases whose version tag has a signature by
            `[bbc].signing_key` in `[bbc].signature_store` (see `bbc-verify`); an unsigned newer
            release is named and not taken.
            """
        ),
    )
    dry_run = BoolOption(
        default=False,
        help=(
            "Print the diffs and commit messages, and check what the real run would refuse (a "
            "branch with someone else's commits, the base branch, a push `git push --dry-run` "
            "says the remote rejects; a remote's hooks run only on a real push); commit and push "
            "nothing (it still clones)."
        ),
    )


class Downstream(Goal):
    subsystem_cls = DownstreamSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def source_of(repository: str, build_root: str) -> str:
    if "://" in repository or (":" in repository and not os.path.exists(repository)):
        return repository  # a URL, or scp-like user@host:path
    return os.path.normpath(os.path.join(build_root, repository))


def _diff(path: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )


@goal_rule
async def bbc_downstream(
    console: Console,
    targets: Targets,
    graph: ImageGraph,
    subsystem: DownstreamSubsystem,
    build_root: BuildRoot,
    signing: Signing,
) -> Downstream:
    if subsystem.policy not in POLICIES:
        console.print_stderr(
            f"bbc-downstream: unknown policy {subsystem.policy!r}: use one of "
            f"{', '.join(POLICIES)} ([bbc-downstream].policy or --bbc-downstream-policy)."
        )
        return Downstream(exit_code=1)
    if not subsystem.repositories:
        console.print_stderr(
            "bbc-downstream: no downstream repositories. Name them in pants.toml:\n\n"
            '[bbc-downstream]\nrepositories = ["../my-app", "git@example.com:team/app.git"]'
        )
        return Downstream(exit_code=1)
    branch = subsystem.branch
    checked = await Get(GitResult, GitRequest(("check-ref-format", "--branch", branch)))
    # (git accepts `refs/heads/x` as the name of a branch `refs/heads/refs/heads/x`.)
    if branch.startswith("refs/") or checked.exit_code != 0:
        console.print_stderr(
            f"bbc-downstream: [bbc-downstream].branch is {branch!r}, not a branch name: name "
            f"the branch alone, as `git switch` takes it (for example "
            f"{branch.removeprefix('refs/heads/') if branch.startswith('refs/heads/') else 'bbc/update-base-images'!r})."
        )
        return Downstream(exit_code=1)
    if subsystem.require_signed and not signing.key:
        console.print_stderr(
            "bbc-downstream: --require-signed needs the key releases are signed with: set "
            "[bbc].signing_key and [bbc].signature_store in pants.toml."
        )
        return Downstream(exit_code=1)
    images = named_images(console, DownstreamSubsystem.name, targets, graph)
    if not images:
        return Downstream(exit_code=1)

    found = await MultiGet(Get(ImageNotes, ImageNotesRequest(a)) for a in images)
    releases: dict[str, list[ReleaseRow]] = {}
    notes: dict[tuple[str, str], str] = {}
    failed = False
    for image in found:
        for registry in image.releases.registries:
            if registry.failure:
                failed = True
                console.print_stderr(
                    f"{image.releases.address} in @{registry.alias}: {registry.failure}"
                )
            releases[registry.repository] = list(registry.rows)
            if subsystem.require_signed and registry.rows:
                checked = await Get(
                    Signatures,
                    SignaturesRequest(
                        registry.address,
                        registry.repository,
                        tuple((row.version, row.digest) for row in registry.rows),
                        sign=False,
                    ),
                )
                if checked.failure:
                    failed = True
                    console.print_stderr(f"{image.releases.address}: {checked.failure}")
                signed = set(checked.tags("signed"))
                releases[registry.repository] = [r for r in registry.rows if r.version in signed]
                unsigned = [r.version for r in registry.rows if r.version not in signed]
                if unsigned:
                    console.print_stdout(
                        f"{registry.repository}: {', '.join(unsigned)} not signed by "
                        f"{signing.key}: no reference moves to them (--require-signed)"
                    )
        notes.update(image.notes)

    sources = [source_of(r, build_root.path) for r in subsystem.repositories]
    clones = await MultiGet(Get(Clone, CloneRequest(s)) for s in sources)
    updates = []
    for name, source, cloned in zip(subsystem.repositories, sources, clones):
        if cloned.failure or cloned.digest is None:
            failed = True
            console.print_stderr(f"{name}: not updated: {cloned.failure}")
            continue
        planned = plan(cloned.dockerfiles, releases, notes, subsystem.policy)
        report = [f"  {shown(line)}" for line in planned.report]
        if not report:
            console.print_stdout(f"{name}: no reference to these images")
            continue
        if planned.message is None:
            console.print_stdout(f"{name}: up to date\n" + "\n".join(report))
            continue
        changed, message = planned.changed, planned.message
        if subsystem.dry_run:
            diffs = [_diff(p, cloned.dockerfiles[p], t) for p, t in sorted(changed.items())]
            console.print_stdout(
                f"{name}: would commit on {subsystem.branch}, made from {cloned.base}:\n"
                + "\n".join(report)
            )
            console.print_stdout(shown("".join(diffs)) + "\n" + message)
        updates.append((name, report, source, cloned, changed, message))

    results = (
        await MultiGet(
            Get(
                Update,
                UpdateRequest(
                    source,
                    cloned.digest,
                    FrozenDict(changed),
                    message,
                    subsystem.branch,
                    subsystem.dry_run,
                ),
            )
            for _, _, source, cloned, changed, message in updates
        )
        if updates
        else ()
    )
    for (name, report, source, cloned, *_), result in zip(updates, results):
        if result.failure:
            failed = True
            would = "would not be updated" if subsystem.dry_run else "not updated"
            console.print_stderr(f"{name}: {would}: {result.failure}")
            continue
        if subsystem.dry_run:
            said = "already there" if result.outcome == "unchanged" else "would be pushed"
            console.print_stdout(f"{name}: {said} on branch {subsystem.branch} (dry run)")
            continue
        said = "already there" if result.outcome == "unchanged" else "pushed"
        console.print_stdout(
            f"{name}: {said} on branch {subsystem.branch}, made from {cloned.base} "
            f"(git fetch {shlex.quote(source)} {subsystem.branch}):\n" + "\n".join(report)
        )
    return Downstream(exit_code=1 if failed else 0)


def rules():
    return collect_rules()
