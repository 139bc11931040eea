"""White space at the edges of a string, and Weblate's ``max-length`` flag.

A leading or trailing line break that only one side has is fatal to ``msgfmt`` (and usually
a real layout bug), so it is an error; a missing or extra space at either end is a warning.
Spaces *inside* the text are never compared: French puts a (narrow) no-break space before
``: ; ! ?`` and that is correct typography.

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> from outreach.plurals import PluralForms
>>> info = CatalogInfo(locale="fr", file="fr.po", plural_forms=PluralForms(2, "n > 1"))
>>> def unit(source, text, flags=()):
...     return Unit(source, None, None, (text,), frozenset(flags), 3, False, info)
>>> messages(whitespace(unit("Watch: ", "Regardez :")))
['the source ends with a space, the translation does not']
>>> messages(whitespace(unit("Will you join?", "Et vous\\u202f?")))
[]
>>> messages(length(unit("Sign", "Signez la pétition", flags=["max-length:10"])))
['18 characters, over the max-length:10 set for this string']
"""

from __future__ import annotations

from collections.abc import Iterator

from outreach.checks.registry import Problem, Unit, entry_check, problem

__all__ = ["length", "newlines", "whitespace"]


@entry_check("newlines", "error", structural=True)
def newlines(unit: Unit) -> Iterator[str | Problem]:
    """A leading or trailing ``\\n`` on one side only (msgfmt refuses it)."""
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        for edge, test in (("starts", str.startswith), ("ends", str.endswith)):
            want, have = test(source, "\n"), test(text, "\n")
            if want != have:
                side = "the source" if want else "the translation"
                other = "the translation" if want else "the source"
                yield problem(unit, index, f"{side} {edge} with a line break, {other} does not")


def _edge_space(text: str, *, leading: bool) -> bool:
    edge = text[: len(text) - len(text.lstrip())] if leading else text[len(text.rstrip()) :]
    return any(c != "\n" for c in edge)


@entry_check("whitespace", "warning")
def whitespace(unit: Unit) -> Iterator[str | Problem]:
    """A space (not a line break) at the start or end on one side only."""
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        for edge, leading in (("starts", True), ("ends", False)):
            want = _edge_space(source, leading=leading)
            have = _edge_space(text, leading=leading)
            if want != have:
                side = "the source" if want else "the translation"
                other = "the translation" if want else "the source"
                yield problem(unit, index, f"{side} {edge} with a space, {other} does not")


@entry_check("length", "error")
def length(unit: Unit) -> Iterator[str | Problem]:
    """A translation far longer than its source (``Unit.oversize``), and Weblate's
    ``max-length:N`` flag: at most N characters (code points) per form."""
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
