"""What `./pants test ::` costs, per test target, from a fresh clone.

    python3 bench/test_suite.py [--source .] [--warm] [--touch src/python/bbc/...py]
                                [--stress N] [--runs 1] [--keep]

It clones `--source` (default: this repository, its committed HEAD) into a temporary folder and
runs `./pants test ::` there, as CI does (`.ci/run`), with empty Pants caches (a fresh
XDG_CACHE_HOME: Pants' store and named caches, the integration tests' own Pants runs included;
the launcher's virtualenv in BBC_CACHE_DIR is kept, `--fresh-venv` sets that up again too).
`--warm` keeps the machine's Pants caches instead. `--touch FILE` runs the suite a second time
after appending a comment to FILE (a plugin module, say): what a change costs. `--stress N`
runs `stress-ng --cpu N` beside the suite (the busy CI runner case). `--runs K` repeats the
whole (clone, run[, touch and run]) K times.

It prints each test target's wall time, sorted, the slowest test cases, and the total, and writes
bench/results/test-suite-<time>.json: each run's targets (seconds, outcome, and each test case's
seconds from the JUnit reports),
`total_seconds`, `passed`, the load average seen during the run (min, mean, max of
/proc/loadavg's one-minute figure, read every 5 s), and what was left behind: containers and
images named by the integration tests' prefix (`bbcit...`), and processes still running from
the clone.

Only the standard library: it runs on the host's python3, outside Pants (a `./pants run` would
hold this repository's run lock for the whole suite).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

RESULT = re.compile(
    r"^(?P<mark>✓|𐄂|✕|x) (?P<target>\S+) (?P<outcome>succeeded|failed|timed out)"
    r"(?: in (?P<seconds>[\d.]+)s)?(?: \((?P<how>[^)]+)\))?"
)
PREFIX = "bbcit"  # tests/python/bbc_integration/fixture.py names every image <prefix>/...


class LoadSampler(threading.Thread):
    def __init__(self, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.every, self.samples, self.done = every, [], threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))

    def summary(self) -> dict:
        s = self.samples or [float(Path("/proc/loadavg").read_text().split()[0])]
        return {"min": min(s), "mean": round(sum(s) / len(s), 2), "max": max(s), "samples": len(s)}


def docker_names(kind: str) -> set[str]:
    """Containers (`ps -a`) or images named with the integration tests' prefix."""
    if kind == "containers":
        command = ["docker", "ps", "-a", "--format", "{{.Names}} {{.Image}}"]
    else:
        command = ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]
    out = subprocess.run(command, capture_output=True, text=True).stdout
    return {line for line in out.splitlines() if PREFIX in line}


def processes_under(folder: Path) -> list[str]:
    """Command lines of processes whose working folder is inside `folder`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            if cwd.startswith(str(folder)):
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{proc.name} {cmd.strip()}")
        except OSError:
            continue
    return found


def stop_pantsd(repo: Path, timeout: float = 30) -> None:
    for pid_file in repo.glob(".pids/*/pantsd/pid"):
        try:
            pid = int(pid_file.read_text())
            os.kill(pid, 15)
        except (OSError, ValueError):
            continue
        deadline = time.monotonic() + timeout
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if Path(f"/proc/{pid}").exists():  # a busy pantsd can take longer than that to stop
            print(f"pantsd {pid} did not stop within {timeout:.0f} s of SIGTERM: killed")
            try:
                os.kill(pid, 9)
            except OSError:
                pass
            while Path(f"/proc/{pid}").exists():
                time.sleep(0.2)


def test_cases(reports: Path) -> dict[str, dict[str, float]]:
    """Per test target, each test case's seconds (setup and teardown included), from the JUnit
    reports `./pants test` wrote this run (a target whose result was cached writes none)."""
    found: dict[str, dict[str, float]] = {}
    for report in sorted(reports.glob("*.xml")) if reports.is_dir() else ():
        stem = report.name.removesuffix(".xml")  # tests.python.x.test_y.py.tests
        path, _, name = stem.rpartition(".")
        folder, _, module = path.removesuffix(".py").rpartition(".")
        target = f"{folder.replace('.', '/')}/{module}.py:{name}"
        cases = {
            case.get("name", "?"): round(float(case.get("time", 0)), 2)
            for case in ElementTree.parse(report).iter("testcase")
        }
        found[target] = dict(sorted(cases.items(), key=lambda kv: -kv[1]))
    return found


def run_suite(clone: Path, env: dict[str, str], log: Path) -> dict:
    sampler = LoadSampler()
    sampler.start()
    start = time.monotonic()
    with log.open("w") as out:
        process = subprocess.run(
            ["./pants", "test", "::"], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    total = time.monotonic() - start
    sampler.done.set()
    targets = {}
    for line in log.read_text(errors="replace").splitlines():
        found = RESULT.match(line.strip())
        if found:
            targets[found["target"]] = {
                "seconds": float(found["seconds"]) if found["seconds"] else None,
                "outcome": found["outcome"],
                "how": found["how"] or "ran",
            }
    for target, cases in test_cases(clone / "dist" / "test" / "reports").items():
        if target in targets:
            targets[target]["tests"] = cases
    return {
        "total_seconds": round(total, 1),
        "passed": process.returncode == 0,
        "returncode": process.returncode,
        "targets": targets,
        "load_average": sampler.summary(),
        "log": str(log),
    }


def print_run(label: str, run: dict) -> None:
    print(f"\n## {label}: {run['total_seconds']:.0f} s, {'passed' if run['passed'] else 'FAILED'}")
    rows = sorted(run["targets"].items(), key=lambda kv: -(kv[1]["seconds"] or 0))
    for target, r in rows:
        seconds = f"{r['seconds']:8.1f}" if r["seconds"] is not None else "       -"
        how = "" if r["how"] == "ran" else f" ({r['how']})"
        print(f"{seconds} s  {r['outcome']:9}  {target}{how}")
    cases = [
        (seconds, f"{target.split(':')[0].rsplit('/', 1)[-1]}::{name}")
        for target, r in run["targets"].items()
        for name, seconds in r.get("tests", {}).items()
    ]
    print("slowest test cases:")
    for seconds, name in sorted(cases, reverse=True)[:20]:
        print(f"{seconds:8.1f} s  {name[:150]}")
    load = run["load_average"]
    print(f"load average: min {load['min']}, mean {load['mean']}, max {load['max']}")
    print(f"left behind: {run['left_behind']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--warm", action="store_true", help="keep the machine's Pants caches")
    parser.add_argument("--fresh-venv", action="store_true", help="set up the launcher again too")
    parser.add_argument("--touch", help="a file to change before a second run")
    parser.add_argument("--stress", type=int, default=0, help="stress-ng --cpu N beside the suite")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the clones and caches")
    args = parser.parse_args()

    results = []
    for index in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="bbc-test-suite-"))
        clone = work / "repo"
        subprocess.run(["git", "clone", "-q", str(args.source), str(clone)], check=True)
        revision = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True
        ).stdout.strip()
        env = dict(os.environ)
        if not args.warm:
            env.setdefault(
                "BBC_CACHE_DIR",
                str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bbc-pants"),
            )
            env["XDG_CACHE_HOME"] = str(work / "cache")
            if args.fresh_venv:
                env["BBC_CACHE_DIR"] = str(work / "cache" / "bbc-pants")
        stress = None
        if args.stress:
            stress = subprocess.Popen(
                ["stress-ng", "--cpu", str(args.stress), "--quiet"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            before = {k: docker_names(k) for k in ("containers", "images")}
            runs = {"cold" if not args.warm else "warm": run_suite(clone, env, work / "run-1.log")}
            if args.touch:
                with (clone / args.touch).open("a") as f:
                    f.write("\n# touched by bench/test_suite.py\n")
                runs["touched"] = run_suite(clone, env, work / "run-2.log")
            stop_pantsd(clone)  # the clone's own pantsd is expected; stop it before looking
            for run in runs.values():
                run["left_behind"] = {
                    k: sorted(docker_names(k) - before[k]) for k in ("containers", "images")
                }
                run["left_behind"]["processes"] = processes_under(work)
        finally:
            if stress:
                stress.terminate()
                stress.wait()
        for label, run in runs.items():
            print_run(f"run {index + 1} {label}", run)
        results.append(
            {"revision": revision, "stress_cpus": args.stress, "touch": args.touch, "runs": runs}
        )
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for label, run in runs.items():  # the log outlives the clone: it says why and where
            kept = args.source / "bench" / "results" / f"run-{stamp}-{index + 1}-{label}.log"
            shutil.copy(run["log"], kept)
            run["log"] = str(kept.relative_to(args.source))
            print(f"the run's log: {kept} (not committed)")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")

    out = args.source / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"test-suite-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"results": results}, indent=2) + "\n")
    print(f"\nwrote {path}")
    sys.exit(0 if all(r["passed"] for res in results for r in res["runs"].values()) else 1)


if __name__ == "__main__":
    main()
