"""What registries say, as plain data: manifests, digests, the engine's HTTP registries, errors."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class RemoteTag:
    """What a registry's tag points at."""

    manifest_digest: str
    config_digest: str | None  # None: not a single image (a manifest list, say)


def parse_manifest(raw: bytes) -> RemoteTag:
    """A tag's manifest, exactly as the registry serves it (`skopeo inspect --raw`)."""
    manifest = json.loads(raw)
    config = manifest.get("config") or {}  # none: a manifest list, one entry per platform
    return RemoteTag(f"sha256:{hashlib.sha256(raw).hexdigest()}", config.get("digest"))


def is_insecure(registry_address: str, registry_config: Mapping) -> bool:
    """Whether the Docker engine talks plain HTTP to the registry (`docker info`'s
    RegistryConfig: 127.0.0.0/8 by default, plus the daemon's `insecure-registries`)."""
    host = registry_address.split("/")[0]
    index = (registry_config.get("IndexConfigs") or {}).get(host)
    if index is not None:
        return not index.get("Secure", True)
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.strip("[]")
    if name == "localhost":
        name = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(cidr)
        for cidr in registry_config.get("InsecureRegistryCIDRs") or ()
    )


def tool_message(stderr: str) -> str:
    """skopeo's one-line reason without its log decoration (`time=... level=fatal msg="..."`)."""
    found = re.findall(r'msg="((?:[^"\\]|\\.)*)"', stderr)
    return found[-1].replace('\\"', '"') if found else stderr.strip()


def repo_digest(repo_digests: tuple[str, ...], repository: str) -> str | None:
    """The digest of `repository` among an image's RepoDigests (`repo@sha256:...`)."""
    for entry in repo_digests:
        repo, _, digest = entry.rpartition("@")
        if repo == repository:
            return digest
    return None
