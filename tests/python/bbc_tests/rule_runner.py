"""A RuleRunner with the plugin's real rules, set up like this repository's pants.toml (the pex
CLI built by ./pants, the Debian CA bundle, pip isolated from the host's configuration)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pants.backend.python import register as python_backend
from pants.core import register as core
from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc import register


def _value(config: str, key: str) -> str:
    found = re.search(rf"^{key} = (\[.*?\]|\"[^\"]*\")", config, re.M | re.S)
    assert found, f"pants.toml lost {key}"
    return found.group(1).replace("\n", "")


def repository_options() -> list[str]:
    config = Path("pants.toml").read_text()
    cache = os.environ["BBC_CACHE_DIR"]
    return [
        f"--pex-cli-version={_value(config, 'version').strip(chr(34))}",
        f"--pex-cli-known-versions={_value(config, 'known_versions')}",
        f"--pex-cli-url-template=file://{cache}/pex/pex-{{version}}",
        f"--ca-certs-path={_value(config, 'ca_certs_path').strip(chr(34))}",
        "--subprocess-environment-env-vars=['PIP_CONFIG_FILE=/dev/null']",
        f"--python-bootstrap-search-path=['<PATH>', '{os.environ['BBC_PYTHON39_DIR']}']",
    ]


ENV = {"PATH", "HOME", "BBC_CACHE_DIR", "BBC_PYTHON39_DIR"}


def plugin_rule_runner(*queries: QueryRule, options: list[str] = ()) -> RuleRunner:
    rule_runner = RuleRunner(
        target_types=[
            *core.target_types(),
            *python_backend.target_types(),
            *register.target_types(),
        ],
        rules=[*core.rules(), *python_backend.rules(), *register.rules(), *queries],
    )
    rule_runner.set_options(
        [*repository_options(), *options],
        env_inherit=ENV,
    )
    return rule_runner
