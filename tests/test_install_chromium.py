"""tools/install-chromium brings the tested chromium, or a later security update of it.

The script runs against stand-ins for apt-get, dpkg-query, id and the browser (a directory
first on PATH); dpkg itself compares the versions, as on the real machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_preview_browser import _pinned_chromium, older_than_tested

ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "tools" / "install-chromium"

pytestmark = pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs Debian's dpkg")


def _stub(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _run(tmp_path: Path, installed: str | None, *, archive_has_pinned: bool = True) -> list[str]:
    """Run the script with chromium at ``installed`` (``None``: not installed); what it asked
    apt-get to do."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "apt.log"
    browser = tmp_path / "chromium"
    if installed is not None:
        _stub(tmp_path, "chromium", f'echo "Chromium {installed}"')
    _stub(stubs, "dpkg-query", f"echo -n '{installed or ''}'" if installed else "exit 1")
    _stub(stubs, "id", "echo 0")
    refuse = "" if archive_has_pinned else 'case "$*" in *chromium=*) exit 100;; esac\n'
    _stub(stubs, "apt-get", f'echo "$*" >> {log}\n{refuse}exit 0')
    env = {**os.environ, "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}"}
    env["CHROMIUM"] = str(browser)
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines() if log.exists() else []


def test_the_tested_version_or_a_newer_one_is_kept(tmp_path: Path) -> None:
    pinned = _pinned_chromium()
    assert _run(tmp_path, pinned) == []
    newer = tmp_path / "newer"
    newer.mkdir()
    assert _run(newer, pinned.replace("-1~", ".1-1~", 1)) == []


def test_an_older_chromium_is_upgraded_to_the_tested_version(tmp_path: Path) -> None:
    calls = _run(tmp_path, "150.0.7871.100-1~deb12u1")
    pinned = _pinned_chromium()
    assert calls[0] == "update -qq"
    assert calls[1] == f"install -y -qq chromium={pinned} chromium-common={pinned}"


def test_when_the_archive_dropped_it_the_current_one_is_installed(tmp_path: Path) -> None:
    calls = _run(tmp_path, None, archive_has_pinned=False)
    assert calls[-1] == "install -y -qq chromium"


def test_the_browser_tests_warn_only_for_an_older_chromium() -> None:
    pinned = _pinned_chromium()
    assert not older_than_tested(pinned, pinned)
    assert not older_than_tested("156.0.8078.129-1~deb12u1", "156.0.8078.114-1~deb12u1")
    assert older_than_tested("150.0.7871.100-1~deb12u1", "156.0.8078.114-1~deb12u1")
