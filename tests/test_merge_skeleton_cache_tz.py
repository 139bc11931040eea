"""Regressions from an attack on the caches: a proved skeleton recalled from the cache after
the time zone rules
changed. Each test failed while its finding stood; each passes since the fix its docstring names."""

from __future__ import annotations

import re
import shutil
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from merge_support import HELLO, merge_campaign
from test_merge_skeleton_cache import made, prepared

TOKYO = Path("/usr/share/zoneinfo/Asia/Tokyo")


@pytest.fixture
def tz_rules(tmp_path: Path) -> Iterator[Path]:
    """A time zone database where America/New_York has Tokyo's rules (as an OS tzdata
    upgrade changes a zone's rules); zoneinfo's search path put back afterwards."""
    rules = tmp_path / "tz"
    (rules / "America").mkdir(parents=True)
    shutil.copy(TOKYO, rules / "America" / "New_York")
    before = zoneinfo.TZPATH
    yield rules
    zoneinfo.reset_tzpath(to=before)
    zoneinfo.ZoneInfo.clear_cache()


@pytest.mark.skipif(not TOKYO.is_file(), reason="no system tz data")
def test_attack_a_recalled_skeleton_keeps_the_old_time_zone_rules(
    tmp_path: Path, tz_rules: Path
) -> None:
    """Once a finding (wrong output, sent email): Renderer.fingerprint (the skeleton key)
    has no digest of the tz rules the ``datetime`` filter used; after they change the
    recalled skeleton still says 4:00 AM where a fresh merge says 6:00 PM. Fixed:
    Renderer.fingerprint holds the audience's zone and the digest of its rules
    (outreach.files.zone_rules)."""
    love = merge_campaign(
        tmp_path / "love",
        {
            "hello.j2": HELLO.replace(
                "{% block text %}\n",
                '{% block text %}\n{{ "2026-12-10T09:00:00+00:00"|datetime("full") }}\n',
            )
        },
    )
    cache = tmp_path / "cache"
    first = made(prepared(love, cache), "en")
    assert b"4:00:00" in first, first
    zoneinfo.reset_tzpath(to=[str(tz_rules)])
    zoneinfo.ZoneInfo.clear_cache()
    fresh = made(prepared(love, tmp_path / "empty"), "en")
    assert b"6:00:00" in fresh, fresh
    warm = made(prepared(love, cache), "en")

    def unbounded(data: bytes) -> bytes:
        return re.sub(rb"=+\d{19}==", b"BOUNDARY", data)

    assert unbounded(warm) == unbounded(fresh)
