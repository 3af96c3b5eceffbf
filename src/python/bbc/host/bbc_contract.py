"""The pytest plugin of contract test files (`contract_test_files`): the image under test, and
containers of it started from the host with the Docker SDK for Python.

`./pants test` runs contract test files with it (`-p bbc_contract`), BBC_IMAGE naming the image
under test. By hand: `BBC_IMAGE=bbc/flask:latest pytest -p bbc_contract images/flask/contract`.
Fixtures: `image` (a `docker.models.images.Image`) and `containers`, which starts containers of it
and removes each after the test, however the test ends (docs/testing.md: "Contract test files").

Containers are labelled `io.bbc.test-expires`, `io.bbc.test-owner`, `io.bbc.test-run` (for the
plugin's sweeper and watchdog) and `io.bbc.test-image`. SIGTERM (the time limit) stops pytest as Ctrl-C does."""

from __future__ import annotations

import io
import json
import os
import posixpath
import signal
import socket
import sys
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Union
from urllib.parse import urlparse

import docker  # pants: no-infer-dep
import pytest  # pants: no-infer-dep

EXPIRES = "io.bbc.test-expires"
OWNER = "io.bbc.test-owner"
RUN = "io.bbc.test-run"
IMAGE = "io.bbc.test-image"
FileContent = Union[str, bytes, Path]
# A file copied into a container: its content, or (content, mode) for another mode than 0644
# (a host Path keeps its own mode).
FileSpec = Union[FileContent, "tuple[FileContent, int]"]


@dataclass(frozen=True)
class Ran:
    """A finished command: its exit code and its output (stdout and stderr)."""

    exit_code: int
    output: str


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def _engine_host() -> str:
    """Where published ports are reached: a tcp:// or ssh:// engine's host, else here."""
    engine = urlparse(os.environ.get("DOCKER_HOST", ""))
    return engine.hostname if engine.scheme in ("tcp", "ssh") and engine.hostname else "127.0.0.1"


def _poll(ready: Callable[[], Any], timeout: float, failed: Callable[[], str]) -> Any:
    """`ready()`'s first true value, checked every 0.2 s; after `timeout`, an AssertionError
    saying `failed()`."""
    deadline = time.monotonic() + timeout
    while True:
        found = ready()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(failed())
        time.sleep(0.2)


class Container:
    """A started container of the image under test."""

    def __init__(self, container: Any, host: str) -> None:
        self.container = container
        self.host = host

    def running(self) -> bool:
        self.container.reload()
        return self.container.status in ("created", "running")

    def logs(self) -> str:
        return self.container.logs().decode(errors="replace")

    def _gone(self, what: str) -> str:
        self.container.reload()
        state = self.container.attrs["State"]
        status = f"{state['Status']}, exit code {state['ExitCode']}"
        return f"{what}; the container is {status}; its output:\n{self.logs()}"

    def host_port(self, port: int) -> int:
        """The host port the container's `port` (TCP) is published on."""
        self.container.reload()
        published = (self.container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp")
        if not published:
            raise AssertionError(
                f"port {port} is not published: start the container with ports=[{port}]"
            )
        return int(published[0]["HostPort"])

    def url(self, path: str = "/", *, port: int) -> str:
        return f"http://{self.host}:{self.host_port(port)}/{path.lstrip('/')}"

    def _answers(self, port: int) -> bool:
        """Something listens behind the published port (Docker's proxy accepts a connection even
        when nothing does, then closes it at once)."""
        try:
            with socket.create_connection((self.host, self.host_port(port)), timeout=1) as sock:
                sock.settimeout(0.3)
                try:
                    return sock.recv(1, socket.MSG_PEEK) != b""
                except socket.timeout:
                    return True  # open, waiting for us to speak
        except OSError:
            return False

    def wait_for_port(self, port: int, timeout: float = 30) -> None:
        """Until a server listens on the container's `port` (published), or fail saying why."""
        _poll(
            lambda: self._answers(port) or not self.running(),
            timeout,
            lambda: self._gone(f"nothing listened on port {port} within {timeout} s"),
        )
        if not self.running():
            raise AssertionError(self._gone(f"the container stopped before port {port} answered"))

    def http(
        self,
        path: str = "/",
        *,
        port: int,
        method: str = "GET",
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10,
    ) -> Response:
        """One HTTP request to the container's published `port`; any status is returned."""
        body = data.encode() if isinstance(data, str) else data
        request = urllib.request.Request(
            self.url(path, port=port), data=body, method=method, headers=dict(headers or {})
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return Response(answer.status, answer.read(), dict(answer.headers))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read(), dict(error.headers))

    def wait_for_http(
        self, path: str = "/", *, port: int, status: int = 200, timeout: float = 30
    ) -> Response:
        """Until GET `path` answers `status` (the answer is returned), or fail saying what it
        answered last and what the container printed."""
        last: list[str] = ["nothing"]

        def answered() -> Optional[Response]:
            if not self.running():
                raise AssertionError(self._gone(f"the container stopped before {path} answered"))
            try:
                response = self.http(path, port=port, timeout=2)
            except (OSError, urllib.error.URLError) as error:
                last[0] = f"{type(error).__name__}: {error}"
                return None
            last[0] = f"status {response.status}"
            return response if response.status == status else None

        return _poll(
            answered,
            timeout,
            lambda: self._gone(
                f"GET {path} on port {port} did not answer {status} within {timeout} s "
                f"(last: {last[0]})"
            ),
        )

    def files(self, path: str) -> dict[str, bytes]:
        """The regular files at or under `path` in the container, copied out through the engine
        (as `docker cp` does: any user's files, symbolic links not followed): {path: content},
        empty if there is no `path`."""
        try:
            stream, _ = self.container.get_archive(path)
        except docker.errors.NotFound:
            return {}
        parent = posixpath.dirname(path.rstrip("/"))
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            return {
                posixpath.join(parent, m.name): tar.extractfile(m).read()  # type: ignore[union-attr]
                for m in tar.getmembers()
                if m.isfile()
            }

    def exec(self, command: str | list[str], **options: Any) -> Ran:
        """Runs `command` in the running container (as the image's user unless `user` is given;
        `environment`, `workdir`... as `exec_run` takes them)."""
        code, output = self.container.exec_run(command, **options)
        return Ran(code, output.decode(errors="replace"))

    def wait(self, timeout: float = 120) -> int:
        """Until the container ends: its exit code; or fail after `timeout` seconds."""
        state = _poll(
            lambda: not self.running() and self.container.attrs["State"],
            timeout,
            lambda: f"the container still runs after {timeout} s; its output:\n{self.logs()}",
        )
        return int(state["ExitCode"])


def _archive(files: Mapping[str, FileSpec]) -> bytes:
    """A tar of `files` ({absolute path: content or (content, mode)}), readable by every user:
    mode 0644, a host Path's own mode, or the mode given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, spec in sorted(files.items()):
            if not path.startswith("/"):
                raise ValueError(f"files: {path!r} is not an absolute path in the container")
            content, mode = spec if isinstance(spec, tuple) and len(spec) == 2 else (spec, None)
            if not isinstance(content, (str, bytes, Path)) or not (
                mode is None
                or isinstance(mode, int)
                and not isinstance(mode, bool)
                and 0 <= mode <= 0o7777
            ):
                raise ValueError(
                    f"files: {path!r} is {spec!r}: give str, bytes or a Path, or (content, mode) "
                    f"with a mode such as 0o755"
                )
            if mode is None:
                mode = (
                    content.stat().st_mode & 0o7777 | 0o444 if isinstance(content, Path) else 0o644
                )
            data = content.read_bytes() if isinstance(content, Path) else content
            data = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Containers:
    """Starts containers of the image under test; `remove_all` removes every one it made."""

    def __init__(self, client: Any, image: Any) -> None:
        self.client = client
        self.image = image
        self.host = _engine_host()
        self.made: list[Any] = []
        self.volumes: list[Any] = []
        expires = os.environ.get("BBC_TEST_EXPIRES") or str(int(time.time()) + 3600)
        run = os.environ.get("BBC_TEST_RUN") or f"bbc-pytest-{uuid.uuid4().hex[:12]}"
        owner = os.environ.get("BBC_TEST_OWNER")  # the plugin's script that runs pytest
        self.labels = {
            EXPIRES: expires,
            RUN: run,
            IMAGE: image.id,
            **({OWNER: owner} if owner else {}),
        }

    def start(
        self,
        command: str | list[str] | None = None,
        *,
        files: Mapping[str, FileSpec] | None = None,
        ports: Iterable[int] = (),
        **options: Any,
    ) -> Container:
        """A running container of the image (`entrypoint`, `user`, `environment`... as
        `docker.containers.create` takes them; the image's own when not given)."""
        bind = "127.0.0.1" if self.host == "127.0.0.1" else "0.0.0.0"
        container = self.client.containers.create(
            self.image.id,
            command,
            detach=True,
            labels={**self.labels, **options.pop("labels", {})},
            ports={f"{p}/tcp": (bind, None) for p in ports},
            **options,
        )
        self.made.append(container)  # removed after the test, even if what follows fails
        if files:
            container.put_archive("/", _archive(files))
        container.start()
        return Container(container, self.host)

    def run(
        self, command: str | list[str] | None = None, *, timeout: float = 120, **options: Any
    ) -> Ran:
        """Runs a container of the image to its end: its exit code and output."""
        started = self.start(command, **options)
        code = started.wait(timeout)
        output = started.logs()
        started.container.remove(force=True)
        return Ran(code, output)

    def volume(self) -> str:
        """A new named volume, removed after the test like the containers: mount it with
        `volumes={name: {"bind": "/data", "mode": "rw"}}` (a remote engine has it too, unlike
        a bind mount of a host folder)."""
        made = self.client.volumes.create(labels=self.labels)
        self.volumes.append(made)
        return made.name

    def remove_all(self) -> None:
        for container in self.made:
            try:
                container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
        for volume in self.volumes:
            try:
                volume.remove(force=True)
            except docker.errors.NotFound:
                pass


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum} (the test time limit)")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    """Each test file's folder on `sys.path`, before any conftest.py is imported: a helper module
    beside the tests imports as under pytest's default import mode (`--import-mode=importlib`
    puts nothing there)."""
    for arg in args:
        path = arg.split("::")[0]
        if path.endswith(".py") and os.path.isfile(path):
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in sys.path:
                sys.path.insert(0, folder)


def pytest_configure(config: Any) -> None:
    # The time limit sends SIGTERM: stop like Ctrl-C, so that fixtures remove their containers.
    signal.signal(signal.SIGTERM, _stop)


@pytest.fixture(scope="session")
def docker_client() -> Any:
    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture(scope="session")
def image(docker_client: Any) -> Any:
    """The image under test: BBC_IMAGE (an image id or reference)."""
    name = os.environ.get("BBC_IMAGE")
    if not name:
        raise pytest.UsageError(
            "BBC_IMAGE is not set: `./pants test <image>` sets it, or set it to an image "
            "(BBC_IMAGE=bbc/flask:latest) to run contract test files by hand."
        )
    return docker_client.images.get(name)


@pytest.fixture
def containers(docker_client: Any, image: Any) -> Containers:
    made = Containers(docker_client, image)
    try:
        yield made
    finally:
        made.remove_all()
