"""`./pants bbc-verify [images]` and `./pants bbc-sign [images]`: releases' signatures, tag by
tag, read from the registries now.

Per registry, the newest release (every release with `--all`). `bbc-verify`: each tag that names
it (the version, the content tag, the moving tags and its variants' tags) and every moving tag
of the repository wherever it points must be covered by a signature in `[bbc].signature_store`
made with `[bbc].signing_key` for that tag and the manifest it names now; a tag moved to other
bits, a signature by another key or for another tag, and a missing signature each fail, naming
the tag. Each release looked at (and its variants) must have its provenance and SBOM attested:
signed by the key, about its digest, from a revision this repository has
(signing/attestations.py). `bbc-sign` also attests a release that has no attestations when the
sources here are the ones it was built from. `bbc-sign`: signs each tag that names the release
and has no signature yet (a release published before signing was set up), without building or
pushing.
"""

from __future__ import annotations

from pants.engine.addresses import Address
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import Targets
from pants.option.option_types import BoolOption, StrListOption

from bbc.build.types import ImageBuild, ImageIdentityRequest
from bbc.graph.image_graph import ImageGraph
from bbc.graph.named import named_images
from bbc.model.identity import ImageIdentity
from bbc.model.tags import attestation_tag, tag_of
from bbc.publish.history import (
    RegistryReleases,
    ReleaseRow,
    content_tags,
    moving_tags,
    variant_of,
)
from bbc.publish.registry import (
    Artifact,
    ArtifactRequest,
    Registries,
    list_tags,
    read_manifests,
)
from bbc.publish.registry_releases import ImageReleases, ImageReleasesRequest
from bbc.sbom.registry_sbom import ReleaseSBOM, ReleaseSBOMRequest
from bbc.signing.attestations import AttestationsRequest, Attested, record_attestations
from bbc.signing.signatures import Signatures, SignaturesRequest, Signing, SigningReady


class VerifySubsystem(GoalSubsystem):
    name = "bbc-verify"
    help = (
        "Check that BBC images' releases are signed with [bbc].signing_key: every tag of the "
        "newest release in each registry, every moving tag, and the release's provenance and "
        "SBOM attestations (`./pants bbc-verify ::`)."
    )
    all = BoolOption(default=False, help="Check every release, not only the newest.")
    refs = StrListOption(
        default=[],
        help=(
            "Registry references to check as well as (or instead of) images: "
            "`<registry>/<repository>:<tag>`, as a host would pull them."
        ),
    )


class Verify(Goal):
    subsystem_cls = VerifySubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


class SignSubsystem(GoalSubsystem):
    name = "bbc-sign"
    help = (
        "Sign BBC images' releases that are in their registries already (published before "
        "[bbc].signing_key was set): every tag of the newest release, and its provenance and "
        "SBOM attestations when the sources here are its own (`./pants bbc-sign ::`)."
    )
    all = BoolOption(default=False, help="Sign every release, not only the newest.")


class Sign(Goal):
    subsystem_cls = SignSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _release_of(row: ReleaseRow, tag: str) -> tuple[str, str]:
    """The release (or variant release) a tag of `row` belongs to, and its manifest digest: a
    variant's tags (its content tag too) are the variant's."""
    tags = release_tags(row)
    for name, digest in row.variants:
        variant = row.variant_tag(name)
        if tag.startswith(f"{variant}-") or (tags.get(tag) == digest != row.digest):
            return variant, digest
    return row.version, row.digest


def release_tags(row: ReleaseRow) -> dict[str, str]:
    """Every tag that names the release, with the manifest it names: its version, content tag
    and moving tags (the release's digest), and its variants' versions and moving tags (each
    variant's)."""
    tags = {t: row.digest for t in (row.version, row.content_tag, *row.moving) if t}
    variants = dict(row.variants)
    for name, digest in row.variants:
        tags[row.variant_tag(name)] = digest
    for tag in row.variant_moving:
        name = variant_of(tag, tuple(variants), row.template)
        if name in variants:
            tags[tag] = variants[name]
    return tags


async def _tags(
    registries: Registries, registry: RegistryReleases, every: bool, verifying: bool
) -> dict[str, tuple[str, ReleaseRow | None]] | str:
    """Per tag to look at: the manifest it names now, and the release it is a tag of (None: a
    moving tag no release looked at has); or why the registry did not say. The variants'
    content tags are among them; `verifying`: every moving tag of the repository too, and the
    releases' attestations' tags (which name the attestations)."""
    owner: dict[str, ReleaseRow | None] = {}
    held = await list_tags(registries, registry.address, registry.repository, "signatures")
    if isinstance(held, str):
        return held
    if verifying:
        owner = {t: None for t in moving_tags(held)}
    contents = content_tags(held)  # version -> its content tag
    for row in registry.rows if every else registry.rows[:1]:
        owner.update((t, row) for t in release_tags(row))
        digests = (row.digest, *(d for _, d in row.variants if d))
        if verifying:
            owner.update((attestation_tag(d), row) for d in digests if attestation_tag(d) in held)
        for name, _ in row.variants:
            content = contents.get(row.variant_tag(name))
            if content:
                owner[content] = row
    refs = tuple(f"{registry.repository}:{t}" for t in owner)
    named = await read_manifests(registries, registry.address, refs, "signatures")
    if isinstance(named, str):
        return named
    return {r.rpartition(":")[2]: (d, owner[r.rpartition(":")[2]]) for r, d in named.items() if d}


def _no_key(console: Console, goal: str) -> None:
    console.print_stderr(
        f"{goal}: no key: set [bbc].signing_key (and [bbc].signature_store) in pants.toml."
    )


async def _released(
    console: Console, goal: str, targets: Targets, graph: ImageGraph, setup: Signing
) -> int | list[tuple[Address, str, RegistryReleases]]:
    """Each named image's registries that hold a release of it or could not say, with the image
    and where it is for messages; or the exit code when there is nothing to do (said)."""
    images = named_images(console, goal, targets, graph)
    if not images:
        return 0
    if not setup.key:
        _no_key(console, goal)
        return 1
    found = await MultiGet(Get(ImageReleases, ImageReleasesRequest(a)) for a in images)
    released, unregistered = [], []
    for image in found:
        if not image.registries:
            unregistered.append(str(image.address))
        for registry in image.registries:
            where = f"{image.address} in @{registry.alias}"
            if registry.failure or registry.rows:
                released.append((image.address, where, registry))
            else:
                console.print_stdout(f"{where}: no release yet")
    if unregistered:
        console.print_stderr(
            f"{goal}: no registry for {', '.join(unregistered)} (see [docker.registries]): "
            "nothing there to look at."
        )
    # Nothing looked at because no image has a registry (a lost setting, say) is no success.
    return 1 if unregistered and not released else released


def _said(
    console: Console,
    setup: Signing,
    repository: str,
    tags: dict[str, tuple[str, str]],
    checked: Signatures,
) -> bool:
    """Says each tag's verdict (`tags`: tag -> the digest it names, and whose tag it is);
    whether any failed."""
    broken, failed = dict(checked.broken), False
    for tag, state in checked.states:
        digest, whose = tags[tag]
        ref = f"{repository}:{tag} ({digest})"
        if state == "signed":
            console.print_stdout(f"✓ {ref} is signed by {setup.key}")
            continue
        failed = True
        if state == "broken":
            console.print_stderr(
                f"✕ {ref}, {whose}: {broken[tag]} is not a signature, and hosts refuse every tag "
                "of this manifest while it is there: remove it, then run `./pants bbc-sign`."
            )
            continue
        console.print_stderr(
            f"✕ {ref}, {whose}: no signature by {setup.key} for this tag and manifest in "
            f"{setup.store}. If the tag was moved to other bits, publish its release again from "
            "this repository; if it was released before signing, sign it with "
            "`./pants bbc-sign`."
        )
    return failed


async def _attested(
    console: Console,
    setup: Signing,
    address: str,
    repository: str,
    digest: str,
    whose: str,
    built: tuple[str | None, str] = (None, "<image>"),
) -> bool:
    """Checks the attestations of the release `repository@digest` (`built`: the commit it was
    built from, if known, and its image's address, for the fix); whether that failed."""
    checked = await Get(Attested, AttestationsRequest(address, repository, digest))
    where = f"{repository}@{digest}, {whose}"
    if not checked.problems:
        console.print_stdout(
            f"✓ {where}: its provenance (built from {checked.revision}) and SBOM are attested "
            f"by {setup.key}"
        )
        return False
    revision, image = built
    record = (
        f"in a checkout of {revision or 'the commit it was built from'}, run `./pants bbc-sign "
        f"--all {image}`"
    )
    tag = f"{repository}:{attestation_tag(digest)}"
    if any(p.startswith("no attestations") for p in checked.problems):
        fix = f"To record them, {record}."
    elif all("not in this repository" in p for p in checked.problems):
        fix = ""
    elif all("not signed by the key" in p for p in checked.problems):
        fix = (
            "If an earlier key signed them, check with that key's fingerprint as "
            f"[bbc].signing_key; if they are not this repository's, remove {tag} from the "
            f"registry, then {record}."
        )
    else:
        fix = (
            "Recorded attestations are never replaced: if these are not the ones publish "
            f"recorded, remove {tag} from the registry, then {record}."
        )
    console.print_stderr(f"✕ {where}: {'; '.join(checked.problems)}. {fix}".rstrip())
    return True


async def _verify_ref(console: Console, registries: Registries, setup: Signing, ref: str) -> bool:
    """Checks one `<registry>/<repository>:<tag>`; whether it failed."""
    repository, _, tag = ref.rpartition(":")
    if not tag or "/" in tag or "/" not in repository:
        console.print_stderr(
            f"bbc-verify: {ref!r} in --bbc-verify-refs is not a tag reference: give "
            "<registry>/<repository>:<tag>, such as registry.example.com/bbc/python:1.2.3."
        )
        return True
    address = repository.split("/", 1)[0]
    named = await read_manifests(registries, address, (ref,), "verify")
    if isinstance(named, str) or named[ref] is None:
        console.print_stderr(f"✕ {ref}: {named if isinstance(named, str) else 'no such tag'}")
        return True
    digest = named[ref]
    checked = await Get(
        Signatures, SignaturesRequest(address, repository, ((tag, digest),), sign=False)
    )
    if checked.failure:
        console.print_stderr(f"✕ {ref}: {checked.failure}")
        return True
    failed = _said(console, setup, repository, {tag: (digest, "as given")}, checked)
    return await _attested(console, setup, address, repository, digest, ref) or failed


@goal_rule
async def bbc_verify(
    console: Console,
    targets: Targets,
    graph: ImageGraph,
    subsystem: VerifySubsystem,
    registries: Registries,
    setup: Signing,
) -> Verify:
    failed = False
    if subsystem.refs:
        if not setup.key:
            _no_key(console, VerifySubsystem.name)
            return Verify(exit_code=1)
        for ref in subsystem.refs:
            failed = await _verify_ref(console, registries, setup, ref) or failed
        if not targets:
            return Verify(exit_code=1 if failed else 0)
    released = await _released(console, VerifySubsystem.name, targets, graph, setup)
    if isinstance(released, int):
        return Verify(exit_code=released or int(failed))
    for image, where, registry in released:
        tags = registry.failure or await _tags(registries, registry, subsystem.all, True)
        checked = (
            Signatures(failure=tags)
            if isinstance(tags, str)
            else await Get(
                Signatures,
                SignaturesRequest(
                    registry.address,
                    registry.repository,
                    tuple((t, d) for t, (d, _) in tags.items()),
                    sign=False,
                ),
            )
        )
        if checked.failure:
            failed = True
            console.print_stderr(f"{where}: {checked.failure}")
            continue
        whose = {
            t: (d, f"the release {_release_of(row, t)[0]}" if row else "a moving tag")
            for t, (d, row) in tags.items()  # type: ignore[union-attr]
        }
        failed = _said(console, setup, registry.repository, whose, checked) or failed
        for row in registry.rows if subsystem.all else registry.rows[:1]:
            releases = [(row.digest, f"the release {row.version}")]
            releases += [(d, f"the release {row.variant_tag(v)}") for v, d in row.variants if d]
            for digest, release in releases:
                failed = (
                    await _attested(
                        console,
                        setup,
                        registry.address,
                        registry.repository,
                        digest,
                        release,
                        (row.revision, str(image)),
                    )
                    or failed
                )
    return Verify(exit_code=1 if failed else 0)


async def _attest(
    registries: Registries,
    setup: Signing,
    registry: RegistryReleases,
    image: ImageBuild,
    digest: str,
    release: str,
    revision: str | None,
) -> str | None:
    """Record the attestations of the release `digest` (built from `revision`) if it has none and the sources here are
    its sources (the registry's tag for the content tag they give names it); the signatures
    still to make for them are made by the caller. What went wrong, if anything."""
    repository = registry.repository
    source = f"{repository}:{attestation_tag(digest)}"
    held = await Get(
        Artifact, ArtifactRequest(registry.address, source, f"sign:{digest}", "the attestations")
    )
    if held.failure:
        return held.failure
    if held.files is not None:  # recorded already: signed only if they are the key's, about it
        found = await Get(
            Attested, AttestationsRequest(registry.address, repository, digest, revision=False)
        )
        if found.problems:
            return (
                f"{source} is not {release}'s attestations by {setup.key} "
                f"({'; '.join(found.problems)}), so it is not signed. Remove that tag from the "
                "registry, then run bbc-sign again to record them."
            )
        return None
    mine = f"{repository}:{image.content_tag}"
    named = await read_manifests(registries, registry.address, (mine,), "sign")
    if isinstance(named, str):
        return named
    if named[mine] != digest:
        return (
            f"{release} has no attestations, and the sources here are not the ones it was built "
            f"from: run `./pants bbc-sign --all {image.address}` in a checkout of "
            f"{revision or 'the commit it was built from'}."
        )
    sbom = await Get(ReleaseSBOM, ReleaseSBOMRequest(registry.address, repository, digest))
    if sbom.text is None:
        return sbom.failure or (
            f"{release} has no SBOM to attest: publish it again from these sources to record both."
        )
    return await record_attestations(
        registries, setup, registry.address, repository, digest, image, sbom.text.encode()
    )


async def _attested_now(
    console: Console,
    registries: Registries,
    setup: Signing,
    address: Address,
    where: str,
    registry: RegistryReleases,
    every: bool,
) -> tuple[tuple[tuple[str, str], ...], bool]:
    """Attests each release looked at (and its variants) that has no attestations: the
    attestations' tags there are to sign (with their digests), and whether one could not be
    attested (said)."""
    failed, refs = False, []
    for row in registry.rows if every else registry.rows[:1]:
        names = (None, *(v for v, d in row.variants if d))
        digests = (row.digest, *(d for _, d in row.variants if d))
        identities = await MultiGet(
            Get(ImageIdentity, ImageIdentityRequest(address, image_variant=v)) for v in names
        )
        for name, digest, identity in zip(names, digests, identities):
            release = f"the release {row.variant_tag(name) if name else row.version}"
            problem = await _attest(
                registries, setup, registry, identity.build, digest, release, row.revision
            )
            if problem:
                failed = True
                console.print_stderr(f"{where}: {problem}")
            else:
                refs.append(f"{registry.repository}:{attestation_tag(digest)}")
    named = await read_manifests(registries, registry.address, tuple(refs), "sign-attestations")
    if isinstance(named, str):
        console.print_stderr(f"{where}: {named}")
        return (), True
    return tuple((tag_of(r), d) for r, d in named.items() if d), failed


@goal_rule
async def bbc_sign(
    console: Console,
    targets: Targets,
    graph: ImageGraph,
    subsystem: SignSubsystem,
    registries: Registries,
    setup: Signing,
) -> Sign:
    released = await _released(console, SignSubsystem.name, targets, graph, setup)
    if isinstance(released, int):
        return Sign(exit_code=released)
    ready = await Get(SigningReady)
    if ready.failure:
        console.print_stderr(f"bbc-sign: nothing signed: {ready.failure}")
        return Sign(exit_code=1)
    failed = False
    for address, where, registry in released:
        tags = registry.failure or await _tags(registries, registry, subsystem.all, False)
        if isinstance(tags, str):
            failed = True
            console.print_stderr(f"{where}: {tags}")
            continue
        # A tag that names other bits than its release's now is not this release's to sign.
        ours = tuple((t, d) for t, (d, row) in tags.items() if row and d == _release_of(row, t)[1])
        attested, unattested = await _attested_now(
            console, registries, setup, address, where, registry, subsystem.all
        )
        failed = failed or unattested
        ours += attested
        done = await Get(
            Signatures,
            SignaturesRequest(registry.address, registry.repository, ours, sign=True),
        )
        if done.failure:
            failed = True
            console.print_stderr(f"{where}: signing failed: {done.failure}")
            continue
        new, old = done.tags("new"), done.tags("signed")
        console.print_stdout(
            f"{where}: signed {', '.join(new) or 'nothing'}"
            + (f" (already signed: {', '.join(old)})" if old else "")
        )
        skipped = sorted(set(tags) - {t for t, _ in ours})
        if skipped:
            failed = True
            console.print_stderr(
                f"{where}: not signed, they name other bits than their release's now: "
                f"{', '.join(skipped)}. Publish the release again to move them back."
            )
    return Sign(exit_code=1 if failed else 0)


def rules():
    return collect_rules()
