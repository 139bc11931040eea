"""What every benchmark here measures with: subprocesses launched by GNU ``time``, contenders
run in interleaved rounds, and the min and median of each round's ratio.

On a machine shared with other jobs (the 2-core development container runs other test
suites), a contender's time moves by 2x from one minute to the next. Two contenders measured
one after the other are then compared under different loads; measured in the same round,
one right after the other (the order turned each round), they share it. So the figure that
means something is the ratio *within* a round: its minimum (the least disturbed round) and
its median (the typical one), never a best-of-N of each side taken at different times.

Peak RSS is GNU ``time``'s ``%M`` for the measured process (and the children it waited
for): never the harness's own memory, as a child forked from the harness and measured with
``os.wait4`` would be until it execs.

``--before SRC`` (see :func:`add_before_option`) runs the outreach contenders a second time
with ``PYTHONPATH=SRC`` (another checkout's ``src``, e.g. ``git worktree add /tmp/before
<commit>``), so that the before and after figures come from the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    """One measured process: wall seconds, CPU seconds (user + system, children included),
    peak RSS in MB, and what it printed."""

    seconds: float
    cpu: float
    rss_mb: float
    stdout: str = ""


#: the repository: its root is the example campaign the benchmarks copy
ROOT = Path(__file__).resolve().parents[1]
#: this checkout's source (``--before`` runs another's beside it)
SRC = ROOT / "src"
#: the virtualenv's scripts (``outreach``, ``mailmerge``, ``pybabel``, ``pofilter``)
BIN = Path(sys.executable).parent


def copy_example(target: Path) -> Path:
    """The example campaign, as a fresh checkout has it (no compiled catalogs), at
    ``target``: its messages, locales, images, suppression lists and extraction config."""
    shutil.copytree(ROOT / "messages", target / "messages")
    shutil.copytree(ROOT / "locales", target / "locales", ignore=shutil.ignore_patterns("*.mo"))
    for folder in ("suppress", "images"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, target / folder)
    shutil.copy(ROOT / "babel.cfg", target / "babel.cfg")
    return target


def environment(src: str | os.PathLike[str] | None = None, **extra: str) -> dict[str, str]:
    """The environment a contender runs in: this one, without ``PYTHONDONTWRITEBYTECODE``
    (as on a user's machine, Python keeps the bytecode it compiles; the development
    container sets it, which would make every run compile outreach again), with ``src``
    first on ``PYTHONPATH`` when given, and ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    env.update(extra)
    return env


def measured(
    command: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    ok: Sequence[int] = (0,),
    capture: bool = True,
) -> Run:
    """One run of ``command`` launched by GNU ``time`` (``tools/install-smtp-sink`` or
    ``apt-get install time`` installs it); an exit status not in ``ok`` stops the benchmark
    with the command's error output. Its output is kept in :attr:`Run.stdout` unless not
    ``capture`` (a dry run that prints every message is thrown away as it is written)."""
    if not os.access(GNU_TIME, os.X_OK):
        raise SystemExit(f"{GNU_TIME} is missing: sudo apt-get install time")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        process = subprocess.run(
            [GNU_TIME, "-f", "%M %U %S", "-o", report.name, *command],
            cwd=cwd,
            env=dict(env) if env is not None else environment(),
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        seconds = time.perf_counter() - start
        if process.returncode not in ok:
            err = process.stderr.decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{err[-2000:]}")
        rss_kb, user, system = report.read().split()[-3:]
    out = process.stdout.decode("utf-8") if capture else ""
    # GNU time counts CPU in hundredths of a second: a shorter run is counted as one, so
    # that no ratio divides by zero
    cpu = max(float(user) + float(system), 0.01)
    return Run(seconds, cpu, int(rss_kb) / 1024, out)


def interleaved(contenders: Mapping[str, Callable[[], Run]], rounds: int) -> dict[str, list[Run]]:
    """``rounds`` rounds; in each, every contender runs once, in an order turned by one each
    round (so none always runs first, right after the harness's own work)."""
    names = list(contenders)
    runs: dict[str, list[Run]] = {name: [] for name in names}
    for index in range(rounds):
        turn = index % len(names)
        for name in names[turn:] + names[:turn]:
            runs[name].append(contenders[name]())
    return runs


@dataclass(frozen=True)
class Ratio:
    """The per-round ratio of a contender's figure to the anchor's: its minimum and median
    over the rounds."""

    low: float
    median: float

    def __str__(self) -> str:
        return f"{self.low:.2f}/{self.median:.2f}"


def ratio(values: Sequence[float], anchor: Sequence[float]) -> Ratio:
    """min and median of ``values[i] / anchor[i]`` (the same round's).

    >>> ratio([2.0, 3.0, 8.0], [1.0, 1.0, 2.0])
    Ratio(low=2.0, median=3.0)
    """
    each = [value / base for value, base in zip(values, anchor, strict=True)]
    return Ratio(min(each), statistics.median(each))


def summary(runs: Sequence[Run]) -> dict[str, float]:
    """min and median wall and CPU seconds, and the largest peak RSS, of ``runs``."""
    return {
        "seconds_min": min(r.seconds for r in runs),
        "seconds_median": statistics.median(r.seconds for r in runs),
        "cpu_min": min(r.cpu for r in runs),
        "cpu_median": statistics.median(r.cpu for r in runs),
        "peak_rss_mb": max(r.rss_mb for r in runs),
    }


def load() -> float:
    """The one-minute load average, printed with every table (what load the figures were
    taken under)."""
    return os.getloadavg()[0]


def add_before_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--before",
        type=Path,
        metavar="SRC",
        help="also run outreach from this src directory (another checkout's), as 'before'",
    )


def table(
    rows: Mapping[str, Sequence[Run]],
    anchor: str,
    *,
    rate: Callable[[Run], float] | None = None,
    by_cpu: bool = True,
) -> list[str]:
    """Lines of a table: each contender's min and median seconds (or ``rate``), CPU, peak
    RSS, and min/median of its per-round ratio to ``anchor`` -- by wall clock and by CPU
    time, which a loaded machine disturbs less (time ratios: below 1 is faster than the
    anchor; with ``rate``, a ratio of rates: above 1 is faster). Without ``by_cpu`` (a
    contender that runs for a set time rather than a set amount of work) the CPU ratio is
    left out."""
    first, second = ("best/s", "median/s") if rate else ("min s", "median s")
    width = max(len(name) for name in [*rows, "contender"])
    lines = [
        f"{'contender':<{width}} {first:>10} {second:>10} {'cpu s':>7} "
        f"{'RSS MB':>7} {'wall ratio':>11} {'cpu ratio':>11}"
    ]
    base = rows[anchor]
    for name, runs in rows.items():
        if rate is not None:
            values = [rate(r) for r in runs]
            best, middle = max(values), statistics.median(values)
            found = ratio(values, [rate(r) for r in base])
            cpu_ratio = ratio([1 / r.cpu for r in runs], [1 / r.cpu for r in base])
        else:
            values = [r.seconds for r in runs]
            best, middle = min(values), statistics.median(values)
            found = ratio(values, [r.seconds for r in base])
            cpu_ratio = ratio([r.cpu for r in runs], [r.cpu for r in base])
        cpu = statistics.median(r.cpu for r in runs)
        shown = str(cpu_ratio) if by_cpu else "-"
        rss = max(r.rss_mb for r in runs)
        lines.append(
            f"{name:<{width}} {best:>10.3f} {middle:>10.3f} {cpu:>7.2f} {rss:>7.1f} "
            f"{found!s:>11} {shown:>11}"
        )
    return lines
