"""``outreach export``: social posts for schedulers, calendars and APIs.

Two steps, both pure data (the library never prints; only :func:`write_outputs` touches
paths):

1. :func:`plan_posts` renders one post per message × locale for a channel, schedules it on
   its audience's clock and validates it (limit, hashtag, not in the past);
2. :func:`export_files` turns the planned posts into the bytes of one or more files in a
   format: ``csv``, ``json``, ``ics``, ``buffer``, ``hootsuite``, ``sprout`` or ``mastodon``,
   after the checks that format's importer makes.

>>> import datetime as dt
>>> from outreach.campaign import load_campaign
>>> campaign = load_campaign(".")                                      # doctest: +SKIP
>>> now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
>>> posts = plan_posts(campaign, "x", "2026-12-01T09:00", "1d", now=now)  # doctest: +SKIP
>>> posts[1].locale, posts[1].scheduled_at.isoformat()                 # doctest: +SKIP
('es', '2026-12-01T09:00:00+01:00')
>>> [data] = export_files(posts, "csv", now=now)                       # doctest: +SKIP
"""

from __future__ import annotations

from outreach.export.formats import (
    FORMATS,
    PROFILE_FORMATS,
    export_files,
    output_paths,
    stale_outputs,
    write_outputs,
)
from outreach.export.generic import COLUMNS, csv_bytes, json_bytes
from outreach.export.ics import build_calendar, ics_bytes
from outreach.export.mastodon import mastodon_bodies, mastodon_bytes, mastodon_problems
from outreach.export.profiles import PROFILES, Profile, profile, profile_files, profile_problems
from outreach.export.safety import FORMULA_TRIGGERS, formula_problems, formula_trigger
from outreach.export.schedule import (
    Duration,
    ScheduledPost,
    parse_duration,
    parse_start,
    plan_posts,
    post_problems,
    resolve_zone,
    slot,
    zone_for,
)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "FORMULA_TRIGGERS",
    "PROFILES",
    "PROFILE_FORMATS",
    "Duration",
    "Profile",
    "ScheduledPost",
    "build_calendar",
    "csv_bytes",
    "export_files",
    "formula_problems",
    "formula_trigger",
    "ics_bytes",
    "json_bytes",
    "mastodon_bodies",
    "mastodon_bytes",
    "mastodon_problems",
    "output_paths",
    "parse_duration",
    "parse_start",
    "plan_posts",
    "post_problems",
    "profile",
    "profile_files",
    "profile_problems",
    "resolve_zone",
    "slot",
    "stale_outputs",
    "write_outputs",
    "zone_for",
]
