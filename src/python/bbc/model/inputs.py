"""An image's own inputs, read from the repository without building anything.

model/content.py hashes them into the content tag; versioning/check.py compares them with a git ref.
"Own" means consumed by this image and not already by its parent (whose content hash the
image's includes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageBuildArgsField
from pants.backend.docker.util_rules.docker_build_args import DockerBuildArgs
from pants.backend.adhoc.target_types import AdhocToolExtraEnvVarsField
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonRequirementResolveField, PythonRequirementsField
from pants.build_graph.address import BuildFileAddress, BuildFileAddressRequest
from pants.core.target_types import (
    FileSourceField,
    LockfileTarget,
    TargetGeneratorSourcesHelperTarget,
)
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import Digest, DigestContents, DigestEntries, FileEntry, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    SourcesField,
    Target,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.frozendict import FrozenDict

from bbc.graph.dockerfiles import ImageDockerfile, ImageDockerfileRequest
from bbc.graph.image_graph import ImageGraph
from bbc.model.content import Inputs, lock_subset, resolved_build_args
from bbc.target_types import (
    BuildConfigTarget,
    ExtraCACertificatesTarget,
    TestDockerfileField,
    TestVariantField,
)
from bbc.versioning.build_files import target_definition

# Fields that do not change what is in an image: how it is tested, described, which parent
# versions it accepts, or where its build secrets are read from (never in an image).
NOT_CONTENT = frozenset(
    {
        "description",
        "secrets",
        "tags",
        "parent_versions",
        "contract_tests",
        "contract_test_files",
        "test_variant",
        "test_command",
        "test_dockerfile",
        "test_build_args",
        "timeout",
        "check_test_only_packages",
    }
)
# Inputs compared by what they hold for the image, not as files: pants.toml (by build argument),
# lockfiles and requirements files (by the locked distributions the image installs).
_NOT_FILES = (BuildConfigTarget, LockfileTarget, TargetGeneratorSourcesHelperTarget)


@dataclass(frozen=True)
class Definition:
    """Where a target's BUILD definition is, to read it at any revision."""

    address: str
    build_file: str
    target_name: str
    default_name: str

    def read(self, build_file_text: str) -> str | None:
        spec_path = self.address.rsplit(":", 1)[0].lstrip("/")
        return target_definition(
            build_file_text, self.target_name, self.default_name, NOT_CONTENT, spec_path
        )


@dataclass(frozen=True)
class ImageInputsRequest:
    address: Address


@dataclass(frozen=True)
class BuildArgSources:
    """Where the image's build arguments come from, to resolve them with another pants.toml."""

    declared: tuple[str, ...]  # the ARGs its Dockerfile declares
    extra: FrozenDict[str, str | None]  # its own `extra_build_args`
    env: FrozenDict[str, str]  # the environment's values of the declared names

    def resolve(self, configured: Mapping[str, str | None]) -> tuple[str, ...]:
        return resolved_build_args(self.declared, configured, self.extra, self.env)


@dataclass(frozen=True)
class ImageInputs:
    address: Address
    inputs: Inputs
    file_targets: frozenset[Address]  # the targets whose files are in `inputs.files`
    definitions: tuple[Definition, ...]
    lock_names: tuple[tuple[str, tuple[str, ...]], ...]  # (lockfile, requirements installed)
    build_args: BuildArgSources
    test_files: tuple[tuple[str, str], ...]  # the sandwich's test Dockerfile: test variants only


def _file_digests(entries: DigestEntries) -> tuple[tuple[str, str], ...]:
    """(path, sha256 of the content, with "+x" when executable): what a COPY would carry."""
    return tuple(
        sorted(
            (e.path, e.file_digest.fingerprint + ("+x" if e.is_executable else ""))
            for e in entries
            if isinstance(e, FileEntry)
        )
    )


async def _definitions(targets: list[Target]) -> tuple[Definition, ...]:
    generators = sorted({t.address.maybe_convert_to_target_generator() for t in targets})
    build_files = await MultiGet(
        Get(BuildFileAddress, BuildFileAddressRequest(a, description_of_origin="<bbc>"))
        for a in generators
    )
    return tuple(
        Definition(str(a), b.rel_path, a.target_name, os.path.basename(a.spec_path))
        for a, b in zip(generators, build_files)
    )


@rule
async def image_inputs(
    request: ImageInputsRequest,
    graph: ImageGraph,
    python_setup: PythonSetup,
    docker_options: DockerOptions,
) -> ImageInputs:
    address = request.address
    parent = graph.parent(address)
    wrapped, mine, theirs, dockerfile = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<bbc>")),
        Get(TransitiveTargets, TransitiveTargetsRequest([address])),
        Get(TransitiveTargets, TransitiveTargetsRequest([parent] if parent else [])),
        Get(ImageDockerfile, ImageDockerfileRequest(address)),
    )
    target = wrapped.target
    inherited = {t.address for t in theirs.closure}
    own = [t for t in mine.closure if t.address not in inherited]

    requirements: dict[str, set[str]] = {}
    for t in own:
        if t.has_field(PythonRequirementsField):
            resolve = t[PythonRequirementResolveField].normalized_value(python_setup)
            requirements.setdefault(python_setup.resolves[resolve], set()).update(
                str(r) for r in t[PythonRequirementsField].value
            )
    with_files = [t for t in own if t.has_field(SourcesField) and not isinstance(t, _NOT_FILES)]
    host = [t for t in with_files if isinstance(t, ExtraCACertificatesTarget)]
    sources = [t for t in with_files if t not in host]
    source_files, host_files = await MultiGet(
        Get(SourceFiles, SourceFilesRequest([t[SourcesField] for t in sources])),
        Get(
            SourceFiles,
            SourceFilesRequest(
                [t[SourcesField] for t in host],
                for_sources_types=(FileSourceField,),
                enable_codegen=True,
            ),
        ),
    )
    file_entries, host_entries, locks = await MultiGet(
        Get(DigestEntries, Digest, source_files.snapshot.digest),
        Get(DigestEntries, Digest, host_files.snapshot.digest),
        Get(DigestContents, PathGlobs(sorted(requirements))),
    )
    found = await _definitions(own)
    build_texts = await Get(DigestContents, PathGlobs(sorted({d.build_file for d in found})))
    text_of = {c.path: c.content.decode() for c in build_texts}
    # Targets the plugin or Pants make (no BUILD file) are defined by their code, not here.
    definitions = tuple(
        d for d in found if d.build_file in text_of and d.read(text_of[d.build_file]) is not None
    )
    lock_text = {c.path: c.content.decode() for c in locks}

    declared = tuple(
        sorted(
            {
                a.partition("=")[0]
                for i in dockerfile.instructions
                if i.cmd == "ARG"
                for a in i.value
            }
        )
    )
    # What the shell_commands that make its files read from the environment.
    read = sorted(
        {
            n
            for t in own
            if t.has_field(AdhocToolExtraEnvVarsField)
            for n in t[AdhocToolExtraEnvVarsField].value or ()
        }
    )
    env, read_env = await MultiGet(
        Get(EnvironmentVars, EnvironmentVarsRequest(declared)),
        Get(EnvironmentVars, EnvironmentVarsRequest(read)),
    )
    build_args = BuildArgSources(
        declared,
        FrozenDict(
            DockerBuildArgs.from_strings(*(target[DockerImageBuildArgsField].value or ())).to_dict()
        ),
        FrozenDict({n: env[n] for n in declared if n in env}),
    )
    files = _file_digests(file_entries)
    test_dockerfile = (
        os.path.join(address.spec_path, target[TestDockerfileField].value)
        if target[TestVariantField].value == "sandwich"
        else None
    )
    inputs = Inputs(
        repository=graph.infos[address].repository,
        definitions=tuple((d.address, d.read(text_of[d.build_file]) or "") for d in definitions),
        files=tuple(f for f in files if f[0] != test_dockerfile),
        locks=tuple(
            (path, lock_subset(lock_text.get(path, ""), sorted(names)))
            for path, names in sorted(requirements.items())
        ),
        build_args=build_args.resolve(
            DockerBuildArgs.from_strings(*docker_options.build_args).to_dict()
        ),
        host_files=_file_digests(host_entries),
        environment=tuple(
            f"{n}={read_env[n]}" if read_env.get(n) is not None else n
            for n in (spec.partition("=")[0] for spec in read)
        ),
    )
    return ImageInputs(
        address,
        inputs,
        frozenset(t.address for t in sources),
        definitions,
        tuple((path, tuple(sorted(names))) for path, names in sorted(requirements.items())),
        build_args,
        tuple(f for f in files if f[0] == test_dockerfile),
    )


def rules():
    return collect_rules()
