"""Blessed Base Containers: wires the plugin's rules and Pants' docker building blocks."""

from pants.backend.docker.subsystems import dockerfile_parser
from pants.backend.docker.target_types import DockerImageTarget
from pants.backend.docker.target_types import rules as docker_target_types_rules
from pants.backend.docker.util_rules import (
    dependencies,
    docker_binary,
    docker_build_args,
    docker_build_context,
    docker_build_env,
    dockerfile,
)

from bbc import (
    build_image,
    bump_goal,
    ca_certificates,
    check_goal,
    container_tests,
    docker_engine,
    dockerfiles,
    git,
    image_graph,
    package_image,
    publish_image,
    run_image,
    run_token,
    synthetic_targets,
    tree_goal,
)
from bbc.target_types import PLUGIN_FIELDS


def target_types():
    return [
        DockerImageTarget,
        ca_certificates.ExtraCACertificatesTarget,
        *synthetic_targets.target_types(),
    ]


def rules():
    return [
        # Pants' docker backend, except its package, run and publish rules (ours replace them).
        *dependencies.rules(),
        *docker_binary.rules(),
        *docker_build_args.rules(),
        *docker_build_context.rules(),
        *docker_build_env.rules(),
        *dockerfile.rules(),
        *dockerfile_parser.rules(),
        *docker_target_types_rules(),
        *(DockerImageTarget.register_plugin_field(field) for field in PLUGIN_FIELDS),
        # The plugin.
        *build_image.rules(),
        *bump_goal.rules(),
        *ca_certificates.rules(),
        *check_goal.rules(),
        *container_tests.rules(),
        *docker_engine.rules(),
        *dockerfiles.rules(),
        *git.rules(),
        *image_graph.rules(),
        *package_image.rules(),
        *publish_image.rules(),
        *run_image.rules(),
        *run_token.rules(),
        *synthetic_targets.rules(),
        *tree_goal.rules(),
    ]
