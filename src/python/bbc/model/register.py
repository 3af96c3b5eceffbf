"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.model import identity, inputs


def rules():
    return [
        *identity.rules(),
        *inputs.rules(),
    ]
