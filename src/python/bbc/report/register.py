"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.report import goal


def rules():
    return [
        *goal.rules(),
    ]
