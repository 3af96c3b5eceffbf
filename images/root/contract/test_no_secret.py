"""No secret is baked into any BBC image (this file runs against the root and every image built
on it): secrets come in at build time as build secrets and at run time from /run/secrets or the
environment, never with the image.

A credential given at build time ends up in one of these places, so each is searched for one:
- the image's config: its environment, labels, entrypoint and command;
- its history, every build step (`docker history --no-trunc`: `ENV`, `LABEL`, `RUN` lines and
  the build arguments a `RUN` used);
- the files under /etc (pip.conf, netrc, apt's auth.conf...) but Debian's own configuration
  files as their packages shipped them (dpkg's checksums; openssl.cnf has examples), the home
  folders (/home, /root: .netrc, .pypirc, .docker/config.json...) and the virtualenv's
  pip.conf; and no account with a password.
What looks like a credential: user information in a URL (`user:password@`, `token@`), a
`password`, `token`, `secret`, `api_key`, `auth`... assignment with a value (`password=...`,
`TOKEN: ...`, `"auth": "..."`), an `Authorization:` header, a private key, a token with a
known shape (`ghp_`, `glpat-`, `AKIA`, `xox?-`, `sk_live_`), and a netrc entry over several
lines. A value that is a path or a variable (`DB_PASSWORD_FILE=/run/secrets/db`,
`token=$TOKEN`) names where a secret is read, not the secret. Findings name the place and show
the line, the credential masked.
"""

from __future__ import annotations

import hashlib
import re

KEYWORD = r"password|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|_?auth\b"
NAME = rf"[\w.-]*(?:{KEYWORD})[\w.-]*"
# Each: what comes before the secret (kept, to say what was found), then the secret (masked).
CREDENTIALS = [
    # user:password@ in a URL (scheme://)
    re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:)([^\s/@'\"]+)(?=@)", re.I),
    # NAME=value, NAME: value, NAME = "value" (the value neither a path nor a variable)
    re.compile(rf"(\b{NAME}['\"]?\s*[=:]\s*['\"]?)([^\s'\"/$][^\s'\",;]*)", re.I),
    # a netrc entry: login NAME password SECRET (on one line; files are also read whole)
    re.compile(r"(\blogin\s+\S+\s+password\s+)(\S+)"),
    # a token as a URL's user: https://TOKEN@host
    re.compile(r"(\b[a-z][a-z0-9+.-]*://)([^\s/:@'\"]{8,})(?=@)", re.I),
    # an HTTP Authorization header
    re.compile(r"(\bAuthorization\s*[:=]\s*['\"]?(?:Bearer|Basic|Token)\s+)(\S+)", re.I),
    # a private key
    re.compile(r"(-----BEGIN [A-Z ]*PRIVATE KEY-----)(.*)"),
    # tokens by their shape: GitHub, GitLab, AWS access keys, Slack, Stripe
    re.compile(r"()\b(gh[pousr]_[A-Za-z0-9]{20,}|glpat-[\w-]{20,}|AKIA[0-9A-Z]{16}|xox[abpr]-[\w-]{10,}|sk_live_\w{16,})"),
]


def masked(text: str) -> str:
    """`text` with every credential-looking value in it replaced by ***."""
    for pattern in CREDENTIALS:
        text = pattern.sub(lambda found: f"{found.group(1)}***", text)
    return text


def findings(where: str, text: str) -> list[str]:
    """Each line of `text` holding a credential, masked, after `where` it is."""
    return [
        f"{where}: {masked(line).strip()}"
        for line in text.splitlines()
        if any(pattern.search(line) for pattern in CREDENTIALS)
    ]


def file_findings(path: str, content: bytes) -> list[str]:
    """The credentials in a text file: line by line, and a netrc entry over several lines."""
    text = content.decode(errors="replace")
    found = [f for n, line in enumerate(text.splitlines(), 1) for f in findings(f"{path}:{n}", line)]
    if not found and CREDENTIALS[2].search(" ".join(text.split())):
        found.append(f"{path}: a netrc entry (login ... password ***)")
    return found


def test_the_config_holds_no_credential(image):
    config = image.attrs["Config"]
    found = [
        *(f for variable in config.get("Env") or [] for f in findings("environment", variable)),
        *(
            f
            for name, value in (config.get("Labels") or {}).items()
            for f in findings(f"label {name}", f"{name}={value}")
        ),
        *findings("entrypoint", " ".join(config.get("Entrypoint") or [])),
        *findings("command", " ".join(config.get("Cmd") or [])),
    ]
    assert not found, "credentials in the image's config:\n" + "\n".join(found)


def test_the_history_holds_no_credential(image):
    steps = list(reversed(image.history()))  # oldest first, as the Dockerfile reads
    found = [
        f
        for number, step in enumerate(steps, 1)
        for f in findings(f"history step {number}", step.get("CreatedBy") or "")
    ]
    assert not found, "credentials in the image's history (docker history --no-trunc):\n" + (
        "\n".join(found)
    )


def debian_s_own(box) -> dict[str, str]:
    """{path: md5} of the configuration files Debian's packages shipped (none without dpkg)."""
    status = box.files("/var/lib/dpkg/status").get("/var/lib/dpkg/status", b"").decode()
    return dict(re.findall(r"^ (/etc/\S+) ([0-9a-f]{32})$", status, re.M))


def test_no_configuration_file_holds_a_credential(containers):
    box = containers.start(["sleep", "600"], entrypoint=[])
    files, shipped = box.files("/etc"), debian_s_own(box)
    assert "/etc/passwd" in files  # what was copied out is the image's /etc
    for place in ("/home", "/root", "/opt/venv/pip.conf"):
        files.update(box.files(place))
    found = [
        f
        for path, content in sorted(files.items())
        if b"\0" not in content  # text files only
        and shipped.get(path) != hashlib.md5(content).hexdigest()
        for f in file_findings(path, content)
    ]
    assert not found, "credentials in configuration files:\n" + "\n".join(found)


def test_no_account_has_a_password_and_no_secret_is_in_the_image(containers):
    box = containers.start(["sleep", "600"], entrypoint=[])
    shadow = box.files("/etc").get("/etc/shadow", b"").decode()
    hashes = [
        line.split(":")[0]
        for line in shadow.splitlines()
        if len(line.split(":")) > 1 and line.split(":")[1].lstrip("!") not in ("", "*")
    ]
    assert not hashes, f"accounts with a password hash in /etc/shadow: {', '.join(hashes)}"
    assert box.files("/run/secrets") == {}, "secrets in the image's /run/secrets"
