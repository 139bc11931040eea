"""Top-level domains as twitter-text knows them, read without importing it.

>>> "org" in top_level_domains() and "lu" in top_level_domains()
True
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Any

__all__ = ["is_short_country_domain", "top_level_domains"]


@functools.cache
def top_level_domains() -> frozenset[str]:
    """Top-level domains (twitter-text's lists): a bare ``example.org`` is a link only
    where its last label is one of these (Bluesky's detection, and the checks' ``urls``)."""
    generic, country = _tld_lists()
    return generic | country


@functools.cache
def _tld_lists() -> tuple[frozenset[str], frozenset[str]]:
    """twitter-text's generic and country-code top-level domains, read from its source
    (importing the package compiles its emoji pattern: a second, on a check that only
    needs the names)."""
    import ast
    from importlib.util import find_spec

    spec = find_spec("twitter_text")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("twitter_text")
    directory = Path(spec.origin).parent / "regexp"
    lists = []
    for name in ("valid_gtld", "valid_cctld"):
        try:
            tree = ast.parse((directory / f"{name}.py").read_text(encoding="utf-8"))
            call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args)
            pattern = _string_sum(call.args[0])
        except (OSError, SyntaxError, StopIteration, ValueError):  # another layout
            module = importlib.import_module(f"twitter_text.regexp.{name}")
            pattern = str(getattr(module, name).pattern)
        body = pattern[pattern.index("(?:(?:") + 6 : pattern.rindex(")(?=")]
        lists.append(frozenset(body.split("|")))
    return lists[0], lists[1]


def _string_sum(node: Any) -> str:
    """The value of ``'a' + 'b' + ...`` written as Python source (no code is run)."""
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _string_sum(node.left) + _string_sum(node.right)
    raise ValueError("not a sum of strings")


def is_short_country_domain(url: str) -> bool:
    """Whether ``url`` is one name and a country-code domain, with no scheme and no path
    (``no.lu``, ``bit.ly``). X (twitter-text v3) and Bluesky link these like any domain,
    but they are also what abbreviations look like (Turkish ``no.lu``), so the checks judge
    them apart (see :func:`outreach.tokens.find_short_domains`).

    >>> [is_short_country_domain(u) for u in ("no.lu", "bit.ly/x", "foo.co.jp", "a.org")]
    [True, False, False, False]
    """
    if "://" in url or "/" in url or "?" in url or "#" in url:
        return False
    name, dot, tld = url.partition(":")[0].rstrip(".").partition(".")
    return bool(dot and name and "." not in tld and tld.lower() in _tld_lists()[1])
