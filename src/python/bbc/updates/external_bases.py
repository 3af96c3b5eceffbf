"""bbc-update's updater of external images pinned by digest, in any stage of any image: a root's
`FROM name:tag@sha256:...`, a builder stage's, a `COPY --from=name:tag@sha256:...`; each is checked
against what the registry's `name:tag` holds now (skopeo, as publish/registry.py reads)."""

from __future__ import annotations

from dataclasses import replace

from pants.engine.rules import Get, MultiGet, collect_rules, rule

from bbc.graph.chain import pinned_base, pinned_references
from bbc.graph.dockerfiles import ImageDockerfile, ImageDockerfileRequest
from bbc.graph.image_graph import ImageGraph, ImageInfo
from bbc.publish.registry import Registries, read_manifests
from bbc.updates.plan import Update, registry_of, tag_to_follow, unreadable_pin
from bbc.updates.types import ExternalBasesRequest, Updates


async def _update(info: ImageInfo, what: str, ref: str, registries: Registries) -> Update:
    name, digest = pinned_base(ref) or (ref, "")
    tag = tag_to_follow(name)
    update = Update(str(info.address), what, info.dockerfile, ref)
    if tag is None:
        problem = (
            f"pinned without a tag, so there is no tag to follow: write the tag it comes from "
            f"before the digest, `{name}:<tag>@{digest}`."
        )
        return replace(update, problem=problem)
    registry = registry_of(name)
    found = await read_manifests(registries, registry, (tag,), key=f"update {tag}")
    if isinstance(found, str):
        return replace(update, problem=unreadable_pin(registry, found))
    if found.get(tag) is None:
        return replace(update, problem=f"the registry has no {tag}.")
    return replace(update, new=f"{name}@{found[tag]}")


@rule
async def external_base_updates(
    _: ExternalBasesRequest, graph: ImageGraph, registries: Registries
) -> Updates:
    infos = [info for info in graph.infos.values() if not info.error]
    dockerfiles = await MultiGet(
        Get(ImageDockerfile, ImageDockerfileRequest(info.address)) for info in infos
    )
    pins = [
        (info, what, ref)
        for info, dockerfile in zip(infos, dockerfiles)
        for what, ref in pinned_references(dockerfile.instructions)
    ]
    return Updates(tuple([await _update(info, what, ref, registries) for info, what, ref in pins]))


def rules():
    return collect_rules()
