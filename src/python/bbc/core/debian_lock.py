"""Debian locks as plain data: what apt resolved (its Packages stanzas and download URLs) made
into a lock, a lock read back, and what moved between two locks. A lock is a Packages file
(deb822, parsed and written with python-debian) of exactly the packages one image installs,
each with its `Url`; `3rdparty/debian/fetch-debs.sh` turns it into a flat apt repository."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence
from urllib.parse import unquote

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


def lock_text(header: Iterable[str], stanzas: str, print_uris: str) -> str:
    """A lock of the packages apt resolved: their Packages stanzas (`apt-cache show`), the kept
    FIELDS only, each with the URL apt would download it from; sorted by name, then arch."""
    urls = urls_by_file(print_uris)
    chosen = {}
    for stanza in Packages.iter_paragraphs(stanzas.splitlines(True), use_apt_pkg=False):
        file = stanza["Filename"].rsplit("/", 1)[-1]
        if file not in urls:
            raise ValueError(f"apt gave no download URL for {file}")
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
