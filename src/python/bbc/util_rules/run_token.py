"""A value that is new in every run of `./pants`.

Processes whose answers change between runs (git, docker build, registry reads) carry it
instead of using `ProcessCacheScope.PER_SESSION`: pantsd reruns PER_SESSION processes even while
merely re-validating an old result, which would start a `docker build` for an up-to-date image.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pants.engine.engine_aware import EngineAwareReturnType
from pants.engine.rules import collect_rules, rule


@dataclass(frozen=True)
class RunToken(EngineAwareReturnType):
    value: str

    def cacheable(self) -> bool:
        # Recomputed in every session, as Pants' own `MaybeGitWorktree`.
        return False


@rule
async def run_token() -> RunToken:
    return RunToken(uuid.uuid4().hex)


def rules():
    return collect_rules()
