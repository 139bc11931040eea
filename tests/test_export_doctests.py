"""The examples in the export modules' docstrings run and stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "outreach.export",
    "outreach.export.formats",
    "outreach.export.generic",
    "outreach.export.ics",
    "outreach.export.mastodon",
    "outreach.export.profiles",
    "outreach.export.safety",
    "outreach.export.schedule",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
