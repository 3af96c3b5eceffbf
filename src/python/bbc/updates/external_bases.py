"""bbc-update's updater of external bases: a root `FROM name:tag@sha256:...` is checked
against what the registry's `name:tag` holds now (skopeo, as publish/registry.py reads)."""

from __future__ import annotations

from dataclasses import replace

from pants.engine.rules import collect_rules, rule

from bbc.graph.chain import pinned_base
from bbc.graph.image_graph import ImageGraph, ImageInfo
from bbc.publish.registry import Registries, read_manifests
from bbc.updates.plan import Update, registry_of, tag_to_follow
from bbc.updates.types import ExternalBasesRequest, Updates


async def _update(info: ImageInfo, registries: Registries) -> Update:
    assert info.base is not None
    name, digest = pinned_base(info.base) or (info.base, "")
    tag = tag_to_follow(name)
    update = Update(str(info.address), f"FROM {name}", info.dockerfile, info.base)
    if tag is None:
        problem = (
            f"pinned without a tag, so there is no tag to follow: write the tag it comes from "
            f"before the digest, `FROM {name}:<tag>@{digest}`."
        )
        return replace(update, problem=problem)
    found = await read_manifests(registries, registry_of(name), (tag,), key=f"update {tag}")
    if isinstance(found, str):
        return replace(update, problem=found)
    if found.get(tag) is None:
        return replace(update, problem=f"the registry has no {tag}.")
    return replace(update, new=f"{name}@{found[tag]}")


@rule
async def external_base_updates(
    _: ExternalBasesRequest, graph: ImageGraph, registries: Registries
) -> Updates:
    roots = [info for info in graph.infos.values() if info.base]
    return Updates(tuple([await _update(info, registries) for info in roots]))


def rules():
    return collect_rules()
