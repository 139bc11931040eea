"""Who gets what: each row's address, name and language checked, the campaign locale
negotiated, and the shard a supporter belongs to.

The ``locale`` column holds a tag (``pt-BR``, ``es_MX``, ``fr-CA``) or an Accept-Language
list (``pt-BR,pt;q=0.9,en;q=0.5``), matched to the campaign's locales by
:func:`outreach.locales.match_locale` (the one home of negotiation: ``negotiate_locale``
answers the same). A supporter whose first preference's language the campaign has gets it;
one whose later preference matched, or none (an unknown language), *fell back*, and the
summary counts them, apart from those who gave no locale.

>>> choose = Negotiator(("en", "es", "fr", "pt"), "en")
>>> choose("pt-BR,pt;q=0.9,en;q=0.5")
Choice(locale='pt', kind='first', asked='pt-BR')
>>> choose("de, fr;q=0.5"), choose("").kind
(Choice(locale='fr', kind='later', asked='de'), 'none')
>>> choose("../etc/passwd")  # doctest: +ELLIPSIS
"unusable locale '../etc/passwd': write a language tag such as pt-BR, or a list ..."
>>> shard_of("ana@example.net", 4) in range(4)
True

Sign-up forms are open to anyone, so a supporter's fields are held to what the place they
reach can safely show (:meth:`Audience.supporter`; a row that breaks a rule is refused at
its line with an :class:`Unsafe` reason, which the summary counts apart):

=====================  ===========================================================
where the column goes  what it may not hold
=====================  ===========================================================
a header (``email``,   a control character (a line break, a tab) or a line separator;
``name``, ``locale``,  a format character: bidi controls and marks, zero-width space,
columns the subject    soft hyphen, tags... -- except a zero-width joiner or non-joiner
may show)              between two non-ASCII letters, marks or symbols (Persian, Indic
                       scripts, emoji need them); a link, bare domain or address
                       (``email`` is one address, checked as one). Whatever
                       ``[merge.columns]`` says.
the body, undeclared   a control character or a line separator; a bidi control that
                       reorders text (embedding, override, isolate); a link, bare domain
                       or address
``"text"`` column      a control character other than a tab and line ends, a line
                       separator, a bidi control that reorders text
``"url"`` column       anything but one http(s) URL (:func:`outreach.urls.is_http_url`),
                       or nothing
=====================  ===========================================================

Links are found as everything else in outreach finds them (:func:`outreach.tokens.find_urls`
and :func:`~outreach.tokens.find_short_domains`: ``https://``, ``www.``, addresses, bare
domains with a real top-level domain), in the value with its format characters taken out, so
that ``evil\\u200b.io`` is ``evil.io``, and read as IDNA reads names
(:func:`outreach.urls.idna_view`: ``evil。com`` is ``evil.com``); and so is anything that
names a scheme, whatever its host, and an IPv4 address
(:func:`outreach.urls.find_scheme_links`: ``https://evil``, ``https://2130706433/``,
``javascript:alert(1)``, ``10.0.0.1``). A column the templates only test (``{% if city %}``)
or do not use reaches nothing and is not checked.

>>> audience = Audience(choose, ("email", "name", "city"), body_fields={"city"})
>>> audience.supporter(Row(2, {"email": "a@example.net", "name": "Ana", "city": "Rio"}, 3))
... # doctest: +ELLIPSIS
Supporter(line=2, address=Address(spec='a@example.net', ...), name='Ana', ...)
>>> audience.supporter(Row(3, {"email": "b@example.net", "city": "Rio",
...                            "name": "Your account is locked: https://evil.com/reset"}, 3))
"the 'name' field holds a link, 'https://evil.com/reset' (it reaches a header)"
>>> print(audience.supporter(Row(4, {"email": "c@example.net", "name": "\\u202eAna",
...                                  "city": ""}, 3)))
the 'name' field has an invisible or control character, U+202E RIGHT-TO-LEFT OVERRIDE (it \
reaches a header)
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from outreach.display import NOT_ONE_LINE
from outreach.locales import MatchKind, match_locale
from outreach.merge.supporters import MAX_FIELD, Address, Row, parse_address
from outreach.urls import find_scheme_links, idna_view, is_http_url

__all__ = [
    "Audience",
    "Choice",
    "Negotiator",
    "Supporter",
    "Unsafe",
    "field_problem",
    "parse_shard",
    "shard_of",
]

MAX_NAME = 200

#: The bidi controls that reorder text: embeddings, overrides (U+202A-U+202E) and isolates
#: (U+2066-U+2069). A right-to-left text needs none of them (the marks U+200E, U+200F and
#: U+061C are something else), and they can make a line read other than it is written.
_REORDERING = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
#: What a ``"text"`` column may not hold: what a terminal or a mail client would obey, as
#: :mod:`outreach.display` reads a document -- C0 controls but a tab and line ends (a
#: carriage return only before a line feed), DEL, C1 controls, line and paragraph
#: separators, and the bidi controls that reorder text.
_NOT_IN_TEXT = re.compile(
    r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
#: No link, address or domain is written without a dot, an "@" or a colon (once
#: :func:`~outreach.urls.idna_view` has made full-width and other compatibility forms plain
#: and an ideographic full stop a dot, as IDNA reads them).
_LINK_SIGN = re.compile(r"[.@:]")
_ASCII_SUSPECT = re.compile(r"[\x00-\x1f\x7f.@:]")  # a control character or a link sign
_JOINERS = "\u200c\u200d"  # zero-width non-joiner, zero-width joiner
_SHOWN = 60  # characters of a refused link shown in its row's reason


class Unsafe(str):
    """The reason a row was refused for its sign-up text (a link, line break or invisible
    character where the campaign does not allow one): a ``str``, that the summary counts
    apart from the other bad rows."""

    __slots__ = ()


@functools.cache
def _format_characters() -> Any:
    """Every control (Cc) and format character (Cf) as Unicode has them today (the
    ``regex`` module knows the categories; ``re`` does not)."""
    regex: Any = importlib.import_module("regex")  # untyped
    return regex.compile(r"[\p{Cc}\p{Cf}]")


def _joins(value: str, at: int) -> bool:
    """Whether the joiner at ``value[at]`` stands between two non-ASCII letters, marks or
    symbols, as in Persian (``می‌خواهم``), the Indic scripts and emoji (``👩‍💻``)."""
    if at == 0 or at + 1 >= len(value):
        return False
    return all(
        not char.isascii() and unicodedata.category(char)[0] in "LMS"
        for char in (value[at - 1], value[at + 1])
    )


def _invisible(value: str) -> str | None:
    """The first control or format character of ``value`` that no name needs, or ``None``.

    >>> _invisible("Ana\\u200bLima"), _invisible("می\\u200cخواهم"), _invisible("Pay\\u200cPal")
    ('\\u200b', None, '\\u200c')
    """
    for match in _format_characters().finditer(value):
        char: str = match.group()
        if char not in _JOINERS or not _joins(value, match.start()):
            return char
    return None


def _links(value: str) -> list[str]:
    """The links, addresses, bare domains and IPv4 addresses in ``value``, and whatever
    names a scheme, as a mail client or browser could follow them: read without format
    characters (``evil\\u200b.io`` is ``evil.io``), then as IDNA reads names (NFKC, and an
    ideographic full stop is a dot: ``evil。com`` is ``evil.com``); a link with a scheme
    whatever its host (``https://evil``, ``https://2130706433/``, ``javascript:``).

    >>> _links("evil。com"), _links("support@evil｡com"), _links("例子。中国")
    (['evil.com'], ['support@evil.com'], ['例子.中国'])
    >>> _links("https://evil"), _links("https://2130706433/reset"), _links("ftp://x")
    (['https://evil'], ['https://2130706433/reset'], ['ftp://x'])
    >>> _links("J.R.R. Tolkien"), _links("St. Louis"), _links("Ana.María"), _links("東京。日本")
    ([], [], [], [])
    """
    if not value.isascii():
        value = idna_view(_format_characters().sub("", value))
    if not _LINK_SIGN.search(value):
        return []  # the usual name or city: no link is written without one of these
    from outreach.tokens import find_short_domains, find_urls

    found = find_urls(value)
    found += [link for link in find_scheme_links(value) if link not in found]
    return found + find_short_domains(value)


def _named(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…")


_IN_HEADER = " (it reaches a header)"
_MAY_BREAK = ' (declare the column "text" in [merge.columns] of campaign.toml if it may)'
_MAY_LINK = ' (declare the column "url", or "text", in [merge.columns] of campaign.toml if it may)'


def field_problem(column: str, value: str, kind: str) -> Unsafe | None:
    """Why ``value`` may not stand where ``column`` goes, or ``None``. ``kind`` is where:
    ``"header"``, ``"body"`` (an undeclared column), or what ``[merge.columns]`` declares
    the column to hold, ``"text"`` or ``"url"`` (see the table above).

    >>> field_problem("city", "Rio", "body") is None
    True
    >>> print(field_problem("city", "see evil.io", "body"))
    the 'city' field holds a link, 'evil.io' (declare the column "url", or "text", in \
[merge.columns] of campaign.toml if it may)
    >>> print(field_problem("name", "support@evil。com", "header"))
    the 'name' field holds a link, 'support@evil.com' (it reaches a header)
    >>> print(field_problem("city", "https://2130706433/reset", "body"))  # 127.0.0.1
    the 'city' field holds a link, 'https://2130706433/reset' (declare the column "url", or \
"text", in [merge.columns] of campaign.toml if it may)
    >>> field_problem("name", "J.R.R. Tolkien", "header"), field_problem("c", "St. Louis", "body")
    (None, None)
    >>> field_problem("message", "Hi!\\nSee https://example.org/love", "text") is None
    True
    >>> field_problem("petition_url", "https://example.org/sign", "url") is None
    True
    >>> field_problem("petition_url", "sign at https://example.org/sign", "url")
    "the 'petition_url' field is not one http(s) URL, as [merge.columns] declares it: \
'sign at https://example.org/sign'"
    """
    if kind == "url":
        if not value or is_http_url(value):
            return None
        return Unsafe(
            f"the {column!r} field is not one http(s) URL, as [merge.columns] declares it: "
            f"{_shown(value)}"
        )
    if kind == "text":
        found = _NOT_IN_TEXT.search(value)
        if found is None:
            return None
        return Unsafe(f"the {column!r} field has a control character, {_named(found.group())}")
    if value.isascii() and not _ASCII_SUSPECT.search(value):
        return None  # the usual value: ASCII without a control character or a link sign
    header = kind == "header"
    if NOT_ONE_LINE.search(value):
        why = _IN_HEADER if header else _MAY_BREAK
        return Unsafe(f"the {column!r} field has a line break or control character{why}")
    if not value.isascii():
        if header:
            char = _invisible(value)
        else:
            found = _NOT_IN_TEXT.search(value)
            char = found.group() if found else None
        if char is not None:
            what = "an invisible or control character" if header else "a control character"
            why = _IN_HEADER if header else ""
            return Unsafe(f"the {column!r} field has {what}, {_named(char)}{why}")
    if column in ("email", "locale"):
        return None  # one address, checked as one; a language, which no message shows
    links = _links(value)
    if not links:
        return None
    why = _IN_HEADER if header else _MAY_LINK
    return Unsafe(f"the {column!r} field holds a link, {_shown(links[0])}{why}")


@dataclass(frozen=True)
class Choice:
    """The campaign locale for one supporter and how it was reached: ``first`` (the
    language of their first preference), ``later`` (a later preference), ``fallback`` (no
    preference the campaign has: the source locale), ``none`` (no locale given)."""

    locale: str
    kind: MatchKind
    asked: str


class Negotiator:
    """``Negotiator(locales, source)(cell)`` -> :class:`Choice`, or why the cell is
    unusable. :func:`outreach.locales.match_locale` decides; the answers are remembered
    here (a column holds few distinct values, and a merge asks once a row)."""

    def __init__(self, locales: Sequence[str], source: str) -> None:
        self.locales = tuple(locales)
        self.source = source
        self._cache: dict[str, Choice | str] = {}

    def __call__(self, cell: str) -> Choice | str:
        found = self._cache.get(cell)
        if found is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            found = self._cache[cell] = self._choose(cell)
        return found

    def _choose(self, cell: str) -> Choice | str:
        match = match_locale(cell, self.locales, self.source)
        if match is None:
            return (
                f"unusable locale {cell!r}: write a language tag such as pt-BR, "
                "or a list such as pt-BR,pt;q=0.9"
            )
        return Choice(match.locale, match.kind, match.asked)


class Supporter(NamedTuple):
    """A row that can be sent: where it is, who, in which locale, and its variables."""

    line: int
    address: Address
    name: str
    choice: Choice
    fields: dict[str, str]


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` (K from 0 to N-1, as a Kubernetes Indexed Job numbers its pods) ->
    ``(K, N)``; ``ValueError`` otherwise.

    >>> parse_shard("2/8")
    (2, 8)
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 0 <= int(match.group(1)) < int(match.group(2)):
        raise ValueError(f"--shard expects K/N with 0 <= K < N (2/8), not {text!r}")
    return int(match.group(1)), int(match.group(2))


def shard_of(key: str, count: int) -> int:
    """The shard of an address key: the first 8 bytes of its SHA-256, modulo ``count``
    (the same on every machine and Python, unlike ``hash()``)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


class Audience:
    """Turns rows into :class:`Supporter` s or problems (a sentence each; an
    :class:`Unsafe` one for sign-up text refused where it goes).

    ``header_fields`` are the columns the subject may show (``email``, ``name`` and
    ``locale`` reach a header anyway): those its block writes, or every column the templates
    write if it reaches other template code (:attr:`outreach.merge.fields.FieldUse.subject`);
    ``body_fields`` the columns the templates write into the body; ``kinds`` what
    campaign.toml's ``[merge.columns]`` declares a column may hold there."""

    def __init__(
        self,
        negotiator: Negotiator,
        columns: Sequence[str],
        header_fields: Collection[str] = (),
        shard: tuple[int, int] | None = None,
        *,
        body_fields: Collection[str] = (),
        kinds: Mapping[str, str] | None = None,
        preferences: Mapping[str, str] | None = None,
    ) -> None:
        self.negotiate = negotiator
        #: address key -> the campaign locale the supporter chose (it wins over the CSV's)
        self.preferences = preferences or {}
        self.width = len(columns)
        # Columns whose values reach a header: the name and address (To), the locale, and
        # every column the subject uses.
        self.header_fields = tuple(
            c for c in columns if c in {"email", "name", "locale", *header_fields}
        )
        kinds = kinds or {}
        # Each column that reaches the body, and no header, with what it may hold there.
        self.body_fields = tuple(
            (c, kinds.get(c, "body"))
            for c in columns
            if c in body_fields and c not in self.header_fields
        )
        self.shard = shard

    def in_shard(self, row: Row) -> bool:
        """Whether ``row`` belongs to this run's shard (every row when not sharded). A row
        without a usable address is judged by its line, so one shard reports it."""
        if self.shard is None:
            return True
        address = parse_address(row.fields.get("email", ""))
        key = address.key if isinstance(address, Address) else f"line {row.line}"
        return shard_of(key, self.shard[1]) == self.shard[0]

    def supporter(self, row: Row) -> Supporter | str:
        if row.width > self.width:
            return f"the row has {row.width} values but the header has {self.width} columns"
        fields = row.fields
        for column, value in fields.items():
            if len(value) > MAX_FIELD:
                return (
                    f"the {column} value is {len(value):,} characters long; a supporter's "
                    f"field may have at most {MAX_FIELD:,}"
                )
        for column in self.header_fields:
            problem = field_problem(column, fields[column], "header")
            if problem is not None:
                return problem
        address = parse_address(fields["email"])
        if isinstance(address, str):
            return address
        name = fields.get("name", "")
        if len(name) > MAX_NAME:
            return f"the name is longer than {MAX_NAME} characters"
        chosen = self.preferences.get(address.key) if self.preferences else None
        choice = self.negotiate(chosen or fields.get("locale", ""))
        if isinstance(choice, str):
            return choice
        for column, kind in self.body_fields:
            problem = field_problem(column, fields[column], kind)
            if problem is not None:
                return problem
        variables = {k: v for k, v in fields.items() if k != "locale"}
        return Supporter(row.line, address, name, choice, variables)
