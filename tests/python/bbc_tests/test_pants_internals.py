"""The parts of Pants the plugin relies on beyond its documented plugin API: each is imported and
checked for the shape the plugin uses, so that a Pants upgrade that moves or changes one fails
here, naming the part, where the plugin uses it and what to do, instead of somewhere deep in a
goal."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest

import pants.version
from pants.engine.rules import Rule
from pants.engine.unions import UnionRule

# (module, name, where the plugin uses it, what it must have)
INTERNALS = [
    (
        "pants.engine.internals.graph",
        "OwnersRequest",
        "versioning/check.py: the targets that owned a file deleted since the base revision",
        lambda found: "sources" in [f.name for f in dataclasses.fields(found)],
    ),
    (
        "pants.engine.internals.graph",
        "Owners",
        "versioning/check.py (the answer to OwnersRequest)",
        None,
    ),
    (
        "pants.engine.internals.session",
        "SessionValues",
        "graph/run_images.py: the run's options (OptionsBootstrapper) and client environment",
        lambda found: issubclass(found, dict) or hasattr(found, "__getitem__"),
    ),
    (
        "pants.vcs.changed",
        "ChangedOptions",
        "graph/run_images.py: the files --changed-since names, as Pants' specs calculator finds",
        lambda found: hasattr(found, "from_options")
        and hasattr(found, "changed_files")
        and hasattr(found, "provided"),
    ),
    (
        "pants.vcs.changed",
        "ChangedRequest",
        "graph/run_images.py: the targets owning changed files and their dependents",
        lambda found: [f.name for f in dataclasses.fields(found)] == ["sources", "dependents"],
    ),
    (
        "pants.init.specs_calculator",
        "calculate_specs",
        "graph/run_images.py repeats what it does inside a rule: compare them after an upgrade",
        lambda found: list(inspect.signature(found).parameters)
        == ["options_bootstrapper", "options", "session", "working_dir"],
    ),
    (
        "pants.engine.internals.session",
        "RunId",
        "container_tests/containers.py: whether a cached test result was made in this run",
        lambda found: found(3) == 3,
    ),
    (
        "pants.engine.internals.synthetic_targets",
        "SyntheticTargetsRequest",
        "graph/synthetic_targets.py: the targets the plugin adds (pants.toml, Dockerfile.test)",
        lambda found: hasattr(found, "SINGLE_REQUEST_FOR_ALL_TARGETS") and hasattr(found, "rules"),
    ),
    (
        "pants.engine.internals.synthetic_targets",
        "SyntheticAddressMaps",
        "graph/synthetic_targets.py",
        lambda found: hasattr(found, "for_targets_request"),
    ),
    (
        "pants.engine.internals.target_adaptor",
        "TargetAdaptor",
        "graph/synthetic_targets.py: a synthetic target's definition",
        lambda found: "__description_of_origin__" in str(inspect.signature(found.__init__))
        or "kwargs" in str(inspect.signature(found.__init__)),
    ),
]

# Pants' docker backend modules whose rules graph/vanilla.py registers without their field sets,
# and the union members it expects to drop from each.
DOCKER_RULE_MODULES = [
    "pants.backend.docker.goals.package_image",
    "pants.backend.docker.goals.publish",
    "pants.backend.docker.util_rules.dependencies",
]

CHECKED_WITH = "2.17.1"


@pytest.mark.parametrize("module, name, used, shape", INTERNALS, ids=[i[1] for i in INTERNALS])
def test_each_internal_is_where_the_plugin_expects_it(module, name, used, shape) -> None:
    hint = (
        f"The plugin relies on {module}.{name} ({used}), checked with Pants {CHECKED_WITH}; "
        f"Pants {pants.version.VERSION} moved or changed it: find its new home in Pants' "
        "changelog and source, adapt the plugin, and this entry."
    )
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        pytest.fail(f"{hint} ({e})")
    assert shape is None or shape(found), hint


@pytest.mark.parametrize("module", DOCKER_RULE_MODULES)
def test_pants_docker_rules_are_rules_and_union_members(module) -> None:
    rules = importlib.import_module(module).rules()
    assert rules and all(isinstance(r, (Rule, UnionRule)) for r in rules), (
        f"graph/vanilla.py registers {module}.rules() without its union members; Pants "
        f"{pants.version.VERSION} returns something else there: adapt graph/vanilla.py."
    )
    assert any(isinstance(r, UnionRule) for r in rules), module


def test_the_pants_version_these_were_checked_with() -> None:
    assert str(pants.version.VERSION) == CHECKED_WITH, (
        f"Pants is now {pants.version.VERSION}: re-check every entry of INTERNALS in "
        f"{__file__} against it (and graph/vanilla.py), then set CHECKED_WITH."
    )
