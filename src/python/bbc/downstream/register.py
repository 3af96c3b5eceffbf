"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.downstream import downstream, git


def rules():
    return [
        *downstream.rules(),
        *git.rules(),
    ]
