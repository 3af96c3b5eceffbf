"""What registries say, as plain data: manifests, digests, the engine's HTTP registries, errors."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Mapping

from bbc.model.content import CONTENT_LABEL
from bbc.publish.plan import Release


def sha256_digest(raw: bytes) -> str:
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def parse_manifest(raw: bytes) -> tuple[str, str | None]:
    """(manifest digest, config digest) of a manifest exactly as the registry serves it
    (`skopeo inspect --raw`); no config digest for a manifest list (one per platform)."""
    config = json.loads(raw).get("config") or {}
    return sha256_digest(raw), config.get("digest")


def parse_release(manifest: bytes, config: bytes | None) -> Release:
    """A tag's release from its raw manifest and raw image config (`skopeo inspect --config
    --raw`; the image id is the config's digest)."""
    digest, config_digest = parse_manifest(manifest)
    if config is None or config_digest is None:
        return Release(digest, config_digest, None)
    return Release(digest, sha256_digest(config), image_labels(config).get(CONTENT_LABEL))


def image_labels(config: bytes) -> dict[str, str]:
    """The labels of a raw image config (`skopeo inspect --config --raw`)."""
    return dict((json.loads(config).get("config") or {}).get("Labels") or {})


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


class Outcome(Enum):
    """What a registry said to a read or a push, as skopeo or docker reported it."""

    FOUND = "found"
    NOT_FOUND = "not found"  # no such tag or repository: a fact, not a failure
    UNAUTHORIZED = "unauthorized"
    UNREACHABLE = "unreachable"  # it did not answer, or stopped answering
    # An HTTP 5xx: a registry under load, or registry:2 reading a tag while another client
    # writes it (its filesystem storage rewrites the tag's link file in place). Worth reading again.
    SERVER_ERROR = "server error"
    FAILED = "failed"  # anything else; the tool's own message says what


# How skopeo (containers/image) and docker word each outcome, registry:2's and others' alike.
_UNREACHABLE = re.compile(
    r"connection refused|no such host|i/o timeout|connection reset|network is unreachable|"
    r"TLS handshake timeout|server misbehaving|\bEOF\b|context deadline exceeded"
)
_SERVER_ERROR = re.compile(
    r"(?<= )5\d\d[ (]+(?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)"
)
_NOT_FOUND = re.compile(r"manifest unknown|NAME_UNKNOWN|name unknown|(?<= )404(?![.\w:])")
_UNAUTHORIZED = re.compile(
    r"unauthorized|authentication required|\bdenied:|access to the resource is denied|"
    r"(?<= )40[13](?![.\w:])",
    re.I,
)


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    message: str = ""  # the tool's one-line reason, when it is not FOUND

    def problem(self, address: str = "") -> str:
        """What to tell the user when the registry neither had nor lacked the thing."""
        if self.outcome is Outcome.UNREACHABLE:
            return f"the registry did not answer: {self.message}. {CHECK_IT}"
        if self.outcome is Outcome.UNAUTHORIZED:
            login = f"docker login {address}" if address else "docker login <registry>"
            return (
                f"the registry refused access: {self.message}. Log in ({login}; Docker's "
                "credentials reach the plugin through HOME and DOCKER_CONFIG) or check the "
                "account's rights."
            )
        if self.outcome is Outcome.SERVER_ERROR:
            return (
                f"the registry failed on every try: {self.message}. Look at its logs (a registry "
                f"under load or short of disk does this), {PUBLISH_AGAIN}"
            )
        return self.message


def registry_answer(exit_code: int, stderr: str) -> Answer:
    """The outcome of a skopeo or docker command against a registry, from its exit code and
    stderr: the one place that reads their wording."""
    if exit_code == 0:
        return Answer(Outcome.FOUND)
    message = tool_message(stderr)
    for outcome, pattern in (
        (Outcome.UNREACHABLE, _UNREACHABLE),
        (Outcome.NOT_FOUND, _NOT_FOUND),
        (Outcome.UNAUTHORIZED, _UNAUTHORIZED),
        (Outcome.SERVER_ERROR, _SERVER_ERROR),
    ):
        if pattern.search(stderr):
            return Answer(outcome, message)
    return Answer(Outcome.FAILED, message)


# How a registry problem ends: publish's advice, which other goals replace with their own.
PUBLISH_AGAIN = "then publish again: it resumes where it stopped."
CHECK_IT = (
    "Check its address in [docker.registries] and that it runs (this repository's local one: "
    f"build-support/local-registry.sh start), {PUBLISH_AGAIN}"
)


def advised_for(problem: str, again: str) -> str:
    """A registry problem as a goal other than publish says it: `again` (e.g. "then run
    ./pants bbc-report again.") instead of publish's closing advice."""
    return problem.replace(PUBLISH_AGAIN, again)
