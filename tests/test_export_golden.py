"""Golden files for every export format, from the test campaign of test_export_support.

Regenerate with ``OUTREACH_UPDATE_GOLDEN=1 pytest tests/test_export_golden.py`` and review the
diff. Files are compared byte for byte (CRLF record ends, UTF-8, no BOM unless asked); the
library runs with a fixed ``now``, so only the command-line calendar, made with the real
clock, has a volatile field to mask: ``DTSTAMP``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Golden, run_cli
from test_export_support import NOW, make_campaign

from outreach.campaign import load_campaign
from outreach.export import ScheduledPost, export_files, plan_posts


@pytest.fixture(scope="module")
def campaign_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_campaign(tmp_path_factory.mktemp("golden") / "c", locales=("en", "es", "pt_BR"))


def _plan(campaign_dir: Path, channel: str) -> list[ScheduledPost]:
    return plan_posts(
        load_campaign(campaign_dir), channel, "2026-12-01T09:00", "1d", stagger="5m", now=NOW
    )


CASES = [
    ("csv", "x", {}, ["posts.csv"]),
    ("csv", "x", {"bom": True}, ["posts-bom.csv"]),
    ("json", "x", {}, ["posts.json"]),
    ("ics", "x", {"calendar_name": "Export Test · x"}, ["posts.ics"]),
    ("buffer", "x", {"tz": "Europe/Madrid"}, ["buffer.csv"]),
    (
        "hootsuite",
        "x",
        {"tz": "America/New_York", "max_rows": 4},
        ["hootsuite-1.csv", "hootsuite-2.csv"],
    ),
    ("sprout", "x", {"tz": "UTC", "day_first": True}, ["sprout.csv"]),
    ("mastodon", "mastodon", {}, ["mastodon.json"]),
]


@pytest.mark.parametrize(("fmt", "channel", "options", "names"), CASES)
def test_export_golden(
    campaign_dir: Path,
    golden: Golden,
    fmt: str,
    channel: str,
    options: dict[str, object],
    names: list[str],
) -> None:
    files = export_files(_plan(campaign_dir, channel), fmt, now=NOW, **options)  # type: ignore[arg-type]
    assert len(files) == len(names)
    for name, data in zip(names, files, strict=True):
        golden(f"export/{name}", data)


def test_cli_calendar_golden_with_dtstamp_masked(
    campaign_dir: Path, tmp_path: Path, golden: Golden
) -> None:
    target = tmp_path / "calendar.ics"
    code, _, err = run_cli(
        campaign_dir,
        "export",
        "-c",
        "x",
        "--format",
        "ics",
        "--start",
        "2030-12-02T09:00",
        "--every",
        "1d",
        "-m",
        "share",
        "-o",
        str(target),
    )
    assert code == 0, err
    golden("export/cli-share.ics", target.read_bytes(), mask=[r"DTSTAMP:(\d{8}T\d{6}Z)"])
