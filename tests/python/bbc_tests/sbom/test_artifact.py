from __future__ import annotations

import hashlib
import json

import pytest

from bbc.publish.artifact import LAYOUT_REF
from bbc.sbom.artifact import SBOM_MEDIA_TYPE, sbom_layout, sbom_of_copy
from bbc_tests.fakes import skopeo_dir_copy

SBOM = b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}'
IMAGE = "sha256:" + "ab" * 32


def _blob(layout: dict[str, bytes], digest: str) -> bytes:
    blob = layout[f"blobs/sha256/{digest.split(':')[1]}"]
    assert "sha256:" + hashlib.sha256(blob).hexdigest() == digest
    return blob


def test_the_layout_holds_one_artifact_manifest_whose_single_layer_is_the_sbom() -> None:
    layout = sbom_layout(SBOM, IMAGE)
    assert json.loads(layout["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    [entry] = json.loads(layout["index.json"])["manifests"]
    assert entry["annotations"] == {"org.opencontainers.image.ref.name": LAYOUT_REF}
    manifest = json.loads(_blob(layout, entry["digest"]))
    assert len(_blob(layout, entry["digest"])) == entry["size"]
    assert (
        manifest["mediaType"] == entry["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    )
    assert manifest["artifactType"] == SBOM_MEDIA_TYPE == "application/vnd.cyclonedx+json"
    assert manifest["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
    assert _blob(layout, manifest["config"]["digest"]) == b"{}"
    [layer] = manifest["layers"]
    assert layer["mediaType"] == SBOM_MEDIA_TYPE and layer["size"] == len(SBOM)
    assert _blob(layout, layer["digest"]) == SBOM
    assert manifest["annotations"] == {"io.bbc.sbom-of": IMAGE}
    assert len(layout) == 5  # oci-layout, index.json and three blobs


def test_the_same_sbom_always_gives_the_same_artifact() -> None:
    assert sbom_layout(SBOM, IMAGE) == sbom_layout(SBOM, IMAGE)
    assert sbom_layout(SBOM, IMAGE)["index.json"] != sbom_layout(SBOM + b" ", IMAGE)["index.json"]


def test_the_sbom_is_read_back_from_askopeo_dir_copy() -> None:
    assert sbom_of_copy(skopeo_dir_copy(sbom_layout(SBOM, IMAGE))) == SBOM


def test_a_copy_that_is_not_an_sbom_artifact_or_is_damaged_is_refused() -> None:
    copy = skopeo_dir_copy(sbom_layout(SBOM, IMAGE))
    with pytest.raises(ValueError, match="no readable manifest.json"):
        sbom_of_copy({k: v for k, v in copy.items() if k != "manifest.json"})
    image = {
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json"},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}],
    }
    with pytest.raises(
        ValueError, match=r"holds no application/vnd.cyclonedx\+json \(it holds .*image.config"
    ):
        sbom_of_copy({"manifest.json": json.dumps(image).encode()})
    layer = hashlib.sha256(SBOM).hexdigest()
    with pytest.raises(ValueError, match=f"sha256:{layer} is missing or damaged"):
        sbom_of_copy({**copy, layer: SBOM + b"x"})
