"""An RFC 5545 content calendar: one VEVENT per post, built with ``icalendar``.

Each event carries

* ``UID`` -- the post's stable UUID (campaign, message, locale and channel; not the time or
  text), so that importing a new export *updates* the events of the last one;
* ``DTSTAMP`` -- when the export was made (``now``);
* ``DTSTART`` -- in the audience's zone (``TZID=Europe/Madrid``, with a ``VTIMEZONE``
  covering the years of the posts), or UTC (``...Z``) for locales without a zone;
* ``SUMMARY`` -- ``channel · locale · message: first words``, and ``DESCRIPTION`` -- the post
  text, both with ``LANGUAGE=`` the locale's BCP 47 tag;
* ``URL`` -- the message's link (tagged for the channel); ``CATEGORIES`` -- channel and
  locale;
* ``ATTACH`` -- the message's image, with ``FMTTYPE`` (RFC 5545 §3.8.1.1), when it is a URL;
  the description ends with the image and its alt text, which the calendar has no field for;
* ``TRANSP:TRANSPARENT`` -- a post is not a meeting: it does not make the organizer busy.

Events have no end (RFC 5545 §3.6.1: an event with a date-time start and no end takes no
time).

>>> from icalendar import Calendar
>>> Calendar.from_ical(ics_bytes([], calendar_name="Love Always Wins · x", now=_EPOCH))["PRODID"]
vText(b'-//outreach//outreach export//EN')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from outreach.export.schedule import ScheduledPost
from outreach.settings import image_type, is_image_url

if TYPE_CHECKING:
    from icalendar import Calendar

__all__ = ["PRODID", "build_calendar", "ics_bytes", "summary"]

PRODID = "-//outreach//outreach export//EN"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SUMMARY_WORDS = 60


def summary(item: ScheduledPost) -> str:
    """``x · es · share: El amor siempre gana. Mira nuestro corto de dos…`` (one line).

    >>> from outreach.render import Post
    >>> from outreach.export.schedule import ScheduledPost
    >>> p = Post("share", "es", "x", "El amor siempre gana.\\nMira", 28, 280)
    >>> summary(ScheduledPost(p, _EPOCH, "UTC", "https://example.org", "es", "u"))
    'x · es · share: El amor siempre gana. Mira'
    """
    return f"{item.channel} · {item.locale} · {item.message}: {_shorten(item.text)}"


def _shorten(text: str) -> str:
    """``text`` on one line, cut after at most 60 graphemes (user-perceived characters:
    a ZWJ family emoji or a flag is never split), at a space when there is one.

    >>> _shorten("👨‍👩‍👧‍👦" * 61) == "👨‍👩‍👧‍👦" * 60 + "…"
    True
    """
    import importlib

    regex: Any = importlib.import_module("regex")  # untyped; Unicode's grapheme rules
    words = " ".join(text.split())
    graphemes: list[str] = regex.findall(r"\X", words)
    if len(graphemes) <= _SUMMARY_WORDS:
        return words
    cut = "".join(graphemes[:_SUMMARY_WORDS])
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


def _description(item: ScheduledPost) -> str:
    if not item.image:
        return item.text
    alt = f" ({item.image_alt})" if item.image_alt else ""
    return f"{item.text}\n\n{item.image}{alt}"


def build_calendar(
    posts: Sequence[ScheduledPost], *, calendar_name: str, now: dt.datetime
) -> Calendar:
    """The ``icalendar.Calendar`` for ``posts``."""
    from icalendar import Calendar, Event, Timezone

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", calendar_name)
    calendar.add("x-wr-calname", calendar_name)
    stamp = now.astimezone(dt.UTC)
    for item in posts:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.scheduled_at)
        event.add("summary", summary(item), parameters={"LANGUAGE": item.language})
        event.add("description", _description(item), parameters={"LANGUAGE": item.language})
        event.add("url", item.url)
        if item.image and is_image_url(item.image):
            media = image_type(item.image) or "application/octet-stream"
            event.add("attach", item.image, parameters={"FMTTYPE": media})
        event.add("categories", [item.channel, item.locale])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    if posts:
        # One VTIMEZONE per zone the events use, in name order (icalendar's
        # add_missing_timezones follows a set's order), before the events, covering the years
        # around the posts so that an event moved in the calendar keeps its right offset.
        # (icalendar cannot look past 9999-01-01: a post later in 9999 gets the zone's last
        # observance.)
        years = [item.scheduled_at.year for item in posts]
        first = dt.date(max(min(years) - 1, dt.MINYEAR), 1, 1)
        last = dt.date(min(max(years) + 2, dt.MAXYEAR), 1, 1)
        for index, tzid in enumerate(sorted(calendar.get_missing_tzids())):
            zone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
            calendar.subcomponents.insert(index, zone)
    return calendar


def ics_bytes(posts: Sequence[ScheduledPost], *, calendar_name: str, now: dt.datetime) -> bytes:
    """The calendar as an ``.ics`` file (UTF-8, CRLF, lines folded at 75 octets)."""
    calendar = build_calendar(posts, calendar_name=calendar_name, now=now)
    data: bytes = calendar.to_ical()
    return data
