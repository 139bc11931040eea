"""Time planning: durations, wall-clock starts, per-audience zones, DST, validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_export_support import NOW, make_campaign

from outreach.campaign import load_campaign
from outreach.errors import LocaleError, ProblemsFound, UsageError
from outreach.export import (
    Duration,
    parse_duration,
    parse_start,
    plan_posts,
    slot,
    zone_for,
)

NEW_YORK = ZoneInfo("America/New_York")
MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", Duration(0, 1800)),
        ("30min", Duration(0, 1800)),
        ("2h", Duration(0, 7200)),
        ("1h30m", Duration(0, 5400)),
        ("1d", Duration(1, 0)),
        ("1w", Duration(7, 0)),
        ("PT30M", Duration(0, 1800)),
        ("P1D", Duration(1, 0)),
        ("P1DT12H", Duration(1, 43200)),
        ("P2W", Duration(14, 0)),
        ("pt45s", Duration(0, 45)),
        ("0", Duration()),
    ],
)
def test_durations(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "P1DT", "1mo", "-1h", "soon", "P1M", "P1Y", "1 day"]
)
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


def test_start_with_and_without_offset() -> None:
    assert parse_start("2026-12-01T09:00") == dt.datetime(2026, 12, 1, 9, 0)
    assert parse_start("2026-12-01 09:00:30") == dt.datetime(2026, 12, 1, 9, 0, 30)
    aware = parse_start("2026-12-01T09:00+01:00")
    assert aware.utcoffset() == dt.timedelta(hours=1)
    assert parse_start("2026-12-01T08:00Z") == aware
    with pytest.raises(UsageError, match="needs a time of day"):
        parse_start("2026-12-01")
    with pytest.raises(UsageError, match="ISO 8601"):
        parse_start("tomorrow at nine")


def test_daily_schedule_across_dst_keeps_nine_local() -> None:
    """US DST starts 2027-03-14, EU DST 2027-03-28: 09:00 stays 09:00 on both clocks."""
    start = parse_start("2027-03-12T09:00")
    every = parse_duration("1d")
    for zone, change in ((NEW_YORK, dt.date(2027, 3, 14)), (MADRID, dt.date(2027, 3, 28))):
        days = (change - start.date()).days + 2
        slots = [slot(start, zone, every, k) for k in range(days)]
        assert {(s.hour, s.minute) for s in slots} == {(9, 0)}
        offsets = {s.utcoffset() for s in slots}
        assert len(offsets) == 2, "the schedule must cross the change"
        utc_hours = {s.astimezone(dt.UTC).hour for s in slots}
        assert len(utc_hours) == 2, "the instant moves by an hour; the local hour does not"


def test_autumn_change_keeps_nine_local_and_exact_hours_do_not() -> None:
    start = parse_start("2026-10-24T09:00")
    assert slot(start, MADRID, parse_duration("P1D"), 1).isoformat() == "2026-10-25T09:00:00+01:00"
    assert slot(start, MADRID, parse_duration("PT24H"), 1).isoformat() == (
        "2026-10-25T08:00:00+01:00"
    )


def test_skipped_and_repeated_wall_times() -> None:
    # 02:30 does not exist in New York on 2027-03-14: it moves forward by the gap.
    assert slot(parse_start("2027-03-14T02:30"), NEW_YORK, Duration(), 0).isoformat() == (
        "2027-03-14T03:30:00-04:00"
    )
    # 01:30 happens twice on 2026-11-01: the first one (still EDT) is taken.
    assert slot(parse_start("2026-11-01T01:30"), NEW_YORK, Duration(), 0).isoformat() == (
        "2026-11-01T01:30:00-04:00"
    )


def test_explicit_offset_is_one_instant_and_days_still_keep_local_time() -> None:
    start = parse_start("2027-03-13T14:00Z")  # 09:00 in New York (EST)
    first, second = (slot(start, NEW_YORK, parse_duration("1d"), k) for k in range(2))
    assert first.isoformat() == "2027-03-13T09:00:00-05:00"
    assert second.isoformat() == "2027-03-14T09:00:00-04:00"
    madrid = slot(start, MADRID, Duration(), 0)
    assert madrid == first and madrid.isoformat() == "2027-03-13T15:00:00+01:00"


def test_zone_fallbacks(tmp_path: Path) -> None:
    campaign = load_campaign(make_campaign(tmp_path, locales=("en", "es", "pt_BR"), zones={}))
    assert zone_for(campaign, "en") == "UTC"
    assert zone_for(campaign, "es", "Asia/Tokyo") == "Asia/Tokyo"
    zoned = load_campaign(
        make_campaign(tmp_path / "z", locales=("en", "pt_BR"), zones={"pt": "America/Sao_Paulo"})
    )
    assert zone_for(zoned, "pt_BR", "Europe/Lisbon") == "America/Sao_Paulo"


def test_plan_posts_uses_each_audiences_clock_in_a_stable_order(tmp_path: Path) -> None:
    campaign = load_campaign(make_campaign(tmp_path))
    posts = plan_posts(campaign, "x", "2026-12-01T09:00", "1d", locales=["es", "en"], now=NOW)
    assert [(p.message, p.locale) for p in posts] == [
        ("petition", "en"),
        ("petition", "es"),
        ("share", "en"),
        ("share", "es"),
    ]
    assert [p.scheduled_at.isoformat() for p in posts] == [
        "2026-12-01T09:00:00-05:00",
        "2026-12-01T09:00:00+01:00",
        "2026-12-02T09:00:00-05:00",
        "2026-12-02T09:00:00+01:00",
    ]
    assert posts[1].zone == "Europe/Madrid" and posts[1].language == "es"
    assert posts[3].text.startswith("El amor siempre gana.\nMira el corto")


def test_filters_stagger_and_tz_fallback(tmp_path: Path) -> None:
    campaign = load_campaign(make_campaign(tmp_path, zones={"es": "Europe/Madrid"}))
    posts = plan_posts(
        campaign,
        "mastodon",
        "2026-12-01T09:00",
        "2h",
        "Asia/Tokyo",
        ["share"],
        None,
        NOW,
        stagger="10m",
    )
    assert [(p.locale, p.zone, p.scheduled_at.strftime("%H:%M")) for p in posts] == [
        ("en", "Asia/Tokyo", "09:00"),
        ("es", "Europe/Madrid", "09:10"),
    ]


def test_uids_are_stable_and_distinct(tmp_path: Path) -> None:
    campaign = load_campaign(make_campaign(tmp_path))
    first = plan_posts(campaign, "x", "2026-12-01T09:00", "1d", now=NOW)
    again = plan_posts(campaign, "x", "2027-01-05T18:30", "3h", now=NOW)
    assert [p.uid for p in first] == [p.uid for p in again]
    assert len({p.uid for p in first}) == len(first)
    other_channel = plan_posts(campaign, "bluesky", "2026-12-01T09:00", now=NOW)
    assert not {p.uid for p in other_channel} & {p.uid for p in first}


def test_past_posts_fail_naming_message_locale_and_channel(tmp_path: Path) -> None:
    campaign = load_campaign(make_campaign(tmp_path))
    with pytest.raises(ProblemsFound) as caught:
        plan_posts(campaign, "x", "2026-11-01T09:00", "1d", now=NOW)
    problems = [str(p) for p in caught.value.problems]
    # 09:00 in New York (13:00 UTC) is still ahead of NOW (12:00 UTC); 09:00 in Madrid is not.
    assert problems == [
        "petition (es, x): scheduled at 2026-11-01T09:00:00+01:00 (Europe/Madrid), which is in "
        "the past (now 2026-11-01T12:00:00+00:00)"
    ]
    assert caught.value.exit_code == 1


def test_over_limit_and_cut_hashtags_fail(tmp_path: Path) -> None:
    long = "Love always wins. " * 20 + "{{ url }} {{ hashtag }}"
    campaign = load_campaign(
        make_campaign(
            tmp_path,
            posts={"long": long, "share": "Share: {{ url }} {{ hashtag }}"},
            translations={"es": {"share": "Comparte: %(url)s #L’Amor %(hashtag)s"}},
        )
    )
    with pytest.raises(ProblemsFound) as caught:
        plan_posts(campaign, "x", "2026-12-01T09:00", "1d", now=NOW)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith("long (en, x): ") and "over the limit of 280" in p for p in problems)
    assert any(p.startswith("long (es, x): ") and "over the limit" in p for p in problems)
    assert any(p.startswith("share (es, x): #L’Amor would be cut") for p in problems)
    # Mastodon allows 500: the long post fits there.
    with pytest.raises(ProblemsFound) as on_mastodon:
        plan_posts(campaign, "mastodon", "2026-12-01T09:00", "1d", now=NOW)
    assert all("long" not in str(p) for p in on_mastodon.value.problems)


def test_bad_arguments_are_usage_errors(tmp_path: Path) -> None:
    campaign = load_campaign(make_campaign(tmp_path))
    with pytest.raises(UsageError, match="unknown channel"):
        plan_posts(campaign, "myspace", "2026-12-01T09:00", now=NOW)
    with pytest.raises(UsageError, match="not a post channel"):
        plan_posts(campaign, "email", "2026-12-01T09:00", now=NOW)
    with pytest.raises(UsageError, match="unknown time zone"):
        plan_posts(campaign, "x", "2026-12-01T09:00", tz="Mars/Olympus", now=NOW)
    with pytest.raises(UsageError, match="no message"):
        plan_posts(campaign, "x", "2026-12-01T09:00", messages=["nope"], now=NOW)
    with pytest.raises(LocaleError):
        plan_posts(campaign, "x", "2026-12-01T09:00", locales=["fr"], now=NOW)
    with pytest.raises(UsageError, match="timezone-aware"):
        plan_posts(campaign, "x", "2026-12-01T09:00", now=dt.datetime(2026, 1, 1))


def test_a_post_without_the_campaign_hashtag_is_a_problem(tmp_path: Path) -> None:
    from outreach.export import ScheduledPost, post_problems
    from outreach.render import Post

    campaign = load_campaign(make_campaign(tmp_path))
    at = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    bare = Post("share", "es", "x", "El amor gana #LoveWinsToday", 27, 280)
    tagged = Post("share", "es", "x", "El amor gana #LoveWins.", 23, 280)
    posts = [ScheduledPost(p, at, "UTC", campaign.url, "es", "u") for p in (bare, tagged)]
    assert post_problems(posts, campaign, NOW) == [
        "share (es, x): the post does not carry #LoveWins"
    ]


def test_the_export_safeguard_uses_has_hashtag(tmp_path: Path) -> None:
    from outreach.export import ScheduledPost, post_problems
    from outreach.render import Post

    campaign = load_campaign(make_campaign(tmp_path))
    at = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    texts = {
        "El amor gana ＃LoveWins": [],  # the full-width spelling is the same tag
        "El amor gana #lovewins": [],  # so is another letter case
        "El amor gana ＃LoveWinsToo": ["does not carry"],
        "El amor gana ##LoveWins": ["does not carry"],
        "Firma: https://example.org/#LoveWins": ["does not carry"],  # inside the link
    }
    for text, expected in texts.items():
        post = ScheduledPost(Post("share", "es", "x", text, 20, 280), at, "UTC", "", "es", "u")
        problems = post_problems([post], campaign, NOW)
        assert [p for p in expected if not any(p in q for q in problems)] == [], text
        assert len(problems) == len(expected), (text, problems)


@pytest.mark.parametrize(
    ("start", "options", "message"),
    [
        ("2026-12-01T09:00", {"every": "99999999999d"}, "--every 99999999999d puts a post beyond"),
        ("9999-12-31T23:00", {"every": "1d"}, "--start 9999-12-31T23:00 in America/New_York"),
        ("9999-12-31T20:00Z", {"every": "PT5H"}, "--every PT5H puts a post beyond the year 9999"),
        ("2026-12-01T09:00", {"stagger": "99999999999w"}, "--stagger 99999999999w puts"),
    ],
)
def test_a_slot_outside_the_years_1_to_9999_is_a_usage_error(
    tmp_path: Path, start: str, options: dict[str, str], message: str
) -> None:
    campaign = load_campaign(make_campaign(tmp_path))
    with pytest.raises(UsageError, match="year") as caught:
        plan_posts(campaign, "x", start, now=dt.datetime.min.replace(tzinfo=dt.UTC), **options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_start_before_the_year_1_in_utc_is_a_usage_error(tmp_path: Path) -> None:
    campaign = load_campaign(make_campaign(tmp_path, zones={"en": "UTC", "es": "Asia/Tokyo"}))
    with pytest.raises(UsageError) as caught:
        plan_posts(campaign, "x", "0001-01-01T00:00", now=dt.datetime.min.replace(tzinfo=dt.UTC))
    assert str(caught.value) == (
        "--start 0001-01-01T00:00 in Asia/Tokyo puts a post before the year 1 (in UTC)"
    )
