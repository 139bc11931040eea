"""A check cache of its own for every test and every doctest: a pytest plugin.

outreach keeps its check cache in the user's cache directory unless ``OUTREACH_CACHE_DIR``
says otherwise. pyproject.toml loads this plugin for the whole run (``-p private_cache``, with
``tests`` on the ``pythonpath``), so that its fixture reaches the doctests of src/outreach
too, which no fixture of tests/conftest.py can.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test's check cache lives in a directory of its own, never the user's."""
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
