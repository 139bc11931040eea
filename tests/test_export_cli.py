"""``outreach export`` end to end: outputs, exit codes, atomic and all-or-nothing writes; a
refused translation never reaches an export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import SHARE_POST, edit_po, po_path, run_cli, tree
from test_export_support import make_campaign

from outreach.export import FORMATS

START = "2030-12-02T09:00"  # a Monday, safely in the future for the real clock


def test_format_names_match_the_library() -> None:
    from outreach.cli import _EXPORT_FORMATS

    assert _EXPORT_FORMATS == FORMATS


def test_csv_to_stdout_parses_back(tmp_path: Path) -> None:
    root = make_campaign(tmp_path)
    code, out, err = run_cli(root, "export", "-c", "x", "--format", "csv", "--start", START)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [(r["message"], r["locale"], r["scheduled_at"]) for r in rows] == [
        ("petition", "en", "2030-12-02T09:00:00-05:00"),
        ("petition", "es", "2030-12-02T09:00:00+01:00"),
        ("share", "en", "2030-12-02T09:00:00-05:00"),
        ("share", "es", "2030-12-02T09:00:00+01:00"),
    ]
    assert rows[3]["text"].startswith("El amor siempre gana.\nMira")


def test_json_ics_and_mastodon_to_files(tmp_path: Path) -> None:
    from icalendar import Calendar

    root = make_campaign(tmp_path / "c")
    base = ["export", "--start", START, "--every", "1d", "--message", "share"]
    code, out, err = run_cli(
        root, *base, "-c", "x", "--format", "json", "--out", str(tmp_path / "p.json")
    )
    assert code == 0, err
    assert "2 posts" in out
    assert [d["locale"] for d in json.loads((tmp_path / "p.json").read_text("utf-8"))] == [
        "en",
        "es",
    ]
    code, _, err = run_cli(
        root, *base, "-c", "x", "--format", "ics", "--out", str(tmp_path / "p.ics")
    )
    assert code == 0, err
    events = Calendar.from_ical((tmp_path / "p.ics").read_bytes()).walk("VEVENT")
    assert [str(e["CATEGORIES"].cats[1]) for e in events] == ["en", "es"]
    code, out, err = run_cli(root, *base, "-c", "mastodon", "--format", "mastodon", "-l", "es")
    assert code == 0, err
    assert json.loads(out)[0]["language"] == "es"


def test_over_limit_post_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    long = "Love always wins. " * 20 + "{{ url }} {{ hashtag }}"
    root = make_campaign(
        tmp_path / "c", posts={"long": long, "share": "Hi {{ url }} {{ hashtag }}"}
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "posts.csv"
    code, out, err = run_cli(
        root, "export", "-c", "x", "--format", "csv", "--start", START, "--out", str(target)
    )
    assert code == 1
    assert out == ""
    assert "long (en, x): " in err and "over the limit of 280" in err
    assert "Traceback" not in err
    assert tree(out_dir) == set(), "no file, not even a temporary one"


def test_an_existing_output_is_left_alone_on_failure(tmp_path: Path) -> None:
    root = make_campaign(tmp_path / "c")
    target = tmp_path / "posts.csv"
    target.write_text("previous export\n", encoding="utf-8")
    code, _, err = run_cli(
        root,
        "export",
        "-c",
        "x",
        "--format",
        "csv",
        "--start",
        "2001-01-01T09:00",
        "-o",
        str(target),
    )
    assert code == 1 and "in the past" in err
    assert target.read_text(encoding="utf-8") == "previous export\n"


def test_formula_translation_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    formula = "=SUMA(1;1) Firma: %(url)s %(hashtag)s"
    root = make_campaign(tmp_path / "c", translations={"es": {"share": formula}})
    target = tmp_path / "posts.csv"
    code, out, err = run_cli(
        root, "export", "-c", "x", "--format", "csv", "--start", START, "-o", str(target)
    )
    assert code == 1 and out == ""
    assert "share (es, x): the text starts with “=”" in err
    assert not target.exists()


def test_hootsuite_split_needs_out_and_writes_numbered_files(tmp_path: Path) -> None:
    messages = {f"m{n}": f"Post {n}: {{{{ url }}}} {{{{ hashtag }}}}" for n in range(4)}
    root = make_campaign(tmp_path / "c", posts=messages, translations={})
    args = ["export", "-c", "x", "--format", "hootsuite", "--start", START, "--every", "1h"]
    args += ["--stagger", "5m", "--tz", "Europe/Madrid", "--max-rows", "3"]
    code, out, err = run_cli(root, *args)
    assert code == 2 and out == ""
    assert "pass --out FILE" in err
    target = tmp_path / "out" / "hoot.csv"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "hoot-4.csv").write_text("stale", encoding="utf-8")
    code, out, err = run_cli(root, *args, "--out", str(target))
    assert code == 0, err
    assert tree(tmp_path / "out") == {"hoot-1.csv", "hoot-2.csv", "hoot-3.csv", "hoot-4.csv"}
    assert "hoot-4.csv is from an earlier export" in err
    rows = [
        row
        for n in (1, 2, 3)
        for row in csv.reader(io.StringIO((tmp_path / "out" / f"hoot-{n}.csv").read_text("utf-8")))
    ]
    assert len(rows) == 8
    assert rows[0] == ["12/02/2030 15:00", "Post 0: https://example.org/love #LoveWins", ""]


def test_profile_without_tz_says_it_wrote_utc(tmp_path: Path) -> None:
    root = make_campaign(tmp_path)
    code, out, err = run_cli(
        root, "export", "-c", "x", "--format", "buffer", "--start", START, "-m", "share"
    )
    assert code == 0, err
    assert "written in UTC" in err
    assert out.splitlines()[0] == "Text,Image URL,Tags,Posting Time"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    root = make_campaign(tmp_path)
    base = ["export", "-c", "x", "--start", START]
    cases = [
        (["--format", "csv", "--every", "soon"], "duration 'soon'"),
        (["--format", "csv", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["--format", "csv", "--message", "nope"], "no message 'nope'"),
        (["--format", "csv", "--locale", "de"], "no locale 'de'"),
        (["--format", "hootsuite", "--bom"], "--bom applies to --format csv only"),
        (["--format", "mastodon"], "--channel mastodon"),
    ]
    for extra, expected in cases:
        code, out, err = run_cli(root, *base, *extra)
        assert (code, out) == (2, ""), (extra, err)
        assert expected in err and "Traceback" not in err
    code, _, err = run_cli(root, "export", "-c", "email", "--format", "csv", "--start", START)
    assert code == 2 and "not a post channel" in err
    code, _, _ = run_cli(root, "export", "-c", "x", "--format", "xlsx", "--start", START)
    assert code == 2


def test_example_campaign_exports_on_each_audiences_clock() -> None:
    root = Path(__file__).resolve().parents[1]
    code, out, err = run_cli(
        root, "export", "-c", "x", "--format", "json", "--start", START, "--every", "1d"
    )
    assert code == 0, err
    posts = json.loads(out)
    assert [p["locale"] for p in posts[:4]] == ["en", "es", "fr", "pt"]
    assert [p["scheduled_at"] for p in posts[:4]] == [
        "2030-12-02T09:00:00-05:00",
        "2030-12-02T09:00:00+01:00",
        "2030-12-02T09:00:00+01:00",
        "2030-12-02T09:00:00-03:00",
    ]
    assert all("#LoveAlwaysWins" in p["text"] and p["length"] <= 280 for p in posts)


def test_daily_calendar_across_dst_keeps_nine_local(tmp_path: Path) -> None:
    """New York springs forward on 2031-03-09, Madrid on 2031-03-30: still 09:00 locally."""
    from icalendar import Calendar

    messages = {f"m{n:02d}": f"Day {n}: {{{{ url }}}} {{{{ hashtag }}}}" for n in range(30)}
    root = make_campaign(tmp_path / "c", posts=messages, translations={})
    target = tmp_path / "march.ics"
    code, _, err = run_cli(
        root, "export", "-c", "x", "--format", "ics", "--start", "2031-03-05T09:00",
        "--every", "1d", "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    events = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    starts = [e.decoded("DTSTART") for e in events]
    assert len(starts) == 60
    assert {(s.hour, s.minute) for s in starts} == {(9, 0)}
    assert len({s.utcoffset() for s in starts[0::2]}) == 2  # New York: EST, then EDT
    assert len({s.utcoffset() for s in starts[1::2]}) == 2  # Madrid: CET, then CEST


def test_a_schedule_beyond_the_year_9999_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    root = make_campaign(tmp_path, zones={})
    cases = [
        (["--start", START, "--every", "99999999999d"], "--every 99999999999d puts a post"),
        (["--start", "9999-12-31T23:00", "--every", "1d"], "--every 1d puts a post beyond"),
        (["--start", START, "--stagger", "999999999999h"], "--stagger 999999999999h puts a"),
        (["--start", "9999-12-31T23:00", "--tz", "America/New_York"], "--start 9999-12-31T23:00"),
    ]
    for args, message in cases:
        code, out, err = run_cli(root, "export", "-c", "x", "--format", "csv", *args)
        assert code == 2, err
        assert out == ""
        assert message in err and "the year 9999" in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_posts_in_the_year_9999_export_or_fail_cleanly(tmp_path: Path) -> None:
    root = make_campaign(tmp_path, zones={"en": "UTC", "es": "America/New_York"})
    base = ["export", "-c", "x", "--start", "9999-12-31T10:00", "--stagger", "10m"]
    code, out, err = run_cli(root, *base, "--format", "ics")  # zones cover up to 9999-01-01
    assert code == 0, err
    assert "DTSTART:99991231T100000Z" in out and "DTSTART;TZID=America/New_York" in out
    code, out, err = run_cli(root, *base, "--format", "sprout", "--tz", "Pacific/Kiritimati")
    assert code == 2
    assert "--tz Pacific/Kiritimati:" in err and "outside the years 1 to 9999" in err
    assert "Traceback" not in err


# -- untrusted translations -------------------------------------------------------------------
@pytest.mark.parametrize(
    "translation",
    [
        "Mira \u202e %(url)s %(hashtag)s",  # a bidi override
        "Mira @iocmedia %(url)s %(hashtag)s",  # a new mention
        "Mira https://evil.com %(url)s %(hashtag)s",  # a hijack compile refuses
    ],
)
def test_a_refused_entry_never_reaches_an_export(example: Path, translation: str) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: translation})
    code, out, err = run_cli(
        example, "export", "-c", "mastodon", "--format", "json", "--start", "2099-01-01T09:00"
    )
    # that post is held; every other post is exported, and the held locale is named
    assert code == 1 and "held back: es" in err
    bodies = json.loads(out)
    assert bodies and "evil.com" not in out and "@iocmedia" not in out
    assert {(b["message"], b["locale"]) for b in bodies} >= {("share", "fr"), ("petition", "es")}
    assert ("share", "es") not in {(b["message"], b["locale"]) for b in bodies}
