"""One secret-handling posture for every web app: secrets come in at run time, never in layers.

`secret("db_password")` reads /run/secrets/db_password (Docker and Kubernetes secrets are
mounted there), else the environment variable DB_PASSWORD, else fails naming both.
"""

import os
from pathlib import Path

SECRETS_DIR = Path(os.environ.get("BBC_SECRETS_DIR", "/run/secrets"))


class MissingSecret(KeyError):
    pass


def secret(name: str) -> str:
    path = SECRETS_DIR / name
    if path.is_file():
        return path.read_text().strip()
    value = os.environ.get(name.upper())
    if value is not None:
        return value
    raise MissingSecret(f"secret {name!r}: mount {path} or set {name.upper()} at run time")
