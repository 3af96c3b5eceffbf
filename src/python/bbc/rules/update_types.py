"""What `./pants bbc-update` asks each kind of pinned input for (goals/update.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bbc.core.updates import Update


@dataclass(frozen=True)
class ExternalBasesRequest:
    """The digests of roots' external bases (rules/external_bases.py)."""


@dataclass(frozen=True)
class Updates:
    updates: tuple[Update, ...]


@dataclass(frozen=True)
class DebianLocksRequest:
    """Every `debian_packages` target's lock, resolved again (rules/debian_lock.py)."""


@dataclass(frozen=True)
class PythonLocksRequest:
    """The Python lockfiles images install from, generated again (rules/python_lock.py)."""
