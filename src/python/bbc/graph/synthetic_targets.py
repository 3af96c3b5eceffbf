"""Targets no BUILD file declares, so that `--changed-since` sees what images consume
(dependencies.py makes images depend on them).

- `//:pants-config` owns pants.toml, for the images whose Dockerfiles declare an ARG that
  `[docker].build_args` sets (Pants' docker backend misses this: pantsbuild/pants#14724). It is
  not a file source, so pants.toml stays out of build contexts.
- `<dir>:Dockerfile.test` is a `file` target for each `Dockerfile.test`, the sandwich test layer
  of the image beside it: it is then in that image's build context.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.fs import PathGlobs, Paths
from pants.engine.internals.synthetic_targets import SyntheticAddressMaps, SyntheticTargetsRequest
from pants.engine.internals.target_adaptor import TargetAdaptor
from pants.engine.rules import Get, collect_rules, rule

from bbc.target_types import BuildConfigTarget

CONFIG = Address("", target_name="pants-config")
TEST_DOCKERFILE = "Dockerfile.test"


@dataclass(frozen=True)
class SyntheticBBCTargetsRequest(SyntheticTargetsRequest):
    path: str = SyntheticTargetsRequest.SINGLE_REQUEST_FOR_ALL_TARGETS


@rule
async def bbc_synthetic_targets(request: SyntheticBBCTargetsRequest) -> SyntheticAddressMaps:
    test_dockerfiles = await Get(Paths, PathGlobs([f"**/{TEST_DOCKERFILE}"]))
    config = TargetAdaptor(
        BuildConfigTarget.alias,
        name=CONFIG.target_name,
        source="pants.toml",
        __description_of_origin__="the BBC plugin (images consuming [docker].build_args)",
    )
    per_directory = [
        (
            os.path.join(os.path.dirname(path), "BUILD.bbc-test-dockerfile"),
            (
                TargetAdaptor(
                    "file",
                    name=TEST_DOCKERFILE,
                    source=TEST_DOCKERFILE,
                    __description_of_origin__=f"the BBC plugin (the sandwich test layer {path})",
                ),
            ),
        )
        for path in test_dockerfiles.files
    ]
    return SyntheticAddressMaps.for_targets_request(
        request, [("BUILD.bbc-config", (config,)), *per_directory]
    )


def rules():
    return [
        *collect_rules(),
        *SyntheticBBCTargetsRequest.rules(),
    ]
