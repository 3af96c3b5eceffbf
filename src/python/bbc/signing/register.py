"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.signing import attestations, goals, signatures


def rules():
    return [*attestations.rules(), *goals.rules(), *signatures.rules()]
