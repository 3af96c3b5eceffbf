"""Pants' docker backend must not be registered beside the plugin: a backend such as
`pants.backend.docker.lint.hadolint` registers it, and its field sets would take BBC images too
(Pants would build them a second time and push their tags around the plugin's checks).
`BackendCheck` stops every goal that builds images then, naming the backend that did it."""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.package import PackageFieldSet
from pants.core.goals.publish import PublishFieldSet
from pants.core.goals.run import RunFieldSet
from pants.engine.rules import collect_rules, rule
from pants.engine.unions import UnionMembership
from pants.option.global_options import GlobalOptions

from bbc.graph.backends import foreign_docker_rules


class ForeignDockerRules(Exception):
    pass


@dataclass(frozen=True)
class BackendCheck:
    """Pants' docker backend is not registered beside the plugin (else the rule raises)."""


@rule
def backend_check(union_membership: UnionMembership, options: GlobalOptions) -> BackendCheck:
    registered = {
        goal: [member.__name__ for member in union_membership.get(union)]
        for goal, union in (
            ("package", PackageFieldSet),
            ("run", RunFieldSet),
            ("publish", PublishFieldSet),
        )
    }
    problem = foreign_docker_rules(registered, options.backend_packages)
    if problem:
        raise ForeignDockerRules(problem)
    return BackendCheck()


def rules():
    return collect_rules()
