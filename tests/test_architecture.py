"""The shape of src/outreach: its layers (the import-linter contracts in pyproject.toml), no
import cycle counting every import a module makes at run time, and no module that reaches
up to the package's public face (``outreach/__init__.py``, which names everything).

docs/architecture.md draws the layers; these tests keep the drawing true.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parent.parent
SOURCE = REPOSITORY / "src"
PACKAGE = SOURCE / "outreach"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module of the package that ``name`` imports when it runs: at the top, inside
    functions (a lazy import is still a dependency) and through PEP 562 ``__getattr__``
    exports (whose ``TYPE_CHECKING`` block names what they hand on); not what only a type
    checker reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy_exports = any(
        isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body
    )
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(module: str) -> str | None:
        while module and module not in known:
            module = module.rpartition(".")[0]
        return module or None

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test) and not lazy_exports:
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(filter(None, (resolve(alias.name) for alias in child.names)))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package
                    for _ in range(child.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    found.add(target if target in known else resolve(base) or "")
            visit(child)

    visit(tree)
    found.discard("")
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    assert len(graph) > 70  # the whole package was read
    assert _cycles(graph) == []


def test_no_module_imports_the_package_face() -> None:
    """``outreach/__init__.py`` names the public API of every layer: a module that imported
    it would depend on all of them."""
    reaching_up = sorted(name for name, targets in _graph().items() if "outreach" in targets)
    assert reaching_up == []


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with this repository's contracts, on the package under ``root``."""
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.skip("import-linter is not installed")
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [linter, "--no-cache", str(REPOSITORY / "pyproject.toml")],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_contract_holds() -> None:
    result = _lint_imports(SOURCE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_refuses_a_lazy_import_upward_and_an_unplaced_module(
    tmp_path: Path,
) -> None:
    """The contract is not decoration: a function-level import from a lower layer up to a
    higher one, and a new module placed in no layer, both break the build."""
    shutil.copytree(PACKAGE, tmp_path / "outreach")
    locales = tmp_path / "outreach" / "locales.py"
    locales.write_text(
        locales.read_text(encoding="utf-8")
        + "\n\ndef _upward() -> object:\n    from outreach.render import Renderer\n\n"
        "    return Renderer\n",
        encoding="utf-8",
    )
    (tmp_path / "outreach" / "unplaced.py").write_text('"""Nowhere."""\n', encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert "outreach.locales -> outreach.render" in result.stdout
    assert "outreach.unplaced" in result.stdout
