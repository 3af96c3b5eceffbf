"""Generates `extra_ca_certificates`: the build host's extra CA certificates, in an image's context.

Organisations behind a TLS-inspecting proxy must trust its CA in every image. The folder is
outside the repository, so it is read again in every run; the certificates only change the
build (and the images' content tags) when the folder's certificates change.
"""

from __future__ import annotations

import os

from pants.core.target_types import FileSourceField
from pants.core.util_rules.system_binaries import (
    SEARCH_PATHS,
    BashBinary,
    BinaryShims,
    BinaryShimsRequest,
)
from pants.engine.fs import Digest, Snapshot
from pants.engine.process import Process, ProcessCacheScope, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import GeneratedSources, GenerateSourcesRequest
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from bbc.subsystems import BBC
from bbc.target_types import ExtraCACertificatesSourcesField
from bbc.util_rules.scripts import script

_COPY = script(__name__, "copy_ca_certificates.sh")


class GenerateExtraCACertificates(GenerateSourcesRequest):
    input = ExtraCACertificatesSourcesField
    output = FileSourceField


@rule(desc="Copying the build host's extra CA certificates", level=LogLevel.DEBUG)
async def copy_extra_ca_certificates(
    request: GenerateExtraCACertificates, bbc: BBC, bash: BashBinary
) -> GeneratedSources:
    address = request.protocol_target.address
    dest = os.path.join(address.spec_path, address.target_name)
    tools = await Get(
        BinaryShims,
        BinaryShimsRequest.for_binaries(
            "mkdir", "find", "cp", rationale="copy CA certificates", search_path=SEARCH_PATHS
        ),
    )
    result = await Get(
        ProcessResult,
        Process(
            argv=(bash.path, "-c", _COPY, "copy", bbc.extra_ca_certs_dir or "", dest),
            env={"PATH": tools.path_component},
            immutable_input_digests=tools.immutable_input_digests,
            output_directories=(dest,),
            description=f"Copy extra CA certificates for {address}",
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    return GeneratedSources(await Get(Snapshot, Digest, result.output_digest))


def rules():
    return [*collect_rules(), UnionRule(GenerateSourcesRequest, GenerateExtraCACertificates)]
