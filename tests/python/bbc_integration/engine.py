"""A second Docker engine for tests, standing in for a remote one: its own data root, a unix
socket outside /tmp, and a private mount namespace in which /tmp is an empty tmpfs. So it sees
none of the files of a test repository, of Pants' sandboxes or of their reports (all under
/tmp): anything the plugin would hand it by host path (a bind mount, a build context on disk)
fails, as it would on another machine. Its containers are on a bridge of its own (no NAT, no
iptables rules: nothing of the host's engine is touched); the engine itself reaches the registry
on 127.0.0.1, as a remote engine reaches its registry. It listens on a unix socket and on TCP
(127.0.0.1, without TLS: a test engine only)."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import docker

from bbc_integration.fixture import stop, wait_for

# dockerd as root in a new mount namespace (private propagation) where /tmp is empty.
_START = 'mount -t tmpfs bbc-engine /tmp && exec dockerd "$@"'


class Engine:
    def __init__(self) -> None:
        self.folder = Path(f"/var/tmp/bbc-engine-{uuid.uuid4().hex[:8]}")
        self.folder.mkdir(parents=True)
        self.host = f"unix://{self.folder}/docker.sock"
        # Also on TCP, as a remote engine is reached: published ports are then on its host.
        self.tcp = f"tcp://127.0.0.1:{_free_port()}"
        self.log = self.folder / "dockerd.log"
        self.bridge = f"bbc{self.folder.name[-8:]}"
        self.process: subprocess.Popen | None = None
        try:
            self._start()
        except BaseException:
            self._stop()
            raise

    def _start(self) -> None:
        _ip("link", "add", "name", self.bridge, "type", "bridge")
        _ip("addr", "add", _free_subnet(), "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    *("unshare", "--mount", "--propagation", "private"),
                    *("sh", "-c", _START, "dockerd"),
                    f"--host={self.host}",
                    f"--host={self.tcp}",
                    f"--data-root={self.folder / 'data'}",
                    f"--exec-root={self.folder / 'exec'}",
                    f"--pidfile={self.folder / 'dockerd.pid'}",
                    *(f"--bridge={self.bridge}", "--iptables=false", "--ip-masq=false"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._answers, f"the second engine (log: {self.log})", timeout=60)
        self.client = docker.DockerClient(base_url=self.host)

    def _answers(self) -> bool:
        assert (
            self.process and self.process.poll() is None
        ), f"dockerd exited: {self.log.read_text()}"
        try:
            with docker.APIClient(base_url=self.host, version="1.41") as client:
                return bool(client.ping())
        except (docker.errors.DockerException, OSError):
            return False

    def tags(self) -> set[str]:
        return {tag for image in self.client.images.list() for tag in image.tags}

    def close(self) -> None:
        self.client.close()
        self._stop()

    def _stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        # Its mounts lived in its own namespace, gone with it: what is left are plain files.
        shutil.rmtree(self.folder, ignore_errors=True)
        subprocess.run(["ip", "link", "delete", self.bridge], capture_output=True)


def _ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_subnet() -> str:
    """A 10.x.y.1/24 that no interface here uses yet."""
    taken = _ip("-4", "route")
    while True:
        prefix = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}."
        if prefix not in taken:
            return f"{prefix}1/24"
