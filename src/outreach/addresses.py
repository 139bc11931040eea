"""Email addresses as delivery writes them: the local part in Unicode NFC, the domain in
ASCII as IDNA 2008 writes it, and the key an address is known by (that, in lower case).

The one home of address normalisation: the supporters CSV, duplicates, the journal, shards,
unsubscribe tokens and suppression lists all compare :attr:`Address.key`, so that
``Ana@Bücher.example`` and ``ana@xn--bcher-kva.example`` are one person everywhere.

>>> parse_address("Ana@Bücher.example").key
'ana@xn--bcher-kva.example'
>>> parse_address("bad")
'the address has no @'
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from outreach.urls import ascii_domain

__all__ = ["Address", "parse_address"]

_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
# The usual address, whose domain IDNA 2008 accepts as written: LDH labels without "--" in
# their 3rd and 4th place (an A-label, "xn--...", or a label IDNA 2008 reserves: those take
# the long way, where IDNA 2008 judges them).
_PLAIN_LABEL = rf"(?![A-Za-z0-9]{{2}}--){_LABEL}"
_PLAIN_ADDRESS = re.compile(rf"({_ATEXT.pattern})@({_PLAIN_LABEL}(?:\.{_PLAIN_LABEL})+)")
_FORBIDDEN = re.compile(r"[\s<>()\[\],;:\\\"\x00-\x1f\x7f\x85\u2028\u2029@]")


class Address(NamedTuple):  # a tuple, not a frozen dataclass: one is made for every row
    """A valid address: as it is sent (``spec``: the local part in Unicode NFC, the domain
    in ASCII as IDNA 2008 writes it), the key it is known by (``spec`` in lower case:
    duplicates, the journal, shards, tokens) and whether it needs SMTPUTF8."""

    spec: str
    key: str
    utf8: bool


def parse_address(raw: str) -> Address | str:
    """An :class:`Address`, or why ``raw`` is not one (a sentence for the report).

    The domain is read as mail systems read it, by IDNA 2008 with the UTS #46 mapping
    (:func:`outreach.urls.ascii_domain`): ``straße.de`` is ``xn--strae-oqa.de``, not IDNA
    2003's ``strasse.de``, another domain; one IDNA 2008 refuses is no address. A local part
    in Unicode is written in NFC (RFC 6532), so the same address typed as NFC or NFD is one
    supporter::

        >>> parse_address("ana@straße.de").spec, parse_address("ana@strasse.de").spec
        ('ana@xn--strae-oqa.de', 'ana@strasse.de')
        >>> parse_address("Jose\\u0301@Example.net") == parse_address("José@Example.net")
        True
        >>> parse_address("José@Example.net")
        Address(spec='José@Example.net', key='josé@example.net', utf8=True)
        >>> parse_address("ana@☃.example")
        "'ana@☃.example' has a domain that is not valid (IDNA 2008 refuses it)"
    """
    plain = _PLAIN_ADDRESS.fullmatch(raw)
    if plain and len(plain[1]) <= 64 and len(plain[2]) <= 253:
        # the usual address: what the checks below accept, written as they would write it
        return Address(raw, raw.lower(), False)
    if not raw:
        return "no email address"
    local, at, domain = raw.rpartition("@")
    if not at:
        return "the address has no @"
    if not local or not domain:
        return f"{raw!r} is not an email address"
    if _FORBIDDEN.search(local) or _FORBIDDEN.search(domain):
        return f"{raw!r} is not an email address (spaces, quotes, < > or control characters)"
    utf8 = not local.isascii()
    if utf8:
        local = unicodedata.normalize("NFC", local)
    if len(local.encode("utf-8")) > 64:
        return "the address's local part is longer than 64 bytes"
    if not utf8 and not _ATEXT.fullmatch(local):
        return f"{raw!r} is not an email address (its local part)"
    if utf8 and (local.startswith(".") or local.endswith(".") or ".." in local):
        return f"{raw!r} is not an email address (its local part)"
    if not domain.isascii():
        converted = ascii_domain(domain)
        if converted is None:
            return f"{raw!r} has a domain that is not valid (IDNA 2008 refuses it)"
        domain = converted
    if len(domain) > 253 or not _DOMAIN.fullmatch(domain):
        return f"{raw!r} has a domain that is not valid (a dot and letters, digits, '-')"
    if "--" in domain and ascii_domain(domain) is None:
        return f"{raw!r} has a domain that is not valid (IDNA 2008 refuses it)"
    spec = f"{local}@{domain}"
    key = spec.lower()
    return Address(spec, unicodedata.normalize("NFC", key) if utf8 else key, utf8)
