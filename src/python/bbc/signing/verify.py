"""`./pants bbc-verify [images]`: is each BBC image's release signed, tag by tag?

Per registry, the newest release (every release with `--all`): each tag that names it (the
version, the content tag, the moving tags and its variants' tags), and every moving tag of the
repository wherever it points, read from the registry now, must be covered by a signature in
`[bbc].signature_store` made with `[bbc].signing_key` for that tag and the manifest it names
now. A tag moved to other bits, a signature by another key or for another tag, and a missing
signature each fail, naming the tag.
"""

from __future__ import annotations

from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.option_types import BoolOption

from bbc.graph.image_graph import ImageGraph
from bbc.graph.named import named_images
from bbc.publish.history import ReleaseRow, moving_tags
from bbc.publish.registry import Registries, list_tags, read_manifests
from bbc.publish.registry_releases import ImageReleases, ImageReleasesRequest
from bbc.signing.signatures import Signatures, SignaturesRequest, Signing


class VerifySubsystem(GoalSubsystem):
    name = "bbc-verify"
    help = (
        "Check that BBC images' releases are signed with [bbc].signing_key: every tag of the "
        "newest release in each registry (`./pants bbc-verify ::`)."
    )
    all = BoolOption(default=False, help="Check every release, not only the newest.")


class Verify(Goal):
    subsystem_cls = VerifySubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def release_tags(row: ReleaseRow) -> tuple[str, ...]:
    """Every tag that names the release: its version, content tag and moving tags, and its
    variants' versions and moving tags."""
    tags = [row.version, *([row.content_tag] if row.content_tag else []), *row.moving]
    tags += [row.variant_tag(name) for name, _ in row.variants]
    return tuple(dict.fromkeys([*tags, *row.variant_moving]))


@goal_rule
async def bbc_verify(
    console: Console,
    targets: Targets,
    graph: ImageGraph,
    subsystem: VerifySubsystem,
    registries: Registries,
    setup: Signing,
) -> Verify:
    images = named_images(console, VerifySubsystem.name, targets, graph)
    if not images:
        return Verify(exit_code=0)
    if not setup.key:
        console.print_stderr(
            "bbc-verify: no key to verify with: set [bbc].signing_key (and "
            "[bbc].signature_store) in pants.toml."
        )
        return Verify(exit_code=1)
    found = await MultiGet(Get(ImageReleases, ImageReleasesRequest(a)) for a in images)
    failed = False
    for image in found:
        for registry in image.registries:
            where = f"{image.address} in @{registry.alias}"
            problem = registry.failure
            if not problem and not registry.rows:
                console.print_stdout(f"{where}: no release yet")
                continue
            if not problem:
                held = await list_tags(registries, registry.address, registry.repository, "verify")
                problem = held if isinstance(held, str) else None
            if problem:
                failed = True
                console.print_stderr(f"{where}: {problem}")
                continue
            # What each tag should name: its release's tags, and every moving tag (wherever it
            # points now, it must be a signed release: a consumer pulls it).
            owner = {t: "a moving tag" for t in moving_tags(held)}
            for row in registry.rows if subsystem.all else registry.rows[:1]:
                owner.update((t, f"the release {row.version}") for t in release_tags(row))
            refs = tuple(f"{registry.repository}:{t}" for t in owner)
            named = await read_manifests(registries, registry.address, refs, "verify")
            if isinstance(named, str):
                failed = True
                console.print_stderr(f"{where}: {named}")
                continue
            pairs = tuple((r.rpartition(":")[2], d) for r, d in named.items() if d)
            checked = await Get(
                Signatures,
                SignaturesRequest(registry.address, registry.repository, pairs, sign=False),
            )
            if checked.failure:
                failed = True
                console.print_stderr(f"{where}: {checked.failure}")
                continue
            digests = dict(pairs)
            for tag, state in checked.states:
                ref = f"{registry.repository}:{tag} ({digests[tag]})"
                if state == "signed":
                    console.print_stdout(f"✓ {ref} is signed by {setup.key}")
                    continue
                failed = True
                console.print_stderr(
                    f"✕ {ref}, {owner[tag]}: no signature by {setup.key} for this tag and "
                    f"manifest in {setup.store}. If the tag was moved to other bits, publish "
                    "its release again from this repository; if it was released before "
                    "signing, publish it again to sign it."
                )
    return Verify(exit_code=1 if failed else 0)


def rules():
    return collect_rules()
