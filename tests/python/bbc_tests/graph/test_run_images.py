"""The images a run names, found again inside a rule as Pants finds its goals' targets: from the
specs given (filters applied) or from `--changed-since` and its dependents."""

from __future__ import annotations

import subprocess

from pants.testutil.rule_runner import QueryRule, RuleRunner

from bbc.graph.run_images import RunImages

from bbc_tests.rule_runner import ENV, plugin_rule_runner, repository_options

CHILD = "ARG SOURCE_IMAGE={}\nFROM $SOURCE_IMAGE\n"


def images(rule_runner: RuleRunner, *args: str) -> set[str]:
    rule_runner.set_options([*repository_options(), *args], env_inherit=ENV)
    return {str(a) for a in rule_runner.request(RunImages, []).addresses}


def test_the_images_a_run_names_by_specs_filters_and_changed_since() -> None:
    rule_runner = plugin_rule_runner(QueryRule(RunImages, []))
    rule_runner.write_files(
        {
            "img/root/BUILD": 'docker_image(name="root", version="1.0.0")\n',
            "img/root/Dockerfile": "FROM scratch\n",
            "img/mid/BUILD": 'docker_image(name="mid", version="1.0.0", tags=["slow"])\n',
            "img/mid/Dockerfile": CHILD.format("img/root:root"),
            "img/leaf/BUILD": (
                'docker_image(name="leaf", version="1.0.0")\nfile(name="notes", source="n.txt")\n'
            ),
            "img/leaf/Dockerfile": CHILD.format("img/mid:mid"),
            "img/leaf/n.txt": "not an image\n",
            "img/vanilla/BUILD": 'docker_image(name="vanilla")\n',  # not the plugin's
            "img/vanilla/Dockerfile": "FROM scratch\n",
        }
    )
    everything = {"img/root:root", "img/mid:mid", "img/leaf:leaf"}
    assert images(rule_runner, "::") == everything
    assert images(rule_runner, "img/leaf:") == {"img/leaf:leaf"}
    assert images(rule_runner, "img/leaf:notes") == set()
    assert images(rule_runner, "::", "--tag=-slow") == everything - {"img/mid:mid"}
    assert images(rule_runner) == set()

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=rule_runner.build_root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "family")
    with open(f"{rule_runner.build_root}/img/mid/Dockerfile", "a") as dockerfile:
        dockerfile.write("RUN true\n")
    assert images(rule_runner, "--changed-since=main") == {"img/mid:mid"}
    assert images(rule_runner, "--changed-since=main", "--changed-dependents=transitive") == {
        "img/mid:mid",
        "img/leaf:leaf",
    }
