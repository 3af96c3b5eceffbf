import hashlib
import json

import pytest

from bbc.publish.plan import Release
from bbc.publish.registry_data import (
    Outcome,
    is_insecure,
    parse_manifest,
    parse_release,
    registry_answer,
    tool_message,
)


def sha(raw: bytes) -> str:
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def test_a_manifest_gives_its_own_digest_and_its_config_digest():
    # The manifest digest is the sha256 of the bytes exactly as served (skopeo inspect --raw).
    raw = b'{"schemaVersion": 2,\n "config": {"digest": "sha256:cfg"}, "layers": []}'
    assert parse_manifest(raw) == (sha(raw), "sha256:cfg")


def test_a_manifest_list_has_no_single_config():
    raw = json.dumps({"schemaVersion": 2, "manifests": [{"digest": "sha256:amd64"}]}).encode()
    assert parse_manifest(raw)[1] is None


def test_a_release_is_read_from_its_manifest_and_its_image_config():
    config = json.dumps({"config": {"Labels": {"io.bbc.content": "abc"}}}).encode()
    manifest = json.dumps({"config": {"digest": sha(config)}}).encode()
    assert parse_release(manifest, config) == Release(sha(manifest), sha(config), "abc")
    unlabelled = json.dumps({"config": {}}).encode()
    assert parse_release(manifest, unlabelled).content is None


ENGINE = {
    "IndexConfigs": {
        "docker.io": {"Name": "docker.io", "Secure": True},
        "registry.lan:5000": {"Name": "registry.lan:5000", "Secure": False},
    },
    "InsecureRegistryCIDRs": ["127.0.0.0/8"],
}


def test_insecure_registries_follow_the_engine():
    assert is_insecure("127.0.0.1:5000", ENGINE)
    assert is_insecure("localhost:5000", ENGINE)
    assert is_insecure("registry.lan:5000", ENGINE)
    assert is_insecure("127.0.0.1:5000/team", ENGINE)
    assert not is_insecure("ghcr.io", ENGINE)
    assert not is_insecure("10.0.0.5:5000", ENGINE)
    assert not is_insecure("docker.io", ENGINE)


def test_tool_messages_lose_their_log_decoration():
    stderr = (
        'time="2026-11-28T18:04:46Z" level=fatal msg="Error listing repository tags: pinging '
        'container registry r:5000: Get \\"http://r:5000/v2/\\": connection refused"\n'
    )
    assert tool_message(stderr) == (
        "Error listing repository tags: pinging container registry r:5000: Get "
        '"http://r:5000/v2/": connection refused'
    )
    assert tool_message("plain failure\n") == "plain failure"


SKOPEO = 'time="2026-12-07T01:00:00Z" level=fatal msg="{}"'


@pytest.mark.parametrize(
    "stderr, outcome",
    [
        (
            SKOPEO.format("reading manifest 1.0.0 in 127.0.0.1:5000/x: manifest unknown"),
            Outcome.NOT_FOUND,
        ),
        (
            SKOPEO.format("fetching tags list: name unknown: repository name not known"),
            Outcome.NOT_FOUND,
        ),
        ("Error: received unexpected HTTP status: 404 Not Found", Outcome.NOT_FOUND),
        (  # skopeo 1.9's list-tags of a repository registry:2 does not have yet
            SKOPEO.format(
                "Error listing repository tags: fetching tags list: invalid status code from "
                "registry 404 (Not Found)"
            ),
            Outcome.NOT_FOUND,
        ),
        (
            SKOPEO.format(
                'pinging container registry 127.0.0.1:5999: Get \\"http://127.0.0.1:5999/v2/\\": '
                "dial tcp 127.0.0.1:5999: connect: connection refused"
            ),
            Outcome.UNREACHABLE,
        ),
        (SKOPEO.format('Get \\"http://127.0.0.1:5000/v2/\\": EOF'), Outcome.UNREACHABLE),
        # skopeo's --command-timeout, for a registry that accepts connections and never answers
        (
            SKOPEO.format(
                'pinging container registry 127.0.0.1:5799: Get \\"http://127.0.0.1:5799/v2/\\": '
                "context deadline exceeded"
            ),
            Outcome.UNREACHABLE,
        ),
        (SKOPEO.format("reading blob: unexpected EOF"), Outcome.UNREACHABLE),
        (
            SKOPEO.format(
                "reading manifest 1.0 in r.example/x: unauthorized: authentication required"
            ),
            Outcome.UNAUTHORIZED,
        ),
        ("denied: requested access to the resource is denied", Outcome.UNAUTHORIZED),
        (  # registry:2 reading a tag another client rewrites at that moment
            SKOPEO.format(
                "reading manifest 1.0.0 in 127.0.0.1:5000/x: received unexpected HTTP status: "
                "500 Internal Server Error"
            ),
            Outcome.SERVER_ERROR,
        ),
        (
            SKOPEO.format(
                "Error listing repository tags: fetching tags list: invalid status code from "
                "registry 503 (Service Unavailable)"
            ),
            Outcome.SERVER_ERROR,
        ),
        # A version or digest holding "404", or an "EOF" inside a word, decides nothing.
        (SKOPEO.format("reading manifest 1.404.0 in r/x: invalid reference"), Outcome.FAILED),
        (SKOPEO.format("digest sha256:ab404ef does not match: EOFS"), Outcome.FAILED),
    ],
)
def test_a_registry_answer_is_read_from_the_tools_own_words(stderr: str, outcome) -> None:
    answer = registry_answer(1, stderr)
    assert answer.outcome is outcome
    assert answer.message == tool_message(stderr)
    assert registry_answer(0, stderr).outcome is Outcome.FOUND


def test_each_problem_says_what_to_do() -> None:
    refused = registry_answer(1, "connection refused")
    assert refused.problem().startswith("the registry did not answer: connection refused. Check")
    login = registry_answer(1, "unauthorized: authentication required").problem("r.example")
    assert "the registry refused access" in login and "docker login r.example" in login
    assert registry_answer(1, "invalid reference format").problem() == "invalid reference format"
