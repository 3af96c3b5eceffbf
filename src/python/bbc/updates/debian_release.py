"""Whether Debian has a newer stable release than the suite the locks follow: read from the
mirror's `dists/stable/Release`, said once in bbc-update's report. Moving to it is a new root
(another suite in `[bbc].debian_sources`), never an update `--apply` takes in."""

from __future__ import annotations

from dataclasses import dataclass

from debian.deb822 import Release
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
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


def newer_stable(release_text: str, suite: str) -> str | None:
    """The report's line when the mirror's stable is not `suite`; None when it is."""
    release = Release(release_text)
    codename, version = release.get("Codename", ""), release.get("Version", "")
    if not codename or suite in (codename, "stable"):
        return None
    return (
        f"Debian {version} ({codename}) is the newest stable release; the locks follow {suite} "
        f"(`[bbc].debian_sources`). Moving to {codename} is a new root, not an update."
    )


@dataclass(frozen=True)
class DebianStableRequest:
    pass


@dataclass(frozen=True)
class DebianStable:
    note: str | None  # a newer stable, or why that is not known; None: the locks follow stable


@rule(desc="Reading Debian's newest stable release", level=LogLevel.DEBUG)
async def debian_stable(_: DebianStableRequest, bbc: BBC, bash: BashBinary) -> DebianStable:
    followed = followed_suite(list(bbc.debian_sources))
    if followed is None:
        return DebianStable(None)
    mirror, suite = followed
    url = f"{mirror}/dists/stable/Release"
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
            description=f"Reading {url}",
            env=env,
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        failure = output_tail(result.stderr.decode(errors="replace"), 2)
        return DebianStable(f"Debian's newest stable release: {url} could not be read: {failure}")
    return DebianStable(newer_stable(result.stdout.decode(errors="replace"), suite))


def rules():
    return collect_rules()
