"""The scheduled patch job (docs/updates-and-sboms.md, "The scheduled job, start to finish"), timed end to end on
this repository's real family, from "update found" to "family published":

    ./pants run bench/patch_job.py -- [--prefix pj-bbc] [--python-lock-from REF]

How an update is found, honestly: in a clone of this repository, one package of the root's
Debian lock (3rdparty/debian/root.lock) that the lock takes from bookworm-security is set back to
the version bookworm itself holds (zlib1g 1:1.2.13.dfsg-1+deb12u1 -> 1:1.2.13.dfsg-1 when this
was written): its stanza as Debian's own bookworm Packages index gives it, so the older .deb is
real, on the mirror, and checked by hash. That is the lock as it stood before the security
release. The family is built from it and published (the previous release) to a registry on a
free loopback port; that is set-up, not timed. Then the job runs as the docs give it, each
step timed: `bbc-update --apply` resolves the Debian locks and images.lock from the real mirror
and PyPI, finds the package, reads the CVEs from its changelog and bumps the root and every
descendant; then commit, `package`, `test`, `bbc-check` and `publish` (which writes each
release's notes and SBOM), all `--changed-since` the previous release's commit. A root update
is the widest patch there is: every image of the family is rebuilt, tested and published.

With `--python-lock-from REF` the update is Python's instead: the family is built and published
from REF's images.txt and images.lock (pins), then images.txt gets today's ranges back (the
platform's decision, committed before the job), and the job takes in what the package index
holds today inside them, as it did the first time it ran with ranges.

The runs use their own Pants local store (so the new root filesystem is really built, not
found in the cache of someone's earlier build of the same lock; the named caches, pex's
downloads, are shared as a CI runner's would be), images named `<prefix>/<name>` and a
PIP_INDEX_URL build argument of their own (so that BuildKit's cache of the shared `bbc/*`
builds shortens nothing), and no pantsd (each command starts Pants afresh: on a loaded
machine pantsd's start can pass the client's 60 s limit). The test step runs the images' tests only
(`--filter-target-type=docker_image`): `tests/python/bbc_integration` depends on the lock
files too (the README test copies them), and `--changed-since` would take in the plugin's
whole integration suite. Only what this run made is removed.
Writes bench/results/patch-job-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from registry_cache import (
    bench_env,
    clone,
    remove_images,
    start_registry,
    statuses,
    stop_pantsd,
)

ROOT = Path(__file__).resolve().parent.parent
LOCK = "3rdparty/debian/root.lock"
MIRROR = "http://deb.debian.org/debian/"
PACKAGES = f"{MIRROR}dists/bookworm/main/binary-amd64/Packages.xz"
PREFERRED = ("zlib1g", "libzstd1", "libpcre2-8-0", "liblzma5")


def stanzas(text: str) -> list[str]:
    return [s for s in re.split(r"\n\s*\n", text) if s.strip()]


def field(stanza: str, name: str) -> str | None:
    found = re.search(rf"^{name}: (.*)$", stanza, re.M)
    return found.group(1) if found else None


def older(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0


def set_back(lock: str) -> tuple[str, str, str, str]:
    """The lock with one bookworm-security package at bookworm's version: (lock, package,
    locked version, bookworm's version)."""
    with urllib.request.urlopen(PACKAGES, timeout=120) as response:
        index = lzma.decompress(response.read()).decode()
    mine = [s for s in stanzas(lock) if "/debian-security/" in (field(s, "Url") or "")]
    by_name = {field(s, "Package"): s for s in mine}
    for name in PREFERRED:
        locked = by_name.get(name)
        if locked is None:
            continue
        [main] = [
            s
            for s in stanzas(index)
            if field(s, "Package") == name
            and field(s, "Architecture") == field(locked, "Architecture")
        ] or [None]
        if main is None or not older(field(main, "Version"), field(locked, "Version")):
            continue
        lines = []
        for line in locked.splitlines():
            key = line.partition(":")[0]
            if key == "Url":
                lines.append(f"Url: {MIRROR}{urllib.parse.quote(field(main, 'Filename'))}")
            elif field(main, key) is not None:
                lines.append(f"{key}: {field(main, key)}")
        return (
            lock.replace(locked, "\n".join(lines)),
            name,
            field(locked, "Version"),
            field(main, "Version"),
        )
    sys.exit(f"none of {PREFERRED} is locked from bookworm-security at a newer version")


def run(repo: Path, env: dict[str, str], args: list[str], ok=(0,)) -> tuple[float, str]:
    started = time.monotonic()
    ran = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=3600)
    elapsed = time.monotonic() - started
    if ran.returncode not in ok:
        sys.exit(f"{' '.join(args)} exited {ran.returncode} in {repo}:\n{ran.stdout}\n{ran.stderr}")
    return elapsed, ran.stdout + ran.stderr


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@bbc", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", default="pj-bbc", help="image names: <prefix>/<name>")
    parser.add_argument(
        "--python-lock-from",
        metavar="REF",
        help="instead of setting a Debian package back, start from REF's images.lock (the "
        "Python lock before a take-in): the job takes in what PyPI holds today",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bbc-patch-job-"))
    registry, address = start_registry(workdir)
    env = {**bench_env(args.prefix, address), "PANTS_LOCAL_STORE_DIR": str(workdir / "lmdb_store")}
    repo = None
    try:
        repo = clone(workdir, "repo")
        python = ("3rdparty/python/images.txt", "3rdparty/python/images.lock")
        if args.python_lock_from:
            # The previous release: REF's requirements and lock (pins).
            ranges = (repo / python[0]).read_text()
            for path in python:
                (repo / path).write_text(git(repo, "show", f"{args.python_lock_from}:{path}"))
            git(
                repo,
                "commit",
                "-qam",
                f"Python requirements and lock as at {args.python_lock_from}",
            )
            package, new, old = "python", "today's", args.python_lock_from
        else:
            lock, package, new, old = set_back((repo / LOCK).read_text())
            (repo / LOCK).write_text(lock)
            git(repo, "commit", "-qam", f"{LOCK}: {package} {old}, before the security release")
        setup_package, _ = run(repo, env, ["./pants", "package", "::"])
        setup_publish, _ = run(repo, env, ["./pants", "publish", "::"])
        if args.python_lock_from:
            # Then images.txt says the ranges the platform accepts; the job takes in the rest.
            (repo / python[0]).write_text(ranges)
            git(repo, "commit", "-qam", f"{python[0]}: the ranges the platform accepts")
        base = git(repo, "rev-parse", "HEAD").strip()
        print(
            f"set-up: {package} set back to {old}; package {setup_package:.0f} s, publish "
            f"{setup_publish:.0f} s (not timed in the job)",
            flush=True,
        )

        since = f"--changed-since={base}"
        steps = [
            ("update", ["./pants", "bbc-update", "--apply"], (2,)),
            (
                "commit",
                [
                    "sh",
                    "-c",
                    "git add -A && git -c user.name=bench -c "
                    "user.email=bench@bbc commit -q -F dist/bbc/update/report.md",
                ],
                (0,),
            ),
            ("package", ["./pants", since, "package"], (0,)),
            ("test", ["./pants", since, "--filter-target-type=docker_image", "test"], (0,)),
            ("check", ["./pants", "bbc-check", f"--since={base}", "::"], (0,)),
            ("publish", ["./pants", since, "publish"], (0,)),
        ]
        seconds: dict[str, float] = {}
        loads: dict[str, list[float]] = {}
        outputs: dict[str, str] = {}
        for name, command, ok in steps:
            seconds[name], outputs[name] = run(repo, env, command, ok)
            loads[name] = [round(x, 2) for x in os.getloadavg()]
            print(f"{name:8} {seconds[name]:7.1f} s   load {loads[name]}", flush=True)
        total = sum(seconds.values())
        report = json.loads((repo / "dist/bbc/update/report.json").read_text())
        moved = [p for p in report["packages"] if p["name"] == package or p["kind"] == package]
        notes = sorted(
            str(p.relative_to(repo / "dist/bbc/releases"))
            for p in (repo / "dist/bbc/releases").rglob("*.md")
        )
        result = {
            "package_set_back": {"name": package, "from": old, "to": new},
            "update_found": moved,
            "all_packages_moved": [(p["name"], p["old"], p["new"]) for p in report["packages"]],
            "python_held_back": [
                (v["name"], v["in_range"], v["newest"], v["held_back_by"])
                for v in report.get("python", ())
                if v["held_back_by"]
            ],
            "notes": report.get("notes", []),
            "bumps": report["bumps"],
            "seconds": {k: round(v, 1) for k, v in seconds.items()},
            "total_s": round(total, 1),
            "goal_s": 600,
            "built": sorted(k for k, v in statuses(outputs["package"]).items() if v == "Built"),
            "build_seconds": {  # per image, as `package` recorded them
                json.loads(p.read_text())["address"]: json.loads(p.read_text())["seconds"]
                for p in (repo / "dist/bbc/build-times").rglob("*.json")
            },
            "release_notes": notes,
            "set_up_seconds": {
                "package": round(setup_package, 1),
                "publish": round(setup_publish, 1),
            },
            "load_average_after_step": loads,
            "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        }
        print(f"total    {total:7.1f} s   (goal: under 600 s)")
        print(json.dumps(result, indent=2))
        out = ROOT / "bench/results" / f"patch-job-{time.strftime('%Y%m%dT%H%M%S')}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {out}")
    finally:
        if repo is not None:
            stop_pantsd(repo)
        remove_images(args.prefix, f"{address}/{args.prefix}")
        registry.terminate()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
