"""Translations for rendering: each catalog as checked, in a fallback chain.

For ``pt_BR`` the chain is ``pt_BR`` -> ``pt`` -> the source text. Each link is compiled in
memory from the locale's ``.po``: a committed ``.mo`` is never read, so what renders is what
``outreach check`` judged (a pull request can add a ``.mo`` as easily as a ``.po``).

Before compiling, every entry meets the error checks that guard what supporters receive
(placeholders, links, mentions, hashtags, markup, injections, invisible characters, plural
forms; language detection aside). An entry with an error finding is left out, so it falls
back along the chain, and the finding is kept in :attr:`LocaleTranslations.refused` for the
command to report; a broken ``Plural-Forms`` leaves out every plural entry. Missing, empty,
fuzzy and incompletely pluralised entries are left out too, so nothing ever renders empty.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> loaded = load_locale(campaign, "en")
>>> loaded.refused, loaded.mo is not None
((), True)
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach.locales import fallback_chain

if TYPE_CHECKING:
    from babel.messages.catalog import Message

    from outreach.campaign import Campaign
    from outreach.checks.registry import Finding

__all__ = ["GATE_EXEMPT", "LocaleTranslations", "build_chain", "gate_checks", "load_locale"]

#: Error checks that do not keep an entry out of what is sent: language detection judges
#: style, not safety (a false alarm there must not change an email).
GATE_EXEMPT = frozenset({"wrong-language"})


@dataclass(frozen=True)
class LocaleTranslations:
    """One locale's catalog as the renderer uses it: compiled ``.mo`` bytes (``None``
    without a catalog) and the error findings whose entries were left out."""

    locale: str
    mo: bytes | None
    refused: tuple[Finding, ...] = ()


@functools.cache
def gate_checks() -> frozenset[str]:
    """The checks whose errors keep an entry out of rendered output."""
    from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS

    names = {c.name for c in ENTRY_CHECKS.values() if c.severity == "error"}
    names |= {c.name for c in CATALOG_CHECKS.values() if c.severity == "error"}
    return frozenset(names - GATE_EXEMPT)


def load_locale(campaign: Campaign, locale: str) -> LocaleTranslations:
    """Read, check and compile ``locale``'s catalog (see the module's description).

    Raises :class:`~outreach.errors.CatalogError` for a catalog that cannot be read.
    """
    from outreach.checks import check_catalog
    from outreach.pofile import parse_po, write_mo

    path = campaign.po_path(locale)
    try:
        data = campaign.read(path)
    except FileNotFoundError:
        return LocaleTranslations(locale, None)
    po = parse_po(data, path=campaign.relative(path), locale=locale)
    findings = [
        f
        for f in check_catalog(
            po, file=campaign.relative(path), locale=locale, campaign=campaign, only=gate_checks()
        )
        if f.severity == "error"
    ]
    refused_keys = {(f.msgctxt, f.msgid) for f in findings if f.msgid is not None}
    no_plurals = any(f.msgid is None and f.check == "plural-forms" for f in findings)

    def keep(message: Message) -> bool:
        if no_plurals and message.pluralizable:
            return False
        msgid = message.id[0] if message.pluralizable else message.id
        return (message.context, msgid) not in refused_keys

    buffer = io.BytesIO()
    write_mo(po.catalog, buffer, po.plural_forms, keep=keep)
    return LocaleTranslations(locale, buffer.getvalue(), tuple(findings))


def build_chain(
    campaign: Campaign, locale: str, loaded: Mapping[str, LocaleTranslations]
) -> gettext.NullTranslations:
    """The translations for ``locale`` with its fallbacks, ending in the source text;
    ``loaded`` holds :func:`load_locale`'s result for every locale of the chain."""
    head: gettext.NullTranslations | None = None
    for link in fallback_chain(locale, campaign.source_locale):
        entry = loaded.get(link)
        if entry is None or entry.mo is None:
            continue
        translations = gettext.GNUTranslations(io.BytesIO(entry.mo))
        if head is None:
            head = translations
        else:
            head.add_fallback(translations)
    return head if head is not None else gettext.NullTranslations()
