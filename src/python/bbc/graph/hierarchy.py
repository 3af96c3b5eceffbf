"""The BBC hierarchy: every image and its one parent; walks up, down and in build order.

Plain data in, plain data out; the Pants rules build `Image`s from targets and Dockerfiles.
What the chain must satisfy is checked in chain.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from bbc.model.tags import VARIANT_AFTER

from bbc.model.versions import range_allows


@dataclass(frozen=True)
class Image:
    address: str  # the docker_image target, e.g. "images/root:root"
    version: str
    repository: str  # e.g. "bbc/root"
    parent: str | None = None  # the parent's address; None for a root
    parent_versions: str | None = None  # the npm-style range of parent versions it accepts
    build_file: str = ""  # where a fix goes, e.g. "images/root/BUILD"
    broken: bool = False  # it cannot be built (its error says why), nor its descendants
    base: str | None = None  # a root's external base, pinned by digest: name:tag@sha256:...
    variants: tuple[str, ...] = ()  # its image variants' names (model/variants.py)
    parent_variant: str | None = None  # the parent's variant it is built on
    variant_template: str = VARIANT_AFTER  # where its variants' names go in their tags


class Hierarchy:
    def __init__(self, images: Iterable[Image]) -> None:
        self.images = {image.address: image for image in images}
        self._children: dict[str, list[str]] = {address: [] for address in self.images}
        for image in self.images.values():
            if image.parent in self._children:
                self._children[image.parent].append(image.address)
        for children in self._children.values():
            children.sort()

    def __getitem__(self, address: str) -> Image:
        return self.images[address]

    def roots(self) -> list[str]:
        return sorted(a for a, image in self.images.items() if image.parent not in self.images)

    def children(self, address: str) -> list[str]:
        return self._children[address]

    def ancestors(self, address: str) -> list[str]:
        """Parent first, root last."""
        chain: list[str] = []
        parent = self.images[address].parent
        while parent in self.images and parent not in chain and parent != address:
            chain.append(parent)
            parent = self.images[parent].parent
        return chain

    def descendants(self, address: str) -> list[str]:
        """Every image below `address`, parents before children."""
        found: list[str] = []
        frontier = list(self.children(address))
        while frontier:
            child = frontier.pop(0)
            if child not in found:
                found.append(child)
                frontier.extend(self.children(child))
        return found

    def around(self, addresses: Iterable[str]) -> Hierarchy:
        """The part of the hierarchy the given images are in: them, their ancestors (so every
        chain still starts at its root) and their descendants."""
        kept: set[str] = set()
        for address in addresses:
            if address in self.images:
                kept |= {address, *self.ancestors(address), *self.descendants(address)}
        return Hierarchy(image for a, image in self.images.items() if a in kept)

    def order(self) -> list[str]:
        """All images, parents before children (roots in name order)."""
        ordered: list[str] = []
        for root in self.roots():
            ordered.append(root)
            ordered.extend(self.descendants(root))
        return ordered

    def find_cycle(self) -> list[str] | None:
        """A cycle as a path that ends where it starts, or None."""
        for start in sorted(self.images):
            path = [start]
            parent = self.images[start].parent
            while parent in self.images:
                if parent in path:
                    return path[path.index(parent) :] + [parent]
                path.append(parent)
                parent = self.images[parent].parent
        return None

    def parent_range_holds(self, address: str) -> bool | None:
        """Whether the parent's version is in the child's range; None for roots or no range."""
        image = self.images[address]
        if image.parent not in self.images or image.parent_versions is None:
            return None
        if image.broken or self.images[image.parent].broken:
            return None
        return range_allows(image.parent_versions, self.images[image.parent].version)
