"""Blessed Base Containers: wires the plugin's rules, goals and targets, on top of the building
blocks of Pants' docker backend. BBC images (a `docker_image` with a `version`) are the
plugin's; Pants' own package, run, publish and inference rules serve the others
(graph/vanilla.py)."""

from pants.backend.docker.subsystems import dockerfile_parser
from pants.backend.docker.target_types import DockerImageTarget
from pants.backend.docker.target_types import rules as docker_target_types_rules
from pants.backend.docker.util_rules import (
    docker_binary,
    docker_build_args,
    docker_build_context,
    docker_build_env,
)

from bbc.build import register as build
from bbc.changes import register as changes
from bbc.container_tests import register as container_tests
from bbc.downstream import register as downstream
from bbc.fanout import register as fanout
from bbc.graph import register as graph
from bbc.model import register as model
from bbc.publish import register as publish
from bbc.report import register as report
from bbc.sbom import register as sbom
from bbc.signing import register as signing
from bbc.target_types import (
    PLUGIN_FIELDS,
    BuildConfigTarget,
    DebianPackagesTarget,
    ExtraCACertificatesTarget,
)
from bbc.updates import register as updates
from bbc.util_rules import register as util_rules
from bbc.versioning import register as versioning


def target_types():
    return [DockerImageTarget, ExtraCACertificatesTarget, BuildConfigTarget, DebianPackagesTarget]


def rules():
    return [
        # Pants' docker backend, except its Dockerfile codegen (ours replaces it) and its
        # package, run, publish and inference rules (graph/vanilla.py registers them for the
        # images the plugin does not manage).
        *docker_binary.rules(),
        *docker_build_args.rules(),
        *docker_build_context.rules(),
        *docker_build_env.rules(),
        *dockerfile_parser.rules(),
        *docker_target_types_rules(),
        *(DockerImageTarget.register_plugin_field(field) for field in PLUGIN_FIELDS),
        # The plugin, by concern.
        *model.rules(),
        *graph.rules(),
        *versioning.rules(),
        *build.rules(),
        *util_rules.rules(),
        *publish.rules(),
        *changes.rules(),
        *sbom.rules(),
        *signing.rules(),
        *updates.rules(),
        *container_tests.rules(),
        *downstream.rules(),
        *fanout.rules(),
        *report.rules(),
    ]
