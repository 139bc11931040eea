"""SMTP benchmark: ``outreach merge --smtp`` against a fast real SMTP sink (Postfix's
``smtp-sink``), with awdeorio/mailmerge 2.3.0's real send and a bare smtplib client on the
same machine, in interleaved rounds.

Every round runs each contender once, in a rotating order (so that no contender always
meets the machine in the same state), each against a fresh ``smtp-sink`` on 127.0.0.1 that
accepts everything and offers PIPELINING:

* outreach: the example campaign's ``share`` email (text + HTML, four locales: ``locale``
  cycles en, es-MX, fr-CA, pt-BR) to ``--rows`` supporters, ``--connections`` connections, a
  new journal each round;
* mailmerge: its real send (``--no-dry-run``) of the English share email as an HTML template
  to ``--mailmerge-rows`` of the same supporters (one connection a message, as it works);
* bare smtplib: one prebuilt outreach message (for one supporter) sent ``--rows`` times over
  ``--connections`` kept-open connections by smtplib's ``sendmail`` in threads: what any
  smtplib send loop can reach on this machine.

Each run is one process launched by GNU ``time``, which reports its wall time, user and
system CPU (its own and that of the processes it waited for) and peak RSS: the harness's own
memory never counts (a child forked from Python and measured with ``os.wait4`` carries the
parent's pages until it execs). The sink's CPU is read from ``/proc`` and its count of
delivered messages is checked against the rows: a run that delivered fewer fails the
benchmark.

Reported per contender: messages a second and CPU milliseconds a message (min and median
over the rounds), peak RSS; and the per-round ratios outreach / mailmerge and outreach /
bare smtplib, min and median. Targets (issue 18): outreach >= 10x mailmerge's real send,
>= 1.5x the bare smtplib client, peak RSS flat (<= 1.2x from 10k to 1M rows: ``--rss-rows``).

    sudo tools/install-smtp-sink            # Postfix's smtp-sink and GNU time, no daemon
    .venv/bin/pip install -e ".[bench]"     # mailmerge
    .venv/bin/python benchmarks/bench_smtp.py [--rows 6000] [--mailmerge-rows 2000]
        [--connections 4] [--rounds 5] [--rss-rows 10000 1000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_merge import (  # the benchmarks share their set-up
    CEILING,
    SECRET,
    one_message,
    prepare_campaign,
    prepare_mailmerge,
    process_cpu,
    run_measured,
    write_rows,
)
from harness import BIN, GNU_TIME, environment

SINK = "/usr/sbin/smtp-sink"


@dataclass(frozen=True)
class Run:
    """One contender's run: wall seconds, CPU seconds (user + system, with its children),
    peak RSS in MB, messages delivered (the sink's count) and the sink's CPU seconds."""

    seconds: float
    cpu: float
    rss_mb: float
    delivered: int
    sink_cpu: float

    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    """A fresh ``smtp-sink`` on 127.0.0.1 for one run; ``-c`` makes it count deliveries."""

    def __enter__(self) -> Sink:
        self.port = free_port()
        command = [SINK, "-c", "-u", "nobody", f"127.0.0.1:{self.port}", "1024"]
        if os.geteuid() != 0:
            command = [SINK, "-c", f"127.0.0.1:{self.port}", "1024"]
        # its count goes to a file: a pipe nobody reads until the end would fill and stop it
        self.counts = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, stdout=self.counts, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.02)
        raise SystemExit(f"smtp-sink did not start: {self.process.stderr.read()!r}")  # type: ignore[union-attr]

    def cpu(self) -> float:
        return process_cpu(self.process.pid)

    def __exit__(self, *exc: object) -> None:
        self.final_cpu = self.cpu()
        self.process.send_signal(signal.SIGTERM)
        self.process.communicate(timeout=10)
        self.counts.seek(0)
        out = self.counts.read()
        self.counts.close()
        # -c prints "sess=N quit=N mesg=N" after each event, each overwriting the last (\r)
        counts = re.findall(r"mesg=(\d+)", out.decode(errors="replace"))
        self.delivered = int(counts[-1]) if counts else 0


def measured(command: list[str], cwd: Path, env: dict[str, str], sink: Sink) -> Run:
    """``command`` launched by GNU time (:func:`bench_merge.run_measured`: fails loudly on a
    non-zero exit) against ``sink``, with the sink's CPU meanwhile."""
    before = sink.cpu()
    seconds, rss_mb, cpu = run_measured(command, cwd, env)
    return Run(seconds, cpu, rss_mb, 0, sink.cpu() - before)


def run_one(name: str, work: Path, campaign: Path, args: argparse.Namespace, index: int) -> Run:
    env = environment(OUTREACH_UNSUBSCRIBE_SECRET=SECRET, OUTREACH_CACHE_DIR=str(work / "cache"))
    with Sink() as sink:
        if name.startswith("outreach"):
            jobs = name.partition("--jobs ")[2] or "1"
            command = [
                str(BIN / "outreach"), "-C", str(campaign), "merge", str(work / "rows.csv"),
                "share", "--smtp", f"127.0.0.1:{sink.port}", "--tls", "none",
                "--connections", str(args.connections),
                "--journal", str(work / f"round-{index}-{jobs}.journal"), "--jobs", jobs,
            ]  # fmt: skip
            run = measured(command, campaign, env, sink)
        elif name == "mailmerge":
            folder = prepare_mailmerge(
                work, campaign, work / "rows.csv", args.mailmerge_rows, sink.port
            )
            command = [
                str(BIN / "mailmerge"),
                "--no-limit",
                "--output-format",
                "raw",
                "--no-dry-run",
            ]
            run = measured(command, folder, env, sink)
        else:
            message = work / "one-message.eml"
            command = [
                sys.executable, "-c", CEILING, str(sink.port), str(args.rows),
                str(args.connections), str(message),
            ]  # fmt: skip
            run = measured(command, work, env, sink)
    expected = args.mailmerge_rows if name == "mailmerge" else args.rows
    expected -= expected % args.connections if name == "bare smtplib" else 0
    if sink.delivered < expected:
        raise SystemExit(f"{name}: the sink received {sink.delivered:,} of {expected:,} messages")
    return Run(run.seconds, run.cpu, run.rss_mb, sink.delivered, run.sink_cpu)


def summary(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=6_000)
    parser.add_argument("--mailmerge-rows", type=int, default=2_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="outreach --jobs")
    parser.add_argument("--rss-rows", type=int, nargs="*", default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for tool, hint in (
        (SINK, "sudo tools/install-smtp-sink"),
        (GNU_TIME, "sudo tools/install-smtp-sink"),
    ):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} is missing: {hint}")
    if not (BIN / "mailmerge").exists():
        raise SystemExit('mailmerge is not installed: .venv/bin/pip install -e ".[bench]"')
    ours_names = [f"outreach --jobs {j}" if j > 1 else "outreach" for j in args.jobs]
    contenders = [*ours_names, "mailmerge", "bare smtplib"]
    runs: dict[str, list[Run]] = {name: [] for name in contenders}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="bench-smtp-") as tmp:
        work = Path(tmp)
        campaign = prepare_campaign(work)
        write_rows(work / "rows.csv", max(args.rows, args.mailmerge_rows))
        (work / "cache").mkdir(mode=0o700)  # the cache is used only if private
        message = one_message(campaign, work)  # also warms the check cache
        message.rename(work / "one-message.eml")
        for index in range(args.rounds):
            shift = index % len(contenders)
            order = contenders[shift:] + contenders[:shift]
            for name in order:
                runs[name].append(run_one(name, work, campaign, args, index))
        rss: dict[int, float] = {}
        for count in args.rss_rows:
            write_rows(work / "rows.csv", count)
            args.rows = count
            rss[count] = run_one(ours_names[0], work, campaign, args, 1000 + count).rss_mb
    load.append(os.getloadavg()[0])
    result: dict[str, Any] = {
        "rows": args.rows if not args.rss_rows else None,
        "connections": args.connections,
        "rounds": args.rounds,
        "load": load,
        "contenders": {
            name: {
                "messages_per_second": summary([r.rate() for r in found]),
                "cpu_ms_per_message": summary([1000 * r.cpu / r.delivered for r in found]),
                "sink_cpu_ms_per_message": summary(
                    [1000 * r.sink_cpu / r.delivered for r in found]
                ),
                "peak_rss_mb": max(r.rss_mb for r in found),
            }
            for name, found in runs.items()
        },
        "ratios": {
            f"{name} / {other}": summary(
                [o.rate() / m.rate() for o, m in zip(runs[name], runs[other], strict=True)]
            )
            for name in ours_names
            for other in ("mailmerge", "bare smtplib")
        },
    }
    if rss:
        result["peak_rss_mb_by_rows"] = rss
        result["ratios"]["peak RSS largest / smallest rows"] = rss[max(rss)] / rss[min(rss)]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"load average before and after: {load}")
    print(f"{args.rounds} rounds, {args.rows:,} rows, {args.connections} connections")
    print(
        f"{'contender':<18} {'msgs/s min':>10} {'median':>8} {'CPU ms/msg':>10} "
        f"{'sink ms/msg':>11} {'peak RSS MB':>11}"
    )
    for name, value in result["contenders"].items():
        rate, cpu, sink = (
            value["messages_per_second"],
            value["cpu_ms_per_message"],
            value["sink_cpu_ms_per_message"],
        )
        print(
            f"{name:<18} {rate['min']:>10,.0f} {rate['median']:>8,.0f} {cpu['median']:>10.3f} "
            f"{sink['median']:>11.3f} {value['peak_rss_mb']:>11.1f}"
        )
    for name, value in result["ratios"].items():
        if isinstance(value, dict):
            print(f"{name}: min {value['min']:.2f}x, median {value['median']:.2f}x")
        else:
            print(f"{name}: {value:.2f}x")


if __name__ == "__main__":
    main()
