"""What images hold at a few paths, from `docker save`'s archive: its manifest lists each image's
config and layers, bottom first; each layer adds files and removes lower ones with whiteouts
(`.wh.NAME` removes NAME, `.wh..wh..opq` empties its folder), as the OCI image spec says.

`docker save` of several images writes each layer once, however many images share it: reading
the SBOM files of a whole family this way costs about what one image's container export did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True)
class SavedImage:
    image_id: str  # sha256:<hex>
    config: str  # path in the archive
    layers: tuple[str, ...]  # paths in the archive, bottom first


def saved_images(manifest: str) -> dict[str, SavedImage]:
    """The images in a `docker save` manifest.json, by id (the config's digest: its file name in
    the legacy layout, `<hex>.json`, and in the OCI one, `blobs/sha256/<hex>`)."""
    found = {}
    for entry in json.loads(manifest):
        config = entry["Config"]
        image_id = "sha256:" + config.rsplit("/", 1)[-1].removesuffix(".json")
        found[image_id] = SavedImage(image_id, config, tuple(entry["Layers"]))
    return found


def created(config: str) -> datetime | None:
    """The image's creation time from its config JSON, to the second."""
    stamp = json.loads(config).get("created") or ""
    return datetime.fromisoformat(stamp[:19] + "+00:00") if len(stamp) >= 19 else None


def architecture(config: str) -> str | None:
    """The image's architecture from its config JSON (Go's name: amd64, arm64)."""
    return json.loads(config).get("architecture") or None


def merged(layers: list[dict[str, bytes]]) -> dict[str, bytes]:
    """The files the image holds, from what each layer (bottom first) holds of them and of its
    whiteouts (paths relative to the image's root, as the layers' archives name them). One pass
    over the files per layer, whatever its number of whiteouts."""
    files: dict[str, bytes] = {}
    for layer in layers:
        gone: set[str] = set()  # paths removed, with everything under them
        emptied: set[str] = set()  # folders emptied ("" for the root), as "<folder>/"
        for path in layer:
            folder, _, name = path.rpartition("/")
            inside = f"{folder}/" if folder else ""
            if name == OPAQUE:
                emptied.add(inside)
            elif name.startswith(WHITEOUT):
                gone.add(inside + name[len(WHITEOUT) :])
        if gone or emptied:
            files = {p: c for p, c in files.items() if not _removed(p, gone, emptied)}
        files.update((p, c) for p, c in layer.items() if not _is_whiteout(p))
    return files


def _removed(path: str, gone: set[str], emptied: set[str]) -> bool:
    if "" in emptied:
        return True
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix in gone or (depth < len(parts) and f"{prefix}/" in emptied):
            return True
    return False


def _is_whiteout(path: str) -> bool:
    return path.rpartition("/")[2].startswith(WHITEOUT)
