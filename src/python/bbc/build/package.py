"""The `package` rule for BBC images: a failure stops its descendants, not the others. An image
with variants is packaged with all of them: one docker-info.json and SBOM each.

`build_image` returns failures instead of raising them. Pants cancels every other build as
soon as one `package` rule raises, so a rule whose image failed first waits for all the
images this run asked for, then raises one report of everything that failed.

Which images this run asked for: the images its command line names (graph/run_images.py),
and the rule's own (a test's runtime package, say).

The SBOMs of the run's images are read together once they are all built (one `docker save`,
sbom/image_sbom.py), not by each build: no child waits for its parent's SBOM. An image pulled
from a registry is not read: its release's SBOM says what it holds.

During `publish`, `package` builds nothing: publish/release.py builds each image only once its
parent is pushed, so that the image records the parent's registry digest. Only a BBC image that
a `docker_image` of Pants' own is built on is built here too, since Pants' rules build that one
from it (graph/vanilla.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pants.backend.docker.goals.package_image import DockerInfoV1, ImageRefRegistry, ImageRefTag
from pants.backend.docker.package_types import BuiltDockerImage
from pants.backend.docker.target_types import DockerImageSourceField
from pants.core.goals.package import (
    BuiltPackage,
    BuiltPackageArtifact,
    OutputPathField,
    PackageFieldSet,
)
from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.goal import CurrentExecutingGoals
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.engine.unions import UnionRule

from bbc.build.types import ImageBuild, ImageBuildRequest
from bbc.fanout.stages import build_time_path, build_time_record
from bbc.graph.run_images import RunImages
from bbc.graph.vanilla import BuiltOnByOthers
from bbc.model.tags import repository_of
from bbc.sbom.contents import ImagePackages
from bbc.sbom.cyclonedx import Publication
from bbc.sbom.image_sbom import ImageSBOM, ImageSBOMRequest, ImagesPackages, ImagesPackagesRequest
from bbc.target_types import BBCImagesOnly, ImageVersionField, VariantsField
from bbc.util_rules.docker import LocalImages


class ImageBuildFailed(Exception):
    pass


@dataclass(frozen=True)
class BBCImageFieldSet(BBCImagesOnly, PackageFieldSet):
    required_fields = (DockerImageSourceField, ImageVersionField)

    source: DockerImageSourceField
    version: ImageVersionField
    output_path: OutputPathField
    variants: VariantsField


def failure_report(builds: tuple[ImageBuild, ...]) -> str | None:
    failed = [b for b in builds if b.failure]
    if not failed:
        return None
    blocked = sorted({f"{b.name} (because {b.blocked_by} failed)" for b in builds if b.blocked_by})
    good = sorted({b.name for b in builds if b.ok})
    lines = [b.failure or "" for b in failed]
    if blocked:
        lines.append("Not built: " + ", ".join(blocked) + ".")
    if good:
        lines.append("Built or up to date: " + ", ".join(good) + ".")
    return "\n\n".join(lines)


def docker_info(build: ImageBuild, version: str) -> bytes:
    """Pants' docker-info.json of the image, plus what the plugin knows."""
    refs = ImageRefRegistry(
        registry=None,
        repository=build.repository,
        tags=tuple(
            ImageRefTag(tag, tag, image_ref, False)
            for tag, image_ref in zip(build.tags, build.refs)
        ),
    )
    info = json.loads(DockerInfoV1.serialize((refs,), image_id=build.image_id))
    info["bbc"] = {"version": version, "variant": build.image_variant, "built": build.built}
    if build.pulled_from:
        info["bbc"]["pulled_from"] = f"{build.pulled_from}@{build.registry_digest}"
    return json.dumps(info, indent=2, sort_keys=True).encode()


async def _package(
    field_set: BBCImageFieldSet, build: ImageBuild, version: str, packages: ImagePackages
):
    """The image's (or one variant's) docker-info.json and SBOM, and what `package` reports."""
    variant = build.image_variant
    ending = f"{variant}.docker-info.json" if variant else "docker-info.json"
    info_path = field_set.output_path.value_or_default(file_ending=ending)
    # The SBOM's file is named for the variant's exact tag, X.Y.Z-<variant>.
    sbom_version = build.tags[0] if variant else version
    files = [FileContent(info_path, docker_info(build, version))]
    if build.built:  # for bbc-plan's balancing (fanout/stages.py), the variants' too
        record = build_time_record(str(build.address), build.content_tag, build.seconds, variant)
        files.append(FileContent(build_time_path(build.repository, variant), record))
    info, sbom = await MultiGet(
        Get(Digest, CreateDigest(files)),
        Get(
            ImageSBOM,
            ImageSBOMRequest(
                build.repository,
                sbom_version,
                build.content_tag,
                build.image_id,
                packages,
                # A pulled release's SBOM is the one its registry recorded, digest included.
                Publication(repository_of(build.pulled_from), build.registry_digest)
                if build.pulled_from and build.registry_digest
                else None,
            ),
        ),
    )
    digest = await Get(Digest, MergeDigests([info, sbom.digest]))
    status = "Built" if build.built else "Pulled" if build.pulled_from else "Up to date"
    image = BuiltDockerImage(
        relpath=info_path,
        image_id=build.image_id,
        # The content tag first: a `docker_image` of Pants' own built on this one is built FROM
        # its first tag (graph/vanilla.py), and the content tag never moves.
        tags=(build.content_ref, *(r for r in build.refs if r != build.content_ref)),
        extra_log_lines=(
            f"{status}: {', '.join(build.refs)}",
            f"Docker image ID: {build.image_id}",
            *([f"From: {build.pulled_from}@{build.registry_digest}"] if build.pulled_from else ()),
            f"SBOM: dist/{sbom.path}",
        ),
    )
    return digest, (image, BuiltPackageArtifact(sbom.path))


async def _builds_of(addresses: list[Address]) -> tuple[ImageBuild, ...]:
    """The builds of these images and of all their variants."""
    targets = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin="<bbc>"))
        for a in addresses
    )
    return await MultiGet(
        Get(ImageBuild, ImageBuildRequest(a, image_variant=v))
        for a, t in zip(addresses, targets)
        for v in (None, *sorted(t.target[VariantsField].value or ()))
    )


@dataclass(frozen=True)
class _ImagesOfRun:
    addresses: tuple[Address, ...]


@rule
async def packages_of_images_in_run(request: _ImagesOfRun) -> ImagesPackages:
    """What the images of this run hold, read in one process once every one of them is built
    (or failed); those pulled with their release's SBOM are not read."""
    builds = await _builds_of(list(request.addresses))
    unread = sorted({(b.image_id, b.refs[0]) for b in builds if b.ok and not b.release_packages})
    return await Get(ImagesPackages, ImagesPackagesRequest(tuple(unread)))


@rule
async def package_bbc_image(
    field_set: BBCImageFieldSet, goals: CurrentExecutingGoals
) -> BuiltPackage:
    if goals.is_running("publish"):
        # Unless a docker_image of Pants' own is built on it: Pants' rules need it built.
        built_on = await Get(BuiltOnByOthers)
        if field_set.address not in built_on.addresses:
            return BuiltPackage(EMPTY_DIGEST, ())
    names = (None, *sorted(field_set.variants.value or ()))
    # The engine's list of images is asked for first, beside the builds: every build waits for
    # it.
    run, _, *builds = await MultiGet(
        [
            Get(RunImages),
            Get(LocalImages),
            *(
                Get(ImageBuild, ImageBuildRequest(field_set.address, image_variant=name))
                for name in names
            ),
        ]
    )
    requested = run.addresses | {field_set.address}
    if not all(b.ok for b in builds):
        everything = await _builds_of(sorted(requested))
        # The ancestors that stopped requested images, for their own error messages.
        blockers = {b.blocked_by for b in everything if b.blocked_by} - requested
        everything += await MultiGet(
            Get(ImageBuild, ImageBuildRequest(a)) for a in sorted(blockers)
        )
        blocked_by = next(b.blocked_by for b in builds if not b.ok)
        raise ImageBuildFailed(failure_report(everything) or f"{blocked_by} failed to build.")
    known = {b.image_id: b.release_packages for b in builds if b.release_packages}
    if len(known) < len(builds):
        read = await Get(ImagesPackages, _ImagesOfRun(tuple(sorted(requested))))
        known = {**dict(read.images), **known}
    version = field_set.version.value
    digests, artifacts = [], []
    for build in builds:
        digest, built = await _package(field_set, build, version, known[build.image_id])
        digests.append(digest)
        artifacts += built
    return BuiltPackage(await Get(Digest, MergeDigests(digests)), tuple(artifacts))


def rules():
    return [*collect_rules(), UnionRule(PackageFieldSet, BBCImageFieldSet)]
