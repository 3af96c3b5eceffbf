"""Fakes for rule tests: process results, and a registry that answers the plugin's registry
client (skopeo reads, docker pushes and pulls) from memory and records what was done."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.fs import EMPTY_DIGEST, EMPTY_FILE_DIGEST, Digest
from pants.engine.internals.native_engine import ProcessExecutionEnvironment
from pants.engine.process import FallibleProcessResult, Process, ProcessResultMetadata
from pants.testutil.rule_runner import MockGet
from pants.util.frozendict import FrozenDict

from bbc.publish.registry import Registries, SkopeoBinary, _Raw, _RawRequest
from bbc.util_rules.docker import Docker, RegistryConfig

# The plugin's registry client as a rule gets it, for rules run against a FakeRegistry.
REGISTRIES = Registries(
    SkopeoBinary("/usr/bin/skopeo"),
    Docker("/usr/bin/docker", FrozenDict(), "token"),
    BashBinary("/bin/bash"),
    RegistryConfig(FrozenDict({"InsecureRegistryCIDRs": ("127.0.0.0/8",)})),
)


def process_result(
    stdout: bytes = b"",
    stderr: bytes = b"",
    exit_code: int = 0,
    output_digest: Digest = EMPTY_DIGEST,
    source: str = "ran",
    run_id: int = 0,
) -> FallibleProcessResult:
    return FallibleProcessResult(
        stdout=stdout,
        stdout_digest=EMPTY_FILE_DIGEST,
        stderr=stderr,
        stderr_digest=EMPTY_FILE_DIGEST,
        exit_code=exit_code,
        output_digest=output_digest,
        metadata=ProcessResultMetadata(
            0,
            ProcessExecutionEnvironment(
                environment_name=None,
                platform="linux_x86_64",
                docker_image=None,
                remote_execution=False,
                remote_execution_extra_platform_properties=[],
            ),
            source,
            run_id,
        ),
    )


def skopeo_dir_copy(layout: dict[str, bytes]) -> dict[str, bytes]:
    """What `skopeo copy ... dir:` writes of the artifact in an OCI layout (publish/artifact.py):
    manifest.json, and each blob named by its hex digest."""
    [entry] = json.loads(layout["index.json"])["manifests"]
    copy = {p.split("/")[-1]: b for p, b in layout.items() if p.startswith("blobs/")}
    copy["manifest.json"] = copy.pop(entry["digest"].split(":")[1])
    copy["version"] = b"Directory Transport Version: 1.1\n"
    return copy


def sha(raw: bytes) -> str:
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def image_config(content: str | None, salt: str = "") -> bytes:
    labels = {"io.bbc.content": content} if content else {}
    return json.dumps({"config": {"Labels": labels}, "salt": salt}).encode()


@dataclass
class FakeRegistry:
    """One repository's tags, as skopeo and docker see them; `images` are the engine's."""

    repository: str
    images: dict[str, bytes] = field(default_factory=dict)  # image id -> config
    tags: dict[str, bytes] = field(default_factory=dict)  # tag -> config of the image there
    log: list[tuple] = field(default_factory=list)
    down: bool = False
    # Another publisher's push, done just before the named reading (a race).
    meanwhile: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    sbom_refused: bool = False  # the registry refuses SBOM artifacts
    # SBOM pushes that fail as registry:2 fails one of two concurrent pushes ("blob unknown"),
    # and whether the other publisher's SBOM lands meanwhile.
    sbom_races: int = 0
    sbom_by_other: bool = False
    # Image pushes that fail that way while another publisher pushes the same image there.
    push_races: int = 0

    def add_image(self, config: bytes) -> str:
        self.images[sha(config)] = config
        return sha(config)

    @staticmethod
    def manifest(config: bytes) -> bytes:
        return json.dumps({"schemaVersion": 2, "config": {"digest": sha(config)}}).encode()

    def digest(self, tag: str) -> str:
        return sha(self.manifest(self.tags[tag]))

    def _tag(self, ref: str) -> str:
        """The tag `ref` names (by a digest: a tag that names that manifest)."""
        if "@" in ref:
            repository, digest = ref.removeprefix("docker://").split("@")
            assert repository == self.repository, ref
            return next((t for t in self.tags if self.digest(t) == digest), digest)
        repository, tag = ref.removeprefix("docker://").rsplit(":", 1)
        assert repository == self.repository, ref
        return tag

    def raw(self, ref: str, config: bool, key: str) -> bytes | str | None:
        step = key.rsplit(":", 1)[-1]
        if step in self.meanwhile and not config:
            tag, other = self.meanwhile.pop(step)
            self.tags[tag] = other
            self.log.append(("other publisher", tag))
        if self.down:
            return "could not read: connection refused"
        tag = self._tag(ref)
        if not config:
            self.log.append(("read", tag, step))
        if tag not in self.tags:
            return None
        return self.tags[tag] if config else self.manifest(self.tags[tag])

    def run(self, process: Process) -> FallibleProcessResult:
        argv = process.argv
        if argv[1] == "--command-timeout":  # skopeo's option for reads, before its command
            argv = (argv[0], *argv[3:])
        if argv[1] == "list-tags":
            if self.down:
                return process_result(stderr=b'level=fatal msg="connection refused"', exit_code=1)
            self.log.append(("list-tags",))
            return process_result(json.dumps({"Tags": sorted(self.tags)}).encode())
        if argv[1] == "copy" and any(a.startswith("oci:") for a in argv):  # an artifact's push
            [target] = (a for a in argv if a.startswith("docker://"))
            kind = "sbom" if target.endswith(".sbom") else "attestations"
            self.log.append((kind, self._tag(target)))
            if self.sbom_refused:
                return process_result(stderr=b'level=fatal msg="denied"', exit_code=1)
            if self.sbom_races:
                self.sbom_races -= 1
                if self.sbom_by_other:
                    self.tags[self._tag(target)] = b"the other publisher's SBOM"
                    self.log.append(("other publisher", self._tag(target)))
                stderr = b'level=fatal msg="manifest blob unknown: blob unknown to registry"'
                return process_result(stderr=stderr, exit_code=1)
            self.tags[self._tag(target)] = f"an {kind} artifact".encode()
            return process_result()
        if argv[1] == "copy":
            source, target = (a for a in argv if a.startswith("docker://"))
            self.log.append(("copy", self._tag(source), self._tag(target)))
            self.tags[self._tag(target)] = self.tags[self._tag(source)]
            return process_result()
        script, args = argv[2], argv[4:]
        if "push --quiet" in script:
            image, refs = args[0], args[1:]
            self.log.append(("push", *(self._tag(r) for r in refs)))
            for ref in refs:
                self.tags[self._tag(ref)] = self.images[image]
            if self.push_races:
                self.push_races -= 1
                self.log.append(("other publisher", *(self._tag(r) for r in refs)))
                stderr = b"manifest blob unknown: blob unknown to registry\npushing failed"
                return process_result(stderr=stderr, exit_code=1)
            return process_result()
        remote = args[0]
        self.log.append(("pull", self._tag(remote)))
        config = self.tags[self._tag(remote)]
        return process_result(self.add_image(config).encode() + b"\n")

    def mock_gets(self) -> list[MockGet]:
        """The registry client's requests (processes, raw reads), answered by this registry."""
        return [
            MockGet(output_type=FallibleProcessResult, input_types=(Process,), mock=self.run),
            MockGet(
                output_type=_Raw,
                input_types=(_RawRequest,),
                mock=lambda r: _Raw(self.raw(r.ref, r.config, r.key)),
            ),
        ]

    @property
    def pushes(self) -> list[tuple]:
        return [entry for entry in self.log if entry[0] == "push"]
