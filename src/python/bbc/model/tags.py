"""Every tag and image reference the plugin makes: plain functions over strings.

An image `bbc/flask` at version 1.4.2 is tagged, exact first: `1.4.2`, `1.4`, `1`, `latest`
(a prerelease gets only its exact tag), plus the immutable content tag `1.4.2-<hash>`. An image
variant (`variants={"cuda12": [...]}`) shares the version, its name in each tag as
`[bbc].variant_tag_template` places it: by default after (`{tag}-{variant}`: `1.4.2-cuda12`,
`1.4-cuda12`, `1-cuda12`, `latest-cuda12`), or before (`{variant}-{tag}`: `cuda12-1.4.2`,
`cuda12-latest`); its content tag is its exact tag and the hash (`1.4.2-cuda12-<hash>`). The
test variant is `1.4.2-test` (`1.4.2-cuda12-test`; a sandwich's lower layer `1.4.2-test-base`).
In a registry the same tags sit under `<registry address>/<repository>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from bbc.model.versions import parse_version

CONTENT_HASH_LENGTH = 12
MOVING = "latest"
MAX_TAG = 128  # Docker's limit
_CONTENT_HASH = re.compile(rf"-[0-9a-f]{{{CONTENT_HASH_LENGTH}}}$")


VARIANT_AFTER = "{tag}-{variant}"  # the default [bbc].variant_tag_template
_TEMPLATE = re.compile(r"^(?:\{tag\}[-_]\{variant\}|\{variant\}[-_]\{tag\})$")


def variant_template_problem(template: str) -> str | None:
    """Why `[bbc].variant_tag_template` cannot place variant names unambiguously in tags."""
    if _TEMPLATE.match(template):
        return None
    return (
        f"[bbc].variant_tag_template = {template!r}: write {{tag}} and {{variant}} once each, "
        f"joined by one - or _ and nothing else ('{{tag}}-{{variant}}': 1.4.2-cuda12, the "
        f"default; '{{variant}}-{{tag}}': cuda12-1.4.2), so that every tag names one version "
        f"and one variant."
    )


def with_variant(tag: str, variant: str | None, template: str = VARIANT_AFTER) -> str:
    """`tag` of an image variant (`1.4-cuda12`), or `tag` itself for the image."""
    return template.format(tag=tag, variant=variant) if variant else tag


def split_variant(
    tag: str, variants: Iterable[str], template: str = VARIANT_AFTER
) -> tuple[str, str | None]:
    """(the image's own tag, the variant) that `tag` is made of: `1.4-cuda12` -> (`1.4`,
    `cuda12`), a content tag `1.4.2-cuda12-<hash>` -> (`1.4.2-<hash>`, `cuda12`); an image's own
    tag -> (tag, None)."""
    hashed = _CONTENT_HASH.search(tag)
    core, hash_part = (tag[: hashed.start()], hashed.group(0)) if hashed else (tag, "")
    before, after = template.split("{tag}")
    for name in sorted(variants, key=len, reverse=True):
        head, tail = before.format(variant=name), after.format(variant=name)
        if len(core) > len(head) + len(tail) and core.startswith(head) and core.endswith(tail):
            return core[len(head) : len(core) - len(tail)] + hash_part, name
    return tag, None


def version_tags(
    version: str, variant: str | None = None, template: str = VARIANT_AFTER
) -> tuple[str, ...]:
    """The exact and moving tags of a version (of one image variant), exact first: a prerelease
    gets only its own."""
    parsed = parse_version(version)
    if parsed.prerelease:
        tags: tuple[str, ...] = (str(parsed),)
    else:
        tags = (str(parsed), f"{parsed.major}.{parsed.minor}", str(parsed.major), MOVING)
    return tuple(with_variant(tag, variant, template) for tag in tags)


def content_tag(exact_tag: str, content_hash: str) -> str:
    """The immutable tag of one content: the image's (or variant's, or test variant's) exact tag
    plus a short hash of every build input."""
    return f"{exact_tag}-{content_hash[:CONTENT_HASH_LENGTH]}"


def tag_for_tests(version: str, variant: str | None = None, template: str = VARIANT_AFTER) -> str:
    """The tag of an image's (or image variant's) test variant: never pushed, never a parent."""
    return f"{with_variant(str(parse_version(version)), variant, template)}-test"


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
    longest = content_tag(tag_for_test_base(version), "0" * CONTENT_HASH_LENGTH)
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


_ARTIFACT_TAG = re.compile(r"^sha256-[0-9a-f]{64}\.(sbom|att)$")


def sbom_tag(manifest_digest: str) -> str:
    """The tag of a release's SBOM in its registry, named for the image manifest it describes:
    `sha256-<hex>.sbom` (cosign's and ORAS's convention, for registries without the OCI
    referrers API)."""
    algorithm, hex_digest = manifest_digest.split(":", 1)
    return f"{algorithm}-{hex_digest}.sbom"


def attestation_tag(manifest_digest: str) -> str:
    """The tag of a release's signed attestations (its provenance and SBOM): `sha256-<hex>.att`
    (cosign's convention)."""
    algorithm, hex_digest = manifest_digest.split(":", 1)
    return f"{algorithm}-{hex_digest}.att"


def is_artifact_tag(tag: str) -> bool:
    """Whether the tag names a release's SBOM or attestations, not a release."""
    return _ARTIFACT_TAG.match(tag) is not None


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
    template: str = VARIANT_AFTER  # where the variant's name is in its tags

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
    template: str = VARIANT_AFTER,
) -> RegistryRefs:
    """The refs of an image (variant) with this version and content tag in the registry at
    `address`. A registry's extra tags go to the image itself, never to its variants."""
    remote = f"{address}/{repository}"
    exact, *moving = version_tags(version, variant, template)
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
        template,
    )
