"""Translator text is data: no markup, template syntax, header breaks or hidden characters
beyond what the source has.

Jinja's i18n extension marks translations safe, so a ``<script>`` in a translation would reach
an email client as markup; ``{{`` would be template syntax if a translation were ever rendered
as a template; a line break in a subject line ends the header; bidi controls make a string
display differently from what reviewers read.

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> from outreach.plurals import PluralForms
>>> info = CatalogInfo(locale="es", file="es.po", plural_forms=PluralForms(2, "n != 1"))
>>> def unit(source, text, context=None):
...     return Unit(source, None, context, (text,), frozenset(), 9, False, info)
>>> messages(html(unit("Post with <strong>%(tag)s</strong>", "Publica con <strong>%(tag)s")))
['tags are not balanced: <strong> is never closed']
>>> messages(header_injection(unit("Join us", "Únete\\nBcc: x@y.org", context="subject")))
['a line break in an email subject would end the header (header injection); keep it on one line']
>>> messages(invisible(unit("Sign now", "Firma\\u202e ya")))
... # doctest: +ELLIPSIS
['U+202E RIGHT-TO-LEFT OVERRIDE is not in the source (a bidi control: ...)']
"""

from __future__ import annotations

import functools
import html as html_lib
import importlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from outreach.checks.registry import Problem, Unit, entry_check, problem

__all__ = ["header_injection", "html", "invisible", "template_injection", "zero_width"]

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


# A tag: "<", an optional "/", a name, anything but "<" and ">" (its attributes), ">".
# Read in one left-to-right pass: no input makes it slower than linear (Python's HTMLParser
# is quadratic on runs of unclosed tags or comments).
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:._-]{0,40})([^<>]*)>")
_ATTRIBUTE = re.compile(r"""([^\s"'=<>/`]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_OTHER_MARKUP = re.compile(r"<!|<\?")


@dataclass
class _Markup:
    """The tags, attributes and comments of one string."""

    tags: Counter[str] = field(default_factory=Counter)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    comments: int = 0


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> _Markup:
    markup = _Markup()
    if "<" not in text:
        return markup
    markup.comments = len(_OTHER_MARKUP.findall(text))  # comments, declarations, <?...>
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, tag, rest = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if tag in _VOID:
                continue
            if not stack:
                markup.problems.append(f"</{tag}> closes nothing")
            elif stack[-1] != tag:
                markup.problems.append(f"</{tag}> closes <{stack.pop()}>")
            else:
                stack.pop()
            continue
        markup.tags[tag] += 1
        for attribute in _ATTRIBUTE.finditer(rest):
            value = attribute.group(2) or ""
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            markup.attributes.append((tag, attribute.group(1).lower(), html_lib.unescape(value)))
        if tag not in _VOID and not rest.rstrip().endswith("/"):
            stack.append(tag)
    markup.problems.extend(f"<{tag}> is never closed" for tag in stack)
    return markup


def _scheme(value: str) -> str | None:
    cleaned = "".join(c for c in html_lib.unescape(value) if not c.isspace() and c.isprintable())
    lowered = cleaned.lower()
    return next((s for s in _BAD_SCHEMES if lowered.startswith(s)), None)


@entry_check("html", "error", structural=True)
def html(unit: Unit) -> Iterator[str | Problem]:
    """The source's tags kept and balanced; no tag, attribute, handler or script link more."""
    for index, text in unit.filled_forms():
        if "<" not in text and "<" not in unit.source_text:
            continue
        source = _parse(unit.source_for(index))
        have = _parse(text)
        for message in _compare(source, have):
            yield problem(unit, index, message)


def _compare(source: _Markup, have: _Markup) -> Iterator[str]:
    for tag, count in sorted(have.tags.items()):
        if tag not in source.tags:
            yield f"<{tag}> is not in the source: translations must not add markup"
        elif count < source.tags[tag] or (
            count > source.tags[tag] and not _repeats(tag, source, have)
        ):
            yield f"<{tag}> appears {count} times, in the source {source.tags[tag]}"
    for tag in sorted(source.tags):
        if tag not in have.tags:
            yield f"<{tag}> of the source is missing from the translation"
    allowed: dict[str, set[str]] = {}
    source_values = {value for _, _, value in source.attributes}
    for tag, name, _ in source.attributes:
        allowed.setdefault(tag, set()).add(name)
    for tag, name, value in have.attributes:
        if tag not in source.tags:
            continue  # already reported
        if name in allowed.get(tag, set()):
            pass
        elif name.startswith("on"):
            yield f"event handler {name}= on <{tag}> is not allowed in a translation"
        else:
            yield f"attribute {name}= on <{tag}> is not in the source"
        scheme = _scheme(value)
        if scheme and value not in source_values:
            yield f"<{tag} {name}=…> is a {scheme} link, which the source does not have"
    if not source.problems:
        yield from (f"tags are not balanced: {problem}" for problem in have.problems)
    if have.comments > source.comments:
        yield "an HTML comment or declaration is not in the source"


def _repeats(tag: str, source: _Markup, have: _Markup) -> bool:
    """Whether the translation's extra ``<tag>`` elements only repeat the source's: balanced,
    and with the very attributes the source gives that tag (a sentence split in two
    ``<span class="x">`` where the source has one)."""
    if have.problems:
        return False
    given = {(name, value) for t, name, value in source.attributes if t == tag}
    return all((name, value) in given for t, name, value in have.attributes if t == tag)


@entry_check("template-injection", "error", structural=True)
def template_injection(unit: Unit) -> Iterator[str]:
    """``{{``, ``{%`` or ``{#`` that the source lacks."""
    for token in ("{{", "{%", "{#"):
        if token not in unit.source_text and any(token in form for form in unit.forms):
            yield f"“{token}” is not in the source: translations are text, never templates"


#: Message contexts whose strings become email headers and must stay on one line.
HEADER_CONTEXTS = frozenset({"subject", "preheader"})
_LINE_BREAKS = "\r\n\v\f\x85\u2028\u2029"


# An RFC 2047 encoded-word: what a mail client decodes inside a header ("=?utf-8?b?...?=").
_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]*\?=")


@entry_check("header-injection", "error", structural=True)
def header_injection(unit: Unit) -> Iterator[str]:
    """A line break, or an RFC 2047 encoded-word, in a string used as an email header.

    outreach writes such a string as text (its own encoding of it), so neither can end the
    header; but an encoded-word is how an attacker hides a line break from reviewers
    (``=?utf-8?b?...DQpCY2M6...?=`` decodes to a ``Bcc:`` line in some mail software), and
    no subject needs one.
    """
    if unit.msgctxt not in HEADER_CONTEXTS:
        return
    breaks = [c for c in _LINE_BREAKS if c not in unit.source_text]
    if any(c in form for form in unit.forms for c in breaks):
        yield (
            f"a line break in an email {unit.msgctxt} would end the header "
            "(header injection); keep it on one line"
        )
    for form in unit.forms:
        found = _ENCODED_WORD.search(form)
        if found and not _ENCODED_WORD.search(unit.source_text):
            yield (
                f"“{found.group()[:40]}” is MIME encoded-word syntax, which mail software may "
                f"decode inside the {unit.msgctxt} (a way to hide a line break): write the text"
            )
            return


# Invisible characters with a legitimate use: joiners (Persian, Indic scripts, emoji
# sequences) and the soft hyphen; bidi marks in right-to-left text; the zero-width space as
# a word-break hint in scripts written without spaces.
_ALWAYS_ALLOWED = frozenset("\u200c\u200d\u00ad\n\t\r")
_RTL_MARKS = frozenset("\u200e\u200f\u061c")
_BREAK_HINTS = frozenset("\u200b")
_NO_SPACE_LANGUAGES = frozenset({"th", "lo", "km", "my", "bo", "dz", "ja", "zh"})
_RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "ckb", "dv", "syr"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class _Invisible:
    def __init__(self) -> None:
        regex: Any = importlib.import_module("regex")
        self.chars: Any = regex.compile(r"[\p{Cf}\p{Cc}\u115f\u1160\u3164\uffa0\u2800]")
        self.flag_tags: Any = regex.compile(r"\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")


@functools.cache
def _invisible_rx() -> _Invisible:
    return _Invisible()


@entry_check("invisible", "error", structural=True)
def invisible(unit: Unit) -> Iterator[str]:
    """Bidi controls and other invisible format characters that the source does not have.

    A zero-width space, word joiner or byte-order mark pasted next to a space changes nothing
    a reader sees: that is :func:`zero_width` (a warning). Inside a word it splits the word, a
    hashtag or a link's host, and at the start of a string it hides what the string begins
    with (a spreadsheet formula's ``=``): there it stays an error.
    """
    for char, stray in _foreign_invisibles(unit):
        if stray:
            continue
        name = unicodedata.name(char, "a control character")
        kind = (
            "a bidi control: the text would display differently from what reviewers read"
            if char in _BIDI_CONTROLS
            else "an invisible character"
        )
        yield f"U+{ord(char):04X} {name} is not in the source ({kind})"


@entry_check("zero-width", "warning")
def zero_width(unit: Unit) -> Iterator[str]:
    """A zero-width space (or word joiner, byte-order mark) pasted next to a space: junk
    that copy and paste brings along, harmless where it is."""
    for char, stray in _foreign_invisibles(unit):
        if stray:
            name = unicodedata.name(char)
            yield (
                f"U+{ord(char):04X} {name} next to a space is not in the source: invisible "
                "junk from copy and paste; delete it"
            )


# Invisible characters harmless beside white space or at an end of the string.
_ZERO_WIDTH_RUNS = re.compile("[\u200b\u2060\ufeff]+")


def _foreign_invisibles(unit: Unit) -> list[tuple[str, bool]]:
    """The invisible characters of the translation that the source does not have, each once,
    and whether every occurrence of it is a stray zero-width one (see :func:`zero_width`)."""
    if all(form.isascii() and form.isprintable() for form in unit.forms):
        return []
    language = unit.catalog.locale.replace("-", "_").split("_", 1)[0].lower()
    return _invisibles_in(unit.forms, unit.source_text, language)


@functools.lru_cache(maxsize=4096)
def _invisibles_in(forms: tuple[str, ...], source: str, language: str) -> list[tuple[str, bool]]:
    rx = _invisible_rx()
    allowed = set(_ALWAYS_ALLOWED)
    if language in _RTL_LANGUAGES:
        allowed |= _RTL_MARKS
    if language in _NO_SPACE_LANGUAGES:
        allowed |= _BREAK_HINTS
    found: dict[str, bool] = {}
    for form in forms:
        if form.isascii() and form.isprintable():
            continue
        text = rx.flag_tags.sub("", form) if "\U0001f3f4" in form else form
        stray_at: set[int] = set()
        for run in _ZERO_WIDTH_RUNS.finditer(text):
            start, end = run.span()
            if (start and text[start - 1].isspace()) or (end < len(text) and text[end].isspace()):
                stray_at.update(range(start, end))
        for match in rx.chars.finditer(text):
            char = match.group()
            if char in allowed or char in source:
                continue
            found[char] = found.get(char, True) and match.start() in stray_at
    return list(found.items())
