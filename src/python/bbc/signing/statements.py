"""A release's attestations, as plain data: in-toto statements about its manifest digest, each in
a DSSE envelope (securesystemslib's) signed with `[bbc].signing_key`: its SLSA v1 provenance
(what it was built from, and by what) and its SBOM. The signature is GnuPG's detached signature
over the envelope's pre-authentication encoding (PAE), which `gpg --verify` checks.

Both envelopes are one registry artifact, tagged `sha256-<hex>.att` (cosign's convention).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Mapping

from securesystemslib.dsse import Envelope
from securesystemslib.signer import Signature

from bbc.publish.artifact import artifact_documents, artifact_layout

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
ENVELOPE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json"
PROVENANCE = "https://slsa.dev/provenance/v1"
SBOM = "https://cyclonedx.org/bom"
BUILD_TYPE = "urn:bbc:build-type:docker-image:v1"
_NAMES = {PROVENANCE: "provenance", SBOM: "SBOM attestation"}
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class BuildFacts:
    """What a release was built from, as publish knows it: the image's inputs (model/inputs.py)
    and the labels the build put on it."""

    target: str
    image_variant: str | None
    content_hash: str
    source: str | None  # the repository (org.opencontainers.image.source)
    revision: str | None  # the git commit of the image's files
    files: tuple[tuple[str, str], ...]  # (path, sha256 hex, "+x" appended when executable)
    definitions: tuple[tuple[str, str], ...]  # (target address, its BUILD definition)
    locks: tuple[tuple[str, str], ...]  # (lockfile, sha256 of the part the image installs)
    build_args: tuple[str, ...]  # NAME=value
    parent: tuple[str, str] | None  # (the parent release's name, its manifest digest)
    versions: tuple[tuple[str, str], ...]  # (tool, version): the plugin's and Pants'


def _subject(repository: str, digest: str) -> list[dict]:
    algorithm, hex_digest = digest.split(":", 1)
    return [{"name": repository, "digest": {algorithm: hex_digest}}]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def provenance_statement(repository: str, digest: str, facts: BuildFacts, builder: str) -> dict:
    """The SLSA v1 provenance of the release `repository@digest`, built by `builder`."""
    dependencies: list[dict] = []
    if facts.revision:
        uri = f"git+{facts.source}" if facts.source else "git"
        dependencies.append({"uri": uri, "digest": {"gitCommit": facts.revision}})
    for path, fingerprint in facts.files:
        hex_digest, executable = fingerprint.removesuffix("+x"), fingerprint.endswith("+x")
        dependencies.append(
            {"name": path, "digest": {"sha256": hex_digest}}
            | ({"annotations": {"executable": True}} if executable else {})
        )
    for address, definition in facts.definitions:
        name = f"the BUILD definition of {address}"
        dependencies.append({"name": name, "digest": {"sha256": _sha256(definition)}})
    for lockfile, hex_digest in facts.locks:
        name = f"{lockfile}: the distributions the image installs"
        dependencies.append({"name": name, "digest": {"sha256": hex_digest}})
    if facts.parent:
        name, parent_digest = facts.parent
        algorithm, hex_digest = parent_digest.split(":", 1)
        dependencies.append(
            {"uri": f"docker://{name}", "name": "parent", "digest": {algorithm: hex_digest}}
        )
    parameters: dict = {
        "target": facts.target,
        "buildArgs": dict(a.split("=", 1) if "=" in a else (a, None) for a in facts.build_args),
    }
    if facts.image_variant:
        parameters["variant"] = facts.image_variant
    if facts.source or facts.revision:
        parameters["source"] = {"uri": facts.source, "revision": facts.revision}
    return {
        "_type": STATEMENT_TYPE,
        "subject": _subject(repository, digest),
        "predicateType": PROVENANCE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": parameters,
                "internalParameters": {"contentHash": facts.content_hash},
                "resolvedDependencies": dependencies,
            },
            "runDetails": {"builder": {"id": builder, "version": dict(facts.versions)}},
        },
    }


def sbom_statement(repository: str, digest: str, sbom: Mapping) -> dict:
    """The release's CycloneDX SBOM as an in-toto statement about it."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": _subject(repository, digest),
        "predicateType": SBOM,
        "predicate": dict(sbom),
    }


def _payload(statement: Mapping) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()


def to_sign(statement: Mapping) -> bytes:
    """What the key signs for the statement: its envelope's PAE."""
    return Envelope(_payload(statement), PAYLOAD_TYPE, {}).pae()


def signed_envelope(statement: Mapping, keyid: str, signature: bytes) -> bytes:
    """The statement's DSSE envelope (JSON) with the key's signature over `to_sign(statement)`."""
    envelope = Envelope(
        _payload(statement), PAYLOAD_TYPE, {keyid: Signature(keyid, signature.hex())}
    )
    return json.dumps(envelope.to_dict(), sort_keys=True).encode()


def attestation_layout(envelopes: tuple[tuple[str, bytes], ...], digest: str) -> dict[str, bytes]:
    """The OCI layout of the release's attestations artifact: one layer per (predicate type,
    envelope), annotated with its predicate type as cosign does."""
    layers = [(ENVELOPE_MEDIA_TYPE, e, {"predicateType": kind}) for kind, e in envelopes]
    return artifact_layout(ENVELOPE_MEDIA_TYPE, layers, {"io.bbc.attestations-of": digest})


@dataclass(frozen=True)
class Attestation:
    """One envelope read back: its statement, what was signed, and its signatures."""

    statement: dict
    signed: bytes  # the PAE
    signatures: tuple[tuple[str, bytes], ...]  # (keyid, signature)

    @property
    def kind(self) -> str:
        return str(self.statement.get("predicateType"))


def read_attestations(files: Mapping[str, bytes]) -> tuple[Attestation, ...]:
    """The envelopes in skopeo's `dir:` copy of an attestations artifact. ValueError when the
    copy or an envelope is not readable."""
    found = []
    for blob, _ in artifact_documents(files, ENVELOPE_MEDIA_TYPE):
        try:
            envelope = Envelope.from_dict(json.loads(blob))
            statement = json.loads(envelope.payload)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"an envelope in it is not a DSSE envelope of a statement ({e})")
        if envelope.payload_type != PAYLOAD_TYPE or not isinstance(statement, dict):
            raise ValueError(f"an envelope in it holds {envelope.payload_type}, not a statement")
        signatures = tuple((k, bytes.fromhex(s.signature)) for k, s in envelope.signatures.items())
        found.append(Attestation(statement, envelope.pae(), signatures))
    return tuple(found)


def source_revision(attestations: tuple[Attestation, ...]) -> str | None:
    """The git commit the provenance says the release was built from, as it says it."""
    for attestation in attestations:
        if attestation.kind == PROVENANCE:
            for dependency in _dependencies(attestation.statement):
                commit = _mapping(dependency.get("digest")).get("gitCommit")
                if commit:
                    return str(commit)
    return None


def is_commit(revision: str) -> bool:
    return _COMMIT.fullmatch(revision) is not None


def _mapping(value: object) -> Mapping:
    """`value` if it is a JSON object, else an empty one: statements are read as untrusted."""
    return value if isinstance(value, Mapping) else {}


def _dependencies(statement: Mapping) -> list[Mapping]:
    definition = _mapping(_mapping(statement.get("predicate")).get("buildDefinition"))
    found = definition.get("resolvedDependencies")
    return [d for d in found if isinstance(d, Mapping)] if isinstance(found, list) else []


def _subjects(statement: Mapping, algorithm: str) -> list[str]:
    found = statement.get("subject")
    subjects = found if isinstance(found, list) else []
    return [str(_mapping(_mapping(s).get("digest")).get(algorithm)) for s in subjects]


def attestation_problems(
    attestations: tuple[Attestation, ...],
    digest: str,
    verified: tuple[bool, ...],
    revision_known: bool,
) -> list[str]:
    """What is wrong with a release's attestations: `verified[i]` says whether a signature of
    attestation i is the key's; `revision_known` whether this repository has the provenance's
    source revision. Empty when the release's provenance and SBOM are both there, signed by the
    key, about `digest`, and the revision is a commit this repository has."""
    problems = []
    algorithm, hex_digest = digest.split(":", 1)
    kinds = {a.kind for a in attestations}
    problems += [f"no {_NAMES[k]}" for k in (PROVENANCE, SBOM) if k not in kinds]
    for attestation, good in zip(attestations, verified):
        name = _NAMES.get(attestation.kind, f"the attestation {attestation.kind}")
        if not good:
            problems.append(f"its {name} is not signed by the key")
        subjects = _subjects(attestation.statement, algorithm)
        if hex_digest not in subjects:
            named = ", ".join(f"{algorithm}:{s}" for s in subjects if s != "None") or "nothing"
            problems.append(f"its {name} is about {named}, not this release")
    revision = source_revision(attestations)
    if PROVENANCE in kinds:
        if revision is None:
            problems.append("its provenance names no source revision")
        elif not is_commit(revision):
            problems.append(f"its provenance's source revision {revision!r} is not a commit id")
        elif not revision_known:
            problems.append(
                f"its provenance's source revision {revision} is not in this repository (in a "
                "shallow clone, fetch the history first: git fetch --unshallow)"
            )
    return problems
