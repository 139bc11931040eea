"""How each platform counts a post, and which hashtags it links.

Every social channel counts text its own way: X weighs code points and shortens links, Mastodon
counts graphemes with links as 23, Bluesky counts graphemes *and* bytes, Threads counts emoji by
their UTF-8 length. :func:`measure` counts a post the way its platform does and says, in plain
sentences, what is wrong with it::

    >>> m = measure("x", "Love always wins. Sign now: https://example.org/love #LoveAlwaysWins")
    >>> m.length, m.limit, m.ok
    (67, 280, True)
    >>> measure("bluesky", "x" * 301).problems
    ('301 graphemes, 1 over the limit of 300',)

:func:`find_hashtags` finds hashtags as X (twitter-text) does, :func:`has_hashtag` says whether a
post carries a given hashtag, :func:`hashtag_problems` names the hashtags a platform would cut
short or not link at all, and :func:`bluesky_facets` builds the
link and tag facets a Bluesky post record needs.

This module is the one home of the platforms' own entity extractors and their compiled
patterns: X's links and hashtags (twitter-text), Mastodon's mentions and hashtags, Bluesky's
links and tags. :mod:`outreach.tokens` builds its platform-neutral finders on them.

Sources:

- X: twitter-text v3 (``twitter-text-parser`` on PyPI, a port of the official library).
- Mastodon: ``app/validators/status_length_validator.rb`` (graphemes; URLs with a protocol count
  23; ``@user@domain`` counts as ``@user``), ``app/models/tag.rb`` (``HASHTAG_RE``),
  ``app/models/account.rb`` (``MENTION_RE``).
- Bluesky: ``app.bsky.feed.post`` lexicon (300 graphemes, 3,000 bytes) and
  ``@atproto/api`` ``rich-text/detection.ts`` and ``util.ts`` (link and tag detection).
- Threads: Meta's Threads API documentation (500 characters; more than 5 unique links fail
  from 2025-12-22); that emoji count as their UTF-8 byte length and how tags are cut come from
  schedulers' documentation only (unconfirmed).

Importing this module is cheap: ``regex`` and twitter-text's URL extractor load on first use,
without twitter-text's package ``__init__`` (see :func:`_twitter`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import re
import sys
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from outreach.domains import is_short_country_domain, top_level_domains
from outreach.errors import UsageError

__all__ = [
    "POST_CHANNELS",
    "Measure",
    "Platform",
    "bluesky_facets",
    "entities",
    "find_hashtags",
    "has_hashtag",
    "hashtag_problems",
    "is_short_country_domain",
    "mastodon_mentions",
    "measure",
    "platform",
    "remembering_links",
    "top_level_domains",
]

#: Every channel that carries a social post, in display order (email is not a post channel).
POST_CHANNELS: tuple[str, ...] = (
    "x",
    "mastodon",
    "bluesky",
    "threads",
    "facebook",
    "instagram",
    "linkedin",
    "whatsapp",
)


@dataclass(frozen=True)
class Platform:
    """A social channel's limits.

    ``limit`` is counted in ``unit`` (see :func:`measure` for how); ``max_hashtags`` and
    ``max_links`` are hard caps where the platform has one, ``max_bytes`` a cap on the UTF-8
    size of the text.

    >>> platform("bluesky")
    Platform(name='bluesky', title='Bluesky', limit=300, unit='graphemes', max_hashtags=None, \
max_links=None, max_bytes=3000)
    """

    name: str
    title: str
    limit: int
    unit: str
    max_hashtags: int | None = None
    max_links: int | None = None
    max_bytes: int | None = None


_UTF16 = "UTF-16 code units"
_THREADS_UNIT = "characters (an emoji counts its UTF-8 bytes)"

_PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        # twitter-text config v3: max_weighted_tweet_length 280.
        Platform("x", "X", 280, "weighted characters"),
        # Mastodon's default MAX_CHARS; instances may raise it (measure(..., limit=N)).
        Platform("mastodon", "Mastodon", 500, "graphemes"),
        # app.bsky.feed.post lexicon: text maxGraphemes 300, maxLength 3000 (bytes).
        Platform("bluesky", "Bluesky", 300, "graphemes", max_bytes=3000),
        # Threads API: text posts are limited to 500 characters; > 5 unique links fail.
        Platform("threads", "Threads", 500, _THREADS_UNIT, max_links=5),
        # 63,206 is the figure most sources give (some say 62,000: unconfirmed). Meta's own
        # tools count JavaScript string length, so UTF-16 code units (an emoji counts 2).
        Platform("facebook", "Facebook", 63206, _UTF16),
        # Instagram captions: 2,200 characters, counted in UTF-16 code units as schedulers
        # such as Buffer do. Hashtags: at most 5 a post or reel, announced by Instagram's
        # @creators account on 2025-12-18 and rolled out gradually (it was 30 since 2011).
        Platform("instagram", "Instagram", 2200, _UTF16, max_hashtags=5),
        # LinkedIn posts ("commentary"): 3,000 characters, UTF-16 code units.
        Platform("linkedin", "LinkedIn", 3000, _UTF16),
        # WhatsApp does not publish a limit for a text message; 65,536 characters is the figure
        # commonly reported (an assumption, not a documented number). Counted in UTF-16 code
        # units, the unit its clients' string types use, so that we err on the safe side.
        Platform("whatsapp", "WhatsApp", 65536, _UTF16),
    )
}


def platform(name: str) -> Platform:
    """The :class:`Platform` called ``name`` (one of :data:`POST_CHANNELS`).

    Raises :class:`~outreach.errors.UsageError` for any other name.

    >>> platform("mastodon").limit
    500
    >>> platform("myspace")
    Traceback (most recent call last):
    ...
    outreach.errors.UsageError: unknown channel 'myspace'; the post channels are x, mastodon, \
bluesky, threads, facebook, instagram, linkedin, whatsapp
    """
    found = _PLATFORMS.get(name)
    if found is not None:
        return found
    known = ", ".join(POST_CHANNELS)
    if name == "email":
        raise UsageError(f"email is not a post channel; the post channels are {known}")
    raise UsageError(f"unknown channel {name!r}; the post channels are {known}")


@dataclass(frozen=True)
class Measure:
    """A post as its platform counts it.

    ``length`` and ``limit`` are in the platform's unit; ``problems`` holds one sentence per
    problem (over the limit, over the byte cap, too many hashtags or links) and is empty when
    the post is fine.

    >>> m = Measure("x", 300, 280, ("300 weighted characters, 20 over the limit of 280",))
    >>> m.over, m.ok
    (20, False)
    """

    channel: str
    length: int
    limit: int
    problems: tuple[str, ...] = ()

    @property
    def over(self) -> int:
        """How far ``length`` is over ``limit`` (0 when within it)."""
        return max(0, self.length - self.limit)

    @property
    def ok(self) -> bool:
        """True when the post has no problem at all."""
        return not self.problems


def measure(
    channel: str, text: str, *, limit: int | None = None, max_hashtags: int | None = None
) -> Measure:
    """Count ``text`` as ``channel`` counts it, and list what is wrong with it.

    - x: twitter-text v3 weighted length of the NFC text (URLs, bare domains too, count 23;
      CJK and most emoji 2). twitter-text's emoji list is Unicode 12: newer emoji count more.
    - mastodon: graphemes; each URL with ``http(s)://`` counts 23 (bare domains count in full,
      as Mastodon does); a mention ``@user@domain`` counts as ``@user``.
    - bluesky: graphemes (URLs in full) against 300, and UTF-8 bytes against 3,000.
    - threads: code points, except that an emoji counts its UTF-8 length; more than 5 unique
      links is a problem.
    - facebook, instagram, linkedin, whatsapp: UTF-16 code units; more than 5 hashtags is a
      problem on Instagram.

    ``limit`` and ``max_hashtags`` override the platform's (a Mastodon instance with a
    higher limit, say: ``[platforms.mastodon] max_characters`` in campaign.toml).

    >>> measure("x", "日本語").length
    6
    >>> measure("mastodon", "Read https://example.org/" + "a" * 100).length
    28
    >>> measure("x", "a" * 281).problems
    ('281 weighted characters, 1 over the limit of 280',)
    """
    spec = platform(channel)
    cap = spec.limit if limit is None else limit
    problems: list[str] = []
    if channel == "x":
        length = _x_length(text)
        bad = sorted({c for c in text if c in "\ufffe\ufeff\uffff"})
        if bad:
            names = ", ".join(f"U+{ord(c):04X}" for c in bad)
            problems.append(f"contains {names}, which X rejects")
    elif channel == "mastodon":
        length = _mastodon_length(text)
    elif channel == "bluesky":
        length = _grapheme_count(text)
    elif channel == "threads":
        length = _threads_length(text)
    else:
        length = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if length > cap:
        problems.insert(0, _over(length, spec.unit, cap))
    if spec.max_bytes is not None:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > spec.max_bytes:
            problems.append(_over(size, "UTF-8 bytes", spec.max_bytes))
    if spec.max_links is not None:
        links = len(set(_twitter_urls(text)))
        if links > spec.max_links:
            problems.append(
                f"{links} links, more than the {spec.max_links} {spec.title} allows in a post"
            )
    tag_cap = spec.max_hashtags if max_hashtags is None else max_hashtags
    if tag_cap is not None:
        tags = len(find_hashtags(text))
        if tags > tag_cap:
            problems.append(f"{tags} hashtags, more than the {tag_cap} {spec.title} allows")
    return Measure(channel, length, cap, tuple(problems))


def _over(length: int, unit: str, limit: int) -> str:
    return f"{length:,} {unit}, {length - limit:,} over the limit of {limit:,}"


# --- character classes ---------------------------------------------------------------------

# twitter-text: hashtagAlpha (letters and marks) and hashtagAlphaNumeric (+ digits and
# hashtagSpecialChars: _ ZWNJ ZWJ and a few script-specific joiners, · among them).
_TW_ALPHA = r"\p{L}\p{M}"
_TW_ALNUM = (
    r"\p{L}\p{M}\p{Nd}_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0"
    r"\u30fb\u3003\u0f0b\u0f0c\u00b7"
)
# Mastodon (Ruby/Onigmo): [[:word:]] and [[:alpha:]] on Unicode strings; hashtag separators.
_MA_WORD = r"\p{L}\p{M}\p{Nd}\p{Pc}"
_MA_ALPHA = r"\p{L}\p{M}"
_MA_SEP = r"_\u00b7\u30fb\u200c"
# JavaScript's \s, which @atproto/api's regular expressions use, and the zero-width characters
# its TAG_REGEX excludes from a tag.
_JS_SPACE = r"\t\n\x0b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_BSKY_ZW = r"\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
# Apostrophes and hyphens people write inside a hashtag ("#L’Amour", "#Love-Wins").
_JOINERS = r"'\u2019\-\u2010\u2011"
# twitter-text 3.1 LATIN_ACCENTS, which its endMentionMatch (and Mastodon's) uses.
_LATIN_ACCENTS = (
    r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    r"\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)


class _Patterns:
    """Compiled ``regex`` patterns, built on first use."""

    def __init__(self) -> None:
        rx: Any = importlib.import_module("regex")
        self.grapheme: Any = rx.compile(r"\X")
        self.emoji_grapheme: Any = rx.compile(r"[\p{Extended_Pictographic}\p{RI}\u20e3]")
        self.letter: Any = rx.compile(rf"[{_TW_ALPHA}]")
        # twitter-text validHashtag; the boundary as lookbehinds (start, a variation selector,
        # or anything but an alphanumeric or "&").
        self.tw_hashtag: Any = rx.compile(
            rf"(?:(?<![{_TW_ALNUM}&])|(?<=[\ufe0e\ufe0f]))[#＃](?![\ufe0f\u20e3])"
            rf"[{_TW_ALNUM}]*[{_TW_ALPHA}][{_TW_ALNUM}]*"
        )
        # Mastodon Tag::HASHTAG_RE: (?:^|[^/)\w])#(FIRST|LAST), Ruby's \w being ASCII.
        first = (
            rf"[{_MA_WORD}_][{_MA_WORD}{_MA_SEP}]*[{_MA_ALPHA}{_MA_SEP}]"
            rf"[{_MA_WORD}{_MA_SEP}]*[{_MA_WORD}_]"
        )
        last = rf"[{_MA_WORD}_]*[{_MA_ALPHA}][{_MA_WORD}_]*"
        self.ma_hashtag: Any = rx.compile(rf"(?<![/)0-9A-Za-z_])[#＃](?:{first}|{last})")
        # @atproto/api TAG_REGEX: (^|\s)[#＃]((?!\ufe0f)[^\s…]*[^\d\s\p{P}…]+[^\s…]*)?
        self.bsky_tag: Any = rx.compile(
            rf"(?:^|(?<=[{_JS_SPACE}]))[#＃]((?!\ufe0f)[^{_JS_SPACE}{_BSKY_ZW}]*"
            rf"[^0-9{_JS_SPACE}\p{{P}}{_BSKY_ZW}]+[^{_JS_SPACE}{_BSKY_ZW}]*)?"
        )
        # @atproto/api URL_REGEX (flags gim; "[a-z]" under JavaScript's /i without /u is ASCII).
        self.bsky_link: Any = rx.compile(
            rf"(?:^|(?<=[{_JS_SPACE}(]))((?:[hH][tT][tT][pP][sS]?://[^{_JS_SPACE}]+)"
            rf"|(?P<domain>[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+)+)[^{_JS_SPACE}]*)",
            rx.MULTILINE,
        )
        self.js_space: Any = rx.compile(rf"[{_JS_SPACE}]")
        self.trailing_punct: Any = rx.compile(r"\p{P}+$")
        # Threads (unconfirmed, from schedulers' documentation): a tag ends at a space or at
        # . & @ ! ? , ; : -- trailing punctuation is dropped here too; digits alone are no tag.
        self.threads_tag: Any = rx.compile(
            rf"(?<![{_TW_ALNUM}&])[#＃](?![\ufe0f\u20e3])[^\s.&@!?,;:#＃]+"
        )
        # Mastodon Account::MENTION_RE (no length limit; "." and "-" inside a username), then
        # its extractor's end check (twitter-text's endMentionMatch, after the match).
        self.mastodon: Any = rx.compile(
            rf"(?<![=/{_MA_WORD}])@([a-zA-Z0-9_]+(?:[a-zA-Z0-9_.-]+[a-zA-Z0-9_]+)?"
            rf"(?:@[{_MA_WORD}.-]+[{_MA_WORD}]+)?)"
        )
        self.end_mention: Any = rx.compile(rf"[@＠{_LATIN_ACCENTS}]|://")
        # A hashtag as written: what the author meant as one tag, apostrophes and hyphens
        # inside it included. Not after a letter, digit, "&", "/", "=" or ")".
        self.written_tag: Any = rx.compile(
            rf"(?<![{_TW_ALNUM}&/=)])[#＃](?![\ufe0f\u20e3])"
            rf"[{_TW_ALNUM}]+(?:[{_JOINERS}][{_TW_ALNUM}]+)*"
        )


@functools.cache
def _rx() -> _Patterns:
    return _Patterns()


# --- counting ------------------------------------------------------------------------------


def _grapheme_count(text: str) -> int:
    return len(_rx().grapheme.findall(text))


def _twitter(name: str) -> Any:
    """twitter-text's module ``name`` (``extract_urls``, ``config``, ...), loaded without the
    package's ``__init__``: that imports ``parse_tweet`` and so its emoji module, which reads
    a data file through ``pkg_resources`` and builds its pattern at import (0.45 s of a 0.6 s
    ``render -c x`` measured with ``-X importtime``). The package object is registered
    unexecuted; the first attribute asked of it (``from twitter_text import parse_tweet``,
    elsewhere in the process) runs its ``__init__`` then, so nothing else sees a difference.

    >>> _twitter("config").config["defaults"]["transformed_url_length"]
    23
    """
    with _TWITTER_LOCK:  # merge's sending threads may count posts at the same time
        if "twitter_text" not in sys.modules:
            from importlib.util import find_spec, module_from_spec

            spec = find_spec("twitter_text")
            if spec is None or spec.loader is None:
                raise ModuleNotFoundError("twitter_text")
            package = module_from_spec(spec)
            loader = spec.loader

            def complete(attribute: str) -> Any:
                with _TWITTER_LOCK:
                    if "__getattr__" in package.__dict__:
                        del package.__dict__["__getattr__"]
                        loader.exec_module(package)
                return getattr(package, attribute)

            package.__dict__["__getattr__"] = complete
            sys.modules["twitter_text"] = package
    return importlib.import_module(f"twitter_text.{name}")


_TWITTER_LOCK = threading.RLock()


@functools.cache
def _emoji() -> Any:
    """twitter-text's emoji pattern (``twitter_text.regexp.emoji.emoji``), built the way it
    builds it from the ``emoji-test.txt`` it ships, but read as a file instead of through
    ``pkg_resources`` (importing that costs more than building the pattern), and only for a
    text where :meth:`_Patterns.emoji_grapheme` finds what every emoji of the list holds.
    ``tests/test_platforms.py`` checks the pattern is twitter-text's, character for character.
    """
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("twitter_text")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("twitter_text")
    text = (Path(spec.origin).parent / "regexp" / "emoji-test.txt").read_text(encoding="utf-8")
    codes: list[list[str]] = []
    group = ""
    for line in text.splitlines()[32:]:  # as twitter-text: its explanation lines skipped
        if line == "# Status Counts":
            break
        if "subtotal:" in line or not line:
            continue
        if line.startswith("#") and "# group:" in line:
            group = line.split(":")[-1].strip()
        if group != "Component" and re.search("^[0-9A-F]{3,}", line):
            codes.append(line.split(";")[0].strip().split())
    multi = sorted(
        ("".join(r"\U" + x.zfill(8) for x in code) for code in codes if len(code) > 1),
        key=len,
        reverse=True,
    )
    ranges = _ranges([int(code[0], base=16) for code in codes if len(code) == 1])
    single = "".join(
        "-".join(dict.fromkeys(r"\U" + hex(end)[2:].zfill(8) for end in pair)) for pair in ranges
    )
    return re.compile("|".join(multi) + "|" + "[" + single + "]")


def _ranges(nums: list[int]) -> list[tuple[int, int]]:
    """twitter-text's ``get_ranges``: sorted integers as ``(low, high)`` runs.

    >>> _ranges([5, 1, 2, 3, 9])
    [(1, 3), (5, 5), (9, 9)]
    """
    nums = sorted(nums)
    lows = [nums[0]]
    highs = []
    if nums[1] - nums[0] > 1:
        highs.append(nums[0])
    for i in range(1, len(nums) - 1):
        if (nums[i] - nums[i - 1]) > 1:
            lows.append(nums[i])
        if (nums[i + 1] - nums[i]) > 1:
            highs.append(nums[i])
    highs.append(nums[-1])
    if len(highs) > len(lows):
        lows.append(highs[-1])
    return list(zip(lows, highs, strict=False))


def _x_length(text: str) -> int:
    """twitter-text's ``parse_tweet(text).weightedLength``, with its URLs found by
    :func:`_twitter_url_spans` (so that no input makes it quadratic): NFC, line ends as
    ``\\n``, each URL 23, each emoji 2, every other code point its configured weight. Its
    emoji pattern is built only for a text that may hold an emoji (:func:`_emoji`)."""
    options = _twitter("config").config["defaults"]
    get_character_weight = _twitter("get_character_weight").get_character_weight
    scale = options["scale"]
    normal = re.sub(r"\r\n|\r|\n", "\n", unicodedata.normalize("NFC", text))
    urls = {start: end for start, end in _twitter_url_spans(normal)}
    emoji: dict[int, int] = {}
    if (
        options["emoji_parsing_enabled"]
        and not normal.isascii()
        and _rx().emoji_grapheme.search(normal)
    ):
        for found in _emoji().finditer(normal):
            emoji[found.start()] = found.end()
    weighted = 0
    index = 0
    while index < len(normal):
        if index in urls:
            weighted += options["transformed_url_length"] * scale
            index = urls[index]
        elif index in emoji:
            weighted += options["default_weight"]
            index = emoji[index]
        else:
            weighted += get_character_weight(normal[index], options)
            index += 1
    return int(weighted / scale)


#: twitter-text's URL pattern backtracks over every dot-separated label at every position:
#: a run of "a.a.a." takes seconds at 800 characters. It is asked only about words (URLs hold
#: no white space) of reasonable shape; a longer word, or one with more dots than any real
#: link, is taken to hold no link (so a post made of one is counted in full, and over its
#: limit).
_MAX_URL_WORD, _MAX_URL_DOTS = 1024, 24
_WORD_RUN = re.compile(r"\S+")


class AnswerStore(Protocol):
    """Where answers are remembered across runs: :class:`outreach.cache.CheckCache`."""

    def key(self, *parts: object) -> str: ...

    def get(self, namespace: str, key: str) -> Any: ...

    def put(self, namespace: str, key: str, value: Any) -> None: ...


#: The cache namespace of twitter-text's answers (``<campaign>.links.json``).
LINK_ANSWERS = "links"
_ANSWERS: contextvars.ContextVar[AnswerStore | None] = contextvars.ContextVar(
    "outreach_link_answers", default=None
)


@contextlib.contextmanager
def remembering_links(store: AnswerStore | None) -> Iterator[None]:
    """Within the block (in this thread), remember where twitter-text finds the links of a
    text in ``store``, the authenticated cache, and recall them from it: a text counted
    before needs neither twitter-text's URL pattern (about 0.1 s to compile: its TLD
    alternations) nor its extractor. The key is the text, the kind of search, and the code
    and library versions (:func:`outreach.cache.code_fingerprint`: twitter-text's release
    and outreach's own pre-tests). ``None``: nothing is remembered.

    >>> import tempfile
    >>> from outreach.cache import CheckCache
    >>> store = CheckCache.open(tempfile.mkdtemp(), "demo")
    >>> with remembering_links(store):
    ...     first = measure("x", "See example.org now")
    >>> with remembering_links(store):  # recalled, not extracted
    ...     first == measure("x", "See example.org now")
    True
    >>> first.length
    31
    """
    token = _ANSWERS.set(store)
    try:
        yield
    finally:
        _ANSWERS.reset(token)


def _twitter_url_spans(text: str, *, without_protocol: bool = True) -> list[tuple[int, int]]:
    """twitter-text's ``extract_urls_with_indices``, word by word: ``(start, end)`` of each
    URL (bare domains too unless ``without_protocol`` is false); recalled from the store
    :func:`remembering_links` set, if any."""
    needle = "." if without_protocol else ":"
    if needle not in text:
        return []
    store = _ANSWERS.get()
    if store is None:
        return _extracted_url_spans(text, without_protocol)
    from outreach.cache import code_fingerprint

    key = store.key("twitter-text links", code_fingerprint(), without_protocol, text)
    known = _spans(store.get(LINK_ANSWERS, key), len(text))
    if known is not None:
        return known
    spans = _extracted_url_spans(text, without_protocol)
    store.put(LINK_ANSWERS, key, [list(span) for span in spans])
    return spans


def _spans(value: Any, size: int) -> list[tuple[int, int]] | None:
    """``value`` as a list of ``(start, end)`` within a text of ``size``, or ``None``."""
    if not isinstance(value, list):
        return None
    spans: list[tuple[int, int]] = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2):
            return None
        start, end = item
        if not (type(start) is int and type(end) is int and 0 <= start < end <= size):
            return None
        spans.append((start, end))
    return spans


def _extracted_url_spans(text: str, without_protocol: bool) -> list[tuple[int, int]]:
    extract_urls_with_indices = _twitter("extract_urls").extract_urls_with_indices
    spans: list[tuple[int, int]] = []
    for word in _WORD_RUN.finditer(text):
        token = word.group()
        if "." not in token or (not without_protocol and "://" not in token):
            continue
        if len(token) > _MAX_URL_WORD or token.count(".") > _MAX_URL_DOTS:
            continue
        start = max(word.start() - 1, 0)  # the character before, which twitter-text reads
        for found in extract_urls_with_indices(text[start : word.end()], without_protocol):
            begin, end = found["indices"]
            spans.append((start + int(begin), start + int(end)))
    return spans


def _twitter_urls(text: str, *, without_protocol: bool = True) -> list[str]:
    return [text[s:e] for s, e in _twitter_url_spans(text, without_protocol=without_protocol)]


def _remove_overlapping(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """twitter-text removeOverlappingEntities: sort by start, drop what starts inside the
    previous kept entity."""
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: s[0]):
        if kept and kept[-1][1] > span[0]:
            continue
        kept.append(span)
    return kept


def _mastodon_length(text: str) -> int:
    """Mastodon's StatusLengthValidator#countable_text, then graphemes (its mentions are
    :func:`mastodon_mentions`)."""
    if not text.strip():
        return 0
    entities: list[tuple[int, int, str]] = [
        (start, end, "x" * 23) for start, end in _twitter_url_spans(text, without_protocol=False)
    ]
    for start, end in mastodon_mentions(text):
        user, _, domain = text[start + 1 : end].partition("@")
        if len(domain) <= 253:
            entities.append((start, end, "@" + user))
    pieces: list[str] = []
    index = 0
    for start, end, replacement in _remove_overlapping(entities):
        pieces.append(text[index:start])
        pieces.append(replacement)
        index = end
    pieces.append(text[index:])
    return _grapheme_count("".join(pieces))


def mastodon_mentions(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each mention Mastodon makes (``Account::MENTION_RE`` and its
    extractor's end check): ``@user`` of any length, ``@user@instance``."""
    if "@" not in text:
        return []
    rx = _rx()
    return [
        (m.start(), m.end())
        for m in rx.mastodon.finditer(text)
        if not rx.end_mention.match(text, m.end())
    ]


def _threads_length(text: str) -> int:
    rx = _rx()
    total = 0
    for cluster in rx.grapheme.findall(text):
        if rx.emoji_grapheme.search(cluster):
            total += len(cluster.encode("utf-8", "surrogatepass"))
        else:
            total += len(cluster)
    return total


# --- hashtags ------------------------------------------------------------------------------


def _twitter_tag_spans(text: str) -> list[tuple[int, int]]:
    """twitter-text extractHashtagsWithIndices (with the URL overlap check)."""
    if "#" not in text and "＃" not in text:
        return []
    tags: list[tuple[int, int, str]] = []
    for m in _rx().tw_hashtag.finditer(text):
        after = text[m.end() : m.end() + 3]
        if after[:1] in ("#", "＃") or after == "://":
            continue  # twitter-text's endHashtagMatch: the whole match is dropped
        tags.append((m.start(), m.end(), "tag"))
    if not tags:
        return []
    urls = [(s, e, "url") for s, e in _twitter_url_spans(text)]
    return [(s, e) for s, e, kind in _remove_overlapping(tags + urls) if kind == "tag"]


def find_hashtags(text: str) -> list[str]:
    """The hashtags in ``text`` as X (twitter-text) finds them, as written and in order.

    A hashtag is ``#`` or ``＃`` then letters, marks, digits, ``_``, ZWNJ/ZWJ or ``·``, with at
    least one letter, not preceded by a letter or digit and not part of a URL.

    >>> find_hashtags("#LoveAlwaysWins! #2024 #AmorVence https://example.org/#top")
    ['#LoveAlwaysWins', '#AmorVence']
    >>> find_hashtags("Любовь #ЛюбовьПобеждает، #الحب_ينتصر #愛は勝つ")
    ['#ЛюбовьПобеждает', '#الحب_ينتصر', '#愛は勝つ']
    """
    return [text[s:e] for s, e in _twitter_tag_spans(text)]


def has_hashtag(text: str, tag: str) -> bool:
    """Whether ``text`` carries the hashtag ``tag`` as a whole hashtag.

    ``tag`` may be written with ``#``, ``＃`` or neither (``"#LoveAlwaysWins"``,
    ``"LoveAlwaysWins"``). ``text`` carries it where ``#`` or ``＃`` (every platform links
    both) is followed by the tag's name, compared case-insensitively (full case folding, as
    X, Mastodon and Bluesky treat hashtags) after NFC normalization of both, and

    - not preceded by a word character (a letter, mark, digit or ``_``, or one of the
      characters twitter-text lets a hashtag contain: ZWNJ, ZWJ, ``·``...), ``#`` or ``＃``,
      except a variation selector (``❤️#Love``), after which X links a tag;
    - not followed by such a word character: ``#LoveAlwaysWins`` is not in
      ``#LoveAlwaysWinsToo``, ``#LoveAlwaysWins_2`` or ``#LoveAlwaysWins·Too``;
    - not inside a link (``https://example.org/#LoveAlwaysWins``), as X finds links.

    Punctuation after the tag (``#LoveAlwaysWins.``, ``#LoveAlwaysWins-Too``) ends it; whether
    the platform would link the tag as written is :func:`hashtag_problems`' business. An empty
    tag is in no text.

    >>> has_hashtag("Sign now ＃lovealwayswins!", "#LoveAlwaysWins")
    True
    >>> has_hashtag("#LoveAlwaysWinsToo", "#LoveAlwaysWins"), has_hashtag("a#Love", "Love")
    (False, False)
    """
    name = unicodedata.normalize("NFC", tag.strip())
    name = name[1:] if name[:1] in ("#", "＃") else name
    if not name or ("#" not in text and "＃" not in text):
        return False
    text = unicodedata.normalize("NFC", text)
    urls: list[tuple[int, int]] | None = None
    for match in _tag_pattern(name).finditer(text):
        if urls is None:
            urls = _twitter_url_spans(text)
        if not any(s <= match.start() < e for s, e in urls):
            return True
    return False


@functools.lru_cache(maxsize=256)
def _tag_pattern(name: str) -> Any:
    rx: Any = importlib.import_module("regex")
    word = rf"\w{_TW_ALNUM}"
    return rx.compile(
        rf"(?:(?<![{word}#＃])|(?<=[\ufe0e\ufe0f]))[#＃]{rx.escape(name)}(?![{word}])",
        rx.IGNORECASE | rx.FULLCASE,
    )


def _mastodon_tag_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _rx().ma_hashtag.finditer(text)]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _bluesky_tags(text: str) -> list[tuple[int, int, str]]:
    """@atproto/api detectFacets, tags: (start, end, tag without '#')."""
    rx = _rx()
    found: list[tuple[int, int, str]] = []
    for m in rx.bsky_tag.finditer(text):
        tag = m.group(1)
        if not tag:
            continue
        tag = rx.trailing_punct.sub("", tag)  # no trim(): a tag holds no JavaScript space
        if not tag or _utf16_len(tag) > 64:
            continue
        found.append((m.start(), m.start() + 1 + len(tag), tag))
    return found


def _threads_tag_spans(text: str) -> list[tuple[int, int]]:
    rx = _rx()
    urls = _twitter_url_spans(text)
    spans: list[tuple[int, int]] = []
    for m in rx.threads_tag.finditer(text):
        if any(s <= m.start() < e for s, e in urls):
            continue
        name = rx.trailing_punct.sub("", m.group()[1:])
        if name and not name.isdigit():
            spans.append((m.start(), m.start() + 1 + len(name)))
    return spans


def hashtag_problems(text: str, channel: str) -> list[str]:
    """Sentences naming each hashtag in ``text`` that ``channel`` would cut short or not link.

    A hashtag as written runs from ``#`` over letters, digits, ``_`` and apostrophes or
    hyphens between them; trailing punctuation (``#LoveAlwaysWins.``) ends it and is fine.
    Each platform is then asked what it would link at that ``#``:

    - x, and as the nearest documented rule facebook, instagram and linkedin: twitter-text
      (an apostrophe or hyphen ends the tag, at least one letter needed);
    - mastodon: Mastodon's ``HASHTAG_RE`` (the same cuts; ``_ · ・ ZWNJ`` as separators);
    - bluesky: @atproto/api (anything up to a space, trailing punctuation dropped, only at the
      start of the text or after a space, at most 64 characters);
    - threads (unconfirmed): up to a space or ``. & @ ! ? , ; :``, and only the post's first
      tag becomes a tag;
    - whatsapp links no hashtag at all, so there is nothing to cut: always ``[]``.

    ``#`` in a URL (``https://example.org/#top``) is not a hashtag.

    >>> hashtag_problems("Vive #L’AmourGagneToujours !", "x")
    ['#L’AmourGagneToujours would be cut to #L on X (the tag stops at “’”)']
    >>> hashtag_problems("Vive #L’AmourGagneToujours !", "bluesky")
    []
    >>> hashtag_problems("Pride #2024", "mastodon")
    ['#2024 would not be linked on Mastodon: a hashtag needs at least one letter']
    """
    spec = platform(channel)
    if channel == "whatsapp":
        return []
    rx = _rx()
    url_spans = _twitter_url_spans(text)
    runs = [
        (m.start(), m.end())
        for m in rx.written_tag.finditer(text)
        if not any(s <= m.start() < e for s, e in url_spans)
    ]
    if not runs:
        return []
    if channel == "mastodon":
        linked = dict(_mastodon_tag_spans(text))
    elif channel == "bluesky":
        linked = {s: e for s, e, _ in _bluesky_tags(text)}
    elif channel == "threads":
        spans = _threads_tag_spans(text)
        linked = dict(spans[:1])
    else:
        linked = dict(_twitter_tag_spans(text))
    problems: list[str] = []
    for start, end in runs:
        written = text[start:end]
        got = linked.get(start)
        if got == end or (channel == "threads" and got is not None and got > end):
            # Threads' tag characters are known only from secondary sources: report what it
            # would not link, not a guess at what else it might take into the tag.
            continue
        if got is None:
            reason = _unlinked_reason(text, start, end, channel)
            problems.append(f"{written} would not be linked on {spec.title}: {reason}")
        elif got < end:
            problems.append(
                f"{written} would be cut to {text[start:got]} on {spec.title} "
                f"(the tag stops at “{text[got]}”)"
            )
        else:
            problems.append(f"{written} would be linked as {text[start:got]} on {spec.title}")
    return problems


def _unlinked_reason(text: str, start: int, end: int, channel: str) -> str:
    written = text[start:end]
    if not _rx().letter.search(written):
        return "a hashtag needs at least one letter"
    if channel == "bluesky":
        if start and not _rx().js_space.match(text, start - 1):
            return "Bluesky links a tag only at the start of the text or after a space"
        if _utf16_len(written) > 65:
            return "Bluesky links tags of at most 64 characters"
    elif channel == "threads":
        spans = _threads_tag_spans(text)
        if spans and spans[0][0] != start:
            first = text[spans[0][0] : spans[0][1]]
            return f"Threads makes only the first hashtag of a post a tag (here {first})"
    elif channel != "mastodon":
        following = text[end : end + 3]
        if following[:1] in ("#", "＃") or following == "://":
            shown = "://" if following == "://" else following[:1]
            return f"a hashtag directly followed by “{shown}” is not linked"
    return f"{platform(channel).title} does not recognise it as a hashtag"


def entities(channel: str, text: str) -> list[tuple[int, int, str]]:
    """The links and hashtags ``channel`` would make of ``text``: ``(start, end, kind)`` with
    ``kind`` ``"link"`` or ``"hashtag"``, string indices, in text order, none overlapping.

    Each platform's own rules, as :func:`measure` and :func:`hashtag_problems` apply them:
    a tag that the platform cuts short is only its linked part (``#L`` of
    ``#L’AmourGagneToujours`` on X); Threads makes only the first tag a tag; WhatsApp
    links URLs but no hashtag.

    >>> text = "Vive #L’AmourGagneToujours : https://example.org/love"
    >>> [(text[s:e], kind) for s, e, kind in entities("x", text)]
    [('#L', 'hashtag'), ('https://example.org/love', 'link')]
    >>> [(text[s:e], kind) for s, e, kind in entities("bluesky", text)]
    [('#L’AmourGagneToujours', 'hashtag'), ('https://example.org/love', 'link')]
    """
    platform(channel)
    tags: list[tuple[int, int]]
    if channel == "bluesky":
        links = [(s, e) for s, e, _ in _bluesky_links(text)]
        tags = [(s, e) for s, e, _ in _bluesky_tags(text)]
    else:
        links = _twitter_url_spans(text, without_protocol=channel != "mastodon")
        if channel == "mastodon":
            tags = _mastodon_tag_spans(text)
        elif channel == "threads":
            tags = _threads_tag_spans(text)[:1]
        elif channel == "whatsapp":
            tags = []
        else:
            tags = _twitter_tag_spans(text)
    spans = [(s, e, "link") for s, e in links] + [(s, e, "hashtag") for s, e in tags]
    return _remove_overlapping(spans)


# --- Bluesky facets ------------------------------------------------------------------------


def _bluesky_links(text: str) -> list[tuple[int, int, str]]:
    """@atproto/api detectFacets, links: (start, end, uri)."""
    tlds = top_level_domains()
    found: list[tuple[int, int, str]] = []
    for m in _rx().bsky_link.finditer(text):
        uri: str = m.group(1)
        if not uri.startswith("http"):
            domain = m.group("domain")
            if not domain or domain.rpartition(".")[2] not in tlds:
                continue
            uri = "https://" + uri
        start, end = m.start(1), m.end(1)
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        found.append((start, end, uri))
    return found


def bluesky_facets(text: str) -> list[dict[str, Any]]:
    """``app.bsky.richtext.facet`` records for the links and tags in ``text``.

    Offsets are UTF-8 byte offsets, ``byteEnd`` exclusive, so that
    ``text.encode()[byteStart:byteEnd]`` is the link or tag as written. Links and tags are
    detected as the Bluesky app does (@atproto/api ``detectFacets``): ``http(s)://`` up to the
    next space, bare domains with a known top-level domain (linked as ``https://``), one
    trailing ``.,;:!?`` or an unbalanced ``)`` dropped; tags as described in
    :func:`hashtag_problems`. Mentions are left out: they need the handle resolved to a DID.
    Facets come in text order; one that overlaps an earlier one is dropped.

    >>> bluesky_facets("Ação! https://example.org/amor #AmorVence")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'index': {'byteStart': 8, 'byteEnd': 32},
      'features': [{'$type': 'app.bsky.richtext.facet#link', 'uri': 'https://example.org/amor'}]},
     {'index': {'byteStart': 33, 'byteEnd': 43},
      'features': [{'$type': 'app.bsky.richtext.facet#tag', 'tag': 'AmorVence'}]}]
    """
    spans: list[tuple[int, int, dict[str, str]]] = [
        (s, e, {"$type": "app.bsky.richtext.facet#link", "uri": uri})
        for s, e, uri in _bluesky_links(text)
    ]
    spans += [
        (s, e, {"$type": "app.bsky.richtext.facet#tag", "tag": tag})
        for s, e, tag in _bluesky_tags(text)
    ]
    facets: list[dict[str, Any]] = []
    last_end = -1
    for start, end, feature in sorted(spans, key=lambda s: s[0]):
        if start < last_end:
            continue
        last_end = end
        facets.append(
            {
                "index": {
                    "byteStart": len(text[:start].encode("utf-8")),
                    "byteEnd": len(text[:end].encode("utf-8")),
                },
                "features": [feature],
            }
        )
    return facets
