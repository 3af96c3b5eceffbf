"""Rules that read Dockerfiles into instructions, with the parser of Pants' docker backend."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pants.backend.docker.subsystems.dockerfile_parser import DockerfileParser
from pants.backend.docker.target_types import DockerImageSourceField
from pants.backend.python.target_types import EntryPoint
from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, FileContent
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    HydratedSources,
    HydrateSourcesRequest,
    SourcesField,
    WrappedTarget,
    WrappedTargetRequest,
)
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
        tuple(Instruction(i["cmd"], tuple(i["value"]), i["line"]) for i in instructions),
    )


@dataclass(frozen=True)
class ImageDockerfileRequest:
    address: Address


class DockerfileMissing(Exception):
    pass


@rule
async def image_dockerfile(request: ImageDockerfileRequest) -> ParsedDockerfile:
    """The Dockerfile of a `docker_image`, from its `source` or its `instructions`."""
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<bbc>")
    )
    sources = await Get(
        HydratedSources,
        HydrateSourcesRequest(
            wrapped.target.get(SourcesField),
            for_sources_types=(DockerImageSourceField,),
            enable_codegen=True,
        ),
    )
    if len(sources.snapshot.files) != 1:
        raise DockerfileMissing(
            f"{request.address} has no Dockerfile: add one beside its BUILD file, or set its "
            f"`source` or `instructions` field."
        )
    path = sources.snapshot.files[0]
    return await Get(ParsedDockerfile, ParseDockerfileRequest(sources.snapshot.digest, path))


def rules():
    return collect_rules()
