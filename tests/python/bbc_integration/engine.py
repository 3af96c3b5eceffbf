"""A second Docker engine for tests: Debian's dockerd on a free loopback TCP port, with data and
exec roots of its own (so no image, build cache or file is shared with the host's engine) and no
bridge network. `close()` stops it and removes everything it held."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Engine:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.host = f"tcp://127.0.0.1:{_free_port()}"
        # containerd's sockets live under the exec root: keep its path short.
        self.exec_root = Path(tempfile.mkdtemp(prefix="bbc-e", dir="/tmp"))
        (folder / "daemon.json").write_text("{}\n")
        self.log = folder / "dockerd.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    "dockerd",
                    "--host",
                    self.host,
                    "--config-file",
                    str(folder / "daemon.json"),
                    "--data-root",
                    str(folder / "data"),
                    "--exec-root",
                    str(self.exec_root),
                    "--pidfile",
                    str(folder / "dockerd.pid"),
                    "--bridge=none",
                    "--iptables=false",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the second dockerd did not start: {self.log.read_text()}")
            time.sleep(0.2)

    def docker(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker", "--host", self.host, *args], capture_output=True, text=True, timeout=300
        )

    def answers(self) -> bool:
        return self.docker("info", "--format", "{{.ID}}").returncode == 0

    def images(self, prefix: str) -> set[str]:
        listed = self.docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
        return {ref for ref in listed.stdout.split() if ref.startswith(f"{prefix}/")}

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder / "data", ignore_errors=True)
        shutil.rmtree(self.exec_root, ignore_errors=True)
