"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.container_tests import containers, contract_pytest, test


def rules():
    return [
        *containers.rules(),
        *contract_pytest.rules(),
        *test.rules(),
    ]
