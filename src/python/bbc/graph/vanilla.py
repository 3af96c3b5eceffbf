"""Every `docker_image` without a `version` is Pants' own, as in a repository without the plugin:
its dependencies are inferred, and it is built (tags from `image_tags`), run and published, by
Pants' docker rules. The field sets here take exactly those images (BBC images opt out) and hand
them to Pants' rules, which are registered without their own field sets (`run` is Pants' rule
again, asking for the package through these field sets).
Should Pants' docker backend be registered beside the plugin anyway, graph/backend_check.py
stops these goals and the plugin's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

from pants.backend.docker.goals import package_image, publish
from pants.backend.docker.goals.package_image import BuiltDockerImage, DockerPackageFieldSet
from pants.backend.docker.goals.publish import (
    PublishDockerImageFieldSet,
    PublishDockerImageRequest,
)
from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import (
    AllDockerImageTargets,
    DockerImageRegistriesField,
    DockerImageSourceField,
)
from pants.backend.docker.util_rules.docker_binary import DockerBinary
from pants.backend.docker.util_rules import dependencies
from pants.backend.docker.util_rules.dependencies import (
    DockerInferenceFieldSet,
    InferDockerDependencies,
)
from pants.core.goals.package import BuiltPackage, PackageFieldSet
from pants.core.goals.publish import PublishFieldSet, PublishRequest
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.build_graph.address import BuildFileAddress, BuildFileAddressRequest
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.rules import Get, MultiGet, Rule, collect_rules, rule
from pants.engine.addresses import Address, Addresses
from pants.engine.target import (
    Dependencies,
    DependenciesRequest,
    InferDependenciesRequest,
    InferredDependencies,
    Target,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule

from bbc.graph.backend_check import BackendCheck
from bbc.target_types import OtherImagesOnly, ParentVariantField, VariantsField, is_bbc_image


class BBCFieldOnOtherImage(Exception):
    pass


async def _target(field_set) -> Target:
    """The target; one that sets a field only BBC images have, which Pants' rules would ignore
    silently, is refused."""
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(field_set.address, description_of_origin="<bbc>")
    )
    target = wrapped.target
    given = [f.alias for f in (VariantsField, ParentVariantField) if target[f].value]
    if given:
        build_file = await Get(
            BuildFileAddress, BuildFileAddressRequest(target.address, description_of_origin="<bbc>")
        )
        raise BBCFieldOnOtherImage(
            f"{target.address}: {' and '.join(given)} in {build_file.rel_path}, but the image has "
            f"no `version`, so Pants' own docker rules build it and would ignore "
            f"{'them' if len(given) > 1 else 'it'}. Give it a version to make it a BBC image (its "
            f"parent first), or remove {' and '.join(given)}."
        )
    return target


@dataclass(frozen=True)
class VanillaPackageFieldSet(OtherImagesOnly, PackageFieldSet):
    required_fields = (DockerImageSourceField,)


@rule
async def package_vanilla_image(field_set: VanillaPackageFieldSet) -> BuiltPackage:
    await Get(BackendCheck)
    target = await _target(field_set)
    return await Get(BuiltPackage, DockerPackageFieldSet, DockerPackageFieldSet.create(target))


@dataclass(frozen=True)
class VanillaRunFieldSet(OtherImagesOnly, RunFieldSet):
    required_fields = (DockerImageSourceField,)
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC


@rule
async def run_vanilla_image(
    field_set: VanillaRunFieldSet,
    docker: DockerBinary,
    options: DockerOptions,
    options_env_aware: DockerOptions.EnvironmentAware,
) -> RunRequest:
    """As Pants' own rule (run_image.py), which asks for the image through the `PackageFieldSet`
    union, where these images are VanillaPackageFieldSet's: built by Pants' package rule."""
    await Get(BackendCheck)
    target = await _target(field_set)
    build_request = DockerPackageFieldSet.create(target)
    for registry in options.registries().get(*(build_request.registries.value or [])):
        if registry.use_local_alias:
            aliased = DockerImageRegistriesField((registry.alias,), field_set.address)
            build_request = replace(build_request, registries=aliased)
            break
    env, image = await MultiGet(
        Get(EnvironmentVars, EnvironmentVarsRequest(options_env_aware.env_vars)),
        Get(BuiltPackage, DockerPackageFieldSet, build_request),
    )
    tag = cast(BuiltDockerImage, image.artifacts[0]).tags[0]
    run = docker.run_image(tag, docker_run_args=options.run_args, env=env)
    return RunRequest(
        digest=image.digest,
        args=run.argv,
        extra_env=run.env,
        immutable_input_digests=run.immutable_input_digests,
    )


@dataclass(frozen=True)
class VanillaPublishFieldSet(OtherImagesOnly, PublishDockerImageFieldSet):
    pass


@dataclass(frozen=True)
class VanillaInferenceFieldSet(OtherImagesOnly, DockerInferenceFieldSet):
    pass


class InferVanillaDependencies(InferDependenciesRequest):
    infer_from = VanillaInferenceFieldSet


@rule
async def infer_vanilla_dependencies(request: InferVanillaDependencies) -> InferredDependencies:
    target = await _target(request.field_set)
    return await Get(
        InferredDependencies,
        InferDockerDependencies(DockerInferenceFieldSet.create(target)),
    )


@dataclass(frozen=True)
class BuiltOnByOthers:
    """The BBC images that a `docker_image` of Pants' own depends on (is built on, say)."""

    addresses: frozenset[Address]


@rule
async def bbc_images_built_on_by_others(images: AllDockerImageTargets) -> BuiltOnByOthers:
    others = [t for t in images if not is_bbc_image(t)]
    found = await MultiGet(Get(Addresses, DependenciesRequest(t[Dependencies])) for t in others)
    bbc = {t.address for t in images if is_bbc_image(t)}
    return BuiltOnByOthers(frozenset(a for deps in found for a in deps if a in bbc))


def _rules_only(rules) -> list[Rule]:
    """A module's rules without its union members (its field sets)."""
    return [r for r in rules if not isinstance(r, UnionRule)]


def rules():
    return [
        *collect_rules(),
        # Pants' docker rules, for the field sets above only.
        *_rules_only(package_image.rules()),
        *_rules_only(publish.rules()),
        *_rules_only(dependencies.rules()),
        UnionRule(PackageFieldSet, VanillaPackageFieldSet),
        *VanillaRunFieldSet.rules(),
        UnionRule(PublishFieldSet, VanillaPublishFieldSet),
        UnionRule(PublishRequest, PublishDockerImageRequest),
        UnionRule(InferDependenciesRequest, InferVanillaDependencies),
    ]
