"""Generic exports: CSV (RFC 4180, UTF-8) and JSON, one row or object per post.

Columns, in this order: ``message, locale, channel, scheduled_at, timezone, language, text,
url, length, limit, id, image, image_alt``. ``scheduled_at`` is ISO 8601 with the audience's offset
(``2026-12-01T09:00:00+01:00``), ``timezone`` the IANA zone it was planned in, ``length`` and
``limit`` the post as its platform counts it, ``id`` the post's stable UUID (the same as the
calendar's UID), ``url`` the message's link as the channel gets it (with its UTM tags when
the campaign has ``[tracking]``), ``image`` and ``image_alt`` the message's image (a URL or
a path in the campaign) and its translated alt text, empty without one.

CSV quoting is RFC 4180 (``"`` doubled, fields with commas, quotes or line breaks quoted,
CRLF between records); line breaks inside a post are kept as they are. ``bom=True`` starts
the file with a UTF-8 byte order mark, which Excel needs to read UTF-8.

>>> import csv, io
>>> rows = list(csv.reader(io.StringIO(csv_text([]))))
>>> rows[0][:4]
['message', 'locale', 'channel', 'scheduled_at']
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from outreach.errors import ProblemsFound
from outreach.export.safety import formula_problems
from outreach.export.schedule import ScheduledPost
from outreach.files import json_document

__all__ = ["COLUMNS", "csv_bytes", "csv_text", "json_bytes"]

COLUMNS = (
    "message",
    "locale",
    "channel",
    "scheduled_at",
    "timezone",
    "language",
    "text",
    "url",
    "length",
    "limit",
    "id",
    "image",
    "image_alt",
)

BOM = "\ufeff"


def _cells(item: ScheduledPost) -> list[str]:
    data = item.to_json()
    return [str(data[column]) for column in COLUMNS]


def csv_text(posts: Sequence[ScheduledPost]) -> str:
    """The CSV document (header and one record per post) as text.

    Raises :class:`~outreach.errors.ProblemsFound` if a cell would run as a spreadsheet
    formula (see :mod:`outreach.export.safety`).
    """
    rows = [_cells(item) for item in posts]
    problems = formula_problems(
        (item.where, COLUMNS, cells) for item, cells in zip(posts, rows, strict=True)
    )
    if problems:
        raise ProblemsFound(problems, summary="nothing exported")
    return write_csv_rows(COLUMNS, rows)


def write_csv_rows(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> str:
    """RFC 4180 text: minimal quoting, CRLF record ends, line breaks in fields kept."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_bytes(posts: Sequence[ScheduledPost], *, bom: bool = False) -> bytes:
    """:func:`csv_text` encoded as UTF-8, with a byte order mark when ``bom``."""
    return ((BOM if bom else "") + csv_text(posts)).encode("utf-8")


def json_bytes(posts: Sequence[ScheduledPost]) -> bytes:
    """A JSON list of posts (the CSV's columns as keys, ``length``/``limit`` as numbers)."""
    document = [item.to_json() for item in posts]
    return json_document(document)
