"""Release notes of an image's releases: its registries' releases (publish/registry_releases.py) and the commits to
the image's folder between each release's source revision and the one before it."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict

from bbc.changes.notes_text import release_notes
from bbc.changes.package_changes import PackageChanges, PackageChangesRequest
from bbc.changes.package_diff import notes_changes
from bbc.model.tags import ref, sbom_tag
from bbc.publish.history import ReleaseRow
from bbc.publish.registry_releases import ImageReleases, ImageReleasesRequest
from bbc.sbom.cyclonedx import sbom_packages
from bbc.sbom.registry_sbom import ReleaseSBOM, ReleaseSBOMRequest
from bbc.util_rules.git import GitRequest, GitResult


@dataclass(frozen=True)
class ImageNotesRequest:
    address: Address
    packages_of: str | None = None  # the version whose notes list its package changes


@dataclass(frozen=True)
class ImageNotes:
    releases: ImageReleases
    notes: FrozenDict[tuple[str, str], str]  # (registry/repository, version) -> notes

    def of(self, repository: str, version: str) -> str | None:
        return self.notes.get((repository, version))


@dataclass(frozen=True)
class _ChangesRequest:
    folder: str
    since: str | None
    upto: str | None


@dataclass(frozen=True)
class _Changes:
    commits: tuple[str, ...] | None  # None: the history between the two is not here


@rule
async def changes(request: _ChangesRequest) -> _Changes:
    if not request.since or not request.upto:
        return _Changes(None)
    if request.since == request.upto:
        return _Changes(())
    span = f"{request.since}..{request.upto}"
    log = await Get(
        GitResult, GitRequest(("log", "--format=%h %s", span, "--", request.folder or "."))
    )
    return _Changes(tuple(log.stdout.splitlines()) if log.exit_code == 0 else None)


@dataclass(frozen=True)
class _PackagesRequest:
    registry: str  # its address
    repository: str
    release: ReleaseRow
    previous: ReleaseRow


@dataclass(frozen=True)
class _Packages:
    lines: tuple[str, ...]


@rule(desc="Listing a release's package changes")
async def packages(request: _PackagesRequest) -> _Packages:
    """The package changes between two releases, from their SBOMs in the registry."""
    found = await MultiGet(
        Get(ReleaseSBOM, ReleaseSBOMRequest(request.registry, request.repository, r.digest))
        for r in (request.previous, request.release)
    )
    lists = []
    for row, sbom in zip((request.previous, request.release), found):
        why = sbom.failure or ("" if sbom.text else "no SBOM recorded in the registry")
        if not why:
            try:
                lists.append(tuple(sbom_packages(sbom.text or "")))
            except ValueError as e:
                why = f"its SBOM is not readable: {e}"
        if why:
            unknown = f"Package changes since {request.previous.version}: not known"
            return _Packages((f"{unknown} ({row.version}: {why}).",))
    changes = await Get(PackageChanges, PackageChangesRequest(*lists))
    source = ref(request.repository, sbom_tag(request.previous.digest))
    return _Packages(tuple(notes_changes(request.previous.version, source, list(changes.changes))))


@rule(desc="Writing release notes")
async def image_notes(request: ImageNotesRequest) -> ImageNotes:
    releases = await Get(ImageReleases, ImageReleasesRequest(request.address))
    pairs = []
    for registry in releases.registries:
        rows = list(registry.rows)  # newest first
        for row, previous in zip(rows, [*rows[1:], None]):
            pairs.append((registry, row, previous))
    found = (
        await MultiGet(
            Get(
                _Changes,
                _ChangesRequest(
                    request.address.spec_path,
                    previous.revision if previous else None,
                    row.revision,
                ),
            )
            for _, row, previous in pairs
        )
        if pairs
        else ()
    )
    wanted = [
        (registry, row, previous)
        for registry, row, previous in pairs
        if previous is not None and row.version == request.packages_of
    ]
    listed = (
        await MultiGet(
            Get(_Packages, _PackagesRequest(r.address, r.repository, row, previous))
            for r, row, previous in wanted
        )
        if wanted
        else ()
    )
    package_lines = {(r.repository, row.version): p.lines for (r, row, _), p in zip(wanted, listed)}
    notes = {
        (registry.repository, row.version): release_notes(
            registry.repository,
            row,
            previous,
            list(c.commits) if c.commits is not None else None,
            list(package_lines.get((registry.repository, row.version), ())),
        )
        for (registry, row, previous), c in zip(pairs, found)
    }
    return ImageNotes(releases, FrozenDict(notes))


def rules():
    return collect_rules()
