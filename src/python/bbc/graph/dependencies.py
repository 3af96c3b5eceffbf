"""What a `docker_image` depends on, inferred from its Dockerfile (instead of Pants' docker
inference, so that one answer serves both Pants' graph and the plugin's hierarchy):

- its parent image and the images of its other stages (parent.py's `ImageParent`);
- the packages it copies (`COPY images.flask/flask-deps.pex ...`), as Pants infers them;
- `//:pants-config` when its Dockerfile declares an ARG that `[docker].build_args` sets;
- its sandwich test layer, `Dockerfile.test`;
- the files its `shell_command`s run (their `execution_dependencies`), so that a change to such a
  script (images/root/mkrootfs.sh) is a change of the image.

An image whose Dockerfile is missing or broken infers nothing: its own error stops it, not the
whole run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePath

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageDependenciesField
from pants.backend.shell.target_types import ShellCommandExecutionDependenciesField
from pants.core.goals.package import AllPackageableTargets, OutputPathField
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.fs import PathGlobs, Paths
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

from bbc.graph.chain import copy_sources, declared_args
from bbc.graph.dockerfiles import ImageDockerfile, ImageDockerfileRequest
from bbc.graph.parent import ImageParent, ImageParentRequest
from bbc.graph.synthetic_targets import CONFIG, TEST_DOCKERFILE
from bbc.target_types import TestDockerfileField, TestVariantField, BBCImagesOnly


@dataclass(frozen=True)
class ImageInferenceFieldSet(BBCImagesOnly, FieldSet):
    required_fields = (DockerImageDependenciesField,)

    dependencies: DockerImageDependenciesField


class InferImageDependencies(InferDependenciesRequest):
    infer_from = ImageInferenceFieldSet


def _packages_copied(copied: set[str], packageable: AllPackageableTargets) -> list[Address]:
    """The packageable targets whose output a COPY names (any file ending it might have)."""
    endings = {PurePath(path).suffix[1:] or None for path in copied}
    return [
        t.address
        for t in packageable
        if t.has_field(OutputPathField)
        and any(t[OutputPathField].value_or_default(file_ending=e) in copied for e in endings)
    ]


async def _scripts_run(field: DockerImageDependenciesField) -> list[Address]:
    provided = await Get(ExplicitlyProvidedDependencies, DependenciesRequest(field))
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
    return [a for found in scripts for a in found]


@rule
async def infer_image_dependencies(
    request: InferImageDependencies, docker: DockerOptions, packageable: AllPackageableTargets
) -> InferredDependencies:
    address = request.field_set.address
    wrapped, dockerfile, parent = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<bbc>")),
        Get(ImageDockerfile, ImageDockerfileRequest(address)),
        Get(ImageParent, ImageParentRequest(address)),
    )
    inferred = [*([parent.address] if parent.address else []), *(a for _, a in parent.stage_images)]
    instructions = dockerfile.instructions
    inferred += _packages_copied(set(copy_sources(instructions)), packageable)
    if {arg.partition("=")[0] for arg in docker.build_args} & set(declared_args(instructions)):
        inferred.append(CONFIG)
    target = wrapped.target
    if (
        target[TestVariantField].value == "sandwich"
        and target[TestDockerfileField].value == TEST_DOCKERFILE
    ):
        exists = await Get(Paths, PathGlobs([os.path.join(address.spec_path, TEST_DOCKERFILE)]))
        if exists.files:
            inferred.append(Address(address.spec_path, target_name=TEST_DOCKERFILE))
    inferred += await _scripts_run(request.field_set.dependencies)
    return InferredDependencies(a for a in inferred if a != address)


def rules():
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferImageDependencies)]
