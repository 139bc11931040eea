"""Entries that are not (yet) translations: untranslated and fuzzy.

Neither breaks anything: the renderer falls back to the source text. They are warnings so
that an organizer knows which posts and emails will go out in the source language.

>>> from outreach.checks.registry import CatalogInfo, Unit
>>> from outreach.plurals import PluralForms
>>> info = CatalogInfo(locale="es", file="es.po", plural_forms=PluralForms(2, "n != 1"))
>>> unit = Unit("Watch the film", None, None, ("",), frozenset(), 12, False, info)
>>> list(untranslated(unit))
['not translated: renders in the source language (en) until it is']
"""

from __future__ import annotations

from collections.abc import Iterator

from outreach.checks.registry import Unit, entry_check

__all__ = ["fuzzy", "untranslated"]


@entry_check("untranslated", "warning", needs_translation=False)
def untranslated(unit: Unit) -> Iterator[str]:
    """No text at all; in the source locale's own catalog an empty entry means "as written".

    A warning: the source text is shown until it is translated.
    """
    if unit.catalog.is_source or unit.translated:
        return
    yield (
        f"not translated: renders in the source language ({unit.catalog.source_locale}) until it is"
    )


@entry_check("fuzzy", "warning", needs_translation=False)
def fuzzy(unit: Unit) -> Iterator[str]:
    """Marked fuzzy (a changed source, a guess): gettext ignores the translation. An empty
    fuzzy entry is simply untranslated.

    A warning: the source text is shown until the translation is confirmed.
    """
    if unit.fuzzy and unit.translated and not unit.catalog.is_source:
        yield (
            "marked fuzzy: the source text is rendered until a reviewer checks the "
            "translation and removes the flag"
        )
