"""`./pants publish` of BBC images: report what publish/release.py pushed, and record it.

Each image's record, `dist/bbc/published/<repository>.json`, says per registry (and image
variant) the manifest digest of `X.Y.Z` (`X.Y.Z-<variant>`; as read back at the end), the pinned
reference, its tags and which of them this run pushed; or, when this run did not publish the image, why, and that its local `X.Y.Z`
now names an unreleased build.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Mapping

from pants.backend.docker.target_types import DockerImageSourceField
from pants.core.goals.publish import (
    PublishFieldSet,
    PublishOutputData,
    PublishPackages,
    PublishProcesses,
    PublishRequest,
)
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.base.build_root import BuildRoot
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, MultiGet, collect_rules, rule

from bbc.changes.notes import ImageNotes, ImageNotesRequest
from bbc.fanout.stages import build_time_path, build_time_record
from bbc.model.tags import pinned
from bbc.publish.release_types import ImagePublish, ImagePublishRequest
from bbc.sbom.cyclonedx import Publication
from bbc.sbom.image_sbom import ImageSBOM, ImageSBOMRequest
from bbc.subsystems import BBC
from bbc.target_types import ImageVersionField, BBCImagesOnly
from bbc.util_rules.scripts import script

RECORD_DIR = "dist/bbc/published"
RELEASES_DIR = "dist/bbc/releases"  # each release's notes and SBOM


class BBCPublishRequest(PublishRequest):
    pass


@dataclass(frozen=True)
class BBCPublishFieldSet(BBCImagesOnly, PublishFieldSet):
    publish_request_type = BBCPublishRequest
    required_fields = (DockerImageSourceField, ImageVersionField)

    source: DockerImageSourceField
    version: ImageVersionField

    def get_output_data(self) -> PublishOutputData:
        return PublishOutputData({"publisher": "bbc", **super().get_output_data()})


def record(published: ImagePublish, failure: str | None = None) -> dict:
    """What dist/bbc/published/<repository>.json says: how to pin each published ref, or why
    this run did not publish the image."""
    build = published.build
    if failure is not None:
        return {
            "address": str(published.address),
            "status": "failed",
            "reason": failure,
            "version": build.tags[0] if build.tags else None,
            "local_build": (
                f"{build.refs[0]} now names this unreleased build ({build.image_id})"
                if build.image_id
                else None
            ),
        }
    return {
        "address": str(published.address),
        "status": "published",
        "image_id": build.image_id,
        "version": build.tags[0],
        "content_tag": build.content_tag,
        "registries": [
            {
                "alias": r.destination.alias,
                "variant": r.destination.variant,
                "registry": r.destination.address,
                "repository": r.destination.repository,
                "digest": r.digest,
                "pinned": pinned(r.destination.repository, r.digest) if r.digest else None,
                "tags": list(r.destination.refs),
                "pushed": list(r.pushed),
                "signed": list(r.signed),
            }
            for r in published.registries
        ],
    }


@dataclass(frozen=True)
class _ReleaseFiles:
    paths: tuple[str, ...]  # relative to the build root: record, notes, SBOM, build times
    digest: Digest  # the files at those paths


def _writing(
    bash: BashBinary, build_root: BuildRoot, files: _ReleaseFiles, env: Mapping[str, str] = {}
) -> InteractiveProcess:
    """The release's files copied from the process's sandbox into the repository (a SBOM is
    too big for an argument), then, as `env` says, a failure said or the trigger run there."""
    return InteractiveProcess(
        argv=(bash.path, "-c", _RELEASE_FILES, "bash", *files.paths),
        env={**env, "BBC_BUILD_ROOT": build_root.path},
        input_digest=files.digest,
    )


# Writes the release's files, then fails or runs the trigger, as its environment says.
_RELEASE_FILES = script(__name__, "release_files.sh")


def _record_path(published: ImagePublish) -> str:
    repository = published.build.repository or str(published.address).replace(":", "/")
    return os.path.join(RECORD_DIR, f"{repository}.json")


async def _failing(
    bash: BashBinary, build_root: BuildRoot, published: ImagePublish, message: str
) -> InteractiveProcess:
    """Record why the image was not published, then say it and fail."""
    text = json.dumps(record(published, message), indent=2, sort_keys=True) + "\n"
    path = _record_path(published)
    digest = await Get(Digest, CreateDigest([FileContent(path, text.encode())]))
    return _writing(bash, build_root, _ReleaseFiles((path,), digest), {"BBC_FAILURE": message})


def _announcing(
    bash: BashBinary,
    build_root: BuildRoot,
    bbc: BBC,
    env: EnvironmentVars,
    published: ImagePublish,
    r,
    files: _ReleaseFiles,
) -> InteractiveProcess:
    """Record the release, then run [bbc].publish_trigger with the release in its environment."""
    dest = r.destination
    message = (
        f"[bbc].publish_trigger failed for {dest.exact}: the release stays published. Fix the "
        f"trigger, then announce it again: ./pants publish --bbc-announce-existing "
        f"{published.address}"
    )
    release_env = {
        **env,
        "BBC_IMAGE": str(published.address),
        "BBC_REPOSITORY": dest.repository,
        "BBC_VERSION": dest.version,
        "BBC_VARIANT": dest.variant or "",
        "BBC_DIGEST": r.digest or "",
        "BBC_PINNED": f"{dest.exact}@{r.digest}",
        "BBC_PREVIOUS": r.previous or "",
        "BBC_RECORD": files.paths[0],
        "BBC_NOTES": files.paths[1],
        "BBC_SBOM": files.paths[2],
        "BBC_TRIGGER": bbc.publish_trigger or "",
        "BBC_TRIGGER_FAILED": message,
    }
    return _writing(bash, build_root, files, release_env)


async def _release_files(published: ImagePublish, record_path: str) -> _ReleaseFiles:
    """The publish record, the release's notes (one section per registry, rebuilt from what the
    registries hold now: changes/notes.py), its SBOM and the build times."""
    build = published.build
    version = build.tags[0]
    repository = build.repository or str(published.address).replace(":", "/")
    # The release's SBOM as its first registry records it (sbom/cyclonedx.py: with its digest).
    where = next(
        (
            Publication(r.destination.repository, r.digest)
            for r in published.registries
            if r.destination.variant is None and r.digest
        ),
        None,
    )
    notes, sbom = await MultiGet(
        Get(ImageNotes, ImageNotesRequest(published.address, packages_of=version)),
        Get(
            ImageSBOM,
            ImageSBOMRequest(
                repository,
                version,
                build.content_tag,
                build.image_id,
                build.release_packages,
                where,
            ),
        ),
    )
    sections = [
        notes.of(r.destination.repository, version)
        for r in published.registries
        if r.destination.variant is None
    ]
    text = "\n".join(s for s in sections if s) or f"{repository} {version}: no notes\n"
    [sbom_file] = await Get(DigestContents, Digest, sbom.digest)
    folder = os.path.join(RELEASES_DIR, repository)
    timed = [  # the image's and its variants' build times, for bbc-plan (fanout/stages.py)
        FileContent(
            os.path.join("dist", build_time_path(repository, b.image_variant)),
            build_time_record(str(b.address), b.content_tag, b.seconds, b.image_variant),
        )
        for b in (build, *published.variant_builds)
        if b.seconds
    ]
    files = [
        FileContent(
            record_path, (json.dumps(record(published), indent=2, sort_keys=True) + "\n").encode()
        ),
        FileContent(
            os.path.join(folder, f"{version}.md"), f"# {repository} {version}\n\n{text}".encode()
        ),
        FileContent(os.path.join(folder, f"{version}.cdx.json"), sbom_file.content),
        *timed,
    ]
    digest = await Get(Digest, CreateDigest(files))
    return _ReleaseFiles(tuple(f.path for f in files), digest)


@rule(desc="Reporting a published image")
async def publish_bbc_image(
    request: BBCPublishRequest, bash: BashBinary, bbc: BBC, build_root: BuildRoot
) -> PublishProcesses:
    published = await Get(ImagePublish, ImagePublishRequest(request.field_set.address))
    build, address = published.build, published.address
    name = build.refs[0] if build.refs else str(address)
    if published.blocked_by:
        blocker = await Get(ImagePublish, ImagePublishRequest(published.blocked_by))
        reason = (blocker.failure or "").split("\n")[0]
        message = (
            f"{address} was not published: its ancestor {published.blocked_by} failed. {reason}"
        )
        failing = await _failing(bash, build_root, published, message)
        return PublishProcesses([PublishPackages((name,), failing)])
    if published.failure:
        failed = [r.destination.exact for r in published.registries if r.failure] or [name]
        failing = await _failing(bash, build_root, published, published.failure)
        return PublishProcesses([PublishPackages(tuple(failed), failing)])
    if published.not_pushed:
        return PublishProcesses([PublishPackages((name,), None, f"({published.not_pushed})")])

    path = _record_path(published)
    files = await _release_files(published, path)
    write = _writing(bash, build_root, files)
    env = await Get(
        EnvironmentVars, EnvironmentVarsRequest(("PATH", "HOME", *bbc.publish_trigger_env))
    )
    jobs = []
    for r in published.registries:
        data = PublishOutputData({"digest": r.digest, "record": path})
        variant = f" ({r.destination.variant})" if r.destination.variant else ""
        where = f"@{r.destination.alias}{variant}"
        released = r.destination.exact in r.pushed
        announce = bbc.publish_trigger and (released or bbc.announce_existing)
        # The trigger runs once per registry (and variant): with its first job; the others only
        # record.
        first = _announcing(bash, build_root, bbc, env, published, r, files) if announce else write
        if r.pushed:
            jobs.append(PublishPackages(r.pushed, first, where, data))
        if not released:
            signed = f"; signed {', '.join(r.signed)} now" if r.signed else ""
            note = f"{where} (already there with this content, {r.digest}{signed})"
            process = write if r.pushed else first
            jobs.append(PublishPackages((r.destination.exact,), process, note, data))
        if r.held_back:
            note = f"(a newer release in @{r.destination.alias} holds it)"
            jobs.append(PublishPackages(r.held_back, None, note, data))
    return PublishProcesses(jobs)


def rules():
    return [*collect_rules(), *BBCPublishFieldSet.rules()]
