"""Signing and checking releases' tags in the rule graph (signatures.sh does the work with
skopeo): publish signs what it pushes (publish/release.py); bbc-verify checks and bbc-sign signs
releases already in registries (goals.py)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import (
    BashBinary,
    BinaryPathRequest,
    BinaryPaths,
    CatBinary,
    LnBinary,
    MkdirBinary,
    SearchPath,
)
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import CreateDigest, Digest, FileContent
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from bbc.build.output import output_tail
from bbc.publish.registry import Registries
from bbc.signing.store import signature_folder, signing_failure, signing_problem
from bbc.subsystems import BBC
from bbc.util_rules.docker import per_run_process
from bbc.util_rules.scripts import script

_SIGNATURES = script(__name__, "signatures.sh")
_SYSTEM = SearchPath(("/usr/bin", "/bin", "/usr/local/bin"))


class SigningError(Exception):
    pass


@dataclass(frozen=True)
class Signing:
    """`[bbc]`'s signing: the key (empty: nothing is signed), the store as an absolute path,
    where GnuPG finds its keyring, and the builder that provenance names."""

    key: str
    store: str
    env: tuple[tuple[str, str], ...]  # GnuPG's: its keyring, and PATH to its tools
    builder: str = ""


@rule(desc="Reading the signing options", level=LogLevel.DEBUG)
async def signing(bbc: BBC, build_root: BuildRoot) -> Signing:
    problem = signing_problem(bbc.signing_key, bbc.signature_store)
    if problem:
        raise SigningError(problem)
    key, store = bbc.signing_key.upper(), bbc.signature_store
    if not key:
        return Signing("", "", ())
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(("GNUPGHOME", "HOME")))
    # skopeo signs through GPGME, which finds GnuPG's tools (gpgconf, gpg) on PATH.
    gpgconf = await Get(
        BinaryPaths,
        BinaryPathRequest(binary_name="gpgconf", search_path=_SYSTEM),
    )
    if gpgconf.first_path is None:
        raise SigningError(
            "[bbc].signing_key is set, and GnuPG (gpg, gpgconf) is not installed: ./pants "
            "installs it on Debian hosts (build-support/host-packages.txt); elsewhere install "
            "your system's gnupg package."
        )
    tools = os.path.dirname(gpgconf.first_path.path)
    return Signing(
        key,
        os.path.join(build_root.path, store),
        (*env.items(), ("PATH", tools)),
        bbc.builder_id,
    )


@dataclass(frozen=True)
class SignaturesRequest:
    registry: str  # its address
    repository: str  # <registry address>/<path>
    tags: tuple[tuple[str, str], ...]  # (tag, the manifest digest it names)
    sign: bool  # sign what no signature covers


@dataclass(frozen=True)
class Signatures:
    """Per tag: `signed` (it was), `new` (signed now), `unsigned`, or `broken` (a file in its
    folder is no signature: hosts refuse the manifest); or why they are unknown."""

    states: tuple[tuple[str, str], ...] = ()
    failure: str | None = None
    broken: tuple[tuple[str, str], ...] = ()  # (tag, the file hosts cannot read)

    def tags(self, state: str) -> tuple[str, ...]:
        return tuple(tag for tag, s in self.states if s == state)


@rule(desc="Checking signatures")
async def signatures(
    request: SignaturesRequest,
    setup: Signing,
    registries: Registries,
    bash: BashBinary,
    mkdir: MkdirBinary,
    cat: CatBinary,
    ln: LnBinary,
) -> Signatures:
    if not setup.key:
        return Signatures(failure="no signing key: set [bbc].signing_key")
    rm = await Get(BinaryPaths, BinaryPathRequest(binary_name="rm", search_path=_SYSTEM))
    gnupg = dict(setup.env)
    gnupg["PATH"] = ":".join(p for p in (registries.docker.env.get("PATH"), gnupg["PATH"]) if p)
    doing = "Signing" if request.sign else "Checking the signatures of"
    tags = ",".join(tag for tag, _ in request.tags)
    result = await Get(
        FallibleProcessResult,
        Process,
        per_run_process(
            (
                bash.path,
                "-c",
                _SIGNATURES,
                "bash",
                *registries.skopeo_flags(request.registry),
                "--",
                request.repository,
                *(
                    arg
                    for tag, digest in request.tags
                    for arg in (
                        tag,
                        digest,
                        signature_folder(setup.store, request.repository, digest),
                    )
                ),
            ),
            description=f"{doing} {request.repository}:{tags}",
            run_token=registries.docker.run_token,
            env={
                **registries.docker.env,
                **gnupg,
                "SKOPEO": registries.skopeo.path,
                "MKDIR": mkdir.path,
                "CAT": cat.path,
                "LN": ln.path,
                "RM": rm.first_path.path if rm.first_path else "rm",
                "BBC_KEY": setup.key,
                "BBC_MODE": "sign" if request.sign else "check",
            },
            level=LogLevel.INFO if request.sign else LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        return Signatures(failure=output_tail(result.stderr.decode(errors="replace")))
    said = [line.split(" ", 2) for line in result.stdout.decode().split("\n") if line]
    return Signatures(
        tuple((tag, state) for tag, state, *_ in said),
        broken=tuple((tag, rest[0]) for tag, state, *rest in said if state == "broken"),
    )


@dataclass(frozen=True)
class SigningReady:
    """Whether the key can sign here (its secret key in the keyring, no passphrase asked for),
    known before anything is pushed; `failure` says why not, with the fix."""

    failure: str | None = None


_READY = """
"$SKOPEO" standalone-sign -o check.sig manifest.json "$REF" "$BBC_KEY" || exit 3
primary=$(gpg --batch --with-colons --list-keys "$BBC_KEY" 2> /dev/null |
  while IFS=: read -r kind _ _ _ _ _ _ _ _ id _; do
    [ "$kind" = pub ] && next=1
    [ "$kind" = fpr ] && [ -n "${next:-}" ] && { echo "$id"; break; }
  done)
[ "$primary" = "$BBC_KEY" ] || { echo "$primary"; exit 4; }
"$SKOPEO" standalone-verify manifest.json "$REF" "$BBC_KEY" check.sig > /dev/null 2> verify.err ||
  { echo "$(< verify.err)" >&2; exit 5; }
"""


@rule(desc="Checking that the signing key can sign")
async def signing_ready(setup: Signing, registries: Registries, bash: BashBinary) -> SigningReady:
    """The key signs a throw-away manifest, and the signature is checked as hosts check it."""
    if not setup.key:
        return SigningReady()
    manifest = await Get(Digest, CreateDigest([FileContent("manifest.json", b"{}")]))
    env = dict(setup.env)
    result = await Get(
        FallibleProcessResult,
        Process,
        per_run_process(
            (bash.path, "-c", _READY),
            description=f"Checking that {setup.key} can sign",
            run_token=registries.docker.run_token,
            env={
                **env,
                "SKOPEO": registries.skopeo.path,
                "REF": "bbc.invalid/signing-check:latest",
                "BBC_KEY": setup.key,
            },
            input_digest=manifest,
        ),
    )
    stderr = result.stderr.decode(errors="replace")
    if result.exit_code == 0:
        return SigningReady()
    if result.exit_code in (4, 5):
        primary = result.stdout.decode().strip()
        signer = re.search(r"Signature by ([0-9A-F]{40})", stderr)
        which = (
            f"is a subkey of {primary or 'another key'}"
            if result.exit_code == 4
            else f"signs with its subkey {signer.group(1) if signer else ''}".rstrip()
        )
        return SigningReady(
            f"the key {setup.key} {which}, and hosts (Podman, CRI-O, skopeo) accept only "
            "signatures made by the primary key their policy names: set [bbc].signing_key to a "
            "key whose primary key signs (`gpg --quick-gen-key NAME ed25519 sign`)."
        )
    keyring = env.get("GNUPGHOME") or os.path.join(env.get("HOME", "~"), ".gnupg")
    return SigningReady(signing_failure(stderr, setup.key, keyring))


def rules():
    return collect_rules()
