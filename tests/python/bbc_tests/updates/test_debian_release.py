from bbc.updates.debian_release import followed_suite, newer_stable, without_credentials
from bbc.updates.report import UpdateReport


SOURCES = [
    "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian "
    "bookworm-updates main",
    "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian/ "
    "bookworm main",
]
BOOKWORM = "Origin: Debian\nSuite: oldstable\nVersion: 12.12\nCodename: bookworm\n"
STABLE = "Origin: Debian\nSuite: stable\nVersion: 13.2\nCodename: trixie\nDate: Sat, 15 Nov 2026\n"


def test_a_newer_debian_stable_than_the_locks_follow_is_said_once() -> None:
    assert followed_suite(SOURCES) == ("http://deb.debian.org/debian", "bookworm")
    assert followed_suite(["deb http://mirror/debian trixie main"]) == (
        "http://mirror/debian",
        "trixie",
    )
    assert followed_suite(["# none"]) is None
    note = newer_stable(STABLE, BOOKWORM, "bookworm")
    assert note is not None and note.startswith(
        "Debian 13.2 (trixie) is the newest stable release; the locks follow bookworm (12.12"
    )
    assert newer_stable(STABLE, STABLE, "trixie") is None
    # By version, not by name: a suite newer than stable (testing, sid: no Version) or an
    # older stable on the mirror is no news.
    assert newer_stable(STABLE, "Codename: sid\nSuite: unstable\n", "sid") is None
    assert newer_stable(BOOKWORM, STABLE, "trixie") is None
    assert newer_stable("Codename: trixie\n", BOOKWORM, "bookworm") is None
    assert without_credentials("http://user:secret@mirror.example/debian") == (
        "http://mirror.example/debian"
    )
    text = UpdateReport((), (), (), (), False, (), (note,)).markdown()
    assert f"## Notes\n\n- {note}\n" in text
