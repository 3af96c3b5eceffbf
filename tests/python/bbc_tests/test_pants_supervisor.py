"""build-support/pants_supervisor.py, which ./pants runs Pants' client under: it runs the client
again only after Pants' known start-up faults, and passes on the signals a process sends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SUPERVISOR = Path("build-support/pants_supervisor.py").resolve()

# A stand-in for Pants' client: counts its runs; fails the first `FAIL` of them writing `LOG`
# where Pants writes it (a run's run-tracker log, or the client's exceptions.log).
CLIENT = """\
#!/bin/bash
trap 'echo TERM >> signals; kill $! 2>/dev/null; exit 143' TERM
runs=$(( $(cat runs 2>/dev/null || echo 0) + 1 )); echo $runs > runs
if (( runs <= FAIL )); then
  mkdir -p workdir/run-tracker/pants_run_$runs
  printf '%s\\n' "LOG" >> workdir/WHERE
  exit 1
fi
[[ $1 == wait ]] && { touch waiting; sleep 60 >/dev/null 2>&1 & wait; }
exit 0
"""
ETXTBSY = (
    "Exception: Failed to execute: Process {...}\\n\\nError launching process after 1 retry for "
    'ETXTBSY. Final error was: Os { code: 22, kind: InvalidInput, message: "Invalid argument" }'
)
PANTSD = "ProcessManager.Timeout: exceeded timeout of 60 seconds while waiting for pantsd to start"


def supervise(tmp_path: Path, fail: int, log: str, where: str, *args: str):
    client = tmp_path / "client"
    text = CLIENT.replace("FAIL", str(fail)).replace("LOG", log).replace("WHERE", where)
    client.write_text(text)
    client.chmod(0o755)
    (tmp_path / "workdir").mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(SUPERVISOR), "workdir", "./client", *args],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )


def runs(tmp_path: Path) -> int:
    return int((tmp_path / "runs").read_text())


@pytest.mark.parametrize(
    "log, where",
    [(ETXTBSY, "run-tracker/pants_run_$runs/logs"), (PANTSD, "exceptions.log")],
    ids=["etxtbsy", "pantsd-start"],
)
def test_a_known_fault_runs_the_client_again_and_says_why(tmp_path, log, where) -> None:
    process = supervise(tmp_path, 1, log, where)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert runs(tmp_path) == 2
    assert "Running it again (attempt 2 of 3)" in stderr
    reason = "ETXTBSY" if "ETXTBSY" in log else "pantsd did not start within Pants' fixed 60 s"
    assert reason in stderr


def test_a_fault_that_persists_is_tried_three_times_and_fails(tmp_path) -> None:
    process = supervise(tmp_path, 5, ETXTBSY, "run-tracker/pants_run_$runs/logs")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert runs(tmp_path) == 3
    assert stderr.count("Running it again") == 2


def test_any_other_failure_is_the_run_s_own_and_not_repeated(tmp_path) -> None:
    process = supervise(tmp_path, 1, "ResolveError: no such target", "exceptions.log")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert runs(tmp_path) == 1 and stderr == ""


def test_a_signal_sent_to_it_reaches_the_client_and_its_status_is_kept(tmp_path) -> None:
    process = supervise(tmp_path, 0, "", "exceptions.log", "wait")
    deadline = time.monotonic() + 30
    while not (tmp_path / "waiting").exists():
        assert time.monotonic() < deadline, "the client never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert (tmp_path / "signals").read_text() == "TERM\n"
    assert process.returncode == 143
    assert runs(tmp_path) == 1
