"""What building an image asks for and gives back, shared by the build rules.

A build is one image variant (model/variants.py: `image_variant`, None for the image itself) in
one kind: production, its test variant, or a sandwich test variant's lower layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Address

from bbc.model.tags import ref
from bbc.sbom.contents import ImagePackages

PROD, TEST_BASE, TEST = "prod", "test-base", "test"


@dataclass(frozen=True)
class ImageBuildRequest:
    address: Address
    variant: str = PROD  # the kind: PROD, TEST or TEST_BASE
    # Build on the parent as published in this run (see publish/release.py), not as packaged.
    publish: bool = False
    image_variant: str | None = None  # one of the image's `variants`; None: the image itself

    @property
    def identity(self) -> ImageIdentityRequest:
        return ImageIdentityRequest(self.address, self.variant, self.image_variant)


@dataclass(frozen=True)
class ImageIdentityRequest:
    """An image variant's tags and content hash, found without building anything (model/identity.py):
    the same wherever and whenever it is built, published or not."""

    address: Address
    variant: str = PROD
    image_variant: str | None = None


@dataclass(frozen=True)
class ImageBuild:
    address: Address
    variant: str
    image_id: str = ""
    repository: str = ""  # local: never with a registry (registries only matter to publish)
    tags: tuple[str, ...] = ()  # exact first, content tag last
    content_hash: str = ""  # the image's identity (model/content.py)
    built: bool = False  # False: it was up to date (or pulled)
    seconds: float = 0.0  # how long building it took, when this run built it
    # When this run pulled it from a registry (publish/registry_cache.py): the registry's ref of its
    # exact version, and the manifest digest pulled.
    pulled_from: str = ""
    registry_digest: str = ""
    release_packages: ImagePackages | None = None  # what the pulled release's SBOM lists
    failure: str | None = None  # why this image failed to build
    blocked_by: Address | None = None  # the ancestor whose failure stopped it
    image_variant: str | None = None  # see ImageBuildRequest

    @property
    def name(self) -> str:
        """The image, and its variant if it is one: `images/ml:ml`, `images/ml:ml (cuda12)`."""
        return f"{self.address} ({self.image_variant})" if self.image_variant else str(self.address)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.blocked_by is None

    @property
    def refs(self) -> tuple[str, ...]:
        """Every local `repository:tag` of the image, its exact version first."""
        return tuple(ref(self.repository, tag) for tag in self.tags)

    @property
    def content_tag(self) -> str:
        return self.tags[-1] if self.tags else ""

    @property
    def content_ref(self) -> str:
        """The immutable local name of exactly this content: what children are built FROM."""
        return self.refs[-1] if self.tags else ""


@dataclass(frozen=True)
class BaseRequest:
    address: Address  # the parent
    publish: bool
    image_variant: str | None = None  # the parent's variant (the child's parent_variant)


@dataclass(frozen=True)
class Base:
    """A child's parent: the image it is built FROM, and what its `base.*` labels say.

    During `publish`, `name` is the parent's registry ref and `digest` its manifest digest
    there; otherwise `name` is the parent's local content ref. The rule is in base.py.
    """

    build: ImageBuild
    name: str
    digest: str | None = None
    blocked_by: Address | None = None  # the ancestor that failed to build or to publish
