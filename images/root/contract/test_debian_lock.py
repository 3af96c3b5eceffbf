"""The Debian packages in an image are exactly the locked ones: each installed package at a
version that a lock in the image names (/usr/share/bbc/debian/*.lock, the root's and each
intermediate's that installs more, 3rdparty/debian/), and each locked package installed. The
lock, not the mirror, decides what goes in."""

import re
from collections import defaultdict


def test_installed_debian_packages_are_the_locked_versions(containers):
    ran = containers.run(
        [
            "sh",
            "-c",
            "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' && echo LOCKS"
            " && cat /usr/share/bbc/debian/*.lock",
        ],
        entrypoint=[],
    )
    assert ran.exit_code == 0, ran.output
    status, _, locks = ran.output.partition("LOCKS\n")
    installed = {}
    for line in status.splitlines():
        state, name, version = line.split()
        if state.startswith("i"):
            installed[name] = version
    locked = defaultdict(set)
    for stanza in locks.split("\n\n"):
        name = re.search(r"^Package: (\S+)$", stanza, re.M)
        version = re.search(r"^Version: (\S+)$", stanza, re.M)
        if name and version:
            locked[name.group(1)].add(version.group(1))
    assert locked, "no lock in /usr/share/bbc/debian"
    unlocked = {n: v for n, v in installed.items() if v not in locked.get(n, ())}
    assert not unlocked, f"installed, but not at a locked version: {unlocked}"
    missing = sorted(set(locked) - set(installed))
    assert not missing, f"locked, but not installed: {missing}"
