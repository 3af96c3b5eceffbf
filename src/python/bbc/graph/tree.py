"""`./pants bbc-tree`: the hierarchy with versions, tags, ranges and sizes; DOT, Mermaid, SVG."""

from __future__ import annotations

import json

from pants.core.util_rules.distdir import DistDir
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, SEARCH_PATHS
from pants.engine.addresses import Addresses
from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests, Snapshot, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.process import FallibleProcessResult, Process, ProcessResult
from pants.engine.rules import Get, collect_rules, goal_rule
from pants.util.logging import LogLevel

from bbc.graph import chain
from bbc.graph.hierarchy import Hierarchy
from bbc.graph.image_graph import ImageGraph
from bbc.graph.render import dot, mermaid, text_tree
from bbc.model.tags import ref
from bbc.graph.uncopied_files import SaidUncopiedFiles, SayUncopiedFiles
from bbc.util_rules.docker import Docker

OUTPUT_DIR = "bbc"


class TreeSubsystem(GoalSubsystem):
    name = "bbc-tree"
    help = (
        "Print the BBC image hierarchy (version, tags, each parent range and whether it holds, "
        "and sizes of the images built locally), and write it to dist/bbc/ as hierarchy.dot, "
        "hierarchy.mmd (Mermaid) and, where Graphviz's `dot` is installed, hierarchy.svg. "
        "Given images (`./pants bbc-tree apps/web:web`), only their chains: their ancestors "
        "and descendants."
    )


class Tree(Goal):
    subsystem_cls = TreeSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


async def _sizes(hierarchy: Hierarchy, docker: Docker) -> dict[str, int]:
    refs = {ref(image.repository, image.version): a for a, image in hierarchy.images.items()}
    result = await Get(
        FallibleProcessResult,
        Process,
        docker.process(
            "image", "inspect", *sorted(refs), description="Inspect the sizes of local BBC images"
        ),
    )
    # Images not built locally are missing from the answer (and make docker exit 1).
    found = json.loads(result.stdout or b"[]")
    return {refs[tag]: image["Size"] for image in found for tag in image["RepoTags"] if tag in refs}


@goal_rule
async def bbc_tree(
    console: Console,
    workspace: Workspace,
    dist_dir: DistDir,
    graph: ImageGraph,
    docker: Docker,
    specified: Addresses,
) -> Tree:
    images = [a for a in graph.infos if graph.infos[a].error is None]
    await Get(SaidUncopiedFiles, SayUncopiedFiles(tuple(images), docker.run_token))
    hierarchy = graph.hierarchy
    shown = {str(a) for a in graph.infos}
    if specified:
        hierarchy = hierarchy.around(str(a) for a in specified)
        shown = set(hierarchy.images) | {str(a) for a in specified}
    console.print_stdout(text_tree(hierarchy, await _sizes(hierarchy, docker)))
    errors = [info.error for a, info in graph.infos.items() if info.error and str(a) in shown]
    problems = errors + chain.problems(hierarchy)
    for problem in problems:
        console.print_stderr(f"\n{problem}")

    files = [
        FileContent(f"{OUTPUT_DIR}/hierarchy.dot", dot(hierarchy).encode()),
        FileContent(f"{OUTPUT_DIR}/hierarchy.mmd", mermaid(hierarchy).encode()),
    ]
    digest = await Get(Digest, CreateDigest(files))
    dot_paths = await Get(
        BinaryPaths, BinaryPathRequest(binary_name="dot", search_path=SEARCH_PATHS)
    )
    if dot_paths.first_path:
        svg = await Get(
            ProcessResult,
            Process(
                argv=(
                    dot_paths.first_path.path,
                    "-Tsvg",
                    f"{OUTPUT_DIR}/hierarchy.dot",
                    "-o",
                    f"{OUTPUT_DIR}/hierarchy.svg",
                ),
                input_digest=digest,
                output_files=(f"{OUTPUT_DIR}/hierarchy.svg",),
                description="Render the hierarchy with Graphviz",
                level=LogLevel.DEBUG,
            ),
        )
        digest = await Get(Digest, MergeDigests([digest, svg.output_digest]))
    workspace.write_digest(digest, path_prefix=str(dist_dir.relpath))
    written = await Get(Snapshot, Digest, digest)
    console.print_stderr(f"\nWrote {', '.join(f'{dist_dir.relpath}/{f}' for f in written.files)}")
    return Tree(exit_code=1 if problems else 0)


def rules():
    return collect_rules()
