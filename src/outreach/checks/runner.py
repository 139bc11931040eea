"""Run the registered checks over a Babel catalog and collect :class:`Finding` objects."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from babel.messages.catalog import Catalog, Message

from outreach.checks.registry import (
    CATALOG_CHECKS,
    ENTRY_CHECKS,
    CatalogInfo,
    EntryCheck,
    Finding,
    Unit,
)
from outreach.pofile import iter_messages, message_forms

if TYPE_CHECKING:
    from outreach.campaign import Campaign

__all__ = [
    "catalog_info",
    "check_catalog",
    "run_entry_checks",
    "summarize",
    "unit_from_message",
]


def catalog_info(
    catalog: Catalog,
    *,
    file: str,
    locale: str | None = None,
    campaign: Campaign | None = None,
) -> CatalogInfo:
    """Everything the checks may know about ``catalog``."""
    from babel.messages.plurals import get_plural

    name = locale or (str(catalog.locale) if catalog.locale else "")
    try:
        expected: int | None = get_plural(name).num_plurals if name else None
    except (ValueError, LookupError):
        expected = None
    headers = {key: value for key, value in catalog.mime_headers}
    return CatalogInfo(
        locale=campaign.label(name) if campaign else name,
        file=file,
        num_plurals=catalog.num_plurals,
        plural_expr=catalog.plural_expr,
        source_locale=campaign.source_locale if campaign else "en",
        hashtags=campaign.hashtags if campaign else (),
        accepted_hashtags=campaign.hashtags_for(name) if campaign else (),
        headers=headers,
        header_fuzzy=bool(catalog.fuzzy),
        expected_num_plurals=expected,
    )


def unit_from_message(message: Message, info: CatalogInfo) -> Unit:
    """The checks' view of one Babel message."""
    if message.pluralizable:
        msgid, msgid_plural = str(message.id[0]), str(message.id[1])
    else:
        msgid, msgid_plural = str(message.id), None
    return Unit(
        msgid=msgid,
        msgid_plural=msgid_plural,
        msgctxt=message.context,
        forms=tuple(message_forms(message)),
        flags=frozenset(message.flags),
        line=message.lineno,
        fuzzy=message.fuzzy,
        catalog=info,
        comments=tuple(message.user_comments) + tuple(message.auto_comments),
    )


def _selected(
    name: str, structural: bool, structural_only: bool, only: Collection[str] | None
) -> bool:
    return (structural or not structural_only) and (only is None or name in only)


def _ignored(unit: Unit, name: str) -> bool:
    """Weblate-style ``ignore-<check>`` flags switch a check off for one entry."""
    return f"ignore-{name}" in unit.flags


def check_catalog(
    catalog: Catalog,
    *,
    file: str,
    locale: str | None = None,
    campaign: Campaign | None = None,
    structural_only: bool = False,
    only: Collection[str] | None = None,
) -> list[Finding]:
    """Every finding for ``catalog``, in file order then check order."""
    info = catalog_info(catalog, file=file, locale=locale, campaign=campaign)
    findings: list[Finding] = []
    for check in CATALOG_CHECKS.values():
        if not _selected(check.name, check.structural, structural_only, only):
            continue
        for line, message in check.func(info):
            findings.append(
                Finding(info.locale, file, line, None, None, check.name, check.severity, message)
            )
    entry_checks = [
        c for c in ENTRY_CHECKS.values() if _selected(c.name, c.structural, structural_only, only)
    ]
    units = (unit_from_message(m, info) for m in iter_messages(catalog))
    findings.extend(run_entry_checks(units, entry_checks))
    return findings


def run_entry_checks(units: Iterable[Unit], checks: Sequence[EntryCheck]) -> list[Finding]:
    """Run entry ``checks`` over ``units``; fuzzy and untranslated units only meet the checks
    that do not need a translation (such as ``untranslated`` and ``fuzzy``)."""
    findings: list[Finding] = []
    for unit in units:
        usable = unit.translated and not unit.fuzzy
        for check in checks:
            if (check.needs_translation and not usable) or _ignored(unit, check.name):
                continue
            findings.extend(
                Finding(
                    unit.catalog.locale,
                    unit.catalog.file,
                    unit.line,
                    unit.msgid,
                    unit.msgctxt,
                    check.name,
                    check.severity,
                    message,
                )
                for message in check.func(unit)
            )
    return findings


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    """``{"errors": N, "warnings": M}`` as in the JSON output."""
    counts = {"errors": 0, "warnings": 0}
    for finding in findings:
        counts["errors" if finding.severity == "error" else "warnings"] += 1
    return counts
