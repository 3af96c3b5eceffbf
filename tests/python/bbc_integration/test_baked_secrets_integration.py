"""The "no secret is baked in" contract every image runs (images/root/contract/test_no_secret.py),
the very file, against images that bake a credential in as images were once built, each in one
place, with real Pants and real Docker:

    root ── base (declares the file) ─┬─ oldway  ENV PIP_INDEX_URL=<credential>, and pip.conf
                                      ├─ etcfile /etc/pip.conf with the credential, COPYed in
                                      ├─ label   a LABEL holding a token
                                      ├─ shadow  an account with a password hash
                                      └─ clean   PIP_INDEX_URL and pip.conf without credentials

The real images pass the same file in `./pants test images::` (it is declared on the root).
"""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bbc_integration.fixture import Repo

THE_CHECK = Path("images/root/contract/test_no_secret.py")
SECRET = "s3cret"
INDEX = f"https://user:{SECRET}@example.invalid/simple"
PIP_CONF = "[global]\nindex-url = {}\n"
CHECKS = (
    "test_the_config_holds_no_credential",
    "test_the_history_holds_no_credential",
    "test_no_configuration_file_holds_a_credential",
    "test_no_account_has_a_password_and_no_secret_is_in_the_image",
)
CONFIG, HISTORY, ETC, ACCOUNTS = CHECKS


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("bbc"), Path.cwd()).for_tests()
    repo.add_root("root")
    repo.add_child(
        "base",
        "root",
        "RUN mkdir -p /etc && echo 'bbc:x:10001:10001::/home/bbc:/bin/sh' > /etc/passwd",
        extra=', contract_test_files=["contract/test_*.py"]',
    )
    repo.write("img/base/contract/test_no_secret.py", THE_CHECK.read_text())
    repo.add_child(
        "oldway",
        "base",
        f"ENV PIP_INDEX_URL={INDEX}",
        """RUN printf '[global]\\nindex-url = %s\\n' "$PIP_INDEX_URL" > /etc/pip.conf""",
    )
    repo.add_child(
        "etcfile",
        "base",
        "COPY img/etcfile/pip.conf /etc/pip.conf",
        extra=', dependencies=[":pip-conf"]',
    )
    repo.write("img/etcfile/pip.conf", PIP_CONF.format(INDEX))
    with (repo.root / "img/etcfile/BUILD").open("a") as build:
        build.write('\nfile(name="pip-conf", source="pip.conf")\n')
    repo.add_child(
        "homenetrc",
        "base",
        f"RUN mkdir -p /home/bbc && printf 'machine h\\nlogin bob\\npassword {SECRET}\\n' > /home/bbc/.netrc",
    )
    repo.add_child("label", "base", f"LABEL io.example.api_token=tk-{SECRET}")
    repo.add_child(
        "shadow",
        "base",
        "RUN echo 'bbc:$6$salt$9mDrh0RQ7Oa4NkOd/F0QPeZbm1:19700:0:99999:7:::' > /etc/shadow",
    )
    repo.add_child(
        "clean",
        "base",
        "ENV PIP_INDEX_URL=https://pypi.org/simple DB_PASSWORD_FILE=/run/secrets/db_password",
        """RUN printf '[global]\\nindex-url = %s\\n' "$PIP_INDEX_URL" > /etc/pip.conf""",
    )
    repo.commit("Images with credentials baked in, one place each, and a clean one")
    repo.first_run = repo.pants("--no-pantsd", "test", "--test-output=all", "img::")  # type: ignore[attr-defined]
    yield repo
    repo.close()


def failures(repo: Repo, image: str) -> dict[str, str]:
    """Each failed test of the check against `image`: its failure message (pytest's JUnit XML)."""
    path = repo.root / f"dist/test/reports/img.{image}.{image}.from.img.base.base.pytest.xml"
    cases = list(ET.parse(path).getroot().iter("testcase"))
    assert sorted(c.get("name") for c in cases) == sorted(CHECKS)  # all ran, none skipped
    return {
        str(c.get("name")): (failure.get("message") or "") + (failure.text or "")
        for c in cases
        for failure in c.iter("failure")
    }


def test_images_without_a_baked_credential_pass(repo: Repo) -> None:
    output = repo.first_run.output
    assert "✓ img/base:base succeeded" in output
    assert "✓ img/clean:clean succeeded" in output
    assert failures(repo, "base") == {} and failures(repo, "clean") == {}


def test_an_index_credential_in_env_and_pip_conf_fails_naming_each_place(repo: Repo) -> None:
    output = repo.first_run.output
    assert "✕ img/oldway:oldway failed" in output
    assert (
        "FAIL img/oldway:oldway [contract tests] img/base/contract/test_no_secret.py "
        "(from img/base:base)" in output
    )
    failed = failures(repo, "oldway")
    assert sorted(failed) == sorted([CONFIG, HISTORY, ETC])
    assert "environment: PIP_INDEX_URL=https://user:***@example.invalid/simple" in failed[CONFIG]
    assert re.search(
        r"history step \d+: ENV PIP_INDEX_URL=https://user:\*\*\*@example.invalid/simple$",
        failed[HISTORY],
        re.M,
    ), failed[HISTORY]
    assert "/etc/pip.conf:2: index-url = https://user:***@example.invalid/simple" in failed[ETC]
    # What was found is named, never shown.
    assert SECRET not in output


def test_a_credential_only_in_a_file_under_etc_fails(repo: Repo) -> None:
    assert "✕ img/etcfile:etcfile failed" in repo.first_run.output
    failed = failures(repo, "etcfile")
    assert sorted(failed) == [ETC]
    assert "/etc/pip.conf:2: index-url = https://user:***@example.invalid/simple" in failed[ETC]


def test_a_netrc_over_several_lines_in_a_home_folder_fails(repo: Repo) -> None:
    failed = failures(repo, "homenetrc")
    assert ETC in failed
    assert "/home/bbc/.netrc: a netrc entry (login ... password ***)" in failed[ETC]
    assert SECRET not in failed[ETC]


def test_a_token_in_a_label_fails_in_the_config_and_the_history(repo: Repo) -> None:
    failed = failures(repo, "label")
    assert sorted(failed) == sorted([CONFIG, HISTORY])
    assert "label io.example.api_token: io.example.api_token=***" in failed[CONFIG]
    assert "LABEL io.example.api_token=***" in failed[HISTORY]


def test_an_account_with_a_password_fails(repo: Repo) -> None:
    failed = failures(repo, "shadow")
    assert sorted(failed) == [ACCOUNTS]
    assert "accounts with a password hash in /etc/shadow: bbc" in failed[ACCOUNTS]


def the_check():
    spec = importlib.util.spec_from_file_location("no_secret", THE_CHECK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "line, shown",
    [
        (f"PIP_INDEX_URL={INDEX}", "PIP_INDEX_URL=https://user:***@example.invalid/simple"),
        ("api_token=tk-1", "api_token=***"),
        ('DB_PASSWORD: "hunter2"', 'DB_PASSWORD: "***"'),
        (
            "machine pypi.example login ci password pw1",
            "machine pypi.example login ci password ***",
        ),
        ("RUN |1 GITHUB_TOKEN=ghp_x /bin/sh -c make", "RUN |1 GITHUB_TOKEN=*** /bin/sh -c make"),
        ("https://ghp_abcdefgh12@pypi.example/simple", "https://***@pypi.example/simple"),
        ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer ***"),
        ("-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----***"),
        ("key AKIAIOSFODNN7EXAMPLE", "key ***"),
        ('{"auths": {"r": {"auth": "dXNlcjpwYXNz"}}}', '{"auths": {"r": {"auth": "***"}}}'),
    ],
)
def test_credential_looking_values_are_found_and_masked(line: str, shown: str) -> None:
    assert the_check().findings("here", line) == [f"here: {shown}"]


@pytest.mark.parametrize(
    "line",
    [
        "PIP_INDEX_URL=https://pypi.org/simple",
        "DB_PASSWORD_FILE=/run/secrets/db_password",
        "token=$TOKEN",
        "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt",
        "passwd:         files",
        "org.opencontainers.image.base.name=127.0.0.1:5000/bbc/python:1.0.2@sha256:ab12",
        "https://user@example.invalid/simple",
        "LABEL org.opencontainers.image.authors=team@example.com",
    ],
)
def test_what_is_no_credential_is_not_found(line: str) -> None:
    assert the_check().findings("here", line) == []
