"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.versioning import bump, check


def rules():
    return [
        *bump.rules(),
        *check.rules(),
    ]
