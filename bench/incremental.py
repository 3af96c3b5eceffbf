"""What an incremental build costs as the BBC hierarchy grows.

    ./pants run bench/incremental.py -- [--sizes 10 50 200] [--runs 3] [--plan-size 1000]
                                        [--modes buildkit classic vanilla-buildkit vanilla-classic]
                                        [--private-engine] [--generate DIR]

For each size N it generates a hierarchy (one root, a layer of intermediates, the rest
applications; offline Dockerfiles that build in well under a second) in a temporary git
repository with the real ./pants and plugin, keeps pantsd warm, and measures the median of
`--runs` runs of:

  first     `./pants package ::` with no image built yet, and no layer in Docker's cache
  no-op     `./pants package ::` with nothing changed
  leaf      `./pants --changed-since=main package` after one application changed
  root      the same after the root changed
and, for the same changes, `docker build` by hand:
  naive     every image, parents first (the seed's test.sh for the whole family)
  lower     exactly the affected images, nothing else (the lower bound)
and what Pants itself costs before any docker backend does anything (the floor of the no-op and
leaf cases for any tool on Pants):
  list      `./pants list ::`
  list (leaf)  `./pants --changed-since=main list` after the leaf change

and `./pants --changed-since=HEAD list` alone for `--plan-size` images. It prints a markdown
table and writes JSON to bench/results/.

Each mode is one row per N: `buildkit` and `classic` are the plugin with `[bbc].builder` set so;
`vanilla-buildkit` and `vanilla-classic` are Pants' own docker backend without the plugin on the
same generated family (plain `docker_image` targets, the same Dockerfiles and changes), driving
the same docker client (/usr/bin/docker) with DOCKER_BUILDKIT=1 or 0: the plugin's closest peer.

`--private-engine` runs everything against a Docker engine of its own (empty data root, own
bridge: tests/python/bbc_integration/engine.py) instead of the machine's shared one, whose list of
images grows with every checkout beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bbc_integration.engine import Engine
from bbc_integration.fixture import Repo


MODES = ("buildkit", "classic", "vanilla-buildkit", "vanilla-classic")
CLIENT = "/usr/bin/docker"  # the client both the plugin and vanilla Pants drive here


def configure(repo: Repo, mode: str) -> None:
    """Make the generated repository use `mode` (before the family is committed)."""
    buildkit = "0" if mode.endswith("classic") else "1"
    toml = repo.read("pants.toml")
    if mode.startswith("vanilla"):
        toml = toml.replace(
            '"pants.backend.shell", "bbc"]', '"pants.backend.shell", "pants.backend.docker"]'
        )
        toml = toml.replace(
            "[docker]\n",
            f'[docker]\nexecutable_search_paths = ["{Path(CLIENT).parent}"]\n'
            f'env_vars = ["DOCKER_BUILDKIT={buildkit}", "DOCKER_HOST", "DOCKER_CONFIG", "HOME"]\n',
            1,
        ).replace('env_vars = ["DOCKER_HOST", "DOCKER_CONFIG", "HOME"]\n', "", 1)
        for build in repo.root.glob("img/*/BUILD"):
            text = re.sub(r', (version|parent_versions)="[^"]*"', "", build.read_text())
            build.write_text(text)
    else:
        toml += f'\n[bbc]\nbuilder = "{mode}"\n'
    repo.write("pants.toml", toml)


def family(repo: Repo, size: int, mode: str = "buildkit") -> tuple[list[str], dict[str, str]]:
    """Generate the hierarchy; returns the names parents first, and each one's parent."""
    intermediates = max(2, round(math.sqrt(size)))
    parents = {"root": ""}
    repo.add_root("root")
    for i in range(intermediates):
        name = f"mid{i}"
        parents[name] = "root"
        repo.add_child(name, "root", f"RUN echo {name} > /layer")
    for i in range(size - 1 - intermediates):
        name = f"app{i}"
        parents[name] = f"mid{i % intermediates}"
        repo.add_child(name, parents[name], f"RUN echo {name} > /app")
    repo.write(".dockerignore", ".git\n.pids\n.pants.d\ndist\n")
    configure(repo, mode)
    repo.commit(f"{size} images")
    return list(parents), parents


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def pants(repo: Repo, *args: str) -> None:
    result = repo.pants(*args, timeout=7200)
    if result.returncode != 0:
        sys.exit(f"./pants {' '.join(args)} failed:\n{result.output}")


def docker_build(
    repo: Repo, names: list[str], parents: dict[str, str], tag_prefix: str, buildkit: bool
) -> None:
    """The seed's way: one plain `docker build` per image, parents first."""
    env = {**os.environ, "DOCKER_BUILDKIT": "1" if buildkit else "0"}
    for name in names:
        args = [
            CLIENT,
            "build",
            "-q",
            "-t",
            f"{tag_prefix}/{name}",
            "-f",
            f"img/{name}/Dockerfile",
        ]
        if parents[name]:
            args += ["--build-arg", f"SOURCE_IMAGE={tag_prefix}/{parents[name]}"]
        subprocess.run([*args, "."], cwd=repo.root, check=True, capture_output=True, env=env)


def change(repo: Repo, name: str) -> None:
    """A change Docker has never seen, to the image `name`, committed on a branch off main."""
    repo.git("checkout", "-q", "-B", "bench-change", "main")
    repo.write(
        f"img/{name}/Dockerfile",
        repo.read(f"img/{name}/Dockerfile") + f"RUN echo {uuid.uuid4().hex} > /change\n",
    )
    repo.commit(f"Change {name}")


def measure(size: int, runs: int, workdir: Path, mode: str) -> dict:
    repo = Repo(workdir / f"bench-{mode}-{size}", Path.cwd())
    naive_prefix = f"{repo.prefix}-naive"
    buildkit = not mode.endswith("classic")
    try:
        names, parents = family(repo, size, mode)
        leaf, leaf_chain = names[-1], ["root", parents[names[-1]], names[-1]]
        pants(repo, "list", "::")  # start pantsd and parse everything once
        figures: dict[str, list[float]] = {
            k: []
            for k in (
                "first",
                "noop",
                "leaf",
                "root",
                "naive_leaf",
                "lower_leaf",
                "naive_root",
                "lower_root",
                "list",
                "list_leaf",
                "list_root",
            )
        }
        root = repo.read("img/root/Dockerfile")
        for _ in range(runs):
            repo.git("checkout", "-q", "-f", "main")
            repo.remove_images(repo.prefix)
            # Layers no engine has seen, in every image: each mode's and each run's `first` is
            # cold (BuildKit's cache would otherwise hand one mode the layers of another).
            repo.write("img/root/Dockerfile", f"{root}RUN echo {uuid.uuid4().hex} > /run\n")
            repo.commit("A family Docker has never built")
            figures["first"].append(timed(lambda: pants(repo, "package", "::")))
            figures["noop"].append(timed(lambda: pants(repo, "package", "::")))
            figures["list"].append(timed(lambda: pants(repo, "list", "::")))
            # the naive images exist before we time them
            docker_build(repo, names, parents, naive_prefix, buildkit)
            for what, target, affected in (
                ("leaf", leaf, leaf_chain[-1:]),
                ("root", "root", names),
            ):
                change(repo, target)
                listed = timed(lambda: pants(repo, "--changed-since=main", "list"))
                figures[f"list_{what}"].append(listed)
                figures[what].append(timed(lambda: pants(repo, "--changed-since=main", "package")))
                change(repo, target)
                figures[f"naive_{what}"].append(
                    timed(lambda: docker_build(repo, names, parents, naive_prefix, buildkit))
                )
                change(repo, target)
                figures[f"lower_{what}"].append(
                    timed(lambda: docker_build(repo, affected, parents, naive_prefix, buildkit))
                )
                repo.git("checkout", "-q", "-f", "main")
        medians = {k: statistics.median(v) for k, v in figures.items()}
        medians["leaf/naive"] = medians["leaf"] / medians["naive_leaf"]
        medians["leaf/lower"] = medians["leaf"] / medians["lower_leaf"]
        medians["root/naive"] = medians["root"] / medians["naive_root"]
        medians["root/lower"] = medians["root"] / medians["lower_root"]
        medians["floor_leaf"] = medians["list_leaf"] + medians["lower_leaf"]
        return {
            "size": size,
            "mode": mode,
            "runs": runs,
            "median_seconds": medians,
            "all_seconds": figures,
        }
    finally:
        repo.remove_images(naive_prefix)
        repo.close()


def plan(size: int, runs: int, workdir: Path) -> dict:
    repo = Repo(workdir / f"plan-{size}", Path.cwd())
    try:
        family(repo, size)
        change(repo, "app0")
        repo.git("reset", "-q", "--soft", "HEAD~1")  # an uncommitted change for HEAD to see
        pants(repo, "--changed-since=HEAD", "list")  # warm pantsd
        times = [timed(lambda: pants(repo, "--changed-since=HEAD", "list")) for _ in range(runs)]
        return {
            "size": size,
            "runs": runs,
            "median_seconds": statistics.median(times),
            "all_seconds": times,
        }
    finally:
        repo.close()


def table(results: list[dict], planning: dict | None) -> str:
    rows = [
        "| N | mode | first | no-op | leaf | naive (leaf) | lower (leaf) | ours/naive | ours/lower | root | naive (root) | lower (root) | ours/naive | ours/lower |",
        "| --: | :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for r in results:
        m = r["median_seconds"]
        rows.append(
            f"| {r['size']} | {r['mode']} | {m['first']:.1f} s | {m['noop']:.2f} s | {m['leaf']:.2f} s | {m['naive_leaf']:.2f} s | "
            f"{m['lower_leaf']:.2f} s | {m['leaf/naive']:.2f} | {m['leaf/lower']:.2f} | {m['root']:.1f} s | "
            f"{m['naive_root']:.1f} s | {m['lower_root']:.1f} s | {m['root/naive']:.2f} | {m['root/lower']:.2f} |"
        )
    by_mode = {(r["size"], r["mode"]): r["median_seconds"] for r in results}
    peers = [
        (size, mode, ours, by_mode[(size, f"vanilla-{mode}")])
        for (size, mode), ours in by_mode.items()
        if (size, f"vanilla-{mode}") in by_mode
    ]
    if peers:
        rows += [
            "\nThe plugin against vanilla Pants' docker backend (plugin time / vanilla time):\n",
            "| N | builder | first | no-op | leaf | root |",
            "| --: | :-- | --: | --: | --: | --: |",
        ]
        for size, mode, ours, theirs in peers:
            ratios = " | ".join(
                f"{ours[k] / theirs[k]:.2f}" for k in ("first", "noop", "leaf", "root")
            )
            rows.append(f"| {size} | {mode} | {ratios} |")
    rows += [
        "\nWhat Pants costs before a docker backend does anything (pantsd warm), and the leaf's "
        "floor for any tool on Pants (`list (leaf)` + `lower (leaf)`):\n",
        "| N | mode | list :: | no-op / list | list (leaf) | leaf floor | leaf / floor | 2x lower |",
        "| --: | :-- | --: | --: | --: | --: | --: | --: |",
    ]
    for r in results:
        m = r["median_seconds"]
        rows.append(
            f"| {r['size']} | {r['mode']} | {m['list']:.2f} s | {m['noop'] / m['list']:.2f} | "
            f"{m['list_leaf']:.2f} s | {m['floor_leaf']:.2f} s | {m['leaf'] / m['floor_leaf']:.2f} | "
            f"{2 * m['lower_leaf']:.2f} s |"
        )
    if planning:
        rows.append(
            f"\n`./pants --changed-since=HEAD list` with {planning['size']} images: {planning['median_seconds']:.2f} s (median of {planning['runs']})."
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 50, 200])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plan-size", type=int, default=1000, help="0 to skip")
    parser.add_argument("--modes", nargs="*", choices=MODES, default=list(MODES))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bbc-bench"))
    parser.add_argument("--private-engine", action="store_true")
    parser.add_argument(
        "--generate",
        type=Path,
        help="only generate the family of the first size and mode in this new directory, "
        "build nothing, and leave it there (to profile by hand; remove its images after)",
    )
    args = parser.parse_args()
    if args.generate:
        repo = Repo(args.generate, Path.cwd())
        family(repo, args.sizes[0], args.modes[0])
        print(f"{args.generate}: {args.sizes[0]} images named {repo.prefix}/*")
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    engine = Engine() if args.private_engine else None
    if engine:
        os.environ["DOCKER_HOST"] = engine.host  # ./pants, the plugin, vanilla and docker build
    try:
        results = []
        for size in args.sizes:
            for mode in args.modes:
                results.append(measure(size, args.runs, args.workdir, mode))
                print(f"N={size} {mode}: {json.dumps(results[-1]['median_seconds'])}", flush=True)
        planning = plan(args.plan_size, args.runs, args.workdir) if args.plan_size else None
    finally:
        if engine:
            engine.close()
    report = table(results, planning)
    print(report)
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"incremental-{time.strftime('%Y%m%dT%H%M%S')}.json"
    engine_note = "private" if engine else "shared"
    path.write_text(
        json.dumps(
            {"results": results, "planning": planning, "engine": engine_note, "table": report},
            indent=2,
        )
    )
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
