from bbc.build.output import build_leak, credential_problem, failure_summary, output_tail

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


BUILDKIT_STDERR = """#1 [internal] load build definition from Dockerfile.f
#1 DONE 0.0s

#7 [1/4] FROM docker.io/fromidtest/root:1
#7 DONE 0.0s

#4 [install 2/4] RUN echo step1
#4 0.542 step1
#4 DONE 0.6s

#5 [install 3/4] RUN echo failing && exit 3
#5 0.606 failing
#5 ERROR: executor failed running [/bin/sh -c echo failing && exit 3]: exit code: 3
------
 > [install 3/4] RUN echo failing && exit 3:
------
executor failed running [/bin/sh -c echo failing && exit 3]: exit code: 3
"""


def test_buildkit_failures_name_the_stage_step_and_the_error():
    assert failure_summary("img/a/Dockerfile", "", BUILDKIT_STDERR) == (
        "img/a/Dockerfile stage install step 3/4 (RUN echo failing && exit 3): executor failed "
        "running [/bin/sh -c echo failing && exit 3]: exit code: 3"
    )


def test_a_build_argument_with_a_password_is_refused_without_showing_it():
    problem = credential_problem("PIP_INDEX_URL", "https://me:s3cret@pypi.example.com/simple")
    assert problem is not None and "s3cret" not in problem
    assert "PIP_INDEX_URL=https://me:***@pypi.example.com/simple carries a credential" in problem
    assert credential_problem("PIP_INDEX_URL", "https://pypi.org/simple") is None
    assert credential_problem("X", "user@example.com") is None


def test_credentials_anywhere_in_a_value_and_tokens_are_refused() -> None:
    listed = "https://pypi.org/simple https://u:LISTPASS@h.invalid/simple"
    problem = credential_problem("PIP_EXTRA_INDEX_URL", listed)
    assert problem is not None and "LISTPASS" not in problem and "***" in problem
    token = "ghp_" + "a" * 36
    assert credential_problem("GITHUB_TOKEN", token) is not None
    assert token not in (credential_problem("GITHUB_TOKEN", token) or "")
    assert credential_problem("IDX", f"https://{token}@pypi.example.com/simple") is not None
    assert credential_problem("AWS", "AKIAIOSFODNN7EXAMPLE") is not None


def test_an_undeclared_proxy_argument_may_carry_a_credential() -> None:
    proxy = "http://u:proxypass@proxy.invalid:3128"
    assert credential_problem("HTTPS_PROXY", proxy, declared=False) is None
    assert credential_problem("https_proxy", proxy, declared=False) is None
    assert credential_problem("HTTPS_PROXY", proxy, declared=True) is not None
    assert credential_problem("OTHER_URL", proxy, declared=False) is not None


def test_a_build_leaks_credentials_from_arg_defaults_build_arguments_and_its_environment():
    declared = {"BASE": "", "INDEX": "https://u:argpass@h.invalid/simple"}
    leak = build_leak("img/Dockerfile", declared, (), {})
    assert leak is not None and leak.startswith("img/Dockerfile: ARG INDEX=https://u:***@")
    clean = {"BASE": "", "HTTPS_PROXY": ""}
    assert build_leak("d", clean, ("BASE=bbc/root:1.0.0",), {}) is None
    given = build_leak("d", clean, ("BASE=https://u:given@h.invalid",), {})
    assert given is not None and "BASE=https://u:***@" in given and "given" not in given
    # An undeclared proxy argument is hidden from the history; a declared one is not.
    proxy = {"HTTPS_PROXY": "http://u:proxypass@proxy.invalid:3128"}
    assert build_leak("d", {}, (), proxy) is None
    assert build_leak("d", clean, (), proxy) is not None


def test_a_missing_build_secret_says_where_to_give_it() -> None:
    stderr = "ERROR: failed to solve: secret netrc not found: not found\n"
    summary = failure_summary("img/a/Dockerfile", "", stderr)
    assert 'give it in the image\'s `secrets` field, for example secrets={"netrc":' in summary
    assert "dependencies" not in summary


FETCH_FAILED = """\
#3 [internal] load metadata for registry.example/ubuntu:24.04@sha256:abab
#3 sha256:d1984077867cc43217303f2c7589450fe5b7fa4876ff037be3bf43257a82a00c
#3 ERROR: failed to do request: Head "http://registry.example/v2/ubuntu/manifests/sha256:abab": dial tcp: connect: connection refused
------
 > [internal] load metadata for registry.example/ubuntu:24.04@sha256:abab:
------
failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request: Head "http://registry.example/v2/ubuntu/manifests/sha256:abab": dial tcp: connect: connection refused
"""


def test_a_base_that_cannot_be_fetched_is_named_by_its_from_line() -> None:
    """BuildKit fails before any step (its output, measured with Debian's docker 20.10)."""
    bases = [(2, "registry.example/ubuntu:24.04@sha256:abab"), (5, "bbc/root:1.0.0-abc")]
    assert failure_summary("images/root/Dockerfile", "", FETCH_FAILED, bases).startswith(
        "images/root/Dockerfile line 2 (FROM registry.example/ubuntu:24.04@sha256:abab), "
        "fetching its base: failed to solve with frontend dockerfile.v0"
    )
    assert failure_summary("images/root/Dockerfile", "", FETCH_FAILED).startswith(
        "images/root/Dockerfile fetching the base registry.example/ubuntu:24.04@sha256:abab: "
    )
