"""bbc-update's resolver of Debian locks: every `debian_packages` target resolved again with the
host's apt against `[bbc].debian_sources`, in a private apt configuration (its own lists and an
empty or the base lock's dpkg status; the host's apt state is never read or touched). A base is
resolved before the locks on top of it, in the same apt run, so they stack as the images do."""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.addresses import Address, AddressInput
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets
from pants.util.logging import LogLevel

from bbc.build.output import output_tail
from bbc.subsystems import BBC
from bbc.target_types import (
    DebianBaseField,
    DebianLockfileField,
    DebianPackagesField,
    DebianPackagesTarget,
    DebianVariantField,
)
from bbc.updates.debian_lock import lock_text, minbase_patterns, resolve_spec
from bbc.updates.types import DebianLocksRequest
from bbc.util_rules.scripts import script

_RESOLVE = script(__name__, "resolve_debian_locks.sh")


@dataclass(frozen=True)
class DebianLock:
    """One `debian_packages` target's lock: as written, and as resolved now."""

    address: str
    lockfile: str
    old: str  # "" when there is none yet
    new: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class DebianLocks:
    locks: tuple[DebianLock, ...]


def _ordered(targets: list, bases: dict[Address, Address | None]) -> list:
    """Bases before the locks on top of them."""
    done: list = []
    by_address = {t.address: t for t in targets}

    def visit(target, seen: tuple = ()) -> None:
        if target in done or target.address in seen:
            return
        base = bases.get(target.address)
        if base in by_address:
            visit(by_address[base], (*seen, target.address))
        done.append(target)

    for target in sorted(targets, key=lambda t: str(t.address)):
        visit(target)
    return done


@rule(desc="Resolving the Debian locks", level=LogLevel.DEBUG)
async def resolve_debian_locks(
    _: DebianLocksRequest, all_targets: AllTargets, bbc: BBC, bash: BashBinary
) -> DebianLocks:
    ours = [t for t in all_targets if isinstance(t, DebianPackagesTarget)]
    if not ours:
        return DebianLocks(())
    based = [t for t in ours if t[DebianBaseField].value]
    base_addresses = await MultiGet(
        Get(
            Address,
            AddressInput,
            AddressInput.parse(
                t[DebianBaseField].value,
                relative_to=t.address.spec_path,
                description_of_origin=f"the `base` of {t.address}",
            ),
        )
        for t in based
    )
    bases: dict[Address, Address | None] = dict(zip([t.address for t in based], base_addresses))
    order = _ordered(ours, bases)
    paths = {t.address: t[DebianLockfileField].file_path for t in order}
    current = await Get(DigestContents, PathGlobs(sorted(paths.values())))
    old = {c.path: c.content.decode() for c in current}
    index = {t.address: i for i, t in enumerate(order)}
    names = {a: f"lock{i}" for a, i in index.items()}
    problems: dict[Address, str] = {}
    for address, base in bases.items():
        if base not in names:
            problems[address] = (
                f"`base={str(base)!r}` names no debian_packages target: name the one the parent "
                "image installs."
            )
        elif index[base] >= index[address]:
            problems[address] = f"`base={str(base)!r}` is itself or builds on this lock."

    steps = []
    for t in order:
        packages = list(t[DebianPackagesField].value or ())
        if t[DebianVariantField].value == "minbase":
            first, second = minbase_patterns("@ARCH@")
            steps.append((names[t.address], None, [first, second + packages]))
        else:
            base = bases.get(t.address)
            steps.append((names[t.address], names.get(base) if base else None, [packages]))
    if problems:
        return DebianLocks(
            tuple(
                DebianLock(
                    str(t.address),
                    paths[t.address],
                    old.get(paths[t.address], ""),
                    problem=problems.get(t.address, "its base could not be resolved"),
                )
                for t in order
            )
        )
    env = await Get(
        EnvironmentVars, EnvironmentVarsRequest(("http_proxy", "https_proxy", "no_proxy"))
    )
    inputs = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("spec", resolve_spec(steps).encode()),
                FileContent("sources.list", "".join(f"{s}\n" for s in bbc.debian_sources).encode()),
            ]
        ),
    )
    outputs = [f"{n}.{kind}" for n in names.values() for kind in ("uris", "stanzas")]
    result = await Get(
        FallibleProcessResult,
        Process(
            (bash.path, "-c", _RESOLVE),
            description="Resolving the Debian locks with apt",
            input_digest=inputs,
            env=dict(env),
            output_files=tuple(outputs),
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        why = output_tail(result.stderr.decode(errors="replace"), 12)
        return DebianLocks(
            tuple(
                DebianLock(
                    str(t.address), paths[t.address], old.get(paths[t.address], ""), problem=why
                )
                for t in order
            )
        )
    files = {
        c.path: c.content.decode() for c in await Get(DigestContents, Digest, result.output_digest)
    }
    locks = []
    for t in order:
        name, base = names[t.address], bases.get(t.address)
        packages = ", ".join(t[DebianPackagesField].value or ()) or "nothing more"
        header = [
            f"Debian packages of {t.address}, locked by `./pants bbc-update --apply`: {packages}"
            + (" on minbase" if t[DebianVariantField].value else "")
            + (f", on top of {base}" if base else "")
            + ", with every dependency.",
            *(f"from: {s}" for s in bbc.debian_sources),
        ]
        previous = old.get(paths[t.address], "")
        try:
            new = lock_text(header, files[f"{name}.stanzas"], files[f"{name}.uris"])
        except ValueError as e:
            locks.append(DebianLock(str(t.address), paths[t.address], previous, problem=str(e)))
            continue
        locks.append(DebianLock(str(t.address), paths[t.address], previous, new))
    return DebianLocks(tuple(locks))


def rules():
    return collect_rules()
