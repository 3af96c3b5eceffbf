"""Rules that read Dockerfiles into instructions, with the parser of Pants' docker backend."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from pants.backend.docker.subsystems.dockerfile_parser import DockerfileParser
from pants.backend.docker.target_types import DockerImageInstructionsField, DockerImageSourceField
from pants.backend.python.target_types import EntryPoint
from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, FileContent, Snapshot
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    GeneratedSources,
    GenerateSourcesRequest,
    HydratedSources,
    HydrateSourcesRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel
from pants.util.resources import read_resource

from bbc.core.chain import Instruction


@dataclass(frozen=True)
class ParseDockerfileRequest:
    digest: Digest  # holds the file at `path`
    path: str


@dataclass(frozen=True)
class ParsedDockerfile:
    path: str
    digest: Digest
    instructions: tuple[Instruction, ...]


@dataclass(frozen=True)
class DockerfileDumper:
    pex: VenvPex


@rule
async def dockerfile_dumper(parser: DockerfileParser) -> DockerfileDumper:
    script = read_resource("bbc.rules", "dockerfile_dump.py")
    assert script is not None
    digest = await Get(Digest, CreateDigest([FileContent("bbc_dockerfile_dump.py", script)]))
    pex = await Get(
        VenvPex,
        PexRequest,
        parser.to_pex_request(main=EntryPoint("bbc_dockerfile_dump"), sources=digest),
    )
    return DockerfileDumper(pex)


@rule
async def parse_dockerfile(
    request: ParseDockerfileRequest, dumper: DockerfileDumper
) -> ParsedDockerfile:
    result = await Get(
        ProcessResult,
        VenvPexProcess(
            dumper.pex,
            argv=(request.path,),
            input_digest=request.digest,
            description=f"Parse {request.path}",
            level=LogLevel.DEBUG,
        ),
    )
    instructions = json.loads(result.stdout)[request.path]
    return ParsedDockerfile(
        request.path,
        request.digest,
        tuple(
            Instruction(i["cmd"], tuple(i["value"]), i["line"], tuple(i["flags"]))
            for i in instructions
        ),
    )


@dataclass(frozen=True)
class ImageDockerfileRequest:
    address: Address


@dataclass(frozen=True)
class ImageDockerfile:
    """A `docker_image`'s Dockerfile, or why it has none (a problem of that image only)."""

    parsed: ParsedDockerfile | None
    problem: str | None = None

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return self.parsed.instructions if self.parsed else ()


class GenerateDockerfileRequest(GenerateSourcesRequest):
    # As Pants' own (`instructions` become a Dockerfile), but a missing Dockerfile is not raised:
    # it stops only its image (see `image_dockerfile`), never the whole run.
    input = DockerImageSourceField
    output = DockerImageSourceField


def _generated_path(address: Address) -> str:
    name = ".".join(filter(bool, ["Dockerfile", address.target_name, address.generated_name]))
    return os.path.join(address.spec_path, name)


@rule
async def hydrate_dockerfile(request: GenerateDockerfileRequest) -> GeneratedSources:
    instructions = request.protocol_target[DockerImageInstructionsField].value
    if not instructions or request.protocol_sources.files:
        return GeneratedSources(request.protocol_sources)
    text = "\n".join([*instructions, ""]).encode()
    path = _generated_path(request.protocol_target.address)
    return GeneratedSources(await Get(Snapshot, CreateDigest([FileContent(path, text)])))


@rule
async def image_dockerfile(request: ImageDockerfileRequest) -> ImageDockerfile:
    """The Dockerfile of a `docker_image`, from its `source` or its `instructions`."""
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    target = wrapped.target
    sources = await Get(
        HydratedSources,
        HydrateSourcesRequest(
            target[DockerImageSourceField],
            for_sources_types=(DockerImageSourceField,),
            enable_codegen=True,
        ),
    )
    source = target[DockerImageSourceField].file_path or "its `source`"
    files = sources.snapshot.files
    if target[DockerImageInstructionsField].value and files != (_generated_path(target.address),):
        return ImageDockerfile(
            None,
            f"{request.address} has both a Dockerfile ({source}) and `instructions`: keep one "
            f"(remove `instructions`, or set source=None).",
        )
    if len(files) != 1:
        return ImageDockerfile(
            None,
            f"{request.address} has no Dockerfile: {source} does not exist. Add it, point the "
            f"target's `source` field at its Dockerfile, or write it in `instructions`.",
        )
    path = files[0]
    parsed = await Get(ParsedDockerfile, ParseDockerfileRequest(sources.snapshot.digest, path))
    return ImageDockerfile(parsed)


def rules():
    return [*collect_rules(), UnionRule(GenerateSourcesRequest, GenerateDockerfileRequest)]
