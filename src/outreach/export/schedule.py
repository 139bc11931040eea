"""Time planning for exports: which post goes out when, on each audience's own clock.

A schedule starts at ``--start`` and steps by ``--every``:

* ``--start`` without an offset (``2026-12-01T09:00``) is a *wall-clock* time: 09:00 where
  each locale's audience lives. The zone of a locale is ``[campaign.timezones]`` (the locale,
  then its language: ``pt_BR`` may use ``pt``'s zone), else ``--tz``, else UTC. With an offset
  (``2026-12-01T09:00+01:00``, ``...Z``) it is one instant for every locale.
* Slots are assigned per locale: the *k*-th exported message of a locale goes out at
  ``start + k × every`` (messages in campaign order), plus ``i × stagger`` for the *i*-th
  locale of the export, so that two audiences that share a clock (Madrid and Paris) need not
  share a slot.
* Durations follow RFC 5545: days and weeks are *nominal* (a calendar day keeps the local
  wall-clock time across a daylight-saving change: 09:00 stays 09:00), hours, minutes and
  seconds are *exact* elapsed time.
* A wall-clock time that does not exist (skipped by a DST change) moves forward by the gap
  (02:30 → 03:30); one that happens twice takes its first occurrence.

>>> from zoneinfo import ZoneInfo
>>> start = parse_start("2026-10-24T09:00")
>>> every = parse_duration("1d")
>>> madrid = ZoneInfo("Europe/Madrid")
>>> [slot(start, madrid, every, k).isoformat() for k in range(2)]  # DST ends on the 25th
['2026-10-24T09:00:00+02:00', '2026-10-25T09:00:00+01:00']
>>> slot(start, madrid, parse_duration("PT24H"), 1).isoformat()   # exact hours do not
'2026-10-25T08:00:00+01:00'
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.errors import ProblemsFound, UsageError

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.render import Post, Renderer

__all__ = [
    "Duration",
    "ScheduledPost",
    "iso",
    "parse_duration",
    "parse_start",
    "plan_posts",
    "post_problems",
    "post_uid",
    "resolve_zone",
    "slot",
    "zone_for",
]

UTC = dt.UTC


@dataclass(frozen=True)
class Duration:
    """A step between posts: nominal ``days`` (calendar days) and exact ``seconds``.

    >>> parse_duration("1d12h")
    Duration(days=1, seconds=43200)
    >>> str(parse_duration("90m"))
    'PT1H30M'
    """

    days: int = 0
    seconds: int = 0

    def __bool__(self) -> bool:
        return bool(self.days or self.seconds)

    def __str__(self) -> str:
        if not self:
            return "PT0S"
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        text = "P" + (f"{self.days}D" if self.days else "")
        clock = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
        return text + (f"T{clock}" if clock else "")


_ISO_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?",
    re.IGNORECASE,
)
_SHORT_PART = re.compile(r"(\d+)\s*(w|d|h|min|m|s)", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600, "m": 60, "min": 60, "s": 1}


def parse_duration(text: str) -> Duration:
    """``30m``, ``2h``, ``1d``, ``1w``, ``1h30m`` or ISO 8601 ``PT30M``, ``P1D``, ``P1DT12H``.

    ``m`` is minutes in the short form; months and years are refused (they have no fixed
    length: say ``P30D``). Raises :class:`~outreach.errors.UsageError` for anything else.

    >>> parse_duration("PT30M"), parse_duration("2h"), parse_duration("1w")
    (Duration(days=0, seconds=1800), Duration(days=0, seconds=7200), Duration(days=7, seconds=0))
    >>> parse_duration("P1M")
    Traceback (most recent call last):
    ...
    outreach.errors.UsageError: duration 'P1M': months and years have no fixed length; use days \
(P30D) or weeks (P4W)
    """
    raw = text.strip()
    if raw == "0":
        return Duration()
    if raw[:1] in ("P", "p"):
        match = _ISO_DURATION.fullmatch(raw)
        if match and any(match.groupdict().values()) and not raw.upper().endswith("T"):
            n = {k: int(v or 0) for k, v in match.groupdict().items()}
            return Duration(n["w"] * 7 + n["d"], n["h"] * 3600 + n["m"] * 60 + n["s"])
        if re.search(r"\d+[MY]", raw.upper().split("T")[0]):
            raise UsageError(
                f"duration {text!r}: months and years have no fixed length; "
                "use days (P30D) or weeks (P4W)"
            )
    elif raw and _SHORT_PART.sub("", raw).strip() == "":
        days = seconds = 0
        for number, unit in _SHORT_PART.findall(raw):
            unit = unit.lower()
            if unit in ("w", "d"):
                days += int(number) * (7 if unit == "w" else 1)
            else:
                seconds += int(number) * _UNIT_SECONDS[unit]
        return Duration(days, seconds)
    raise UsageError(
        f"duration {text!r} is not understood; write e.g. 30m, 2h, 1d, 1w, 1h30m, PT30M or P1D"
    )


def parse_start(text: str) -> dt.datetime:
    """``--start``: an ISO 8601 date and time, with or without an offset.

    Naive results are wall-clock times (09:00 in each audience's zone); aware ones are one
    instant.

    >>> parse_start("2026-12-01T09:00")
    datetime.datetime(2026, 12, 1, 9, 0)
    >>> parse_start("2026-12-01 09:00Z").isoformat()
    '2026-12-01T09:00:00+00:00'
    """
    raw = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise UsageError(f"--start {text!r} needs a time of day too, e.g. {raw}T09:00")
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(
            f"--start {text!r} is not an ISO 8601 date and time "
            "(e.g. 2026-12-01T09:00, or 2026-12-01T09:00+01:00 for one instant everywhere)"
        ) from None


def resolve_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (from the ``tzdata`` package where the system has none).

    >>> resolve_zone("America/Sao_Paulo").key
    'America/Sao_Paulo'
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Madrid or UTC)"
        ) from None


def zone_for(campaign: Campaign, locale: str, tz: str | None = None) -> str:
    """The zone name a locale's audience lives in: ``[campaign.timezones]`` for the locale or
    its nearest CLDR parent, else ``tz``, else ``"UTC"``.

    >>> from outreach.campaign import parse_campaign
    >>> c = parse_campaign('''[campaign]
    ... name = "X"
    ... source_locale = "en"
    ... locales = ["en", "pt-BR"]
    ... hashtags = ["#X"]
    ... url = "https://example.org"
    ... [campaign.timezones]
    ... pt = "America/Sao_Paulo"
    ... ''', root=".")
    >>> zone_for(c, "pt_BR"), zone_for(c, "en", "Europe/London"), zone_for(c, "en")
    ('America/Sao_Paulo', 'Europe/London', 'UTC')
    """
    return campaign.timezone_for(locale) or tz or "UTC"


def slot(
    start: dt.datetime,
    zone: dt.tzinfo,
    every: Duration,
    index: int,
    offset: Duration | None = None,
) -> dt.datetime:
    """When the ``index``-th post goes out: ``start + index × every + offset`` in ``zone``.

    Nominal days are added to the local wall-clock date; exact seconds to the instant. The
    result is an aware datetime in ``zone``. Raises :exc:`OverflowError` when that is outside
    the years 1 to 9999 (:func:`plan_posts` turns it into a
    :class:`~outreach.errors.UsageError` naming the option).
    """
    offset = offset or Duration()
    days = index * every.days + offset.days
    seconds = index * every.seconds + offset.seconds
    if start.tzinfo is None:
        base = _localize(start + dt.timedelta(days=days), zone)
    elif days:
        local = start.astimezone(zone).replace(tzinfo=None)
        base = _localize(local + dt.timedelta(days=days), zone)
    else:
        base = start
    return (base.astimezone(UTC) + dt.timedelta(seconds=seconds)).astimezone(zone)


def _localize(wall: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A wall-clock time in ``zone``; a skipped time moves forward by the gap (PEP 495,
    fold=0), a repeated one is its first occurrence."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


@dataclass(frozen=True)
class ScheduledPost:
    """A rendered post and when it goes out.

    ``scheduled_at`` is aware, in ``zone`` (the audience's zone); ``uid`` is stable for the
    same campaign, message, locale and channel whatever the schedule or text, so that a
    re-import updates a post instead of duplicating it.
    """

    post: Post
    scheduled_at: dt.datetime
    zone: str
    url: str
    language: str
    uid: str

    @property
    def message(self) -> str:
        return self.post.message

    @property
    def locale(self) -> str:
        return self.post.locale

    @property
    def channel(self) -> str:
        return self.post.channel

    @property
    def text(self) -> str:
        return self.post.text

    @property
    def image(self) -> str | None:
        return self.post.image

    @property
    def image_alt(self) -> str:
        return self.post.image_alt

    @property
    def where(self) -> str:
        """``share (es, x)``: how problems name the post."""
        return f"{self.message} ({self.locale}, {self.channel})"

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "locale": self.locale,
            "channel": self.channel,
            "scheduled_at": iso(self.scheduled_at),
            "timezone": self.zone,
            "language": self.language,
            "text": self.text,
            "url": self.url,
            "length": self.post.length,
            "limit": self.post.limit,
            "id": self.uid,
            "image": self.image or "",
            "image_alt": self.image_alt if self.image else "",
        }


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with its offset, to the second: ``2026-12-01T09:00:00+01:00``."""
    return moment.isoformat(timespec="seconds")


def post_uid(campaign: Campaign, message: str, locale: str, channel: str) -> str:
    """A UUID (version 5) from the campaign's name and URL, the message, locale and channel.

    >>> from outreach.campaign import parse_campaign
    >>> c = parse_campaign('[campaign]\\nname = "X"\\nsource_locale = "en"\\nlocales = ["en"]\\n'
    ...                    'hashtags = ["#X"]\\nurl = "https://example.org"\\n', root=".")
    >>> post_uid(c, "share", "en", "x") == post_uid(c, "share", "en", "x")
    True
    """
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{campaign.url}#{campaign.name}")
    return str(uuid.uuid5(namespace, f"{message}/{locale}/{channel}"))


def plan_posts(
    campaign: Campaign,
    channel: str,
    start: str | dt.datetime,
    every: str | Duration | None = None,
    tz: str | None = None,
    messages: Sequence[str] | None = None,
    locales: Sequence[str] | None = None,
    now: dt.datetime | None = None,
    *,
    stagger: str | Duration | None = None,
    variables: Mapping[str, Any] | None = None,
    renderer: Renderer | None = None,
) -> list[ScheduledPost]:
    """Render and schedule one post per message × locale for ``channel``, and validate them.

    Order is stable: messages in campaign order, then locales in campaign order (whatever
    the order of the filters). ``messages=None`` takes every message that has a social post;
    ``locales=None`` every locale of the campaign. ``now`` (aware; default: the clock) is what
    "in the past" is measured against.

    Raises :class:`~outreach.errors.UsageError` for unknown channels, messages, locales or
    zones, and :class:`~outreach.errors.ProblemsFound` (exit 1) naming message, locale and
    channel for every post over its platform's limit, without its hashtag, with a hashtag the
    platform would cut, or scheduled in the past -- nothing is returned then.

    A locale whose catalog cannot be read, and a post that would use a translation with an
    error finding, are held: left out of the plan, every other post planned as usual (each
    keeps its slot), and named in ``renderer.held_back`` (pass a ``renderer`` to read it).
    """
    from outreach.locales import babel_locale
    from outreach.platforms import platform
    from outreach.render import Renderer

    platform(channel)
    renderer = renderer or Renderer(campaign, variables)
    start_at = parse_start(start) if isinstance(start, str) else start
    step = parse_duration(every) if isinstance(every, str) else (every or Duration())
    shift = parse_duration(stagger) if isinstance(stagger, str) else (stagger or Duration())
    if tz is not None:
        resolve_zone(tz)
    now = _aware_now(now)

    names = _messages(renderer, channel, messages)
    chosen = None if locales is None else {campaign.resolve_locale(x) for x in locales}
    wanted = [loc for loc in campaign.locales if chosen is None or loc in chosen]
    planned: list[ScheduledPost] = []
    for k, message in enumerate(names):
        for i, locale in enumerate(wanted):
            zone_name = zone_for(campaign, locale, tz)
            zone = resolve_zone(zone_name)
            try:
                scheduled_at = slot(start_at, zone, step, k, _times(shift, i))
            except OverflowError:
                options = _Options(start, every, stagger)
                raise _out_of_range(options, start_at, zone_name, step, k, shift, i) from None
            if renderer.held(locale) is not None:
                continue  # a catalog of its chain cannot be read: renderer.held_back says so
            post = renderer.render_post(message, locale, channel)
            if renderer.held(locale, post) is not None:
                continue  # it would use a refused translation: held, not sent half-translated
            language = babel_locale(locale)
            planned.append(
                ScheduledPost(
                    post=post,
                    scheduled_at=scheduled_at,
                    zone=zone_name,
                    url=post.url or campaign.url_for(message),
                    language=str(language).replace("_", "-"),
                    uid=post_uid(campaign, message, locale, channel),
                )
            )
    problems = post_problems(planned, campaign, now)
    if problems:
        raise ProblemsFound(problems, summary=f"{len(problems)} problem(s): nothing exported")
    return planned


@dataclass(frozen=True)
class _Options:
    """``--start``, ``--every`` and ``--stagger`` as the user gave them."""

    start: str | dt.datetime
    every: str | Duration | None
    stagger: str | Duration | None

    def show(self, name: str) -> str:
        value = getattr(self, name)
        text = value.isoformat() if isinstance(value, dt.datetime) else str(value).strip()
        return f"--{name} {text}"


def _out_of_range(
    options: _Options,
    start: dt.datetime,
    zone_name: str,
    every: Duration,
    index: int,
    stagger: Duration,
    position: int,
) -> UsageError:
    """The :class:`UsageError` for a slot outside the years 1 to 9999, naming the option(s)
    that put it there."""
    zone = resolve_zone(zone_name)

    def fits(step: Duration, k: int, offset: Duration) -> bool:
        try:
            slot(start, zone, step, k, offset)
        except OverflowError:
            return False
        return True

    if not fits(Duration(), 0, Duration()):
        where = "" if start.tzinfo is not None else f" in {zone_name}"
        when = "beyond the year 9999" if start.year > 1 else "before the year 1"
        return UsageError(f"{options.show('start')}{where} puts a post {when} (in UTC)")
    if not fits(every, index, Duration()):
        culprit = options.show("every")
    elif not fits(Duration(), 0, _times(stagger, position)):
        culprit = options.show("stagger")
    else:
        culprit = f"{options.show('every')} with {options.show('stagger')}"
    return UsageError(f"{culprit} puts a post beyond the year 9999 (from {options.show('start')})")


def _times(step: Duration, n: int) -> Duration:
    return Duration(step.days * n, step.seconds * n)


def _aware_now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(UTC)
    if now.tzinfo is None:
        raise UsageError("now must be timezone-aware")
    return now


def _messages(renderer: Renderer, channel: str, wanted: Sequence[str] | None) -> list[str]:
    if wanted is None:
        names = [m for m in renderer.messages if channel in renderer.channels(m)]
        if not names:
            raise UsageError(f"no message has a social post for {channel}")
        return names
    chosen = {renderer.resolve_message(name) for name in wanted}
    for name in sorted(chosen):
        if channel not in renderer.channels(name):
            raise UsageError(f"message {name!r} has no social post for {channel}")
    return [m for m in renderer.messages if m in chosen]


def post_problems(
    posts: Sequence[ScheduledPost], campaign: Campaign, now: dt.datetime
) -> list[str]:
    """Every reason a post cannot be exported, one sentence each, naming the post.

    Over the platform's limit or a hashtag the platform would cut (as ``outreach render``
    counts them), no campaign hashtag at all (:func:`~outreach.platforms.has_hashtag`: a
    safeguard, as ``outreach render`` adds one), or scheduled at or before ``now``.
    """
    from outreach.platforms import has_hashtag

    problems: list[str] = []
    for item in posts:
        problems += [f"{item.where}: {p}" for p in item.post.problems]
        locale = _normal(campaign, item.locale)
        if not any(has_hashtag(item.text, tag) for tag in campaign.hashtags_for(locale)):
            tags = " or ".join(campaign.hashtags_for(locale))
            problems.append(f"{item.where}: the post does not carry {tags}")
        if item.scheduled_at <= now:
            problems.append(
                f"{item.where}: scheduled at {iso(item.scheduled_at)} ({item.zone}), "
                f"which is in the past (now {iso(now.astimezone(UTC))})"
            )
    return problems


def _normal(campaign: Campaign, label: str) -> str:
    for locale in campaign.locales:
        if campaign.label(locale) == label:
            return locale
    return label
