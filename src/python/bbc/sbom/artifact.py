"""A release's SBOM as a registry artifact (publish/artifact.py): one layer, the CycloneDX JSON.

The SBOM is a pure function of the image (sbom/cyclonedx.py): the same release always gets the
same artifact digest.
"""

from __future__ import annotations

from bbc.publish.artifact import artifact_documents, artifact_layout

SBOM_MEDIA_TYPE = "application/vnd.cyclonedx+json"


def sbom_layout(sbom: bytes, image_digest: str) -> dict[str, bytes]:
    """The OCI layout of the SBOM of the image whose manifest digest is `image_digest`."""
    layer = (SBOM_MEDIA_TYPE, sbom, {"org.opencontainers.image.title": "sbom.cdx.json"})
    return artifact_layout(SBOM_MEDIA_TYPE, [layer], {"io.bbc.sbom-of": image_digest})


def sbom_of_copy(files: dict[str, bytes]) -> bytes:
    """The SBOM in skopeo's `dir:` copy of an SBOM artifact. ValueError when the copy is not
    such an artifact."""
    documents = artifact_documents(files, SBOM_MEDIA_TYPE)
    if len(documents) != 1:
        raise ValueError(f"it holds {len(documents)} SBOMs, not one")
    return documents[0][0]
