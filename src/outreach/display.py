"""Text for a terminal: control characters shown, never obeyed.

Translator text reaches the organizer's terminal inside messages (``outreach check`` quotes
the string at fault) and in rendered posts. An escape sequence there could hide the rest of
the output (``\\x1b[8m``), clear the screen (``\\x1bc``), plant a hyperlink (OSC 8) or retitle
the window; a bidi override could make a message read differently. :func:`visible` writes
every such character as an escape a reader can see.

>>> visible("Firma\\x1b[8m ya\\u202e")
'Firma\\\\x1b[8m ya<U+202E>'
>>> visible("line one\\nline two", keep_newlines=True)
'line one\\nline two'
"""

from __future__ import annotations

import re

__all__ = ["visible"]

# C0 and C1 controls, DEL, line and paragraph separators, and the bidi controls.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_CONTROL_AND_BREAKS = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"<U+{code:04X}>"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with control, separator and bidi characters written as visible escapes;
    with ``keep_newlines`` a ``\\n`` (and a tab) stays, for multi-line bodies."""
    pattern = _CONTROL if keep_newlines else _CONTROL_AND_BREAKS
    return pattern.sub(_shown, text)
