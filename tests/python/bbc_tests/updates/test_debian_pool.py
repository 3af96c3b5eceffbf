from bbc.updates.debian_pool import cves_fixed, deb_urls

POOLS = [
    "http://deb.debian.org/debian/pool/main",
    "http://deb.debian.org/debian-security/pool/updates/main/",
]

CHANGELOG = """\
openssl (3.0.17-1~deb12u2) bookworm-security; urgency=medium

  * Fix CVE-2025-9230 and CVE-2025-9232 (CVE-2025-9230 again).

 -- Maintainer <m@example.com>  Tue, 30 Sep 2025 00:00:00 +0000

openssl (3.0.16-1~deb12u1) bookworm; urgency=medium

  * Fix CVE-2024-13176.

 -- Maintainer <m@example.com>  Mon, 10 Feb 2025 00:00:00 +0000

openssl (3.0.15-1~deb12u1) bookworm; urgency=medium

  * Fix CVE-2024-5535.

 -- Maintainer <m@example.com>  Mon, 07 Oct 2024 00:00:00 +0000
"""


def test_where_a_deb_lies_in_each_pool() -> None:
    assert deb_urls(POOLS, "libssl3", "openssl", "3.0.17-1~deb12u2", "amd64") == [
        "http://deb.debian.org/debian/pool/main/o/openssl/libssl3_3.0.17-1~deb12u2_amd64.deb",
        "http://deb.debian.org/debian-security/pool/updates/main/o/openssl/"
        "libssl3_3.0.17-1~deb12u2_amd64.deb",
    ]
    assert deb_urls(POOLS[:1], "libc6", "glibc", "2.36-9", "amd64")[0].endswith(
        "/pool/main/g/glibc/libc6_2.36-9_amd64.deb"
    )
    assert deb_urls(POOLS[:1], "libzstd1", "libzstd", "1:1.5.4+dfsg2-5", "amd64")[0].endswith(
        "/pool/main/libz/libzstd/libzstd1_1.5.4+dfsg2-5_amd64.deb"
    )


def test_the_cves_of_the_versions_taken_in_only() -> None:
    assert cves_fixed(CHANGELOG, "3.0.15-1~deb12u1", "3.0.17-1~deb12u2") == [
        "CVE-2025-9230",
        "CVE-2025-9232",
        "CVE-2024-13176",
    ]
    assert cves_fixed(CHANGELOG, "3.0.16-1~deb12u1", "3.0.16-1~deb12u1") == []
    assert cves_fixed("not a changelog", "1", "2") == []
