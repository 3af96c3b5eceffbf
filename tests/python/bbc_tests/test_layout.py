"""The plugin's layout: a package per concern, every module owned by `python_sources()`, plain
logic kept plain, and no import cycles.

Pants' `python_sources()` leaves out test-like names; an unowned module breaks dependency
inference, and with it `--changed-since` and `dependencies` in this repository. A module that
does not import Pants is plain logic over plain data: it must not import a module that does, so
that it can be read and tested on its own.
"""

import ast
import fnmatch
import re
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
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # a submodule?
    return found


def test_no_plugin_module_has_a_test_file_name():
    modules = sorted(str(p.relative_to(PLUGIN)) for p in PLUGIN.rglob("*.py"))
    assert "register.py" in modules and "model/tags.py" in modules
    assert [m for m in modules if any(fnmatch.fnmatch(Path(m).name, n) for n in TEST_NAMES)] == []


def test_every_package_has_a_build_file():
    for package in {p.parent for p in PLUGIN.rglob("*.py")}:
        assert (package / "BUILD").is_file(), package


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PLUGIN.parent).with_suffix("").parts).removesuffix(".__init__")


def _plugin_imports() -> dict[str, set[str]]:
    """Each plugin module -> everything it imports (host/ runs outside Pants: left out)."""
    return {
        _module(path): _imports(path) for path in PLUGIN.rglob("*.py") if path.parent.name != "host"
    }


def test_plain_logic_imports_no_module_that_imports_pants():
    imports = _plugin_imports()
    uses_pants = {
        m for m, found in imports.items() if any(i.split(".")[0] == "pants" for i in found)
    }
    wiring = {m for m in imports if m.endswith(".register")}
    plain = sorted(set(imports) - uses_pants - wiring)
    assert len(plain) > 25, plain
    bad = {m: sorted(i for i in imports[m] if i in uses_pants) for m in plain}
    assert {m: found for m, found in bad.items() if found} == {}, (
        "plain logic (no Pants) imports modules that import Pants: move what it needs into a "
        "plain module, or make it a rule module"
    )


def test_no_import_cycles():
    imports = _plugin_imports()
    graph = {m: {i for i in found if i in imports and i != m} for m, found in imports.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(
                "import cycle: " + " -> ".join(path[path.index(module) :] + [module])
            )
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_each_concern_wires_its_rule_modules():
    for package in sorted(p for p in PLUGIN.iterdir() if (p / "register.py").is_file()):
        wired = (package / "register.py").read_text()
        for path in sorted(package.glob("*.py")):
            if path.name != "register.py" and re.search(r"^def rules\(", path.read_text(), re.M):
                assert f"*{path.stem}.rules()" in wired, f"{package}/register.py misses {path.stem}"
        top = (PLUGIN / "register.py").read_text()
        assert f"from bbc.{package.name} import register as {package.name}" in top, package


def test_register_only_wires():
    tree = ast.parse((PLUGIN / "register.py").read_text())
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert defined == ["target_types", "rules"]
