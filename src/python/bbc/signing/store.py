"""Where signatures live: a lookaside store, laid out as containers/image (skopeo, Podman,
CRI-O) reads it, and what `[bbc]` says about signing."""

from __future__ import annotations

import re

_FINGERPRINT = re.compile(r"[0-9A-F]{40}")


def signature_folder(store: str, repository: str, digest: str) -> str:
    """The folder of `repository@digest`'s signatures in a lookaside store (each one a file
    `signature-<n>`, from 1 up): the repository's path without its registry, `@`, the digest
    with `=` for `:`."""
    path = repository.split("/", 1)[1] if "/" in repository else repository
    return f"{store.rstrip('/')}/{path}@{digest.replace(':', '=', 1)}"


def signing_problem(key: str, store: str) -> str | None:
    """What is wrong with `[bbc].signing_key` and `[bbc].signature_store`, if anything (no key:
    nothing is signed)."""
    if not key:
        return None
    if not _FINGERPRINT.fullmatch(key.upper()):
        return (
            f"[bbc].signing_key = {key!r} is not a GPG key fingerprint: give the 40 hex digits "
            "that `gpg --list-secret-keys --with-colons` prints on the key's `fpr` line."
        )
    if not store:
        return (
            "[bbc].signing_key is set but [bbc].signature_store is not: name the folder that "
            "publish writes signatures to (the lookaside store your registries.d points at)."
        )
    return None


def signing_failure(stderr: str, key: str, keyring: str) -> str:
    """Why the key could not sign, with the fix, from skopeo's (GPGME's) words."""
    if "not found" in stderr:
        return (
            f"the keyring {keyring} holds no secret key {key}: import it there (`gpg --batch "
            "--import <key file>`), or set [bbc].signing_key to a key it holds."
        )
    if "Inappropriate ioctl" in stderr or "passphrase" in stderr.lower() or "pinentry" in stderr:
        return (
            f"the key {key} needs a passphrase, and GnuPG cannot ask for one here: give CI a "
            "key without a passphrase, or preset it in gpg-agent (gpg-preset-passphrase)."
        )
    return f"the key {key} could not sign: {stderr.strip()}"
