"""Adopting the plugin in an existing Pants repository, as docs/adopting.md says, step by step,
with real Pants, Docker and a registry:

    img/base (Pants' own, image_tags v7, stable) ── img/tool (Pants' own, on base)

1. Pants' docker backend is replaced by the plugin: both together stop, naming the backend;
   the plugin alone builds, tags and publishes the images as Pants did.
2. The root is converted (a `version`): the plugin builds it, Pants' rules still build the tool
   on it (FROM its content tag), in the same `package ::` and `publish ::`; `--changed-since`
   follows.
3. The child is converted (`version`, `parent_versions`); a BBC image on an image still Pants'
   is refused, naming the fix.

Then: every way of naming a parent is the dependency Pants infers (or refused with the ARG line
to write); a root on an external image pinned by digest, served by the registry, and
`bbc-update` following its tag.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from bbc_integration.fixture import BUSYBOX, ROOT_DOCKERFILE, Repo
from bbc_integration.registry import Registry

BASE_BUILD = 'file(name="busybox", source="busybox")\n\ndocker_image(name="base", {fields}dependencies=[":busybox"]{tags})\n'
TAGS = ', image_tags=["v7", "stable"]'
TOOL_DOCKERFILE = "ARG BASE=img/base:base\nFROM $BASE\nRUN echo tool > /tool\n"
TOOL_BUILD = 'docker_image(name="tool"{fields}{tags})\n'
TOOL_TAGS = ', image_tags=["{build_args.GREETING}-1"]'


def backends(repo: Repo, *names: str) -> None:
    text = re.sub(
        r"^backend_packages = .*$",
        f"backend_packages = {list(names)!r}".replace("'", '"'),
        repo.read("pants.toml"),
        flags=re.M,
    )
    repo.write("pants.toml", text)


@pytest.fixture(scope="module")
def repo(tmp_path_factory, registry: Registry) -> Repo:
    """An existing Pants repository: two images of Pants' docker backend, and a registry."""
    repo = Repo(tmp_path_factory.mktemp("adopt"), Path.cwd())
    repo.configure(registry.pants_toml)
    backends(repo, "pants.backend.docker")
    repo._copy(Path(BUSYBOX), "img/base/busybox")
    repo.write("img/base/Dockerfile", ROOT_DOCKERFILE.format(path="img/base"))
    repo.write("img/base/BUILD", BASE_BUILD.format(fields="", tags=TAGS))
    repo.write("img/tool/Dockerfile", TOOL_DOCKERFILE)
    repo.write("img/tool/BUILD", TOOL_BUILD.format(fields="", tags=TOOL_TAGS))
    repo.commit("An existing repository of Pants docker images")
    yield repo
    repo.close()
    repo.remove_images(f"{registry.address}/{repo.prefix}")


def tags_of(repo: Repo, registry: Registry, name: str) -> set[str]:
    return {t.split(":")[-1] for t in repo.docker.images.get(image(repo, registry, name)).tags}


def image(repo: Repo, registry: Registry, name: str) -> str:
    """The local name Pants' docker rules give an image of theirs (its registry's)."""
    tag = {"base": "v7", "tool": "hello-1"}[name]
    return f"{registry.address}/{repo.prefix}/{name}:{tag}"


def test_step_1_the_plugin_replaces_pants_docker_backend(repo: Repo, registry: Registry) -> None:
    # Both: Pants' docker rules would build every BBC image twice. The run stops, naming it.
    backends(repo, "pants.backend.docker", "bbc")
    both = repo.pants("package", "::")
    assert both.returncode != 0
    assert (
        "Pants' own docker rules (package, run, publish) are registered beside the BBC plugin, "
        "by pants.backend.docker: "
    ) in both.stderr
    assert "Remove pants.backend.docker from [GLOBAL].backend_packages" in both.stderr
    # The plugin alone: the images are Pants' own still, built and tagged from image_tags.
    backends(repo, "bbc")
    repo.commit("Adopt the BBC plugin")
    built = repo.pants("package", "::")
    assert built.returncode == 0, built.output
    assert tags_of(repo, registry, "base") == {"v7", "stable"}
    assert tags_of(repo, registry, "tool") == {"hello-1"}
    tree = repo.pants("bbc-tree")
    assert tree.returncode == 0, tree.output
    assert "img/base" not in tree.stdout  # not the plugin's yet
    published = repo.pants("publish", "::")
    assert published.returncode == 0, published.output
    assert registry.tags(f"{repo.prefix}/base") == {"v7", "stable"}
    assert registry.tags(f"{repo.prefix}/tool") == {"hello-1"}


def test_step_2_a_root_is_converted_and_pants_own_child_builds_on_it(
    repo: Repo, registry: Registry
) -> None:
    # The plugin makes a BBC image's tags: image_tags are refused, not silently dropped.
    repo.write("img/base/BUILD", BASE_BUILD.format(fields='version="1.0.0", ', tags=TAGS))
    tagged = repo.pants("package", "img/base:base")
    assert tagged.returncode != 0
    assert (
        "img/base:base: image_tags=['v7', 'stable'] in img/base/BUILD: the BBC plugin tags its "
        "images itself"
    ) in tagged.stderr
    repo.write("img/base/BUILD", BASE_BUILD.format(fields='version="1.0.0", ', tags=""))
    repo.commit("base: a BBC image")
    built = repo.pants("package", "::")
    assert built.returncode == 0, built.output
    assert built.packaged() == {"base": "Built"}
    content = repo.content_ref("base", "1.0.0")
    tool = repo.docker.images.get(image(repo, registry, "tool")).attrs["RootFS"]["Layers"]
    base = repo.docker.images.get(content).attrs["RootFS"]["Layers"]
    assert tool[: len(base)] == base and len(tool) > len(base)
    assert repo.pants("bbc-tree").stdout.startswith(f"img/base:base  {repo.prefix}/base:1.0.0")
    # One publish: the plugin releases its image, Pants' rules push their own's image_tags.
    step_1_tool = registry.digest(f"{repo.prefix}/tool", "hello-1")
    published = repo.pants("publish", "::")
    assert published.returncode == 0, published.output
    content_tag = content.split(":")[-1]
    assert registry.tags(f"{repo.prefix}/base") == {
        *("v7", "stable"),  # step 1's, Pants' own
        *(content_tag, "1.0.0", "1.0", "1", "latest"),
        f"sha256-{registry.digest(f'{repo.prefix}/base', '1.0.0').split(':')[1]}.sbom",
    }
    assert registry.tags(f"{repo.prefix}/tool") == {"hello-1"}
    assert registry.digest(f"{repo.prefix}/tool", "hello-1") != step_1_tool  # on the new base
    # A change to the root selects Pants' own image built on it too.
    repo.write("img/base/Dockerfile", repo.read("img/base/Dockerfile") + "RUN echo 2 > /base\n")
    changed = repo.pants("--changed-since=HEAD", "list")
    assert set(changed.stdout.split()) == {"img/base:base", "img/tool:tool"}
    repo.git("checkout", "-q", "img/base/Dockerfile")


def test_step_3_a_child_is_converted_and_never_before_its_parent(scratch: Repo) -> None:
    repo = scratch
    repo.write("img/base/BUILD", BASE_BUILD.format(fields="", tags=TAGS))
    repo.write("img/tool/BUILD", TOOL_BUILD.format(fields=', version="1.0.0"', tags=""))
    refused = repo.pants("package", "img/tool:tool")
    assert refused.returncode != 0
    assert (
        "img/tool:tool: img/tool/Dockerfile: ARG BASE=img/base:base names img/base:base, a "
        "docker_image without `version`: Pants' docker backend builds it, not the BBC plugin, "
        "so a BBC image cannot be built on it. Convert the parent first: give img/base:base a "
        'version in img/base/BUILD (for example version="1.0.0")'
    ) in refused.stderr
    repo.git("checkout", "-q", "img/base/BUILD")
    repo.write(
        "img/tool/BUILD",
        TOOL_BUILD.format(fields=', version="1.0.0", parent_versions="^1.0"', tags=""),
    )
    built = repo.pants("package", "::")
    assert built.returncode == 0, built.output
    assert (
        repo.pants("bbc-tree")
        .stdout.splitlines()[1]
        .startswith(f"└─ img/tool:tool  {repo.prefix}/tool:1.0.0")
    )


def test_every_way_of_naming_the_parent_is_one_graph(repo: Repo) -> None:
    """The parent the plugin builds on is the dependency Pants infers, however it is named: an
    ARG default, `extra_build_args`, `[docker].build_args`; a short address is refused."""
    forms = {
        "default": ("ARG SOURCE_IMAGE=img/base:base", ""),
        "extra": ("ARG SOURCE_IMAGE", ', extra_build_args=["SOURCE_IMAGE=img/base:base"]'),
        "config": ("ARG PARENT_IMAGE", ""),
    }
    with repo.branch():
        for name, (arg, extra) in forms.items():
            variable = arg.split()[1].split("=")[0]
            repo.write(f"img/{name}/Dockerfile", f"{arg}\nFROM ${variable}\nRUN echo {name} > /x\n")
            repo.write(
                f"img/{name}/BUILD",
                f'docker_image(name="{name}", version="1.0.0", parent_versions="^1.0"{extra})\n',
            )
        repo.write(
            "pants.toml",
            repo.read("pants.toml").replace(
                'build_args = ["GREETING=hello"]',
                'build_args = ["GREETING=hello", "PARENT_IMAGE=img/base:base"]',
            ),
        )
        repo.commit("Children naming their parent three ways")
        tree = repo.pants("bbc-tree")
        assert tree.returncode == 0, tree.output
        for name in forms:
            assert f"─ img/{name}:{name}  {repo.prefix}/{name}:1.0.0" in tree.stdout, tree.stdout
            deps = repo.pants("dependencies", f"img/{name}:{name}").stdout.split()
            assert "img/base:base" in deps, (name, deps)
        repo.write("img/base/Dockerfile", repo.read("img/base/Dockerfile") + "RUN echo 2 > /b\n")
        changed = repo.pants("--changed-since=HEAD", "list")
        assert {f"img/{n}:{n}" for n in forms} <= set(changed.stdout.split()), changed.output
        built = repo.pants("package", *(f"img/{n}:{n}" for n in forms))
        assert built.returncode == 0, built.output
        base = repo.content_ref("base", "1.0.0")
        for name in forms:
            labels = repo.docker.images.get(repo.ref(name, "1.0.0")).labels
            assert labels["org.opencontainers.image.base.name"] == base, name


@pytest.mark.parametrize(
    "value, error",
    [
        (
            "img/bse",
            "img/odd:odd: img/odd/Dockerfile: ARG SOURCE_IMAGE=img/bse names no target, so the "
            "parent image is unknown (and Pants infers no dependency on it). Write the parent's "
            "address, one of img/base:base",
        ),
        (
            "img/base",
            "img/odd:odd: img/odd/Dockerfile: ARG SOURCE_IMAGE=img/base names img/base:base in a "
            "form that Pants' docker backend cannot build from (it reads the value as an image "
            "name). Write the address in full: `ARG SOURCE_IMAGE=img/base:base`.",
        ),
    ],
)
def test_a_parent_named_otherwise_is_refused_with_the_arg_line_to_write(
    scratch: Repo, value: str, error: str
) -> None:
    repo = scratch
    repo.write("img/odd/Dockerfile", f"ARG SOURCE_IMAGE={value}\nFROM $SOURCE_IMAGE\n")
    repo.write("img/odd/BUILD", 'docker_image(name="odd", version="1.0.0")\n')
    tree = repo.pants("bbc-tree")
    assert error in tree.output
    assert "img/base:base" not in repo.pants("dependencies", "img/odd:odd").stdout.split()


def test_a_root_on_an_external_image_pinned_by_digest_and_bbc_update(
    repo: Repo, registry: Registry
) -> None:
    """The module's registry stands in for the upstream one: its `base:v7` (pushed in step 1)
    is the external image."""
    with repo.branch():
        external_root_and_update(repo, registry)


def external_root_and_update(repo: Repo, registry: Registry) -> None:
    upstream = f"{registry.address}/{repo.prefix}/base:v7"
    digest = registry.digest(f"{repo.prefix}/base", "v7")
    assert digest, "step 1 pushed base:v7"
    repo.write("img/ext/BUILD", 'docker_image(name="ext", version="1.0.0")\n')
    repo.write("img/ext/Dockerfile", f"FROM {upstream}\nRUN echo ext > /ext\n")
    unpinned = repo.pants("bbc-tree")
    assert f"the final stage is FROM {upstream}, which is not a BBC image." in unpinned.output
    assert f"`FROM {upstream}@sha256:<digest>`" in unpinned.output
    assert f"`skopeo inspect --format '{{{{.Digest}}}}' docker://{upstream}`" in unpinned.output

    # A second pin, in a COPY --from: read and reported like the base (its tag does not move).
    tools = f"{registry.address}/{repo.prefix}/base:tools"
    repo.docker.images.get(upstream).tag(tools)
    repo.docker.images.push(tools)
    dockerfile = (
        f"FROM {upstream}@{digest}\nCOPY --from={tools}@{digest} /bin/busybox /tool\n"
        "RUN echo ext > /ext\n"
    )
    repo.write("img/ext/Dockerfile", dockerfile)
    repo.commit("A root on an external image")
    built = repo.pants("package", "img/ext:ext")
    assert built.returncode == 0, built.output
    labels = repo.docker.images.get(repo.ref("ext", "1.0.0")).labels
    assert labels["org.opencontainers.image.base.name"] == upstream
    assert labels["org.opencontainers.image.base.digest"] == digest
    tree = repo.pants("bbc-tree", "img/ext:ext")
    assert f"img/ext:ext  {repo.prefix}/ext:1.0.0  tags" in tree.stdout
    assert f"on {upstream}@{digest[:19]}" in tree.stdout
    current = repo.pants("bbc-update")
    assert current.returncode == 0, current.output
    assert f"img/ext:ext: FROM {upstream} is current ({digest})" in current.stdout
    assert f"img/ext:ext: COPY --from={tools} is current ({digest})" in current.stdout

    # Upstream moves the tag: bbc-update follows it, and the new digest is a new input.
    moved_to = repo.docker.images.get(image(repo, registry, "tool"))
    moved_to.tag(upstream)
    repo.docker.images.push(upstream)
    new_digest = registry.digest(f"{repo.prefix}/base", "v7")
    assert new_digest != digest
    updated = repo.pants("bbc-update")
    assert updated.returncode == 2, updated.output  # something moved
    assert (
        f"img/ext:ext: FROM {upstream} moved: {digest} -> {new_digest} (updated "
        "img/ext/Dockerfile)"
    ) in updated.stdout
    assert f"img/ext:ext: COPY --from={tools} is current ({digest})" in updated.stdout
    assert repo.read("img/ext/Dockerfile") == dockerfile.replace(
        f"FROM {upstream}@{digest}", f"FROM {upstream}@{new_digest}"
    )
    changed = repo.pants("--changed-since=HEAD", "list")
    assert "img/ext:ext" in changed.stdout.split()
    check = repo.pants("bbc-check", "--since=HEAD", "img/ext:ext")
    assert check.returncode == 1, check.output
    assert "img/ext:ext: its content changed since" in check.stderr
    assert "its files changed: img/ext/Dockerfile" in check.stderr
    rebuilt = repo.pants("package", "img/ext:ext")
    assert rebuilt.returncode == 0, rebuilt.output
    labels = repo.docker.images.get(repo.ref("ext", "1.0.0")).labels
    assert labels["org.opencontainers.image.base.digest"] == new_digest

    # A pin whose registry cannot be reached: said with the pin and what to do, left as it is.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    with repo.branch():
        gone = f"{closed}/gone/tool:1@{digest}"
        repo.write(
            "img/ext/Dockerfile", repo.read("img/ext/Dockerfile") + f"COPY --from={gone} /x /x\n"
        )
        unreachable = repo.pants("bbc-update")
        assert unreachable.returncode not in (0, 2), unreachable.output
        said = " ".join(unreachable.output.split())
        assert f"img/ext:ext: COPY --from={closed}/gone/tool:1" in said, unreachable.output
        assert (
            f"Check that {closed} answers from here (address, proxy, `docker login {closed}`), "
            "then run ./pants bbc-update again; the pin stays as it is." in said
        ), unreachable.output
        assert "publish" not in said.split("gone/tool:1", 1)[1].split("\n")[0]
        assert gone in repo.read("img/ext/Dockerfile")
