from pants.engine.addresses import Address
from pants.testutil.rule_runner import MockGet, run_rule_with_mocks

from bbc.rules.image_graph import ImageGraph, ImageInfo, ImageInfoRequest, image_graph


def info(spec_path, version="1.0.0", parent_ref=None, parent_versions=None):
    name = spec_path.rsplit("/", 1)[-1]
    return ImageInfo(
        address=Address(spec_path, target_name=name),
        version=version,
        repository=f"bbc/{name}",
        dockerfile=f"{spec_path}/Dockerfile",
        parent_arg="SOURCE_IMAGE" if parent_ref else None,
        parent_ref=parent_ref,
        parent_versions=parent_versions,
        build_file=f"{spec_path}/BUILD",
    )


class _Target:
    def __init__(self, address: Address) -> None:
        self.address = address


def graph_of(*infos: ImageInfo) -> ImageGraph:
    by_address = {i.address: i for i in infos}
    return run_rule_with_mocks(
        image_graph,
        rule_args=[[_Target(a) for a in by_address]],
        mock_gets=[
            MockGet(
                output_type=ImageInfo,
                input_types=(ImageInfoRequest,),
                mock=lambda request: by_address[request.address],
            )
        ],
    )


ROOT = info("images/root")
PYTHON = info("images/python", "1.1.0", "images/root:root", "^1.0")


def test_parents_are_resolved_from_the_parent_argument():
    graph = graph_of(
        ROOT, PYTHON, info("apps/job", parent_ref="images/python", parent_versions="^1.1")
    )
    assert graph.parent(Address("apps/job", target_name="job")) == PYTHON.address
    assert graph.parent(PYTHON.address) == ROOT.address
    assert graph.parent(ROOT.address) is None
    assert graph.hierarchy.order() == ["images/root:root", "images/python:python", "apps/job:job"]
    assert all(graph.problems(a) == [] for a in graph.infos)


def test_a_missing_parent_names_the_argument_the_dockerfile_and_the_known_images():
    graph = graph_of(ROOT, info("apps/job", parent_ref="images/nope:nope", parent_versions="^1"))
    [problem] = graph.problems(Address("apps/job", target_name="job"))
    assert problem == (
        "apps/job:job: apps/job/Dockerfile: ARG SOURCE_IMAGE=images/nope:nope names no "
        "docker_image target, so the parent image is unknown. Set it to the address of the "
        "parent image; the images are: apps/job:job, images/root:root."
    )
    assert graph.problems(ROOT.address) == []


def test_a_parent_outside_the_range_is_a_problem_of_the_child_only():
    graph = graph_of(info("images/root", "2.0.0"), PYTHON)
    [problem] = graph.problems(PYTHON.address)
    assert "images/python:python accepts images/root:root versions '^1.0'" in problem
    assert "images/root:root is at 2.0.0" in problem
    assert graph.problems(ROOT.address) == []


def test_a_cycle_is_a_problem_of_every_image_on_or_below_it():
    a = info("x/a", parent_ref="x/b:b", parent_versions="^1")
    b = info("x/b", parent_ref="x/a:a", parent_versions="^1")
    below = info("x/c", parent_ref="x/a:a", parent_versions="^1")
    graph = graph_of(a, b, below, ROOT)
    for address in (a.address, b.address, below.address):
        assert graph.problems(address)[0].startswith(
            "The images form a cycle: x/a:a -> x/b:b -> x/a:a."
        )
    assert graph.problems(ROOT.address) == []
