import hashlib
import json

from bbc.core.publish_plan import Release
from bbc.core.registry_data import is_insecure, parse_manifest, parse_release, tool_message


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
