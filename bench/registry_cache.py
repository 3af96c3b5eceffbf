"""What the registry cache saves a second machine, on this repository's real family.

    ./pants run bench/registry_cache.py -- [--prefix hs-bbc]

  first   a fresh clone, a fresh Pants cache (its own local store and named caches; Pants'
          virtualenv in BBC_CACHE_DIR is reused), an engine without the family: `package ::`,
          writing to a Pants remote cache (BuildGrid on a free loopback port, remote_cache.py)
  second  after the first clone published to a registry on a free loopback port: another fresh
          clone and Pants cache, and a second, empty Docker engine (a dockerd of its own on a
          loopback port with its own data root), the same `package ::`, which pulls from the
          registry instead of building; no remote cache, so the pex files `package ::` also
          makes (the images' Python dependencies, BuildGrid's) are built again
  third   the same as second, with the Pants remote cache the first machine wrote: what a CI
          runner pays with both shared caches
and, with the images removed from that engine again, a plain `docker pull` of each image in
build order (what a runner pays per ancestor), then of all of them at once, and `./pants help`
with and without the plugin (Pants' start): the floor of a third run is Pants' start without
the plugin plus the pulls at once. Images are named `<prefix>/<name>` and built with a
PIP_INDEX_URL of their own, so that BuildKit's cache of earlier builds of the family does not
shorten the first run. Only what this run made is removed.
Writes bench/results/registry-cache-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator

from bbc_integration.engine import Engine
from bbc_integration.remote_cache import RemoteCache

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["root", "python", "flask", "ml", "web", "ml_job"]  # the family, parents first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(folder: Path) -> tuple[subprocess.Popen, str]:
    address = f"127.0.0.1:{free_port()}"
    config = folder / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {folder / 'data'}\nhttp:\n  addr: {address}\n"
    )
    log = (folder / "registry.log").open("w")
    process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{address}/v2/", timeout=1).close()
            return process, address
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"docker-registry did not start: {(folder / 'registry.log').read_text()}")


def start_engine() -> tuple[Engine, str]:
    """The second machine's engine: a dockerd of its own with its own data root (so neither
    images nor BuildKit's cache of the first machine are there) and its own bridge (engine.py)."""
    engine = Engine()
    return engine, engine.tcp


def clone(workdir: Path, name: str) -> Path:
    target = workdir / name
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    return target


def pants(repo: Path, env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.monotonic()
    run = subprocess.run(
        ["./pants", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=3600
    )
    elapsed = time.monotonic() - started
    if run.returncode != 0:
        sys.exit(f"./pants {' '.join(args)} failed in {repo}:\n{run.stdout}\n{run.stderr}")
    return elapsed, run.stdout + run.stderr


def statuses(output: str) -> dict[str, str]:
    return dict(
        (name, status)
        for status, name in re.findall(
            r"^(Built|Pulled|Up to date): [^/\s]+/([^:\s]+):", output, re.M
        )
    )


def remove_images(*prefixes: str, host: str | None = None) -> None:
    """Every image named `<prefix>/...`: only this run's."""
    docker = ["docker", *(["--host", host] if host else [])]
    for prefix in prefixes:
        found = subprocess.run(
            [*docker, "image", "ls", "-q", "--no-trunc", "--filter", f"reference={prefix}/*"],
            capture_output=True,
            text=True,
        ).stdout.split()
        if found:
            subprocess.run([*docker, "image", "rm", "-f", *set(found)], capture_output=True)


def stop_pantsd(repo: Path) -> None:
    for pid_file in repo.glob(".pids/*/pantsd/pid"):
        try:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass


def pull_at_once(remotes: list[str], host: str) -> float:
    """Seconds for plain `docker pull`s of every image at once into an engine without them: the
    least any tool pays to fetch the family."""
    started = time.monotonic()
    pulls = [
        subprocess.Popen(["docker", "--host", host, "pull", "-q", r], stdout=subprocess.DEVNULL)
        for r in remotes
    ]
    if any(p.wait() != 0 for p in pulls):
        sys.exit(f"a plain docker pull of {remotes} failed")
    return round(time.monotonic() - started, 2)


def vanilla_backends() -> tuple[str, ...]:
    """Pants' options for a run with Pants' docker backend in place of the plugin, the other
    backends of pants.toml kept."""
    backends = tomllib.loads((ROOT / "pants.toml").read_text())["GLOBAL"]["backend_packages"]
    vanilla = [b if b != "bbc" else "pants.backend.docker" for b in backends]
    return f"--backend-packages={vanilla!r}", "--no-verify-config"


def pants_start(repo: Path, env: dict[str, str], *options: str) -> float:
    """Seconds for `./pants help` without pantsd: Pants' start (its two rule graphs, the
    backends' imports), which every `./pants` on a fresh runner pays first."""
    seconds, _ = pants(repo, env, *options, "help")
    return round(seconds, 1)


def bench_env(prefix: str, address: str) -> dict[str, str]:
    """What the benchmarks' ./pants runs see: images named `<prefix>/<name>`, pushed to the
    registry at `address`, built with a PIP_INDEX_URL of their own (BuildKit's cache of other
    builds of the family does not serve them) and no pantsd."""
    marker = uuid.uuid4().hex[:8]
    return {
        **os.environ,
        "BBC_CACHE_DIR": os.environ.get("BBC_CACHE_DIR")
        or str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bbc-pants"),
        # No pantsd: on a loaded machine its start can pass the client's 60 s limit.
        "PANTS_PANTSD": "false",
        "PANTS_NO_NATIVE_CLIENT": "1",
        "PANTS_DOCKER_DEFAULT_REPOSITORY": f"{prefix}/{{name}}",
        "PANTS_DOCKER_BUILD_ARGS": json.dumps([f"PIP_INDEX_URL=https://pypi.org/simple?{marker}"]),
        "PANTS_DOCKER_REGISTRIES": f"{{'bench': {{'address': '{address}', 'default': True}}}}",
    }


def workunit_env(logdir: Path) -> dict[str, str]:
    """Pants' workunit logger on, writing every workunit's timing to `logdir`."""
    logdir.mkdir(parents=True, exist_ok=True)
    return {
        "PANTS_BACKEND_PACKAGES": "+['pants.backend.experimental.tools.workunit_logger']",
        "PANTS_WORKUNIT_LOGGER_ENABLED": "true",
        "PANTS_WORKUNIT_LOGGER_LOGDIR": str(logdir),
    }


def _processes(logdir: Path) -> Iterator[tuple[str, dict]]:
    """Each process workunit of a run, with its kind: its description's first words (names of
    targets and images dropped)."""
    for path in logdir.glob("*.json"):
        for unit in json.loads(path.read_text()):
            if unit.get("name") == "process":
                words = (unit.get("description") or "?").removeprefix("Scheduling: ").split()
                yield " ".join(w for w in words[:4] if not re.search(r"[/:0-9]", w)), unit


def _seconds(unit: dict, field: str) -> float:
    return unit.get(f"{field}_secs", 0) + unit.get(f"{field}_nanos", 0) / 1e9


def where_time_went(logdir: Path, top: int = 15) -> list[dict]:
    """The processes of a run, grouped by kind and by where their result came from (ran, or a
    cache hit), summed. Processes run in parallel, so the sums can exceed the wall time."""
    groups: dict[str, list[float]] = {}
    for what, unit in _processes(logdir):
        key = f"{what} [{(unit.get('metadata') or {}).get('source', '?')}]"
        groups.setdefault(key, []).append(_seconds(unit, "duration"))
    ranked = sorted(groups.items(), key=lambda g: -sum(g[1]))[:top]
    return [{"what": k, "count": len(v), "seconds": round(sum(v), 1)} for k, v in ranked]


def timeline(logdir: Path, started: float) -> list[dict]:
    """When each kind of process of a run ran, in seconds after `./pants` was started (the time
    before the first one is Pants' own start): the first start and the last end of each kind,
    in the order they started."""
    spans: dict[str, list[float]] = {}
    for what, unit in _processes(logdir):
        start = _seconds(unit, "start") - started
        end = start + _seconds(unit, "duration")
        span = spans.setdefault(what, [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    ranked = sorted(spans.items(), key=lambda s: s[1][0])
    return [{"what": k, "from_s": round(a, 1), "to_s": round(b, 1)} for k, (a, b) in ranked]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", default="hs-bbc", help="image names: <prefix>/<name>")
    parser.add_argument("--keep", type=Path, help="copy the third run's workunits here")
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="bbc-registry-cache-"))
    registry, address = start_registry(workdir)
    base_env = bench_env(args.prefix, address)

    def env_for(name: str) -> dict[str, str]:
        cache = workdir / f"{name}-cache"
        return {
            **base_env,
            "PANTS_LOCAL_STORE_DIR": str(cache / "lmdb_store"),
            "PANTS_NAMED_CACHES_DIR": str(cache / "named_caches"),
        }

    repos: list[Path] = []
    engine = cache = None
    try:
        # Beside the `./pants run` of this script, which holds the checkout's run lock.
        pants(ROOT, {**base_env, "PANTS_CONCURRENT": "True"}, "package", "3rdparty/python:bgd")
        cache = RemoteCache(workdir, ROOT / "dist/3rdparty.python/bgd.pex")
        first = clone(workdir, "first")
        repos.append(first)
        first_env = {**env_for("first"), **cache.env(write=True)}
        first_s, first_out = pants(first, first_env, "package", "::")
        build_times = {
            json.loads(p.read_text())["address"]: json.loads(p.read_text())["seconds"]
            for p in (first / "dist/bbc/build-times").rglob("*.json")
        }
        publish_s, _ = pants(first, first_env, "publish", "::")
        stop_pantsd(first)
        remove_images(args.prefix, f"{address}/{args.prefix}")

        engine, host = start_engine()
        second = clone(workdir, "second")
        repos.append(second)
        second_env = {**env_for("second"), "DOCKER_HOST": host}
        second_s, second_out = pants(second, second_env, "package", "::")
        stop_pantsd(second)
        pulled = statuses(second_out)

        remove_images(args.prefix, f"{address}/{args.prefix}", host=host)
        third = clone(workdir, "third")
        repos.append(third)
        units = workdir / "third-workunits"
        third_env = {
            **env_for("third"),
            "DOCKER_HOST": host,
            **cache.env(write=False),
            **workunit_env(units),
        }
        third_started = time.time()
        third_s, third_out = pants(third, third_env, "package", "::")
        stop_pantsd(third)
        if args.keep:
            shutil.copytree(units, args.keep, dirs_exist_ok=True)

        remove_images(args.prefix, f"{address}/{args.prefix}", host=host)
        content = {
            name: ref.split(", ")[-1]
            for name, ref in re.findall(
                r"^Pulled: [^/\s]+/([^:\s]+):.*?, ([^,\s]+)$", second_out, re.M
            )
        }
        pulls = {}  # parents first: each pull fetches only what its parent does not hold
        for name, ref in sorted(content.items(), key=lambda i: ORDER.index(i[0])):
            remote = f"{address}/{ref}"
            started = time.monotonic()
            pull = ["docker", "--host", host, "pull", "-q", remote]
            subprocess.run(pull, check=True, capture_output=True)
            pulls[name] = round(time.monotonic() - started, 2)
        remove_images(args.prefix, f"{address}/{args.prefix}", host=host)
        at_once_s = pull_at_once([f"{address}/{ref}" for ref in content.values()], host)
        start_s = {
            "with_plugin": pants_start(third, env_for("third")),
            "without_plugin": pants_start(third, env_for("third"), *vanilla_backends()),
        }
        floor_s = start_s["without_plugin"] + at_once_s
        result = {
            "first_package_s": round(first_s, 1),
            "first_statuses": statuses(first_out),
            "publish_s": round(publish_s, 1),
            "second_package_s": round(second_s, 1),
            "second_statuses": pulled,
            "ratio": round(second_s / first_s, 3),
            "third_package_s": round(third_s, 1),
            "third_statuses": statuses(third_out),
            "ratio_with_remote_cache": round(third_s / first_s, 3),
            "third_processes": where_time_went(units),
            "third_timeline": timeline(units, third_started),
            "build_seconds": build_times,
            "pull_seconds": pulls,
            "pull_at_once_s": at_once_s,
            "pants_start_s": start_s,
            "floor_s": round(floor_s, 1),
            "floor_ratio": round(floor_s / first_s, 3),
            "load_average_at_start": load_at_start,
            "load_average": os.getloadavg(),
        }
        print(json.dumps(result, indent=2))
        out = ROOT / "bench/results" / f"registry-cache-{time.strftime('%Y%m%dT%H%M%S')}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {out}")
    finally:
        for repo in repos:
            stop_pantsd(repo)
        remove_images(args.prefix, f"{address}/{args.prefix}")
        registry.terminate()
        if cache is not None:
            cache.close()
        if engine is not None:
            engine.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
