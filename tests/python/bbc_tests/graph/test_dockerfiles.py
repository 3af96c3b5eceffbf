"""The real Dockerfile parsing path: Pants' parser (BuildKit's, in-process) reads what Docker reads."""

from textwrap import dedent

import pytest
from pants.engine.addresses import Address
from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc.graph.instructions import Instruction
from bbc.graph.dockerfiles import ImageDockerfile, ImageDockerfileRequest, ParsedDockerfile
from bbc.graph.uncopied_files import (
    Uncopied,
    UncopiedFiles,
    UncopiedFilesRequest,
    context_globs,
    uncopied_message,
)

from bbc_tests.rule_runner import plugin_rule_runner


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    return plugin_rule_runner(
        QueryRule(ImageDockerfile, [ImageDockerfileRequest]),
        QueryRule(UncopiedFiles, [UncopiedFilesRequest]),
    )


def parse(rule_runner: RuleRunner, address: Address) -> ParsedDockerfile:
    found = rule_runner.request(ImageDockerfile, [ImageDockerfileRequest(address)])
    assert found.parsed is not None, found.problem
    return found.parsed


def test_continuations_comments_flags_and_stages_are_read_as_docker_reads_them(
    rule_runner: RuleRunner,
) -> None:
    rule_runner.write_files(
        {
            "img/BUILD": 'docker_image(version="1.0.0")',
            "img/Dockerfile": dedent(
                """\
                # syntax=docker/dockerfile:1
                ARG SOURCE_IMAGE=images/python:python
                FROM $SOURCE_IMAGE AS install
                # a comment between continuation lines does not end the instruction
                RUN apt-get update \\
                # (still the same RUN)
                 && apt-get install -y curl
                FROM $SOURCE_IMAGE
                COPY --from=install --chown=bbc:bbc /opt/venv/ /opt/venv/
                ENV A=1 \\
                    B=2
                """
            ),
        }
    )
    parsed = parse(rule_runner, Address("img"))
    assert parsed.path == "img/Dockerfile"
    assert [(i.cmd, i.line) for i in parsed.instructions] == [
        ("ARG", 2),
        ("FROM", 3),
        ("RUN", 5),
        ("FROM", 8),
        ("COPY", 9),
        ("ENV", 10),
    ]
    assert parsed.instructions[0] == Instruction(
        "ARG", ("SOURCE_IMAGE=images/python:python",), 2, (), 2
    )
    assert parsed.instructions[1].value == ("$SOURCE_IMAGE", "AS", "install")
    assert parsed.instructions[2].value == ("apt-get update  && apt-get install -y curl",)
    assert parsed.instructions[4].value == ("/opt/venv/", "/opt/venv/")
    assert parsed.instructions[4].flags == ("--from=install", "--chown=bbc:bbc")


def test_a_dockerfile_given_as_instructions_is_parsed_too(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "gen/BUILD": dedent(
                """\
                docker_image(
                    version="1.0.0",
                    instructions=["ARG SOURCE_IMAGE=img:img", "FROM $SOURCE_IMAGE", "RUN true"],
                )
                """
            )
        }
    )
    parsed = parse(rule_runner, Address("gen"))
    assert [i.cmd for i in parsed.instructions] == ["ARG", "FROM", "RUN"]


def test_an_image_without_a_dockerfile_is_told_how_to_give_one(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"empty/BUILD": 'docker_image(version="1.0.0")'})
    found = rule_runner.request(ImageDockerfile, [ImageDockerfileRequest(Address("empty"))])
    assert found.parsed is None
    assert found.problem == (
        "empty:empty has no Dockerfile: empty/Dockerfile does not exist. Add it, point the "
        "target's `source` field at its Dockerfile, or write it in `instructions`."
    )


def test_a_dockerfile_and_instructions_both_are_refused(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "both/BUILD": 'docker_image(version="1.0.0", instructions=["FROM scratch"])',
            "both/Dockerfile": "FROM scratch\n",
        }
    )
    found = rule_runner.request(ImageDockerfile, [ImageDockerfileRequest(Address("both"))])
    assert found.problem is not None and "has both a Dockerfile (both/Dockerfile)" in found.problem


def test_a_dockerfile_without_instructions_is_a_problem_of_its_image(
    rule_runner: RuleRunner,
) -> None:
    rule_runner.write_files(
        {"blank/BUILD": 'docker_image(version="1.0.0")', "blank/Dockerfile": "# nothing yet\n"}
    )
    found = rule_runner.request(ImageDockerfile, [ImageDockerfileRequest(Address("blank"))])
    assert found.parsed is None
    assert found.problem == (
        "blank:blank: blank/Dockerfile cannot be read as a Dockerfile (file with no "
        "instructions): fix it."
    )


def test_files_a_copy_reads_from_outside_the_build_context_are_named_with_the_target_to_add(
    rule_runner: RuleRunner,
) -> None:
    rule_runner.write_files(
        {
            "app/BUILD": (
                'docker_image(version="1.0.0", dependencies=["owned"], '
                'extra_build_args=["CONF=owned/in.txt"])'
            ),
            "app/Dockerfile": dedent(
                """\
                ARG TOOLS=tools
                FROM scratch
                COPY ${TOOLS}/setup_tool.py /opt/
                COPY conf /etc/conf
                COPY owned/in.txt app.tool/tool.pex /opt/
                COPY --from=busybox:1 /bin/sh /bin/
                ARG CONF=nowhere/dev.txt
                COPY ${CONF} /etc/app.conf
                """
            ),
            "nowhere/dev.txt": "the default, which the build argument replaces",
            # A child copying its parent's file: only the image's own dependencies are in its
            # build context, as Pants makes it.
            "child/BUILD": 'docker_image(version="1.0.0", parent_versions="^1.0")',
            "child/Dockerfile": "ARG SOURCE_IMAGE=app:app\nFROM $SOURCE_IMAGE\nCOPY owned/in.txt /\n",
            "tools/setup_tool.py": "print('set up')\n",
            "conf/BUILD": 'files(name="cfg", sources=["*.txt"])',
            "conf/a.txt": "a",
            "conf/b.txt": "b",
            "owned/BUILD": 'files(sources=["*.txt"])',
            "owned/in.txt": "in",
        }
    )
    child = rule_runner.request(UncopiedFiles, [UncopiedFilesRequest(Address("child"))])
    assert child.messages == (
        "child:child: child/Dockerfile copies files from outside the image's build context "
        "(Pants puts there only the files of its dependencies), so the build cannot copy them and "
        "a change to them rebuilds nothing: line 3 owned/in.txt: owned:owned owns owned/in.txt "
        'but the image does not depend on it. Fix: add "owned:owned" to the image\'s '
        "dependencies.",
    )
    found = rule_runner.request(UncopiedFiles, [UncopiedFilesRequest(Address("app"))])
    assert found.messages == (
        "app:app: app/Dockerfile copies files from outside the image's build context (Pants puts "
        "there only the files of its dependencies), so the build cannot copy them and a change to "
        "them rebuilds nothing: line 3 tools/setup_tool.py: no target owns "
        "tools/setup_tool.py. line 4 conf: conf:cfg owns conf/a.txt, conf/b.txt but the image "
        'does not depend on it. Fix: add `files(name="copied", sources=["setup_tool.py"])` to '
        'tools/BUILD; add "tools:copied", "conf:cfg" to the image\'s dependencies.',
    )


def test_a_copy_source_maps_to_repository_globs_under_the_context_root() -> None:
    assert context_globs(".", "tools/x.py") == ("tools/x.py", "tools/x.py/**")
    assert context_globs("app", "/conf") == ("app/conf", "app/conf/**")
    assert context_globs("app", ".") == ("app", "app/**")
    assert context_globs(".", ".") == ("**",)
    for outside in ("../x", "https://example.com/x.tgz", "$UNSET/x"):
        assert context_globs(".", outside) == ()


def test_one_files_target_per_folder_owns_what_is_copied_a_folder_by_its_glob() -> None:
    many = tuple(f"data/sub{i % 3}/f{i}.csv" for i in range(3000))
    found = [
        Uncopied(2, "data/", "data", many),
        Uncopied(3, "tools/a.sh", "tools/a.sh", ("tools/a.sh",)),
        Uncopied(4, "tools/a.py", "tools/a.py", ("tools/a.py",)),
        Uncopied(5, "lib/*.py", "lib/*.py", ("lib/x.py", "lib/y.py")),
    ]
    message = uncopied_message("app:app", "app/Dockerfile", found)
    assert "line 2 data/: no target owns data/sub0/f0.csv, data/sub1/f1.csv" in message
    assert "and 2995 more. line 3" in message and len(message) < 1500
    assert (
        'Fix: add `files(name="copied", sources=["**/*"])` to data/BUILD; add '
        '`files(name="copied", sources=["*.py"])` to lib/BUILD; add `files(name="copied", '
        'sources=["a.py", "a.sh"])` to tools/BUILD; add "data:copied", "lib:copied", '
        '"tools:copied" to the image\'s dependencies.'
    ) in message
