"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.util_rules import docker, git, run_token


def rules():
    return [
        *docker.rules(),
        *git.rules(),
        *run_token.rules(),
    ]
