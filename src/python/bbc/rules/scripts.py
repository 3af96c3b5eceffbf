"""The plugin's shell scripts are `.sh` files beside the rules that run them (shellcheck checks
them: tests/python/bbc_integration/test_shell_scripts.py); a rule runs one as `bash -c`."""

from __future__ import annotations

from pants.util.resources import read_resource


def script(name: str) -> str:
    """The text of rules/<name>."""
    found = read_resource("bbc.rules", name)
    if found is None:
        raise FileNotFoundError(f"the plugin lost its script src/python/bbc/rules/{name}")
    return found.decode()
