"""The non-prose tokens of a string: links, addresses, mentions, hashtags, emoji, markup.

Several checks compare these between a source and its translation, and the language checks
remove them before they look at the words. Each finder returns the tokens as written, in order::

    >>> find_urls("Sign at https://example.org/love, or mail love@example.org.")
    ['https://example.org/love', 'love@example.org']
    >>> find_mentions("Ask @iocmedia (not love@example.org) and @user@mastodon.social")
    ['@iocmedia', '@user@mastodon.social']
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
from typing import Any

from outreach.platforms import top_level_domains

__all__ = [
    "find_emoji",
    "find_hashtags",
    "find_mentions",
    "find_urls",
    "strip_tokens",
    "url_host",
]

# Trailing characters that end a sentence rather than a link.
_TRAILING = ".,;:!?…'\"’”»)]}"
_SCHEME_URL = re.compile(r"""(?:(?:https?|ftp)://|www\.)[^\s<>"'`]+|mailto:[^\s<>"'`]+""", re.I)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A bare domain as X and Bluesky would link it ("example.org/love"): lowercase labels, a
# top-level domain from twitter-text's lists (checked in code), an optional path.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@./:-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,24}))(?::\d+)?"
    r"(?:/[^\s<>\"'`]*)?(?![\w@-])"
)
_DOTTED = re.compile(r"[a-z0-9]\.[a-z]")
_MENTION = re.compile(
    r"(?<![\w@./+-])@[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?"
)
_PYTHON_PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)
_BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9]*(?:![rsa])?(?::[^{}]*)?\}")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_MARKUP = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);", re.S)


class _Patterns:
    """Patterns that need the ``regex`` module (Unicode properties), built on first use."""

    def __init__(self) -> None:
        regex: Any = importlib.import_module("regex")
        alnum = r"\p{L}\p{M}\p{Nd}_\u200c\u200d\u00b7"
        self.hashtag: Any = regex.compile(
            rf"(?<![{alnum}&/=)#＃])[#＃](?![\ufe0f\u20e3])[{alnum}]*\p{{L}}[{alnum}]*"
        )
        self.grapheme: Any = regex.compile(r"\X")
        self.pictographic: Any = regex.compile(r"[\p{Extended_Pictographic}\p{RI}]")


@functools.cache
def _rx() -> _Patterns:
    return _Patterns()


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def find_urls(text: str) -> list[str]:
    """Links and e-mail addresses in ``text``, as written (trailing punctuation dropped).

    ``https://``, ``ftp://``, ``www.`` and ``mailto:`` links, e-mail addresses, and bare
    domains with a real top-level domain (``example.org/love``), which X links too.
    """
    return list(_find_urls(text))


@functools.lru_cache(maxsize=16384)
def _find_urls(text: str) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    if "://" in text or "www." in text.lower() or "mailto:" in text.lower():
        for m in _SCHEME_URL.finditer(text):
            url = _trim(m.group())
            found.append((m.start(), url))
            taken.append((m.start(), m.start() + len(url)))
    if "@" in text:
        for m in _EMAIL.finditer(text):
            if not any(s <= m.start() < e for s, e in taken):
                found.append((m.start(), m.group()))
                taken.append((m.start(), m.end()))
    if "." in text and _DOTTED.search(text):
        for m in _BARE_DOMAIN.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            if m.group(2) in top_level_domains():
                found.append((m.start(), _trim(m.group())))
    return tuple(url for _, url in sorted(found))


def url_host(url: str) -> str:
    """The host a link points to, lowercased (the domain of an e-mail address).

    >>> url_host("https://Example.org:8080/love?x=1"), url_host("mailto:a@b.org")
    ('example.org', 'b.org')
    """
    rest = url
    if "://" in rest:
        rest = rest.split("://", 1)[1]
    elif rest.lower().startswith("mailto:"):
        rest = rest[7:]
    if "@" in rest.split("/", 1)[0]:
        rest = rest.split("/", 1)[0].rsplit("@", 1)[1]
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0].lower()
    return host.removeprefix("www.")


def find_mentions(text: str) -> list[str]:
    """``@handles`` (X, Instagram, Mastodon ``@user@instance``), not e-mail addresses."""
    if "@" not in text:
        return []
    return [m.group() for m in _MENTION.finditer(text)]


def find_hashtags(text: str) -> list[str]:
    """Hashtags as X links them: ``#`` then letters, digits, ``_``; at least one letter."""
    if "#" not in text and "＃" not in text:
        return []
    return [m.group() for m in _rx().hashtag.finditer(text)]


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


def strip_tokens(text: str) -> str:
    """``text`` without placeholders, links, addresses, mentions, hashtags, markup and
    template syntax: what is left is prose."""
    if "%" in text:
        text = _PYTHON_PLACEHOLDER.sub(" ", text)
    if "{" in text:
        text = _BRACE_PLACEHOLDER.sub(" ", _TEMPLATE.sub(" ", text))
    if "<" in text or "&" in text:
        text = _MARKUP.sub(" ", text)
    for token in find_urls(text) + find_mentions(text) + find_hashtags(text):
        text = text.replace(token, " ")
    return " ".join(text.split())
