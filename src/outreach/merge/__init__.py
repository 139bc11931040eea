"""``outreach merge``: one personalised email per supporter, in their language.

The modules, in the order a row meets them:

=============  =========================================================================
supporters     the CSV: encodings, delimiter, header, streamed rows with their lines
audience       a row's address, name and locale checked, and every field held to what
               its place may show (no link or invisible character in a header);
               Accept-Language negotiation; ``--shard`` by a hash of the address
journal        SQLite (WAL): one row per recipient, duplicates, the resume protocol
fields         which merge fields a skeleton can carry (read from the templates)
skeleton       each locale's message built once, proved against a full render and the
               stdlib parser, then personalised per supporter
compose        the bytes: header lines of outreach's own, quoted-printable of values
delivery       SMTP: connections, TLS, AUTH, retries with backoff, rate limits
outputs        an mbox, or a directory of ``.eml`` files
run            the run itself, and its summary
display        the command line's progress bar and summary (the library prints nothing)
=============  =========================================================================

>>> from outreach.merge import MergeOptions
>>> MergeOptions(supporters=Path("supporters.csv"), message="share").dry_run
False
"""

from __future__ import annotations

from pathlib import Path

from outreach.merge.run import (
    MergeOptions,
    MergeSummary,
    default_journal,
    jobs_status,
    journal_status,
    merge,
    sample_values,
)

__all__ = [
    "MergeOptions",
    "MergeSummary",
    "Path",
    "default_journal",
    "jobs_status",
    "journal_status",
    "merge",
    "sample_values",
]
