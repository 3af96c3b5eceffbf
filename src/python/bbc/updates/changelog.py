"""A Debian package's changelog, from its `.deb` in the archive's pools ([bbc].debian_pools):
downloaded once per package version (a pool never changes a file it holds)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import Digest, DigestContents
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.build.output import output_tail
from bbc.subsystems import BBC
from bbc.updates.debian_pool import deb_urls
from bbc.util_rules.scripts import script

_FETCH = script(__name__, "fetch_changelog.sh")
# Far more than any Debian changelog holds (glibc's is about 1 MB).
CHANGELOG_LIMIT = 8 * 1024 * 1024


@dataclass(frozen=True)
class DebChangelogRequest:
    package: str
    source: str | None
    version: str
    arch: str
    url: str | None = None  # where the .deb is, when known (a lock says); else the pools


@dataclass(frozen=True)
class DebChangelog:
    text: str | None
    failure: str | None = None


@rule(desc="Reading a Debian package's changelog", level=LogLevel.DEBUG)
async def deb_changelog(request: DebChangelogRequest, bash: BashBinary, bbc: BBC) -> DebChangelog:
    env = await Get(
        EnvironmentVars, EnvironmentVarsRequest(("PATH", "http_proxy", "https_proxy", "no_proxy"))
    )
    urls = (
        [request.url]
        if request.url
        else deb_urls(
            list(bbc.debian_pools), request.package, request.source, request.version, request.arch
        )
    )
    result = await Get(
        FallibleProcessResult,
        Process,
        Process(
            (bash.path, "-c", _FETCH, "bash", request.package, *urls),
            description=f"Fetching {request.package} {request.version} for its changelog",
            env={**env, "BBC_CHANGELOG_LIMIT": str(CHANGELOG_LIMIT)},
            output_files=("changelog",),
            cache_scope=ProcessCacheScope.SUCCESSFUL,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        return DebChangelog(None, output_tail(result.stderr.decode(errors="replace"), 3))
    [changelog] = await Get(DigestContents, Digest, result.output_digest)
    return DebChangelog(changelog.content.decode(errors="replace"))


def rules():
    return collect_rules()
