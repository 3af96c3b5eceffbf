"""Whether Debian has a newer stable release than the suite the locks follow: read from the
mirror's `dists/stable/Release`, said once in bbc-update's report. Moving to it is a new root
(another suite in `[bbc].debian_sources`), never an update `--apply` takes in."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from debian.deb822 import Release
from debian.debian_support import Version
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.build.output import output_tail
from bbc.subsystems import BBC

_RELEASE_LIMIT = 1024 * 1024  # a Release file is a few tens of KB


def followed_suite(sources: list[str]) -> tuple[str, str] | None:
    """(mirror URL, suite) of the first `deb` source whose suite is a release (`bookworm`, not
    `bookworm-updates` or `bookworm-security`)."""
    for line in sources:
        words = line.split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2 and "-" not in words[1] and "/" not in words[1]:
            return words[0].rstrip("/"), words[1]
    return None


def without_credentials(url: str) -> str:
    """The URL without a `user:password@` (for messages and reports)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def newer_stable(stable_release: str, followed_release: str, suite: str) -> str | None:
    """The report's line when the mirror's stable release is newer than the followed suite's
    (both Release files' `Version`); None when it is not, or a version is not known (testing
    and sid have none)."""
    stable, followed = Release(stable_release), Release(followed_release)
    codename, version = stable.get("Codename", ""), stable.get("Version", "")
    followed_version = followed.get("Version", "")
    if not codename or not version or not followed_version or codename == suite:
        return None
    try:
        if Version(version) <= Version(followed_version):
            return None
    except ValueError:
        return None
    return (
        f"Debian {version} ({codename}) is the newest stable release; the locks follow {suite} "
        f"({followed_version}, `[bbc].debian_sources`). Moving to {codename} is a new root, not "
        f"an update."
    )


@dataclass(frozen=True)
class DebianStableRequest:
    pass


@dataclass(frozen=True)
class DebianStable:
    note: str | None  # a newer stable, or why that is not known; None: the locks follow stable


@dataclass(frozen=True)
class ReleaseFileRequest:
    url: str


@dataclass(frozen=True)
class ReleaseFile:
    text: str
    problem: str | None = None  # why it could not be read


@rule(desc="Reading a Debian Release file", level=LogLevel.DEBUG)
async def release_file(request: ReleaseFileRequest, bash: BashBinary) -> ReleaseFile:
    url, shown = request.url, without_credentials(request.url)
    env = await Get(
        EnvironmentVars, EnvironmentVarsRequest(("PATH", "http_proxy", "https_proxy", "no_proxy"))
    )
    result = await Get(
        FallibleProcessResult,
        Process(
            (
                bash.path,
                "-c",
                f'exec curl -fsSL --retry 2 --max-filesize {_RELEASE_LIMIT} "$1"',
                "bash",
                url,
            ),
            description=f"Reading {shown}",
            env=env,
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        failure = output_tail(result.stderr.decode(errors="replace"), 2).replace(url, shown)
        return ReleaseFile("", f"{shown} could not be read: {failure}")
    return ReleaseFile(result.stdout.decode(errors="replace"))


@rule(desc="Reading Debian's newest stable release", level=LogLevel.DEBUG)
async def debian_stable(_: DebianStableRequest, bbc: BBC) -> DebianStable:
    followed = followed_suite(list(bbc.debian_sources))
    if followed is None:
        return DebianStable(None)
    mirror, suite = followed
    stable, mine = await MultiGet(
        Get(ReleaseFile, ReleaseFileRequest(f"{mirror}/dists/stable/Release")),
        Get(ReleaseFile, ReleaseFileRequest(f"{mirror}/dists/{suite}/Release")),
    )
    problem = stable.problem or mine.problem
    if problem:
        return DebianStable(f"Debian's newest stable release is not known: {problem}")
    return DebianStable(newer_stable(stable.text, mine.text, suite))


def rules():
    return collect_rules()
