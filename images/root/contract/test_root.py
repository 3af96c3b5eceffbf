"""What the root promises every BBC image: a non-root user, no privilege to gain from the file
system, and trust in Debian's and the organisation's CA certificates."""

import re
import ssl

# Debian 12's own: shadow's and util-linux's tools (setuid) and the password checkers (setgid).
SETUID_ALLOWED = {
    "/usr/bin/chfn",
    "/usr/bin/chsh",
    "/usr/bin/gpasswd",
    "/usr/bin/mount",
    "/usr/bin/newgrp",
    "/usr/bin/passwd",
    "/usr/bin/su",
    "/usr/bin/umount",
    "/usr/bin/chage",
    "/usr/bin/expiry",
    "/usr/sbin/unix_chkpwd",
}
WORLD_WRITABLE_ALLOWED = {"/tmp", "/var/tmp"}
BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def found(containers, condition: str) -> set:
    """Paths of the image's own file system (not /proc, /sys...) matching a `find` condition,
    looked for as root so that nothing is hidden."""
    ran = containers.run(
        ["sh", "-c", f"find / -xdev {condition} -print"], entrypoint=[], user="0"
    )
    assert ran.exit_code == 0, ran.output
    return set(ran.output.split())


def test_runs_as_the_numeric_non_root_user_bbc(image, containers):
    # Numeric, so that Kubernetes' runAsNonRoot can check it.
    assert image.attrs["Config"]["User"] == "10001:10001"
    ran = containers.run(["sh", "-c", 'echo "$(id -u):$(id -g) $(id -un)"'], entrypoint=[])
    assert ran.output.split() == ["10001:10001", "bbc"]


def test_no_setuid_or_setgid_binary_beyond_debian_s_own(containers):
    assert found(containers, "-type f -perm /6000") <= SETUID_ALLOWED


def test_nothing_is_world_writable_outside_tmp_and_var_tmp(containers):
    assert found(containers, "-perm -0002 ! -type l") <= WORLD_WRITABLE_ALLOWED


def _certificates(pem: str) -> set:
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", pem, re.S)
    return {ssl.PEM_cert_to_DER_cert(block) for block in blocks}


def test_trusts_debian_s_and_the_organisation_s_certificates(image, containers):
    env = dict(e.split("=", 1) for e in image.attrs["Config"]["Env"])
    assert env["SSL_CERT_FILE"] == env["REQUESTS_CA_BUNDLE"] == BUNDLE
    box = containers.start(["sleep", "600"], entrypoint=[])
    bundle = box.exec(["cat", BUNDLE]).output
    trusted = _certificates(bundle)
    assert len(trusted) > 100  # Debian's
    ssl.create_default_context(cadata=bundle)  # all of it loads
    listed = box.exec(["sh", "-c", "cat /usr/local/share/ca-certificates/bbc/*.crt"])
    if listed.exit_code == 0:  # the build host's extra certificates, if it had any
        assert _certificates(listed.output) <= trusted
