"""A release's SBOM as a registry artifact: an OCI image layout holding one manifest whose single
layer is the CycloneDX JSON (what skopeo pushes), and the SBOM read back out of skopeo's `dir:`
copy of it. Plain functions over bytes.

The layout is a pure function of the SBOM, which is a pure function of the image (sbom/cyclonedx.py):
the same release always gets the same artifact digest.
"""

from __future__ import annotations

import json

from bbc.publish.registry_data import sha256_digest

SBOM_MEDIA_TYPE = "application/vnd.cyclonedx+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"  # an artifact's config: `{}`
LAYOUT_REF = "sbom"  # the manifest's name in the layout: `oci:<folder>:sbom`


def _descriptor(media_type: str, blob: bytes, **extra) -> dict:
    return {"mediaType": media_type, "digest": sha256_digest(blob), "size": len(blob), **extra}


def _json(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def sbom_layout(sbom: bytes, image_digest: str) -> dict[str, bytes]:
    """The files of an OCI image layout (path -> bytes) holding the SBOM of the image whose
    manifest digest is `image_digest`, as an artifact (OCI 1.1: `artifactType`, empty config)."""
    config = b"{}"
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": SBOM_MEDIA_TYPE,
            "config": _descriptor(EMPTY_CONFIG, config),
            "layers": [
                _descriptor(
                    SBOM_MEDIA_TYPE,
                    sbom,
                    annotations={"org.opencontainers.image.title": "sbom.cdx.json"},
                )
            ],
            "annotations": {"io.bbc.sbom-of": image_digest},
        }
    )
    index = {
        "schemaVersion": 2,
        "manifests": [
            _descriptor(
                OCI_MANIFEST,
                manifest,
                annotations={"org.opencontainers.image.ref.name": LAYOUT_REF},
            )
        ],
    }
    blobs = {f"blobs/sha256/{sha256_digest(b)[7:]}": b for b in (config, sbom, manifest)}
    return {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}', "index.json": _json(index), **blobs}


def sbom_of_copy(files: dict[str, bytes]) -> bytes:
    """The SBOM in skopeo's `dir:` copy of an SBOM artifact (`manifest.json` and one file per
    blob, named by its hex digest). ValueError when the copy is not such an artifact."""
    try:
        manifest = json.loads(files["manifest.json"])
    except (KeyError, ValueError):
        raise ValueError("the copy has no readable manifest.json")
    layers = [
        layer for layer in manifest.get("layers") or () if layer.get("mediaType") == SBOM_MEDIA_TYPE
    ]
    if len(layers) != 1:
        found = manifest.get("artifactType") or (manifest.get("config") or {}).get("mediaType")
        raise ValueError(f"it is not a CycloneDX SBOM artifact (it holds {found})")
    digest = layers[0].get("digest", "")
    blob = files.get(digest.split(":", 1)[-1])
    if blob is None or sha256_digest(blob) != digest:
        raise ValueError(f"its SBOM layer {digest} is missing or damaged")
    return blob
