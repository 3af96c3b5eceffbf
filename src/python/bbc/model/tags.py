"""Every tag and image reference the plugin makes: plain functions over strings.

An image `bbc/flask` at version 1.4.2 is tagged, exact first: `1.4.2`, `1.4`, `1`, `latest`
(a prerelease gets only its exact tag), plus the immutable content tag `1.4.2-<hash>`. An image
variant (`variants={"cuda12": [...]}`) shares the version, each tag suffixed: `1.4.2-cuda12`,
`1.4-cuda12`, `1-cuda12`, `latest-cuda12`, content tag `1.4.2-cuda12-<hash>`. The test variant
is `1.4.2-test` (`1.4.2-cuda12-test`; a sandwich's lower layer `1.4.2-test-base`). In a registry
the same tags sit under `<registry address>/<repository>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bbc.model.versions import parse_version

CONTENT_HASH_LENGTH = 12
MOVING = "latest"
MAX_TAG = 128  # Docker's limit


def _suffix(variant: str | None) -> str:
    return f"-{variant}" if variant else ""


def version_tags(version: str, variant: str | None = None) -> tuple[str, ...]:
    """The exact and moving tags of a version (of one image variant), exact first: a prerelease
    gets only its own."""
    parsed, suffix = parse_version(version), _suffix(variant)
    if parsed.prerelease:
        return (f"{parsed}{suffix}",)
    tags = (str(parsed), f"{parsed.major}.{parsed.minor}", str(parsed.major))
    return (*(f"{tag}{suffix}" for tag in tags), f"{MOVING}{suffix}")


def content_tag(version: str, content_hash: str, variant: str | None = None) -> str:
    """The immutable tag of one content: the version (and image variant) plus a short hash of
    every build input."""
    return f"{parse_version(version)}{_suffix(variant)}-{content_hash[:CONTENT_HASH_LENGTH]}"


def tag_for_tests(version: str, variant: str | None = None) -> str:
    """The tag of an image's (or image variant's) test variant: never pushed, never a parent."""
    return f"{parse_version(version)}{_suffix(variant)}-test"


def tag_for_test_base(version: str) -> str:
    """The tag of a sandwich test variant's lower layer (the test Dockerfile on the parent),
    shared by the image's variants: their build arguments are not in it."""
    return f"{tag_for_tests(version)}-base"


_PLUGIN_TAG = re.compile(rf"-(test|test-base|[0-9a-f]{{{CONTENT_HASH_LENGTH}}})$")


def tag_problem(version: str) -> str | None:
    """Why a version cannot be tagged: its tags would be the plugin's own tags of another version
    (a content tag, a test variant's), or too long for Docker. None when it can."""
    clash = _PLUGIN_TAG.search(version)
    if clash:
        return (
            f"{version!r} ends like the tags the plugin gives other versions ({clash.group(0)}: "
            f"a content tag or a test variant's); choose another prerelease, for example "
            f"{version[: clash.start()]}-rc.1."
        )
    longest = f"{tag_for_test_base(version)}-{'0' * CONTENT_HASH_LENGTH}"
    if len(longest) <= MAX_TAG:
        return None
    return (
        f"{version!r} is too long for Docker's tags: its longest tag ({longest[:20]}...) has "
        f"{len(longest)} characters, Docker allows {MAX_TAG}; keep versions under "
        f"{MAX_TAG - len(longest) + len(version) + 1} characters."
    )


def image_tags_problem(image_tags: tuple[str, ...] | None, build_file: str) -> str | None:
    """Why a BBC image may not have `image_tags` (Pants' default, `latest`, aside): the plugin
    makes its tags, and extra ones would move outside version discipline; None if it has none."""
    if not image_tags or tuple(image_tags) == ("latest",):
        return None
    return (
        f"image_tags={list(image_tags)!r} in {build_file}: the BBC plugin tags its images itself "
        f"(X.Y.Z, X.Y, X, latest and the content tag) and would not apply these. Remove "
        f"image_tags from the target; other names for the image belong in the registry."
    )


def ref(repository: str, tag: str) -> str:
    """`bbc/flask:1.4.2`."""
    return f"{repository}:{tag}"


def tag_of(image_ref: str) -> str:
    """`1.4` of `registry:5000/bbc/flask:1.4`."""
    return image_ref.rsplit(":", 1)[1]


def repository_of(image_ref: str) -> str:
    """`registry:5000/bbc/flask` of `registry:5000/bbc/flask:1.4`."""
    return image_ref.rsplit(":", 1)[0]


_SBOM_TAG = re.compile(r"^sha256-[0-9a-f]{64}\.sbom$")


def sbom_tag(manifest_digest: str) -> str:
    """The tag of a release's SBOM in its registry, named for the image manifest it describes:
    `sha256-<hex>.sbom` (cosign's and ORAS's convention, for registries without the OCI
    referrers API)."""
    algorithm, hex_digest = manifest_digest.split(":", 1)
    return f"{algorithm}-{hex_digest}.sbom"


def is_sbom_tag(tag: str) -> bool:
    return _SBOM_TAG.match(tag) is not None


def pinned(repository: str, digest: str) -> str:
    """A reference that always gives the same bits: `registry/bbc/flask@sha256:...`."""
    return f"{repository}@{digest}"


@dataclass(frozen=True)
class RegistryRefs:
    """An image's references in one registry: what `publish` pushes there."""

    alias: str
    address: str  # the registry's, e.g. 127.0.0.1:5000
    repository: str  # <address>/<repository>
    exact: str
    content: str
    moving: tuple[str, ...]  # X.Y, X, latest and the registry's extra tags
    version: str = ""  # X.Y.Z, shared by the image's variants
    variant: str | None = None  # the image variant these refs are of; None: the image itself

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.exact, self.content, *self.moving)


def registry_refs(
    alias: str,
    address: str,
    repository: str,
    version: str,
    content: str,
    extra_tags: tuple[str, ...] = (),
    variant: str | None = None,
) -> RegistryRefs:
    """The refs of an image (variant) with this version and content tag in the registry at
    `address`. A registry's extra tags go to the image itself, never to its variants."""
    remote = f"{address}/{repository}"
    exact, *moving = version_tags(version, variant)
    extra = () if variant else extra_tags
    return RegistryRefs(
        alias,
        address,
        remote,
        ref(remote, exact),
        ref(remote, content),
        tuple(ref(remote, tag) for tag in (*moving, *extra)),
        str(parse_version(version)),
        variant,
    )
