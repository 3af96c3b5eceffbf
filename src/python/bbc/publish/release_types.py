"""What publishing an image asks for and gives back (publish/release.py does it)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Address

from bbc.build.types import ImageBuild
from bbc.model.tags import RegistryRefs


@dataclass(frozen=True)
class RegistryPublish:
    destination: RegistryRefs
    build: ImageBuild  # what is there now: the local build, or the registry's pulled bits
    pushed: tuple[str, ...] = ()
    signed: tuple[str, ...] = ()  # tags this run signed
    held_back: tuple[str, ...] = ()  # moving tags left on a newer release
    digest: str | None = None  # the manifest digest of the exact tag
    previous: str | None = None  # the newest release before this version in the registry
    failure: str | None = None


@dataclass(frozen=True)
class RegistryPublishRequest:
    destination: RegistryRefs
    build: ImageBuild


@dataclass(frozen=True)
class ImagePublishRequest:
    address: Address


@dataclass(frozen=True)
class ImagePublish:
    address: Address
    build: ImageBuild
    registries: tuple[RegistryPublish, ...] = ()  # the image's, then each variant's
    not_pushed: str | None = None  # why nothing was pushed (no registry, skip_push)
    blocked_by: Address | None = None  # an ancestor that failed to build or publish
    variant_builds: tuple[ImageBuild, ...] = ()  # its image variants', as published

    @property
    def failure(self) -> str | None:
        failures = [b.failure for b in (self.build, *self.variant_builds) if b.failure]
        failures += [r.failure for r in self.registries if r.failure]
        return "\n".join(f for f in failures if f) if failures else None

    def build_of(self, variant: str | None) -> ImageBuild:
        """The build of the image (None) or of one of its variants."""
        found = [b for b in self.variant_builds if b.image_variant == variant]
        return found[0] if variant and found else self.build

    @property
    def ok(self) -> bool:
        return self.failure is None and self.blocked_by is None
