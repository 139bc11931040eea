"""Regressions from an attack on the caches: cases where ``render``'s recalled output differs
from a fresh run.

Each test failed while its finding stood; each passes since the fix its docstring names.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
SRC = str(Path(__file__).parent.parent / "src")


def _outreach(cwd: Path, cache: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """``outreach args...`` in a fresh process (what a user's shell runs)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONTZ")}
    environment.update(PYTHONPATH=SRC, OUTREACH_CACHE_DIR=str(cache), **env)
    done = subprocess.run(
        [sys.executable, "-c", "from outreach.cli import main; main()", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.skipif(not Path("/usr/share/zoneinfo/Asia/Tokyo").is_file(), reason="no tz data")
def test_attack_time_zone_database_is_not_in_the_key(tmp_path: Path) -> None:
    """Once a finding (wrong output): the time zone rules the ``datetime`` filter uses are
    not part of the key. Here PYTHONTZPATH points zoneinfo at other rules (as an OS tzdata
    upgrade does when a country changes its offset): a fresh run prints 6:00 PM, the
    recalled output still says 10:00 AM. Fixed: the zone rules a render used are recorded as
    one of its reads and read again before a replay."""
    campaign = tmp_path / "c"
    shutil.copytree(FIXTURE, campaign)
    toml = campaign / "messages" / "campaign.toml"
    toml.write_text(toml.read_text() + '\n[campaign.timezones]\nen = "Europe/Paris"\n')
    share = campaign / "messages" / "share.j2"
    share.write_text(
        share.read_text().replace(
            "{% block post %}",
            '{% block post %}{{ "2026-12-10T09:00:00+00:00"|datetime("full") }} ',
        )
    )
    rules = tmp_path / "tz" / "Europe"
    rules.mkdir(parents=True)
    shutil.copy("/usr/share/zoneinfo/Asia/Tokyo", rules / "Paris")  # new rules for Paris
    command = ("-C", str(campaign), "render", "share", "-c", "x")
    first = _outreach(tmp_path, tmp_path / "cache", *command)
    assert first[0] == 0 and "10:00:00" in first[1], first
    changed = {"PYTHONTZPATH": str(tmp_path / "tz")}
    fresh = _outreach(tmp_path, tmp_path / "empty", *command, **changed)
    assert "6:00:00" in fresh[1], fresh
    assert _outreach(tmp_path, tmp_path / "cache", *command, **changed) == fresh


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads /proc's VmHWM")
def test_attack_a_crafted_cache_file_costs_far_more_memory_than_documented(
    tmp_path: Path,
) -> None:
    """Once a finding (security, low: needs write access to one cache file): cache.py reads a
    file of up to _MAX_BYTES (64 MiB) because "JSON takes about 4.5 times its size in
    memory"; a file of empty lists (``[[],[],...]``, 3 bytes each, 56+8 bytes in Python)
    takes ~26 times: render's ``.rendered.json`` so crafted made one ``outreach render``
    peak at ~1.6 GB (measured 1,653,876 KB for json.loads alone) and parse for 14 s before
    the MAC check rejects it. Fixed: a large cache file whose strings or lists are denser than
    any cache writes is not parsed (cache._plausible)."""
    from outreach.cache import _MAX_BYTES, CheckCache

    campaign = tmp_path / "c"
    shutil.copytree(FIXTURE, campaign)
    cache = tmp_path / "cache"
    store = CheckCache.open(cache, os.path.realpath(campaign))
    target = store.path("rendered")
    assert target is not None
    count = (_MAX_BYTES - 64) // 3
    with open(target, "w") as stream:
        stream.write('{"schema":5,"values":{"k":[' + ",".join(["[]"] * count) + "]}}")
    os.chmod(target, 0o600)
    assert target.stat().st_size <= _MAX_BYTES
    script = (
        "import sys\n"
        "from outreach.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        # VmHWM: this process's own peak (ru_maxrss would carry the forking test runner's
        # pages across exec: the whole suite's memory)
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr)\n"
    )
    environment = dict(os.environ, PYTHONPATH=SRC, OUTREACH_CACHE_DIR=str(cache))
    done = subprocess.run(
        [sys.executable, "-c", script, "-C", str(campaign), "render", "share", "-c", "x"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    assert "== share" in done.stdout, done
    # the documented bound: 4.5 x the largest file, plus ~150 MB for outreach itself
    assert peak_kb * 1024 < 4.5 * _MAX_BYTES + (150 << 20), f"peak {peak_kb} KB"
