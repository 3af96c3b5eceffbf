"""`./pants run` of a BBC image: build it (and its parents), then `docker run` it by image id
(a tag could be moved by another checkout in between)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageSourceField
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.engine.fs import EMPTY_DIGEST
from pants.engine.rules import Get, collect_rules, rule

from bbc.build.package import ImageBuildFailed, failure_report
from bbc.build.types import ImageBuild, ImageBuildRequest
from bbc.target_types import ImageVersionField, BBCImagesOnly
from bbc.util_rules.docker import Docker


@dataclass(frozen=True)
class BBCRunFieldSet(BBCImagesOnly, RunFieldSet):
    required_fields = (DockerImageSourceField, ImageVersionField)
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC


@rule
async def run_bbc_image(
    field_set: BBCRunFieldSet, docker: Docker, options: DockerOptions
) -> RunRequest:
    build = await Get(ImageBuild, ImageBuildRequest(field_set.address))
    if not build.ok:
        raise ImageBuildFailed(failure_report((build,)) or f"{build.blocked_by} failed to build.")
    # The container is removed when it stops, unless [docker].run_args says otherwise.
    remove = () if {"--rm", "--rm=false"} & set(options.run_args) else ("--rm",)
    return RunRequest(
        digest=EMPTY_DIGEST,
        args=(docker.path, "run", *remove, *options.run_args, build.image_id),
        extra_env=dict(docker.env),
    )


def rules():
    return [*collect_rules(), *BBCRunFieldSet.rules()]
