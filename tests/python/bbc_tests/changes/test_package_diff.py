from bbc.changes.package_diff import PackageChange, notes_changes, package_changes, render_changes
from bbc.sbom.contents import Package

OLD = [
    Package("deb", "openssl", "3.0.15-1~deb12u1", "amd64"),
    Package("deb", "libc6", "2.36-9+deb12u9", "amd64"),
    Package("deb", "gone", "1.0-1", "all"),
    Package("pypi", "typing_extensions", "4.12.2"),
]
NEW = [
    Package("deb", "openssl", "3.0.17-1~deb12u2", "amd64"),
    Package("deb", "libc6", "2.36-9+deb12u9", "amd64"),
    Package("deb", "libc6", "2.36-9+deb12u9", "i386"),
    Package("pypi", "Typing-Extensions", "4.12.2"),
    Package("pypi", "flask", "3.0.3"),
]


def test_changes_by_kind_and_name_across_spellings_and_arches() -> None:
    assert package_changes(OLD, NEW) == [
        PackageChange("deb", "gone", "1.0-1", None, "all"),
        PackageChange("deb", "libc6", None, "2.36-9+deb12u9", "i386"),
        PackageChange("deb", "openssl", "3.0.15-1~deb12u1", "3.0.17-1~deb12u2", "amd64"),
        PackageChange("pypi", "flask", None, "3.0.3"),
    ]
    assert package_changes(NEW, NEW) == []


def test_the_report() -> None:
    assert render_changes("img:a: x:1.0.0 -> x:1.0.1", package_changes(OLD, NEW)) == (
        "img:a: x:1.0.0 -> x:1.0.1: 1 changed, 2 added, 1 removed\n"
        "  removed  deb   gone 1.0-1\n"
        "  added    deb   libc6 2.36-9+deb12u9\n"
        "  changed  deb   openssl 3.0.15-1~deb12u1 -> 3.0.17-1~deb12u2\n"
        "  added    pypi  flask 3.0.3"
    )
    assert render_changes("img:a", []) == "img:a: the same packages"
    fixed = PackageChange("deb", "openssl", "3.0.15", "3.0.17", cves=("CVE-2025-1", "CVE-2025-2"))
    unknown = PackageChange("deb", "zlib", "1", "2", cves_unknown="no pool holds it")
    assert render_changes("img:a", [fixed, unknown]) == (
        "img:a: 2 changed; 2 CVEs fixed\n"
        "  changed  deb   openssl 3.0.15 -> 3.0.17  fixes CVE-2025-1, CVE-2025-2\n"
        "  changed  deb   zlib 1 -> 2  (CVEs unknown: no pool holds it)"
    )


def test_the_release_notes_lines() -> None:
    fixed = PackageChange("deb", "bbc-canary", "1.0", "1.1", "all", cves=("CVE-2099-0001",))
    unknown = PackageChange("deb", "zlib", "1", "2", cves_unknown="no pool holds it")
    added = PackageChange("pypi", "flask", None, "3.0.3")
    source = "reg/bbc/x:sha256-ab.sbom"
    assert notes_changes("1.0.0", source, [fixed, unknown, added]) == [
        "Package changes since 1.0.0 (Debian and Python; its SBOM, `reg/bbc/x:sha256-ab.sbom`):",
        "",
        "- changed deb `bbc-canary` 1.0 -> 1.1, fixes CVE-2099-0001",
        "- changed deb `zlib` 1 -> 2, (CVEs unknown: no pool holds it)",
        "- added pypi `flask` 3.0.3",
        "",
        "CVEs fixed: CVE-2099-0001",
    ]
    assert notes_changes("1.0.0", source, []) == [
        "Packages: the same as in 1.0.0 (its SBOM, `reg/bbc/x:sha256-ab.sbom`)."
    ]
