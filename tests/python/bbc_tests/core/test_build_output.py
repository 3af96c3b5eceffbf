from bbc.core.build_output import failure_summary, output_tail

STDOUT = """Sending build context to Docker daemon  3.072kB
Step 1/4 : ARG SOURCE_IMAGE=img/mid:mid
Step 2/4 : FROM $SOURCE_IMAGE
 ---> 3a644b1f5673
Step 3/4 : RUN make && false
 ---> Running in 9b352d5dcd1f
"""
STDERR = """DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0
            environment-variable.

The command '/bin/sh -c make && false' returned a non-zero code: 2
"""


def test_failure_names_the_dockerfile_step_and_the_error():
    assert failure_summary("img/leaf/Dockerfile", STDOUT, STDERR) == (
        "img/leaf/Dockerfile step 3/4 (RUN make && false): "
        "The command '/bin/sh -c make && false' returned a non-zero code: 2"
    )


def test_failure_before_any_step():
    assert failure_summary("Dockerfile", "", "unable to prepare context: no such file\n") == (
        "Dockerfile: unable to prepare context: no such file"
    )


def test_output_tail():
    assert output_tail("a\nb\nc\n", lines=2) == "b\nc"


def test_a_docker_cli_error_is_the_cause_not_the_pointer_to_help():
    stderr = (
        'invalid argument "bbc/x:1.0.0-'
        + "a" * 120
        + '" for "-t, --tag" flag: invalid reference format\n'
        "See 'docker build --help'.\n"
    )
    assert failure_summary("img/x/Dockerfile", "", stderr).endswith(
        'for "-t, --tag" flag: invalid reference format'
    )
    unknown = (
        "unknown flag: --secret\nUsage:  docker build [OPTIONS] PATH | URL | -\n\n"
        "Run 'docker build --help' for more information\n"
    )
    assert (
        failure_summary("img/x/Dockerfile", "", unknown)
        == "img/x/Dockerfile: unknown flag: --secret"
    )
