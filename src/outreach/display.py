"""Text for a terminal: control characters shown, never obeyed.

Translator text reaches the organizer's terminal inside messages (``outreach check`` quotes
the string at fault), in rendered posts and in what commands print on standard output. An
escape sequence there could hide the rest of the output (``\\x1b[8m``), clear the screen
(``\\x1bc``), plant a hyperlink (OSC 8) or retitle the window; a bidi override could make a
message read differently. This module is the one place that decides what a terminal must not
be given raw: :func:`visible` writes every such character as an escape a reader can see,
:func:`json_text` writes JSON with them as JSON's own ``\\uXXXX`` escapes (the same document),
and :func:`terminal_document` does either to a file's bytes printed on standard output.

>>> visible("Firma\\x1b[8m ya\\u202e")
'Firma\\\\x1b[8m ya<U+202E>'
>>> visible("line one\\nline two", keep_newlines=True)
'line one\\nline two'
"""

from __future__ import annotations

import json
import re

__all__ = ["NOT_ONE_LINE", "json_text", "terminal_document", "visible"]

#: What may not stand in one line of text (a mail header, a campaign.toml setting, a merge
#: field that reaches a header): C0 controls, DEL, NEL and the Unicode line breaks.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")

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


#: What a terminal obeys inside a document: C0 controls but tab and line ends (a carriage
#: return only before a line feed, as in CSV and mail), DEL, C1 controls, line and paragraph
#: separators, and the bidi embeddings, overrides and isolates. Bidi marks (U+200E, U+200F,
#: U+061C) are ordinary right-to-left text and stay.
_IN_DOCUMENT = re.compile(
    r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
#: What JSON may hold raw in a string and a terminal would obey (json.dumps escapes C0).
_IN_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def json_text(document: object) -> str:
    """``document`` as indented JSON for standard output: non-ASCII text as it is, but every
    character a terminal would obey as a ``\\uXXXX`` escape, which JSON reads back as the
    same character.

    >>> json_text({"text": "Firma\\u202e ya\\x1b[8m"})
    '{\\n  "text": "Firma\\\\u202e ya\\\\u001b[8m"\\n}'
    """
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    return _IN_JSON.sub(_json_escape, text)


def terminal_document(data: bytes, *, json_format: bool = False) -> tuple[bytes, int]:
    """A UTF-8 document (a CSV, a calendar, an email, JSON) as standard output may show it:
    characters a terminal would obey written as visible escapes (as ``\\uXXXX`` in JSON,
    which changes nothing the document says), and how many there were.

    >>> terminal_document("a,\\x1b]8;;https://evil.com\\x07b\\r\\n".encode())
    (b'a,\\\\x1b]8;;https://evil.com\\\\x07b\\r\\n', 2)
    """
    text = data.decode("utf-8", "surrogateescape")
    pattern = _IN_JSON if json_format else _IN_DOCUMENT
    count = len(pattern.findall(text))
    if count:
        text = pattern.sub(_json_escape if json_format else _shown, text)
    return text.encode("utf-8", "surrogateescape"), count
