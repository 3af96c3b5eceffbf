from __future__ import annotations

import base64
import json

import pytest

from bbc.signing.statements import (
    BUILD_TYPE,
    ENVELOPE_MEDIA_TYPE,
    PAYLOAD_TYPE,
    PROVENANCE,
    SBOM,
    BuildFacts,
    attestation_layout,
    attestation_problems,
    provenance_statement,
    read_attestations,
    sbom_statement,
    signed_envelope,
    source_revision,
    to_sign,
)
from bbc_tests.fakes import skopeo_dir_copy

DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
PARENT = "sha256:" + "ef" * 32
REPOSITORY = "registry.example.com/bbc/python"
KEY = "0123456789ABCDEF0123456789ABCDEF01234567"
FACTS = BuildFacts(
    target="images/python:python",
    image_variant=None,
    content_hash="c0ffee",
    source="https://git.example.com/acme/images",
    revision="1" * 40,
    files=(("images/python/Dockerfile", "aa" * 32), ("images/python/run.sh", "bb" * 32 + "+x")),
    definitions=(("images/python:python", 'docker_image(name="python")'),),
    locks=(("3rdparty/python/images.lock", "cc" * 32),),
    build_args=("PIP_INDEX_URL=https://pypi.example.com/simple", "EMPTY"),
    parent=("registry.example.com/bbc/root:1.0.0", PARENT),
    versions=(("bbc", "0.9.0"), ("pants", "2.17.1")),
)


def test_the_provenance_names_the_release_its_sources_inputs_parent_and_builder() -> None:
    statement = provenance_statement(REPOSITORY, DIGEST, FACTS, "urn:example:ci")
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [{"name": REPOSITORY, "digest": {"sha256": "ab" * 32}}]
    assert statement["predicateType"] == PROVENANCE == "https://slsa.dev/provenance/v1"
    definition = statement["predicate"]["buildDefinition"]
    assert definition["buildType"] == BUILD_TYPE
    assert definition["externalParameters"] == {
        "target": "images/python:python",
        "buildArgs": {"PIP_INDEX_URL": "https://pypi.example.com/simple", "EMPTY": None},
        "source": {"uri": "https://git.example.com/acme/images", "revision": "1" * 40},
    }
    assert definition["internalParameters"] == {"contentHash": "c0ffee"}
    dependencies = definition["resolvedDependencies"]
    assert dependencies[0] == {
        "uri": "git+https://git.example.com/acme/images",
        "digest": {"gitCommit": "1" * 40},
    }
    assert {"name": "images/python/Dockerfile", "digest": {"sha256": "aa" * 32}} in dependencies
    assert {
        "name": "images/python/run.sh",
        "digest": {"sha256": "bb" * 32},
        "annotations": {"executable": True},
    } in dependencies
    [build] = [d for d in dependencies if d.get("name", "").startswith("the BUILD definition")]
    assert build["name"] == "the BUILD definition of images/python:python"
    assert {
        "name": "3rdparty/python/images.lock: the distributions the image installs",
        "digest": {"sha256": "cc" * 32},
    } in dependencies
    assert dependencies[-1] == {
        "uri": "docker://registry.example.com/bbc/root:1.0.0",
        "name": "parent",
        "digest": {"sha256": "ef" * 32},
    }
    assert statement["predicate"]["runDetails"] == {
        "builder": {"id": "urn:example:ci", "version": {"bbc": "0.9.0", "pants": "2.17.1"}}
    }


def test_a_variant_and_a_root_say_so_and_name_no_parent() -> None:
    root = BuildFacts(**{**FACTS.__dict__, "parent": None, "image_variant": "cuda12"})
    statement = provenance_statement(REPOSITORY, DIGEST, root, "urn:example:ci")
    definition = statement["predicate"]["buildDefinition"]
    assert definition["externalParameters"]["variant"] == "cuda12"
    assert all(d.get("name") != "parent" for d in definition["resolvedDependencies"])


def _signed(statement: dict, signature: bytes = b"sig") -> tuple[str, bytes]:
    return statement["predicateType"], signed_envelope(statement, KEY, signature)


def test_envelopes_sign_the_dsse_encoding_and_read_back_from_the_registry_artifact() -> None:
    provenance = provenance_statement(REPOSITORY, DIGEST, FACTS, "urn:example:ci")
    sbom = sbom_statement(REPOSITORY, DIGEST, {"bomFormat": "CycloneDX", "specVersion": "1.6"})
    assert sbom["predicateType"] == SBOM and sbom["predicate"]["bomFormat"] == "CycloneDX"
    payload = json.dumps(provenance, sort_keys=True, separators=(",", ":")).encode()
    assert to_sign(provenance) == b"DSSEv1 %d %b %d %b" % (
        len(PAYLOAD_TYPE),
        PAYLOAD_TYPE.encode(),
        len(payload),
        payload,
    )
    envelope = json.loads(signed_envelope(provenance, KEY, b"\x01\x02"))
    assert envelope == {
        "payload": base64.b64encode(payload).decode(),
        "payloadType": PAYLOAD_TYPE,
        "signatures": [{"keyid": KEY, "sig": base64.b64encode(b"\x01\x02").decode()}],
    }

    layout = attestation_layout((_signed(provenance, b"one"), _signed(sbom, b"two")), DIGEST)
    [entry] = json.loads(layout["index.json"])["manifests"]
    manifest = json.loads(layout[f"blobs/sha256/{entry['digest'][7:]}"])
    assert manifest["artifactType"] == ENVELOPE_MEDIA_TYPE
    assert [layer["annotations"] for layer in manifest["layers"]] == [
        {"predicateType": PROVENANCE},
        {"predicateType": SBOM},
    ]
    found = read_attestations(skopeo_dir_copy(layout))
    assert [a.statement for a in found] == [provenance, sbom]
    assert [a.signed for a in found] == [to_sign(provenance), to_sign(sbom)]
    assert [a.signatures for a in found] == [((KEY, b"one"),), ((KEY, b"two"),)]
    assert source_revision(found) == "1" * 40


def test_an_envelope_that_holds_no_statement_is_unreadable() -> None:
    layout = attestation_layout(((PROVENANCE, b"not json"),), DIGEST)
    with pytest.raises(ValueError, match="not a DSSE envelope of a statement"):
        read_attestations(skopeo_dir_copy(layout))


def _attestations(provenance_digest: str = DIGEST, sbom_digest: str = DIGEST):
    provenance = provenance_statement(REPOSITORY, provenance_digest, FACTS, "urn:example:ci")
    sbom = sbom_statement(REPOSITORY, sbom_digest, {"bomFormat": "CycloneDX"})
    layout = attestation_layout((_signed(provenance), _signed(sbom)), DIGEST)
    return read_attestations(skopeo_dir_copy(layout))


def test_good_attestations_have_no_problem() -> None:
    assert attestation_problems(_attestations(), DIGEST, (True, True), True) == []


def test_each_problem_with_attestations_is_named() -> None:
    assert attestation_problems(_attestations(OTHER), DIGEST, (True, True), True) == [
        f"its provenance is about {OTHER}, not this release"
    ]
    assert attestation_problems(_attestations(), DIGEST, (True, False), True) == [
        "its SBOM attestation is not signed by the key"
    ]
    assert attestation_problems(_attestations(), DIGEST, (True, True), False) == [
        f"its provenance's source revision {'1' * 40} is not in this repository (in a shallow "
        "clone, fetch the history first: git fetch --unshallow)"
    ]
    unnamed = BuildFacts(**{**FACTS.__dict__, "revision": None})
    layout = attestation_layout(
        (_signed(provenance_statement(REPOSITORY, DIGEST, unnamed, "urn:example:ci")),), DIGEST
    )
    assert attestation_problems(
        read_attestations(skopeo_dir_copy(layout)), DIGEST, (True,), False
    ) == [
        "no SBOM attestation",
        "its provenance names no source revision",
    ]
    provenance_only = _attestations()[:1]
    assert attestation_problems(provenance_only, DIGEST, (True,), True) == ["no SBOM attestation"]
    assert attestation_problems((), DIGEST, (), False) == ["no provenance", "no SBOM attestation"]


def _statement_layout(statement: object) -> dict[str, bytes]:
    envelope = signed_envelope(statement, KEY, b"sig")  # type: ignore[arg-type]
    return attestation_layout(((PROVENANCE, envelope),), DIGEST)


@pytest.mark.parametrize(
    "damage",
    [
        {"predicate": ["not", "an", "object"]},
        {"subject": [{"name": REPOSITORY, "digest": "sha256:abab"}]},
        {"subject": "everything"},
        {"predicate": {"buildDefinition": {"resolvedDependencies": [{"digest": "x"}, 3]}}},
        {
            "predicate": {
                "buildDefinition": {"resolvedDependencies": [{"digest": {"gitCommit": "HEAD"}}]}
            }
        },
    ],
)
def test_a_malformed_statement_is_a_problem_not_a_crash(damage: dict) -> None:
    statement = {**provenance_statement(REPOSITORY, DIGEST, FACTS, "urn:example:ci"), **damage}
    found = read_attestations(skopeo_dir_copy(_statement_layout(statement)))
    problems = attestation_problems(found, DIGEST, (True,), True)
    assert problems and "no SBOM attestation" in problems
    assert len(problems) >= 2, problems
