"""An image's SBOM (core/sbom.py) from the files that say what it holds, exported from the engine
once per image id: dpkg's status database, Python distributions' METADATA and os-release."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pants.core.util_rules.system_binaries import BashBinary, MkdirBinary, TarBinary
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule

from bbc.core.build_output import output_tail
from bbc.core.sbom import (
    Package,
    debian_packages,
    os_release,
    python_distributions,
    sbom,
    sbom_image,
)
from bbc.rules.docker import DockerClient, raise_if_engine_down

SBOM_DIR = "bbc/sbom"  # under dist/

# Only the files the SBOM needs leave the engine (into $2), a pattern with no match is not an
# error; and the image's creation time, read meanwhile, as the container is removed. Run on its
# own (_EXPORT) or by the build script right after `docker build` (rules/build_process.py),
# which saves a process per built image.
EXTRACT = """extract_sbom_files() {
  "$MKDIR" -p "$2"
  local cid codes line failed= inspect removed
  "$DOCKER" image inspect --format '{{.Created}}' "$1" > "$2.created" & inspect=$!
  cid=$("$DOCKER" create "$1" /bbc-sbom) || { wait $inspect; return 1; }
  "$DOCKER" export "$cid" | "$TAR" -x -C "$2" --wildcards --wildcards-match-slash \\
    '*var/lib/dpkg/status' '*.dist-info/METADATA' '*usr/lib/os-release' 2>"$2.err"
  codes=("${PIPESTATUS[@]}")
  "$DOCKER" rm -f "$cid" >/dev/null & removed=$!
  wait $inspect || { wait $removed; return 1; }
  wait $removed
  [ "${codes[0]}" = 0 ] || return 1
  while IFS= read -r line; do
    case $line in
      *"Not found in archive"* | *"Exiting with failure"*) ;;
      *) echo "$line" >&2; failed=1 ;;
    esac
  done < "$2.err"
  [ -z "$failed" ] || return 1
  echo "$(<"$2.created")" > "$2/created"
}
"""
_EXPORT = f"""set -u
{EXTRACT}
extract_sbom_files "$1" out
"""


@dataclass(frozen=True)
class ImagePackagesRequest:
    image_id: str
    ref: str  # for messages


@dataclass(frozen=True)
class ImagePackages:
    """What an image holds, as its own files say."""

    packages: tuple[Package, ...]
    distro: str | None
    created: datetime | None


# What an image holds, read by its build in this pantsd or from its release's SBOM when it was
# pulled: an image id names its bits, so this never goes stale. `image_packages` reads it
# instead of exporting the image again.
_KNOWN: dict[str, ImagePackages] = {}


def _know(image_id: str, packages: ImagePackages) -> None:
    if len(_KNOWN) >= 100_000:
        del _KNOWN[next(iter(_KNOWN))]
    _KNOWN[image_id] = packages


def read_at_build(image_id: str, contents: DigestContents, folder: str) -> None:
    """The SBOM files that the build of `image_id` extracted into `folder`."""
    _know(image_id, _found(contents, folder))


def read_from_release(image_id: str, text: str) -> None:
    """The SBOM recorded for the release `image_id` was pulled from (rules/registry_cache.py):
    the same bits, so the same packages. A text that is not an SBOM of this plugin is ignored
    (the image is then exported to read them)."""
    try:
        packages, distro, created = sbom_image(text)
    except ValueError:
        return
    _know(image_id, ImagePackages(tuple(packages), distro, created))


def _found(contents: DigestContents, folder: str) -> ImagePackages:
    files = {c.path: c.content.decode(errors="replace") for c in contents}
    status = next((t for p, t in files.items() if p.endswith("var/lib/dpkg/status")), "")
    release = next((t for p, t in files.items() if p.endswith("os-release")), "")
    metadata = [t for p, t in files.items() if p.endswith(".dist-info/METADATA")]
    created = files.get(f"{folder}/created", "").strip()
    return ImagePackages(
        tuple(debian_packages(status) + python_distributions(metadata)),
        os_release(release),
        datetime.fromisoformat(created[:19] + "+00:00") if created else None,
    )


class SBOMError(Exception):
    pass


@rule(desc="Reading the packages in an image")
async def image_packages(
    request: ImagePackagesRequest,
    client: DockerClient,
    bash: BashBinary,
    tar: TarBinary,
    mkdir: MkdirBinary,
) -> ImagePackages:
    known = _KNOWN.get(request.image_id)
    if known:
        return known
    result = await Get(
        FallibleProcessResult,
        Process,
        client.docker.script(
            bash,
            _EXPORT,
            request.image_id,
            description=f"Reading the packages in {request.ref}",
            env={"TAR": tar.path, "MKDIR": mkdir.path},
            output_directories=("out",),
            # The image id names the bits: what it holds never changes.
            cache_scope=ProcessCacheScope.SUCCESSFUL,
        ),
    )
    raise_if_engine_down("export", result)
    if result.exit_code != 0:
        raise SBOMError(
            f"Could not read the packages in {request.ref} ({request.image_id}): "
            f"{output_tail(result.stderr.decode(errors='replace'))}"
        )
    return _found(await Get(DigestContents, Digest, result.output_digest), "out")


@dataclass(frozen=True)
class ImageSBOMRequest:
    repository: str
    version: str
    content_tag: str
    image_id: str


@dataclass(frozen=True)
class ImageSBOM:
    path: str  # relative to dist/
    digest: Digest  # the file at `path`


@rule(desc="Writing an image's SBOM")
async def image_sbom(request: ImageSBOMRequest) -> ImageSBOM:
    ref = f"{request.repository}:{request.content_tag}"
    found = await Get(ImagePackages, ImagePackagesRequest(request.image_id, ref))
    text = sbom(
        request.repository,
        request.version,
        request.content_tag,
        request.image_id,
        found.created,
        list(found.packages),
        found.distro,
    )
    path = f"{SBOM_DIR}/{request.repository}/{request.version}.cdx.json"
    digest = await Get(Digest, CreateDigest([FileContent(path, text.encode())]))
    return ImageSBOM(path, digest)


def rules():
    return collect_rules()
