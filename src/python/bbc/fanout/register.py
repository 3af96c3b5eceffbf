"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.fanout import plan


def rules():
    return [
        *plan.rules(),
    ]
