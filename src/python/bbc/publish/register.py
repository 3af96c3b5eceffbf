"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.publish import publish, registry, registry_cache, registry_releases, release, releases


def rules():
    return [
        *publish.rules(),
        *registry.rules(),
        *registry_cache.rules(),
        *registry_releases.rules(),
        *release.rules(),
        *releases.rules(),
    ]
