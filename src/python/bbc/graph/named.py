"""The BBC images a goal was given on its command line, and the one error for none."""

from __future__ import annotations

from pants.engine.addresses import Address
from pants.engine.console import Console
from pants.engine.target import Targets

from bbc.graph.image_graph import ImageGraph


def named_images(
    console: Console, goal: str, targets: Targets, graph: ImageGraph, example: str | None = None
) -> list[Address]:
    """The BBC images among `targets`, sorted. None: says so on stderr, suggesting `example`
    (a spec) or, without one, all of them."""
    images = sorted(t.address for t in targets if t.address in graph.infos)
    if not images and example:
        console.print_stderr(f"{goal}: no BBC images named, e.g. ./pants {goal} {example}")
    elif not images:
        console.print_stderr(f"{goal}: no BBC images named. All of them: ./pants {goal} ::")
    return images
