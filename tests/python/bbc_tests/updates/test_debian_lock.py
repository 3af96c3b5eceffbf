import pytest

from bbc.updates.debian_lock import (
    entry_problem,
    lock_text,
    minbase_patterns,
    moved,
    read_lock,
    resolve_spec,
    urls_by_file,
)

# What the resolver's apt gives: `apt-cache show` stanzas and `apt-get --print-uris` lines.
STANZAS = """\
Package: libssl3
Source: openssl
Version: 3.0.17-1~deb12u2
Architecture: amd64
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Installed-Size: 6160
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation.
Description-md5: 88547c6206c7fbc4fcc7d09ce100d210
Multi-Arch: same
Filename: pool/updates/main/o/openssl/libssl3_3.0.17-1~deb12u2_amd64.deb
Size: 2019088
SHA256: 1111111111111111111111111111111111111111111111111111111111111111

Package: gcc-12-base
Source: gcc-12
Version: 12.2.0-14+deb12u1
Architecture: amd64
Priority: required
Filename: pool/main/g/gcc-12/gcc-12-base_12.2.0-14+deb12u1_amd64.deb
Size: 37596
SHA256: 2222222222222222222222222222222222222222222222222222222222222222

Package: zlib1g
Source: zlib (1:1.2.13.dfsg-1)
Version: 1:1.2.13.dfsg-1
Architecture: amd64
Filename: pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb
Size: 87000
SHA256: 3333333333333333333333333333333333333333333333333333333333333333
"""
URIS = """\
'http://deb.debian.org/debian-security/pool/updates/main/o/openssl/libssl3_3.0.17-1~deb12u2_amd64.deb' libssl3_3.0.17-1~deb12u2_amd64.deb 2019088 MD5Sum:00
'http://deb.debian.org/debian/pool/main/g/gcc-12/gcc-12-base_12.2.0-14%2bdeb12u1_amd64.deb' gcc-12-base_12.2.0-14+deb12u1_amd64.deb 37596 MD5Sum:00
'http://deb.debian.org/debian/pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb' zlib1g_1%3a1.2.13.dfsg-1_amd64.deb 87000 MD5Sum:00
"""


def test_print_uris_lines_are_read_by_pool_file_name() -> None:
    urls = urls_by_file(URIS + "E: not a uri line\n")
    assert urls["gcc-12-base_12.2.0-14+deb12u1_amd64.deb"].endswith("14%2bdeb12u1_amd64.deb")
    assert set(urls) == {
        "libssl3_3.0.17-1~deb12u2_amd64.deb",
        "gcc-12-base_12.2.0-14+deb12u1_amd64.deb",
        "zlib1g_1.2.13.dfsg-1_amd64.deb",
    }


def test_a_lock_keeps_what_apt_and_dpkg_need_sorted_with_urls() -> None:
    text = lock_text(["Debian packages of x", "from: deb http://m bookworm main"], STANZAS, URIS)
    assert text.startswith("# Debian packages of x\n# from: deb http://m bookworm main\n\n")
    assert "Description" not in text and "Maintainer" not in text
    assert text.index("Package: gcc-12-base") < text.index("Package: libssl3")
    assert "Depends: libc6 (>= 2.34)\n" in text and "Multi-Arch: same\n" in text
    locked = read_lock(text)
    assert sorted(locked) == ["gcc-12-base", "libssl3", "zlib1g"]
    ssl = locked["libssl3"]
    assert (ssl.version, ssl.arch, ssl.source) == ("3.0.17-1~deb12u2", "amd64", "openssl")
    assert ssl.sha256 == "1" * 64
    assert ssl.url == (
        "http://deb.debian.org/debian-security/pool/updates/main/o/openssl/"
        "libssl3_3.0.17-1~deb12u2_amd64.deb"
    )
    assert locked["zlib1g"].source == "zlib" and locked["zlib1g"].version == "1:1.2.13.dfsg-1"
    assert locked["gcc-12-base"].source == "gcc-12"


def test_a_package_apt_gave_no_url_for_is_an_error() -> None:
    with pytest.raises(ValueError, match="no download URL for zlib1g_1.2.13.dfsg-1_amd64.deb"):
        lock_text([], STANZAS, URIS.rsplit("'http", 1)[0])


def test_moved_packages_between_two_locks() -> None:
    old = lock_text([], STANZAS, URIS)
    new_stanzas = STANZAS.replace("3.0.17-1~deb12u2", "3.0.18-1~deb12u1").split(
        "\n\nPackage: zlib1g"
    )[0]
    new_stanzas += "\n\nPackage: libzstd1\nVersion: 1.5.4+dfsg2-5\nArchitecture: amd64\n"
    new_stanzas += (
        "Filename: pool/main/libz/libzstd/libzstd1_1.5.4+dfsg2-5_amd64.deb\nSHA256: "
        + "4" * 64
        + "\n"
    )
    new_uris = URIS.replace("3.0.17-1~deb12u2", "3.0.18-1~deb12u1")
    new_uris += "'http://m/pool/main/libz/libzstd/libzstd1_1.5.4+dfsg2-5_amd64.deb' x 1 MD5Sum:0\n"
    changes = moved(old, lock_text([], new_stanzas, new_uris))
    summary = [(c.name, c.old and c.old.version, c.new and c.new.version) for c in changes]
    assert summary == [
        ("libssl3", "3.0.17-1~deb12u2", "3.0.18-1~deb12u1"),
        ("libzstd1", None, "1.5.4+dfsg2-5"),
        ("zlib1g", "1:1.2.13.dfsg-1", None),
    ]
    assert moved(old, old) == []
    assert [c.name for c in moved("", old)] == ["gcc-12-base", "libssl3", "zlib1g"]


def test_the_resolver_spec_stacks_locks_on_their_bases() -> None:
    essential, required = minbase_patterns("amd64")
    assert essential == ["?narrow(?architecture(amd64),?essential)"]
    assert required == ["?narrow(?architecture(amd64),?and(?priority(required),?not(?essential)))"]
    spec = resolve_spec(
        [
            ("lock0", None, [essential, required + ["ca-certificates"]]),
            ("lock1", "lock0", [["python3"], []]),
        ]
    )
    assert spec == (
        "lock lock0 -\n"
        "install ?narrow(?architecture(amd64),?essential)\n"
        "install ?narrow(?architecture(amd64),?and(?priority(required),?not(?essential))) ca-certificates\n"
        "lock lock1 lock0\n"
        "install python3\n"
    )


GOOD = (
    "zlib1g",
    "pool/main/z/zlib/zlib1g_1.2.13_amd64.deb",
    "http://m/pool/main/z/zlib/zlib1g_1.2.13_amd64.deb",
    "a" * 64,
)


@pytest.mark.parametrize(
    "field, value, said",
    [
        (1, "pool/main/z/zlib/zlib1g.locked", "is not a pool path of a .deb"),
        (1, "pool/main/z/zlib/.hidden.deb", "is not a pool path of a .deb"),
        (1, "pool/../../../etc/zlib1g_1.2.13_amd64.deb", "is not a pool path of a .deb"),
        (1, "pool/main/z/zlib/zlib1g_1.2.13_amd64.deb\nSHA256: x", "is not a pool path of a .deb"),
        (2, "file:///etc/shadow", "is not an http(s) address of zlib1g_1.2.13_amd64.deb"),
        (2, "http://m/pool/other_1.0_amd64.deb", "is not an http(s) address of"),
        (3, "not-a-digest", "is not a SHA-256 digest"),
        (0, "Zlib1g;rm", "is not a Debian package name"),
    ],
)
def test_a_lock_entry_is_data_never_a_path_out_of_its_folder(field, value, said) -> None:
    entry = list(GOOD)
    entry[field] = value
    problem = entry_problem(*entry)
    assert problem is not None and said in problem, problem
    assert entry_problem(*GOOD) is None


def test_a_mirror_entry_that_is_no_lock_entry_stops_the_lock() -> None:
    hostile = STANZAS.replace(
        "Filename: pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb",
        "Filename: pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb.locked",
    )
    uris = URIS.replace(
        "zlib1g_1%3a1.2.13.dfsg-1_amd64.deb 87000", "zlib1g_1.2.13.dfsg-1_amd64.deb.locked 87000"
    ).replace("dfsg-1_amd64.deb'", "dfsg-1_amd64.deb.locked'")
    with pytest.raises(ValueError, match="the mirror's entry is refused: zlib1g: its Filename"):
        lock_text(["header"], hostile, uris)
