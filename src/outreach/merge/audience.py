"""Who gets what: each row's address, name and language checked, the campaign locale
negotiated, and the shard a supporter belongs to.

The ``locale`` column holds a tag (``pt-BR``, ``es_MX``, ``fr-CA``) or an Accept-Language
list (``pt-BR,pt;q=0.9,en;q=0.5``). Preferences are tried by weight; for each, the
campaign's locale for that language or one of its CLDR parents (``pt_BR`` -> ``pt``,
``es_MX`` -> ``es_419`` -> ``es``), then a sibling (``pt_PT`` for ``pt_BR``). A supporter
whose first preference's language the campaign has gets it; one whose later preference
matched, or none (an unknown language, an empty cell), *fell back*, and the summary counts
them.

>>> choose = Negotiator(("en", "es", "fr", "pt"), "en")
>>> choose("pt-BR,pt;q=0.9,en;q=0.5")
Choice(locale='pt', kind='first', asked='pt-BR')
>>> choose("de, fr;q=0.5"), choose("").kind
(Choice(locale='fr', kind='later', asked='de'), 'none')
>>> choose("../etc/passwd")  # doctest: +ELLIPSIS
"unusable locale '../etc/passwd': write a language tag such as pt-BR, or a list ..."
>>> shard_of("ana@example.net", 4) in range(4)
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from outreach.display import NOT_ONE_LINE
from outreach.errors import LocaleError
from outreach.locales import locale_parents, normalize_locale
from outreach.merge.supporters import Address, Row, parse_address

__all__ = ["Audience", "Choice", "Negotiator", "Supporter", "parse_shard", "shard_of"]

Kind = Literal["first", "later", "fallback", "none"]
_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*")
_Q = re.compile(r"q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)", re.I)
MAX_NAME = 200


@dataclass(frozen=True)
class Choice:
    """The campaign locale for one supporter and how it was reached: ``first`` (the
    language of their first preference), ``later`` (a later preference), ``fallback`` (no
    preference the campaign has: the source locale), ``none`` (no locale given)."""

    locale: str
    kind: Kind
    asked: str


class Negotiator:
    """``Negotiator(locales, source)(cell)`` -> :class:`Choice`, or why the cell is
    unusable; answers are remembered (a column holds few distinct values)."""

    def __init__(self, locales: Sequence[str], source: str) -> None:
        self.locales = tuple(locales)
        self.source = source
        self._lower = {loc.lower(): loc for loc in self.locales}
        self._cache: dict[str, Choice | str] = {}

    def __call__(self, cell: str) -> Choice | str:
        found = self._cache.get(cell)
        if found is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            found = self._cache[cell] = self._choose(cell)
        return found

    def _preferences(self, cell: str) -> list[str] | None:
        weighted: list[tuple[float, int, str]] = []
        for index, item in enumerate(cell.split(",")):
            tag, *params = (part.strip() for part in item.split(";"))
            if not _TAG.fullmatch(tag):
                return None
            weight = 1.0
            for param in params:
                match = _Q.fullmatch(param)
                if match is None:
                    return None
                weight = float(match.group(1))
            if weight > 0:
                weighted.append((-weight, index, tag))
        return [tag for _, _, tag in sorted(weighted)]

    def _match(self, tag: str) -> str | None:
        if tag == "*":
            return self.source
        try:
            normal = normalize_locale(tag)
        except LocaleError:
            return None  # a language Babel does not know: try the next preference
        for candidate in locale_parents(normal):
            if candidate.lower() in self._lower:
                return self._lower[candidate.lower()]
        language = normal.split("_", 1)[0].lower()
        for available in sorted(self.locales):
            if available.split("_", 1)[0].lower() == language:
                return available
        return None

    def _choose(self, cell: str) -> Choice | str:
        if not cell:
            return Choice(self.source, "none", "")
        preferences = self._preferences(cell)
        if preferences is None or len(cell) > 200:
            return (
                f"unusable locale {cell!r}: write a language tag such as pt-BR, "
                "or a list such as pt-BR,pt;q=0.9"
            )
        if not preferences:
            return Choice(self.source, "fallback", cell)
        for index, tag in enumerate(preferences):
            found = self._match(tag)
            if found is not None:
                return Choice(found, "first" if index == 0 else "later", preferences[0])
        return Choice(self.source, "fallback", preferences[0])


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
    """Turns rows into :class:`Supporter` s or problems (a sentence each)."""

    def __init__(
        self,
        negotiator: Negotiator,
        columns: Sequence[str],
        header_fields: Collection[str] = (),
        shard: tuple[int, int] | None = None,
    ) -> None:
        self.negotiate = negotiator
        self.width = len(columns)
        # Columns whose values reach a header: the name and address (To), the locale, and
        # every column the subject uses.
        self.header_fields = tuple(
            c for c in columns if c in {"email", "name", "locale", *header_fields}
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
        for column in self.header_fields:
            if NOT_ONE_LINE.search(fields[column]):
                return (
                    f"the {column!r} field has a line break or control character "
                    "(it reaches a header)"
                )
        address = parse_address(fields["email"])
        if isinstance(address, str):
            return address
        name = fields.get("name", "")
        if len(name) > MAX_NAME:
            return f"the name is longer than {MAX_NAME} characters"
        choice = self.negotiate(fields.get("locale", ""))
        if isinstance(choice, str):
            return choice
        variables = {k: v for k, v in fields.items() if k != "locale"}
        return Supporter(row.line, address, name, choice, variables)
