"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.signing import goals, signatures


def rules():
    return [*goals.rules(), *signatures.rules()]
