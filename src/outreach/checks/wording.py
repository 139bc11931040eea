"""Slips of the keyboard that every language shares: a word typed twice.

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> info = CatalogInfo(locale="de", file="de.po")
>>> def unit(source, text):
...     return Unit(source, None, None, (text,), frozenset(), 5, False, info)
>>> messages(doubled_word(unit("Are you sure?", "Sind Sie Sie sicher?")))
['“Sie Sie”: the word is written twice']
>>> messages(doubled_word(unit("Did you see it?", "Haben Sie sie gesehen?")))
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.checks.registry import Problem, Unit, entry_check, problem
from outreach.locales import language_code
from outreach.tokens import strip_tokens

__all__ = ["doubled_word"]

# A word, white space (no line break: a list may end and begin with the same word), the same
# word. A word starts where no letter precedes it, so the search is linear in the text.
_DOUBLED = re.compile(r"(?<![^\W\d_])([^\W\d_]+)[^\S\n]+\1(?![^\W\d_])")

#: Pairs that are grammatical: French reflexive verbs ("vous vous inscrivez"), German
#: relative pronouns after an article ("die, die" is usually written with a comma, but not
#: always), Dutch "dat dat".
_GRAMMATICAL = {
    "fr": frozenset({"vous", "nous"}),
    "de": frozenset({"die", "der", "das", "sie"}),
    "nl": frozenset({"dat", "die"}),
    "it": frozenset({"ci"}),
}


@entry_check("doubled-word", "warning")
def doubled_word(unit: Unit) -> Iterator[str | Problem]:
    """The same word twice in a row, in the same letter case (``Sie Sie``, ``시작 시작``),
    when the source does not repeat it. Placeholders, links and markup are left out first;
    pairs a language's grammar makes (French ``vous vous``) are not reported.

    A warning: a doubled word is usually a typo, but some languages repeat words.
    """
    language = language_code(unit.catalog.locale)
    allowed = _GRAMMATICAL.get(language, frozenset())
    source = unit.source_text
    if _DOUBLED.search(source) and _DOUBLED.search(strip_tokens(source, gap=" | ")):
        return  # the source repeats a word ("ID token token"): its translation may too
    for index, text in unit.filled_forms():
        if not _DOUBLED.search(text):
            continue  # no word twice in a row even before tokens are taken out
        for match in _DOUBLED.finditer(strip_tokens(text, gap=" | ")):
            word = match.group(1)
            if word in allowed:
                continue
            yield problem(unit, index, f"“{match.group()}”: the word is written twice")
            break
