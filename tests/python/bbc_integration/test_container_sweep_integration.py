"""The sweep of left-over test containers and volumes (container_tests/sweep_containers.sh), run as the plugin
runs it, against the real Docker engine: it never removes a check whose run is alive (even one
without a time limit, labelled never to expire), and removes what a gone run left behind.

The containers are created, never started, from a one-file image; the labels are this test's
own, so that nothing of another checkout is ever looked at."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import docker
import pytest

SCRIPTS = Path("src/python/bbc/container_tests")
# As containers.py runs it: process_owner.sh first.
SWEEP = "\n".join((SCRIPTS / n).read_text() for n in ("process_owner.sh", "sweep_containers.sh"))


@pytest.fixture(scope="module")
def image():
    client = docker.from_env()
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile = b"FROM scratch\nCOPY true /true\n"
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        tar.add("/bin/true", "true")
    context.seek(0)
    tag = f"bbcit-sweep-{uuid.uuid4().hex[:8]}:1"
    built, _ = client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True)
    yield client, built
    client.images.remove(built.id, force=True)


def _here() -> tuple[str, str]:
    """This machine and pid namespace, and this process's start time, as the scripts write them."""
    host = Path("/proc/sys/kernel/hostname").read_text().strip()
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    stat = Path("/proc/self/stat").read_text().rsplit(") ", 1)[1].split()
    return f"{host}/{boot}/{os.readlink('/proc/self/ns/pid')}/{os.getuid()}", stat[19]


def test_the_sweep_keeps_live_runs_checks_and_removes_what_gone_runs_left(image) -> None:
    client, built = image
    expires, owner = (f"io.bbc.test-sweep-{uuid.uuid4().hex[:8]}-{k}" for k in ("exp", "own"))
    where, start = _here()
    me = os.getpid()
    cases = {
        # (expires, owner) -> kept?
        "alive, expired": (1, f"{where} {me} {start}", True),
        "alive, no limit": (0, f"{where} {me} {start}", True),
        "gone (its pid reused)": (0, f"{where} {me} 1", False),
        "gone": (0, f"{where} 999999999 1", False),
        "elsewhere, expired": (1, "another-boot/pid:[1] 7 7", False),
        "elsewhere, no limit": (0, "another-boot/pid:[1] 7 7", True),
        "elsewhere, not yet expired": (4_000_000_000, "another-boot/pid:[1] 7 7", True),
        "no owner, expired": (1, None, False),
        "no owner, no expiry label": ("", None, True),
        "another user here, gone, not yet expired": (4_000_000_000, f"{where}0 {me} 1", True),
        # A virtual machine cloned from this one while running: same boot id, pid namespace and
        # user, another hostname; its pids mean nothing here.
        "a clone of this machine, not yet expired": (4_000_000_000, f"x{where} 999999999 1", True),
    }
    made, volumes = {}, {}
    try:
        for case, (when, by, _) in cases.items():
            labels = {expires: str(when), **({owner: by} if by else {})}
            made[case] = client.containers.create(built.id, "/true", labels=labels).id
            volumes[case] = client.volumes.create(labels=labels).name  # a contract test's
        swept = subprocess.run(
            ["bash", "-c", SWEEP],
            env={
                "DOCKER": shutil.which("docker"),
                "BBC_EXPIRES_LABEL": expires,
                "BBC_OWNER_LABEL": owner,
                "PATH": os.environ["PATH"],
            },
            capture_output=True,
            text=True,
        )
        assert swept.returncode == 0 and swept.stderr == "", swept.stderr
        left = {c.id for c in client.containers.list(all=True, filters={"label": expires})}
        assert {case: made[case] in left for case in cases} == {
            case: kept for case, (_, _, kept) in cases.items()
        }
        left = {v.name for v in client.volumes.list(filters={"label": expires})}
        assert {case: volumes[case] in left for case in cases} == {
            case: kept for case, (_, _, kept) in cases.items()
        }
    finally:
        for id in made.values():
            try:
                client.api.remove_container(id, force=True)
            except docker.errors.NotFound:
                pass  # swept
        for name in volumes.values():
            try:
                client.api.remove_volume(name, force=True)
            except docker.errors.NotFound:
                pass


def test_a_watchdog_has_left_the_scripts_process_group_before_the_script_goes_on() -> None:
    """run_container.sh and contract_pytest.sh wait (`detached`) until their setsid watchdog is
    in a process group of its own: a kill of the check's group right after `docker start` (Pants
    stopping the run) must not take the watchdog with it. Run under a process group of its own,
    as Pants runs the scripts."""
    owner = (SCRIPTS / "process_owner.sh").read_text()
    script = owner + (
        "\nsetsid sleep 30 </dev/null >/dev/null 2>&1 &\nwatchdog=$!\ndetached $watchdog\n"
        'echo "$(ps_group $$) $(ps_group $watchdog)"\nkill $watchdog\n'
        "(exit 0) &\ngone=$!\nwait $gone\ndetached $gone && echo gone\n"
    )
    ran = subprocess.run(
        ["setsid", "bash", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    ours, its, gone = ran.stdout.split()
    assert ours != its and its != "" and gone == "gone"
