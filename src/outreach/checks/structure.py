"""Catalog structure: the header, the plural formula, and each entry's plural forms.

A ``Plural-Forms`` formula is judged by what it does, not by which Babel is installed
(:mod:`outreach.plurals`): it is an error (``plural-forms``) only when it is broken -- it does
not parse, picks a form at or above ``nplurals`` for some number, leaves a form no number
reaches (unless the forms numbers reach are the language's own and the others are never
shown: :func:`~outreach.plurals.formula_problems`; CLDR's forms for fractions, as Crowdin
exports them, among them), or disagrees with how many forms the entries write. A working
formula that no translation tool writes for the language is a ``header`` warning that says
which numbers get which form; so are a fuzzy header and fields that pybabel cannot read. A
declared charset that is not a text encoding (``charset``) is an error: the file is read as
UTF-8 and not used.

>>> from outreach.checks.registry import CatalogInfo
>>> from outreach.plurals import parse_plural_forms
>>> from outreach.poheader import HeaderField, PoHeader
>>> declared = HeaderField("Plural-Forms", "nplurals=3; plural=n%10==1 ? 0 : 1;", 12)
>>> info = CatalogInfo(locale="ru", file="ru.po", plural_counts=(3,),
...                    plural_forms=parse_plural_forms(declared.value),
...                    header=PoHeader(line=3, fields=(declared,)))
>>> [(line, message[:61]) for line, message in plural_forms(info)]
[(12, 'Plural-Forms: no number selects form 2 of nplurals=3; plural=')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.checks.registry import (
    CatalogInfo,
    Problem,
    Unit,
    catalog_check,
    entry_check,
    problem,
)
from outreach.locales import language_code
from outreach.plurals import (
    PluralForms,
    cldr_disagreements,
    describe_forms,
    describe_numbers,
    formula_problems,
    known_source,
    usual_plural_forms,
)

__all__ = ["charset", "header", "plural_forms", "plural_source", "plurals"]


def _usual(info: CatalogInfo) -> PluralForms | None:
    return usual_plural_forms(info.header.language or info.locale)


def _advice(info: CatalogInfo) -> str:
    usual = _usual(info)
    if usual is None:
        return ""
    return f"; {info.locale or 'this language'} usually has {usual.header}"


@catalog_check("plural-forms", "error", structural=True)
def plural_forms(info: CatalogInfo) -> Iterator[tuple[int | None, str]]:
    """A ``Plural-Forms`` header that cannot work, or that the entries contradict.

    Errors (certain: the catalog breaks at run time or in msgfmt).
    """
    header = info.header
    declared = header.declared_plural_forms
    if declared is None:
        return
    line = declared.line
    if header.plural_forms_error is not None:
        yield (
            line,
            f"Plural-Forms: {header.plural_forms_error}{_advice(info)}; until it is fixed, "
            "plural strings render in the source language",
        )
        return
    problems = formula_problems(info.plural_forms, info.locale or "und")
    for found in problems:
        yield line, f"Plural-Forms: {found}{_advice(info)}"
    count = None if problems else info.catalog_wide_count
    if count is not None:
        usual = _usual(info)
        fix = (
            f"use {usual.header}"
            if usual is not None and usual.nplurals == count
            else f"make nplurals and the entries agree ({info.locale or 'the language'} "
            f"usually has {usual.header})"
            if usual is not None
            else "make nplurals and the entries agree"
        )
        yield (
            line,
            f"Plural-Forms says nplurals={info.num_plurals}, but every plural entry has "
            f"{count} forms (msgstr[0] to msgstr[{count - 1}]): {fix}",
        )


@catalog_check("charset", "error", structural=True)
def charset(info: CatalogInfo) -> Iterator[tuple[int | None, str]]:
    """A declared charset that is not a text encoding catalogs use (``raw_unicode_escape``,
    UTF-16, punycode ...): outreach reads the file as UTF-8, as a reviewer sees it, and uses
    none of it until the header says so.

    Errors (certain: the file cannot be read as declared).
    """
    head = info.header
    if head.charset_error is not None:
        field = head.get("content-type")
        line = field.line if field is not None else head.line
        yield line, f"{head.charset_error}; until then, nothing of this catalog is used"


@catalog_check("header", "warning")
def header(info: CatalogInfo) -> Iterator[tuple[int | None, str]]:
    """A header that works but that some tools read differently.

    Warnings: header fields that tools read differently, a judgement of risk.
    """
    head = info.header
    if head.fuzzy_line is not None:
        yield (
            head.fuzzy_line,
            "the header is marked fuzzy: pybabel compile skips such a catalog (msgfmt, Django "
            "and outreach use it); remove “fuzzy” from the header's flags once it is reviewed",
        )
    for item in head.unreadable:
        if item.noteworthy:
            yield item.field.line, f"{item.field.name}: {item.field.value} {item.reason}"
    language = head.get("language")
    if (
        language is not None
        and language.value
        and info.locale
        and language_code(language.value) != language_code(info.locale)
    ):
        yield (
            language.line,
            f"the header says Language: {language.value}, but this is the {info.locale} catalog",
        )
    content_type = head.get("content-type")
    if content_type is not None and head.charset_error is None:
        charset = content_type.value.partition("charset=")[2].strip().lower()
        if charset and charset not in ("utf-8", "utf8", "charset"):
            yield (
                content_type.line,
                f"charset is {charset}: outreach reads it, but some languages' letters and "
                "emoji cannot be written in it; 'outreach update' rewrites the catalog in UTF-8",
            )
    if info.plural_counts:
        yield from _unusual_formula(info)


def _unusual_formula(info: CatalogInfo) -> Iterator[tuple[int | None, str]]:
    head = info.header
    usual = _usual(info)
    declared = head.declared_plural_forms
    if declared is None:
        if head.line is None:
            return
        assumed = "nplurals=2; plural=(n != 1);"
        ours = usual.header if usual is not None else assumed
        note = "" if ours == assumed else f" outreach uses {info.locale}'s {ours}"
        yield (
            head.line,
            f"the header has no Plural-Forms, though the catalog has plural entries: msgfmt "
            f"refuses the file, gettext's runtime assumes {assumed}{note} add Plural-Forms: "
            f"{ours} so that every tool agrees",
        )
        return
    forms = info.plural_forms
    if head.plural_forms_error is not None or not info.locale:
        return
    if formula_problems(forms, info.locale) or known_source(forms, info.locale) is not None:
        return
    numbers = describe_forms(forms)
    cldr = cldr_disagreements(forms, info.locale)
    differs = f" ({'; '.join(cldr)})" if cldr else ""
    tail = f"; the usual one is {usual.header}" if usual is not None else ""
    yield (
        declared.line,
        f"Plural-Forms: {forms.header} is not a formula translation tools use for "
        f"{info.locale}: it picks {numbers}{differs}{tail}",
    )


#: A CLDR plural category named at the start of a line, as a tool that writes ICU or CLDR
#: plural variants labels them (``one: %(n)s yorum``, ``other: …``): lower case, as CLDR
#: writes its keywords, then a colon.
_CATEGORY_LINE = re.compile(r"^[ \t]*(zero|one|two|few|many|other)[ \t]*[:：]", re.MULTILINE)
#: The same categories in any case (``One: …``, ``Other: …``): two of them in one form are
#: labels whatever their case; a source that has one (``Other: %s``) is not compared.
_ANY_CASE_CATEGORY_LINE = re.compile(_CATEGORY_LINE.pattern, re.MULTILINE | re.IGNORECASE)
#: An ICU MessageFormat plural or select variant: a category or an exact number, then its
#: message in braces (``one {# yorum}``, ``=0 {hiç}``, ``other {…}``).
_ICU_VARIANT = re.compile(r"(?<![\w=-])(zero|one|two|few|many|other|=\d{1,9})\s{0,10}\{")


def _category_labels(unit: Unit) -> Iterator[Problem]:
    """Forms that name CLDR plural categories the source does not: ``one: … \\n other: …``
    at line starts, or ICU's ``{count, plural, one {…} other {…}}``, pasted from a tool that
    writes plurals so. gettext picks one form by the count and shows it whole, labels and
    all: the reader sees "one: 5 yorum" and "other: 5 yorum" on two lines.

    Errors: labels at line starts (no formatter reads them; certain from the catalog): in a
    plural entry, one label in lower case, as CLDR writes them, suffices (a form per
    category, each labelled), in a singular entry two different ones (a lone "other:" may
    be a word), in any case (``One: … / Other: …``); ICU variants, two different
    ones with ``other`` (ICU requires it), in a plural entry, whose forms gettext picks,
    never ICU. In a singular entry ICU variants are a warning: a program that formats its
    translations with ICU MessageFormat (Lingui, FormatJS) reads them as the plural they
    are.
    """
    forms = unit.filled_forms()
    if not any(":" in text or "：" in text or "{" in text for _, text in forms):
        return  # no label can be written without one: most entries end here
    source = unit.source_text
    if _ANY_CASE_CATEGORY_LINE.search(source) or _ICU_VARIANT.search(source):
        return
    lines: dict[int, list[str]] = {}
    icu: dict[int, list[str]] = {}
    for index, text in forms:
        if ":" in text or "：" in text:
            found = list(dict.fromkeys(_CATEGORY_LINE.findall(text)))
            any_case = list(dict.fromkeys(_ANY_CASE_CATEGORY_LINE.findall(text)))
            if len({label.lower() for label in any_case}) > 1:
                found = any_case  # "One: … / Other: …": two labels, whatever their case
            if found:
                lines[index] = found
        if "{" in text:
            variants = list(dict.fromkeys(_ICU_VARIANT.findall(text)))
            if len(variants) > 1 and "other" in variants:
                icu[index] = variants
    labelled = {label.lower() for found in lines.values() for label in found}
    if len(labelled) < (1 if unit.is_plural else 2):
        lines = {}
    for index in sorted(lines.keys() | icu.keys()):
        if index in lines:
            named = ", ".join(f"“{label}:”" for label in lines[index])
            what = (
                f"the CLDR plural categories {named} label lines of the translation"
                if len(lines[index]) > 1
                else f"the CLDR plural category {named} labels a line of the translation"
            )
        else:
            named = ", ".join(f"“{label} {{…}}”" for label in icu[index])
            what = f"the translation writes ICU MessageFormat plural variants, {named}"
        if unit.is_plural:
            yield problem(
                unit,
                index,
                f"{what}: gettext picks one form by the number and shows it whole, so "
                f"readers see the labels and each variant as typed; write in each form only "
                f"its own text, without labels ({_numbers_of_forms(unit)})",
            )
        elif index in lines:
            yield problem(
                unit,
                index,
                f"{what}: the program shows the translation whole, labels and each variant "
                "as typed; write one translation, without labels",
            )
        else:
            yield problem(
                unit,
                index,
                f"{what}: fine if the program formats this string with ICU MessageFormat "
                "(Lingui, FormatJS); with gettext alone readers see the braces and each "
                "variant as typed",
                "warning",
            )


def _numbers_of_forms(unit: Unit) -> str:
    """Which plural form is shown for which numbers (:func:`_category_labels`' advice)."""
    by_form = unit.catalog.numbers_by_form
    return "; ".join(
        f"msgstr[{i}] is shown for {describe_numbers(numbers)}"
        for i, numbers in enumerate(by_form)
        if numbers  # a form no number selects (Crowdin's for fractions) is never shown
    )


@entry_check("plurals", "error", structural=True)
def plurals(unit: Unit) -> Iterator[str | Problem]:
    """A plural entry with forms missing, empty or beyond ``nplurals``: all errors, certain
    from the catalog (a form the file does not write is "missing", one written empty is
    "empty"; either shows the source language for its numbers).

    A form that no whole number selects (Transifex's form for fractions) may be left out or
    empty; a count that every entry shares is the header's problem, reported once there.

    Any entry, plural or not: CLDR plural categories pasted into a form (``one: …``,
    ``other: …``, or ICU's ``one {…} other {…}``) that the source lacks, shown as typed
    (:func:`_category_labels`).
    """
    yield from _category_labels(unit)
    if not unit.is_plural:
        return
    info = unit.catalog
    nplurals = info.num_plurals
    written = len(unit.forms)
    if written > nplurals and written != info.catalog_wide_count:
        # a header without Plural-Forms: the forms one reading shows and the other does
        # not, and those neither shows, are two findings (the runner weighs the first)
        shown = info.most_shown  # nplurals, but for a header without Plural-Forms
        extras = [i for i in range(nplurals, min(written, shown)) if unit.forms[i]]
        beyond = [i for i in range(max(nplurals, shown), written) if unit.forms[i]]
        if not info.two_readings:
            extras, beyond = extras + beyond, []  # one reading: every extra form is beyond
        if extras:
            yield Problem(
                f"{written} plural forms, but the catalog has nplurals={nplurals}: "
                f"{_listed(extras)} would never be shown",
                extras[0],
            )
        if beyond:
            yield Problem(
                f"{_listed(beyond)} would never be shown: the header declares no "
                f"Plural-Forms, and neither {_usual_or(info)} nor gettext's default "
                f"(nplurals=2) shows more than {shown} forms",
                beyond[0],
            )
    if not unit.translated or (written < nplurals and written == info.catalog_wide_count):
        return
    by_form = info.numbers_by_form
    empty = [
        index
        for index in sorted(info.plural_forms.reachable)
        if index >= written or not unit.forms[index]
    ]
    if not empty:
        return
    # a form the file does not write is missing (add it); one written as "" is empty
    in_file = unit.lines.written_forms if unit.lines is not None else written
    parts = []
    for kind, forms in (
        ("missing", [i for i in empty if i >= in_file]),
        ("empty", [i for i in empty if i < in_file]),
    ):
        if forms:
            listed = ", ".join(f"msgstr[{i}] (for {describe_numbers(by_form[i])})" for i in forms)
            parts.append(f"{listed} {'is' if len(forms) == 1 else 'are'} {kind}")
    yield Problem(
        f"{' and '.join(parts)}: until filled, this entry renders in the source language "
        f"({info.source_locale}) for every number",
        empty[0] if empty[0] < in_file else None,
    )


@entry_check("plural-source", "error", structural=True)
def plural_source(unit: Unit) -> Iterator[str]:
    """A plural source (msgid_plural) that is not the templates' own.

    gettext finds a plural translation by its singular msgid alone, so the msgid_plural a
    .po writes is never read: the template's is what the plural forms translate, and what
    they are checked against. One that differs is stale (``outreach update`` rewrites it
    from the templates) or a way to slip text past the checks.

    Errors (certain): the entry's plural forms are never used, or are checked against text
    gettext never reads.
    """
    sources = unit.catalog.sources
    source = sources.get((unit.msgctxt, unit.msgid)) if sources is not None else None
    if source is None or source.msgid_plural == unit.written_plural:
        return
    templates = sources is not None and sources.origin == "templates"
    have, owner = (
        ("the templates have", "the templates'") if templates else ("the POT has", "the POT's")
    )
    if source.msgid_plural is None:
        yield (
            f"this entry has a msgid_plural, but {have} “{_short(unit.msgid)}” as a singular "
            "string: its plural forms are never used; run 'outreach update'"
        )
    elif unit.written_plural is None:
        yield (
            f"{have} a plural (“{_short(source.msgid_plural)}”) for this string, but the "
            "entry has no msgid_plural and plural forms: it is never used; run "
            "'outreach update'"
        )
    else:
        yield (
            f"msgid_plural “{_short(unit.written_plural)}” is not {owner} "
            f"“{_short(source.msgid_plural)}”: gettext never reads it, and the plural forms "
            "are checked against the source's; run 'outreach update'"
        )


def _listed(forms: list[int]) -> str:
    return ", ".join(f"msgstr[{i}]" for i in forms)


def _usual_or(info: CatalogInfo) -> str:
    """The usual formula's name in a finding about a header without Plural-Forms."""
    language = info.header.language or info.locale
    return f"{language}'s usual formula (nplurals={info.header.plural_forms.nplurals})"


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
