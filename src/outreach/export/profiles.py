"""Scheduler profiles: each tool's bulk-upload CSV, with the rules it enforces at import.

A scheduler reads the times in a bulk file as wall-clock times in *its* account's (or
channel's) time zone, not the audience's: every profile writes each post's instant as seen
from ``tz`` -- pass the zone your scheduler account is set to. Times are to the minute, so a
post with seconds is refused, as is a time that a daylight-saving change makes happen twice
in ``tz`` (the scheduler could not tell which one is meant).

What each profile assumes, and how sure we are (see also docs/export.md):

``buffer`` (unconfirmed: no Buffer documentation of the file was available)
    Header ``Text,Image URL,Tags,Posting Time``; ``Posting Time`` as ``YYYY-MM-DD HH:mm``
    (24-hour) in the channel's time zone (confirmed: Buffer gives each channel its own time
    zone); at most 100 rows a file (10 on the free plan: ``--max-rows 10``); one channel per
    file. ``Image URL`` is the message's image (``[messages.<name>] image``; Buffer fetches
    it, so it must be an http(s) URL), ``Tags`` is left empty. Buffer validates posts against
    its own limits, stricter than some platforms' (its developer guide: Facebook 5,000
    characters, Instagram 2,196): a post is checked against the stricter of the two.
``hootsuite`` (third-party sources only)
    No header row; three columns: date and time, message, link. Date as ``MM/DD/YYYY HH:mm``
    (or ``DD/MM/YYYY HH:mm`` with ``day_first``, chosen again at upload); at most 350 rows a
    file (350 minus what the account has scheduled: ``--max-rows``); times on a 5-minute grid
    (minutes ending in 0 or 5), at least 10 minutes ahead, one post per time slot. The link
    column stays empty: the post text already carries the link, counted as the platform
    counts it, and Hootsuite would otherwise add it a second time.
``sprout`` (confirmed from Sprout Social's help centre)
    Case-sensitive header ``date,time_24hr,message_text``; ``date`` as ``mm/dd/yyyy`` (or
    ``dd/mm/yyyy`` with ``day_first``, as set in Sprout's import preferences), ``time_24hr``
    as ``HH:MM``; at most 350 messages an import; posts at least 10 minutes apart and at least
    10 minutes after the upload.

Larger exports split into several files of at most ``max_rows`` rows each, in export order.

>>> PROFILES["sprout"].header
('date', 'time_24hr', 'message_text')
>>> PROFILES["hootsuite"].max_rows, PROFILES["hootsuite"].grid_minutes
(350, 5)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from outreach.errors import ProblemsFound, UsageError
from outreach.export.generic import write_csv_rows
from outreach.export.safety import formula_problems
from outreach.export.schedule import ScheduledPost, resolve_zone
from outreach.settings import is_image_url

__all__ = ["PROFILES", "Profile", "profile", "profile_files", "profile_problems"]

Row = Callable[[ScheduledPost, dt.datetime, bool], list[str]]


def _day(local: dt.datetime, day_first: bool) -> str:
    return local.strftime("%d/%m/%Y" if day_first else "%m/%d/%Y")


def _buffer_row(item: ScheduledPost, local: dt.datetime, day_first: bool) -> list[str]:
    return [item.text, item.image or "", "", local.strftime("%Y-%m-%d %H:%M")]


def _hootsuite_row(item: ScheduledPost, local: dt.datetime, day_first: bool) -> list[str]:
    return [f"{_day(local, day_first)} {local.strftime('%H:%M')}", item.text, ""]


def _sprout_row(item: ScheduledPost, local: dt.datetime, day_first: bool) -> list[str]:
    return [_day(local, day_first), local.strftime("%H:%M"), item.text]


@dataclass(frozen=True)
class Profile:
    """One scheduler's bulk-upload layout and import rules.

    ``header`` is ``None`` for a file without a header row (then ``columns`` only names the
    cells in messages). ``min_lead`` is how far ahead of the upload a post must be,
    ``grid_minutes`` the minute grid times must sit on, ``min_gap`` the least time between
    two posts of a file (``0`` means only "one post per time slot").
    """

    name: str
    title: str
    header: tuple[str, ...] | None
    columns: tuple[str, ...]
    row: Row
    max_rows: int
    min_lead: dt.timedelta = dt.timedelta(0)
    grid_minutes: int | None = None
    min_gap: dt.timedelta | None = None
    day_first: bool = False  # whether the date order is a choice the user makes at upload
    #: the tool's own length limits per channel, where stricter than the platform's
    limits: tuple[tuple[str, int], ...] = ()
    #: whether the file can carry an image (by URL)
    images: bool = False


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "buffer",
            "Buffer",
            ("Text", "Image URL", "Tags", "Posting Time"),
            ("Text", "Image URL", "Tags", "Posting Time"),
            _buffer_row,
            max_rows=100,
            limits=(("facebook", 5000), ("instagram", 2196)),
            images=True,
        ),
        Profile(
            "hootsuite",
            "Hootsuite",
            None,
            ("date", "message", "link"),
            _hootsuite_row,
            max_rows=350,
            min_lead=dt.timedelta(minutes=10),
            grid_minutes=5,
            min_gap=dt.timedelta(0),
            day_first=True,
        ),
        Profile(
            "sprout",
            "Sprout Social",
            ("date", "time_24hr", "message_text"),
            ("date", "time_24hr", "message_text"),
            _sprout_row,
            max_rows=350,
            min_lead=dt.timedelta(minutes=10),
            min_gap=dt.timedelta(minutes=10),
            day_first=True,
        ),
    )
}


def profile(name: str) -> Profile:
    """The profile called ``name``; :class:`~outreach.errors.UsageError` for others."""
    found = PROFILES.get(name)
    if found is None:
        raise UsageError(f"unknown scheduler profile {name!r} (profiles: {', '.join(PROFILES)})")
    return found


def _shown(local: dt.datetime, zone: str) -> str:
    return f"{local.strftime('%Y-%m-%d %H:%M')} ({zone})"


def profile_problems(
    spec: Profile, posts: Sequence[ScheduledPost], *, now: dt.datetime, tz: str
) -> list[str]:
    """Every post the scheduler would reject at import, one sentence each.

    >>> import datetime as dt
    >>> from outreach.render import Post
    >>> at = dt.datetime(2030, 1, 1, 9, 3, tzinfo=dt.UTC)
    >>> post = ScheduledPost(Post("share", "en", "x", "Hi #X", 5, 280), at, "UTC", "", "en", "u")
    >>> for problem in profile_problems(
    ...     PROFILES["hootsuite"], [post], now=at - dt.timedelta(days=1), tz="UTC"
    ... ):
    ...     print(problem)  # doctest: +ELLIPSIS
    share (en, x): 2030-01-01 09:03 (UTC) is not on Hootsuite's 5-minute grid (minutes ending...
    """
    zone = resolve_zone(tz)
    _check_range(posts, zone, tz)
    problems: list[str] = []
    for item in posts:
        local = item.scheduled_at.astimezone(zone)
        shown = _shown(local, tz)
        if local.second or local.microsecond:
            problems.append(
                f"{item.where}: {spec.title} takes times to the minute; "
                f"{item.scheduled_at.isoformat()} has seconds"
            )
        if _ambiguous(local):
            problems.append(
                f"{item.where}: {shown} happens twice (a daylight-saving change); {spec.title} "
                "could not tell which one is meant: move it out of that hour"
            )
        if spec.grid_minutes and local.minute % spec.grid_minutes:
            problems.append(
                f"{item.where}: {shown} is not on {spec.title}'s {spec.grid_minutes}-minute grid "
                "(minutes ending in 0 or 5)"
            )
        if spec.min_lead and item.scheduled_at < now + spec.min_lead:
            minutes = int(spec.min_lead.total_seconds() // 60)
            problems.append(
                f"{item.where}: {shown} is less than {minutes} minutes from now; {spec.title} "
                f"takes posts at least {minutes} minutes ahead of the upload"
            )
    if spec.min_gap is not None:
        problems += _crowding(spec, posts, zone, tz)
    problems += _tool_limits(spec, posts)
    return problems


def _tool_limits(spec: Profile, posts: Sequence[ScheduledPost]) -> list[str]:
    """Posts over the tool's own limit for their channel, and images it cannot take."""
    limits = dict(spec.limits)
    problems: list[str] = []
    for item in posts:
        cap = limits.get(item.channel)
        if cap is not None and cap < item.post.limit and item.post.length > cap:
            problems.append(
                f"{item.where}: {item.post.length:,} characters; {spec.title} takes at most "
                f"{cap:,} for {item.channel} (stricter than the platform's {item.post.limit:,})"
            )
        image = item.image
        if spec.images and image and not is_image_url(image):
            problems.append(
                f"{item.where}: the image {image} is a file; {spec.title} imports images by "
                "URL (set [messages.<name>] image to an https URL)"
            )
    return problems


def _check_range(posts: Sequence[ScheduledPost], zone: dt.tzinfo, tz: str) -> None:
    """:class:`~outreach.errors.UsageError` if a post's time cannot be written in ``tz``
    (beyond the year 9999 or before the year 1 there)."""
    for item in posts:
        try:
            item.scheduled_at.astimezone(zone)
        except OverflowError:
            raise UsageError(
                f"--tz {tz}: {item.where} at {item.scheduled_at.isoformat()} falls outside the "
                "years 1 to 9999 on that clock"
            ) from None


def _ambiguous(local: dt.datetime) -> bool:
    other = local.replace(fold=1 - local.fold)
    return other.utcoffset() != local.utcoffset()


def _crowding(spec: Profile, posts: Sequence[ScheduledPost], zone: dt.tzinfo, tz: str) -> list[str]:
    assert spec.min_gap is not None
    ordered = sorted(posts, key=lambda p: p.scheduled_at)
    problems: list[str] = []
    for first, second in pairwise(ordered):
        gap = second.scheduled_at - first.scheduled_at
        if (gap >= spec.min_gap) if spec.min_gap else (gap > dt.timedelta(0)):
            continue
        shown = _shown(second.scheduled_at.astimezone(zone), tz)
        if gap == dt.timedelta(0):
            problems.append(
                f"{first.where} and {second.where} are both at {shown}; {spec.title} takes one "
                f"post per time slot: spread them with --every, or --stagger {_least_step(spec)} "
                "to shift each locale"
            )
        else:
            minutes = int(spec.min_gap.total_seconds() // 60)
            problems.append(
                f"{first.where} and {second.where} are {int(gap.total_seconds() // 60)} minutes "
                f"apart (at {shown}); {spec.title} needs posts at least {minutes} minutes apart: "
                f"use --every or --stagger {minutes}m"
            )
    return problems


def _least_step(spec: Profile) -> str:
    """The smallest ``--stagger`` that gives each locale a slot of its own: the profile's
    minimum gap, at least one step of its minute grid (else a minute), in whole minutes."""
    minutes = -(-int((spec.min_gap or dt.timedelta(0)).total_seconds()) // 60)
    return f"{max(minutes, spec.grid_minutes or 1)}m"


def profile_files(
    spec: Profile,
    posts: Sequence[ScheduledPost],
    *,
    now: dt.datetime,
    tz: str,
    day_first: bool = False,
    max_rows: int | None = None,
) -> list[bytes]:
    """The bulk-upload file(s), UTF-8 without a byte order mark, RFC 4180 quoting.

    Raises :class:`~outreach.errors.ProblemsFound` if any rule is broken (see
    :func:`profile_problems`) or a cell would run as a spreadsheet formula, and
    :class:`~outreach.errors.UsageError` for a ``max_rows`` above the tool's own limit or a
    post that ``tz``'s clock would put outside the years 1 to 9999.
    """
    limit = spec.max_rows if max_rows is None else max_rows
    if not 1 <= limit <= spec.max_rows:
        raise UsageError(f"--max-rows for {spec.title} must be between 1 and {spec.max_rows}")
    if day_first and not spec.day_first:
        raise UsageError(f"{spec.title}'s date format is fixed; --day-first does not apply")
    zone = resolve_zone(tz)
    _check_range(posts, zone, tz)
    rows = [spec.row(item, item.scheduled_at.astimezone(zone), day_first) for item in posts]
    problems = profile_problems(spec, posts, now=now, tz=tz)
    problems += formula_problems(
        (item.where, spec.columns, cells) for item, cells in zip(posts, rows, strict=True)
    )
    if problems:
        raise ProblemsFound(problems, summary=f"{spec.title} would reject these: nothing exported")
    chunks = [rows[i : i + limit] for i in range(0, len(rows), limit)] or [[]]
    return [write_csv_rows(spec.header, chunk).encode("utf-8") for chunk in chunks]
