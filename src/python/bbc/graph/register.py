"""Wires this concern's rules (the plugin's register.py calls `rules()`)."""

from __future__ import annotations

from bbc.graph import (
    backend_check,
    dependencies,
    dockerfiles,
    image_graph,
    parent,
    run_images,
    synthetic_targets,
    tree,
    uncopied_files,
    vanilla,
)


def rules():
    return [
        *backend_check.rules(),
        *dependencies.rules(),
        *dockerfiles.rules(),
        *image_graph.rules(),
        *parent.rules(),
        *run_images.rules(),
        *synthetic_targets.rules(),
        *tree.rules(),
        *uncopied_files.rules(),
        *vanilla.rules(),
    ]
