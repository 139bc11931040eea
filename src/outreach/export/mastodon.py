"""Mastodon: a JSON list of ready ``POST /api/v1/statuses`` bodies, one per post.

Each body is ``{"status", "language", "scheduled_at", "visibility"}``: ``language`` is the
ISO 639 code Mastodon accepts (``pt_BR`` → ``pt``; Chinese keeps its region, ``zh-TW``),
``scheduled_at`` ISO 8601 with the audience's offset, ``visibility`` ``public`` (a campaign
post that is not public never reaches its hashtag's timeline). Send each body as JSON with
the account's token; Mastodon answers a scheduled status with a ``ScheduledStatus``.

A post with an image adds ``media``: ``[{"url": ..., "description": ...}]`` (or ``"file"``
for a path in the campaign), which the API does not take in this request: upload each
with ``POST /api/v2/media`` (``file``, ``description`` as its alt text, at most 1,500
characters as ``MediaAttachment::MAX_DESCRIPTION_LENGTH`` says), then send the body with
``media_ids`` in place of ``media``.

Mastodon's own rules (``app/models/scheduled_status.rb`` and ``PostStatusService``) are
checked before anything is written: a scheduled status must be *more than* 5 minutes in the
future, an account holds at most 300 scheduled statuses and 25 per day (the UTC date of
``scheduled_at``). Statuses the account already has scheduled count too: outreach cannot see
them.

>>> mastodon_language("pt_BR"), mastodon_language("zh_Hant_TW"), mastodon_language("es")
('pt', 'zh-TW', 'es')
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from outreach.export.schedule import ScheduledPost, iso
from outreach.files import json_document
from outreach.settings import is_image_url

__all__ = [
    "DAILY_LIMIT",
    "MAX_DESCRIPTION",
    "MIN_OFFSET",
    "TOTAL_LIMIT",
    "mastodon_bodies",
    "mastodon_bytes",
    "mastodon_language",
    "mastodon_problems",
]

MIN_OFFSET = dt.timedelta(minutes=5)
#: Mastodon's ``MediaAttachment::MAX_DESCRIPTION_LENGTH`` (alt text, in characters).
MAX_DESCRIPTION = 1500
TOTAL_LIMIT = 300
DAILY_LIMIT = 25
_ZH_REGIONS = {"CN": "zh-CN", "SG": "zh-CN", "HK": "zh-HK", "MO": "zh-HK", "TW": "zh-TW"}


def mastodon_language(locale: str) -> str:
    """The ``language`` Mastodon accepts for a campaign locale (``pt-BR`` or ``pt_BR``)."""
    from outreach.locales import babel_locale

    parsed = babel_locale(locale)
    if parsed.language == "zh":
        if parsed.territory in _ZH_REGIONS:
            return _ZH_REGIONS[parsed.territory]
        return "zh-TW" if parsed.script == "Hant" else "zh-CN"
    return str(parsed.language)


def mastodon_bodies(posts: Sequence[ScheduledPost]) -> list[dict[str, Any]]:
    """The request bodies, in the export's order."""
    bodies: list[dict[str, Any]] = []
    for item in posts:
        body: dict[str, Any] = {
            "status": item.text,
            "language": mastodon_language(item.language),
            "scheduled_at": iso(item.scheduled_at),
            "visibility": "public",
        }
        if item.image:
            where = "url" if is_image_url(item.image) else "file"
            body["media"] = [{where: item.image, "description": item.image_alt}]
        bodies.append(body)
    return bodies


def mastodon_problems(posts: Sequence[ScheduledPost], now: dt.datetime) -> list[str]:
    """What Mastodon would refuse: too soon, more than 300 in all or 25 on one (UTC) day."""
    problems: list[str] = []
    for item in posts:
        if item.scheduled_at <= now + MIN_OFFSET:
            problems.append(
                f"{item.where}: Mastodon schedules a status only more than 5 minutes ahead; "
                f"{iso(item.scheduled_at)} is not"
            )
    if len(posts) > TOTAL_LIMIT:
        problems.append(
            f"{len(posts)} statuses: a Mastodon account holds at most {TOTAL_LIMIT} scheduled "
            "statuses; export fewer messages or locales (--message, --locale)"
        )
    for item in posts:
        if item.image and len(item.image_alt) > MAX_DESCRIPTION:
            problems.append(
                f"{item.where}: the image's alt text is {len(item.image_alt):,} characters; "
                f"Mastodon takes at most {MAX_DESCRIPTION:,}"
            )
    per_day = Counter(item.scheduled_at.astimezone(dt.UTC).date() for item in posts)
    for day, count in sorted(per_day.items()):
        if count > DAILY_LIMIT:
            problems.append(
                f"{count} statuses on {day.isoformat()} (UTC): Mastodon takes at most "
                f"{DAILY_LIMIT} scheduled statuses a day; spread them with --every"
            )
    return problems


def mastodon_bytes(posts: Sequence[ScheduledPost]) -> bytes:
    """The JSON document (UTF-8, indented, one body per list item)."""
    return json_document(mastodon_bodies(posts))
