"""outreach: multilingual advocacy messages.

Calls to action live as gettext catalogs, extracted from Jinja2 templates; outreach checks
translations, renders every message per language as emails and social posts, and exports
them for schedulers and mail-merges.

    >>> import outreach
    >>> campaign = outreach.load_campaign(".")          # doctest: +SKIP
    >>> [s.percent for s in outreach.stats(campaign)]    # doctest: +SKIP
    [100.0, 100.0, 100.0, 100.0]

Importing this package is light: the public names below load their modules (and Babel,
Jinja2 or langdetect) on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from outreach._version import __version__
from outreach.errors import (
    CatalogError,
    ConfigError,
    InputError,
    LocaleError,
    OutreachError,
    ProblemsFound,
    TemplateError,
    UnsafePathError,
    UsageError,
)

# public name -> module that defines it
_LAZY = {
    "Campaign": "outreach.campaign",
    "load_campaign": "outreach.campaign",
    "parse_campaign": "outreach.campaign",
    "init_campaign": "outreach.scaffold",
    "extract": "outreach.catalogs",
    "add_locale": "outreach.catalogs",
    "update": "outreach.catalogs",
    "compile_catalogs": "outreach.catalogs",
    "stats": "outreach.catalogs",
    "merge_catalog": "outreach.catalogs",
    "normalize_locale": "outreach.locales",
    "negotiate_locale": "outreach.locales",
    "Renderer": "outreach.render",
    "Post": "outreach.render",
    "Email": "outreach.render",
    "build_preview": "outreach.preview",
    "check_campaign": "outreach.qa.campaign",
    "CheckReport": "outreach.qa.campaign",
    "Finding": "outreach.findings",
    "plan_posts": "outreach.export",
    "export_files": "outreach.export",
    "ScheduledPost": "outreach.export",
}

__all__ = [
    "Campaign",
    "CatalogError",
    "CheckReport",
    "ConfigError",
    "Email",
    "Finding",
    "InputError",
    "LocaleError",
    "OutreachError",
    "Post",
    "ProblemsFound",
    "Renderer",
    "ScheduledPost",
    "TemplateError",
    "UnsafePathError",
    "UsageError",
    "__version__",
    "add_locale",
    "build_preview",
    "check_campaign",
    "compile_catalogs",
    "export_files",
    "extract",
    "init_campaign",
    "load_campaign",
    "merge_catalog",
    "negotiate_locale",
    "normalize_locale",
    "parse_campaign",
    "plan_posts",
    "stats",
    "update",
]

if TYPE_CHECKING:
    from outreach.campaign import Campaign, load_campaign, parse_campaign
    from outreach.catalogs import (
        add_locale,
        compile_catalogs,
        extract,
        merge_catalog,
        stats,
        update,
    )
    from outreach.export import ScheduledPost, export_files, plan_posts
    from outreach.findings import Finding
    from outreach.locales import negotiate_locale, normalize_locale
    from outreach.preview import build_preview
    from outreach.qa.campaign import CheckReport, check_campaign
    from outreach.render import Email, Post, Renderer
    from outreach.scaffold import init_campaign


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'outreach' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
