"""Catalog structure: the header and plural forms.

>>> from outreach.checks.registry import CatalogInfo
>>> info = CatalogInfo(locale="ru", file="ru.po", num_plurals=2, plural_expr="n != 1",
...                    headers={"Language": "ru"}, expected_num_plurals=3)
>>> [message for _, message in header(info)]
['Plural-Forms has nplurals=2 but ru needs 3 (CLDR, via Babel)']
"""

from __future__ import annotations

from collections.abc import Iterator

from outreach.checks.registry import CatalogInfo, Unit, catalog_check, entry_check

__all__ = ["header", "plurals"]


@catalog_check("header", "error", structural=True)
def header(info: CatalogInfo) -> Iterator[tuple[int | None, str]]:
    """A header that gettext tools or renderers would misread."""
    if info.header_fuzzy:
        yield (
            1,
            (
                "the header is marked fuzzy: pybabel would skip this catalog; "
                "review it and remove the fuzzy flag"
            ),
        )
    language = info.headers.get("Language", "").strip()
    if not language:
        yield 1, "the header has no Language"
    elif info.locale and _base(language) != _base(info.locale):
        yield 1, f"the header says Language: {language}, but this is the {info.locale} catalog"
    content_type = info.headers.get("Content-Type", "")
    charset = content_type.partition("charset=")[2].strip().lower()
    if charset and charset not in ("utf-8", "utf8"):
        yield 1, f"charset is {charset}; use UTF-8 so every language's text survives"
    if info.expected_num_plurals is not None and info.num_plurals != info.expected_num_plurals:
        yield (
            1,
            (
                f"Plural-Forms has nplurals={info.num_plurals} but {info.locale} needs "
                f"{info.expected_num_plurals} (CLDR, via Babel)"
            ),
        )


@entry_check("plurals", "error", structural=True)
def plurals(unit: Unit) -> Iterator[str]:
    """Plural entries need exactly the language's number of forms, all filled or none."""
    if not unit.is_plural:
        return
    expected = unit.catalog.num_plurals
    if len(unit.forms) != expected:
        yield f"{len(unit.forms)} plural forms, {unit.catalog.locale} has {expected}"
    empty = [str(i) for i, text in enumerate(unit.forms) if not text]
    if empty and len(empty) < len(unit.forms):
        yield (
            f"plural form {', '.join(empty)} is missing or empty while others are filled; "
            "those numbers would fall back to the source language"
        )


def _base(locale: str) -> str:
    """The language subtag: ``pt-BR`` and ``pt_BR`` -> ``pt``."""
    return locale.replace("-", "_").split("_", 1)[0].split("@", 1)[0].lower()
