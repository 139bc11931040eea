"""Translator text is untrusted: the gettext callables the renderer installs in Jinja2.

:class:`SafeTranslations` wraps a translation chain so that

* a translation whose placeholders would make Python's ``%`` formatting fail or pull in a
  variable the source does not use falls back to the source (``outreach check`` reports it);
* a plural formula that fails for the number asked (a division by zero) gives the source
  form, singular or plural, instead of stopping the render;
* in HTML, a translation keeps only the tags and attributes its source has: Jinja's i18n
  extension marks translations safe, so ``<script>`` or ``onclick=`` would otherwise reach
  the email as markup.

>>> import gettext
>>> safe = SafeTranslations(gettext.NullTranslations(), html=True)
>>> safe.sanitize('Sign <a href="%(url)s" onclick="x()">here</a><script>1</script>',
...               'Sign <a href="%(url)s">here</a>')
'Sign <a href="%(url)s">here</a>'
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from html.parser import HTMLParser

from outreach.placeholders import python_placeholders

__all__ = ["SafeTranslations", "source_markup"]


class _Markup(HTMLParser):
    """Collect the tags and attributes that a (trusted) source string uses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: dict[str, set[str]] = {}
        self.values: dict[tuple[str, str], set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        names = self.attributes.setdefault(tag, set())
        for name, value in attrs:
            if not name.startswith("on"):
                names.add(name)
                self.values.setdefault((tag, name), set()).add(value or "")


def source_markup(source: str) -> _Markup:
    """The tags, the attributes per tag and the attribute values that ``source`` uses.

    >>> markup = source_markup('<strong>%(tag)s</strong> <a href="%(url)s">here</a>')
    >>> sorted(markup.tags), markup.attributes["a"], markup.values[("a", "href")]
    (['a', 'strong'], {'href'}, {'%(url)s'})
    """
    parser = _Markup()
    parser.feed(source)
    parser.close()
    return parser


#: ``lookup(msgctxt, msgid, plural)``: told of every string the template asks for.
Lookup = Callable[[str | None, str, bool], None]


class SafeTranslations:
    """gettext callables for Jinja2 that never let translator text break or inject.

    ``lookup``, when given, is told of every string the template asks for (so that the
    renderer can say which refused translations an output would have used).
    """

    def __init__(
        self, translations: gettext.NullTranslations, *, html: bool, lookup: Lookup | None = None
    ) -> None:
        self.translations = translations
        self.html = html
        self.lookup = lookup
        self._cache: dict[tuple[str, str, str], str] = {}

    # The four callables Jinja's i18n extension installs (new-style gettext).
    def gettext(self, message: str) -> str:
        if self.lookup is not None:
            self.lookup(None, message, False)
        return self._guard(self.translations.gettext(message), message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self.lookup is not None:
            self.lookup(None, singular, True)
        source = singular if n == 1 else plural
        try:
            translated = self.translations.ngettext(singular, plural, n)
        except ArithmeticError:  # a plural formula that fails for n: the source form
            return source
        return self._guard(translated, source, singular + plural)

    def pgettext(self, context: str, message: str) -> str:
        if self.lookup is not None:
            self.lookup(context, message, False)
        return self._guard(self.translations.pgettext(context, message), message, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        if self.lookup is not None:
            self.lookup(context, singular, True)
        source = singular if n == 1 else plural
        try:
            translated = self.translations.npgettext(context, singular, plural, n)
        except ArithmeticError:
            return source
        return self._guard(translated, source, singular + plural)

    def _guard(self, translated: str, source: str, all_sources: str) -> str:
        if translated == source:
            return source  # the template author's own text is trusted
        key = (translated, source, all_sources)
        cached = self._cache.get(key)
        if cached is None:
            if _formats_safely(translated, all_sources):
                cached = self.sanitize(translated, source) if self.html else translated
            else:
                cached = source
            self._cache[key] = cached
        return cached

    def sanitize(self, translated: str, source: str) -> str:
        """``translated`` as HTML with only the markup that ``source`` has.

        A source without tags makes the translation plain text: everything is escaped,
        quotes included (the string may sit in an attribute such as ``alt="..."``). With
        tags, nh3 keeps the source's tags and attributes, an attribute keeps only a value
        the source gives it (``href="%(url)s"``, never a translator's own link), and quotes
        in the text are escaped too.
        """
        import nh3
        from markupsafe import escape

        markup = source_markup(source)
        if not markup.tags:
            return str(escape(translated))

        def pinned(tag: str, attribute: str, value: str) -> str | None:
            return value if value in markup.values.get((tag, attribute), ()) else None

        cleaned = nh3.clean(
            translated,
            tags=markup.tags,
            attributes=markup.attributes,
            attribute_filter=pinned,
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
            strip_comments=True,
        )
        return "".join(
            part if part.startswith("<") else part.replace('"', "&#34;").replace("'", "&#39;")
            for part in _TAG.split(str(cleaned))
        )


_TAG = re.compile(r"(<[^>]*>)")


def _formats_safely(translated: str, sources: str) -> bool:
    """True when ``translated % variables`` formats exactly as the source would: every
    placeholder is one the source writes, flags, width and precision included
    (``%(url).19s`` cuts the link short, ``%(url)300000000s`` pads it to 300 MB, ``%(num)d``
    fails on a formatted number)."""
    have = python_placeholders(translated)
    if have.invalid:
        return False
    want = python_placeholders(sources)
    if not have.named <= want.named:
        return False
    # Jinja passes a dict, so a positional %s the source lacks would print the dict.
    return not have.positional or have.positional == want.positional
