"""Documents stored in a registry beside a release (its SBOM, its attestations) as one OCI
artifact: an OCI image layout holding one manifest (OCI 1.1: `artifactType`, empty config) whose
layers are the documents, which skopeo pushes; and the documents read back out of skopeo's
`dir:` copy of it. Plain functions over bytes: the same documents always give the same artifact
digest.
"""

from __future__ import annotations

import json
from typing import Mapping, Sequence

from bbc.publish.registry_data import sha256_digest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"  # an artifact's config: `{}`
LAYOUT_REF = "artifact"  # the manifest's name in the layout: `oci:<folder>:artifact`


def _descriptor(media_type: str, blob: bytes, **extra) -> dict:
    return {"mediaType": media_type, "digest": sha256_digest(blob), "size": len(blob), **extra}


def _json(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def artifact_layout(
    artifact_type: str,
    layers: Sequence[tuple[str, bytes, Mapping[str, str]]],
    annotations: Mapping[str, str],
) -> dict[str, bytes]:
    """The files of an OCI image layout (path -> bytes) holding one artifact manifest whose
    layers are `layers` (media type, document, the layer's annotations), in order."""
    config = b"{}"
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": _descriptor(EMPTY_CONFIG, config),
            "layers": [
                _descriptor(media_type, blob, annotations=dict(notes))
                for media_type, blob, notes in layers
            ],
            "annotations": dict(annotations),
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
    blobs = [config, *(blob for _, blob, _ in layers), manifest]
    return {
        "oci-layout": b'{"imageLayoutVersion":"1.0.0"}',
        "index.json": _json(index),
        **{f"blobs/sha256/{sha256_digest(b)[7:]}": b for b in blobs},
    }


def artifact_documents(
    files: Mapping[str, bytes], media_type: str
) -> tuple[tuple[bytes, dict[str, str]], ...]:
    """The documents of `media_type` (each with its layer's annotations) in skopeo's `dir:` copy
    of an artifact (`manifest.json` and one file per blob, named by its hex digest). ValueError
    when the copy has none, or a layer is missing or damaged."""
    try:
        manifest = json.loads(files["manifest.json"])
    except (KeyError, ValueError):
        raise ValueError("the copy has no readable manifest.json")
    layers = [
        layer for layer in manifest.get("layers") or () if layer.get("mediaType") == media_type
    ]
    if not layers:
        found = manifest.get("artifactType") or (manifest.get("config") or {}).get("mediaType")
        raise ValueError(f"it holds no {media_type} (it holds {found})")
    documents = []
    for layer in layers:
        digest = layer.get("digest", "")
        blob = files.get(digest.split(":", 1)[-1])
        if blob is None or sha256_digest(blob) != digest:
            raise ValueError(f"its layer {digest} is missing or damaged")
        documents.append((blob, dict(layer.get("annotations") or {})))
    return tuple(documents)
