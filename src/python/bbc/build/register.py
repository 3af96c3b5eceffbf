"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.build import base, ca_certificates, image, package, process, recipe, run


def rules():
    return [
        *base.rules(),
        *ca_certificates.rules(),
        *image.rules(),
        *package.rules(),
        *process.rules(),
        *recipe.rules(),
        *run.rules(),
    ]
