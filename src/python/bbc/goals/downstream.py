"""`./pants bbc-downstream <images>`: move downstream repositories onto the newest BBC releases.

For each repository in `[bbc-downstream].repositories` (a local path or a git URL): clone it,
find every reference to the named images' registries in its Dockerfiles, decide where each may
move (core/downstream.py, under `policy`), rewrite them and commit on `branch`, pushed to that
repository, with the release notes of every release taken in. `--dry-run` prints the diffs.
A repository that cannot be updated is reported with the reason; the others still get theirs.
"""

from __future__ import annotations

import difflib
import os
import shlex
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import BashBinary, MaybeGitBinary
from pants.engine.console import Console
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
)
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule, rule
from pants.engine.target import Targets
from pants.option.option_types import BoolOption, StrListOption, StrOption
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap

from bbc.core.build_output import output_tail
from bbc.core.downstream import (
    DOCKERFILE_NAME,
    POLICIES,
    Move,
    commit_message,
    decide,
    references,
    rewrite,
    taken_in,
)
from bbc.core.releases import ReleaseRow
from bbc.rules.docker import per_run_process
from bbc.rules.image_graph import ImageGraph
from bbc.rules.notes import ImageNotes, ImageNotesRequest
from bbc.rules.run_token import RunToken


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
        help="The branch each repository gets (made again from its default branch every run).",
    )
    dry_run = BoolOption(default=False, help="Print the changes; clone, commit and push nothing.")


class Downstream(Goal):
    subsystem_cls = DownstreamSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _said(result: FallibleProcessResult) -> str:
    return output_tail(result.stderr.decode(errors="replace"))


_GIT_ENV = ("HOME", "PATH", "SSH_AUTH_SOCK", "GIT_SSH_COMMAND")


@dataclass(frozen=True)
class _CloneRequest:
    source: str


@dataclass(frozen=True)
class _Clone:
    digest: Digest | None  # `repo/`, the clone
    dockerfiles: FrozenDict[str, str]
    failure: str | None = None


@rule(desc="Cloning a downstream repository")
async def clone(request: _CloneRequest, git: MaybeGitBinary, token: RunToken) -> _Clone:
    if git.git_binary is None:
        return _Clone(None, FrozenDict(), "git is not installed")
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(_GIT_ENV))
    result = await Get(
        FallibleProcessResult,
        Process,
        per_run_process(
            (git.git_binary.path, "clone", "--quiet", request.source, "repo"),
            description=f"git clone {request.source}",
            run_token=token.value,
            env=dict(env),
            output_directories=("repo",),
        ),
    )
    if result.exit_code != 0:
        return _Clone(None, FrozenDict(), f"git clone failed: {_said(result)}")
    subset = await Get(
        Digest,
        DigestSubset(
            result.output_digest, PathGlobs(["repo/**/*ockerfile*", "repo/**/Containerfile*"])
        ),
    )
    contents = await Get(DigestContents, Digest, subset)
    files = {
        c.path[len("repo/") :]: c.content.decode(errors="replace")
        for c in contents
        if DOCKERFILE_NAME.search(c.path) and "/.git/" not in c.path
    }
    return _Clone(result.output_digest, FrozenDict(files))


_COMMIT = """set -e
cd repo
git checkout -q -B "$1"
cp -R ../new/. .
git add -A .
git config user.email >/dev/null || git config user.email bbc-downstream@localhost
git config user.name >/dev/null || git config user.name bbc-downstream
git commit -q -F ../message
if git rev-parse -q --verify "refs/remotes/origin/$1" >/dev/null &&
   [ "$(git rev-parse "HEAD^{tree}")" = "$(git rev-parse "refs/remotes/origin/$1^{tree}")" ]; then
  echo unchanged; exit 0
fi
git push -q -f origin "HEAD:refs/heads/$1"
echo pushed
"""


@dataclass(frozen=True)
class _UpdateRequest:
    source: str
    clone: Digest
    files: FrozenDict[str, str]
    message: str
    branch: str


@dataclass(frozen=True)
class _Update:
    outcome: str | None  # pushed, unchanged
    failure: str | None = None


@rule(desc="Committing on a downstream repository's branch")
async def update(request: _UpdateRequest, bash: BashBinary, token: RunToken) -> _Update:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(_GIT_ENV))
    new = await Get(
        Digest,
        CreateDigest(
            [
                *(FileContent(f"new/{p}", t.encode()) for p, t in request.files.items()),
                FileContent("message", request.message.encode()),
            ]
        ),
    )
    digest = await Get(Digest, MergeDigests([request.clone, new]))
    result = await Get(
        FallibleProcessResult,
        Process,
        per_run_process(
            (bash.path, "-c", _COMMIT, "bash", request.branch),
            description=f"Committing on {request.branch} of {request.source}",
            run_token=token.value,
            env=dict(env),
            input_digest=digest,
        ),
    )
    if result.exit_code != 0:
        return _Update(None, f"git failed: {_said(result)}")
    return _Update(result.stdout.decode().strip().splitlines()[-1])


def _source(repository: str, build_root: str) -> str:
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
    images = sorted(t.address for t in targets if t.address in graph.infos)
    if not images:
        console.print_stderr(
            "bbc-downstream: no BBC images named. All of them: ./pants bbc-downstream ::"
        )
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
        notes.update(image.notes)

    sources = [_source(r, build_root.path) for r in subsystem.repositories]
    clones = await MultiGet(Get(_Clone, _CloneRequest(s)) for s in sources)
    updates = []
    for name, source, cloned in zip(subsystem.repositories, sources, clones):
        if cloned.failure or cloned.digest is None:
            failed = True
            console.print_stderr(f"{name}: not updated: {cloned.failure}")
            continue
        moves: list[Move] = []
        changed: dict[str, str] = {}
        report = []
        for path, text in sorted(cloned.dockerfiles.items()):
            here = []
            for reference in references(path, text, set(releases)):
                decision = decide(reference, releases[reference.repository], subsystem.policy)
                if isinstance(decision, Move):
                    here.append(decision)
                    report.append(f"  {reference.where}: {reference.text} -> {decision.text}")
                else:
                    report.append(f"  {reference.where}: {reference.text} stays: {decision}")
            if here:
                moves += here
                changed[path] = rewrite(text, here)
        if not report:
            console.print_stdout(f"{name}: no reference to these images")
            continue
        if not moves:
            console.print_stdout(f"{name}: up to date\n" + "\n".join(report))
            continue
        taken = {
            m: [
                notes.get((m.reference.repository, r.version), "")
                for r in taken_in(m, releases[m.reference.repository])
            ]
            for m in moves
        }
        message = commit_message(moves, taken)
        if subsystem.dry_run:
            diffs = [_diff(p, cloned.dockerfiles[p], t) for p, t in sorted(changed.items())]
            console.print_stdout(
                f"{name}: would commit on {subsystem.branch}:\n" + "\n".join(report)
            )
            console.print_stdout("".join(diffs) + "\n" + message)
            continue
        updates.append((name, report, source, cloned.digest, changed, message))

    results = (
        await MultiGet(
            Get(
                _Update,
                _UpdateRequest(source, digest, FrozenDict(changed), message, subsystem.branch),
            )
            for _, _, source, digest, changed, message in updates
        )
        if updates
        else ()
    )
    for (name, report, source, *_), result in zip(updates, results):
        if result.failure:
            failed = True
            console.print_stderr(f"{name}: not updated: {result.failure}")
            continue
        said = "already there" if result.outcome == "unchanged" else "pushed"
        console.print_stdout(
            f"{name}: {said} on branch {subsystem.branch} "
            f"(git fetch {shlex.quote(source)} {subsystem.branch}):\n" + "\n".join(report)
        )
    return Downstream(exit_code=1 if failed else 0)


def rules():
    return collect_rules()
