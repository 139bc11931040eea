"""Translation QA: small checks, one registry, one runner.

Each check is a small pure function registered with a name and a severity (see
:mod:`outreach.checks.registry`); :func:`check_catalog` runs them over a Babel catalog and
returns :class:`~outreach.findings.Finding` objects. ``outreach compile`` runs the structural
ones only; ``outreach check`` runs them all through :func:`outreach.qa.campaign.check_campaign`,
which then checks every message as rendered (:mod:`outreach.qa`, a layer above rendering).

The modules:

=============  =====================================================================
registry       Unit, CatalogInfo, the ``entry_check``/``catalog_check`` decorators
runner         ``check_catalog``: builds units, asks a language detector, runs the checks
structure      plural-forms, header, plurals
status         untranslated, fuzzy
placeholders   placeholders
markup         html, template-injection, header-injection, invisible, zero-width
spacing        newlines, blank, whitespace (edges, glued placeholders), length
content        hashtags, urls, bare-domain, mentions, emoji
verbatim       code (commands, options, code spans), numbers
language       wrong-language, same-as-source
wording        doubled-word
incremental    re-checking a catalog after a few entries changed
=============  =====================================================================

Below them, :mod:`outreach.findings` says what a check reports, :mod:`outreach.cache` keeps
findings per entry so that no file can forge them, :mod:`outreach.tokens` finds links,
mentions, hashtags and emoji as the platforms do, and :mod:`outreach.placeholders` parses
format directives.

Importing this package is cheap; the checks register when the runner is first used.

>>> from babel.messages.catalog import Catalog
>>> from outreach.checks import check_catalog
>>> catalog = Catalog(locale="es", fuzzy=False)
>>> _ = catalog.add("Sign now: %(url)s", "Firma ya")
>>> [f.message for f in check_catalog(catalog, file="es.po")]
['placeholder %(url)s is missing from the translation']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from outreach.checks.registry import (
        CATALOG_CHECKS,
        ENTRY_CHECKS,
        CatalogInfo,
        Finding,
        Severity,
        Unit,
        catalog_check,
        entry_check,
        summarize,
    )
    from outreach.checks.runner import Detector, catalog_info, check_catalog

__all__ = [
    "CATALOG_CHECKS",
    "ENTRY_CHECKS",
    "CatalogInfo",
    "Detector",
    "Finding",
    "Severity",
    "Unit",
    "catalog_check",
    "catalog_info",
    "check_catalog",
    "entry_check",
    "summarize",
]

_FROM_RUNNER = {"CATALOG_CHECKS", "ENTRY_CHECKS", "Detector", "catalog_info", "check_catalog"}
_FROM_REGISTRY = {
    "CatalogInfo",
    "Finding",
    "Severity",
    "Unit",
    "catalog_check",
    "entry_check",
    "summarize",
}


def __getattr__(name: str) -> Any:
    # Nothing is imported before it is asked for: outreach.cache (which render and
    # merge use) must not bring the registry and its checks with it.
    if name in _FROM_RUNNER:
        module = importlib.import_module("outreach.checks.runner")  # registers every check
    elif name in _FROM_REGISTRY:
        module = importlib.import_module("outreach.checks.registry")
    else:
        raise AttributeError(f"module 'outreach.checks' has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value
