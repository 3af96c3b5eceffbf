"""Fields the plugin adds to `docker_image` (version, parent range, tests), and its own targets.

A `docker_image` with a `version` is a BBC image, managed by the plugin; one without is left to
Pants' own docker rules (graph/vanilla.py), so a repository can adopt the plugin image by image.
"""

from __future__ import annotations

from typing import Sequence

from pants.base.glob_match_error_behavior import GlobMatchErrorBehavior
from pants.core.goals.test import TestTimeoutField
from pants.core.target_types import FileSourceField
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AsyncFieldMixin,
    DictStringToStringField,
    DictStringToStringSequenceField,
    MultipleSourcesField,
    SecondaryOwnerMixin,
    SingleSourceField,
    StringField,
    StringSequenceField,
    Target,
    TriBoolField,
)
from pants.source.filespec import Filespec
from pants.util.strutil import help_text

from bbc.container_tests.contract_files import repository_globs


class ImageVersionField(StringField):
    alias = "version"
    help = help_text(
        """
        The semantic version of this image, MAJOR.MINOR.PATCH with an optional -PRERELEASE.

        It gives the image its tags, exact first: X.Y.Z, X.Y, X and latest (a prerelease gets
        only its exact tag), plus an immutable content tag X.Y.Z-<hash of the build inputs>.
        Bump it with `./pants bbc-bump --level=patch|minor|major <target>`. A malformed
        version stops this image (and its descendants) with a message, not the others.

        Setting it is what makes a `docker_image` a BBC image, managed by the plugin. A
        `docker_image` without `version` is built, tagged (`image_tags`), run and published by
        Pants' own docker rules, as in a repository without the plugin.
        """
    )


def is_bbc_image(target: Target) -> bool:
    """Whether the plugin manages this target: a `docker_image` with a `version`."""
    return target.has_field(ImageVersionField) and target[ImageVersionField].value is not None


class BBCImagesOnly:
    """A field set of the plugin's (listed first among its bases): BBC images only."""

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return not is_bbc_image(tgt)


class OtherImagesOnly:
    """A field set for Pants' own docker rules (listed first among its bases): every
    `docker_image` but BBC images."""

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return is_bbc_image(tgt)


class ParentVersionsField(StringField):
    alias = "parent_versions"
    help = help_text(
        """
        The versions of the parent image (the one named by `ARG SOURCE_IMAGE` in the Dockerfile)
        that this image accepts, in npm's range syntax: '^1.2' (>=1.2.0 <2.0.0), '~1.2.3'
        (>=1.2.3 <1.3.0), '1.x', or comparisons such as '>=1.2.0 <2'. Required for every image
        that has a parent; building fails when the parent's version is outside the range.
        """
    )


class VariantsField(DictStringToStringSequenceField):
    alias = "variants"
    help = help_text(
        """
        Variants of this image, built from the same Dockerfile with other build arguments, as
        `{"name": ["ARG=value", ...]}`, e.g. `{"cuda12": ["ACCEL=cuda12"]}`.

        Each variant shares the image's version, parent, contract tests and target: `package`,
        `test` and `publish` of the image build, test and release every variant together, and
        `bbc-tree` draws them as one node. A variant's tags carry its name: X.Y.Z-cuda12,
        X.Y-cuda12, X-cuda12, latest-cuda12 and its own content tag X.Y.Z-cuda12-<hash>.
        Names are lower-case letters and digits, starting with a letter. Every argument must be
        declared by an ARG of the Dockerfile, and may not be the ARG naming the parent.
        """
    )


class ParentVariantField(StringField):
    alias = "parent_variant"
    help = help_text(
        """
        Which variant of the parent image (one of its `variants`) this image is built on.
        Without it, the image is built on the parent itself.
        """
    )


class ContractTestsField(DictStringToStringField):
    alias = "contract_tests"
    help = help_text(
        """
        Promises this image makes to everything built on it, as `{"name": "shell command"}`.

        `./pants test` runs each command inside the production image of this image and of every
        descendant, as the image's own user; a non-zero exit fails the test. This is how an
        application image is kept from silently breaking what its bases promise.
        """
    )


class ContractTestFilesField(StringSequenceField, AsyncFieldMixin, SecondaryOwnerMixin):
    alias = "contract_test_files"
    default = ()
    help = help_text(
        """
        Promises this image makes to everything built on it, as pytest files run on the host
        against a running container: globs relative to the BUILD file, e.g.
        `["contract/test_*.py"]` (`!` excludes). Files named like `test_*.py` are collected;
        others (conftest.py, helpers, data) are put beside them.

        `./pants test` runs them once for the production image of this image and once for each
        descendant's, within the image's `timeout`. The `bbc_contract` pytest plugin gives each
        test the image under test (`image`) and containers of it (`containers`). The files are
        not in the image: they do not change its content tag, but changing one tests this image
        and its descendants again (and `--changed-since` selects them).
        """
    )

    @property
    def filespec(self) -> Filespec:
        includes, excludes = repository_globs(self.address.spec_path, self.value or ())
        return {"includes": includes, "excludes": excludes}


class TestVariantField(StringField):
    alias = "test_variant"
    valid_choices = ("sandwich", "build-arg")
    help = help_text(
        """
        How to build this image's test variant, in which `test_command` runs.

        `sandwich`: the `test_dockerfile` (test tools only) is built FROM this image's parent,
        then this image's Dockerfile is built FROM that layer. `build-arg`: this image's
        Dockerfile is built with `test_build_args` added. The variant is tagged X.Y.Z-test,
        never pushed, and never the parent of another image.
        """
    )


class TestCommandField(StringField):
    alias = "test_command"
    help = help_text(
        """
        The shell command that runs this image's own tests inside its test variant. JUnit XML
        written to $BBC_REPORTS_DIR is copied out (see `[test].report`).
        """
    )


class TestDockerfileField(StringField):
    alias = "test_dockerfile"
    default = "Dockerfile.test"
    help = "The sandwich layer's Dockerfile, relative to the BUILD file."


class TestBuildArgsField(StringSequenceField):
    alias = "test_build_args"
    default = ()
    help = "Build arguments (`NAME=value`) that turn the Dockerfile into its test variant."


class ContainerTestsTimeoutField(TestTimeoutField):
    help = help_text(
        """
        A time limit, in seconds, for each container test of this image (every contract test,
        the test-only package check and `test_command` each get it). Without it,
        `[test].timeout_default` applies, capped by `[test].timeout_maximum`. A check that runs
        longer is stopped, its container removed, and reported as timed out.
        """
    )


class TestOnlyPackagesCheckField(TriBoolField):
    alias = "check_test_only_packages"
    help = help_text(
        """
        Whether `./pants test` checks that `[bbc].test_only_packages` (pytest) are absent from
        this image and present in its test variant. Unset: checked where the image has `python`
        to list its distributions with, and reported as skipped where it has none. True: checked
        (an image without `python` fails it). False: not checked.
        """
    )


PLUGIN_FIELDS = (
    ImageVersionField,
    ParentVersionsField,
    VariantsField,
    ParentVariantField,
    ContractTestsField,
    ContractTestFilesField,
    TestVariantField,
    TestCommandField,
    TestDockerfileField,
    TestBuildArgsField,
    ContainerTestsTimeoutField,
    TestOnlyPackagesCheckField,
)


class ExtraCACertificatesSourcesField(MultipleSourcesField):
    alias = "_sources"
    default = ()
    help = "Nothing to set: the certificates come from `[bbc].extra_ca_certs_dir`."


class ExtraCACertificatesTarget(Target):
    alias = "extra_ca_certificates"
    core_fields = (*COMMON_TARGET_FIELDS, ExtraCACertificatesSourcesField)
    help = help_text(
        """
        The build host's extra CA certificates (`*.crt` in `[bbc].extra_ca_certs_dir`), as files
        in `<this directory>/<target name>/` of the build context of the images depending on it,
        with a README. Install them with `update-ca-certificates`.
        """
    )


class BuildConfigSourceField(SingleSourceField):
    alias = "source"
    required = True


class BuildConfigTarget(Target):
    alias = "_bbc_build_config"
    core_fields = (*COMMON_TARGET_FIELDS, BuildConfigSourceField)
    help = "Pants' configuration file, as consumed by images (made by the BBC plugin)."


class DebianLockfileField(FileSourceField):
    alias = "lockfile"
    required = True
    expected_file_extensions = (".lock",)
    help = help_text(
        """
        The lock of these packages, relative to the BUILD file: every `.deb` they install with
        its version, sha256 and URL, the whole dependency closure. `./pants bbc-update --apply`
        writes it; images install exactly what it names (3rdparty/debian/fetch-debs.sh).
        Until it is first written it may be missing: bbc-update reads that as an empty lock.
        """
    )
    default_glob_match_error_behavior = GlobMatchErrorBehavior.ignore

    def validate_resolved_files(self, files: Sequence[str]) -> None:
        if files:
            super().validate_resolved_files(files)


class DebianPackagesField(StringSequenceField):
    alias = "packages"
    default = ()
    help = "The Debian packages to install (their dependencies come with them), e.g. ['python3']."


class DebianVariantField(StringField):
    alias = "variant"
    valid_choices = ("minbase",)
    help = help_text(
        """
        `minbase`: a root filesystem's own set comes first, as `mmdebstrap --variant=minbase`
        selects it (Essential, then Priority: required), then `packages`. Leave it out for the
        packages an image installs on top of its parent (`base`).
        """
    )


class DebianBaseField(StringField):
    alias = "base"
    help = help_text(
        """
        The address of the `debian_packages` target that the parent image installs: this lock
        holds only what comes on top of it (resolved as apt would, with those installed).
        """
    )


class DebianPackagesTarget(Target):
    alias = "debian_packages"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        DebianLockfileField,
        DebianPackagesField,
        DebianVariantField,
        DebianBaseField,
    )
    help = help_text(
        """
        Debian packages that an image installs, locked from `[bbc].debian_sources`. An image
        (or the shell_command that builds its root filesystem) depends on it; its lockfile is
        then part of the image's content, so a package update changes exactly those images.
        """
    )
