"""hadolint for every `docker_image`'s Dockerfile, beside the BBC plugin: Pants' hadolint rules
without Pants' docker backend, which `pants.backend.docker.lint.hadolint` would register beside
the plugin's (see graph/backend_check.py). Use it with `bbc` in `[GLOBAL].backend_packages`."""

from pants.backend.docker.lint.hadolint import skip_field
from pants.backend.docker.lint.hadolint.rules import rules as hadolint_rules


def rules():
    return [*hadolint_rules(), *skip_field.rules()]
