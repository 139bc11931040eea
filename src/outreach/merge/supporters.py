"""The supporters CSV: read as a stream, every row checked, every problem at its line.

The file is a header row with at least ``email``; ``name`` and ``locale`` are optional and
any other column becomes a template variable. Column names are matched loosely
(``First Name`` is the variable ``first_name``); values lose surrounding white space.

The encoding is UTF-8, with or without a byte order mark, or UTF-16 with one (Excel's
"Unicode text"); anything else is refused before the first message goes out, at the line
of the first byte that is not UTF-8, unless ``encoding`` names it (``cp1252``). The
delimiter (comma, semicolon or tab) is taken from the header row.

:func:`open_supporters` reads the whole file once first (decoding and CSV syntax, no
validation): a file that cannot be read to its end fails before anything is sent, and the
count of records gives the progress bar its total. Then :meth:`SupporterFile.rows` streams.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
>>> data = "\\ufeffemail;Name;First Name\\nana@example.net;Ana;Ana\\n\\nbad;B;B\\n"
>>> _ = path.write_text(data, encoding="utf-8")
>>> supporters = open_supporters(path)
>>> supporters.columns, supporters.records
(('email', 'name', 'first_name'), 2)
>>> [(row.line, row.fields["email"]) for row in supporters.rows()]
[(2, 'ana@example.net'), (4, 'bad')]
>>> parse_address("bad")
'the address has no @'
>>> parse_address("Ana@Bücher.example").key
'ana@xn--bcher-kva.example'
"""

from __future__ import annotations

import codecs
import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from outreach.addresses import Address, parse_address
from outreach.errors import InputError

__all__ = [
    "RESERVED",
    "Address",
    "Row",
    "SupporterFile",
    "column_name",
    "open_supporters",
    "parse_address",
]

#: Template variables that a column may not take: outreach's own, and the layout's.
RESERVED = frozenset(
    {
        "url",
        "hashtag",
        "hashtags",
        "channel",
        "campaign_name",
        "unsubscribe_url",
        "subject",
        "preheader",
        "body",
        "lang",
        "dir",
        "gettext",
        "ngettext",
        "pgettext",
        "npgettext",
        "_",
        "range",
        "dict",
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
        "loop",
        "self",
        "supporter",
        "message",
        "handles",
        "image_url",
        "image_alt",
        "brand_color",
        "brand_color_dark",
        "postal_address",
        "view_in_browser_url",
    }
)
_CHUNK = 1 << 20
#: The longest value a supporter's field may have: a longer one is its row's error
#: (:meth:`outreach.merge.audience.Audience.supporter`), not the run's.
MAX_FIELD = 65_536
#: What the CSV parser reads in one field (Python's csv stops at 131,072 characters by
#: default, for the whole run): past this, memory is at stake and the file is refused, at
#: the record's line. The limit is the process's (``csv.field_size_limit``); it is only raised.
CSV_FIELD_LIMIT = 1 << 22


def column_name(header: str) -> str:
    """The template variable of a column: lower case, anything but letters and digits
    as ``_`` (``First Name`` -> ``first_name``, ``E-mail`` -> ``e_mail``).

    >>> column_name(" First Name "), column_name("2nd"), column_name("Prénom")
    ('first_name', '_2nd', 'prénom')
    """
    name = re.sub(r"\W+", "_", header.strip().lower()).strip("_")
    return f"_{name}" if name[:1].isdigit() else name


class Row(NamedTuple):
    """One record of the file: its first line and its values by column name; ``width``
    is how many values the record had (the header's count when it is well formed)."""

    line: int
    fields: dict[str, str]
    width: int


class SupporterFile:
    """An opened supporters CSV (see :func:`open_supporters`)."""

    def __init__(
        self,
        path: Path,
        encoding: str,
        delimiter: str,
        columns: tuple[str, ...],
        records: int,
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.columns = columns
        self.records = records

    def _reader(self, stream: IO[str]) -> Iterator[tuple[int, list[str]]]:
        if csv.field_size_limit() < CSV_FIELD_LIMIT:
            csv.field_size_limit(CSV_FIELD_LIMIT)
        reader = csv.reader(stream, delimiter=self.delimiter, strict=True)
        previous = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(
                    f"not a CSV file this can read: {exc}", path=self.path, line=previous + 1
                ) from None
            start, previous = previous + 1, reader.line_num
            if record:
                yield start, record

    def rows(self) -> Iterator[Row]:
        """Every record after the header, in file order (blank lines are not records)."""
        columns, width = self.columns, len(self.columns)
        with _open_text(self.path, self.encoding) as stream:
            records = self._reader(stream)
            next(records, None)
            for line, record in records:
                values = [v.strip() for v in record]
                if len(values) < width:
                    values += [""] * (width - len(values))
                yield Row(line, dict(zip(columns, values, strict=False)), len(record))


def _open_text(path: Path, encoding: str) -> IO[str]:
    return open(path, encoding=encoding, newline="", errors="strict")


def _encoding(path: Path, given: str | None) -> str:
    with open(path, "rb") as stream:
        head = stream.read(4)
    if given:
        try:
            codecs.lookup(given)
        except LookupError:
            raise InputError(f"unknown encoding {given!r}", path=path) from None
        return given
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _first_bad_byte(path: Path, encoding: str) -> tuple[int, str] | int:
    """``(line, description)`` of the first byte ``encoding`` cannot decode, or the
    number of line breaks in the file."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk.count(b"\n", 0, exc.start), f"byte 0x{chunk[exc.start]:02x}"
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, "the file ends inside a character"
    return line - 1


def _delimiter(header: str) -> str:
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def open_supporters(
    path: str | os.PathLike[str], *, encoding: str | None = None, parse_all: bool = True
) -> SupporterFile:
    """Open and pre-read a supporters CSV; :class:`~outreach.errors.InputError` (exit 2)
    for a file that cannot be read, decoded or parsed to its end, or a bad header.

    ``parse_all=False`` checks the encoding of the whole file but parses only the header,
    and counts lines instead of records: for runs whose output is written atomically, where
    a CSV error found later (an :class:`~outreach.errors.InputError` from :meth:`rows`)
    still leaves nothing behind."""
    where = Path(path)
    try:
        chosen = _encoding(where, encoding)
        bad = _first_bad_byte(where, chosen)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=where) from None
    if isinstance(bad, tuple):
        line, what = bad
        hint = (
            'save it as UTF-8 (Excel: "CSV UTF-8"), or name its encoding with --encoding '
            "(for example cp1252 or latin-1)"
        )
        raise InputError(f"not {chosen} ({what}): {hint}", path=where, line=line)
    with _open_text(where, chosen) as stream:
        first = stream.readline()
    delimiter = _delimiter(first)
    probe = SupporterFile(where, chosen, delimiter, (), 0)
    records = 0
    header: list[str] | None = None
    with _open_text(where, chosen) as stream:  # a CSV error is an InputError at its line
        for _, record in probe._reader(stream):
            if header is None:
                header = record
                if not parse_all:
                    records = max(bad - 1, 0)
                    break
            else:
                records += 1
    if header is None:
        raise InputError("the file is empty: it needs a header row with 'email'", path=where)
    return SupporterFile(where, chosen, delimiter, _columns(header, where), records)


#: The most columns a supporters file may have. Every column is a template variable and a
#: value in each row's dict, so each row costs in proportion to the header: a CRM's export
#: has tens of columns (a few hundred with every custom field), while a header of 100,000
#: is a wrong file or a hostile one, and refused at once (one line, exit 2) rather than
#: carried through every row of the run.
MAX_COLUMNS = 1000


def _columns(header: list[str], where: Path) -> tuple[str, ...]:
    """The header's column names, checked: :class:`~outreach.errors.InputError` at line 1
    for a column without a name, two with one name, a reserved name, no ``email`` column,
    or more than :data:`MAX_COLUMNS` columns.

    >>> _columns(["Email", "First Name"], Path("s.csv"))
    ('email', 'first_name')
    >>> _columns(["email", "Name", "name "], Path("s.csv"))
    Traceback (most recent call last):
    ...
    outreach.errors.InputError: s.csv:1: two columns are named 'name'
    >>> _columns(["email", *(f"c{n}" for n in range(1000))], Path("s"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    outreach.errors.InputError: s:1: the header has 1,001 columns: a supporters file may have ...
    """
    if len(header) > MAX_COLUMNS:
        raise InputError(
            f"the header has {len(header):,} columns: a supporters file may have at most "
            f"{MAX_COLUMNS:,} (is it the right file?)",
            path=where,
            line=1,
        )
    columns: dict[str, None] = {}  # a dict: in order, and found in constant time
    for raw in header:
        name = column_name(raw)
        if not name:
            raise InputError(f"a column has no name ({raw!r})", path=where, line=1)
        if name in columns:
            raise InputError(f"two columns are named {name!r}", path=where, line=1)
        if name in RESERVED:
            raise InputError(
                f"the column {raw!r} would hide outreach's template variable {name!r}: rename it",
                path=where,
                line=1,
            )
        columns[name] = None
    if "email" not in columns:
        found = ", ".join(repr(h) for h in header) or "none"
        raise InputError(f"no 'email' column (columns: {found})", path=where, line=1)
    return tuple(columns)
