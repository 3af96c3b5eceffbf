"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.updates import (
    changelog,
    debian_release,
    debian_resolver,
    external_bases,
    python_lock,
    update,
)


def rules():
    return [
        *changelog.rules(),
        *debian_release.rules(),
        *debian_resolver.rules(),
        *external_bases.rules(),
        *python_lock.rules(),
        *update.rules(),
    ]
