"""White space at the edges of a string, and Weblate's ``max-length`` flag.

A leading or trailing line break that only one side has is fatal to ``msgfmt`` (and usually
a real layout bug), so it is an error; a missing or extra space at either end is a warning,
as is a placeholder glued to a word the source keeps apart from it. Other spaces *inside*
the text are never compared: French puts a (narrow) no-break space before ``: ; ! ?`` and
that is correct typography.

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> from outreach.plurals import PluralForms
>>> info = CatalogInfo(locale="fr", file="fr.po", plural_forms=PluralForms(2, "n > 1"))
>>> def unit(source, text, flags=()):
...     return Unit(source, None, None, (text,), frozenset(flags), 3, False, info)
>>> messages(whitespace(unit("Watch: ", "Regardez :")))  # doctest: +ELLIPSIS
['the source ends with a space, the translation does not: text joined after this string ...']
>>> messages(whitespace(unit("%(count)s pages", "%(count)spages")))  # doctest: +ELLIPSIS
['%(count)s is glued to “pages”, which the source sets off with a space: ...']
>>> messages(whitespace(unit("Will you join?", "Et vous\\u202f?")))
[]
>>> messages(length(unit("Sign", "Signez la pétition", flags=["max-length:10"])))
['18 characters, over the max-length:10 set for this string']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from outreach.checks.registry import Problem, Unit, entry_check, problem
from outreach.locales import language_code
from outreach.placeholders import BRACE_PLACEHOLDER, PYTHON_PLACEHOLDER

__all__ = ["blank", "length", "newlines", "whitespace"]


@entry_check("newlines", "error", structural=True, trigger="[\\n\\\\]")
def newlines(unit: Unit) -> Iterator[str | Problem]:
    """A leading or trailing ``\\n`` on one side only (msgfmt refuses it), and a line break
    typed as the two characters it is written with (:func:`_literal_escapes`).

    Errors (certain: msgfmt refuses the catalog). Warnings: a backslash escape that shows
    as typed (``activeren\\\\n`` in the .po, a backslash and an ``n`` in the text), which
    the source does not have: a judgement, since a program may unescape its strings itself.

    Precondition ``\\n`` or ``\\\\``: a text without a line break neither starts nor ends
    with one, and one without a backslash writes no escape.
    """
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        for edge, test in (("starts", str.startswith), ("ends", str.endswith)):
            want, have = test(source, "\n"), test(text, "\n")
            if want != have:
                side = "the source" if want else "the translation"
                other = "the translation" if want else "the source"
                yield problem(unit, index, f"{side} {edge} with a line break, {other} does not")
        if "\\" in text:
            yield from _literal_escapes(unit, index, source, text)


#: A backslash before a letter of any script (``\\n``, ``\\t``, ``\\Ս``): an escape
#: sequence as code writes one, which shows as typed in a translation.
_ESCAPE = re.compile(r"\\[^\W\d_]")
#: The escapes of a line break, a tab and a carriage return, as a word of their own (not
#: the start of a TeX command, ``\\noindent``): what a text with backslashes of its own
#: (a path, a regular expression, TeX) is compared by.
_BREAK_ESCAPE = re.compile(r"\\[ntr](?![A-Za-z])")
_ESCAPE_NAMES = {"n": "a line break", "t": "a tab", "r": "a carriage return"}


def _literal_escapes(unit: Unit, index: int, source: str, text: str) -> Iterator[Problem]:
    """Escape sequences typed into a form as a backslash and a letter (``\\n`` in the text,
    written ``\\\\n`` in the .po) that its source does not have: gettext hands the text
    over as it is, and the reader sees ``activeren\\n`` where a line break was meant.

    Where the source has no backslash, any backslash before a letter (``\\n``, ``\\t``,
    a mangled ``\\Սn``); where it has some (a path, a regular expression, TeX), only
    ``\\n``, ``\\t`` and ``\\r`` beyond the source's own, as many of each. A warning:
    a program may unescape its strings itself (then the source would usually have one).

    >>> from outreach.checks.registry import CatalogInfo, Unit
    >>> info = CatalogInfo(locale="nl", file="nl.po")
    >>> text = "Caffeine kan automatisch activeren\\\\n\\nwanneer..."
    >>> entry = Unit("Caffeine can activate automatically\\nwhenever...", None, None, (text,),
    ...              frozenset(), 1, False, info)
    >>> for found in _literal_escapes(entry, 0, entry.msgid, text):
    ...     print(found.message[:45])
    “activeren\\n”: \\n is typed as a backslash and
    """
    if "\\" in unit.source_text:
        counted = Counter(m.group() for m in _BREAK_ESCAPE.finditer(source))
        found = Counter(m.group() for m in _BREAK_ESCAPE.finditer(text)) - counted
        spots = [m for m in _BREAK_ESCAPE.finditer(text) if m.group() in found]
    else:
        spots = list(_ESCAPE.finditer(text))
    seen: set[str] = set()
    for m in spots:
        escape = m.group()
        if escape in seen:
            continue
        seen.add(escape)
        before = text[: m.start()].rsplit(None, 1)[-1][-20:] if text[: m.start()].strip() else ""
        where = f"“{before}{escape}”"
        meant = _ESCAPE_NAMES.get(escape[1])
        advice = (
            f"for {meant}, write {escape} in the .po file, not \\{escape} (an editor such as "
            f"Poedit or Weblate shows it as {meant}), or delete it"
            if meant
            else "delete the backslash, unless it is meant to show (a Windows path)"
        )
        yield problem(
            unit,
            index,
            f"{where}: {escape} is typed as a backslash and the letter {escape[1]}, which the "
            f"source does not have: readers see “{escape}” as typed; {advice}",
            "warning",
        )


def _edge_space(text: str, *, leading: bool) -> bool:
    edge = text[: len(text) - len(text.lstrip())] if leading else text[len(text.rstrip()) :]
    return any(c != "\n" for c in edge)


#: A message key used as the msgid: identifier pieces joined by ``:``, ``.``, ``/`` or ``_``
#: with no white space (``list:member:digest:header.txt``, ``email.footer``, ``page_title``),
#: not a word (``More``) nor an abbreviation that ends with its dot (``e.g.``).
_MESSAGE_KEY = re.compile(
    r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?:[:./_][A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)+"
)


#: A lone English word that only joins two parts of a sentence, as written in lowercase
#: (a preposition, conjunction or article: ``on`` between a byline's authors and its date,
#: ``and`` between hours and minutes): a fragment, even without the spaces around it, that
#: a language may not need a word for. Not a state or a label (``off``, ``On``, ``More``).
_CONNECTOR = re.compile(
    r"(?:and|or|nor|but|of|at|by|in|on|to|for|from|with|via|per|as|than|the|a|an|into"
    r"|until|since|between|vs\.?|&)"
)


@entry_check("blank", "error")
def blank(unit: Unit) -> Iterator[str | Problem]:
    """A form that is only white space: gettext would show it, and the supporter would read
    nothing where the message should be. An empty form falls back to the source instead.

    Errors (certain): the supporter reads nothing. Warnings (a judgement): the source is a
    fragment joined to other text (it starts or ends with white space, ``"and "`` between
    hours and minutes, or it is a lone lowercase preposition, conjunction or article,
    :data:`_CONNECTOR`: ``on`` between a byline's authors and its date), which a language
    may not need a word for (Korean writes ``2시간 30분``; Hebrew puts no preposition before
    the date): white space may be its translation; and the source is a message key, not text
    (``list:member:digest:header.txt``, ``email.footer``: an identifier whose text lives in
    another catalog, often empty, like a header a list does not have), which a translator
    may blank on purpose: the catalog alone cannot say what the reader would miss.
    """
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        if not text.strip() and source.strip():
            if text and _MESSAGE_KEY.fullmatch(source):
                yield problem(
                    unit,
                    index,
                    "the translation is only white space, for a message key: fine if the "
                    "text it stands for is meant to be empty, otherwise translate it",
                    "warning",
                )
                continue
            if text and (source != source.strip() or _CONNECTOR.fullmatch(source)):
                yield problem(
                    unit,
                    index,
                    "the translation is only white space, for a piece of text joined to "
                    "others: fine if the language needs no word there, otherwise translate it",
                    "warning",
                )
                continue
            yield problem(
                unit,
                index,
                "the translation is only white space: supporters would read nothing here; "
                "translate it, or leave it empty to show the source text",
            )


@entry_check("whitespace", "warning")
def whitespace(unit: Unit) -> Iterator[str | Problem]:
    """A space (not a line break) at the start or end on one side only, and a placeholder
    the source sets off with spaces glued to a word (``%(counter)sSeiten``: "5Seiten").

    A language written without spaces (Chinese, Japanese, Thai...) needs no trailing space
    where the source has one; Korean particles and counters attach to a placeholder
    (``%(count)s개``), as Arabic and Hebrew one-letter prefixes do (``ب%(name)s``).

    Warnings: spacing is typography, a judgement for the language.
    """
    language = language_code(unit.catalog.locale)
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        if not text.strip():
            continue  # blank
        for edge, leading in (("starts", True), ("ends", False)):
            want = _edge_space(source, leading=leading)
            have = _edge_space(text, leading=leading)
            if want == have or (want and language in _NO_SPACES):
                continue
            if want and not leading:
                message = (
                    "the source ends with a space, the translation does not: text joined "
                    "after this string (a name, a number, a link) would run into its last "
                    "word; keep the space"
                )
            elif want:
                message = (
                    "the source starts with a space, the translation does not: text joined "
                    "before this string would run into its first word; keep the space"
                )
            else:
                message = f"the translation {edge} with a space, the source does not"
            yield problem(unit, index, message)
        if "%" in text or "{" in text:
            for placeholder, word in _glued(source, text, language):
                yield problem(
                    unit,
                    index,
                    f"{placeholder} is glued to “{word}”, which the source sets off with a "
                    "space: the value would run into the word; put the space back",
                )


_NO_SPACES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "dz"})
#: Scripts whose words take a placeholder with no space between (Korean particles and
#: counters included).
_ATTACHING = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff]"
)
#: Arabic and Hebrew prefixes written on the next word (and, for, with, the...); an Arabic
#: prefix drawn out with a tatweel (``لـ%(name)s``) is attached on purpose.
_PREFIXES = {
    "ar": frozenset({"و", "ف", "ب", "ك", "ل", "ال", "وال", "بال", "لل", "فال", "كال"}),
    "he": frozenset("הובכלמש") | {"וה", "שה", "וב", "בה", "לה", "מה", "כש", "וכ", "ול", "ומ"},
}
_PREFIXES["fa"] = _PREFIXES["ar"]
_PREFIXES["ur"] = _PREFIXES["ar"]
_PREFIXES["yi"] = _PREFIXES["he"]


def _placeholders(text: str) -> list[tuple[int, int, str]]:
    """Named placeholders (``%(name)s``, ``{name}``): a bare ``%`` may be a percent sign."""
    spans = [
        (m.start(), m.end(), m.group())
        for m in PYTHON_PLACEHOLDER.finditer(text)
        if m.group("name") is not None
    ]
    spans += [(m.start(), m.end(), m.group()) for m in BRACE_PLACEHOLDER.finditer(text)]
    return sorted(spans)


def _glued(source: str, text: str, language: str) -> list[tuple[str, str]]:
    """``(placeholder, word)`` for each placeholder that touches a letter (or another
    placeholder) in ``text`` on a side where every use of it in ``source`` has a space.

    >>> _glued("%(counter)s pages", "%(counter)sSeiten", "de")
    [('%(counter)s', 'Seiten')]
    >>> _glued("%(count)s items", "%(count)s개 항목", "ko")
    []
    >>> _glued("by %(name)s", "ب%(name)s", "ar")
    []
    """
    spaced_before: dict[str, bool] = {}
    spaced_after: dict[str, bool] = {}
    for start, end, name in _placeholders(source):
        before = source[start - 1 : start]
        after = source[end : end + 1]
        spaced_before[name] = spaced_before.get(name, True) and before.isspace()
        spaced_after[name] = spaced_after.get(name, True) and after.isspace()
    found: list[tuple[str, str]] = []
    prefixes = _PREFIXES.get(language, frozenset())
    spans = _placeholders(text)
    starts = {start for start, _, _ in spans}
    ends = {end for _, end, _ in spans}
    for start, end, name in spans:
        if spaced_after.get(name) and end < len(text):
            after = text[end]
            if (after.isalpha() and not _ATTACHING.match(after)) or end in starts:
                following = re.match(r"[^\s]{1,20}", text[end:])
                found.append((name, following.group() if following else after))
                continue
        if spaced_before.get(name) and start > 0 and start not in ends:
            before = text[start - 1]
            if before.isalpha() and before != "\u0640" and not _ATTACHING.match(before):
                head = text[max(start - 20, 0) : start]
                word = re.split(r"\s", head)[-1]
                if word not in prefixes:
                    found.append((name, word))
    return list(dict.fromkeys(found))


@entry_check("length", "error")
def length(unit: Unit) -> Iterator[str | Problem]:
    """A translation far longer than its source (``Unit.oversize``), and Weblate's
    ``max-length:N`` flag: at most N characters (code points) per form.

    Errors (certain from the catalog): over ``max-length:N``, or far longer than any message.
    The translators' credits are far too long only past the longest message any channel
    takes: a list of names has no source to be measured against.
    """
    if unit.oversize is not None:
        index, size = unit.oversize
        source = len(unit.source_for(index))
        yield problem(
            unit,
            index,
            f"the translation is {size:,} characters, the source {source:,}: far too long "
            "for any message (a paste gone wrong?); nothing else was checked in it",
        )
        return
    value = unit.flag_value("max-length")
    if value is None:
        return
    try:
        limit = int(value)
    except ValueError:
        yield f"the flag max-length:{value} is not a number"
        return
    for index, text in unit.filled_forms():
        if len(text) > limit:
            yield problem(
                unit,
                index,
                f"{len(text)} characters, over the max-length:{limit} set for this string",
            )
