"""Debian locks as plain data: what apt resolved (its Packages stanzas and download URLs) made
into a lock, a lock read back, and what moved between two locks. A lock is a Packages file
(deb822, parsed and written with python-debian) of exactly the packages one image installs,
each with its `Url`; `3rdparty/debian/fetch-debs.sh` turns it into a flat apt repository."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence
from urllib.parse import unquote, urlparse

from debian.deb822 import Packages
from debian.debian_support import Version

# The fields of a mirror's Packages stanza that a lock keeps: what apt and dpkg need to order
# and install the packages (the whole dependency closure), and what identifies each file.
FIELDS = (
    "Package",
    "Source",
    "Version",
    "Architecture",
    "Essential",
    "Protected",
    "Priority",
    "Multi-Arch",
    "Pre-Depends",
    "Depends",
    "Provides",
    "Breaks",
    "Conflicts",
    "Replaces",
    "Installed-Size",
    "Filename",
    "Size",
    "SHA256",
    "Url",
)


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    arch: str
    source: str | None
    url: str
    sha256: str


@dataclass(frozen=True)
class Moved:
    """One package between two locks: `old` or `new` is None when it was added or removed."""

    name: str
    old: Locked | None
    new: Locked | None


def minbase_patterns(arch: str) -> list[list[str]]:
    """The apt patterns of what `mmdebstrap --variant=minbase` installs, in its two steps: the
    Essential set, then Priority: required (as mmdebstrap asks apt, with an empty suite)."""
    narrow = f"?narrow(?architecture({arch}),"
    return [
        [f"{narrow}?essential)"],
        [f"{narrow}?and(?priority(required),?not(?essential)))"],
    ]


def resolve_spec(locks: Sequence[tuple[str, str | None, list[list[str]]]]) -> str:
    """The resolver script's input: per lock (name, the lock it starts from or None, the apt
    install steps), `lock NAME BASE` then one `install WORDS` line per step. Bases first."""
    lines = []
    for name, base, steps in locks:
        lines.append(f"lock {name} {base or '-'}")
        lines.extend(f"install {' '.join(step)}" for step in steps if step)
    return "\n".join(lines) + "\n"


def urls_by_file(print_uris: str) -> dict[str, str]:
    """`apt-get --print-uris` lines (`'URL' FILE SIZE HASH`) as {pool file name: URL}."""
    found = {}
    for line in print_uris.splitlines():
        if line.startswith("'"):
            url = line.split("'")[1]
            found[unquote(url.rsplit("/", 1)[-1])] = url
    return found


# A lock entry is data: its Filename is a pool path of a .deb (no `..`, no segment starting with
# a dot, one line), its Url an http(s) address of that file, its SHA256 a digest. fetch-debs.sh
# writes each file under its own name into one folder: anything else could name a path outside
# it, or the script's own files.
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+~_%:-]*")
_DEB = re.compile(_SEGMENT.pattern + r"\.u?deb")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")


def entry_problem(package: str, filename: str, url: str, sha256: str) -> str | None:
    """Why a lock entry (from a mirror's Packages stanza and apt's URL) cannot be locked, or
    None."""
    if not _NAME.fullmatch(package):
        return f"the package name {package!r} is not a Debian package name"
    segments = filename.split("/")
    if not (all(_SEGMENT.fullmatch(s) for s in segments[:-1]) and _DEB.fullmatch(segments[-1])):
        return (
            f"{package}: its Filename {filename!r} is not a pool path of a .deb "
            "(pool/<component>/<prefix>/<source>/<name>_<version>_<arch>.deb)"
        )
    address = urlparse(url)
    if (
        address.scheme not in ("http", "https")
        or not address.netloc
        or any(c.isspace() for c in url)
        or unquote(url.rsplit("/", 1)[-1]) != unquote(segments[-1])
    ):
        return f"{package}: its Url {url!r} is not an http(s) address of {segments[-1]}"
    if not _SHA256.fullmatch(sha256):
        return f"{package}: its SHA256 {sha256!r} is not a SHA-256 digest"
    return None


def lock_text(header: Iterable[str], stanzas: str, print_uris: str) -> str:
    """A lock of the packages apt resolved: their Packages stanzas (`apt-cache show`), the kept
    FIELDS only, each with the URL apt would download it from; sorted by name, then arch.
    ValueError when an entry is not one a lock may hold (entry_problem)."""
    urls = urls_by_file(print_uris)
    chosen = {}
    for stanza in Packages.iter_paragraphs(stanzas.splitlines(True), use_apt_pkg=False):
        file = stanza["Filename"].rsplit("/", 1)[-1]
        if file not in urls:
            raise ValueError(f"apt gave no download URL for {file}")
        problem = entry_problem(
            stanza["Package"], stanza["Filename"], urls[file], stanza.get("SHA256", "")
        )
        if problem:
            raise ValueError(f"the mirror's entry is refused: {problem}")
        kept = Packages({f: stanza[f] for f in FIELDS[:-1] if f in stanza})
        kept["Url"] = urls[file]
        chosen[(stanza["Package"], stanza["Architecture"])] = kept
    comments = "".join(f"# {line}\n" for line in header)
    return comments + "\n" + "\n".join(chosen[key].dump() for key in sorted(chosen))


def read_lock(text: str) -> dict[str, Locked]:
    """A lock's packages by name (with `:arch` for a package of another architecture)."""
    found = {}
    for stanza in Packages.iter_paragraphs(text.splitlines(True), use_apt_pkg=False):
        if "Package" not in stanza:
            continue
        arch = stanza.get("Architecture", "")
        locked = Locked(
            stanza["Package"],
            stanza.get("Version", ""),
            arch,
            (stanza.get("Source") or "").split(" ")[0] or None,
            stanza.get("Url", ""),
            stanza.get("SHA256", ""),
        )
        found[locked.name] = locked
    return found


def moved(old_text: str, new_text: str) -> list[Moved]:
    """Every package added, removed or at another version between two locks, by name."""
    old, new = read_lock(old_text), read_lock(new_text)
    return [
        Moved(name, old.get(name), new.get(name))
        for name in sorted(set(old) | set(new))
        if old.get(name) is None
        or new.get(name) is None
        or Version(old[name].version) != Version(new[name].version)
    ]
