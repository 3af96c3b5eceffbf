"""The BBC images this run's command line names, found the way Pants finds its goals' targets.

A `package` rule cannot ask for the run's `Specs` (union members only see `EnvironmentName`),
so this computes them again from the run's options, a session value: the specs given, or the
files `--changed-since`/`--changed-diffspec` finds and their dependents, then the global
`--filter-*` options (pants/init/specs_calculator.py does the same before a goal starts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.base.build_environment import get_buildroot
from pants.base.specs import AddressLiteralSpec, FileLiteralSpec, RawSpecs, Specs
from pants.base.specs_parser import SpecsParser
from pants.build_graph.address import AddressInput
from pants.build_graph.build_configuration import BuildConfiguration
from pants.engine.addresses import Address, Addresses
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.internals.session import SessionValues
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FilteredTargets, Targets
from pants.engine.unions import UnionMembership
from pants.option.options_bootstrapper import OptionsBootstrapper
from pants.util.frozendict import FrozenDict
from pants.vcs.changed import ChangedAddresses, ChangedOptions, ChangedRequest
from pants.vcs.git import GitWorktreeRequest, MaybeGitWorktree

from bbc.target_types import is_bbc_image


@dataclass(frozen=True)
class RunImages:
    addresses: frozenset[Address]


def _changed_specs(addresses: ChangedAddresses, files: tuple[str, ...], glob: str) -> Specs:
    literals = []
    for address in addresses:
        spec = AddressInput.parse(address.spec, description_of_origin="`--changed-since`")
        literals.append(
            AddressLiteralSpec(
                path_component=spec.path_component,
                target_component=spec.target_component,
                generated_component=spec.generated_component,
                parameters=FrozenDict(spec.parameters),
            )
        )
    return Specs(
        includes=RawSpecs(
            address_literals=tuple(literals),
            file_literals=tuple(FileLiteralSpec(f) for f in files),
            unmatched_glob_behavior=glob,
            filter_by_global_options=True,
            from_change_detection=True,
            description_of_origin="`--changed-since`",
        ),
        ignores=RawSpecs(description_of_origin="`--changed-since`"),
    )


@rule(desc="Finding the images this run names")
async def run_images(
    session_values: SessionValues,
    build_config: BuildConfiguration,
    union_membership: UnionMembership,
) -> RunImages:
    options = session_values[OptionsBootstrapper].full_options(build_config, union_membership)
    # Specs are relative to where ./pants was run; a pantsd's own directory is the build root.
    root = get_buildroot()
    pwd = os.path.realpath(session_values[CompleteEnvironmentVars].get("PWD") or root)
    working_dir = os.path.relpath(pwd, root)
    if working_dir.startswith(".."):
        working_dir = None
    glob = options.for_global_scope().unmatched_cli_globs
    changed = ChangedOptions.from_options(options.for_scope("changed"))
    if changed.provided:
        found = await Get(MaybeGitWorktree, GitWorktreeRequest(subdir=get_buildroot()))
        worktree = found.git_worktree
        if worktree is None:
            return RunImages(frozenset())  # Pants itself refuses the run
        files = tuple(changed.changed_files(worktree))
        addresses = await Get(ChangedAddresses, ChangedRequest(files, changed.dependents))
        specs = _changed_specs(addresses, files, glob)
    else:
        specs = SpecsParser(working_dir=working_dir).parse_specs(
            options.specs, description_of_origin="CLI arguments", unmatched_glob_behavior=glob
        )
    targets = await Get(Targets, Addresses, await Get(Addresses, Specs, specs))
    filtered = await Get(FilteredTargets, Targets, targets)
    return RunImages(frozenset(t.address for t in filtered if is_bbc_image(t)))


def rules():
    return collect_rules()
