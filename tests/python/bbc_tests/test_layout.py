"""Every plugin module is owned by `python_sources()` in src/python/bbc/BUILD, whose default
sources leave out test-like names. An unowned module breaks dependency inference, and with it
`--changed-since` and `dependencies` in this repository."""

import fnmatch
from pathlib import Path

# python_sources' default excludes (Pants 2.17).
TEST_NAMES = ("test_*.py", "*_test.py", "tests.py", "conftest.py")


def test_no_plugin_module_has_a_test_file_name():
    modules = sorted(p.name for p in Path("src/python/bbc").glob("*.py"))
    assert "register.py" in modules
    assert [m for m in modules if any(fnmatch.fnmatch(m, n) for n in TEST_NAMES)] == []
