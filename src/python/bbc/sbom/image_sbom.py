"""Images' SBOMs (sbom/cyclonedx.py) from the files that say what they hold (sbom/contents.py), read
out of the engine once per image id: dpkg's status database and the packages' copyright files,
Python distributions' METADATA, os-release and debian_version.

Several images are read with one `docker save` (sbom/image_files.py reads the archive):
`package` reads every image of the run in one process once they are all built
(build/package.py), so no build waits for it and the layers they share leave the engine once.
The process is cached by the image ids it reads: they name the bits, so what they hold never
changes.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Mapping

from pants.core.util_rules.system_binaries import BashBinary, MkdirBinary, PythonBinary
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.build.output import output_tail
from bbc.sbom.contents import (
    ImagePackages,
    debian_packages,
    operating_system,
    python_distributions,
)
from bbc.sbom.cyclonedx import Publication, sbom
from bbc.sbom.image_config import architecture, created
from bbc.subsystems import BBC
from bbc.util_rules.docker import DockerClient, raise_if_engine_down
from bbc.util_rules.scripts import script

SBOM_DIR = "bbc/sbom"  # under dist/
_COPYRIGHT = re.compile(r"usr/share/doc/([^/]+)/copyright")
# Far more than any of those files holds (a dpkg status database of 3,000 packages is ~5 MB).
FILE_LIMIT = 64 * 1024 * 1024

logger = logging.getLogger(__name__)

_SAVE = script(__name__, "save_images.sh")
_READER = "image_files.py"


@dataclass(frozen=True)
class ImagesPackagesRequest:
    images: tuple[tuple[str, str], ...]  # (image id, a name for messages)


@dataclass(frozen=True)
class ImagePackagesRequest:
    image_id: str
    ref: str  # for messages


@dataclass(frozen=True)
class ImagesPackages:
    images: tuple[tuple[str, ImagePackages], ...]  # by image id, as requested


def _found(text: dict[str, str], config: str) -> ImagePackages:
    found = ((_COPYRIGHT.fullmatch(p), t) for p, t in text.items())
    copyrights = {m.group(1): t for m, t in found if m}
    debian = debian_packages(text.get("var/lib/dpkg/status", ""), copyrights)
    metadata = {p: t for p, t in text.items() if p.endswith(".dist-info/METADATA")}
    return ImagePackages(
        tuple(debian + python_distributions(metadata, architecture(config), debian)),
        operating_system(text.get("usr/lib/os-release", ""), text.get("etc/debian_version", "")),
        created(config),
    )


class SBOMError(Exception):
    pass


def _read_images(
    document: str, refs: Mapping[str, str]
) -> dict[str, tuple[ImagePackages, tuple[str, ...]]]:
    """What each image holds, and why copyright files were not read, from image_files.py's
    document; SBOMError naming the image (its ref in `refs`, by id) whose files say nothing an
    SBOM can hold."""
    found = json.loads(document)
    blobs = found["blobs"]
    packages = {}
    for image_id, image in found["images"].items():
        try:
            files = {path: blobs[key] for path, key in image["files"].items()}
            packages[image_id] = (_found(files, image["config"]), tuple(image["unread"]))
        except ValueError as e:
            raise SBOMError(f"Could not read the packages in {refs.get(image_id, image_id)}: {e}")
    return packages


@rule(desc="Reading the packages in images")
async def images_packages(
    request: ImagesPackagesRequest,
    client: DockerClient,
    bash: BashBinary,
    python: PythonBinary,
    mkdir: MkdirBinary,
) -> ImagesPackages:
    images = sorted(dict(request.images).items())
    found: dict[str, ImagePackages] = {}
    if images:
        names = ", ".join(ref for _, ref in images[:3]) + (" ..." if len(images) > 3 else "")
        reader = await Get(
            Digest, CreateDigest([FileContent(_READER, script(__name__, _READER).encode())])
        )
        result = await Get(
            FallibleProcessResult,
            Process,
            client.docker.script(
                bash,
                _SAVE,
                *(i for i, _ in images),
                description=f"Reading the packages in {len(images)} image(s): {names}",
                env={
                    "PYTHON": python.path,
                    "MKDIR": mkdir.path,
                    "BBC_FILE_LIMIT": str(FILE_LIMIT),
                },
                input_digest=reader,
                output_directories=("out",),
                # The image ids name the bits: what they hold never changes. A remote cache
                # answers before the engine has saved the images, even on a busy machine.
                cache_scope=ProcessCacheScope.SUCCESSFUL,
                remote_cache_speculation_delay_millis=3000,
                level=LogLevel.INFO,  # shown, as the builds are: a big family takes seconds
            ),
        )
        raise_if_engine_down("save", result)
        if result.exit_code != 0:
            problem = output_tail(result.stderr.decode(errors="replace"))
            for image_id, ref in images:  # the archive knows images by id only
                problem = problem.replace(image_id, ref)
            if not any(problem.startswith(f"{ref}: ") for _, ref in images):
                problem = f"{names}: {problem}"
            raise SBOMError(f"Could not read the packages in {problem}")
        contents = await Get(DigestContents, Digest, result.output_digest)
        try:
            read = _read_images(contents[0].content.decode(), dict(images))
        except (ValueError, KeyError) as e:  # not the document image_files.py writes
            raise SBOMError(f"Could not read the packages in {names}: {e!r}")
        found = {image_id: packages for image_id, (packages, _) in read.items()}
        for image_id, (_, unread) in read.items():
            if unread:
                ref = dict(images).get(image_id, image_id)
                logger.warning(f"{ref}: licences left out of its SBOM: {'; '.join(unread)}.")
        missing = [ref for i, ref in images if i not in found]
        if missing:
            raise SBOMError(
                f"`docker save` wrote no {', '.join(missing)}: could not read their packages."
            )
    return ImagesPackages(tuple((i, found[i]) for i, _ in request.images))


@rule(desc="Reading the packages in an image")
async def image_packages(request: ImagePackagesRequest) -> ImagePackages:
    found = await Get(ImagesPackages, ImagesPackagesRequest(((request.image_id, request.ref),)))
    return found.images[0][1]


@dataclass(frozen=True)
class ImageSBOMRequest:
    repository: str
    version: str
    content_tag: str
    image_id: str
    # What it holds when known already (its release's SBOM, or read with the run's other
    # images); None: read it from the engine.
    packages: ImagePackages | None = None
    published: Publication | None = None  # where it is released, for the registry's copy


@dataclass(frozen=True)
class ImageSBOM:
    path: str  # relative to dist/
    digest: Digest  # the file at `path`


@rule(desc="Writing an image's SBOM")
async def image_sbom(request: ImageSBOMRequest, bbc: BBC) -> ImageSBOM:
    ref = f"{request.repository}:{request.content_tag}"
    found = request.packages or await Get(
        ImagePackages, ImagePackagesRequest(request.image_id, ref)
    )
    text = sbom(
        request.repository,
        request.version,
        request.content_tag,
        request.image_id,
        found,
        bbc.sbom_spec_version.value,
        request.published,
    )
    path = f"{SBOM_DIR}/{request.repository}/{request.version}.cdx.json"
    digest = await Get(Digest, CreateDigest([FileContent(path, text.encode())]))
    return ImageSBOM(path, digest)


def rules():
    return collect_rules()
