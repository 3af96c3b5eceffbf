"""Debian's archive as the plugin reads it: where a package's `.deb` lies in a pool, and which
CVEs its changelog says a version fixed. Plain functions; changelogs parsed by python-debian."""

from __future__ import annotations

import re

from debian.changelog import Changelog
from debian.debian_support import Version

_CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b")


def deb_urls(
    pools: list[str], package: str, source: str | None, version: str, arch: str
) -> list[str]:
    """Where the `.deb` of `package` at `version` may lie: in each pool (an archive's
    `.../pool/main`), under its source package's folder (`lib` sources by their first four
    letters), named without the version's epoch."""
    source = source or package
    prefix = source[:4] if source.startswith("lib") else source[0]
    name = f"{package}_{version.split(':', 1)[-1]}_{arch}.deb"
    return [f"{pool.rstrip('/')}/{prefix}/{source}/{name}" for pool in pools]


def cves_fixed(changelog: str, since: str, upto: str) -> list[str]:
    """The CVE ids that the changelog's entries after `since`, up to `upto`, name (in order)."""
    low, high = Version(since), Version(upto)
    found: list[str] = []
    for block in Changelog(changelog, strict=False):
        if block.version is not None and low < block.version <= high:
            for cve in _CVE.findall("\n".join(block.changes())):
                if cve not in found:
                    found.append(cve)
    return found
