"""A release's signed attestations in the rule graph: publish records them (publish/release.py,
with `[bbc].signing_key`), bbc-verify checks them (goals.py). The statements and envelopes are
plain data (statements.py); dsse.sh signs and verifies with GnuPG; the registry client stores them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants.version import VERSION as PANTS_VERSION

from bbc import __version__
from bbc.build.output import output_tail
from bbc.build.types import ImageBuild, ImageIdentityRequest
from bbc.model.content import stable_digest
from bbc.model.identity import ImageIdentity
from bbc.model.inputs import ImageInputs, ImageInputsRequest
from bbc.model.labels import BASE_DIGEST, BASE_NAME, SOURCE
from bbc.model.tags import attestation_tag, ref
from bbc.publish.registry import (
    Artifact,
    ArtifactRequest,
    Registries,
    push_artifact,
    read_labels,
)
from bbc.signing.signatures import Signing
from bbc.signing.statements import (
    BuildFacts,
    attestation_layout,
    attestation_problems,
    is_commit,
    provenance_statement,
    read_attestations,
    sbom_statement,
    signed_envelope,
    source_revision,
    to_sign,
)
from bbc.util_rules.docker import per_run_process
from bbc.util_rules.git import GitRequest, GitResult
from bbc.util_rules.run_token import RunToken
from bbc.util_rules.scripts import script

_DSSE = script(__name__, "dsse.sh")


@dataclass(frozen=True)
class GpgRequest:
    mode: str  # "sign" or "verify"
    files: tuple[tuple[str, bytes], ...]  # N.pae (and N.sig to verify)
    count: int


@dataclass(frozen=True)
class GpgResult:
    output: tuple[bytes, ...] = ()  # sign: each N.sig; verify: b"yes" or b"no" each
    failure: str | None = None


@rule(desc="Signing or verifying attestations with GnuPG")
async def run_gpg(
    request: GpgRequest, setup: Signing, bash: BashBinary, run_token: RunToken
) -> GpgResult:
    files = await Get(Digest, CreateDigest([FileContent(p, b) for p, b in request.files]))
    names = tuple(str(n) for n in range(request.count))
    result = await Get(
        FallibleProcessResult,
        Process,
        per_run_process(
            (bash.path, "-c", _DSSE, "bash", request.mode, *names),
            description=f"{'Signing' if request.mode == 'sign' else 'Verifying'} attestations "
            f"with {setup.key}",
            run_token=run_token.value,
            env={**dict(setup.env), "BBC_KEY": setup.key},
            input_digest=files,
            output_files=tuple(f"{n}.sig" for n in names) if request.mode == "sign" else (),
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        return GpgResult(failure=output_tail(result.stderr.decode(errors="replace")))
    if request.mode == "verify":
        said = dict(line.split() for line in result.stdout.decode().splitlines() if line)
        return GpgResult(tuple(said.get(n, "no").encode() for n in names))
    signed = {c.path: c.content for c in await Get(DigestContents, Digest, result.output_digest)}
    return GpgResult(tuple(signed[f"{n}.sig"] for n in names))


async def _paths(address: Address) -> list[str]:
    inputs = await Get(ImageInputs, ImageInputsRequest(address))
    return sorted({p for p, _ in inputs.inputs.files} | {d.build_file for d in inputs.definitions})


async def uncommitted(address: Address) -> str | None:
    """Why a signed release of the image cannot be made from this checkout: its files have
    changes git has not committed (or git ignores some), so its provenance could not name a
    commit that holds what it is built from."""
    paths = await _paths(address)
    status = await Get(GitResult, GitRequest(("status", "--porcelain", "--ignored", "--", *paths)))
    changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    if status.exit_code != 0 or not changed:
        return None
    return (
        f"its files have changes that are not committed ({', '.join(changed)}), and a signed "
        "release's provenance names the commit it was built from: commit them, then publish."
    )


async def _commit(address: Address) -> str | None:
    """The last commit of the image's files (committed, as `uncommitted` checks): a commit that
    holds exactly what it is built from, whatever an image built earlier says in its labels."""
    paths = await _paths(address)
    found = await Get(GitResult, GitRequest(("log", "-1", "--format=%H", "--", *paths)))
    return found.stdout.strip() or None if found.exit_code == 0 else None


async def _facts(registries: Registries, address: str, build: ImageBuild, released: str):
    """What the release `released` (repository@digest) was built from; or why the registry did
    not say."""
    labels = await read_labels(registries, address, released, f"{released}:provenance")
    if not isinstance(labels, dict):
        return labels or f"{released} is not in its registry"
    problem = await uncommitted(build.address)
    if problem:
        return problem
    own = (await Get(ImageInputs, ImageInputsRequest(build.address))).inputs
    # A variant's own build arguments come after (and win over) the image's.
    identity = await Get(
        ImageIdentity, ImageIdentityRequest(build.address, image_variant=build.image_variant)
    )
    parent = (labels[BASE_NAME], labels[BASE_DIGEST]) if labels.get(BASE_DIGEST) else None
    return BuildFacts(
        target=str(build.address),
        image_variant=build.image_variant,
        content_hash=build.content_hash,
        source=labels.get(SOURCE),
        revision=await _commit(build.address),
        files=own.files,
        definitions=own.definitions,
        locks=tuple((path, stable_digest(subset)) for path, subset in own.locks),
        build_args=(*own.build_args, *identity.recipe.build_args),
        parent=parent,
        versions=(("bbc", __version__), ("pants", PANTS_VERSION)),
    )


async def record_attestations(
    registries: Registries,
    setup: Signing,
    address: str,
    repository: str,
    digest: str,
    build: ImageBuild,
    sbom: bytes,
) -> str | None:
    """Sign the release's provenance and SBOM statements and push them as its `.att` artifact
    (the caller checks that none is recorded: recorded attestations are never replaced). The
    failure, if any."""
    facts = await _facts(registries, address, build, f"{repository}@{digest}")
    if isinstance(facts, str):
        return facts
    statements = (
        provenance_statement(repository, digest, facts, setup.builder),
        sbom_statement(repository, digest, json.loads(sbom)),
    )
    signed = await Get(
        GpgResult,
        GpgRequest("sign", tuple((f"{n}.pae", to_sign(s)) for n, s in enumerate(statements)), 2),
    )
    if signed.failure:
        return f"signing its attestations failed: {signed.failure}"
    envelopes = tuple(
        (s["predicateType"], signed_envelope(s, setup.key, sig))
        for s, sig in zip(statements, signed.output)
    )
    target = ref(repository, attestation_tag(digest))
    failure = await push_artifact(
        registries,
        address,
        attestation_layout(envelopes, digest),
        target,
        f"record-attestations:{digest}",
        f"Recording the provenance and SBOM attestations of {repository}@{digest} as {target}",
    )
    return None if failure is None else f"recording its attestations as {target} failed: {failure}"


@dataclass(frozen=True)
class AttestationsRequest:
    address: str  # the registry's
    repository: str
    digest: str  # the release's manifest digest
    # Whether the provenance's source revision must be in this repository (bbc-verify); before
    # signing attestations found in a registry, what matters is whose they are and what about.
    revision: bool = True


@dataclass(frozen=True)
class Attested:
    """What is wrong with a release's attestations (nothing: they are good), and the source
    revision its provenance names."""

    problems: tuple[str, ...]
    revision: str | None = None


@rule(desc="Checking a release's attestations")
async def check_attestations(request: AttestationsRequest, setup: Signing) -> Attested:
    source = ref(request.repository, attestation_tag(request.digest))
    copy = await Get(
        Artifact,
        ArtifactRequest(
            request.address, source, f"attestations:{request.digest}", "the attestations"
        ),
    )
    if copy.failure:
        return Attested((copy.failure,))
    if copy.files is None:
        return Attested((f"no attestations ({source} is not there)",))
    try:
        found = read_attestations(copy.files)
    except ValueError as e:
        return Attested((f"{source} is not readable: {e}",))
    pairs = [(i, sig) for i, a in enumerate(found) for _, sig in a.signatures]
    files = [(f"{n}.pae", found[i].signed) for n, (i, _) in enumerate(pairs)]
    files += [(f"{n}.sig", sig) for n, (_, sig) in enumerate(pairs)]
    checked = await Get(GpgResult, GpgRequest("verify", tuple(files), len(pairs)))
    if checked.failure:
        return Attested((f"verifying {source} failed: {checked.failure}",))
    verified = tuple(
        any(ok == b"yes" for (i, _), ok in zip(pairs, checked.output) if i == index)
        for index in range(len(found))
    )
    revision = source_revision(found)
    known = not request.revision
    if request.revision and revision and is_commit(revision):
        git = await Get(GitResult, GitRequest(("cat-file", "-e", f"{revision}^{{commit}}")))
        known = git.exit_code == 0
    return Attested(tuple(attestation_problems(found, request.digest, verified, known)), revision)


def rules():
    return collect_rules()
