"""Blessed Base Containers: wires the plugin's rules, goals and targets, on top of the building
blocks of Pants' docker backend. BBC images (a `docker_image` with a `version`) are the
plugin's; Pants' own package, run, publish and inference rules serve the others
(goals/vanilla.py)."""

from pants.backend.docker.subsystems import dockerfile_parser
from pants.backend.docker.target_types import DockerImageTarget
from pants.backend.docker.target_types import rules as docker_target_types_rules
from pants.backend.docker.util_rules import (
    docker_binary,
    docker_build_args,
    docker_build_context,
    docker_build_env,
)

from bbc.goals import bump, check, diff, downstream, package, plan, publish, releases, run, test
from bbc.goals import run_images, tree, update, vanilla
from bbc.rules import (
    backend_check,
    base,
    build,
    build_process,
    ca_certificates,
    containers,
    content,
    contract_pytest,
)
from bbc.rules import debian, debian_lock, dependencies, docker, downstream_git, external_bases
from bbc.rules import dockerfiles, git, identity, image_graph, image_parent, notes, package_changes
from bbc.rules import publish as publish_rules
from bbc.rules import python_lock, recipe, registry, registry_cache, run_token, sbom
from bbc.rules import synthetic_targets
from bbc.rules import registry_sbom
from bbc.rules import releases as releases_rules
from bbc.target_types import (
    PLUGIN_FIELDS,
    BuildConfigTarget,
    DebianPackagesTarget,
    ExtraCACertificatesTarget,
)


def target_types():
    return [DockerImageTarget, ExtraCACertificatesTarget, BuildConfigTarget, DebianPackagesTarget]


def rules():
    return [
        # Pants' docker backend, except its Dockerfile codegen (ours replaces it) and its
        # package, run, publish and inference rules (goals/vanilla.py registers them for the
        # images the plugin does not manage).
        *docker_binary.rules(),
        *docker_build_args.rules(),
        *docker_build_context.rules(),
        *docker_build_env.rules(),
        *dockerfile_parser.rules(),
        *docker_target_types_rules(),
        *(DockerImageTarget.register_plugin_field(field) for field in PLUGIN_FIELDS),
        # The plugin's building blocks.
        *backend_check.rules(),
        *base.rules(),
        *build.rules(),
        *build_process.rules(),
        *ca_certificates.rules(),
        *containers.rules(),
        *content.rules(),
        *contract_pytest.rules(),
        *debian.rules(),
        *debian_lock.rules(),
        *dependencies.rules(),
        *docker.rules(),
        *downstream_git.rules(),
        *external_bases.rules(),
        *dockerfiles.rules(),
        *git.rules(),
        *identity.rules(),
        *image_graph.rules(),
        *image_parent.rules(),
        *notes.rules(),
        *package_changes.rules(),
        *publish_rules.rules(),
        *python_lock.rules(),
        *recipe.rules(),
        *registry.rules(),
        *registry_cache.rules(),
        *registry_sbom.rules(),
        *releases_rules.rules(),
        *run_token.rules(),
        *sbom.rules(),
        *synthetic_targets.rules(),
        # Its goals.
        *bump.rules(),
        *check.rules(),
        *diff.rules(),
        *downstream.rules(),
        *package.rules(),
        *plan.rules(),
        *publish.rules(),
        *releases.rules(),
        *run.rules(),
        *run_images.rules(),
        *test.rules(),
        *tree.rules(),
        *update.rules(),
        *vanilla.rules(),
    ]
