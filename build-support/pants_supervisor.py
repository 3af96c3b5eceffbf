"""Runs Pants' client for ./pants, and once more when the run failed for a fault of Pants 2.17
on a busy machine, not of the run's own work:

- ETXTBSY: Pants writes a script into a sandbox (`find_binary.sh`, say) and executes it. If
  another fork of pantsd inherited the script's open write handle at that moment, the kernel
  refuses the exec with ETXTBSY. Pants 2.17 retries, but its retry spawns the same Command
  again, whose pre-exec hook (`setsid`) it has added a second time: the second `setsid` fails
  in the child, which Rust reports as EINVAL. So one ETXTBSY fails the run with `Error launching
  process after 1 retry for ETXTBSY. Final error was: ... "Invalid argument"`. It can come at
  any point of a run (pex tools are such scripts too); the plugin's goals pick up where a run
  stopped (what was built is up to date, a publish resumes), so running again is safe.
- pantsd's start: Pants' client gives the pantsd it launched a fixed 60 s to come up; on a
  loaded 2-core machine its start (two rule graphs) can take longer. Nothing ran, pantsd goes on
  starting, and the next client connects to it.

It says so on stderr and runs the same command again, at most twice. Any other failure is the
run's own and ends it. Signals sent to ./pants by a process (`kill`, a CI runner's timeout) are
passed on to the client; those the terminal sends (Ctrl-C) reach the client directly, as they
reach every process of the foreground group, and are not sent twice.

    python3 pants_supervisor.py WORKDIR CLIENT [ARGS...]

WORKDIR is Pants' `.pants.d`, where each run's log (run-tracker) and the client's unhandled
exceptions (exceptions.log) are written. Standard library only: it runs on Pants' CPython 3.9.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ATTEMPTS = 3
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
SI_USER, SI_QUEUE, SI_TKILL = 0, -1, -6  # si_code of a signal a process sent (kill, sigqueue)

KNOWN_FAULTS = (
    (
        re.compile(r"Error launching process after \d+ retr(?:y|ies) for ETXTBSY"),
        "Pants could not start one of its processes (ETXTBSY: a script it had just written was "
        "still held open by another fork; Pants 2.17's own retry cannot recover from it)",
    ),
    (
        re.compile(r"exceeded timeout of 60 seconds while waiting for pantsd to start"),
        "pantsd did not start within Pants' fixed 60 s (a busy machine); nothing ran yet",
    ),
)


@dataclass(frozen=True)
class Marks:
    """Where the workdir's logs stood when an attempt started."""

    started: float
    exceptions_size: int


def mark(workdir: Path) -> Marks:
    try:
        size = (workdir / "exceptions.log").stat().st_size
    except OSError:
        size = 0
    return Marks(time.time(), size)


def written_since(workdir: Path, marks: Marks) -> str:
    """The logs Pants wrote since `marks`: the run-tracker logs of runs started since, and what
    the client added to exceptions.log."""
    texts = []
    for log in workdir.glob("run-tracker/pants_run_*/logs"):
        try:
            if log.stat().st_mtime >= marks.started - 1:
                texts.append(log.read_text(errors="replace"))
        except OSError:
            continue
    try:
        with (workdir / "exceptions.log").open("rb") as exceptions:
            exceptions.seek(marks.exceptions_size)
            texts.append(exceptions.read().decode(errors="replace"))
    except OSError:
        pass
    return "\n".join(texts)


def known_fault(text: str) -> str | None:
    for pattern, reason in KNOWN_FAULTS:
        if pattern.search(text):
            return reason
    return None


def run_once(command: list[str]) -> tuple[int, int | None]:
    """Run `command` to its end, passing on the signals a process sends us. Returns its exit
    status (negative: killed by that signal) and the signal we passed on, if any."""
    waited = set(FORWARDED) | {signal.SIGCHLD}
    signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    child = subprocess.Popen(
        command, preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, waited)
    )
    passed_on = None
    while child.poll() is None:
        info = signal.sigtimedwait(waited, 1.0)
        if info is None or info.si_signo == signal.SIGCHLD:
            continue
        if info.si_code in (SI_USER, SI_QUEUE, SI_TKILL):
            passed_on = info.si_signo
            try:
                child.send_signal(info.si_signo)
            except ProcessLookupError:
                pass
    signal.pthread_sigmask(signal.SIG_UNBLOCK, waited)
    return child.returncode, passed_on


def main(argv: list[str]) -> int:
    workdir, command = Path(argv[0]), argv[1:]
    for attempt in range(1, ATTEMPTS + 1):
        marks = mark(workdir)
        status, passed_on = run_once(command)
        if status == 0 or passed_on is not None or attempt == ATTEMPTS:
            break
        reason = known_fault(written_since(workdir, marks))
        if reason is None:
            break
        print(
            f"./pants: {reason}. Running it again (attempt {attempt + 1} of {ATTEMPTS}).",
            file=sys.stderr,
            flush=True,
        )
    if status < 0:  # killed by a signal: end the same way, as the client did
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
