"""Every script in benchmarks/ runs, once, on a tiny budget: a benchmark that no longer runs
(``bench_render.py`` failed its own equality check for a while, unnoticed) fails here.

Each runs as a subprocess with this checkout's ``src`` first on ``PYTHONPATH``, the way
benchmarks/README.md says to run it, and must exit 0. A script whose tools are missing
(GNU time, pofilter, mailmerge, Postfix's smtp-sink, the real-world corpus) is skipped,
saying which. The harness's own helpers are tested in process.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
BIN = Path(sys.executable).parent

#: script -> the arguments of a tiny run, and what it needs
TINY: dict[str, tuple[list[str], list[str]]] = {
    "bench_compile.py": (["--entries", "40", "--rounds", "1"], ["time"]),
    "bench_check.py": (["--entries", "40", "--rounds", "1"], ["time", "pofilter"]),
    "bench_render.py": (["--seconds", "0.05", "--rounds", "1"], ["time"]),
    "bench_startup.py": (["--rounds", "1"], ["time"]),
    "bench_merge.py": (
        [
            "--rows",
            "40",
            "--smtp-rows",
            "20",
            "--mailmerge-rows",
            "20",
            "--mailmerge-smtp-rows",
            "10",
            "--repeat",
            "1",
            "--jobs",
            "1",
            "--rounds",
            "1",
        ],
        ["time", "mailmerge"],
    ),
    "bench_smtp.py": (
        ["--rows", "20", "--mailmerge-rows", "10", "--rounds", "1", "--jobs", "1"],
        ["time", "mailmerge", "smtp-sink"],
    ),
    "bench_pathological.py": (["--sizes", "1000", "4000"], []),
    "bench_preview.py": (["--repeat", "1", "--sizes", "1x1", "1x2"], []),
    # the dev half only: a run of the held-out half is its one measure
    "realworld_report.py": (
        ["--half", "dev", "--projects", "WTForms,django-countries"],
        ["corpus", "pofilter"],
    ),
}


def _missing(needs: list[str]) -> list[str]:
    found = {
        "time": os.access("/usr/bin/time", os.X_OK),
        "pofilter": (BIN / "pofilter").exists(),
        "mailmerge": (BIN / "mailmerge").exists(),
        "smtp-sink": os.access("/usr/sbin/smtp-sink", os.X_OK),
        "corpus": importlib.util.find_spec("django") is not None,
    }
    return [need for need in needs if not found[need]]


def test_every_script_has_a_tiny_run() -> None:
    scripts = {p.name for p in BENCHMARKS.glob("*.py") if p.name != "harness.py"}
    assert scripts == set(TINY)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(TINY))
def test_the_benchmark_runs(script: str, tmp_path: Path) -> None:
    args, needs = TINY[script]
    missing = _missing(needs)
    if missing:
        pytest.skip(f"{script} needs {', '.join(missing)}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["OUTREACH_CACHE_DIR"] = str(tmp_path / "cache")
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:] or result.stdout[-3000:]
    assert result.stdout.strip()


def test_a_count_of_nothing_is_a_clear_error() -> None:
    """``bench_merge.py --smtp-rows 0`` once divided by zero after a minute of runs: a count
    every figure is a rate of must be at least 1, said at once, in one line, exit 2."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_merge.py"), "--smtp-rows", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("--smtp-rows must be at least 1")
    assert "Traceback" not in result.stderr


def _harness() -> object:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import harness
    finally:
        sys.path.remove(str(BENCHMARKS))
    return harness


def test_rounds_are_interleaved_and_turned() -> None:
    harness = _harness()
    order: list[str] = []

    def contender(name: str) -> object:
        def run() -> object:
            order.append(name)
            return harness.Run(1.0, 1.0, 1.0)  # type: ignore[attr-defined]

        return run

    runs = harness.interleaved({n: contender(n) for n in "abc"}, 3)  # type: ignore[attr-defined]
    assert order == list("abc" + "bca" + "cab")
    assert {name: len(found) for name, found in runs.items()} == {"a": 3, "b": 3, "c": 3}


@pytest.mark.skipif(not os.access("/usr/bin/time", os.X_OK), reason="needs GNU time")
def test_peak_rss_is_the_measured_process_not_the_harness() -> None:
    """The harness holds 200 MB; a small child measured by GNU time reports its own few MB,
    and a child that allocates 100 MB reports at least that."""
    harness = _harness()
    ballast = bytearray(200 * 1024 * 1024)
    small = harness.measured([sys.executable, "-c", "pass"])  # type: ignore[attr-defined]
    big = harness.measured(  # type: ignore[attr-defined]
        [
            sys.executable,
            "-c",
            "b = bytearray(100 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])",
        ]
    )
    assert len(ballast) and small.rss_mb < 60 <= 100 <= big.rss_mb < 200
