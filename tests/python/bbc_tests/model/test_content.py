import json

import pytest

from bbc.model.content import (
    Inputs,
    content_hash,
    lock_subset,
    pep503_name,
    requirement_name,
    resolved_build_args,
    stable_digest,
)


def lock(*entries):
    body = {
        "locked_resolves": [
            {
                "locked_requirements": [
                    {
                        "project_name": name,
                        "version": version,
                        "requires_dists": list(requires),
                        "artifacts": [{"algorithm": "sha256", "hash": f"{name}-{version}"}],
                    }
                    for name, version, requires in entries
                ]
            }
        ]
    }
    return '// a Pants lockfile header\n// {"version": 3}\n' + json.dumps(body)


LOCK = lock(
    (
        "Flask",
        "3.0.3",
        ["Werkzeug>=3.0.0", "click>=8.1.3", "importlib-metadata>=3.6; python_version < '3.10'"],
    ),
    ("werkzeug", "3.1.3", ["MarkupSafe>=2.1.1"]),
    ("markupsafe", "3.0.2", []),
    ("click", "8.1.7", []),
    ("gunicorn", "22.0.0", ["packaging"]),
    ("packaging", "24.1", []),
)


def test_names_compare_as_pep_503_says():
    assert pep503_name("Zope.Interface_x") == "zope-interface-x"
    assert requirement_name("Flask[async]>=3 ; python_version > '3'") == "flask"
    with pytest.raises(ValueError):
        requirement_name(">=1.0")


def test_a_lock_subset_is_what_the_named_distributions_install():
    subset = lock_subset(LOCK, ["flask"])
    assert [(n, v) for n, v, _ in subset] == [
        ("click", "8.1.7"),
        ("flask", "3.0.3"),
        ("markupsafe", "3.0.2"),
        ("werkzeug", "3.1.3"),
    ]
    assert subset[1][2] == ("sha256:Flask-3.0.3",)


def test_a_distribution_outside_the_subset_does_not_change_it():
    moved = LOCK.replace('"22.0.0"', '"23.0.0"').replace("gunicorn-22.0.0", "gunicorn-23.0.0")
    assert lock_subset(moved, ["flask"]) == lock_subset(LOCK, ["flask"])
    assert lock_subset(moved, ["gunicorn"]) != lock_subset(LOCK, ["gunicorn"])


def test_an_empty_or_missing_lock_gives_nothing():
    assert lock_subset("", ["flask"]) == ()
    assert lock_subset(LOCK, ["not-locked"]) == ()


def test_build_args_the_target_gives_win_and_bare_names_come_from_the_environment():
    assert resolved_build_args(
        ["A", "B", "C", "UNSET"],
        {"A": "pants", "B": None, "C": "pants", "NOT_DECLARED": "x"},
        {"C": "target"},
        {"B": "from-env"},
    ) == ("A=pants", "B=from-env", "C=target")


def inputs(**changes):
    base = dict(
        repository="bbc/web",
        definitions=(("apps/web:web", "docker_image(...)"),),
        files=(("apps/web/Dockerfile", "abc"),),
        locks=(("3rdparty/python/images.lock", lock_subset(LOCK, ["flask"])),),
        build_args=("PIP_INDEX_URL=https://pypi.org/simple",),
        host_files=(),
    )
    return Inputs(**{**base, **changes})


def test_the_digest_is_a_pure_function_of_the_inputs():
    assert inputs().digest() == inputs().digest()
    assert stable_digest({"b": 1, "a": [1, 2]}) == stable_digest({"a": [1, 2], "b": 1})
    for change in (
        dict(repository="bbc/other"),
        dict(definitions=(("apps/web:web", "docker_image(other)"),)),
        dict(files=(("apps/web/Dockerfile", "abd"),)),
        dict(locks=()),
        dict(build_args=("PIP_INDEX_URL=https://mirror/simple",)),
        dict(host_files=(("images/root/ca-certificates/proxy.crt", "123"),)),
    ):
        assert inputs(**change).digest() != inputs().digest(), change


def test_the_content_hash_changes_with_the_variant_and_the_parent():
    args = ("own", "prod", "apps/web/Dockerfile", (), (), ("",), "parent")
    same = content_hash(*args)
    assert content_hash(*args) == same
    assert content_hash("own", "test", *args[2:]) != same
    assert content_hash(*args[:3], ("TEST_TOOLS=x",), *args[4:]) != same
    assert content_hash(*args[:4], (("Dockerfile.test", "1"),), *args[5:]) != same
    assert content_hash(*args[:6], "other parent") != same
    assert content_hash(*args[:6], None) != same


def test_what_only_an_extra_pulls_in_counts_only_when_the_extra_is_asked_for():
    extras = lock(
        ("docker", "7.1.0", ["requests>=2", 'pytest ; extra == "dev"']),
        ("requests", "2.32.0", []),
        ("pytest", "8.3.3", ["iniconfig"]),
        ("iniconfig", "2.0.0", []),
    )
    assert [n for n, _, _ in lock_subset(extras, ["docker==7.1.0"])] == ["docker", "requests"]
    assert [n for n, _, _ in lock_subset(extras, ["docker[dev]==7.1.0"])] == [
        "docker",
        "iniconfig",
        "pytest",
        "requests",
    ]
