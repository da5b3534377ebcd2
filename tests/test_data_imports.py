"""The data layer reads top-down: no import cycles, no public function re-bound after its definition."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.stem for p in (ROOT / "data").glob("*.py") if p.stem != "__init__")


def _imports(name: str) -> set[str]:
    """The data modules ``data/<name>.py`` imports, at the top or inside a function."""
    tree = ast.parse((ROOT / "data" / f"{name}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "data":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("data."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("data."))
    return found & set(MODULES)


def test_the_data_modules_import_each_other_without_a_cycle():
    graph = {name: _imports(name) for name in MODULES}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join((*path[path.index(name):], name)))
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, (*path, name))
        done.add(name)

    for name in MODULES:
        visit(name, ())


def test_no_public_function_is_re_bound_after_its_definition():
    for name in MODULES:
        tree = ast.parse((ROOT / "data" / f"{name}.py").read_text(encoding="utf-8"))
        defined: set[str] = set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                rebound = {t.id for t in node.targets if isinstance(t, ast.Name)} & defined
                assert not rebound, f"data/{name}.py re-binds {sorted(rebound)} after defining them"


@pytest.mark.parametrize("name", ["query", "cache", "areas", "content", "version", "snapshot", "access", "aggregate"])
def test_each_data_module_imports_alone(name):
    done = subprocess.run([sys.executable, "-c", f"import data.{name}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
