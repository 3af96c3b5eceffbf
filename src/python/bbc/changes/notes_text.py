"""Release notes: what one release of an image is and what changed since the one before it.

Rebuilt from what the registry holds (each release's digest, content tag, parent release and
source revision, see publish/history.py) and the repository's history between two releases' revisions,
so any machine with the repository writes the same notes for a release.
"""

from __future__ import annotations

from bbc.publish.history import ReleaseRow


def release_notes(
    repository: str,
    row: ReleaseRow,
    previous: ReleaseRow | None,
    changes: list[str] | None,
    packages: list[str] | None = None,
) -> str:
    """The notes of `row`, a release in `repository` (`<registry>/<name>`). `changes`: the commits
    (`<short hash> <subject>`) to the image's files since `previous`, None where the history is
    not available here; `packages`: lines on its package changes, if wanted."""
    lines = [
        f"## {repository}:{row.version}",
        "",
        f"- Pinned: `{repository}:{row.version}@{row.digest}`",
        *(
            f"- Variant {name}: `{repository}:{row.variant_tag(name)}@{digest}`"
            for name, digest in row.variants
        ),
    ]
    if row.content_tag:
        lines.append(f"- Content tag: `{row.content_tag}`")
    parent = f"`{row.parent}`" if row.parent else "nothing (a root image)"
    if previous is not None and previous.parent != row.parent:
        parent += f" (the release before was built on `{previous.parent or 'nothing'}`)"
    lines.append(f"- Built on: {parent}")
    lines.append(f"- Previous release: {previous.version if previous else 'none, the first'}")
    if row.revision:
        lines.append(f"- Source revision: {row.revision}")
    lines.append("")
    if previous is None:
        lines.append("First release.")
    elif not previous.revision or not row.revision:
        unlabelled = row.version if not row.revision else previous.version
        lines.append(
            f"Changes since {previous.version}: not known ({unlabelled} has no "
            "org.opencontainers.image.revision label: it was built outside a git checkout, from "
            "files with uncommitted changes, or not by this plugin)."
        )
    elif changes is None:
        lines.append(
            f"Changes since {previous.version}: not known here (the revisions "
            f"{previous.revision}..{row.revision} are not in this repository's history)."
        )
    elif changes:
        lines.append(f"Changes to the image's files since {previous.version}:")
        lines.extend(f"- {change}" for change in changes)
    else:
        lines.append(
            f"No change to the image's own files since {previous.version}: rebuilt on its "
            "parent's new release."
            if previous.parent != row.parent
            else f"No change to the image's own files since {previous.version}."
        )
    if packages and previous is not None:
        lines += ["", *packages]
    return "\n".join(lines) + "\n"
