"""Rules that read an image's Dockerfile into instructions (graph/instructions.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.backend.docker.target_types import DockerImageInstructionsField, DockerImageSourceField
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, Snapshot
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

from bbc.graph.instructions import DockerfileSyntaxError, Instruction, read_instructions


@dataclass(frozen=True)
class ParseDockerfileRequest:
    digest: Digest  # holds the file at `path`
    path: str


@dataclass(frozen=True)
class ParsedDockerfile:
    path: str
    digest: Digest
    instructions: tuple[Instruction, ...]
    problem: str | None = None  # why it could not be read


@rule
async def parse_dockerfile(request: ParseDockerfileRequest) -> ParsedDockerfile:
    """Read in this process, with the parser Pants' docker backend runs in a pex of its own: no
    interpreter search or pex before an image's dependencies, identity and registry lookup."""
    contents = await Get(DigestContents, Digest, request.digest)
    text = next((c.content for c in contents if c.path == request.path), b"")
    try:
        instructions = read_instructions(text.decode(errors="replace"))
    except DockerfileSyntaxError as e:
        problem = f"{request.path} cannot be read as a Dockerfile ({e}): fix it."
        return ParsedDockerfile(request.path, request.digest, (), problem)
    return ParsedDockerfile(request.path, request.digest, instructions)


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
    if parsed.problem:
        return ImageDockerfile(None, f"{request.address}: {parsed.problem}")
    return ImageDockerfile(parsed)


def rules():
    return [*collect_rules(), UnionRule(GenerateSourcesRequest, GenerateDockerfileRequest)]
