"""Targets no BUILD file declares, so that `--changed-since` sees what images consume.

- `//:pants-config` owns pants.toml. An image whose Dockerfile declares an ARG that
  `[docker].build_args` sets depends on it: changing such a build argument in pants.toml then
  rebuilds exactly those images and their descendants (Pants' docker backend misses this:
  pantsbuild/pants#14724). It is not a file source, so pants.toml stays out of build contexts.
- `<dir>:Dockerfile.test` is a `file` target for each `Dockerfile.test`. An image with a
  sandwich test variant depends on it, which puts it in the build context and makes changes
  to it changes of the image.
- An image depends on the files its `shell_command`s run (their `execution_dependencies`),
  so that a change to such a script (images/root/mkrootfs.sh) is a change of the image.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageDependenciesField
from pants.backend.shell.target_types import ShellCommandExecutionDependenciesField
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.fs import PathGlobs, Paths
from pants.engine.internals.synthetic_targets import SyntheticAddressMaps, SyntheticTargetsRequest
from pants.engine.internals.target_adaptor import TargetAdaptor
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    DependenciesRequest,
    ExplicitlyProvidedDependencies,
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    Targets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule

from bbc.rules.dockerfiles import ImageDockerfileRequest, ParsedDockerfile
from bbc.target_types import BuildConfigTarget, TestDockerfileField, TestVariantField

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


@dataclass(frozen=True)
class ImageInferenceFieldSet(FieldSet):
    required_fields = (DockerImageDependenciesField,)

    dependencies: DockerImageDependenciesField


class InferBBCImageDependencies(InferDependenciesRequest):
    infer_from = ImageInferenceFieldSet


@rule
async def infer_bbc_image_dependencies(
    request: InferBBCImageDependencies, docker: DockerOptions
) -> InferredDependencies:
    address = request.field_set.address
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<bbc>"))
    dockerfile = await Get(ParsedDockerfile, ImageDockerfileRequest(address))
    inferred = []
    configured = {arg.partition("=")[0] for arg in docker.build_args}
    declared = {
        a.partition("=")[0] for i in dockerfile.instructions if i.cmd == "ARG" for a in i.value
    }
    if configured & declared:
        inferred.append(CONFIG)
    target = wrapped.target
    if (
        target.get(TestVariantField).value == "sandwich"
        and target.get(TestDockerfileField).value == TEST_DOCKERFILE
    ):
        exists = await Get(Paths, PathGlobs([os.path.join(address.spec_path, TEST_DOCKERFILE)]))
        if exists.files:
            inferred.append(Address(address.spec_path, target_name=TEST_DOCKERFILE))
    # The files its shell_commands run (not dependencies of theirs, so not otherwise seen).
    provided = await Get(
        ExplicitlyProvidedDependencies, DependenciesRequest(request.field_set.dependencies)
    )
    explicit = await Get(Targets, Addresses(provided.includes))
    scripts = await MultiGet(
        Get(
            Addresses,
            UnparsedAddressInputs,
            dep[ShellCommandExecutionDependenciesField].to_unparsed_address_inputs(),
        )
        for dep in explicit
        if dep.has_field(ShellCommandExecutionDependenciesField)
    )
    inferred.extend(a for found in scripts for a in found)
    return InferredDependencies(inferred)


def rules():
    return [
        *collect_rules(),
        *SyntheticBBCTargetsRequest.rules(),
        UnionRule(InferDependenciesRequest, InferBBCImageDependencies),
    ]
