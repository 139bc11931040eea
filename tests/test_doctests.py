"""Every example in outreach's docstrings runs and stays true (they are documentation)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import outreach

MODULES = sorted(info.name for info in pkgutil.walk_packages(outreach.__path__, prefix="outreach."))


@pytest.mark.parametrize("name", ["outreach", *MODULES])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
