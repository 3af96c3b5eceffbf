"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.changes import diff, notes, package_changes


def rules():
    return [
        *diff.rules(),
        *notes.rules(),
        *package_changes.rules(),
    ]
