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
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field
from typing import Any

from outreach.checks.registry import Problem, Severity, Unit, entry_check, problem

__all__ = ["header_injection", "html", "invisible", "template_injection", "zero_width"]

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


# A tag: "<", an optional "/", a name, anything but "<" and ">" (its attributes), ">". The
# name runs, as browsers read it, up to white space, "/" or ">": "<Sélectionner>" names the
# element "sélectionner" (none), not "s" with an attribute "électionner".
# Read in one left-to-right pass: no input makes it slower than linear (Python's HTMLParser
# is quadratic on runs of unclosed tags or comments).
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/<>]{0,100})(?=[\s/>])([^<>]*)>")
_ATTRIBUTE = re.compile(r"""([^\s"'=<>/`]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_OTHER_MARKUP = re.compile(r"<!|<\?")
#: A processing instruction that holds only punctuation (``<?>``, ``<???>``: an unknown
#: value's mark, as ``<unknown>`` is in a source): HTML reads it as a comment that ends at
#: its ``>``, so it hides nothing but its own marks.
_UNKNOWN_MARK = re.compile(r"<\?[^\w<>]*>")


@dataclass
class _Markup:
    """The tags, attributes and comments of one string."""

    tags: Counter[str] = field(default_factory=Counter)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    comments: int = 0
    unknown_marks: int = 0  # of the comments, those that are :data:`_UNKNOWN_MARK`
    #: the tags opened and never closed
    unclosed: set[str] = field(default_factory=set)
    #: ``(tag, attribute, value as written)`` of each attribute whose value a typographic
    #: quote opens, as delimiter or inside straight ones (:func:`_curly_quoted`)
    curly: list[tuple[str, str, str]] = field(default_factory=list)


#: The element names of HTML (WHATWG's index of elements, obsolete ones included, as
#: browsers still parse them), SVG's and MathML's root: what a browser or mail client treats
#: as markup. Written out because no runtime dependency exposes the list (nh3's is its
#: allow-list, html5lib is a test dependency). ``<unused singular>`` or
#: ``<Default value>``, a project's marker msgid in angle brackets, is text, not a tag.
_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "address",
        "applet",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "basefont",
        "bdi",
        "bdo",
        "bgsound",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "image",
        "img",
        "input",
        "ins",
        "isindex",
        "kbd",
        "keygen",
        "label",
        "legend",
        "li",
        "link",
        "listing",
        "main",
        "map",
        "mark",
        "marquee",
        "menu",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "plaintext",
        "portal",
        "pre",
        "progress",
        "q",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "math",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
        "xmp",
    ]
)

#: Inline formatting whose members translators swap for one another (``<b>`` for
#: ``<strong>``, ``<i>`` for ``<em>``): the same look, no new behaviour.
_EQUIVALENT = (
    {"b", "strong"},
    {"i", "em", "cite", "dfn", "var"},
    {"u", "ins"},
    {"s", "del", "strike"},
)

#: Tags a translation may add without changing what the message does: emphasis, a foreign
#: term in ``<i>``, direction and isolation for right-to-left text, a line break. Adding one
#: is a judgement (a warning); any other added tag can act (a link, an image, a form, a
#: script) and is an error.
_HARMLESS = frozenset(
    {"b", "strong", "i", "em", "u", "s", "small", "sub", "sup", "mark", "cite", "dfn", "var"}
    | {"abbr", "q", "bdi", "span", "br", "wbr", "code", "kbd", "samp", "tt", "ruby"}
    | {"rb", "rp", "rt", "rtc", "ins", "del", "strike", "nobr"}
)
#: Attributes a translation may add to a tag the source has: direction and language.
_HARMLESS_ATTRIBUTES = frozenset({"dir", "lang", "xml:lang", "translate"})


#: Attributes that act on any element, known to HTML or not: style and class (a browser
#: styles an unknown element too: ``display:none`` hides text), links and sources, and
#: those that hide or edit what the element holds with no value at all (``hidden``).
_ACTING_ATTRIBUTES = frozenset(
    {"style", "class", "id", "href", "src", "srcset", "action", "formaction", "background"}
    | {"xlink:href", "dir", "hidden", "inert", "popover", "contenteditable"}
)


#: An attribute name as people write them (``title``, ``aria-label``, ``xml:lang``);
#: anything else is a broken attribute (``warning\\"`` from quotes written ``\\"``).
_PLAIN_ATTRIBUTE = re.compile(r"[a-z_:][a-z0-9_:.-]*")


def _acts(name: str) -> bool:
    """Whether an attribute added to a tag can change what the page does or shows: a style,
    class or id, a link or source, a script's ``data-`` hook, an event handler, or a broken
    name (quotes escaped with backslashes split an attribute into pieces).

    >>> _acts("title"), _acts("target"), _acts("data-action"), _acts('warning\\\\')
    (False, False, True, True)
    """
    return (
        name in _ACTING_ATTRIBUTES
        or name.startswith(("on", "data-"))
        or not _PLAIN_ATTRIBUTE.fullmatch(name)
    )


def _is_markup(tag: str, rest: str) -> bool:
    """Whether ``<tag rest>`` is markup: an HTML element, a custom element (``x-y``), or any
    tag-like text with an attribute that acts (a style, a link, an event handler, a script
    link), which no reader would call text.

    >>> _is_markup("unused", " singular (hash=abc)"), _is_markup("foo", ' style="x"')
    (False, True)
    """
    if tag in _ELEMENTS or "-" in tag:
        return True
    for attribute in _ATTRIBUTE.finditer(rest):
        name = attribute.group(1).lower()
        if name in _ACTING_ATTRIBUTES or name.startswith("on"):
            return True
        if _scheme(attribute.group(2) or "") is not None:
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> _Markup:
    markup = _Markup()
    if "<" not in text:
        return markup
    markup.comments = len(_OTHER_MARKUP.findall(text))  # comments, declarations, <?...>
    markup.unknown_marks = len(_UNKNOWN_MARK.findall(text))
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, tag, rest = match.group(1), match.group(2).lower(), match.group(3)
        if not (_is_markup(tag, rest) or (closing and tag in stack)):
            continue
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
        skip = 0  # the end of an attribute's value a typographic quote opened
        for attribute in _ATTRIBUTE.finditer(rest):
            if attribute.start() < skip:
                continue  # "title=“Sign here”": “here”” is the value's rest, no attribute
            value = attribute.group(2) or ""
            name = attribute.group(1).lower()
            if curly := _curly_quoted(rest, attribute):
                markup.curly.append((tag, name, curly.group()))
                skip = curly.end()
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            if not curly and name in _LINK_ATTRIBUTES and value:
                decoded = html_lib.unescape(value).strip()
                if decoded[:1] in _TYPOGRAPHIC_QUOTES or decoded[-1:] in _TYPOGRAPHIC_QUOTES:
                    markup.curly.append((tag, name, "=" + (attribute.group(2) or "")))
            markup.attributes.append((tag, name, html_lib.unescape(value)))
        if tag not in _VOID and not rest.rstrip().endswith("/"):
            stack.append(tag)
    markup.unclosed = set(stack)
    for tag, count in Counter(stack).items():
        markup.problems.append(
            f"<{tag}> is never closed"
            if count == 1
            else f"<{tag}> is opened {count} times and never closed (a </{tag}> typed as <{tag}>?)"
        )
    return markup


#: Quotation marks that are not HTML's: typographic (“ ” „ ‟ « » ‘ ’ ‚ ‛ ‹ ›), CJK
#: corner brackets, full-width and prime marks. HTML delimits an attribute's value with
#: ``"`` or ``'`` only: any of these is part of the value.
_TYPOGRAPHIC_QUOTES = "“”„‟«»‘’‚‛‹›「」『』＂＇″′"
#: An attribute's value that a typographic quote opens, up to the next one (or the end):
#: ``href=“%(url)s”``, ``title=«Signez ici»``; inside straight quotes too,
#: ``href="“%(url)s”"``.
_CURLY_VALUE = re.compile(
    rf"""=\s*(["']?)[{_TYPOGRAPHIC_QUOTES}][^{_TYPOGRAPHIC_QUOTES}<>]*[{_TYPOGRAPHIC_QUOTES}]?\1"""
)
#: Attributes whose value is a link: one a typographic quote begins goes nowhere.
_LINK_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "action", "formaction", "poster", "background", "xlink:href"}
    | {"cite", "data", "ping", "longdesc"}
)


def _curly_quoted(rest: str, attribute: re.Match[str]) -> re.Match[str] | None:
    """The value of ``attribute`` (a match of :data:`_ATTRIBUTE` in a tag's ``rest``) from
    its ``=`` on, where a typographic quote opens it, as delimiter (``href=“%(url)s”``: HTML
    reads the quotes into the value and ends it at the first space) or just inside straight
    quotes (``href="“%(url)s”"``).

    >>> rest = ' href=“%(url)s” title=«Signez ici»'
    >>> [_curly_quoted(rest, m).group() for m in list(_ATTRIBUTE.finditer(rest))[:2]]
    ['=“%(url)s”', '=«Signez ici»']
    >>> rest = ' href=&ldquo;%(url)s&rdquo;'  # written as entities, decoded by the browser
    >>> _curly_quoted(rest, next(_ATTRIBUTE.finditer(rest))).group()
    '=&ldquo;%(url)s&rdquo;'
    """
    raw = attribute.group(2)
    if raw is None:
        return None
    equals = rest.index("=", attribute.end(1))
    found = _CURLY_VALUE.match(rest, equals)
    if found is None and "&" in raw:  # href=&ldquo;%(url)s&rdquo;: the same quotes, decoded
        decoded = html_lib.unescape(rest[equals : attribute.end()])
        if _CURLY_VALUE.match(decoded):
            return re.compile(re.escape(rest[equals : attribute.end()])).match(rest, equals)
    return found


def _scheme(value: str) -> str | None:
    cleaned = "".join(c for c in html_lib.unescape(value) if not c.isspace() and c.isprintable())
    lowered = cleaned.lower()
    return next((s for s in _BAD_SCHEMES if lowered.startswith(s)), None)


@entry_check("html", "error", structural=True, trigger="[<]")
def html(unit: Unit) -> Iterator[str | Problem]:
    """The source's tags kept and balanced; no tag, attribute, handler or script link more.

    Errors (certain, or a danger): tags that do not balance (the rest of the message would
    be bold, or a link), an added tag that can act (``<a>``, ``<img>``, ``<script>``, a
    form), an event handler or a ``javascript:`` link, an added attribute that acts (a
    style, class or id, a link or source), an HTML comment, and a link (``<a>``) of the
    source lost. Warnings (judgements): a question mark in angle brackets (``<???>`` for
    ``<unknown>``: :data:`_UNKNOWN_MARK`, a processing instruction to HTML that hides only
    its marks; one with a letter or digit, ``<?php …?>``, or ``<!…`` stays an error), an
    added formatting tag (``<i>`` for a foreign term, ``<span dir="ltr">`` in a
    right-to-left translation), an added attribute that does not
    act (``title=``, ``target=``), another tag of the source dropped or written a
    different number of times, a command's argument in angle brackets written otherwise
    (``<plugin-name>`` → ``<nazwa-wtyczki>``, never closed and without attributes on both
    sides: :func:`_renamed_names`). A swap between equivalent tags (``<b>`` for ``<strong>``,
    ``<i>`` for ``<em>``) is no finding. Text in angle brackets that names no HTML element
    (``<unused singular>``) is not markup, and neither is its translation where that is a
    bare word that happens to name one (``<text>`` translated ``<data>``). Labels of a
    command's help (``<task id>``, ``<a global alias>``, never closed, words with no
    attribute's value) are text on both sides, as many in the translation as the source
    has (:func:`_is_label`): one written as markup would read (``<Aufgaben ID>``, ``<sous-
    chaîne à remplacer>``, Hungarian's article in ``<a szervernek …>``) is a warning. A
    label that would act stays markup: an attribute that acts bare (``<a href>``, ``<x
    hidden>``, ``onclick``), an element that hides, swallows or draws what follows
    (``<dialog>``, ``<details>``, ``<script>``, ``<hr …>``), or one closed.

    Typographic quotes around an attribute's value the source quotes with ``"`` or ``'``
    (``href=“%(url)s”``, ``title=«Signez ici»``, or as entities, ``&ldquo;``) are an error:
    HTML reads them into the value, which ends at the first space, so the link goes nowhere
    and a class or title is cut (a warning for a title or alt of one word, which only
    shows them); inside straight quotes, they are an error at either end of a link and
    text elsewhere (``title="«Signez ici»"``): :func:`_curly_problems`.

    Precondition ``<``: a form is compared only when it or the source has one.
    """
    for index, text in unit.filled_forms():
        if "<" not in text and "<" not in unit.source_text:
            continue
        source_text = unit.source_for(index)
        labels = _labels(source_text)
        source = _parse(_source_labels(source_text) if labels else source_text)
        read: list[str] = []
        if labels and "<" in text:
            text, read = _read_labels(text, labels)
        have = _parse(text)
        for message, severity in _compare(source, have):
            yield problem(unit, index, message, severity)
        in_source = {x.lower() for x in _read_labels(source_text, labels)[1]} if read else set()
        # an address in angle brackets (``<jan@voorbeeld.nl>``, an e-mail's angle-addr) is
        # the urls check's to judge: one cause, one finding
        fresh = [label for label in dict.fromkeys(read) if label.lower() not in in_source]
        if new := [label for label in fresh if "@" not in label and "://" not in label]:
            yield problem(
                unit,
                index,
                f"{', '.join(new)}: read as text, labels in angle brackets as the source's "
                "are (a command's argument, “<task id>”); fine where the text is not HTML "
                "(as HTML, each opens an element that does nothing)",
                "warning",
            )


#: Elements that act even bare and unclosed: raw text that swallows what follows (a
#: script, a title), links, media, forms, frames, document structure.
_NEVER_LABELS = frozenset(
    {"script", "style", "title", "textarea", "xmp", "iframe", "noscript", "noembed"}
    | {"noframes", "plaintext", "template", "object", "embed", "a", "img", "form", "input"}
    | {"button", "select", "option", "link", "meta", "base", "svg", "math", "video"}
    | {"audio", "source", "frame", "frameset", "body", "html", "head", "image", "picture"}
    # ... and those that hide what follows them, or show a widget in its place (a closed
    # dialog or disclosure, a data list, a canvas's or a meter's fallback)
    | {"dialog", "details", "datalist", "canvas", "progress", "meter", "optgroup", "slot"}
    | {"fencedframe", "portal", "marquee", "keygen"}
)


#: What follows a label's first word in angle brackets: more words, none an attribute's
#: value (no ``=``, quote or slash): ``<task id>``, ``<sous-chaîne à remplacer>``.
_BARE_WORDS = re.compile(r"""(?:\s+[^\s=<>"'`/]+)*\s*""")
#: Attribute names that act with no value: they hide, disable, open, edit, play, focus,
#: link or load (``<Notiz hidden>`` would hide the rest of the message, ``<a href>`` link
#: it). A word in angle brackets that writes one is markup, not a label; so is one starting
#: with ``on`` (an event handler's name).
_ACTS_BARE = (_ACTING_ATTRIBUTES - {"style", "class", "id", "dir"}) | frozenset(
    {"open", "autofocus", "autoplay", "controls", "draggable", "poster", "ping", "download"}
    | {"data", "is", "tabindex", "accesskey", "popovertarget", "commandfor", "command"}
    | {"slot", "nonce", "integrity"}
)  # the acting attributes, less those that need a value to act, and those acting bare
#: Elements that act with only words after their name: those that act bare (a script, a
#: form control, media: :data:`_NEVER_LABELS`) and void ones (``<hr …>`` draws a rule),
#: less ``<a>`` and ``<base>``, which do nothing without ``href`` (Hungarian's article
#: opens ``<a szervernek elküldendő karakterlánc>``; French writes ``<base 1>``).
_NEVER_WORDED_LABELS = (_NEVER_LABELS | _VOID) - {"a", "base"}


def _is_label(tag: str, rest: str, closed: Set[str]) -> bool:
    """Whether ``<tag rest>``, an opening tag never closed in its text (``closed``: the
    tags the text closes), is a label for the reader to replace: a bare word that acts in
    no way bare (``<text>``, ``<data>``), or words with no attribute value, none of which
    acts bare (:data:`_ACTS_BARE`), after a name that does nothing without one
    (:data:`_NEVER_WORDED_LABELS`): ``<task id>``, ``<a global alias,%s %n>``.

    >>> _is_label("aufgaben", " ID", set()), _is_label("a", " szervernek elküldendő", set())
    (True, True)
    >>> _is_label("a", " href", set()), _is_label("notiz", " hidden", set())
    (False, False)
    >>> _is_label("x", ' style="color:red"', set()), _is_label("task", " id", {"task"})
    (False, False)
    """
    if tag in closed:
        return False
    if not rest.strip():
        return tag not in _NEVER_LABELS
    if tag in _NEVER_WORDED_LABELS or not _BARE_WORDS.fullmatch(rest):
        return False
    return not any(w in _ACTS_BARE or w.startswith("on") for w in rest.lower().split())


def _closed(text: str) -> set[str]:
    return {m.group(2).lower() for m in _TAG.finditer(text) if m.group(1)}


def _labels(source: str) -> int:
    """How many labels in angle brackets ``source`` writes (``<text>``, ``<unused
    singular>``, ``<task id>``: :func:`_is_label`, or any tag-like text that is no markup):
    words a translator translates.

    >>> _labels("Events with Id containing <text>"), _labels("<b>Bold</b> <name>")
    (1, 1)
    >>> _labels("[<username>] [<task id>]"), _labels("<a href>x")
    (2, 0)
    """
    closed = _closed(source)
    return sum(
        1
        for m in _TAG.finditer(source)
        if not m.group(1)
        and (
            not _is_markup(m.group(2).lower(), m.group(3))
            or (m.group(3).strip() and _is_label(m.group(2).lower(), m.group(3), closed))
        )
    )


def _source_labels(source: str) -> str:
    """``source`` with each label of several words that would read as markup (``<task
    id>``, ``<a global alias,%s %n>``: :func:`_is_label`) written as the label it is; a bare
    element's name never closed (``<p>``) stays markup.

    >>> _source_labels("<p>Use [<task id>] <b>now</b>")
    '<p>Use [‹task id›] <b>now</b>'
    """
    closed = _closed(source)

    def label(match: re.Match[str]) -> str:
        tag, rest = match.group(2).lower(), match.group(3)
        if match.group(1) or not rest.strip() or not _is_label(tag, rest, closed):
            return match.group(0)
        return f"‹{match.group(2)}{rest}›"

    return _TAG.sub(label, source)


def _as_labels(text: str, labels: int) -> str:
    """``text`` with up to ``labels`` never-closed tags that read as labels
    (:func:`_is_label`) written as the labels they are (``<data>`` for the source's
    ``<text>``: a word that happens to name an element; ``<Aufgaben ID>`` for ``<task
    id>``), so that they are not read as markup; an element that acts bare (``<script>``,
    ``<a>``, ``<title>``) stays markup, as does a tag with an attribute's value.

    >>> _as_labels("<data> を含むIDのイベント", 1)
    '‹data› を含むIDのイベント'
    >>> _as_labels("<script> x", 1), _as_labels("<b>x</b>", 1)
    ('<script> x', '<b>x</b>')
    >>> _as_labels("<Aufgaben ID> [<a href>]", 2)
    '‹Aufgaben ID› [<a href>]'
    """
    return _read_labels(text, labels)[0]


def _read_labels(text: str, labels: int) -> tuple[str, list[str]]:
    """:func:`_as_labels`, and the labels it read that would be markup as written (an
    element's name with words after it, a custom element's, a word that is an attribute:
    ``<a szervernek …>``, ``<sous-chaîne à remplacer>``, ``<Aufgaben ID>``,
    ``<nazwa-wtyczki>``), as written; a bare element's name (``<data>``) is a word."""
    closed = _closed(text)
    read: list[str] = []

    def label(match: re.Match[str]) -> str:
        nonlocal labels
        tag, rest = match.group(2).lower(), match.group(3)
        if labels <= 0 or match.group(1) or not _is_label(tag, rest, closed):
            return match.group(0)
        labels -= 1
        if (rest.strip() or "-" in tag) and _is_markup(tag, rest):
            read.append(" ".join(match.group(0).split()))
        return f"‹{match.group(2)}{rest}›"

    return _TAG.sub(label, text), read


def _swapped(source: _Markup, have: _Markup) -> tuple[Counter[str], Counter[str]]:
    """The source's and the translation's tags, with the translation's tags of a group of
    equivalent ones (``<b>``, ``<strong>``) named as the source's when the group is used as
    often on both sides: a swap, not an added tag."""
    names: dict[str, str] = {}
    for group in _EQUIVALENT:
        used = sorted(t for t in group if t in source.tags)
        total = sum(source.tags[t] for t in group)
        if used and total == sum(have.tags[t] for t in group):
            names.update((t, used[0]) for t in group if t not in source.tags)
    got: Counter[str] = Counter()
    for tag, count in have.tags.items():
        got[names.get(tag, tag)] += count
    return Counter(source.tags), got


def _compare(source: _Markup, have: _Markup) -> Iterator[tuple[str, Severity | None]]:
    if have.problems and not source.problems:
        # One cause, one finding: "<strong>…<strong>" is a closing tag typed as an opening
        # one, not also a tag written twice.
        yield f"tags are not balanced: {'; '.join(dict.fromkeys(have.problems))}", None
        unbalanced = True
    else:
        unbalanced = False
    want, got = _swapped(source, have)
    names = _renamed_names(source, have, want, got)
    for tag, count in sorted(got.items()):
        if tag not in want:
            if tag in names:
                yield (
                    f"<{tag}> takes the place of the source's <{names[tag]}>, a name in angle "
                    "brackets never closed (a command's argument, “enable <plugin-name>”): "
                    "fine if the words are text, not markup",
                    "warning",
                )
            elif tag in _HARMLESS:
                yield f"<{tag}> is not in the source (formatting only: fine if intended)", "warning"
            else:
                yield f"<{tag}> is not in the source: translations must not add markup", None
        elif unbalanced:
            continue
        elif count < want[tag] or (count > want[tag] and not _repeats(tag, source, have)):
            severity: Severity | None = None if tag == "a" and count > want[tag] else "warning"
            yield f"<{tag}> appears {count} times, in the source {want[tag]}", severity
    for tag in sorted(want):
        if tag not in got and tag not in names.values():
            lost: Severity | None = None if tag == "a" else "warning"
            yield f"<{tag}> of the source is missing from the translation", lost
    allowed: dict[str, set[str]] = {}
    source_values = {value for _, _, value in source.attributes}
    for tag, name, _ in source.attributes:
        allowed.setdefault(tag, set()).add(name)
    for tag, name, value in have.attributes:
        if tag not in source.tags and tag not in _HARMLESS:
            continue  # already reported
        if name in allowed.get(tag, set()) or name in _HARMLESS_ATTRIBUTES:
            pass
        elif name.startswith("on"):
            yield f"event handler {name}= on <{tag}> is not allowed in a translation", None
        elif _acts(name) or _scheme(value) is not None:
            yield f"attribute {name}= on <{tag}> is not in the source", None
        else:  # title=, target=, rel=, aria-…: shown or followed, never acting on the page
            yield (
                f"attribute {name}= on <{tag}> is not in the source (it changes nothing a "
                "reader is sent to: fine if intended)",
                "warning",
            )
        scheme = _scheme(value)
        if scheme and value not in source_values:
            yield f"<{tag} {name}=…> is a {scheme} link, which the source does not have", None
    if have.comments - have.unknown_marks > source.comments - source.unknown_marks:
        yield "an HTML comment or declaration is not in the source", None
    elif have.comments > source.comments:
        yield (
            "a question mark in angle brackets (“<?>”, an unknown value's mark) reads as an "
            "HTML processing instruction, which hides only its own marks: fine where the "
            "text is shown as typed",
            "warning",
        )
    yield from _curly_problems(source, have)


def _curly_problems(source: _Markup, have: _Markup) -> Iterator[tuple[str, Severity | None]]:
    """Typographic quotes around an attribute's value that the source writes otherwise
    (:func:`_curly_quoted`): as delimiters (``href=“%(url)s”`` for ``href="%(url)s"``), HTML
    reads them into the value, which ends at the first space, so a link goes to
    ``“https://…”``, a relative address that does not exist, and a title or class is cut
    or does not match: markup that breaks, an error (a warning for a title or alt of one
    word, ``title=«Aide»``, which only shows the quotes). Inside straight quotes they are
    the value's own characters: an error on a link (``href="“…”"`` goes nowhere), none on
    text such as a title (``title="«Signez ici»"`` is French quotation)."""
    written = {(tag, name) for tag, name, _ in source.curly}
    for tag, name, value in have.curly:
        if (tag, name) in written:
            continue
        quoted = html_lib.unescape(value[1:]).strip()
        delimited = quoted[:1] not in ("'", '"')
        if not delimited and name not in _LINK_ATTRIBUTES:
            continue
        inner = quoted.strip("\"'").strip(_TYPOGRAPHIC_QUOTES)
        marks = " ".join(dict.fromkeys(c for c in quoted if c in _TYPOGRAPHIC_QUOTES))
        link = name in _LINK_ATTRIBUTES
        if delimited:
            # a title or alt of one word shows its quotes, nothing more: a judgement
            cut = link or _acts(name) or any(c.isspace() for c in inner)
            yield (
                f"{name}{value} on <{tag}> has typographic quotes ({marks}) around its value: "
                "HTML does not read them as quotes, so they become part of the value, which "
                f"ends at the first space{'; the link goes nowhere' if link else ''}; write "
                f'straight quotes, {name}="{inner}"',
                None if cut else "warning",
            )
        else:
            yield (
                f"{name}{value} on <{tag}>: the link begins or ends with a typographic quote "
                f'({marks}), so it goes nowhere; write {name}="{inner}"',
                None,
            )


def _renamed_names(
    source: _Markup, have: _Markup, want: Counter[str], got: Counter[str]
) -> dict[str, str]:
    """``{translation's: source's}`` for a name in angle brackets that the translation writes
    otherwise (``<nazwa-wtyczki>`` for ``<plugin-name>``): each a custom element's name (a
    hyphen, no element of HTML), never closed and without attributes on both sides, so a
    word for the reader to replace, as command-line help writes one, not an element; as
    markup it does nothing (no style, script or link), so the check only warns. Paired one
    to one, in order.

    >>> source, have = _parse("enable <plugin-name>"), _parse("włącz <nazwa-wtyczki>")
    >>> _renamed_names(source, have, *_swapped(source, have))
    {'nazwa-wtyczki': 'plugin-name'}
    """

    def names(markup: _Markup, tags: Counter[str], other: Counter[str]) -> list[str]:
        with_attributes = {tag for tag, _, _ in markup.attributes}
        return [
            tag
            for tag in sorted(tags)
            if tag not in other
            and "-" in tag
            and tag not in _ELEMENTS
            and tag in markup.unclosed
            and tag not in with_attributes
        ]

    return dict(zip(names(have, got, want), names(source, want, got), strict=False))


def _repeats(tag: str, source: _Markup, have: _Markup) -> bool:
    """Whether the translation's extra ``<tag>`` elements only repeat the source's: balanced,
    and with the very attributes the source gives that tag (a sentence split in two
    ``<span class="x">`` where the source has one)."""
    if have.problems:
        return False
    given = {(name, value) for t, name, value in source.attributes if t == tag}
    return all((name, value) in given for t, name, value in have.attributes if t == tag)


@entry_check("template-injection", "error", structural=True, trigger="[{]")
def template_injection(unit: Unit) -> Iterator[str | Problem]:
    """``{{``, ``{%`` or ``{#`` that the source lacks.

    Errors (a danger): template syntax a translation adds could run if the string were ever
    rendered as a template. Warning (a judgement): a tag that can do nothing in any template
    language (:func:`_inert`), as wiki markup writes braces: MoinMoin's ``{{{%s}}}`` (inline
    text as typed, round the source's own placeholder) makes ``{%`` that no ``%}`` closes,
    its ``{{{**}}}`` a ``{{`` round punctuation alone. A template engine would refuse such
    text or show it, never run it; but an expression with a letter, digit, quote, dot or
    ``=`` in it (``{{{'a': config}}}``, Mustache's ``{{=<% %>=}}`` and ``{{.}}``), read as
    far as Jinja reads it (its ``}}`` ends a tag only where no bracket is open: ``{{
    {():{}}.__class__ }}`` is one expression), or a tag its closer ends anywhere after it
    (``{%s} … {% include 'x' %}``), stays an error.

    Precondition ``{``: each token starts with one.
    """
    for token in ("{{", "{%", "{#"):
        if token in unit.source_text:
            continue
        written = [form for form in unit.forms if token in form]
        if not written:
            continue
        if all(_inert(form, token) for form in written):
            closer = _TEMPLATE_CLOSERS[token]
            what = (
                f"holds only punctuation up to its “{closer}”"
                if token == "{{"
                else f"nothing closes it (no “{closer}” after it)"
            )
            yield Problem(
                f"“{token}” is not in the source, but {what}: no template tag (wiki markup "
                "writes braces so, {{{%s}}}, {{{**}}}); fine unless the text is rendered as a "
                "template, which would refuse it",
                None,
                "warning",
            )
            continue
        yield f"“{token}” is not in the source: translations are text, never templates"


#: The closer that ends each template tag: a tag without it runs nothing.
_TEMPLATE_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
#: What an expression between ``{{`` and ``}}`` may hold and still name, read, call or
#: change nothing in Jinja, Django, Mustache or Handlebars: spaces and punctuation that
#: make no name, number, string, filter argument, partial (``>``), section (``#``, ``^``),
#: unescaped name (``&``) or delimiter change (``=``). Never a dot: Mustache's ``{{.}}`` is
#: the current context (at the top, all of the template's data), Handlebars' ``{{..}}`` its
#: parent, and Jinja reads an attribute with one (``{{ {():{}}.__class__ }}``).
_INERT_EXPRESSION = re.compile(r"[\s{}\[\]()/*\\|,:;!?~+-]*")
#: The brackets Jinja (and Twig) balance inside a tag: its ``}}`` ends the tag only where
#: none is open (``{{ {():{}}.__class__ }}`` is one expression, up to the last ``}}``).
_BRACKETS = {"{": "}", "(": ")", "[": "]"}


#: The template openers of one form that :func:`_inert` reads one by one, at most.
MAX_INERT_TAGS = 64


def _inert(form: str, token: str) -> bool:
    """Whether every ``token`` in ``form`` opens a tag that can do nothing: ``{%`` or ``{#``
    that no closer follows anywhere after it (Jinja refuses the text, Django shows it), or
    ``{{`` whose expression is punctuation only (:data:`_INERT_EXPRESSION`) as each engine
    reads it: up to its first ``}}`` (Django, Mustache, Handlebars), and up to the ``}}``
    that Jinja ends it at, where no bracket is open (:func:`_jinja_end`), unless Jinja
    refuses the text for a bracket it closes that is not open (``{{{[[}}}``, wiki markup).
    Without a ``}}``, to the end of the form.

    >>> _inert("« {{{%s}}} »", "{%"), _inert("{{{%s}}} {% include 'x' %}", "{%")
    (True, False)
    >>> _inert("{{{**}}}מודגש{{{**}}}", "{{"), _inert("{{{'a': config}}}", "{{")
    (True, False)
    >>> _inert("{{=<% %>=}}", "{{"), _inert("{{{[[}}}שם דף{{{]]}}}", "{{")
    (False, True)
    >>> _inert("{{ {():{}}.__class__ }}", "{{"), _inert("{{.}}", "{{")
    (False, False)

    A form with more than :data:`MAX_INERT_TAGS` of them is not read tag by tag: each is
    judged against the text after it, so 8,000 characters of ``{{`` took 9 s (quadratic);
    so many template openers are no wiki markup, and the finding stays.
    """
    if form.count(token) > MAX_INERT_TAGS:
        return False
    closer = _TEMPLATE_CLOSERS[token]
    start = form.find(token)
    while start != -1:
        rest = form[start + len(token) :]
        end = rest.find(closer)
        if token != "{{":
            if end != -1:
                return False
        else:
            if not _INERT_EXPRESSION.fullmatch(rest if end == -1 else rest[:end]):
                return False
            jinja = _jinja_end(rest)
            if jinja is not None and not _INERT_EXPRESSION.fullmatch(rest[:jinja]):
                return False
        start = form.find(token, start + 1)
    return True


def _jinja_end(rest: str) -> int | None:
    """Where Jinja's lexer ends the expression that ``rest`` (the text after a ``{{``)
    starts: at the first ``}}`` where no bracket (:data:`_BRACKETS`) is open, or the end of
    ``rest``; ``None`` where it refuses the text first, for a bracket closed that is not
    the one open (or none is). A quote before that end is no inert text whatever the string
    it opens holds, so strings need no reading here.

    >>> _jinja_end(" {():{}}.x }} y"), _jinja_end("**}}}"), _jinja_end("[[}}}"), _jinja_end(" x")
    (11, 2, None, 2)
    """
    stack: list[str] = []
    for index, char in enumerate(rest):
        if not stack and rest.startswith("}}", index):
            return index
        if char in _BRACKETS:
            stack.append(_BRACKETS[char])
        elif char in "})]" and (not stack or stack.pop() != char):
            return None
    return len(rest)


#: Message contexts whose strings become email headers and must stay on one line.
HEADER_CONTEXTS = frozenset({"subject", "preheader"})
_LINE_BREAKS = "\r\n\v\f\x85\u2028\u2029"


# An RFC 2047 encoded-word: what a mail client decodes inside a header ("=?utf-8?b?...?=").
_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]*\?=")


@entry_check("header-injection", "error", structural=True, trigger=f"[{_LINE_BREAKS}=]")
def header_injection(unit: Unit) -> Iterator[str]:
    """A line break, or an RFC 2047 encoded-word, in a string used as an email header.

    outreach writes such a string as text (its own encoding of it), so neither can end the
    header; but an encoded-word is how an attacker hides a line break from reviewers
    (``=?utf-8?b?...DQpCY2M6...?=`` decodes to a ``Bcc:`` line in some mail software), and
    no subject needs one.

    Errors (a danger): a line break or an encoded-word can end or hide a mail header.

    Precondition: a line break or ``=`` (each encoded-word starts with ``=?``).
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
def invisible(unit: Unit) -> Iterator[str | Problem]:
    """Bidi controls and other invisible format characters that the source does not have.

    Errors (a danger): a bidi control that the source does not have, where the text would
    display differently from what reviewers read: an override (LRO, RLO: it reverses the
    letters, the Trojan Source trick), an embedding or isolate left open or closed without
    an opener (it reorders the rest of the line, placeholders' values included), any bidi
    control in an email header (a subject: mail clients display it alone), in a
    left-to-right language any bidi control but a balanced FSI or LRI isolate (an RLI
    reverses the order of the words it holds; an embedding is no left-to-right writer's
    tool). Warning: an embedding or isolate opened and closed within the
    string, in a right-to-left translation (LRE ``#990000`` PDF, or LRI…PDI, around a
    left-to-right code: how right-to-left writers keep such a span in order) or, left to
    right, in a left-to-right one (FSI ``%(name)s`` PDI: how a placeholder of either
    direction is isolated, as Unicode recommends): what reviewers see is what readers see
    (:func:`_balanced_bidi`), and an error would be false on a careful translation; a
    closer (PDF, PDI) with nothing open, which the bidi algorithm ignores
    (:func:`_closing_nothing`).

    A zero-width space, word joiner or byte-order mark (in a left-to-right translation, a
    left-to-right mark too) pasted next to a space, at the end or before the first letter
    changes nothing a reader sees: that is :func:`zero_width` (a
    warning). Inside a word it splits the word, a hashtag or a link's host, and at the start
    of a string before anything but a letter it hides what the string begins with (a
    spreadsheet formula's ``=``): there it is an error.
    """
    found = _foreign_invisibles(unit)
    balanced: frozenset[str] = frozenset()
    idle: frozenset[str] = frozenset()
    if any(char in _BIDI_CONTROLS for char, _ in found) and unit.msgctxt not in HEADER_CONTEXTS:
        language = unit.catalog.locale.replace("-", "_").split("_", 1)[0].lower()
        balanced = _balanced_bidi(unit.forms)
        if language not in _RTL_LANGUAGES and (
            not balanced <= _LTR_ISOLATES or _mixed_isolate(unit.forms)
        ):
            balanced = frozenset()  # an embedding, a right-to-left isolate: see above
        idle = _closing_nothing(unit.forms)
    for char, stray in found:
        if stray:
            continue
        name = unicodedata.name(char, "a control character")
        if char in idle:
            yield Problem(
                f"U+{ord(char):04X} {name} is not in the source, and closes nothing (no "
                "embedding or isolate is open before it): the bidi algorithm ignores it, so "
                "the text displays as read; junk from a copy, delete it",
                None,
                "warning",
            )
            continue
        if char in balanced:
            yield Problem(
                f"U+{ord(char):04X} {name} is not in the source: a bidi control opened and "
                "closed within the translation, as right-to-left text keeps a left-to-right "
                "span in order, or a placeholder of either direction is isolated "
                "(U+2068…U+2069); fine if that is what it is for",
                None,
                "warning",
            )
            continue
        kind = (
            "a bidi control: the text would display differently from what reviewers read"
            if char in _BIDI_CONTROLS
            else "an invisible character"
        )
        yield f"U+{ord(char):04X} {name} is not in the source ({kind})"


#: Bidi embeddings and isolates, with what closes each; overrides (LRO U+202D, RLO U+202E)
#: are left out: they reverse the letters they hold, which is never a translator's need.
_BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u2066": "\u2069"}
_BIDI_OPENERS |= {"\u2067": "\u2069", "\u2068": "\u2069"}
#: The isolates a left-to-right text may hold balanced: FSI and LRI with their PDI, how a
#: placeholder of either direction is isolated. An embedding (LRE, RLE: a left-to-right
#: writer has no use for one) or an RLI (it reverses the order of the words it holds) is not.
_LTR_ISOLATES = frozenset("\u2066\u2068\u2069")


def _balanced_bidi(forms: Iterable[str]) -> frozenset[str]:
    r"""The bidi controls of ``forms`` that only ever open and close embeddings or isolates
    properly nested within one form (each LRE/RLE closed by its PDF, each LRI/RLI/FSI by its
    PDI); empty when any form has an override, an unclosed opener or a stray closer.

    >>> sorted(_balanced_bidi(["קוד \u202a#990000\u202c."])) == ["\u202a", "\u202c"]
    True
    >>> _balanced_bidi(["קוד \u202a#990000."]), _balanced_bidi(["\u202e#990000\u202c"])
    (frozenset(), frozenset())
    """
    used: set[str] = set()
    for form in forms:
        stack: list[str] = []
        for char in form:
            if char not in _BIDI_CONTROLS:
                continue
            used.add(char)
            if char in _BIDI_OPENERS:
                stack.append(_BIDI_OPENERS[char])
            elif not stack or stack.pop() != char:
                return frozenset()  # an override, or a closer without its opener
        if stack:
            return frozenset()
    return frozenset(used)


_ISOLATED = re.compile("[\u2066\u2068]([^\u2066-\u2069]*)\u2069")


def _mixed_isolate(forms: Iterable[str]) -> bool:
    """Whether an isolate of ``forms`` holds letters of both directions: an FSI whose first
    strong letter is right-to-left lays out the left-to-right words after it in reverse
    order (``\u2068א do not\u2069``), so only a placeholder, a name or a phrase of one
    direction is isolated as Unicode recommends.

    >>> _mixed_isolate(["Hallo \u2068%(name)s\u2069", "von \u2068محمد\u2069"])
    False
    >>> _mixed_isolate(["\u2068א We do not\u2069 agree"])
    True
    """
    for form in forms:
        for match in _ISOLATED.finditer(form):
            kinds = {unicodedata.bidirectional(c) for c in match.group(1)}
            if "L" in kinds and kinds & {"R", "AL"}:
                return True
    return False


def _closing_nothing(forms: Iterable[str]) -> frozenset[str]:
    """The closers (PDF U+202C, PDI U+2069) of ``forms`` when they are the only bidi controls
    there: with nothing open, the Unicode bidi algorithm ignores them (UAX #9, rules X6a and
    X7), so nothing displays otherwise; empty when any form opens or overrides anything.

    >>> _closing_nothing(["הזן את השם\u202c"]) == {"\u202c"}
    True
    >>> _closing_nothing(["\u202bשם\u202c\u202c"])
    frozenset()
    """
    used = {char for form in forms for char in form if char in _BIDI_CONTROLS}
    if not used or not used <= _BIDI_CLOSERS:
        return frozenset()
    for form in forms:  # one stuck to a link may be taken into it (https://ngo.org/give\u2069)
        if any(_beside_link(form, i, i + 1) for i, char in enumerate(form) if char in used):
            return frozenset()
    return frozenset(used)


#: What makes a word a link or an address (its scheme, ``www.``, an ``@``, a dot before a
#: label): an invisible character touching such a word may be taken into the link.
_LINKISH = re.compile(r"://|www\.|@|\.[^\W\d_]{2,}")


#: How far around an invisible character :func:`_beside_link` looks (a link's length).
_LINK_REACH = 256


def _beside_link(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` touches a word that looks like a link or an address (the
    characters around it up to white space), which a mail client may take it into.

    >>> _beside_link("https://ngo.org/give\u200e", 20, 21), _beside_link("Базель\u200e", 6, 7)
    (True, False)
    """
    left, stop = start, max(0, start - _LINK_REACH)  # bounded: a text without spaces
    while left > stop and not text[left - 1].isspace():
        left -= 1
    right, stop = end, min(len(text), end + _LINK_REACH)
    while right < stop and not text[right].isspace():
        right += 1
    word = text[left:start] + text[end:right]
    return bool(word) and _LINKISH.search(word) is not None


#: What closes an embedding (PDF) or an isolate (PDI).
_BIDI_CLOSERS = frozenset("\u202c\u2069")


@entry_check("zero-width", "warning")
def zero_width(unit: Unit) -> Iterator[str]:
    """A zero-width space (or word joiner, byte-order mark; in a left-to-right translation a
    left-to-right mark, U+200E, which there only repeats the direction around it) pasted next
    to a space, at the end of the string or before its first letter: junk that copy and paste
    brings along, harmless where it is (a warning)."""
    for char, stray in _foreign_invisibles(unit):
        if stray:
            name = unicodedata.name(char)
            yield (
                f"U+{ord(char):04X} {name} next to a space or at an end of the string is not "
                "in the source: invisible junk from copy and paste; delete it"
            )


# Invisible characters harmless beside white space or at an end of the string.
_ZERO_WIDTH_RUNS = re.compile("[\u200b\u2060\ufeff]+")
#: The same in a left-to-right translation, with the left-to-right mark: there it only
#: repeats the direction of the text around it (a right-to-left one allows it anywhere).
_ZERO_WIDTH_RUNS_LTR = re.compile("[\u200b\u2060\ufeff\u200e]+")


#: The characters :class:`_Invisible` looks for (``chars``) that Python counts as printable:
#: the Hangul fillers and the Braille blank. Every other one (``\p{Cf}``, ``\p{Cc}``) is
#: not printable (:meth:`str.isprintable`), which ``tests/test_checks.py`` checks on every
#: code point.
_PRINTABLE_INVISIBLES = re.compile("[\u115f\u1160\u3164\uffa0\u2800]")


def _plain(form: str) -> bool:
    """Whether ``form`` has none of the characters :class:`_Invisible` looks for: asked in
    C (printable, and none of :data:`_PRINTABLE_INVISIBLES`), where the Unicode-category
    pattern took 4-5 µs a form of bench_compile.py's catalogs, most of them not ASCII.

    >>> _plain("Firma ya, ¿vale?"), _plain("Firma\u200b ya"), _plain("\u3164")
    (True, False, False)
    """
    return form.isprintable() and _PRINTABLE_INVISIBLES.search(form) is None


def _foreign_invisibles(unit: Unit) -> list[tuple[str, bool]]:
    """The invisible characters of the translation that the source does not have, each once,
    and whether every occurrence of it is a stray zero-width one (see :func:`zero_width`)."""
    if all(_plain(form) for form in unit.forms):
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
        if _plain(form):
            continue
        text = rx.flag_tags.sub("", form) if "\U0001f3f4" in form else form
        stray_at: set[int] = set()
        runs = _ZERO_WIDTH_RUNS if language in _RTL_LANGUAGES else _ZERO_WIDTH_RUNS_LTR
        for run in runs.finditer(text):
            start, end = run.span()
            beside_space = (start and text[start - 1].isspace()) or (
                end < len(text) and text[end].isspace()
            )
            # at an end of the string, before a letter (a pasted byte-order mark): nothing
            # is hidden; before "=" or "+" it would hide how the string begins
            at_an_end = end == len(text) or (start == 0 and text[end].isalpha())
            if (beside_space or at_an_end) and not _beside_link(text, start, end):
                stray_at.update(range(start, end))
        for match in rx.chars.finditer(text):
            char = match.group()
            if char in allowed or char in source:
                continue
            found[char] = found.get(char, True) and match.start() in stray_at
    return list(found.items())
