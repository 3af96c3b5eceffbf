"""Release notes of an image's releases: its registries' releases (releases.py) and the commits to
the image's folder between each release's source revision and the one before it."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict

from bbc.core.notes import release_notes
from bbc.rules.git import GitRequest, GitResult
from bbc.rules.releases import ImageReleases, ImageReleasesRequest


@dataclass(frozen=True)
class ImageNotesRequest:
    address: Address


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


@rule(desc="Writing release notes")
async def image_notes(request: ImageNotesRequest) -> ImageNotes:
    releases = await Get(ImageReleases, ImageReleasesRequest(request.address))
    pairs = []
    for registry in releases.registries:
        rows = list(registry.rows)  # newest first
        for row, previous in zip(rows, [*rows[1:], None]):
            pairs.append((registry.repository, row, previous))
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
    notes = {
        (repository, row.version): release_notes(
            repository, row, previous, list(c.commits) if c.commits is not None else None
        )
        for (repository, row, previous), c in zip(pairs, found)
    }
    return ImageNotes(releases, FrozenDict(notes))


def rules():
    return collect_rules()
