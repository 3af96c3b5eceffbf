"""`./pants publish` with real Pants, real Docker and a real registry (Debian's docker-registry
on a loopback port), in a temporary repository:

    root 1.0.0 ── mid 1.0.0 ── leaf 1.0.0    leaf has a sandwich test variant
              └── side 1.0.0

The last tests sign root's release with throw-away GPG keys and check it with skopeo, as a
cluster's policy would.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo, Run
from bbc_integration.registry import Registry

ALL = ("root", "mid", "leaf", "side")
MOVING = {"1.0", "1", "latest"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory, registry: Registry) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd())
    repo.configure(registry.pants_toml, "\n[bbc]\ntest_only_packages = []\n")
    repo.add_root("root")
    repo.add_child("mid", "root", "RUN echo mid > /mid")
    repo.add_child(
        "leaf",
        "mid",
        "RUN echo leaf > /leaf",
        extra=', test_variant="sandwich", test_command="test -f /test-tools"',
    )
    repo.write(
        "img/leaf/Dockerfile.test", "ARG SOURCE_IMAGE\nFROM $SOURCE_IMAGE\nRUN touch /test-tools\n"
    )
    repo.add_child("side", "root", "RUN echo side > /side")
    repo.commit("Images to publish")
    # The test variant exists locally before the first publish: it must still not be pushed.
    tested = repo.pants("test", "img/leaf:leaf")
    assert tested.returncode == 0, tested.output
    repo.first_publish = repo.pants("publish", "::")  # type: ignore[attr-defined]
    yield repo
    repo.close()
    repo.remove_images(f"{registry.address}/{repo.prefix}")


def repository(repo: Repo, registry: Registry, name: str) -> str:
    return f"{registry.address}/{repo.prefix}/{name}"


def registry_state(repo: Repo, registry: Registry) -> dict[str, dict[str, str | None]]:
    return {name: registry.digests(f"{repo.prefix}/{name}") for name in ALL}


def pushed(run: Run) -> list[str]:
    """Refs the run pushed, in push order (from the plugin's process descriptions)."""
    refs: list[str] = []
    for repository, tags in re.findall(r"Completed: Pushing (\S+):(\S+)$", run.output, re.M):
        refs += [f"{repository}:{tag}" for tag in tags.split(",")]
    return refs


def record(repo: Repo, name: str) -> dict:
    return json.loads(repo.read(f"dist/bbc/published/{repo.prefix}/{name}.json"))


def test_publish_pushes_every_semver_tag_parents_first(repo: Repo, registry: Registry) -> None:
    first = repo.first_publish
    assert first.returncode == 0, first.output
    assert registry.catalog() == {f"{repo.prefix}/{name}" for name in ALL}
    for name in ALL:
        tags = registry.tags(f"{repo.prefix}/{name}")
        content = {t for t in tags if re.fullmatch(r"1\.0\.0-[0-9a-f]{12}", t)}
        digest = registry.digest(f"{repo.prefix}/{name}", "1.0.0") or ":"
        sbom = f"sha256-{digest.split(':')[1]}.sbom"  # the release's SBOM
        assert tags == {"1.0.0", *MOVING, *content, sbom} and len(content) == 1, (name, tags)
        assert f"✓ {repository(repo, registry, name)}:1.0.0 published to @it." in first.output
    order = pushed(first)
    position = {ref: i for i, ref in enumerate(order)}

    def at(name: str, tag: str) -> int:
        return position[f"{repository(repo, registry, name)}:{tag}"]

    for name in ALL:  # the exact version first, the moving tags only after it
        assert all(at(name, "1.0.0") < at(name, tag) for tag in MOVING)
    for child, parent in [("mid", "root"), ("leaf", "mid"), ("side", "root")]:
        assert at(parent, "latest") < at(child, "1.0.0")


def test_test_variants_are_never_pushed(repo: Repo, registry: Registry) -> None:
    assert repo.image_id("leaf", "1.0.0-test"), "the fixture built the test variant locally"
    assert not any("-test" in tag for tag in registry.tags(f"{repo.prefix}/leaf"))


def test_digests_are_recorded_and_children_label_their_parents_digest(
    repo: Repo, registry: Registry
) -> None:
    for name in ALL:
        entry = record(repo, name)["registries"][0]
        digest = registry.digest(f"{repo.prefix}/{name}", "1.0.0")
        assert entry["digest"] == digest
        assert entry["pinned"] == f"{repository(repo, registry, name)}@{digest}"
    for child, parent in [("mid", "root"), ("leaf", "mid"), ("side", "root")]:
        labels = repo.docker.images.get(repo.ref(child, "1.0.0")).labels
        assert (
            labels["org.opencontainers.image.base.digest"]
            == record(repo, parent)["registries"][0]["digest"]
        )
        assert (
            labels["org.opencontainers.image.base.name"]
            == f"{repository(repo, registry, parent)}:1.0.0"
        )
    assert (
        "org.opencontainers.image.base.digest"
        not in repo.docker.images.get(repo.ref("root", "1.0.0")).labels
    )


def test_a_second_publish_pushes_nothing(repo: Repo, registry: Registry) -> None:
    before = registry_state(repo, registry)
    again = repo.pants("publish", "::")
    assert again.returncode == 0, again.output
    assert pushed(again) == []
    for name in ALL:
        assert f"{repository(repo, registry, name)}:1.0.0 published to @it (already there" in (
            again.output
        )
    assert registry_state(repo, registry) == before


def test_package_after_publish_builds_nothing(repo: Repo) -> None:
    run = repo.pants("package", "::")
    assert run.returncode == 0, run.output
    assert run.built() == set(), run.output


def test_changed_content_under_a_released_version_is_refused(
    repo: Repo, registry: Registry
) -> None:
    before = registry_state(repo, registry)
    with repo.branch():
        repo.write("img/mid/Dockerfile", repo.read("img/mid/Dockerfile") + "RUN echo v2 > /v2\n")
        repo.commit("Change mid without a version bump")
        refused = repo.pants("publish", "::")
        assert refused.returncode != 0
        out = refused.output
        assert (
            f"{repository(repo, registry, 'mid')}:1.0.0 is already released with different" in out
        )
        assert "bump the version (./pants bbc-bump --level=patch img/mid:mid;" in out
        assert f"✕ {repository(repo, registry, 'mid')}:1.0.0 failed" in out
        assert "img/leaf:leaf was not published: its ancestor img/mid:mid failed" in out
        assert f"{repository(repo, registry, 'side')}:1.0.0 published to @it (already" in out
        assert registry_state(repo, registry) == before

        bumped = repo.pants("bbc-bump", "--level=minor", "--descendants", "img/mid:mid")
        assert bumped.returncode == 0, bumped.output
        repo.commit("Bump mid (1.1.0) and its descendant leaf (1.0.1)")
        released = repo.pants("publish", "::")
        assert released.returncode == 0, released.output
        for name, version in [("mid", "1.1.0"), ("leaf", "1.0.1")]:
            repo_name = f"{repo.prefix}/{name}"
            assert {"1.0.0", version} <= registry.tags(repo_name)
            assert registry.digest(repo_name, "1.0.0") == before[name]["1.0.0"]
            new = registry.digest(repo_name, version)
            assert new != before[name]["1.0.0"]
            assert registry.digest(repo_name, "1") == registry.digest(repo_name, "latest") == new
        assert registry.digest(f"{repo.prefix}/mid", "1.0") == before["mid"]["1.0.0"]
        for name in ("root", "side"):
            assert registry.digests(f"{repo.prefix}/{name}") == before[name]

    # Main still says mid 1.0.0 and leaf 1.0.0: publishing it again changes no release and
    # moves no tag back from the newer ones.
    after = registry_state(repo, registry)
    again = repo.pants("publish", "::")
    assert again.returncode == 0, again.output
    assert pushed(again) == []
    assert f"{repository(repo, registry, 'leaf')}:latest skipped (a newer release" in again.output
    assert registry_state(repo, registry) == after


def test_changed_since_publishes_only_the_changed_subtree(repo: Repo, registry: Registry) -> None:
    before = registry_state(repo, registry)
    with repo.branch():
        repo.write("img/side/Dockerfile", repo.read("img/side/Dockerfile") + "RUN echo 2 > /2\n")
        repo.write("img/side/BUILD", repo.read("img/side/BUILD").replace('"1.0.0"', '"1.0.1"'))
        repo.commit("Change side")
        run = repo.pants("--changed-since=main", "publish")
        assert run.returncode == 0, run.output
        side = repository(repo, registry, "side")
        assert set(pushed(run)) == {f"{side}:{t}" for t in ("1.0.1", "1.0", "1", "latest")} | {
            ref for ref in pushed(run) if ref.startswith(f"{side}:1.0.1-")
        }
        assert registry.tags(f"{repo.prefix}/side") >= {"1.0.0", "1.0.1"}
        for name in ("root", "mid", "leaf"):
            assert registry.digests(f"{repo.prefix}/{name}") == before[name]
            assert repository(repo, registry, name) not in "".join(
                line for line in run.output.splitlines() if "published" in line
            )
    assert repo.pants("package", "::").returncode == 0


def test_a_clean_machine_republishing_the_same_sources_is_a_no_op(
    repo: Repo, registry: Registry
) -> None:
    """Another machine builds the same sources into different bits (timestamps): the release
    is recognised by its content tag, and the registry's bits are adopted, not overwritten."""
    before = registry_state(repo, registry)
    repo.remove_images(repo.prefix)
    repo.remove_images(f"{registry.address}/{repo.prefix}")
    # BuildKit's cache outlives the images and would give back the very same bits: the other
    # machine's builder (classic here) makes different ones from the same sources.
    run = repo.pants("publish", "::", env={"PANTS_BBC_BUILDER": "classic"})
    assert run.returncode == 0, run.output
    assert pushed(run) == []
    assert registry_state(repo, registry) == before
    assert "Pulling" in run.output
    # The local images are now the released ones, so children are built on what they label.
    for name in ALL:
        image = repo.docker.images.get(repo.ref(name, "1.0.0"))
        assert (
            f"{repository(repo, registry, name)}@{before[name]['1.0.0']}"
            in image.attrs["RepoDigests"]
        )


def test_registries_can_be_overridden_per_environment(repo: Repo) -> None:
    run = repo.pants("publish", "img/root:root", env={"PANTS_DOCKER_REGISTRIES": "{}"})
    assert run.returncode == 0, run.output
    assert f"{repo.prefix}/root:1.0.0 skipped (no registry: add one to pants.toml" in run.output


def test_a_registry_that_does_not_answer_is_named_with_the_fix(repo: Repo) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    registries = f"{{'it': {{'address': '{closed}', 'default': True}}}}"
    run = repo.pants("publish", "img/root:root", env={"PANTS_DOCKER_REGISTRIES": registries})
    assert run.returncode != 0
    assert f"img/root:root in @it ({closed}): the registry did not answer" in run.output
    assert "Check its address in [docker.registries]" in run.output
    assert "Traceback" not in run.output


@dataclass(frozen=True)
class Keys:
    home: Path  # GNUPGHOME
    release: str  # the organisation's key
    other: str  # a key nobody trusts
    store: Path  # the lookaside store
    certifying: str  # a key whose primary key only certifies: it signs with a subkey

    def env(self, key: str | None = None) -> dict[str, str]:
        return {
            "GNUPGHOME": str(self.home),
            "PANTS_BBC_SIGNING_KEY": key or self.release,
            "PANTS_BBC_SIGNATURE_STORE": str(self.store),
        }


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {"GNUPGHOME": str(home), "PATH": os.environ["PATH"]}
    for name in ("release", "other"):
        subprocess.run(
            ["gpg", "--batch", "--passphrase", "", "--quick-gen-key"]
            + [f"BBC {name} <{name}@example.com>", "ed25519", "sign", "never"],
            env=env,
            check=True,
            capture_output=True,
        )
    gpg = ["gpg", "--batch", "--passphrase", ""]
    subprocess.run(
        [*gpg, "--quick-gen-key", "BBC certify <c@example.com>", "ed25519", "cert", "never"],
        env=env,
        check=True,
        capture_output=True,
    )
    listed = subprocess.run(
        ["gpg", "--with-colons", "--list-secret-keys"], env=env, check=True, capture_output=True
    ).stdout.decode()
    fingerprints = [line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr:")]
    subprocess.run(
        [*gpg, "--quick-add-key", fingerprints[2], "ed25519", "sign", "never"],
        env=env,
        check=True,
        capture_output=True,
    )
    store = tmp_path_factory.mktemp("signatures")
    yield Keys(home, fingerprints[0], fingerprints[1], store, fingerprints[2])
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=True)


def skopeo_refusal(keys: Keys, registry: Registry, ref: str, key: str, tmp: Path) -> str | None:
    """Pull `ref` as a host whose policy requires `key`'s signature (the docs' policy.json and
    registries.d): None when accepted, else skopeo's refusal."""
    env = {"GNUPGHOME": str(keys.home), "PATH": os.environ["PATH"]}
    public = subprocess.run(
        ["gpg", "--armor", "--export", key], env=env, check=True, capture_output=True
    ).stdout
    (tmp / "key.asc").write_bytes(public)
    requirement = {"type": "signedBy", "keyType": "GPGKeys", "keyPath": str(tmp / "key.asc")}
    policy = {"default": [{"type": "reject"}]}
    policy["transports"] = {"docker": {registry.address: [requirement]}}  # type: ignore
    (tmp / "policy.json").write_text(json.dumps(policy))
    (tmp / "registries.d").mkdir(exist_ok=True)
    (tmp / "registries.d/bbc.yaml").write_text(
        f"docker:\n  {registry.address}:\n    lookaside: file://{keys.store}\n"
    )
    pulled = subprocess.run(
        ["skopeo", "copy", "--src-tls-verify=false", "--policy", str(tmp / "policy.json")]
        + ["--registries.d", str(tmp / "registries.d"), f"docker://{ref}", f"dir:{tmp / 'out'}"],
        capture_output=True,
        text=True,
    )
    return None if pulled.returncode == 0 else pulled.stderr


SLSA, CYCLONEDX = "https://slsa.dev/provenance/v1", "https://cyclonedx.org/bom"


def gpg_verified_statements(keys: Keys, copy: Path) -> dict[str, dict]:
    """The in-toto statements in skopeo's `dir:` copy of an attestations artifact, by predicate
    type, each checked as any DSSE verifier would: gpg verifies its signature over the PAE."""
    manifest = json.loads((copy / "manifest.json").read_text())
    found = {}
    for layer in manifest["layers"]:
        assert layer["mediaType"] == "application/vnd.dsse.envelope.v1+json"
        envelope = json.loads((copy / layer["digest"].split(":")[1]).read_bytes())
        payload = base64.b64decode(envelope["payload"])
        kind = envelope["payloadType"].encode()
        pae = b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)
        (copy / "pae").write_bytes(pae)
        [signature] = envelope["signatures"]
        (copy / "sig").write_bytes(base64.b64decode(signature["sig"]))
        subprocess.run(
            ["gpg", "--batch", "--verify", str(copy / "sig"), str(copy / "pae")],
            env={"GNUPGHOME": str(keys.home), "PATH": os.environ["PATH"]},
            check=True,
            capture_output=True,
        )
        statement = json.loads(payload)
        assert statement["predicateType"] == layer["annotations"]["predicateType"]
        found[statement["predicateType"]] = statement
    return found


def root_tags(repo: Repo, registry: Registry) -> list[str]:
    """The tags of root's newest release."""
    digests = registry.digests(f"{repo.prefix}/root")
    newest = digests["latest"]
    return sorted(t for t, d in digests.items() if d == newest)


def newest_root(repo: Repo, registry: Registry) -> str:
    versions = [
        t for t in registry.tags(f"{repo.prefix}/root") if re.fullmatch(r"\d+\.\d+\.\d+", t)
    ]
    return max(versions, key=lambda v: tuple(int(n) for n in v.split(".")))


def signatures(keys: Keys) -> list[Path]:
    return sorted(keys.store.rglob("signature-*"))


def test_a_release_published_before_signing_is_refused_then_signed_with_bbc_sign(
    repo: Repo, registry: Registry, keys: Keys, tmp_path: Path
) -> None:
    tags = root_tags(repo, registry)
    assert {"latest", "1"} <= set(tags) and len(tags) >= 4, tags  # X.Y.Z, moving, content
    root = repository(repo, registry, "root")
    verified = repo.pants("bbc-verify", "img/root:root", env=keys.env())
    assert verified.returncode == 1, verified.output
    for tag in tags:
        assert f"✕ {root}:{tag} (sha256:" in verified.output
    assert f"no signature by {keys.release} for this tag and manifest in {keys.store}" in (
        verified.output
    )
    assert re.search(
        rf"✕ {re.escape(root)}@sha256:\w+, the release [\d.]+: no attestations \(", verified.output
    )
    assert "A signature was required, but no signature exists" in (
        skopeo_refusal(keys, registry, f"{root}:latest", keys.release, tmp_path) or ""
    )

    # bbc-sign signs every tag, and attests the release (its sources are these).
    signed = repo.pants("bbc-sign", "img/root:root", env=keys.env())
    assert signed.returncode == 0, signed.output
    version = newest_root(repo, registry)
    digest = registry.digest(f"{repo.prefix}/root", version)
    attestations = f"{root}:{digest.replace(':', '-')}.att"
    said = re.search(r"img/root:root in @it: signed (.+)", signed.output)
    assert said and set(said.group(1).split(", ")) == {*tags, attestations.split(":")[-1]}
    assert len(signatures(keys)) == len(tags) + 1  # one per tag, and the attestations'
    for tag in tags:
        assert skopeo_refusal(keys, registry, f"{root}:{tag}", keys.release, tmp_path) is None
    verified = repo.pants("bbc-verify", "img/root:root", env=keys.env())
    assert verified.returncode == 0, verified.output
    for tag in tags:
        assert f"✓ {root}:{tag} (sha256:" in verified.output
    revision = repo.git("log", "-1", "--format=%H", "--", "img/root").strip()
    assert (
        f"✓ {root}@{digest}, the release {version}: its provenance (built from {revision}) and "
        f"SBOM are attested by {keys.release}"
    ) in verified.output
    assert skopeo_refusal(keys, registry, attestations, keys.release, tmp_path) is None
    statements = gpg_verified_statements(keys, tmp_path / "out")
    provenance, sbom = (statements[t] for t in (SLSA, CYCLONEDX))
    for statement in (provenance, sbom):
        assert statement["subject"] == [{"name": root, "digest": {"sha256": digest[7:]}}]
    assert provenance["predicate"]["runDetails"]["builder"]["id"] == "urn:bbc:builder:pants"
    dependencies = provenance["predicate"]["buildDefinition"]["resolvedDependencies"]
    assert {"uri": "git", "digest": {"gitCommit": revision}} in dependencies
    assert "img/root/Dockerfile" in {d.get("name") for d in dependencies}
    assert sbom["predicate"]["bomFormat"] == "CycloneDX"
    again = repo.pants("publish", "img/root:root", env=keys.env())
    assert again.returncode == 0, again.output
    assert len(signatures(keys)) == len(tags) + 1  # nothing signed or attested twice

    # A host's view of one reference, without the repository's targets.
    side = repository(repo, registry, "side")
    refs = f"['{root}:latest', '{side}:latest']"
    checked = repo.pants("bbc-verify", f"--bbc-verify-refs={refs}", env=keys.env())
    assert checked.returncode == 1, checked.output
    assert f"✓ {root}:latest (sha256:" in checked.output
    assert f"✕ {side}:latest (sha256:" in checked.output and ", as given: no signature by" in (
        checked.output
    )


def test_the_store_is_read_as_hosts_read_it_and_a_key_that_cannot_sign_pushes_nothing(
    repo: Repo, registry: Registry, keys: Keys, tmp_path: Path
) -> None:
    root = repository(repo, registry, "root")
    version = newest_root(repo, registry)
    digest = registry.digests(f"{repo.prefix}/root")[version]
    folder = keys.store / repo.prefix / f"root@{digest.replace(':', '=')}"
    count = len(list(folder.glob("signature-*")))

    # Hosts read signature-1, -2, ... up to the first gap: after one, nothing is signed.
    (folder / "signature-1").rename(folder / "signature-90")
    verified = repo.pants("bbc-verify", "img/root:root", env=keys.env())
    assert verified.returncode == 1 and f"✕ {root}:{version} (" in verified.output
    assert skopeo_refusal(keys, registry, f"{root}:{version}", keys.release, tmp_path)
    signed = repo.pants("bbc-sign", "img/root:root", env=keys.env())
    assert signed.returncode == 0, signed.output
    assert (folder / "signature-1").is_file()
    assert repo.pants("bbc-verify", "img/root:root", env=keys.env()).returncode == 0

    # A file that is no signature makes hosts refuse the manifest: named, never signed over.
    # Here: a good signature in ASCII armour (gpg reads it; hosts do not).
    garbage = folder / f"signature-{count + 1}"
    armoured = subprocess.run(
        ["gpg", "--enarmor"],
        input=(folder / "signature-1").read_bytes(),
        env={"GNUPGHOME": str(keys.home), "PATH": os.environ["PATH"]},
        check=True,
        capture_output=True,
    )
    garbage.write_bytes(armoured.stdout)
    verified = repo.pants("bbc-verify", "img/root:root", env=keys.env())
    assert verified.returncode == 1
    assert f"{garbage} is not a signature, and hosts refuse every tag" in verified.output
    assert skopeo_refusal(keys, registry, f"{root}:{version}", keys.release, tmp_path)
    signed = repo.pants("bbc-sign", "img/root:root", env=keys.env())
    assert signed.returncode == 1 and f"{garbage} is not a signature" in signed.output
    garbage.unlink()

    unknown = "0" * 40
    published = repo.pants("publish", "img/root:root", env=keys.env(unknown))
    assert published.returncode == 1
    assert f"not published: the keyring {keys.home} holds no secret key {unknown}" in (
        published.output
    )
    assert "Pushing" not in published.output
    published = repo.pants("publish", "img/root:root", env=keys.env(keys.certifying))
    assert published.returncode == 1
    assert f"the key {keys.certifying} signs with its subkey" in published.output
    assert "Pushing" not in published.output
    signed = repo.pants("bbc-sign", "img/root:root", env=keys.env(keys.certifying))
    assert signed.returncode == 1
    assert f"bbc-sign: nothing signed: the key {keys.certifying} signs with its subkey" in (
        signed.output
    )

    # A signed release's provenance names a commit: uncommitted files are refused, unpushed.
    repo.write("img/root/Dockerfile", repo.read("img/root/Dockerfile") + "RUN true\n")
    published = repo.pants("publish", "img/root:root", env=keys.env())
    repo.reset()
    assert published.returncode == 1
    assert "its files have changes that are not committed (img/root/Dockerfile)" in " ".join(
        published.output.split()
    )
    assert "Pushing" not in published.output

    nowhere = repo.pants(
        "bbc-verify", "img/root:root", env={**keys.env(), "PANTS_DOCKER_REGISTRIES": "{}"}
    )
    assert nowhere.returncode == 1
    assert "bbc-verify: no registry for img/root:root (see [docker.registries])" in (nowhere.output)


def test_a_moved_tag_and_another_key_are_refused_by_skopeo_and_by_bbc_verify(
    repo: Repo, registry: Registry, keys: Keys, tmp_path: Path
) -> None:
    root, side = (repository(repo, registry, n) for n in ("root", "side"))
    version = next(t for t in root_tags(repo, registry) if re.fullmatch(r"\d+\.\d+\.\d+", t))
    subprocess.run(
        ["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false"]
        + [f"docker://{side}:latest", f"docker://{root}:latest"],
        check=True,
        capture_output=True,
    )
    verified = repo.pants("bbc-verify", "img/root:root", env=keys.env())
    assert verified.returncode == 1, verified.output
    assert re.search(
        rf"✕ {re.escape(root)}:latest \(sha256:\w+\), a moving tag: no signature", verified.output
    )
    assert f"✓ {root}:{version} (sha256:" in verified.output
    assert "no signature exists" in (
        skopeo_refusal(keys, registry, f"{root}:latest", keys.release, tmp_path) or ""
    )

    # Another release's attestations under this release's tag.
    assert repo.pants("publish", "img/side:side", env=keys.env()).returncode == 0
    theirs = record(repo, "side")["registries"][0]["digest"]
    ours = registry.digest(f"{repo.prefix}/root", version)
    attestations = f"{root}:{ours.replace(':', '-')}.att"
    copied = subprocess.run(
        ["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false"]
        + [f"docker://{side}:{theirs.replace(':', '-')}.att", f"docker://{attestations}"],
        capture_output=True,
        text=True,
    )
    assert copied.returncode == 0, copied.stderr
    verified = repo.pants("bbc-verify", "img/root:root", env=keys.env())
    assert verified.returncode == 1, verified.output
    assert (
        f"✕ {root}@{ours}, the release {version}: its provenance is about {theirs}, not this "
        f"release; its SBOM attestation is about {theirs}, not this release."
    ) in verified.output
    assert skopeo_refusal(keys, registry, attestations, keys.release, tmp_path)

    verified = repo.pants("bbc-verify", "img/root:root", env=keys.env(keys.other))
    assert verified.returncode == 1, verified.output
    assert f"✕ {root}:{version} (sha256:" in verified.output
    assert f"no signature by {keys.other}" in verified.output
    refusal = skopeo_refusal(keys, registry, f"{root}:{version}", keys.other, tmp_path)
    assert refusal is not None and "Source image rejected" in refusal, refusal


def test_with_a_key_the_registry_cache_pulls_only_what_that_key_signed(
    repo: Repo, registry: Registry, keys: Keys
) -> None:
    def package_on_a_clean_machine(key: str) -> Run:
        for image in repo.docker.images.list(filters={"reference": f"{repo.prefix}/root"}):
            for tag in image.tags:
                repo.docker.images.remove(tag, force=True)
        return repo.pants("package", "img/root:root", env=keys.env(key))

    signed = package_on_a_clean_machine(keys.release)
    assert signed.returncode == 0, signed.output
    assert "Pulling" in signed.output
    unsigned = package_on_a_clean_machine(keys.other)
    assert unsigned.returncode == 0, unsigned.output
    assert "Pulling" not in unsigned.output
    assert re.search(
        rf"img/root:root: the registry @it holds {re.escape(repository(repo, registry, 'root'))}"
        rf":[\w.-]+ \(sha256:\w+\), but it has no signature by {keys.other} in "
        rf"{re.escape(str(keys.store))}: not used, built here.",
        unsigned.output,
    ), unsigned.output


def test_downstream_with_require_signed_moves_only_to_signed_releases(
    repo: Repo, registry: Registry, keys: Keys, tmp_path: Path
) -> None:
    root = repository(repo, registry, "root")
    old = newest_root(repo, registry)
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(f"FROM {root}:{old}\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"]):
        subprocess.run(["git", "-C", str(app), *args], check=True)
    subprocess.run(
        ["git", "-C", str(app), "-c", "user.name=App", "-c", "user.email=app@example.com"]
        + ["commit", "-q", "-m", "The app"],
        check=True,
    )
    bumped = repo.pants("bbc-bump", "--level=patch", "img/root:root")
    assert bumped.returncode == 0, bumped.output
    repo.write("img/root/Dockerfile", repo.read("img/root/Dockerfile") + "RUN echo newer\n")
    repo.commit("root: a newer release, published without a key")
    published = repo.pants("publish", "img/root:root")
    assert published.returncode == 0, published.output
    new = newest_root(repo, registry)
    assert new != old
    downstream = ["bbc-downstream", "--dry-run", "--require-signed", "img/root:root"]
    env = {**keys.env(), "PANTS_BBC_DOWNSTREAM_REPOSITORIES": f"['{app}']"}

    held = repo.pants(*downstream, env=env)
    assert held.returncode == 0, held.output
    assert f"{root}: {new} not signed by {keys.release}: no reference moves to them" in held.output
    assert f"{app}: up to date" in held.output

    signed = repo.pants("publish", "img/root:root", env=keys.env())
    assert signed.returncode == 0, signed.output
    moved = repo.pants(*downstream, env=env)
    assert moved.returncode == 0, moved.output
    assert f"{root}:{old} -> {root}:{new}" in moved.output
