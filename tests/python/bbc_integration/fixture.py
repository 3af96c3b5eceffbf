"""A temporary BBC repository: the real ./pants and plugin, an offline image hierarchy, git.

Images are named `<prefix>/<target name>` with a prefix unique to the repository, and are
removed (with the repository's pantsd) by `close()`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import docker
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

# Files of this repository that a temporary one needs (the `//:launcher` and
# `src/python/bbc:plugin-files` targets put them in the test's sandbox).
LAUNCHER_FILES = (
    "pants",
    "3rdparty/python/pants-plugins.lock",
    "3rdparty/python/pants-plugins-runtime.txt",
    "3rdparty/python/pex-bootstrap.txt",
    "build-support/host-packages.txt",
    "build-support/pants_supervisor.py",
)
PLUGIN_DIR = "src/python/bbc"
BUSYBOX = "/bin/busybox"  # Debian's busybox-static, installed by ./pants (host-packages.txt)

# What ./pants says when it runs the client again after a known fault of Pants.
RAN_AGAIN = "Running it again (attempt "
ROOT_DOCKERFILE = """\
FROM scratch
COPY {path}/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
"""


def wait_for(condition, what: str, timeout: float = 120) -> None:
    """Until `condition()` holds (checked every 0.2 s), or fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {timeout} s"
        time.sleep(0.2)


def stop(process: subprocess.Popen, timeout: float = 60) -> None:
    """Terminate a server the tests started; kill it if it does not stop within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def child_dockerfile(parent: str, *lines: str) -> str:
    return "\n".join([f"ARG SOURCE_IMAGE={parent}", "FROM $SOURCE_IMAGE", *lines]) + "\n"


# Pants' Python backend, for repositories with pex_binary or python_requirements targets, costs
# every new Pants process about 9 s of CPU (its rules join the rule graph); its shell backend,
# for shell_command targets, almost nothing. A repository loads only the backends it needs.
SHELL_BACKENDS = ("pants.backend.shell",)
PYTHON_BACKENDS = ("pants.backend.python", *SHELL_BACKENDS)


def pants_toml(prefix: str, extra: str = "", python: bool = False, shell: bool = False) -> str:
    real = Path("pants.toml").read_text()
    pex_cli = re.search(r"^\[pex-cli\]\n.*?(?=^\[)", real, re.S | re.M)
    version = re.search(r'^pants_version = "(.+)"', real, re.M)
    assert pex_cli and version, "pants.toml lost its [pex-cli] section or pants_version"
    return f"""\
[GLOBAL]
pants_version = "{version.group(1)}"
pythonpath = ["%(buildroot)s/src/python"]
backend_packages = {json.dumps([*backends(python, shell), "bbc"])}
ca_certs_path = "/etc/ssl/certs/ca-certificates.crt"

[subprocess-environment]
env_vars = ["PIP_CONFIG_FILE=/dev/null"]

{pex_cli.group(0)}
[python]
interpreter_constraints = ["CPython==3.11.*"]
enable_resolves = true

[python.resolves]
python-default = "3rdparty/python/python-default.lock"

[python-bootstrap]
search_path = ["%(env.BBC_PYTHON_SEARCH_PATH)s", "<PYENV>", "%(env.BBC_PYTHON39_DIR)s"]

[docker]
default_repository = "{prefix}/{{name}}"
env_vars = ["DOCKER_HOST", "DOCKER_CONFIG", "HOME"]
build_args = ["GREETING=hello"]

[changed]
dependents = "transitive"

[anonymous-telemetry]
enabled = false
{extra}"""


def backends(python: bool, shell: bool) -> tuple[str, ...]:
    return PYTHON_BACKENDS if python else SHELL_BACKENDS if shell else ()


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def packaged(self) -> dict[str, str]:
        """Target name -> "Built", "Pulled" or "Up to date", from `package`'s output."""
        found = {}
        for status, repository in re.findall(
            r"^(Built|Pulled|Up to date): [^/\s]+/([^:\s]+):", self.output, re.M
        ):
            found[repository] = status
        return found

    def tested(self, address: str) -> str | None:
        """How `./pants test` says it got `address`'s result: "ran", "memoized", "cached
        locally"...; None if it did not report it as succeeded."""
        found = re.search(
            rf"^✓ {re.escape(address)} succeeded in [\d.]+s(?: \((.+)\))?\.?$", self.output, re.M
        )
        return (found.group(1) or "ran") if found else None

    def built(self) -> set[str]:
        return {name for name, status in self.packaged().items() if status == "Built"}

    def reported(self) -> dict[str, tuple[str, str]]:
        """Target name -> (content ref, image id) that `package` reported for it."""
        found = {}
        for refs, image_id in re.findall(
            r"^(?:Built|Pulled|Up to date): (.+)\nDocker image ID: (\S+)", self.output, re.M
        ):
            content = refs.split(", ")[-1]
            found[content.split("/", 1)[1].split(":")[0]] = (content, image_id)
        return found


def sbom_problems(root: Path) -> list[str]:
    """Every SBOM the repository's runs wrote, checked against the CycloneDX JSON schema of its
    version (strict: no property the schema does not define)."""
    problems = []
    for path in sorted((root / "dist").rglob("*.cdx.json")):
        text = path.read_text()
        if not text:
            continue  # emptied by a test, to see it written again
        version = SchemaVersion.from_version(json.loads(text).get("specVersion", ""))
        error = JsonStrictValidator(version).validate_str(text)
        if error is not None:
            problems.append(f"{path.relative_to(root)} is not valid CycloneDX: {error}")
    return problems


class Repo:
    def __init__(
        self,
        root: Path,
        source_root: Path,
        prefix: str | None = None,
        python: bool = False,
        shell: bool = False,
    ) -> None:
        """With `python`, Pants' Python and shell backends are on (PYTHON_BACKENDS) and
        `3rdparty/python:reqs` names python-default.txt's requirements; with `shell` only its
        shell backend (for shell_command targets)."""
        self.root = root
        self.prefix = prefix or f"bbcit{uuid.uuid4().hex[:8]}"
        self.docker = docker.from_env()
        self.versions: dict[str, str] = {}  # image name -> version, as added
        self.env: dict[str, str] = {}  # for every ./pants run in this repository
        self.started: list[subprocess.Popen] = []  # by start_pants
        for name in LAUNCHER_FILES:
            self._copy(source_root / name, name)
        for pattern in ("*.py", "*.sh"):
            for path in (source_root / PLUGIN_DIR).rglob(pattern):
                self._copy(path, str(path.relative_to(source_root)))
        for name in ("python-default.lock", "python-default.txt"):
            self._copy(source_root / "3rdparty/python" / name, f"3rdparty/python/{name}")
        if python:
            self.write(
                "3rdparty/python/BUILD",
                'python_requirements(name="reqs", source="python-default.txt")\n',
            )
        self.write("pants.toml", pants_toml(self.prefix, python=python, shell=shell))
        self.write("BUILD", "")
        self.write(".gitignore", "/dist/\n/.pids/\n/.pants.d/\n")
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "it@example.com")
        self.git("config", "user.name", "Integration test")

    def clone(self, root: Path, own_pants_cache: Path | None = None) -> Repo:
        """A `git clone` of this repository (its images keep their names): another checkout.
        With `own_pants_cache`, its Pants runs share no cache with this one's."""
        subprocess.run(["git", "clone", "-q", str(self.root), str(root)], check=True)
        other = Repo.__new__(Repo)
        other.root, other.prefix, other.docker = root, self.prefix, docker.from_env()
        other.versions, other.env, other.started = dict(self.versions), dict(self.env), []
        other.git("config", "user.email", "it@example.com")
        other.git("config", "user.name", "Integration test")
        other.git("checkout", "-q", "-B", "main")
        if own_pants_cache is not None:
            other.env.update(
                {
                    "PANTS_LOCAL_STORE_DIR": str(own_pants_cache / "lmdb_store"),
                    "PANTS_NAMED_CACHES_DIR": str(own_pants_cache / "named_caches"),
                }
            )
        return other

    def _copy(self, source: Path, name: str) -> None:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def read(self, name: str) -> str:
        return (self.root / name).read_text()

    def configure(self, *sections: str) -> None:
        """Add sections to its pants.toml."""
        self.write("pants.toml", self.read("pants.toml") + "".join(sections))

    def for_tests(self) -> Repo:
        """Set up for `./pants test` of its busybox images: no test-only-packages check (that is
        for Python images) and JUnit reports kept."""
        self.write(
            "pants.toml",
            self.read("pants.toml") + "\n[bbc]\ntest_only_packages = []\n\n[test]\nreport = true\n",
        )
        return self

    def add_root(self, name: str, version: str = "1.0.0", extra: str = "") -> None:
        path = f"img/{name}"
        self.versions[name] = version
        self._copy(Path(BUSYBOX), f"{path}/busybox")
        self.write(f"{path}/Dockerfile", ROOT_DOCKERFILE.format(path=path))
        self.write(
            f"{path}/BUILD",
            f'file(name="busybox", source="busybox")\n\ndocker_image(name="{name}", version="{version}", dependencies=[":busybox"]{extra})\n',
        )

    def add_child(
        self,
        name: str,
        parent: str,
        *lines: str,
        version: str = "1.0.0",
        accepts: str = "^1.0",
        extra: str = "",
    ) -> None:
        """img/<name>, FROM img/<parent> (or `parent`, given an address)."""
        path = f"img/{name}"
        self.versions[name] = version
        address = parent if ":" in parent else f"img/{parent}:{parent}"
        self.write(f"{path}/Dockerfile", child_dockerfile(address, *lines))
        self.write(
            f"{path}/BUILD",
            f'docker_image(name="{name}", version="{version}", parent_versions="{accepts}"{extra})\n',
        )

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
        ).stdout

    def reset(self) -> None:
        """Back to main as committed: undo a test's edits, branches and new files."""
        self.stop_started()
        self.git("checkout", "-q", "-f", "main")
        self.git("clean", "-q", "-fd")  # not what .gitignore names: dist/, .pids/, .pants.d/

    @contextlib.contextmanager
    def branch(self, *restore: str):
        """Work on a branch off main; afterwards main is checked out and, given arguments,
        `./pants <restore>` run (to restore main's images)."""
        name = f"change-{uuid.uuid4().hex[:6]}"
        self.git("checkout", "-q", "-b", name)
        try:
            yield
        finally:
            self.reset()
            self.git("branch", "-q", "-D", name)
            if restore:
                restored = self.pants(*restore)
                assert restored.returncode == 0, restored.output

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def pants(self, *args: str, env: dict[str, str] | None = None, timeout: int = 900) -> Run:
        result = subprocess.run(
            ["./pants", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **self.env, **(env or {})},
        )
        return Run(result.returncode, result.stdout, result.stderr)

    def run_first(self, *args: str) -> Run:
        """`./pants <args>` as the first run of this repository's images. When ./pants ran the
        client again after a fault of Pants 2.17 (build-support/pants_supervisor.py), the second
        attempt finds up to date what the first built: so the images and dist/ are removed and
        it is run once more, from nothing, for tests that look at what a first run does."""
        run = self.pants(*args)
        if RAN_AGAIN in run.stderr:
            self.remove_images(self.prefix)
            shutil.rmtree(self.root / "dist", ignore_errors=True)
            run = self.pants(*args)
        return run

    def start_pants(self, *args: str) -> subprocess.Popen:
        """`./pants <args>` in the background; killed by `reset()` or `close()` if still running
        (a run left behind holds the repository's run lock and every later ./pants waits)."""
        process = subprocess.Popen(
            ["./pants", *args],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **self.env},
        )
        self.started.append(process)
        return process

    def stop_started(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.communicate()
        self.started.clear()

    def ref(self, name: str, tag: str) -> str:
        return f"{self.prefix}/{name}:{tag}"

    def image_id(self, name: str, tag: str | None = None) -> str | None:
        """The id of `name:tag`; by default the newest build (`latest`; a prerelease's own tag)."""
        version = self.versions[name]
        try:
            return self.docker.images.get(
                self.ref(name, tag or ("latest" if "-" not in version else version))
            ).id
        except docker.errors.ImageNotFound:
            return None

    def content_ref(self, name: str, version: str) -> str:
        """The local content tag of `name` at `version`: `<prefix>/<name>:<version>-<hash>`."""
        image = self.docker.images.get(self.ref(name, version))
        [found] = [
            t for t in image.tags if re.fullmatch(rf".*:{re.escape(version)}-[0-9a-f]{{12}}", t)
        ]
        return found

    def ids(self, *names: str) -> dict[str, str | None]:
        return {name: self.image_id(name) for name in names}

    def commit_and_package(self, message: str, rebuilt: set[str], kept: dict[str, str | None]):
        """Commit, `package ::`: exactly `rebuilt` is built, the `kept` images (`ids`) stay."""
        self.commit(message)
        run = self.pants("package", "::")
        assert run.returncode == 0, run.output
        assert run.built() == rebuilt, run.output
        assert self.ids(*kept) == kept
        return run

    def close_pantsd(self) -> None:
        for pid_file in self.root.glob(".pids/*/pantsd/pid"):
            try:
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass

    def close(self) -> None:
        problems = sbom_problems(self.root)
        self.stop_started()
        self.close_pantsd()
        self.remove_images(self.prefix)
        self.docker.close()
        assert not problems, "\n".join(problems)

    def remove_images(self, prefix: str) -> None:
        """Every image named `<prefix>/...`, children first (Docker keeps parents of others)."""
        images = self.docker.images.list(filters={"reference": f"{prefix}/*"})
        for image in sorted(images, key=lambda i: i.attrs["Created"], reverse=True):
            try:
                self.docker.images.remove(image.id, force=True)
            except docker.errors.APIError:
                pass
