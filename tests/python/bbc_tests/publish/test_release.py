"""The registry reads and pushes of publishing one image, against a registry in memory."""

from __future__ import annotations

from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, DigestContents, FileContent
from pants.testutil.rule_runner import MockGet, run_rule_with_mocks

from pants.util.frozendict import FrozenDict

from bbc.build.recipe import Recipe
from bbc.build.types import ImageBuild, ImageIdentityRequest
from bbc.model.identity import ImageIdentity
from bbc.model.content import Inputs
from bbc.model.inputs import BuildArgSources, ImageInputs, ImageInputsRequest
from bbc.model.tags import attestation_tag, registry_refs, sbom_tag
from bbc.publish.release import publish_to_registry
from bbc.publish.release_types import RegistryPublish, RegistryPublishRequest
from bbc.sbom.image_sbom import ImageSBOM, ImageSBOMRequest
from bbc.signing.attestations import AttestationsRequest, Attested, GpgRequest, GpgResult
from bbc.signing.signatures import Signatures, SignaturesRequest, Signing
from bbc.util_rules.git import GitRequest, GitResult

from bbc_tests.fakes import REGISTRIES, FakeRegistry, image_config

OURS, THEIRS = "a" * 64, "b" * 64
DEST = registry_refs("it", "r:5000", "bbc/web", "1.2.3", f"1.2.3-{OURS[:12]}")
CONTENT_TAG = f"1.2.3-{OURS[:12]}"


NO_SIGNING = Signing("", "", ())


def publish(
    registry: FakeRegistry,
    image_id: str,
    signing: Signing = NO_SIGNING,
    signatures=lambda request: Signatures(tuple((tag, "new") for tag, _ in request.tags)),
    gpg=None,
    attested=lambda request: Attested(()),
) -> RegistryPublish:
    build = ImageBuild(
        Address("apps/web", target_name="web"),
        "prod",
        image_id,
        "bbc/web",
        ("1.2.3", "1.2", "1", "latest", CONTENT_TAG),
        OURS,
    )
    return run_rule_with_mocks(
        publish_to_registry,
        rule_args=[RegistryPublishRequest(DEST, build), REGISTRIES, signing],
        mock_gets=[
            MockGet(output_type=Signatures, input_types=(SignaturesRequest,), mock=signatures),
            *registry.mock_gets(),
            MockGet(
                output_type=ImageSBOM,
                input_types=(ImageSBOMRequest,),
                mock=lambda r: ImageSBOM(f"bbc/sbom/{r.repository}/{r.version}", EMPTY_DIGEST),
            ),
            MockGet(
                output_type=DigestContents,
                input_types=(Digest,),
                mock=lambda _: DigestContents([FileContent("sbom.cdx.json", b"{}")]),
            ),
            MockGet(output_type=Digest, input_types=(CreateDigest,), mock=lambda _: EMPTY_DIGEST),
            MockGet(output_type=ImageInputs, input_types=(ImageInputsRequest,), mock=_inputs),
            MockGet(output_type=Attested, input_types=(AttestationsRequest,), mock=attested),
            MockGet(
                output_type=GitResult,
                input_types=(GitRequest,),
                mock=lambda r: GitResult(0, b"1" * 40 if r.args[0] == "log" else b"", ""),
            ),
            MockGet(
                output_type=ImageIdentity,
                input_types=(ImageIdentityRequest,),
                mock=lambda r: ImageIdentity(
                    ImageBuild(r.address, "prod"), Recipe(build_args=("ACCEL=cuda12",))
                ),
            ),
            MockGet(
                output_type=GpgResult,
                input_types=(GpgRequest,),
                mock=lambda r: gpg(r) if gpg else GpgResult((b"sig",) * r.count),
            ),
        ],
    )


def _inputs(request: ImageInputsRequest) -> ImageInputs:
    inputs = Inputs("bbc/web", (), (("apps/web/Dockerfile", "d" * 64),), (), (), ())
    no_args = BuildArgSources((), FrozenDict(), FrozenDict())
    return ImageInputs(request.address, inputs, frozenset(), (), (), no_args, ())


def fresh() -> tuple[FakeRegistry, str]:
    registry = FakeRegistry("r:5000/bbc/web")
    return registry, registry.add_image(image_config(OURS))


def test_nothing_released_pushes_content_then_exact_then_moving_reading_between():
    registry, image = fresh()
    result = publish(registry, image)
    assert result.failure is None
    assert registry.log == [
        ("list-tags",),
        ("read", "1.2.3", "exact"),
        ("read", CONTENT_TAG, "content"),
        ("push", CONTENT_TAG),
        ("read", "1.2.3", "recheck"),
        ("push", "1.2.3"),
        ("read", "1.2.3", "readback"),
        ("sbom", sbom_tag(registry.digest("1.2.3"))),  # before any moving tag names it
        ("read", "1.2.3", "moving"),
        ("read", "1.2", "moving"),
        ("read", "1", "moving"),
        ("read", "latest", "moving"),
        ("push", "1.2", "1", "latest"),
        ("read", "1.2.3", "final"),
    ]
    assert result.pushed == (DEST.content, DEST.exact, *DEST.moving)
    assert result.digest == registry.digest("1.2.3")


SIGNING = Signing("F" * 40, "/srv/sigstore", (), "urn:example:ci")


def test_with_a_key_the_release_is_attested_and_signed_before_its_moving_tags_move_then_they_are():
    registry, image = fresh()
    asked: list[SignaturesRequest] = []
    signed: list[GpgRequest] = []
    result = publish(
        registry,
        image,
        SIGNING,
        lambda r: asked.append(r) or Signatures(tuple((t, "new") for t, _ in r.tags if t == "1.2")),
        lambda r: signed.append(r) or GpgResult((b"one", b"two")),
    )
    digest = registry.digest("1.2.3")
    attestations = attestation_tag(digest)
    [request] = signed
    assert request.mode == "sign" and [p for p, _ in request.files] == ["0.pae", "1.pae"]
    assert b"https://slsa.dev/provenance/v1" in request.files[0][1]
    assert b'"buildArgs":{"ACCEL":"cuda12"}' in request.files[0][1]  # a variant's own too
    assert b'"gitCommit":"' + b"1" * 40 in request.files[0][1]
    assert b"https://cyclonedx.org/bom" in request.files[1][1]
    assert asked == [
        SignaturesRequest(
            "r:5000",
            "r:5000/bbc/web",
            (
                ("1.2.3", digest),
                (CONTENT_TAG, digest),
                (attestations, registry.digest(attestations)),
            ),
            sign=True,
        ),
        SignaturesRequest(
            "r:5000", "r:5000/bbc/web", tuple((t, digest) for t in ("1.2", "1", "latest")), True
        ),
    ]
    assert (result.failure, result.signed) == (None, ("1.2",))
    assert registry.log[7:12] == [
        ("sbom", sbom_tag(digest)),
        ("attestations", attestations),
        *(("read", t, "signing") for t in ("1.2.3", CONTENT_TAG, attestations)),
    ]
    assert registry.log[-3:] == [("read", t, "signing-moving") for t in ("1.2", "1", "latest")]


def test_recorded_attestations_are_never_replaced_nor_signed_unless_good_and_unsigned_ones_fail():
    registry, image = fresh()
    publish(registry, image, SIGNING)
    registry.log.clear()
    assert publish(registry, image, SIGNING).failure is None
    assert not any(entry[0] in ("sbom", "attestations") for entry in registry.log)

    asked: list[SignaturesRequest] = []
    forged = publish(
        registry,
        image,
        SIGNING,
        lambda r: asked.append(r) or Signatures(),
        attested=lambda r: Attested(("its provenance is not signed by the key",)),
    )
    attestations = f"r:5000/bbc/web:{attestation_tag(registry.digest('1.2.3'))}"
    assert forged.failure == (
        f"apps/web:web in @it (r:5000): {attestations} is not this release's attestations by "
        f"{'F' * 40} (its provenance is not signed by the key), so it is not signed. Remove that "
        "tag from the registry, then publish again to record them."
    )
    assert asked == []

    registry, image = fresh()
    result = publish(registry, image, SIGNING, gpg=lambda _: GpgResult(failure="no secret key"))
    assert result.failure == (
        "apps/web:web in @it (r:5000): signing its attestations failed: no secret key. The "
        "release is published: publish again to attest it."
    )


def test_a_signature_that_could_not_be_made_fails_the_image_saying_the_release_stands():
    registry, image = fresh()
    result = publish(registry, image, SIGNING, lambda _: Signatures(failure="no secret key"))
    assert result.failure == (
        "apps/web:web in @it (r:5000): signing failed: no secret key. The release is "
        "published: publish again to sign it."
    )


def test_the_same_release_again_pushes_nothing():
    registry, image = fresh()
    publish(registry, image)
    registry.log.clear()
    result = publish(registry, image)
    assert result.failure is None and result.pushed == () and registry.pushes == []
    assert result.digest == registry.digest("1.2.3")
    assert not any(entry[0] == "sbom" for entry in registry.log)  # it is recorded already


def test_a_release_without_an_sbom_gets_one_and_a_recorded_sbom_is_left_alone():
    registry, image = fresh()
    publish(registry, image)
    tag = sbom_tag(registry.digest("1.2.3"))
    del registry.tags[tag]  # released before SBOMs were recorded
    registry.log.clear()
    assert publish(registry, image).failure is None and ("sbom", tag) in registry.log
    registry.tags[tag] = b"recorded by someone else"
    registry.log.clear()
    assert publish(registry, image).failure is None
    assert registry.tags[tag] == b"recorded by someone else"
    assert not any(entry[0] == "sbom" for entry in registry.log)


def test_an_sbom_the_registry_refuses_fails_the_image_saying_the_release_stands():
    registry, image = fresh()
    registry.sbom_refused = True
    result = publish(registry, image)
    assert result.failure == (
        f"apps/web:web in @it (r:5000): recording its SBOM as r:5000/bbc/web:"
        f"{sbom_tag(registry.digest('1.2.3'))} failed: denied. The release is published: "
        "publish again to record its SBOM."
    )


def test_pushes_failed_by_another_publisher_of_the_same_image_are_read_back_and_stand():
    registry, image = fresh()
    registry.push_races = 2  # the content tag's and X.Y.Z's
    result = publish(registry, image)
    assert result.failure is None
    assert registry.log[:8] == [
        ("list-tags",),
        ("read", "1.2.3", "exact"),
        ("read", CONTENT_TAG, "content"),
        ("push", CONTENT_TAG),
        ("other publisher", CONTENT_TAG),
        ("read", CONTENT_TAG, "pushed"),
        ("read", "1.2.3", "recheck"),
        ("push", "1.2.3"),
    ]
    assert result.digest == registry.digest("1.2.3")


def test_a_failed_push_that_left_another_image_and_nothing_of_ours_fails_the_image():
    registry, image = fresh()
    registry.push_races = 1
    # Read back after the failed push, the content tag holds an image of other content.
    registry.meanwhile["pushed"] = (CONTENT_TAG, image_config(THEIRS))
    result = publish(registry, image)
    assert result.failure is not None and "pushing failed" in result.failure
    assert ("read", "1.2.3", "recheck") not in registry.log


def test_an_sbom_push_lost_to_another_publisher_is_theirs_and_the_image_is_published():
    registry, image = fresh()
    registry.sbom_races, registry.sbom_by_other = 1, True
    result = publish(registry, image)
    tag = sbom_tag(registry.digest("1.2.3"))
    assert result.failure is None
    assert registry.log[7:10] == [("sbom", tag), ("other publisher", tag), ("list-tags",)]
    assert registry.tags[tag] == b"the other publisher's SBOM"


def test_an_sbom_push_that_failed_with_none_recorded_is_pushed_once_more():
    registry, image = fresh()
    registry.sbom_races = 1
    result = publish(registry, image)
    tag = sbom_tag(registry.digest("1.2.3"))
    assert result.failure is None
    assert registry.log[7:10] == [("sbom", tag), ("list-tags",), ("sbom", tag)]
    assert registry.tags[tag] == b"an sbom artifact"
    registry, image = fresh()
    registry.sbom_races = 2
    assert publish(registry, image).failure == (
        f"apps/web:web in @it (r:5000): recording its SBOM as r:5000/bbc/web:"
        f"{sbom_tag(registry.digest('1.2.3'))} failed: manifest blob unknown: blob unknown to "
        "registry. The release is published: publish again to record its SBOM."
    )


def test_the_same_sources_built_elsewhere_are_pulled_not_pushed_again():
    registry = FakeRegistry("r:5000/bbc/web")
    elsewhere = registry.add_image(image_config(OURS, salt="built on CI"))
    publish(registry, elsewhere)
    registry.log.clear()
    here = registry.add_image(image_config(OURS, salt="built here"))
    result = publish(registry, here)
    assert result.failure is None and registry.pushes == []
    assert ("pull", "1.2.3") in registry.log
    assert result.build.image_id == elsewhere and result.build.built


def test_different_content_under_a_released_version_is_refused_and_nothing_is_pushed():
    registry, image = fresh()
    registry.tags["1.2.3"] = image_config(THEIRS)
    result = publish(registry, image)
    assert result.failure is not None
    assert "r:5000/bbc/web:1.2.3 is already released with different content" in result.failure
    assert "./pants bbc-bump --level=patch apps/web:web" in result.failure
    assert registry.pushes == []


def test_moving_tags_held_by_a_newer_release_stay_there():
    registry, image = fresh()
    newer = image_config("c" * 64)
    registry.tags.update({"1.3.0": newer, "1": newer, "latest": newer})
    result = publish(registry, image)
    assert result.failure is None
    assert registry.pushes[-1] == ("push", "1.2")
    assert result.held_back == ("r:5000/bbc/web:1", "r:5000/bbc/web:latest")
    assert registry.tags["latest"] == newer


def test_a_release_by_another_publisher_just_before_our_push_wins():
    registry, image = fresh()
    registry.meanwhile["recheck"] = ("1.2.3", image_config(THEIRS))
    result = publish(registry, image)
    assert result.failure is not None
    assert "another publisher released r:5000/bbc/web:1.2.3 first" in result.failure
    assert registry.pushes == [("push", CONTENT_TAG)]
    assert registry.tags["1.2.3"] == image_config(THEIRS)


def test_an_overwrite_after_our_push_is_caught_by_reading_back():
    for step in ("readback", "final"):
        registry, image = fresh()
        registry.meanwhile[step] = ("1.2.3", image_config(THEIRS))
        result = publish(registry, image)
        assert result.failure is not None, step
        assert "another publisher released r:5000/bbc/web:1.2.3 first" in result.failure
        assert result.digest is None


def test_a_loser_that_moved_the_moving_tags_moves_them_back_to_the_winners_release():
    registry, image = fresh()
    registry.meanwhile["final"] = ("1.2.3", image_config(THEIRS))
    result = publish(registry, image)
    assert result.failure is not None and "Moved 1.2 back to its release." in result.failure
    assert all(
        registry.tags[tag] == image_config(THEIRS) for tag in ("1.2.3", "1.2", "1", "latest")
    )


def test_a_publish_killed_after_the_content_tag_resumes_from_any_machine():
    registry = FakeRegistry("r:5000/bbc/web")
    killed = registry.add_image(image_config(OURS, salt="first machine"))
    registry.tags[CONTENT_TAG] = registry.images[killed]
    here = registry.add_image(image_config(OURS, salt="second machine"))
    result = publish(registry, here)
    assert result.failure is None
    assert ("pull", CONTENT_TAG) in registry.log
    assert registry.pushes[0] == ("push", "1.2.3")
    assert registry.tags["1.2.3"] == registry.images[killed]


def test_a_registry_that_does_not_answer_says_where_and_how_to_check():
    registry, image = fresh()
    registry.down = True
    result = publish(registry, image)
    assert result.failure is not None
    assert result.failure.startswith("apps/web:web in @it (r:5000): the registry did not answer")
    assert "build-support/local-registry.sh start" in result.failure
