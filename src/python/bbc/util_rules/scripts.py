"""The plugin's shell scripts are `.sh` files beside the rules that run them (shellcheck checks
them: tests/python/bbc_integration/test_shell_scripts.py); a rule runs one as `bash -c`. A few
processes also run a standard-library Python module of the plugin (sbom/image_files.py), read
here as text."""

from __future__ import annotations

from pants.util.resources import read_resource


def script(module: str, *names: str) -> str:
    """The text of the scripts `names` beside the module `module` (its `__name__`), one after
    the other: the first ones define what the last one uses."""
    package = module.rpartition(".")[0]
    texts = []
    for name in names:
        found = read_resource(package, name)
        if found is None:
            folder = package.replace(".", "/")
            raise FileNotFoundError(f"the plugin lost its script src/python/{folder}/{name}")
        texts.append(found.decode())
    return "\n".join(texts)
