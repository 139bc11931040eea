"""Every export format behind one call, and the thin writer that puts files in place.

:func:`export_files` turns planned posts into the bytes of one or more files, after every
check the format has; nothing is written until all of it has passed. :func:`write_outputs`
writes them atomically (temporary file, then rename), numbering the files of a split export
``name-1.csv``, ``name-2.csv``.

>>> output_paths("posts.csv", 1), output_paths("posts.csv", 2)
([PosixPath('posts.csv')], [PosixPath('posts-1.csv'), PosixPath('posts-2.csv')])
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path

from outreach.errors import ProblemsFound, UsageError
from outreach.export.schedule import ScheduledPost

__all__ = [
    "FORMATS",
    "PROFILE_FORMATS",
    "export_files",
    "output_paths",
    "stale_outputs",
    "write_outputs",
]

#: Generic formats first, then scheduler profiles, then posting APIs.
FORMATS: tuple[str, ...] = ("csv", "json", "ics", "buffer", "hootsuite", "sprout", "mastodon")
PROFILE_FORMATS: tuple[str, ...] = ("buffer", "hootsuite", "sprout")


def export_files(
    posts: Sequence[ScheduledPost],
    fmt: str,
    *,
    now: dt.datetime,
    calendar_name: str = "outreach",
    tz: str | None = None,
    day_first: bool = False,
    bom: bool = False,
    max_rows: int | None = None,
) -> list[bytes]:
    """The file(s) of an export in format ``fmt``: a list of one payload, or several for a
    scheduler profile whose import takes fewer rows than there are posts.

    ``tz`` is the scheduler account's time zone for profiles (default UTC); ``day_first``
    writes day-first dates (hootsuite, sprout); ``bom`` starts a ``csv`` with a UTF-8 byte
    order mark (profiles refuse it: their importers would read it as part of the first
    header or date); ``max_rows`` lowers a profile's rows per file.

    Raises :class:`~outreach.errors.UsageError` for options that do not fit the format and
    :class:`~outreach.errors.ProblemsFound` for posts the target would reject.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    if now.tzinfo is None:
        raise UsageError("now must be timezone-aware")
    if bom and fmt != "csv":
        raise UsageError(
            "--bom applies to --format csv only: scheduler importers would read the byte order "
            "mark as part of the first header or date"
        )
    if day_first and fmt not in ("hootsuite", "sprout"):
        raise UsageError("--day-first applies to --format hootsuite and sprout only")
    if max_rows is not None and fmt not in PROFILE_FORMATS:
        raise UsageError("--max-rows applies to scheduler profiles (buffer, hootsuite, sprout)")

    if fmt == "csv":
        from outreach.export.generic import csv_bytes

        return [csv_bytes(posts, bom=bom)]
    if fmt == "json":
        from outreach.export.generic import json_bytes

        return [json_bytes(posts)]
    if fmt == "ics":
        from outreach.export.ics import ics_bytes

        return [ics_bytes(posts, calendar_name=calendar_name, now=now)]
    if fmt == "mastodon":
        from outreach.export.mastodon import mastodon_bytes, mastodon_problems

        others = sorted({p.channel for p in posts} - {"mastodon"})
        if others:
            raise UsageError(
                f"--format mastodon makes Mastodon API requests: use --channel mastodon, "
                f"not {', '.join(others)}"
            )
        problems = mastodon_problems(posts, now)
        if problems:
            raise ProblemsFound(problems, summary="Mastodon would reject these: nothing exported")
        return [mastodon_bytes(posts)]

    from outreach.export.profiles import profile, profile_files

    return profile_files(
        profile(fmt), posts, now=now, tz=tz or "UTC", day_first=day_first, max_rows=max_rows
    )


def output_paths(out: str | os.PathLike[str], count: int) -> list[Path]:
    """Where ``count`` files go: ``out`` itself for one, ``stem-1.ext`` ... for several."""
    target = Path(out)
    if count == 1:
        return [target]
    return [target.with_name(f"{target.stem}-{n}{target.suffix}") for n in range(1, count + 1)]


def stale_outputs(out: str | os.PathLike[str], count: int) -> list[Path]:
    """Numbered files of an earlier, larger export that this one does not replace.

    Uploading one of them again would schedule its posts twice.
    """
    target = Path(out)
    pattern = re.compile(rf"{re.escape(target.stem)}-(\d+){re.escape(target.suffix)}")
    found: list[tuple[int, Path]] = []
    if target.parent.is_dir():
        for path in target.parent.iterdir():
            match = pattern.fullmatch(path.name)
            if match and (count == 1 or int(match.group(1)) > count):
                found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


def write_outputs(out: str | os.PathLike[str], payloads: Sequence[bytes]) -> list[Path]:
    """Write every payload atomically; either all files are renamed into place or none is
    changed (an error before the renames leaves every target as it was)."""
    from outreach.files import atomic_writer

    paths = output_paths(out, len(payloads))
    with contextlib.ExitStack() as stack:
        for path, data in zip(paths, payloads, strict=True):
            stream = stack.enter_context(atomic_writer(path))
            stream.write(data)
    return paths
