"""The files an SBOM is made from, as each image holds them, read from a `docker save` archive.

Run by the SBOM process (sbom/image_sbom.py) as `python3 image_files.py ARCHIVE LIMIT`, with
whatever Python 3 the host has: the standard library only, nothing extracted to disk. It prints
one JSON document: `{"images": {<image id>: {"config": <text>, "files": {<path>: <blob>},
"unread": [<why a copyright file was not read>]}}, "blobs": {<blob>: <text>}}` (a file shared by
several images is written once).

An image's files are its layers merged as the OCI image spec says, bottom first: a layer's
entry replaces what lower layers held at its path (a symlink or a file in place of a folder
removes the folder), `.wh.NAME` removes NAME, `.wh..wh..opq` empties its folder of what lower
layers held. Which archive member is a layer and which a config comes from manifest.json. Paths
are then resolved inside the image's own tree, following its symlinks (an absolute target from
the image's root, never the host's), so a symlinked status file, folder or doc directory reads
what the image holds there. A file over LIMIT bytes is named, not read.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tarfile

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
# Read at these paths: Debian's package database, the OS release, Debian's point release.
FIXED = ("var/lib/dpkg/status", "usr/lib/os-release", "etc/debian_version")
DOC = "usr/share/doc"  # <DOC>/<package>/copyright
METADATA = "METADATA"  # in each <name>.dist-info folder
MAX_LINKS = 40  # as Linux's limit on symlinks followed in one lookup


class ImageFilesError(Exception):
    pass


class _Node:
    """A path of the merged tree: its archive entry (None for a folder no layer lists) and, for a
    folder, what it holds."""

    __slots__ = ("entry", "children")

    def __init__(self, entry: tuple | None = None) -> None:
        self.entry = entry  # (the layer's TarFile, its TarInfo)
        self.children: dict[str, _Node] = {}

    def is_folder(self) -> bool:
        return self.entry is None or self.entry[1].isdir()


def _parts(name: str) -> list[str]:
    return [p for p in name.split("/") if p not in ("", ".")]


def _layer_entries(layer: tarfile.TarFile) -> list[tuple[list[str], tarfile.TarInfo]]:
    """The layer's entries by path; a hard link stands for the entry it links to (a file, or a
    symlink: a hard link to a symlink is that symlink), which an archive holds before it."""
    entries, by_path = [], {}
    for info in layer.getmembers():
        parts = _parts(info.name)
        if not parts or ".." in parts:  # an archive's `..` names nothing in the image
            continue
        if info.islnk():
            info = by_path.get(tuple(_parts(info.linkname)), info)
        by_path[tuple(parts)] = info
        entries.append((parts, info))
    return entries


def _apply(root: _Node, layer: tarfile.TarFile) -> None:
    """Puts a layer over the tree: its whiteouts first (they remove what lower layers held, never
    what the layer itself adds, whatever their order in the archive), then its entries."""
    entries = _layer_entries(layer)
    for parts, _ in entries:
        name = parts[-1]
        if not name.startswith(WHITEOUT):
            continue
        folder = _find(root, parts[:-1])
        if folder is None or not folder.is_folder():
            continue
        if name == OPAQUE:
            folder.children.clear()
        else:
            folder.children.pop(name[len(WHITEOUT) :], None)
    for parts, info in entries:
        if parts[-1].startswith(WHITEOUT):
            continue
        folder = root
        for part in parts[:-1]:
            child = folder.children.get(part)
            if child is None or not child.is_folder():
                child = folder.children[part] = _Node()
            folder = child
        existing = folder.children.get(parts[-1])
        if info.isdir() and existing is not None and existing.is_folder():
            existing.entry = (layer, info)
        else:
            folder.children[parts[-1]] = _Node((layer, info))


def _find(root: _Node, parts: list[str]) -> _Node | None:
    """The node at `parts`, following no symlink."""
    node = root
    for part in parts:
        node = node.children.get(part) if node.is_folder() else None
        if node is None:
            return None
    return node


def resolve(root: _Node, path: str) -> _Node | None:
    """The node `path` (from the image's root) names, following the image's symlinks inside its
    own tree; None when nothing is there."""
    pending = _parts(path)
    trail = [root]  # the folders walked, for `..`
    links = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if len(trail) > 1:
                trail.pop()
            continue
        folder = trail[-1]
        child = folder.children.get(part) if folder.is_folder() else None
        if child is None:
            return None
        if child.entry is not None and child.entry[1].issym():
            links += 1
            if links > MAX_LINKS:
                raise ImageFilesError(f"/{path} goes through more than {MAX_LINKS} symlinks")
            target = child.entry[1].linkname
            if target.startswith("/"):
                del trail[1:]
            pending = [p for p in target.split("/") if p not in ("", ".")] + pending
            continue
        trail.append(child)
    return trail[-1]


_KINDS = {tarfile.FIFOTYPE: "a FIFO", tarfile.CHRTYPE: "a device", tarfile.BLKTYPE: "a device"}


def _content(node: _Node, path: str, limit: int, required: bool) -> bytes | None:
    """What the file at `path` holds; None for a folder unless `required` (a path whose file an
    SBOM cannot do without: a folder there would make it silently empty)."""
    if node.is_folder():
        if required:
            raise ImageFilesError(f"/{path} is a folder, not a file")
        return None
    layer, info = node.entry
    if info.islnk():
        raise ImageFilesError(f"/{path} is a hard link to {info.linkname}, not in its layer")
    if not info.isreg():
        raise ImageFilesError(f"/{path} is {_KINDS.get(info.type, 'not a regular file')}")
    if info.size > limit:
        raise ImageFilesError(
            f"/{path} holds {info.size} bytes, more than the {limit} bytes the SBOM reader "
            "takes from one file"
        )
    found = layer.extractfile(info)
    return found.read() if found is not None else b""


def _walk(root: _Node):
    """Every folder under `root` with its path, following no symlink."""
    pending = [([], root)]
    while pending:
        parts, node = pending.pop()
        for name, child in node.children.items():
            if child.is_folder():
                pending.append((parts + [name], child))
                yield parts + [name], child


def image_files(root: _Node, limit: int) -> tuple[dict[str, bytes], list[str]]:
    """The SBOM's files in a merged tree, by the path where the image shows them, and why a
    package's copyright file was not read (too big, not a file): its licences are then unknown,
    while a status database or METADATA not read would leave packages out (an error)."""
    wanted = list(FIXED)
    docs = resolve(root, DOC)
    if docs is not None and docs.is_folder():
        wanted += [f"{DOC}/{name}/copyright" for name in sorted(docs.children)]
    wanted += [
        "/".join(parts + [METADATA])
        for parts, folder in _walk(root)
        if parts[-1].endswith(".dist-info") and METADATA in folder.children
    ]
    files, unread = {}, []
    for path in wanted:
        node = resolve(root, path)
        try:
            content = None if node is None else _content(node, path, limit, path in FIXED)
        except ImageFilesError as e:
            if not path.startswith(f"{DOC}/"):
                raise
            unread.append(str(e))
            continue
        if content is not None:
            files[path] = content
    return files, unread


def read_archive(archive: tarfile.TarFile, limit: int) -> dict:
    """The document this script prints, for every image in a `docker save` archive."""
    try:
        manifest = json.loads(_member(archive, "manifest.json", limit))
    except ValueError as e:
        raise ImageFilesError(f"manifest.json is not JSON: {e}")
    layers: dict[str, tarfile.TarFile] = {}
    images: dict[str, dict] = {}
    blobs: dict[str, str] = {}
    for entry in manifest:
        config_path = entry["Config"]
        image_id = "sha256:" + config_path.rsplit("/", 1)[-1].replace(".json", "")
        name = (entry.get("RepoTags") or [image_id])[0]
        root = _Node()
        for path in entry["Layers"]:
            if path not in layers:
                layers[path] = tarfile.open(fileobj=_member_file(archive, path), mode="r:*")
            _apply(root, layers[path])
        try:
            files, unread = image_files(root, limit)
        except ImageFilesError as e:
            raise ImageFilesError(f"{name}: {e}")
        keys = {}
        for path, content in files.items():
            key = hashlib.sha256(content).hexdigest()
            blobs.setdefault(key, content.decode("utf-8", errors="replace"))
            keys[path] = key
        config = _member(archive, config_path, limit).decode("utf-8", errors="replace")
        images[image_id] = {"config": config, "files": keys, "unread": unread}
    return {"images": images, "blobs": blobs}


def _member_file(archive: tarfile.TarFile, path: str):
    try:
        found = archive.extractfile(path)
    except KeyError:
        found = None
    if found is None:
        raise ImageFilesError(f"manifest.json names {path}, which the archive does not hold")
    return found


def _member(archive: tarfile.TarFile, path: str, limit: int) -> bytes:
    found = _member_file(archive, path)
    content = found.read(limit + 1)
    if len(content) > limit:
        raise ImageFilesError(f"{path} is more than {limit} bytes")
    return content


def main(argv: list[str]) -> int:
    archive_path, limit = argv[1], int(argv[2])
    try:
        with tarfile.open(archive_path, mode="r:") as archive:
            document = read_archive(archive, limit)
    except (ImageFilesError, tarfile.TarError, KeyError, TypeError) as e:
        problem = e if isinstance(e, ImageFilesError) else f"{e.__class__.__name__}: {e}"
        print(problem, file=sys.stderr)
        return 1
    json.dump(document, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
