"""What a string carries besides prose: links, addresses, mentions, hashtags, emoji, markup.

The checks compare these between a source and its translation, so they are found the way
the platforms find them, not the way a reviewer reads them: a link is whatever X
(twitter-text, the reference), Bluesky or a mail client would make clickable -- upper-case
``EVIL-EXAMPLE.COM/love``, a bare domain with a real top-level domain, a host in another
script (``ехаmple.org``), full-width letters once normalised (NFKC) -- and a mention whatever
X or Mastodon would notify, full-width ``＠`` included. Each finder returns the tokens as
written, in order, and runs in time linear in the text::

    >>> find_urls("Sign at https://example.org/love, or mail love@example.org.")
    ['https://example.org/love', 'love@example.org']
    >>> find_urls("EVIL-EXAMPLE.COM/love and ехаmple.org/love")
    ['EVIL-EXAMPLE.COM/love', 'ехаmple.org/love']
    >>> find_mentions("Ask @iocmedia (not love@example.org), ＠other and @user@mastodon.social")
    ['@iocmedia', '＠other', '@user@mastodon.social']
    >>> find_hashtags("Post with #LoveAlwaysWins! #2024 https://example.org/#top")
    ['#LoveAlwaysWins']
    >>> find_emoji("Love wins 🏳️‍🌈❤️ ©")
    ['🏳‍🌈', '❤']
    >>> strip_tokens("Firma: %(url)s <b>#AmorVence</b> @ioc {{ x }}")
    'Firma:'
"""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from outreach.domains import is_short_country_domain, top_level_domains
from outreach.placeholders import PYTHON_PLACEHOLDER
from outreach.platforms import (
    _LATIN_ACCENTS,
    _twitter_urls,
    find_hashtags,
    mastodon_mentions,
)
from outreach.urls import LINK_IN_TEXT, trim_url

__all__ = [
    "find_emoji",
    "find_hashtags",
    "find_mentions",
    "find_short_domains",
    "find_urls",
    "host_scripts",
    "may_link",
    "mention_key",
    "new_hosts",
    "silent_mention",
    "strip_tokens",
    "url_host",
    "x_links",
]

# An address: not inside a Mastodon mention (@user@instance) or a longer word.
_EMAIL = re.compile(
    r"(?<![\w.+@-])[\w.+-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.[^\W\d_]{2,}"
)
# A bare domain as X and Bluesky link it ("example.org/love"), in any letter case and any
# script; its top-level domain must be a real one (checked in code), or a punycode one
# ("xn--p1ai", .рф), which twitter-text accepts whatever it is. As for twitter-text, a colon
# before it hides nothing: "Firma:evil.com/x" and "https:evil.com/x" link evil.com/x (only
# "-", "_", ".", "/" and "@" before a name keep it from being a link). Labels and their
# number are bounded, as in DNS, so that no input makes the search quadratic.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@./-])((?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,16}"
    r"([Xx][Nn]--[A-Za-z0-9-]{1,59}|[^\W\d_]{2,24}))"
    r"(?::\d{1,5})?(?:/[^\s<>\"'`]*)?(?![\w@-])"
)
_DOTTED = re.compile(r"[^\W_]\.[^\W\d_]")
# Anything a link or an address could start from.
_ANY_LINK = re.compile(r"://|www\.|mailto:|@|[^\W_]\.[^\W\d_]", re.IGNORECASE)
_WWW = re.compile(r"www\.", re.IGNORECASE)
_MAILTO = re.compile(r"mailto:", re.IGNORECASE)


#: A dot and a letter after it: :func:`_dotted` looks for this, then at the character before.
_DOT_LETTER = re.compile(r"\.[^\W\d_]")


def _dotted(text: str) -> bool:
    """Whether :data:`_DOTTED` finds something in ``text``: a letter or digit, a dot, a letter
    (``[^\\W_]`` is what :meth:`str.isalnum` says, ``\\d`` what :meth:`str.isdecimal`
    says). The pattern tried at every position took 12 µs on a sentence of 100 characters;
    this searches from dot to dot in C (a pattern that starts with a literal) and looks at
    the character before each hit: 4.6 µs a string on bench_check.py's catalogs (many
    ``Ref. 12.``), where a Python loop over the dots took 10.8 µs, and the urls check asks
    about every text several times. ``tests/test_tokens.py`` holds it to the pattern on
    any text.

    >>> _dotted("Firma ya."), _dotted("evil.com"), _dotted("v1.2"), _dotted("a._b")
    (False, True, False, False)
    """
    return any(text[match.start() - 1].isalnum() for match in _DOT_LETTER.finditer(text, 1))


def _could_link(text: str) -> bool:
    """Whether :data:`_ANY_LINK` finds something in ``text``, without trying its five
    alternatives at every position (each needs an ``@``, a ``:`` or a dot: 27 µs on a
    sentence of 100 characters, this about 1 µs). Held to the pattern by
    ``tests/test_tokens.py``.

    >>> _could_link("Firma ya."), _could_link("a@b"), _could_link("MAILTO:x"), _could_link("WWW.x")
    (False, True, True, True)
    """
    if "@" in text or "://" in text:
        return True
    if "." in text and (_dotted(text) or _WWW.search(text) is not None):
        return True
    return ":" in text and _MAILTO.search(text) is not None


def may_link(text: str) -> bool:
    """Whether :func:`find_urls`, :func:`x_links` or :func:`find_short_domains` could find a
    link in ``text``: each searches only text that :func:`_could_link` passes, as written
    or normalised (NFKC). False is certain (``tests/test_tokens.py`` holds it to the
    finders on any text), so a check may skip a text for which it is False.

    >>> may_link("Firma ya. Comparte."), may_link("evil.com"), may_link("ｅｖｉｌ．ｃｏｍ")
    (False, True, True)
    """
    return _could_link(text) or (
        not text.isascii() and _could_link(unicodedata.normalize("NFKC", text))
    )


_BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9]{0,40}(?:![rsa])?(?::[^{}]{0,40})?\}")


class _Patterns:
    """Patterns that need the ``regex`` module (Unicode properties), built on first use."""

    def __init__(self) -> None:
        regex: Any = importlib.import_module("regex")
        self.grapheme: Any = regex.compile(r"\X")
        self.pictographic: Any = regex.compile(r"[\p{Extended_Pictographic}\p{RI}]")
        # twitter-text validMentionOrList: after validMentionPrecedingChars (not a letter,
        # digit, "_" or one of "!#$%&*@＠"; or "RT" in any case, with an optional ":", not
        # after [A-Za-z0-9_+~.-]), "@" or "＠" and [A-Za-z0-9_]{1,20}, greedy: a longer
        # handle is linked as its first 20 characters. endMentionMatch drops one that runs
        # into "@", a Latin accented letter or "://".
        self.x_mention: Any = regex.compile(
            r"(?:(?<![A-Za-z0-9_!#$%&*@＠])|(?<=(?:^|[^A-Za-z0-9_+~.-])[Rr][Tt]:?))"
            rf"[@＠](?>([A-Za-z0-9_]{{1,20}}))(?![@＠{_LATIN_ACCENTS}]|://)"
        )
        # @user@instance with a full-width "＠" too, as clients that normalise read it.
        self.fediverse: Any = regex.compile(
            r"(?<![=/\w])[@＠]([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
            r"[@＠]([\w.-]*\w)"
        )


@functools.cache
def _rx() -> _Patterns:
    return _Patterns()


def find_urls(text: str) -> list[str]:
    """Links and e-mail addresses in ``text``, as written (trailing punctuation dropped).

    ``https://``, ``ftp://``, ``www.`` and ``mailto:`` links (:data:`outreach.urls.
    LINK_IN_TEXT`, as UTM tagging finds them too), e-mail addresses, and bare
    domains with a real top-level domain in any case or script (``example.org/love``,
    ``EXAMPLE.ORG``), which X and Bluesky link too. Text in full-width or other compatibility
    forms is searched again once normalised (NFKC): clients that normalise would link it.
    """
    found = list(_find_urls(text))
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        found += [
            url for url in _find_urls(unicodedata.normalize("NFKC", text)) if url not in found
        ]
    return found


def x_links(text: str) -> list[str]:
    """The links X itself makes of ``text`` (twitter-text's extractor, the reference), as
    written, without the one-name country-code domains that :func:`find_short_domains`
    finds: the checks take them besides :func:`find_urls`, so that a link X makes is never
    missed where the two read a string differently (``日本evil.com/x`` links evil.com).

    >>> x_links("Mira 日本evil.com/x, no.lu y https://example.org/love")
    ['evil.com/x', 'https://example.org/love']
    """
    if not _dotted(text):
        return []
    return list(_x_links(text))


@functools.lru_cache(maxsize=65536)
def _x_links(text: str) -> tuple[str, ...]:
    found = find_urls(text) + find_short_domains(text)
    # Every dotted name inside a link found already, each of them ASCII (so that
    # twitter-text, which starts a domain at an ASCII letter, starts it where we do): the
    # extractor would add nothing, and it is the slow part of the urls check.
    if all(url.isascii() for url in found):
        rest = text
        for url in found:
            rest = rest.replace(url, " ")
        if not _dotted(rest):
            return ()
    return tuple(url for url in _twitter_urls(text) if not is_short_country_domain(url))


def new_hosts(text: str, source: str, own: Iterable[str] = ()) -> list[tuple[str, str]]:
    """``(host, as written)`` for each host ``text`` links to that ``source`` and the
    campaign's ``own`` hosts do not: links as the entry checks find them, as X does, and the
    one-name country-code domains (``evil.io``) that X and Bluesky link too, which the entry
    checks only warn about (they look like abbreviations).

    >>> new_hosts("Firma en evil.io o https://example.org/love", "Sign: https://example.org/love")
    [('evil.io', 'evil.io')]
    """

    def links(value: str) -> list[str]:
        return find_urls(value) + find_short_domains(value) + x_links(value)

    known = {url_host(u) for u in links(source)} | {url_host(f"https://{h}/") for h in own}
    found: dict[str, str] = {}
    for url in links(text):
        host = url_host(url)
        if host not in known and host not in found:
            found[host] = url
    return list(found.items())


def find_short_domains(text: str) -> list[str]:
    """Bare one-name country-code domains without a path (``no.lu``, ``bit.ly``), which
    :func:`find_urls` leaves out: X and Bluesky link them, but so written they are as often
    an abbreviation (Turkish ``no.lu``, "numbered"), so the entry checks only warn about
    them, and the rendered posts are checked for the links they really carry.

    >>> find_short_domains("Anahtar no.lu 3, or bit.ly/x, or example.org")
    ['no.lu']
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if not _dotted(text):
        return []
    return list(_find_urls(text, short_domains=True))


@functools.lru_cache(maxsize=131072)
def _find_urls(text: str, *, short_domains: bool = False) -> tuple[str, ...]:
    if not _could_link(text):
        return ()  # the common case
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    lowered = text.lower()
    if not short_domains and ("://" in text or "www." in lowered or "mailto:" in lowered):
        for m in LINK_IN_TEXT.finditer(text):
            url = trim_url(m.group())
            taken.append((m.start(), m.start() + len(url)))
            if url.lower().startswith("mailto:") or _has_host(url):
                found.append((m.start(), url))
    if "@" in text and not short_domains:
        for m in _EMAIL.finditer(text):
            if free(m.start(), m.end()):
                found.append((m.start(), m.group()))
                taken.append((m.start(), m.end()))
    if _dotted(text):
        tlds = top_level_domains()
        for m in _BARE_DOMAIN.finditer(text):
            url = trim_url(m.group())
            tld = m.group(2).lower()
            known = tld in tlds or tld.startswith("xn--")
            if known and free(m.start(), m.start() + len(url)):
                taken.append((m.start(), m.start() + len(url)))
                if short_domains == is_short_country_domain(url):
                    found.append((m.start(), url))
    return tuple(url for _, url in sorted(found))


def _has_host(url: str) -> bool:
    """Whether a ``https://`` or ``www.`` link names a host: a dotted name (in any script: a
    mail client links ``https://example.оrg`` however fake its top-level domain),
    ``localhost``, an IP address, or a host made by a placeholder (``https://%(domain)s/``).
    ``https://`` alone, or ``http://またはhttps://`` (Japanese for "http:// or https://"),
    is no link."""
    rest = url.split("://", 1)[1] if "://" in url else url
    head = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    if "%(" in head or "{" in head or head.startswith("["):
        return True
    host = unicodedata.normalize("NFKC", head.split(":", 1)[0]).rstrip(".")
    labels = host.split(".")
    return host.lower() == "localhost" or (
        len(labels) > 1 and all(label and re.fullmatch(r"[\w-]+", label) for label in labels)
    )


@functools.lru_cache(maxsize=65536)
def url_host(url: str) -> str:
    """The host a link points to, as a browser would resolve it: NFKC-normalised, lower
    case, in IDNA (punycode) form, without ``www.`` (for an address: its domain). Kept per
    link: the urls check asks about the campaign's own links for nearly every entry
    (12,000 calls in a cold check of 5,000 entries, a few hundred distinct links).

    >>> url_host("https://Example.org:8080/love?x=1"), url_host("mailto:a@b.org")
    ('example.org', 'b.org')
    >>> url_host("ｅｘａｍｐｌｅ.ＯＲＧ/love"), url_host("https://ехаmple.org/love")
    ('example.org', 'xn--mple-43d3a6i.org')
    >>> url_host("https://evil.com\\\\x:y@example.org/love")      # WHATWG URL parsing
    'evil.com'
    """
    rest = unicodedata.normalize("NFKC", url)
    if rest.lower().startswith("mailto:"):
        rest = rest[7:]
    else:  # a browser reads "\\" as "/" in a link: the host ends there, not at an "@" after it
        rest = rest.split("://", 1)[-1].replace("\\", "/")
    head = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in head:
        head = head.rsplit("@", 1)[1]
    host = head.split(":", 1)[0].casefold().rstrip(".")
    host = host.removeprefix("www.")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def host_scripts(url: str) -> set[str]:
    """The scripts of the letters in a link's host (``{"Latin", "Cyrillic"}`` for the
    homograph ``ехаmple.org``); digits and punctuation have none.

    >>> sorted(host_scripts("https://ехаmple.org/love")), host_scripts("example.org")
    (['Cyrillic', 'Latin'], {'Latin'})
    """
    rest = unicodedata.normalize("NFKC", url)
    if "://" in rest:
        rest = rest.split("://", 1)[1]
    head = re.split(r"[/\\?#:]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    scripts = set()
    for char in head:
        if char.isalpha():
            name = unicodedata.name(char, "")
            scripts.add(name.split(" ", 1)[0].title() if name else "Unknown")
    return {"Latin" if s in ("Latin", "Fullwidth") else s for s in scripts}


def find_mentions(text: str) -> list[str]:
    """Accounts a post would notify, as written: X's ``@handle`` (and ``＠handle``, which
    X links too; ``RT@handle`` too), Mastodon's ``@user`` of any length and
    ``@user@instance``; not e-mail addresses. Where X and Mastodon read one mention
    differently (a handle over X's 20 characters, ``@user.name``), the longer is kept."""
    if "@" not in text and "＠" not in text:
        return []
    rx = _rx()
    spans = mastodon_mentions(text)
    spans += [(m.start(), m.end()) for m in rx.fediverse.finditer(text)]
    spans += [(m.start(), m.end()) for m in rx.x_mention.finditer(text)]
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return [text[s:e] for s, e in kept]


def silent_mention(text: str, mention: str) -> bool:
    """Whether ``mention``, as written in ``text``, notifies no one: a dotted name with no
    instance (``@domain.com``) that X reads nowhere it is written (after ``*``, a letter or
    a digit: ``*@domain.com``, an address pattern's domain). Only Mastodon's pattern reads
    it, and Mastodon looks a name with no instance up among its local accounts, whose names
    have no dot. Where X reads it (``Ask @ioc.media``: ``@ioc``), it is a mention.

    >>> silent_mention("e.g. *@domain.com", "@domain.com")
    True
    >>> silent_mention("Ask @ioc.media", "@ioc.media"), silent_mention("*@ioc", "@ioc")
    (False, False)
    """
    name = mention[1:]
    if "." not in name or "@" in name or "\uff20" in name:
        return False
    written = [m.start() for m in re.finditer(re.escape(mention), text)]
    if not written:
        return False
    read = {m.start() for m in _rx().x_mention.finditer(text)}
    return not read.intersection(written)


def mention_key(mention: str) -> str:
    """What identifies the account: X and Mastodon handles are case-insensitive, and X
    treats ``＠`` as ``@``. ``mention_key("＠IOCmedia") == mention_key("@iocmedia")``."""
    return unicodedata.normalize("NFKC", mention).casefold()


def find_emoji(text: str) -> list[str]:
    """Emoji as graphemes, without variation selectors or skin tones (so 👍🏽 is 👍).

    Symbols that are text by default below U+2300 (©, ®, ™, arrows) do not count.
    """
    if text.isascii():
        return []
    rx = _rx()
    found = []
    for cluster in rx.grapheme.findall(text):
        if ord(cluster[0]) < 0x2300 or not rx.pictographic.search(cluster):
            continue
        found.append("".join(c for c in cluster if not _is_modifier(c)))
    return found


def _is_modifier(char: str) -> bool:
    return char in "\ufe0e\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff"


def _without_spans(text: str, opening: str, closing: str, gap: str = " ") -> str:
    """``text`` with every ``opening``...``closing`` span replaced by ``gap``; an
    unclosed ``opening`` drops the rest. One pass, linear (a regex like ``<!--.*?-->`` is
    quadratic on a run of unclosed openings)."""
    if opening not in text:
        return text
    pieces: list[str] = []
    position = 0
    while True:
        start = text.find(opening, position)
        if start < 0:
            pieces.append(text[position:])
            break
        pieces.append(text[position:start])
        end = text.find(closing, start + len(opening))
        if end < 0:
            break
        pieces.append(gap)
        position = end + len(closing)
    return "".join(pieces)


_TAG = re.compile(r"</?[A-Za-z][^<>]*>|&(?:[A-Za-z]{1,32}|#\d{1,8}|#x[0-9A-Fa-f]{1,8});")


@functools.lru_cache(maxsize=65536)
def strip_tokens(text: str, gap: str = " ") -> str:
    """``text`` without placeholders, links, addresses, mentions, hashtags, markup and
    template syntax: what is left is prose, white space collapsed. Each token becomes
    ``gap`` (a space; ``" | "`` keeps the words on either side of a token apart).

    >>> strip_tokens("der %(name)s der <b>x</b>", gap=" | ")
    'der | der | x |'
    """
    if "%" in text:
        text = PYTHON_PLACEHOLDER.sub(gap, text)
    if "{" in text:
        for opening, closing in (("{{", "}}"), ("{%", "%}"), ("{#", "#}")):
            text = _without_spans(text, opening, closing, gap)
        text = _BRACE_PLACEHOLDER.sub(gap, text)
    if "<" in text or "&" in text:
        text = _TAG.sub(gap, _without_spans(text, "<!--", "-->", gap))
    for token in find_urls(text) + find_mentions(text) + find_hashtags(text):
        text = text.replace(token, gap)
    return " ".join(text.split())
