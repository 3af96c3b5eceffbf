"""What `./pants bbc-update` asks each kind of pinned input for (updates/update.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bbc.updates.plan import Update


@dataclass(frozen=True)
class ExternalBasesRequest:
    """The digests of roots' external bases (updates/external_bases.py)."""


@dataclass(frozen=True)
class Updates:
    updates: tuple[Update, ...]


@dataclass(frozen=True)
class DebianLocksRequest:
    """Every `debian_packages` target's lock, resolved again (updates/debian_resolver.py)."""


@dataclass(frozen=True)
class PythonLocksRequest:
    """The Python lockfiles images install from, generated again (updates/python_lock.py)."""
