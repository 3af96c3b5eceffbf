"""A real registry for tests: Debian's docker-registry (the distribution registry) on a free
loopback port, storing in a temporary folder. ./pants installs it (host-packages.txt)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bbc_integration.fixture import stop

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    def __init__(self, folder: Path, port: int | None = None) -> None:
        """A registry storing in `folder`; given the `port` of one closed before, it comes back
        with what that one held."""
        folder.mkdir(parents=True, exist_ok=True)
        self.address = f"127.0.0.1:{port or _free_port()}"
        config = folder / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: warn\n"
            f"storage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
            f"http:\n  addr: {self.address}\n"
        )
        self.log = folder / "registry.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                ["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"docker-registry did not start: {self.log.read_text()}")
            time.sleep(0.1)

    @property
    def pants_toml(self) -> str:
        """The pants.toml section that makes it the default registry, `@it`."""
        return f'\n[docker.registries.it]\naddress = "{self.address}"\ndefault = true\n'

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=1):
                return True
        except (urllib.error.URLError, ConnectionError):
            return False

    def _get(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"http://{self.address}/v2/{path}", method=method, headers={"Accept": MANIFEST_TYPES}
        )
        return urllib.request.urlopen(request, timeout=10)

    def catalog(self) -> set[str]:
        with self._get("_catalog") as response:
            return set(json.load(response)["repositories"] or ())

    def tags(self, repository: str) -> set[str]:
        try:
            with self._get(f"{repository}/tags/list") as response:
                return set(json.load(response)["tags"] or ())
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return set()
            raise

    def digest(self, repository: str, tag: str) -> str | None:
        """The manifest digest of `repository:tag`, or None."""
        try:
            with self._get(f"{repository}/manifests/{tag}", method="HEAD") as response:
                return response.headers["Docker-Content-Digest"]
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def manifest(self, repository: str, tag: str) -> bytes:
        """The manifest of `repository:tag`, as the registry serves it."""
        with self._get(f"{repository}/manifests/{tag}") as response:
            return response.read()

    def blob(self, repository: str, digest: str) -> bytes:
        with self._get(f"{repository}/blobs/{digest}") as response:
            return response.read()

    def digests(self, repository: str) -> dict[str, str | None]:
        return {tag: self.digest(repository, tag) for tag in sorted(self.tags(repository))}

    def close(self) -> None:
        stop(self.process, timeout=10)
