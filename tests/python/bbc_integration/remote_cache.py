"""BuildGrid (3rdparty/python:bgd, from PyPI) as a Remote Execution API cache on a free loopback
port: an action cache and a CAS on disk in a temporary folder, no execution service."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from bbc_integration.fixture import stop, wait_for

BGD = "3rdparty.python/bgd.pex"  # the pex_binary, put in the test's sandbox by its BUILD

CONFIG = """\
server:
  - !channel
    address: "{address}"
    insecure-mode: true
storages:
  - !disk-storage &cas
    path: {folder}/cas
caches:
  - !lru-action-cache &ac
    storage: *cas
    max-cached-refs: 100000
    allow-updates: true
    cache-failed-actions: false
instances:
  - name: ""
    services:
      - !action-cache
        cache: *ac
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
"""


class RemoteCache:
    def __init__(self, folder: Path, pex: Path = Path(BGD)) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.address = f"grpc://127.0.0.1:{self.port}"
        config = folder / "buildgrid.yml"
        config.write_text(CONFIG.format(address=f"127.0.0.1:{self.port}", folder=folder))
        self.log = folder / "buildgrid.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(pex.resolve()), "server", "start", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            # The first start unpacks the pex: it can take a minute on a busy machine.
            wait_for(self._listens, f"BuildGrid to listen (log: {self.log})", timeout=300)
        except BaseException:
            self.close()
            raise

    def _listens(self) -> bool:
        assert self.process.poll() is None, f"BuildGrid exited: {self.log.read_text()}"
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def env(self, write: bool) -> dict[str, str]:
        """Pants' options to read from (and, if `write`, write to) this server."""
        return {
            "PANTS_REMOTE_CACHE_READ": "true",
            "PANTS_REMOTE_CACHE_WRITE": "true" if write else "false",
            "PANTS_REMOTE_STORE_ADDRESS": self.address,
        }

    def configure(self, pants_toml: str) -> str:
        """`pants_toml` with Pants' remote cache read from and written to this server."""
        settings = (
            "remote_cache_read = true\nremote_cache_write = true\n"
            f'remote_store_address = "{self.address}"\n'
        )
        return pants_toml.replace("[GLOBAL]\n", f"[GLOBAL]\n{settings}", 1)

    def close(self) -> None:
        stop(self.process)
