"""A value that is new in every run of `./pants`.

Processes whose answers change between runs (git, docker build) carry it instead of using
`ProcessCacheScope.PER_SESSION`: pantsd reruns PER_SESSION processes even while merely
re-validating an old result, which would start a `docker build` for an up-to-date image.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pants.engine.rules import _uncacheable_rule, collect_rules


@dataclass(frozen=True)
class RunToken:
    value: str


# Pants' own backends use this (private) decorator for rules that must run in every session.
@_uncacheable_rule
async def run_token() -> RunToken:
    return RunToken(uuid.uuid4().hex)


def rules():
    return collect_rules()
