"""Translation QA: small checks, one registry, one runner.

>>> from babel.messages.catalog import Catalog
>>> catalog = Catalog(locale="es", fuzzy=False)
>>> _ = catalog.add("Sign now: %(url)s", "Firma ya")
>>> [f.message for f in check_catalog(catalog, file="es.po")]
['placeholder %(url)s is missing from the translation']
"""

from __future__ import annotations

# Importing the check modules registers their checks.
from outreach.checks import placeholders, structure  # noqa: F401
from outreach.checks.registry import (
    CATALOG_CHECKS,
    ENTRY_CHECKS,
    CatalogInfo,
    Finding,
    Severity,
    Unit,
    catalog_check,
    entry_check,
)
from outreach.checks.runner import catalog_info, check_catalog, summarize

__all__ = [
    "CATALOG_CHECKS",
    "ENTRY_CHECKS",
    "CatalogInfo",
    "Finding",
    "Severity",
    "Unit",
    "catalog_check",
    "catalog_info",
    "check_catalog",
    "entry_check",
    "summarize",
]
