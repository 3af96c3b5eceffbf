"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.sbom import image_sbom, registry_sbom


def rules():
    return [
        *image_sbom.rules(),
        *registry_sbom.rules(),
    ]
