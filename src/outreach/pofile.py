"""The gettext file formats: read and write ``.po``/``.pot``, write ``.mo``.

Babel's catalog model does the parsing and merging; this module adds what campaigns need
on top of it:

* a strict syntax pass, so that a malformed ``.po`` is reported at its real line (Babel and
  polib both accept an unterminated string silently);
* one stable way to write a catalog (76 columns, catalog order, previous msgids kept), so
  that reading and writing a file outreach wrote is byte-identical and diffs stay minimal;
* a fast ``.mo`` writer that leaves out fuzzy entries and incomplete plurals, so that
  a half-translated plural falls back to the source instead of rendering as empty text.

>>> from babel.messages.catalog import Catalog
>>> catalog = Catalog(locale="es", fuzzy=False)
>>> _ = catalog.add("Watch the film", "Mira la película")
>>> read_catalog(write_catalog(catalog), path="es.po").get("Watch the film").string
'Mira la película'
"""

from __future__ import annotations

import gettext
import io
import re
import struct
from collections.abc import Iterator
from typing import IO

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po

from outreach.errors import CatalogError

__all__ = [
    "PO_WIDTH",
    "is_complete",
    "iter_messages",
    "message_forms",
    "read_catalog",
    "write_catalog",
    "write_mo",
]

PO_WIDTH = 76  # pybabel's default, so files that pybabel wrote do not churn either

_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
# "#~ " obsolete, "#| " previous, "#~| " previous of an obsolete entry (msgmerge writes it)
_PREFIX = r"(?:#~\s*\|?|#\|)?\s*"
_KEYWORD_LINE = re.compile(
    rf"^{_PREFIX}(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+({_STRING})\s*$"
)
_CONTINUATION = re.compile(rf"^{_PREFIX}{_STRING}\s*$")
_PLAIN_STRING = re.compile(_STRING)


def _syntax_errors(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Yield ``(line, message)`` for each line that is not valid PO syntax.

    Checks what msgfmt checks first: every line is a comment, a keyword with one complete
    C string, or a continuation string; a msgid is followed by its msgstr; no msgctxt and
    msgid pair is defined twice (Babel would keep one of the two translations silently).
    """
    pending_msgid: int | None = None  # line of a msgid still waiting for its msgstr
    last_keyword: str | None = None
    seen: dict[tuple[str | None, str], int] = {}  # (msgctxt, msgid) as written -> line
    context: list[str] | None = None  # the current entry's msgctxt and msgid strings
    msgid: list[str] = []
    collecting: list[str] | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        first = line[0]
        if first == '"' and last_keyword is not None and _PLAIN_STRING.fullmatch(line):
            if collecting is not None:
                collecting.append(line[1:-1])
            continue  # the common case: a continuation line
        if first == "#" and line[1:2] not in ("~", "|"):
            continue  # translator, extracted, reference and flag comments
        is_previous = line.startswith(("#|", "#~|"))
        match = _KEYWORD_LINE.match(line)
        if match:
            if is_previous:
                continue
            keyword = match.group(1)
            active = first != "#"  # not an obsolete entry
            collecting = None
            if keyword.startswith("msgstr"):
                # only msgstr[N] may follow another msgstr[N]; a second plain msgstr
                # would be dropped silently
                indexed = match.group(2) is not None
                if pending_msgid is None and not (indexed and last_keyword == "msgstr[]"):
                    yield number, f"{keyword} without a msgid before it"
                elif pending_msgid is not None and active:
                    key = ("".join(context) if context is not None else None, "".join(msgid))
                    if key in seen:
                        earlier = seen[key]
                        problem = f"duplicate message definition (first defined at line {earlier})"
                        yield pending_msgid, problem
                    seen.setdefault(key, pending_msgid)
                pending_msgid = None
            elif keyword == "msgid_plural":
                if last_keyword != "msgid":
                    yield number, "msgid_plural must follow a msgid"
            else:  # msgctxt or msgid: a new entry starts
                if pending_msgid is not None:
                    yield pending_msgid, "msgid has no msgstr"
                pending_msgid = number if keyword == "msgid" else None
                if keyword == "msgctxt":
                    context = collecting = [match.group(3)[1:-1]]
                else:
                    if last_keyword != "msgctxt":
                        context = None
                    msgid = collecting = [match.group(3)[1:-1]]
            if keyword.startswith("msgstr"):
                keyword = "msgstr[]" if match.group(2) is not None else "msgstr"
            last_keyword = keyword
            continue
        if _CONTINUATION.match(line):
            if last_keyword is None:
                yield number, "a string that continues nothing"
            continue
        if line.startswith('"') or re.match(r"^(?:#~\s*)?msg", line):
            yield number, "unterminated or malformed string (a '\"' or '\\' is not escaped?)"
        else:
            yield number, f"not PO syntax: {line[:40]!r}"
    if pending_msgid is not None:
        yield pending_msgid, "msgid has no msgstr"


def read_catalog(
    data: bytes, *, path: str, locale: str | None = None, check_syntax: bool = True
) -> Catalog:
    """Parse ``.po``/``.pot`` bytes into a Babel ``Catalog``.

    ``path`` is only used in error messages. Raises ``CatalogError`` with the line of the
    first problem.
    """
    match = re.search(rb'"Content-Type:[^"]*charset=([A-Za-z0-9_.:-]+)', data[:4096])
    charset = match.group(1).decode("ascii") if match else "utf-8"
    try:
        text = data.decode(charset)
    except LookupError:
        raise CatalogError(
            f"unknown charset {charset!r} in Content-Type", path=path, line=1
        ) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(f"not valid {charset}: {exc.reason}", path=path, line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Lines end at "\n" only, as for msgfmt: str.splitlines() would also split inside a
    # string at U+2028, U+0085, form feed ... which PO strings may hold unescaped.
    lines = text.split("\n")
    if check_syntax:
        for line, message in _syntax_errors(lines):
            raise CatalogError(message, path=path, line=line)
    previous: dict[int, list[str]] = {}
    if _PREVIOUS_LINE.search(text):
        lines, previous = _split_previous(lines)
    try:
        catalog = read_po(lines, locale=locale, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError(
            str(exc).split(" on ")[0], path=path, line=max(exc.lineno, 0) + 1
        ) from None
    except (ValueError, TypeError) as exc:  # e.g. a Plural-Forms header Babel cannot parse
        line = _header_line(text, "Plural-Forms") if "plural" in str(exc).lower() else 1
        raise CatalogError(f"invalid catalog: {exc}", path=path, line=line) from None
    if previous:
        for entry in iter_messages(catalog):
            if entry.lineno in previous:
                entry.previous_id = previous[entry.lineno]
    problem = _plural_problem(catalog.plural_expr, catalog.num_plurals)
    if problem:
        raise CatalogError(problem, path=path, line=_header_line(text, "Plural-Forms"))
    return catalog


def _plural_problem(expression: str, num_plurals: int) -> str | None:
    """Why a Plural-Forms header cannot work, or None.

    Babel keeps any expression; gettext refuses a ``.mo`` whose expression it cannot parse,
    and an expression that divides by zero or picks a form outside ``0..nplurals-1`` fails
    or falls back at render time. It is evaluated for n = 0..200.

    >>> _plural_problem("n%10==1 ? 0 : 1", 2) is None
    True
    >>> _plural_problem("n/0", 2)
    'Plural-Forms: plural=n/0 fails for n=0 (division by zero)'
    >>> _plural_problem("n", 2)
    'Plural-Forms: plural=n gives form 2 for n=2, but nplurals=2'
    """
    try:
        plural = gettext.c2py(expression)
    except (ValueError, SyntaxError, RecursionError):
        return f"Plural-Forms: cannot parse plural={expression}"
    for n in range(201):
        try:
            index = plural(n)
        except ZeroDivisionError:
            return f"Plural-Forms: plural={expression} fails for n={n} (division by zero)"
        if not 0 <= index < num_plurals:
            return (
                f"Plural-Forms: plural={expression} gives form {index} for n={n}, "
                f"but nplurals={num_plurals}"
            )
    return None


def _header_line(text: str, field: str) -> int:
    """The line of header ``field`` (``"Plural-Forms: ...``), or 1."""
    match = re.search(rf'^\s*"{re.escape(field)}:', text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1


_PREVIOUS_LINE = re.compile(r"^[ \t]*#~?\|", re.M)


def _split_previous(lines: list[str]) -> tuple[list[str], dict[int, list[str]]]:
    """Blank out ``#|`` lines (Babel reads them as translator comments) and parse them.

    Returns the lines for Babel (line numbers unchanged) and, keyed by the line of
    the msgid that follows each ``#|`` block (1-based, as Babel counts), the previous
    msgid (and msgid_plural).
    """
    from babel.messages.pofile import unescape

    cleaned = list(lines)
    previous: dict[int, list[str]] = {}
    pending: list[str] = []
    for index, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith(("#|", "#~|")):
            cleaned[index] = ""
            body = line.split("|", 1)[1].strip()
            keyword, _, rest = body.partition(" ")
            if keyword in ("msgid", "msgid_plural"):
                pending.append("")
                body = rest.strip()
            if pending and body.startswith('"'):
                pending[-1] += unescape(body)
        elif pending and line.startswith("msgid "):
            previous[index + 1] = pending
            pending = []
    return cleaned, previous


_PREVIOUS_BLOCK = re.compile(r"(?:^#\| msgid(?:_plural)? .*\n(?:^#\| (?!msgid).*\n)*)+", re.M)


def write_catalog(catalog: Catalog) -> bytes:
    """Serialise ``catalog`` the one way outreach always does (stable, minimal diffs).

    Babel wraps a long previous msgid (``#|``) as if it were prose, which gives lines no
    PO parser accepts; those blocks are rewritten as proper ``#|`` strings.
    """
    stream = io.BytesIO()
    write_po(stream, catalog, width=PO_WIDTH, include_previous=True, sort_output=False)
    text = stream.getvalue().decode(catalog.charset or "utf-8")
    previous = iter([m.previous_id for m in iter_messages(catalog) if m.previous_id])
    text = _PREVIOUS_BLOCK.sub(lambda _: _previous_lines(next(previous, [])), text)
    return text.encode(catalog.charset or "utf-8")


def _previous_lines(previous_id: list[str] | tuple[str, ...]) -> str:
    from babel.messages.pofile import normalize

    lines = []
    for keyword, value in zip(("msgid", "msgid_plural"), previous_id, strict=False):
        body = normalize(value, width=PO_WIDTH).split("\n")
        lines.append(f"#| {keyword} {body[0]}")
        lines.extend(f"#| {line}" for line in body[1:])
    return "".join(f"{line}\n" for line in lines)


def iter_messages(catalog: Catalog) -> Iterator[Message]:
    """Every real message (not the header, not obsolete) in catalog order."""
    for message in catalog:
        if message.id:
            yield message


def message_forms(message: Message) -> list[str]:
    """The translation as a list: one item for a singular message, one per plural form."""
    if isinstance(message.string, list | tuple):
        return [s or "" for s in message.string]
    return [message.string or ""]


def is_complete(message: Message, num_plurals: int) -> bool:
    """Translated, not fuzzy, and every plural form the language needs is filled."""
    if message.fuzzy:
        return False
    forms = message_forms(message)
    if message.pluralizable and len(forms) < num_plurals:
        return False
    return all(forms)


def write_mo(catalog: Catalog, stream: IO[bytes]) -> int:
    """Write a GNU ``.mo`` file; return how many messages went in.

    Only complete messages go in (see :func:`is_complete`): fuzzy entries and plurals with an
    empty form are left out, so that gettext falls back to the source text for them.
    """
    header_text = "".join(f"{name}: {value}\n" for name, value in catalog.mime_headers)
    encoding = catalog.charset or "utf-8"
    num_plurals = catalog.num_plurals
    pairs: list[tuple[bytes, bytes]] = [(b"", header_text.encode(encoding))]
    for message in iter_messages(catalog):
        if not is_complete(message, num_plurals):
            continue
        forms = message_forms(message)
        if message.pluralizable:
            original = "\x00".join(message.id)
            translation = "\x00".join(forms[:num_plurals])
        else:
            original, translation = str(message.id), forms[0]
        if message.context:
            original = f"{message.context}\x04{original}"
        pairs.append((original.encode(encoding), translation.encode(encoding)))
    pairs.sort(key=lambda pair: pair[0])

    count = len(pairs)
    keys_start = 7 * 4 + count * 16  # after the header and both index tables
    key_blob = bytearray()
    key_index: list[int] = []
    for key, _ in pairs:
        key_index += (len(key), keys_start + len(key_blob))
        key_blob += key + b"\x00"
    values_start = keys_start + len(key_blob)
    value_blob = bytearray()
    value_index: list[int] = []
    for _, value in pairs:
        value_index += (len(value), values_start + len(value_blob))
        value_blob += value + b"\x00"
    stream.write(struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + count * 8, 0, 0))
    stream.write(struct.pack(f"<{2 * count}I", *key_index))
    stream.write(struct.pack(f"<{2 * count}I", *value_index))
    stream.write(key_blob)
    stream.write(value_blob)
    return count - 1
