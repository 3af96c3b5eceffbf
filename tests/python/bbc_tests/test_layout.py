"""The plugin's layout: every module owned by `python_sources()`, and plain logic kept plain.

Pants' `python_sources()` leaves out test-like names; an unowned module breaks dependency
inference, and with it `--changed-since` and `dependencies` in this repository. The `core`
package is plain logic over plain data: it must not import Pants (nor the plugin's rules), so
that it can be read and tested on its own.
"""

import ast
import fnmatch
from pathlib import Path

PLUGIN = Path("src/python/bbc")
# python_sources' default excludes (Pants 2.17).
TEST_NAMES = ("test_*.py", "*_test.py", "tests.py", "conftest.py")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_plugin_module_has_a_test_file_name():
    modules = sorted(str(p.relative_to(PLUGIN)) for p in PLUGIN.rglob("*.py"))
    assert "register.py" in modules and "core/tags.py" in modules
    assert [m for m in modules if any(fnmatch.fnmatch(Path(m).name, n) for n in TEST_NAMES)] == []


def test_every_package_has_a_build_file():
    for package in {p.parent for p in PLUGIN.rglob("*.py")}:
        assert (package / "BUILD").is_file(), package


def test_the_core_package_imports_neither_pants_nor_the_plugins_rules():
    core = sorted(PLUGIN.glob("core/*.py"))
    assert len(core) > 5
    for path in core:
        bad = {
            m
            for m in _imports(path)
            if m.split(".")[0] == "pants" or (m.startswith("bbc.") and not m.startswith("bbc.core"))
        }
        assert bad == set(), f"{path} imports {sorted(bad)}"


def test_no_module_is_long():
    for path in PLUGIN.rglob("*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= 320, f"{path} has {lines} lines: split it by concern"


def test_register_only_wires():
    tree = ast.parse((PLUGIN / "register.py").read_text())
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert defined == ["target_types", "rules"]
