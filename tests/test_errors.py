"""The one exception tree of outreach: every exception class the package defines is defined
in ``outreach/errors.py``, which imports nothing of outreach, and is drawn in that module's
docstring, one line a class, under its base class."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import outreach.errors as errors

PACKAGE = Path(__file__).parent.parent / "src" / "outreach"
ERRORS = PACKAGE / "errors.py"
_EXCEPTION_SUFFIXES = ("Error", "Exception", "Warning")


def _base_name(node: ast.expr) -> str:
    """``ValueError`` for ``ValueError``, ``errors.CatalogError``, ``Generic[...]``."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _exception_classes() -> list[tuple[Path, str]]:
    """``(file, class name)`` for every class in src/outreach that derives from an exception:
    a base named ``...Error``, ``...Exception`` or ``...Warning``, or a class found so
    (``ProblemsFound``), to a fixed point."""
    classes = [
        (path, node.name, {_base_name(base) for base in node.bases})
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    found: set[tuple[Path, str]] = set()
    names: set[str] = set()
    while True:
        more = {
            (path, name)
            for path, name, bases in classes
            if any(b.endswith(_EXCEPTION_SUFFIXES) or b in names for b in bases)
        }
        if more == found:
            return sorted(found)
        found, names = more, {name for _, name in more}


def _tree() -> list[tuple[int, str]]:
    """``(column, class name)`` for each line of the docstring's tree."""
    doc = errors.__doc__ or ""
    lines = doc.split("\n")
    start = next(n for n, line in enumerate(lines) if line.startswith("The tree"))
    start = next(n for n in range(start, len(lines)) if lines[n].endswith("::")) + 2
    end = next(n for n in range(start, len(lines)) if not lines[n].strip())
    drawn = []
    for line in lines[start:end]:
        match = re.match(r"^([ │├└─]*)([A-Z]\w+)  +\S", line)
        assert match, f"not one class with its one-line description: {line!r}"
        drawn.append((len(match.group(1)), match.group(2)))
    return drawn


def test_every_exception_class_is_defined_in_errors() -> None:
    found = _exception_classes()
    assert len(found) >= 12  # the walk sees the tree itself
    elsewhere = [f"{path.relative_to(PACKAGE)}: {name}" for path, name in found if path != ERRORS]
    assert elsewhere == []


def test_errors_imports_nothing_of_outreach() -> None:
    tree = ast.parse(ERRORS.read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.split(".")[0] == "outreach"]


def test_the_docstring_draws_every_class_once_under_its_base() -> None:
    defined = {name for _, name in _exception_classes()}
    drawn = _tree()
    names = [name for _, name in drawn]
    assert sorted(names) == sorted(set(names)), "a class is drawn twice"
    assert set(names) - defined <= {"ValueError", "RuntimeError"}  # builtin bases, as roots
    assert defined <= set(names)
    root = min(column for column, _ in drawn)
    for index, (column, name) in enumerate(drawn):
        cls = getattr(errors, name, None) or getattr(builtins, name)
        if column == root:  # OutreachError, and the builtin bases of the others
            assert cls.__bases__ == (Exception,), name
        else:
            parent = [n for c, n in drawn[:index] if c < column][-1]
            assert [base.__name__ for base in cls.__bases__] == [parent], name


def test_all_lists_every_class() -> None:
    assert sorted(errors.__all__) == sorted(name for _, name in _exception_classes())
