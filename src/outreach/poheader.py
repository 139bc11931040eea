"""A catalog's header (the entry whose msgid is empty): its fields as written, with their
lines, and the view of it that Babel can read.

Babel refuses a whole catalog over one header field: ``POT-Creation-Date: 2020-11-18
15:36:40.758128+00:00`` (as Wagtail Localize writes it; msgfmt accepts it), ``Plural-Forms:
nplurals=INTEGER`` (a template's placeholder), a plural count lower than the entries use
(``msg has more translations than num_plurals of catalog``). outreach reads such a catalog
anyway: it hands Babel a header it can read, keeps the fields as written for the checks to
judge (:mod:`outreach.checks.structure`), and decides the catalog's plural formula itself,
so that it never depends on the installed Babel (:mod:`outreach.plurals`).

>>> raw = RawHeader(1, 2, [(2, ""), (3, "Language: es\\n"), (4, "Plural-Forms: nplurals=2\\n")])
>>> header = read_header(raw, locale="es", most_forms=2)
>>> header.get("language").line, header.plural_forms.header
(3, 'nplurals=2; plural=(n != 1);')
>>> header.plural_forms_error
'plural= is missing (write nplurals=N; plural=EXPRESSION;)'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from outreach.errors import PluralFormsError
from outreach.plurals import (
    GETTEXT_DEFAULT,
    PluralForms,
    parse_plural_forms,
    usual_plural_forms,
)

__all__ = ["HeaderField", "PoHeader", "RawHeader", "Unreadable", "babel_view", "read_header"]

#: gettext's own date form, the only one Babel reads: ``2026-12-01 09:30+0100``.
_GETTEXT_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?:[+-]\d{4})?")
_DATE_FIELDS = ("pot-creation-date", "po-revision-date")


@dataclass
class RawHeader:
    """The header entry as :func:`outreach.pofile.parse_po`'s syntax pass found it."""

    msgid_line: int
    msgstr_line: int
    pieces: list[tuple[int, str]] = field(default_factory=list)  # (line, unescaped string)
    fuzzy_line: int | None = None


@dataclass(frozen=True)
class HeaderField:
    """``Name: value`` on ``line`` (the line its first character is on)."""

    name: str
    value: str
    line: int


@dataclass(frozen=True)
class Unreadable:
    """A field Babel cannot read, why, and what Babel was given instead (``None``: the
    field was left out of Babel's view)."""

    field: HeaderField
    reason: str
    replacement: str | None = None
    #: worth a warning (a template's placeholder, ``YEAR-MO-DA HO:MI+ZONE``, is not)
    noteworthy: bool = True


@dataclass(frozen=True)
class PoHeader:
    """The header of one catalog.

    ``plural_forms`` is the formula the catalog is used with: the declared one when it
    parses, otherwise the usual one for the catalog's language. ``plural_forms_error``
    says why the declared one does not parse; ``unreadable`` lists the fields Babel could
    not have read.
    """

    line: int | None = None
    fuzzy_line: int | None = None
    fields: tuple[HeaderField, ...] = ()
    plural_forms: PluralForms = GETTEXT_DEFAULT
    plural_forms_error: str | None = None
    unreadable: tuple[Unreadable, ...] = ()
    language: str | None = None  # the locale the default plural formula was taken for
    #: why the declared charset is refused (the file was read as UTF-8), or ``None``
    charset_error: str | None = None

    def get(self, name: str) -> HeaderField | None:
        """The field called ``name`` (any letter case), the last if it is repeated."""
        wanted = name.lower()
        found = None
        for item in self.fields:
            if item.name.lower() == wanted:
                found = item
        return found

    @property
    def declared_plural_forms(self) -> HeaderField | None:
        return self.get("plural-forms")

    def line_of(self, name: str) -> int | None:
        """The line of field ``name``, or of the header itself when it has no such field."""
        found = self.get(name)
        return found.line if found is not None else self.line


def _fields(raw: RawHeader) -> tuple[HeaderField, ...]:
    found: list[HeaderField] = []
    text, start = "", None
    for line, piece in raw.pieces:
        parts = piece.split("\n")
        for index, part in enumerate(parts):
            if start is None and part.strip():
                start = line
            text += part
            if index < len(parts) - 1:
                found.extend(_field(text, start))
                text, start = "", None
    found.extend(_field(text, start))
    return tuple(found)


def _field(text: str, line: int | None) -> list[HeaderField]:
    name, colon, value = text.partition(":")
    if not colon or line is None or not name.strip():
        return []
    return [HeaderField(name.strip(), value.strip(), line)]


def read_header(
    raw: RawHeader | None,
    *,
    locale: str | None,
    most_forms: int,
    charset_error: str | None = None,
) -> PoHeader:
    """The :class:`PoHeader` of a catalog whose entries write at most ``most_forms``
    plural forms; ``locale`` (the catalog's directory) decides the default formula, or
    else the header's Language. ``charset_error`` says why the declared charset was refused
    (Babel is then given ``charset=UTF-8``, as the file was read)."""
    if raw is None:
        return PoHeader(plural_forms=_default(locale), language=locale)
    fields = _fields(raw)
    header = PoHeader(raw.msgstr_line, raw.fuzzy_line, fields)
    unreadable: list[Unreadable] = []
    language = locale
    for item in fields:
        key = item.name.lower()
        if key in _DATE_FIELDS:
            problem = _date_problem(item)
            if problem is not None:
                unreadable.append(problem)
        elif key == "content-type" and charset_error is not None:
            refused = Unreadable(item, charset_error, "text/plain; charset=UTF-8", False)
            unreadable.append(refused)
        elif key == "language" and item.value:
            if _locale_shape(item.value):
                language = language or item.value.replace("-", "_")
            else:
                unreadable.append(Unreadable(item, "is not a locale name"))
    declared = header.declared_plural_forms
    error = None
    forms: PluralForms | None = None
    if declared is not None:
        try:
            forms = parse_plural_forms(declared.value)
        except PluralFormsError as exc:
            error = str(exc)
    if forms is None:
        forms = _default(language)
    return PoHeader(
        raw.msgstr_line,
        raw.fuzzy_line,
        fields,
        forms,
        error,
        tuple(unreadable),
        language,
        charset_error,
    )


def _default(language: str | None) -> PluralForms:
    return usual_plural_forms(language) or GETTEXT_DEFAULT


def _locale_shape(value: str) -> bool:
    from outreach.locales import is_locale_name

    return is_locale_name(value)


def _date_problem(item: HeaderField) -> Unreadable | None:
    value = item.value
    if not value or _GETTEXT_DATE.fullmatch(value):
        return None  # blank, or gettext's own form
    if "YEAR" in value:  # the template's placeholder: pybabel cannot read it either
        return Unreadable(item, "is the template's placeholder", None, noteworthy=False)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return Unreadable(item, "is not a date (gettext writes YEAR-MO-DA HO:MI+ZONE)")
    shown = moment.strftime("%Y-%m-%d %H:%M") + (moment.strftime("%z") if moment.tzinfo else "")
    return Unreadable(
        item,
        "is not in gettext's form YEAR-MO-DA HO:MI+ZONE: msgfmt accepts it, pybabel cannot read it",
        shown,
    )


def babel_view(
    lines: list[str], raw: RawHeader | None, header: PoHeader, most_forms: int
) -> list[str]:
    """``lines`` with the header rewritten, if need be, into one Babel can read.

    Unreadable fields are replaced or left out, and ``Plural-Forms`` gives Babel a count
    high enough for every entry's ``most_forms`` (Babel refuses an entry with more forms
    than its count, and without the field it guesses a count from its own release's
    tables); the real formula is set on the catalog afterwards. Line numbers do not change.
    """
    if raw is None:
        return lines
    count = max(most_forms, header.plural_forms.nplurals, 1)
    declared = header.declared_plural_forms
    declared_ok = (
        declared is not None
        and header.plural_forms_error is None
        and header.plural_forms.nplurals >= most_forms
    )
    replaced = {id(u.field): u.replacement for u in header.unreadable}
    kept: list[tuple[str, str]] = []
    changed = False
    for item in header.fields:
        value: str | None = item.value
        if id(item) in replaced:
            value, changed = replaced[id(item)], True
        elif item is declared and not declared_ok:
            value, changed = f"nplurals={count}; plural=0;", True
        if value is not None:
            kept.append((item.name, value))
    if declared is None and most_forms:
        kept.append(("Plural-Forms", f"nplurals={count}; plural=0;"))
        changed = True
    if not changed:
        return lines
    text = "".join(f"{name}: {value}\n" for name, value in kept)
    view = list(lines)
    header_lines = sorted({line for line, _ in raw.pieces})
    for line in header_lines:
        view[line - 1] = ""
    view[raw.msgstr_line - 1] = f"msgstr {_quoted(text)}"
    return view


def _quoted(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
    )
    return f'"{escaped}"'
