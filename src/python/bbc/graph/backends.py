"""Whether Pants' own docker rules are registered beside the plugin's, and who did it."""

from __future__ import annotations

from typing import Iterable, Mapping

# Pants' docker backend's field sets, by goal: registered, they take BBC images too.
PANTS_DOCKER_FIELD_SETS = {
    "package": "DockerPackageFieldSet",
    "run": "DockerRunFieldSet",
    "publish": "PublishDockerImageFieldSet",
}
_DOCKER_BACKENDS = ("pants.backend.docker", "pants.backend.experimental.docker")


def foreign_docker_rules(
    registered: Mapping[str, Iterable[str]], backend_packages: Iterable[str]
) -> str | None:
    """What is wrong when Pants' docker field sets are among `registered` (goal -> the names of
    its field sets), naming the backends of `[GLOBAL].backend_packages` that may have done it."""
    goals = [
        goal for goal, name in PANTS_DOCKER_FIELD_SETS.items() if name in registered.get(goal, ())
    ]
    if not goals:
        return None
    culprits = [b for b in backend_packages if b.startswith(_DOCKER_BACKENDS)]
    named = ", ".join(culprits) if culprits else "a backend of [GLOBAL].backend_packages"
    return (
        f"Pants' own docker rules ({', '.join(goals)}) are registered beside the BBC plugin, by "
        f"{named}: they would build every BBC image a second time and push its tags around the "
        f"plugin's checks. Remove {named} from [GLOBAL].backend_packages in pants.toml (the BBC "
        f"plugin builds, runs and publishes docker_image targets without `version` with Pants' "
        f"own docker rules itself; for hadolint use the backend bbc.lint.hadolint instead of "
        f"pants.backend.docker.lint.hadolint)."
    )
