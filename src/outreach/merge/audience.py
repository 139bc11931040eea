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
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from outreach.display import NOT_ONE_LINE
from outreach.locales import MatchKind, match_locale
from outreach.merge.supporters import Address, Row, parse_address

__all__ = ["Audience", "Choice", "Negotiator", "Supporter", "parse_shard", "shard_of"]

MAX_NAME = 200


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
