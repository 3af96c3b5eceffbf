"""`./pants bbc-check [--since=main] <images>`: what `publish` will accept, checked before it runs.

An image needs a new version when its content hash changed since the ref (the merge base of the
ref and HEAD, as `--changed-since` compares) while its version did not. The same inputs that
make the content hash are compared here: its own files, the BUILD definitions of what it
consumes, its locked packages, its build arguments, and its parent's content. Every image that
needs a bump is named with the reason, then the one command that bumps them all. Every parent
must also be in its children's `parent_versions`.
"""

from __future__ import annotations

import os

from pants.backend.docker.util_rules.docker_build_args import DockerBuildArgs
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.fs import DigestContents, FileContent, PathGlobs, Paths
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.config import Config
from pants.option.custom_types import ListValueComponent
from pants.option.option_types import StrOption
from pants.vcs.changed import ChangedOptions, DependentsOption
from pants.vcs.git import GitWorktreeRequest, MaybeGitWorktree

from bbc.graph.image_graph import ImageGraph
from bbc.model.content import lock_subset
from bbc.model.inputs import ImageInputs, ImageInputsRequest
from bbc.graph.uncopied_files import SaidUncopiedFiles, SayUncopiedFiles
from bbc.util_rules.run_token import RunToken
from bbc.util_rules.git import FilesAtRevision, FilesAtRevisionRequest, GitRequest, GitResult
from bbc.versioning.build_files import field_value
from bbc.versioning.version_check import content_changes, fix_command, own_changes

PANTS_TOML = "pants.toml"


class CheckSubsystem(GoalSubsystem):
    name = "bbc-check"
    help = (
        "Check that `publish` will accept every image: each one whose content changed since a "
        "git ref needs a new version, and every parent must be within its children's "
        "parent_versions."
    )
    since = StrOption(default="main", help="The git ref to compare with.")


class Check(Goal):
    subsystem_cls = CheckSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _docker_settings(
    pants_toml: bytes, env: CompleteEnvironmentVars
) -> tuple[dict[str, str | None], str | None]:
    """`[docker].build_args` and `default_repository` as Pants reads this pants.toml (its
    %(env.X)s interpolation and list syntax, and a PANTS_DOCKER_BUILD_ARGS override)."""
    config = Config.load([FileContent(PANTS_TOML, pants_toml)], env=env) if pants_toml else None
    components = [
        ListValueComponent.create(value)
        for value in (config.get("docker", "build_args") if config else [])
    ]
    if env.get("PANTS_DOCKER_BUILD_ARGS"):
        components.append(ListValueComponent.create(env["PANTS_DOCKER_BUILD_ARGS"]))
    build_args = ListValueComponent.merge(components).val if components else []
    repositories = config.get("docker", "default_repository") if config else []
    return DockerBuildArgs.from_strings(*build_args).to_dict(), (repositories or [None])[-1]


@goal_rule
async def bbc_check(
    console: Console,
    check: CheckSubsystem,
    graph: ImageGraph,
    targets: Targets,
    env: CompleteEnvironmentVars,
) -> Check:
    requested = {t.address for t in targets if t.address in graph.infos}
    if check.since.startswith("-"):
        console.print_stderr(
            f"bbc-check: {check.since!r} is not a git ref: pass one, --since=main."
        )
        return Check(exit_code=1)
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
    merge_base = base.stdout.strip()
    # Pants' own --changed-since files: since the merge base, uncommitted and untracked ones too.
    changed_files = sorted(
        ChangedOptions(check.since, None, DependentsOption.NONE).changed_files(
            maybe_worktree.git_worktree
        )
    )
    images = [a for a in graph.infos if graph.infos[a].error is None]
    token = await Get(RunToken)
    await Get(
        SaidUncopiedFiles,
        SayUncopiedFiles(tuple(a for a in images if a in requested), token.value),
    )
    all_inputs = await MultiGet(Get(ImageInputs, ImageInputsRequest(a)) for a in images)
    existing = await Get(Paths, PathGlobs(changed_files))
    deleted = sorted(set(changed_files) - set(existing.files))
    owners_of_deleted = await MultiGet(Get(Owners, OwnersRequest((f,))) for f in deleted)
    paths = {PANTS_TOML} | {graph.infos[a].build_file for a in images}
    for inputs in all_inputs:
        paths |= {d.build_file for d in inputs.definitions} | {p for p, _ in inputs.lock_names}
    old, now = await MultiGet(
        Get(FilesAtRevision, FilesAtRevisionRequest(merge_base, tuple(sorted(paths)))),
        Get(DigestContents, PathGlobs([PANTS_TOML])),
    )
    text = {p: c.decode(errors="replace") for p, c in old.files.items()}
    old_args, old_repository = _docker_settings(old.files.get(PANTS_TOML, b""), env)
    _, now_repository = _docker_settings(now[0].content if now else b"", env)
    repository_changed = old_repository != now_repository

    own: dict[str, list[str]] = {}
    for address, inputs in zip(images, all_inputs):
        own_paths = {p for p, _ in inputs.inputs.files}
        changed = [f for f in changed_files if f in own_paths] + [
            f for f, owners in zip(deleted, owners_of_deleted) if set(owners) & inputs.file_targets
        ]
        own[str(address)] = own_changes(
            inputs.inputs,
            changed,
            {d.address: d.read(text.get(d.build_file, "")) for d in inputs.definitions},
            {p: lock_subset(text.get(p, ""), names) for p, names in inputs.lock_names},
            inputs.build_args.resolve(old_args),
            repository_changed,
        )
    problems = []
    needing = []
    stages = {str(a): tuple(str(s) for _, s in i.stage_images) for a, i in graph.infos.items()}
    for address, reasons in content_changes(graph.hierarchy, own, stages).items():
        image = graph.address(address)
        info = graph.infos[image]
        then = field_value(
            text.get(info.build_file, ""),
            image.target_name,
            os.path.basename(image.spec_path),
            "version",
        )
        if then is None or then != info.version or image not in requested:
            continue  # new since the ref, already bumped, or not asked about
        needing.append(address)
        problems.append(
            f"{address}: its content changed since {check.since} ({'; '.join(reasons)}), but its "
            f"version is still {info.version}. A released version never changes."
        )
    for address in sorted(requested):
        problems.extend(graph.problems(address))
    for problem in problems:
        console.print_stderr(problem + "\n")
    if needing:
        console.print_stderr(f"Fix: {fix_command(needing, graph.hierarchy)}")
    if not requested:
        console.print_stderr("bbc-check: no images named. Check them all: ./pants bbc-check ::")
    elif not problems:
        console.print_stdout(
            f"{len(requested)} images: versions and ranges are consistent with {check.since}."
        )
    return Check(exit_code=1 if problems else 0)


def rules():
    return collect_rules()
