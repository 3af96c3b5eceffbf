"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.signing import signatures, verify


def rules():
    return [*signatures.rules(), *verify.rules()]
