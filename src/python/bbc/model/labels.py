"""The OCI labels the plugin puts on images that say where they come from: plain functions.

`org.opencontainers.image.source` is the repository (`[bbc].source_url`, else the git remote
`origin` as a web address); `.url` the image's folder there at the revision it was built from;
`.documentation` the repository's README at that revision. Bots (Renovate, say) and people
reading `docker inspect` find the source and the notes from them.
"""

from __future__ import annotations

import re

BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"
SOURCE = "org.opencontainers.image.source"
URL = "org.opencontainers.image.url"
DOCUMENTATION = "org.opencontainers.image.documentation"
REVISION = "org.opencontainers.image.revision"

_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!/).+)$")  # git@host:org/repo


def web_address(remote: str) -> str:
    """A git remote as a web address where there is one: `git@github.com:acme/images.git` and
    `ssh://git@github.com/acme/images` give `https://github.com/acme/images`; a local path or
    another URL is kept as it is (without credentials)."""
    remote = remote.strip()
    scp = _SCP_LIKE.match(remote)
    if scp and "://" not in remote:
        remote = f"https://{scp.group('host')}/{scp.group('path')}"
    remote = re.sub(r"^(ssh|git)://(?:[^@/]+@)?", "https://", remote)
    remote = re.sub(r"^(https?://)[^@/]+@", r"\1", remote)  # never a credential in a label
    if remote.startswith(("https://", "http://")):
        remote = re.sub(r"\.git$", "", remote.rstrip("/"))
    return remote


def source_labels(source: str | None, revision: str | None, folder: str) -> dict[str, str]:
    """The source, url and documentation labels of an image built from `folder` at `revision`."""
    if not source:
        return {}
    labels = {SOURCE: source}
    if source.startswith(("https://", "http://")) and revision:
        labels[URL] = f"{source}/tree/{revision}/{folder}".rstrip("/")
        labels[DOCUMENTATION] = f"{source}/blob/{revision}/README.md"
    return labels
