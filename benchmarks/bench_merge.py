"""Merge benchmark: ``outreach merge`` against awdeorio/mailmerge 2.3.0, on the same rows.

Both tools get the same supporters (``p{i}@example.net``, a name, a city) in one run:

* files: outreach writes an mbox of text+HTML emails in 4 locales (``locale`` cycles
  en, es-MX, fr-CA, pt-BR); mailmerge's ``--dry-run`` renders its one-language HTML
  template (the example campaign's English ``share`` email with ``Hi {{name}}``);
* SMTP: both deliver to the same local aiosmtpd (its own process, under uvloop, a handler
  that accepts everything); outreach with ``--connections 4``, mailmerge as it does, one
  connection a message.

Every run is a fresh subprocess timed by the wall clock, start-up included, and launched by
GNU ``time``, which gives its CPU and peak RSS (never the harness's own memory). outreach's
figures are taken at 10,000 and 100,000 rows (files) so that the memory of a longer CSV
shows, each with ``--jobs 1`` and ``2`` (the mbox built in that many processes; the peak
RSS is then the largest process's); mailmerge's on ``--mailmerge-rows`` of the same rows
(its rate does not depend on the length).

Targets (issue 12): files >= 10x mailmerge's dry run, SMTP >= 10x mailmerge's send; peak
RSS at 100k rows <= 150 MB and <= 1.2x that at 10k.

    .venv/bin/pip install -e ".[bench]"   # mailmerge, uvloop
    .venv/bin/python benchmarks/bench_merge.py [--rows 10000 100000] [--smtp-rows 10000]
        [--mailmerge-rows 10000] [--mailmerge-smtp-rows 2000] [--jobs 1 2] [--json]
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import (
    BIN,
    ROOT,
    Run,
    add_before_option,
    copy_example,
    environment,
    interleaved,
    measured,
    ratio,
    table,
)

LOCALES = ("en", "es-MX", "fr-CA", "pt-BR")
SECRET = "benchmark secret, not for production"


def write_rows(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["email", "name", "locale", "city"])
        for i in range(count):
            writer.writerow([f"p{i}@example.net", f"Person {i}", LOCALES[i % 4], f"City {i % 97}"])


def run_measured(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, float]:
    """``(seconds, peak RSS MB, CPU seconds)`` of one run of ``command``, launched by GNU
    ``time`` (:func:`harness.measured`): its user and system CPU include the processes it
    waited for (``--jobs`` workers) and its peak RSS is the largest of them."""
    run = measured(command, cwd, env if env is not None else environment(), capture=False)
    return run.seconds, run.rss_mb, run.cpu


def _row(
    rows: int,
    seconds: float,
    rss: float,
    cpu: float,
    *,
    jobs: int | None = None,
    server_ms: float | None = None,
) -> dict[str, Any]:
    """One line of the table: a run's figures (``jobs`` for files, the server's CPU a
    message for SMTP)."""
    row: dict[str, Any] = {"rows": rows}
    if jobs is not None:
        row["jobs"] = jobs
    row.update(seconds=seconds, per_second=rows / seconds, peak_rss_mb=rss, cpu_seconds=cpu)
    if server_ms is not None:
        row["server_ms_per_message"] = server_ms
    return row


# -- the SMTP server ---------------------------------------------------------------------------
SERVER = """
import asyncio, signal, socket, sys
import uvloop
from aiosmtpd.smtp import SMTP
class Handler:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        return "250 OK"
loop = uvloop.new_event_loop()
asyncio.set_event_loop(loop)
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # --servers N: N share the port
sock.bind(("127.0.0.1", int(sys.argv[1]))); sock.listen(128)
factory = lambda: SMTP(Handler(), hostname="localhost")
server = loop.run_until_complete(loop.create_server(factory, sock=sock))
loop.add_signal_handler(signal.SIGTERM, loop.stop)
print(sock.getsockname()[1], flush=True)
loop.run_forever()
print(Handler.count, flush=True)
"""


# A client that does nothing but send: one message built once (outreach's own, for one
# supporter), sent again and again over CONNECTIONS kept-open connections, as fast as
# smtplib can. What it reaches is what the server accepts from any client.
CEILING = """
import smtplib, sys, threading
port, total, connections, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
message = open(path, "rb").read()
def send(count):
    smtp = smtplib.SMTP("127.0.0.1", port)
    smtp.ehlo()
    for i in range(count):
        smtp.sendmail("love@example.org", [f"p{i}@example.net"], message)
    smtp.quit()
threads = [threading.Thread(target=send, args=(total // connections,)) for _ in range(connections)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


def one_message(campaign: Path, work: Path) -> Path:
    """One supporter's message as outreach sends it (CRLF), for the ceiling client."""
    rows = work / "one.csv"
    write_rows(rows, 1)
    outreach(campaign, rows, "--out-dir", str(work / "one"))
    (path,) = (work / "one").glob("*.eml")
    return path


def process_cpu(pid: int) -> float:
    """A running process's CPU seconds so far (user + system, from ``/proc``)."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


class SmtpServer:
    """``processes`` aiosmtpd servers on one port (``SO_REUSEPORT``: the kernel spreads the
    connections), so that on a machine with cores to spare the server is not one core."""

    def __init__(self, processes: int = 1) -> None:
        self.count = processes

    def _start(self, port: int) -> subprocess.Popen[str]:
        command = [sys.executable, "-c", SERVER, str(port)]
        return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)

    def __enter__(self) -> SmtpServer:
        first = self._start(0)
        assert first.stdout is not None
        self.port = int(first.stdout.readline())
        self.processes = [first] + [self._start(self.port) for _ in range(self.count - 1)]
        for process in self.processes[1:]:
            assert process.stdout is not None
            process.stdout.readline()
        return self

    def cpu(self) -> float:
        """The servers' CPU seconds so far."""
        return sum(process_cpu(process.pid) for process in self.processes)

    def __exit__(self, *exc: object) -> None:
        self.received = 0
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
            assert process.stdout is not None
            self.received += int(process.stdout.readline() or 0)
            process.wait()


# -- the tools ---------------------------------------------------------------------------------
def prepare_campaign(work: Path) -> Path:
    return copy_example(work / "love")


def prepare_mailmerge(work: Path, campaign: Path, rows: Path, count: int, port: int | None) -> Path:
    """mailmerge's three files: the English share email as its HTML template."""
    from outreach.campaign import load_campaign
    from outreach.render import Renderer

    folder = work / f"mailmerge-{count}-{port or 'dry'}"
    folder.mkdir()
    mail = Renderer(load_campaign(campaign)).render_email("share", "en")
    html = mail.html.replace("<h1>", "<p>Hi {{name}},</p><h1>", 1)
    (folder / "mailmerge_template.txt").write_text(
        f"TO: {{{{email}}}}\nSUBJECT: {mail.subject}\nFROM: Love Always Wins <love@example.org>\n"
        f"CONTENT-TYPE: text/html\n\n{html}",
        encoding="utf-8",
    )
    with (
        open(rows, encoding="utf-8") as source,
        open(folder / "mailmerge_database.csv", "w", encoding="utf-8") as target,
    ):
        for index, line in enumerate(source):
            if index > count:
                break
            target.write(line)
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port or 25}\nratelimit = 0\n", encoding="utf-8"
    )
    return folder


def best_of(
    repeat: int, run: Callable[[], tuple[float, float, float]]
) -> tuple[float, float, float]:
    """The fastest of ``repeat`` runs (this container's speed changes from one second to
    the next: the fastest run is the one least slowed by others), with its RSS and CPU."""
    return min(run() for _ in range(repeat))


def mailmerge(folder: Path, *, dry_run: bool) -> tuple[float, float, float]:
    command = [str(BIN / "mailmerge"), "--no-limit", "--output-format", "raw"]
    command.append("--dry-run" if dry_run else "--no-dry-run")
    return run_measured(command, folder)


def outreach(
    campaign: Path, rows: Path, *args: str, cache: Path | None = None
) -> tuple[float, float, float]:
    """One ``outreach merge`` run; its check cache is ``cache`` (default: the benchmark's
    own, warm after the first run, as a campaign's cache is after its first check)."""
    env = environment(
        OUTREACH_UNSUBSCRIBE_SECRET=SECRET,
        OUTREACH_CACHE_DIR=str(cache or campaign.parent / "cache"),
    )
    return run_measured(
        [str(BIN / "outreach"), "-C", str(campaign), "merge", str(rows), "share", *args],
        campaign,
        env,
    )


def interleaved_files(
    work: Path,
    campaign: Path,
    count: int,
    rounds: int,
    before: Path | None,
    all_rows: Path,
    jobs: Sequence[int] = (1,),
) -> dict[str, Any]:
    """outreach's mbox and mailmerge's dry run on the same ``count`` rows, in interleaved
    rounds (:mod:`harness`), with an older outreach when ``before`` is given: each
    contender's min and median rate, and the min and median of the per-round ratio of its
    rate to mailmerge's, by wall clock and by CPU (a loaded machine slows the wall clock of
    whichever runs when the load comes).

    Each outreach runs with its check cache warm (as a campaign's is after its first check
    or merge: its catalogs compiled, its skeletons proved), with a cold one (the cache
    directory removed before each run: catalogs checked and compiled, skeletons built and
    proved) and, for each of ``jobs`` past 1, warm with ``--jobs N``: each its own row."""
    rows = work / f"rows-{count}.csv"
    own = work / "interleaved"
    own.mkdir()
    dry = prepare_mailmerge(own, campaign, all_rows, count, None)
    contenders: dict[str, Callable[[], Run]] = {
        f"mailmerge --dry-run {count:,}": lambda: measured(
            [str(BIN / "mailmerge"), "--no-limit", "--output-format", "raw", "--dry-run"],
            dry,
            environment(),
            capture=False,
        )
    }
    trees = [("", ROOT / "src")] + ([(" (before)", before)] if before else [])
    for label, src in trees:
        tag = label.strip(" ()")
        cache = work / f"cache-interleaved{tag}"
        env = environment(src, OUTREACH_CACHE_DIR=str(cache), OUTREACH_UNSUBSCRIBE_SECRET=SECRET)
        box = work / f"interleaved{tag}.mbox"
        command = [sys.executable, str(BIN / "outreach"), "-C", str(campaign), "merge"]
        command += [str(rows), "share", "--out", str(box)]
        measured(command, campaign, env, capture=False)  # the cache, warm

        def run(
            command: list[str] = command,
            env: dict[str, str] = env,
            box: Path = box,
            cold: Path | None = None,
        ) -> Run:
            box.unlink(missing_ok=True)
            if cold is not None:
                shutil.rmtree(cold, ignore_errors=True)
            return measured(command, campaign, env, capture=False)

        contenders[f"outreach mbox {count:,}{label}"] = run
        for n in sorted(set(jobs) - {1}):
            contenders[f"outreach mbox --jobs {n} {count:,}{label}"] = functools.partial(
                run, [*command, "--jobs", str(n)]
            )
        cold_cache = work / f"cache-cold{tag}"
        cold_env = {**env, "OUTREACH_CACHE_DIR": str(cold_cache)}
        contenders[f"outreach mbox {count:,}{label}, cold cache"] = functools.partial(
            run, env=cold_env, box=work / f"cold{tag}.mbox", cold=cold_cache
        )
    runs = interleaved(contenders, rounds)
    anchor = next(iter(contenders))
    lines = table(runs, anchor, rate=lambda r: count / r.seconds)
    cpu = {
        name: ratio([1 / r.cpu for r in found], [1 / r.cpu for r in runs[anchor]])
        for name, found in runs.items()
    }
    return {"table": lines, "cpu_ratio": {name: str(value) for name, value in cpu.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--smtp-rows", type=int, default=10_000)
    parser.add_argument("--mailmerge-rows", type=int, default=10_000)
    parser.add_argument("--mailmerge-smtp-rows", type=int, default=2_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--repeat", type=int, default=3, help="file runs: the fastest of this many, both tools"
    )
    parser.add_argument(
        "--servers", type=int, default=1, help="aiosmtpd processes sharing the port"
    )
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="interleaved rounds of outreach's mbox and mailmerge's dry run at the first --rows",
    )
    add_before_option(parser)
    args = parser.parse_args()
    counts = {"--rows": min(args.rows), "--smtp-rows": args.smtp_rows}
    counts |= {"--mailmerge-rows": args.mailmerge_rows}
    counts |= {"--mailmerge-smtp-rows": args.mailmerge_smtp_rows}
    counts |= {"--rounds": args.rounds, "--repeat": args.repeat, "--jobs": min(args.jobs)}
    for option, value in counts.items():
        if value < 1:  # every figure is a rate or a best of: none from nothing
            parser.error(f"{option} must be at least 1")
    if not (BIN / "mailmerge").exists():
        raise SystemExit('mailmerge is not installed: .venv/bin/pip install -e ".[bench]"')
    results: dict[str, Any] = {"files": {}, "smtp": {}, "load": [os.getloadavg()[0]]}
    results["servers"] = args.servers
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        work = Path(tmp)
        campaign = prepare_campaign(work)
        biggest = max([*args.rows, args.smtp_rows, args.mailmerge_rows, args.mailmerge_smtp_rows])
        all_rows = work / "all.csv"
        write_rows(all_rows, biggest)
        # The first run of a campaign checks and compiles its catalogs and remembers them
        # in the check cache; every later run recalls them: the first run is measured as
        # the cold one, and the runs after it find the cache warm.
        first = sorted(set(args.rows))[0]
        rows = work / f"rows-{first}.csv"
        write_rows(rows, first)
        box = work / "cold.mbox"
        seconds, rss, cpu = outreach(campaign, rows, "--out", str(box))
        results["files"][f"outreach mbox {first:,} (cold cache)"] = _row(
            first, seconds, rss, cpu, jobs=0
        )
        box.unlink()
        for count in sorted(set(args.rows)):
            rows = work / f"rows-{count}.csv"
            write_rows(rows, count)
            for jobs in args.jobs:
                box = work / f"out-{count}.mbox"
                run = functools.partial(outreach, campaign, rows, "--out", str(box))
                seconds, rss, cpu = best_of(
                    args.repeat, functools.partial(run, "--jobs", str(jobs))
                )
                label = f" --jobs {jobs}" if jobs > 1 else ""
                results["files"][f"outreach mbox{label} {count:,}"] = _row(
                    count, seconds, rss, cpu, jobs=jobs
                )
                box.unlink()
        dry = prepare_mailmerge(work, campaign, all_rows, args.mailmerge_rows, None)
        results["interleaved"] = interleaved_files(
            work, campaign, first, args.rounds, args.before, all_rows, args.jobs
        )
        seconds, rss, cpu = best_of(args.repeat, functools.partial(mailmerge, dry, dry_run=True))
        count = args.mailmerge_rows
        results["files"][f"mailmerge --dry-run {count:,}"] = _row(count, seconds, rss, cpu)

        with SmtpServer(args.servers) as server:
            rows = work / f"smtp-{args.smtp_rows}.csv"
            write_rows(rows, args.smtp_rows)
            before = server.cpu()
            seconds, rss, cpu = outreach(
                campaign,
                rows,
                "--smtp",
                f"127.0.0.1:{server.port}",
                "--tls",
                "none",
                "--connections",
                str(args.connections),
                "--journal",
                str(work / "bench.journal"),
            )
            count = args.smtp_rows
            results["smtp"][f"outreach smtp {count:,}"] = _row(
                count, seconds, rss, cpu, server_ms=1000 * (server.cpu() - before) / count
            )
            folder = prepare_mailmerge(
                work, campaign, all_rows, args.mailmerge_smtp_rows, server.port
            )
            before = server.cpu()
            seconds, rss, cpu = mailmerge(folder, dry_run=False)
            count = args.mailmerge_smtp_rows
            results["smtp"][f"mailmerge send {count:,}"] = _row(
                count, seconds, rss, cpu, server_ms=1000 * (server.cpu() - before) / count
            )
            message = one_message(campaign, work)
            count = args.smtp_rows
            command = [sys.executable, "-c", CEILING, str(server.port), str(count)]
            before = server.cpu()
            seconds, rss, cpu = run_measured([*command, str(args.connections), str(message)], work)
            results["smtp"][f"bare smtplib, one message {count:,}"] = _row(
                count, seconds, rss, cpu, server_ms=1000 * (server.cpu() - before) / count
            )
        results["smtp"]["server received"] = server.received
    results["load"].append(os.getloadavg()[0])
    files = results["files"]
    mm = next(v for k, v in files.items() if k.startswith("mailmerge"))["per_second"]
    ours = [v for k, v in files.items() if k.startswith("outreach")]
    single = [v for v in ours if v["jobs"] == 1] or ours
    send = results["smtp"]
    mm_send = next(v for k, v in send.items() if k.startswith("mailmerge"))["per_second"]
    our_send = next(v for k, v in send.items() if k.startswith("outreach"))["per_second"]
    ceiling = next(v for k, v in send.items() if k.startswith("bare"))["per_second"]
    peaks = [v["peak_rss_mb"] for v in single]
    results["ratios"] = {
        **{
            f"files ({k} / mailmerge dry run)": v["per_second"] / mm
            for k, v in files.items()
            if k.startswith("outreach")
        },
        "smtp (outreach / mailmerge)": our_send / mm_send,
        "smtp (bare smtplib, the server's ceiling / mailmerge)": ceiling / mm_send,
        "smtp (outreach / bare smtplib)": our_send / ceiling,
        "peak RSS largest / smallest run": peaks[-1] / peaks[0],
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"load average before and after: {results['load']}")
    print(f"interleaved, {args.rounds} rounds (rate ratio min/median by wall clock):")
    print("\n".join(results["interleaved"]["table"]))
    for name, value in results["interleaved"]["cpu_ratio"].items():
        print(f"  by CPU time, {name}: {value}")
    header = f"{'run':<32} {'rows':>8} {'seconds':>8} {'msgs/s':>9} {'peak RSS MB':>12}"
    print(f"{header} {'CPU s':>7}")
    for section in ("files", "smtp"):
        for name, value in results[section].items():
            if isinstance(value, dict):
                row = (value["rows"], value["seconds"], value["per_second"], value["peak_rss_mb"])
                line = f"{name:<32} {row[0]:>8,} {row[1]:>8.2f} {row[2]:>9,.0f} {row[3]:>12.1f}"
                per_message = value.get("server_ms_per_message")
                extra = f"   server {per_message:.2f} ms/msg" if per_message is not None else ""
                print(f"{line} {value['cpu_seconds']:>7.2f}{extra}")
    print(f"server received {results['smtp']['server received']:,} messages")
    for name, value in results["ratios"].items():
        print(f"{name}: {value:.2f}x")


if __name__ == "__main__":
    main()
