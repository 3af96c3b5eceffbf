"""Every option of the plugin: `[bbc]`, and `[container-tests]` (the test tool of images)."""

from __future__ import annotations

from enum import Enum

from pants.option.option_types import (
    BoolOption,
    EnumOption,
    IntOption,
    SkipOption,
    StrListOption,
    StrOption,
)
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap

# Debian's archive keys, on every Debian host (debian-archive-keyring).
_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


class SBOMSpecVersion(Enum):
    v1_5 = "1.5"
    v1_6 = "1.6"


class BBC(Subsystem):
    options_scope = "bbc"
    help = "Blessed Base Containers: versions, hierarchy and tests of `docker_image` targets."

    extra_ca_certs_dir = StrOption(
        default=None,
        help=softwrap(
            """
            A folder on the build host with extra CA certificates (`*.crt`, PEM) that every
            image must trust, such as a TLS-inspecting proxy's. `extra_ca_certificates` targets
            copy them into the root image's build context; an empty or missing folder adds none.
            """
        ),
    )
    builder = StrOption(
        default="auto",
        help=softwrap(
            """
            Which builder builds images. `auto`: BuildKit wherever a docker client on
            `[docker].executable_search_paths` can drive it (one with buildx, or a 20.10 client,
            whose BuildKit is built in), else Docker's classic builder, said in one line.
            `buildkit`: BuildKit or an error. `classic`: the classic builder (it knows no
            `RUN --mount` and no secrets).
            """
        ),
    )
    registry_cache = BoolOption(
        default=True,
        help=softwrap(
            """
            Use the registries as a build cache: before building an image that is not in the
            Docker engine, look for its content tag in its registries (`[docker.registries]`,
            in order) and pull it instead when one holds it with the same `io.bbc.content`
            label; one with another label is refused. Its children are built on the pulled
            bits. Off: images are built here.
            """
        ),
    )
    source_url = StrOption(
        default=None,
        help=softwrap(
            """
            The repository's web address, for every image's `org.opencontainers.image.source`
            label (and `.url`, `.documentation` beside it). Default: the git remote `origin`, as
            a web address (`git@github.com:acme/images.git` gives
            `https://github.com/acme/images`).
            """
        ),
    )
    publish_trigger = StrOption(
        default=None,
        help=softwrap(
            """
            A shell command `publish` runs once per image and registry it released (pushed
            `X.Y.Z` to), after the push: a CI webhook call, typically. Its environment:
            `BBC_IMAGE` (the target), `BBC_REPOSITORY` (registry/repository), `BBC_VERSION`,
            `BBC_DIGEST`, `BBC_PINNED` (`repository:X.Y.Z@digest`), `BBC_PREVIOUS` (the release
            before it in that registry, empty for a first one), `BBC_RECORD` (the publish record,
            JSON), plus `PATH`, `HOME` and the variables `publish_trigger_env` names. A failing
            command fails the run; the release stays.
            """
        ),
    )
    publish_trigger_env = StrListOption(
        default=[],
        help=softwrap(
            """
            Environment variables `publish_trigger` also gets (a CI token, say): `NAME` takes its
            value from ./pants's environment, `NAME=value` sets it.
            """
        ),
    )
    announce_existing = BoolOption(
        default=False,
        help=softwrap(
            """
            Run `publish_trigger` also for releases this run found already in the registry
            with the same content (to announce them again, after a trigger failed, say).
            """
        ),
    )
    sbom_spec_version = EnumOption(
        default=SBOMSpecVersion.v1_6,
        help=softwrap(
            """
            The CycloneDX version of the SBOMs written (`dist/bbc/sbom`, releases, registries).
            1.6 is read by current scanners (Trivy, Grype, Dependency-Track); `1.5` for an older
            one that rejects 1.6 documents. The same content either way.
            """
        ),
    )
    variant_tag_template = StrOption(
        default="{tag}-{variant}",
        help=softwrap(
            """
            Where an image variant's name goes in its tags: `{tag}-{variant}` (`1.4.2-cuda12`,
            `latest-cuda12`, the default) or `{variant}-{tag}` (`cuda12-1.4.2`,
            `cuda12-latest`, as families that publish flavours first spell them); `_` may join
            them instead of `-`. Content and test tags follow (`cuda12-1.4.2-<hash>`,
            `cuda12-1.4.2-test`). Changing it changes where new releases' variants are tagged;
            read releases are found with the current template.
            """
        ),
    )
    signing_key = StrOption(
        default="",
        help=softwrap(
            """
            The fingerprint of the GPG key that signs releases (40 hex digits). With it,
            `publish` signs every tag it pushes and every tag of a release it finds already
            there (the exact, moving and content tags: containers' simple signing, as Podman,
            CRI-O and `skopeo copy --policy` verify it) and writes the signatures to
            `signature_store`; `bbc-verify` checks them. The key is read from the build host's
            GnuPG keyring (`$GNUPGHOME`, else `~/.gnupg`) and written nowhere.
            """
        ),
    )
    builder_id = StrOption(
        default="urn:bbc:builder:pants",
        help=softwrap(
            """
            The builder named in every release's SLSA provenance (`runDetails.builder.id`): the
            platform that runs `publish`, as your policies expect it (a CI workflow's address,
            say). Provenance is written with `signing_key`.
            """
        ),
    )
    signature_store = StrOption(
        default="",
        help=softwrap(
            """
            The folder `publish` writes signatures to and `bbc-verify` reads them from (relative
            to the build root, or absolute): a lookaside store, laid out as containers/image
            reads it (`<repository path>@sha256=<digest>/signature-<n>`). Serve it over HTTP, or
            mount object storage there, and point your hosts' `registries.d` at it.
            """
        ),
    )
    debian_sources = StrListOption(
        default=[
            f"deb [signed-by={_KEYRING}] http://deb.debian.org/debian bookworm main",
            f"deb [signed-by={_KEYRING}] http://deb.debian.org/debian bookworm-updates main",
            f"deb [signed-by={_KEYRING}] http://deb.debian.org/debian-security bookworm-security main",
        ],
        help=softwrap(
            """
            The apt sources (one-line `deb ...` entries) that `./pants bbc-update` resolves the
            `debian_packages` locks from, with the host's apt in a private configuration. Builds
            never read them: they fetch the exact files the locks name.
            """
        ),
    )
    debian_pools = StrListOption(
        default=[
            "http://deb.debian.org/debian/pool/main",
            "http://deb.debian.org/debian-security/pool/updates/main",
        ],
        help=softwrap(
            """
            Where Debian's `.deb` files lie (an archive's `pool/main`), tried in order: `bbc-diff`
            reads the CVEs a package update fixes from the new version's changelog there.
            """
        ),
    )
    test_only_packages = StrListOption(
        default=["pytest"],
        help=softwrap(
            """
            Python distributions that may only be in test variants. For every image with a test
            variant, `./pants test` checks they are absent from the production image and present
            in the test variant.
            """
        ),
    )


class ContainerTestsSubsystem(Subsystem):
    options_scope = "container-tests"
    name = "container tests"
    help = (
        "The tests `./pants test` runs in and against BBC images (see the `contract_tests`, "
        "`contract_test_files` and `test_command` fields)."
    )
    skip = SkipOption("test")
    output_limit = IntOption(
        default=65536,
        help=(
            "The most characters of a check's output kept in reports and on screen; beyond it, "
            "its beginning and end are kept and the report says how much was cut."
        ),
    )
    resolve = StrOption(
        default=None,
        help=softwrap(
            """
            The Python resolve (`[python.resolves]`) that the pytest running contract test files
            on the host is built from; it must lock `pytest` and `docker` (the Docker SDK for
            Python). Default: `[python].default_resolve`.
            """
        ),
    )
    extra_requirements = StrListOption(
        default=[],
        help=softwrap(
            """
            More packages of `[container-tests].resolve` for contract test files: libraries
            they import (`tabulate`) or pytest plugins (`pytest-xdist`, loaded as pytest loads
            installed plugins). Project names, each locked by the resolve.
            """
        ),
    )
