from bbc.signing.store import signature_folder, signing_failure, signing_problem

KEY = "98D477DC9E91DF89EED83321ED02C0888407C6C9"


def test_signatures_are_where_containers_image_looks_for_them() -> None:
    assert (
        signature_folder("/srv/sigstore/", "127.0.0.1:5000/team/python", "sha256:ab12")
        == "/srv/sigstore/team/python@sha256=ab12"
    )


def test_the_options_are_checked_before_anything_is_signed() -> None:
    assert signing_problem("", "") is None  # nothing is signed
    assert signing_problem(KEY.lower(), "sigstore") is None
    assert "is not a GPG key fingerprint: give the 40 hex digits" in signing_problem(
        "ED02C0888407C6C9", "sigstore"
    )
    assert "[bbc].signature_store is not" in signing_problem(KEY, "")


def test_a_key_that_cannot_sign_is_said_with_the_fix() -> None:
    assert signing_failure('key "ABC" not found', "ABC", "/ci/gnupg").startswith(
        "the keyring /ci/gnupg holds no secret key ABC: import it there (`gpg --batch --import"
    )
    said = signing_failure("Error creating signature: Inappropriate ioctl for device", "ABC", "k")
    assert said.startswith("the key ABC needs a passphrase, and GnuPG cannot ask for one here")
    assert (
        signing_failure("disk on fire\n", "ABC", "k") == "the key ABC could not sign: disk on fire"
    )
