"""``--jobs N``: build the messages of a file output (or a dry run) in N processes.

Once the skeletons are built and proved, the run forks N workers (start-up is paid once;
nothing but the forked memory is shared). Worker K takes a *window* of the CSV's records,
one after the other (:func:`windows`). It reads the records before its window only to note
the addresses of their valid supporters, as one process would have by then, so a duplicate
is reported by the worker whose window holds it, naming the line of the first, wherever
that is; then it checks, builds and writes its window's messages:

* ``--out``: into a part of its own; the parent appends the parts to the mbox in window
  order, which is the order of the CSV;
* ``--out-dir``: into the output's temporary directory itself (file names are CSV lines);
* ``--dry-run``: nowhere.

So the output is the one a single process writes, message for message and in the same
order: only the second in each ``From`` line and ``Date`` header and the random MIME
boundary of a skeleton can differ, as between any two runs. Each worker writes its bad
rows to a file and sends its summary up a pipe; the parent reports the bad rows in window
order (the order of their lines, the lines one process prints), adds the summaries up (the
counts come out in the same order too) and draws the progress bar from counters the
workers keep in shared memory. A worker that fails sends its error as text -- message,
path, line, exit code; an exception does not survive pickling whole -- and the parent stops
the others and raises it again, so the command prints the line it prints without
``--jobs``. The output is written under a temporary name and renamed into place only when
every worker succeeded, so a failed run leaves nothing. Only where the system can fork (not
Windows), and not for SMTP, where ``--connections`` is the way to go faster.

>>> windows(1000, 1), windows(1000, 2), windows(1000, 3)
([(0, None)], [(0, 549), (549, None)], [(0, 401), (401, 730), (730, None)])
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import mmap
import os
import pickle
import selectors
import signal
import struct
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from outreach.errors import OutreachError, UsageError, WorkerError

if TYPE_CHECKING:
    from outreach.merge.audience import Audience
    from outreach.merge.journal import Seen
    from outreach.merge.outputs import Writer
    from outreach.merge.rows import Run
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import Row, SupporterFile

__all__ = ["run_jobs", "run_shards", "windows"]

#: What a record before its window costs a worker (read, checked, its address noted: about
#: 25 us here) over what a record in its window costs (that, and its message built and
#: written: 110 to 160 us): 0.15 to 0.2 measured. Worker K's window is (1 - SKIM) ** K times
#: the first one's, so that every worker has about as much to do.
SKIM = 0.18


def windows(records: int, jobs: int) -> list[tuple[int, int | None]]:
    """``(start, end)`` of each worker's records (0-based, end excluded); the last window
    is open, as ``records`` may be an estimate (a count of line breaks)."""
    weights = [(1 - SKIM) ** k for k in range(jobs)]
    total = sum(weights)
    found: list[tuple[int, int | None]] = []
    start = 0
    for weight in weights[:-1]:
        end = start + round(records * weight / total)
        found.append((start, end))
        start = end
    return [*found, (start, None)]


@dataclass
class _Worker:
    index: int
    pid: int
    pipe: int
    part: Any
    reports: Path
    data: bytearray = field(default_factory=bytearray)
    result: dict[str, Any] | None = None


def run_jobs(
    run: Run,
    supporters: SupporterFile,
    audience: Audience,
    maker: MessageMaker,
    writer: Writer,
    jobs: int,
) -> None:
    """Fork ``jobs`` workers and put their results into ``run`` and ``writer`` (entered)."""
    from outreach.merge.outputs import MboxWriter

    if not hasattr(os, "fork"):
        raise UsageError("--jobs needs a system that can fork (not Windows): leave it out")
    # Parts go beside an mbox (the same file system, the space the output needs anyway).
    where = writer.path.parent if isinstance(writer, MboxWriter) else None
    counts = mmap.mmap(-1, 8 * jobs)  # rows done by each worker: shared across fork
    progress = run.progress
    with tempfile.TemporaryDirectory(prefix=".outreach-jobs-", dir=where) as scratch:
        workers: list[_Worker] = []
        try:
            for index, window in enumerate(windows(supporters.records, jobs)):
                worker = _fork(
                    index, window, run, supporters, audience, maker, writer, Path(scratch),
                    counts, workers,
                )  # fmt: skip
                workers.append(worker)

            def shown() -> None:
                if progress is not None:
                    done = sum(struct.unpack_from(f"<{jobs}q", counts))
                    progress(done, max(done, supporters.records))

            _collect(workers, shown)
        finally:
            _stop([w for w in workers if w.result is None])
            counts.close()
        failed = [w.result for w in workers if w.result is not None and "error" in w.result]
        if failed:
            raise _error(failed[0])  # the others were stopped, or failed alike
        _combine(run, maker, [w.result for w in workers if w.result is not None])
        if progress is not None:
            progress(run.summary.rows, run.summary.rows)
        _report(run, [w.reports for w in workers])
        if isinstance(writer, MboxWriter):
            writer.append([w.part.path for w in workers])


def run_shards(run: Run, maker: MessageMaker, jobs: int, send: Callable[[int], None]) -> None:
    """``--jobs N`` over SMTP: fork ``jobs`` workers, worker K calling ``send(K)`` -- its own
    connections, its own journal, the supporters of shard K of ``jobs`` (each worker reads
    the whole CSV and sends only its shard's rows, as ``--shard K/N`` does) -- and add their
    summaries up into ``run``. Past the GIL: each process builds and sends its messages on
    a core of its own. The crash bound is each worker's: at most one message a connection
    on the wire. What a worker reports (bad rows, supporters not accepted, notes on the
    connections) goes to a file the parent reports from, worker by worker. A worker that
    fails stops the others (what they sent is in their journals: the same command resumes)
    and its error is raised here."""
    if not hasattr(os, "fork"):
        raise UsageError("--jobs needs a system that can fork (not Windows): leave it out")
    counts = mmap.mmap(-1, 8 * jobs)
    progress = run.progress
    parent = os.getpid()
    workers: list[_Worker] = []
    with tempfile.TemporaryDirectory(prefix=".outreach-jobs-") as scratch:
        said = [Path(scratch) / f"said-{k}.txt" for k in range(jobs)]
        try:
            for index in range(jobs):
                task = functools.partial(_shard, run, maker, send, index, counts, said)
                pid, read = _spawn(workers, task, parent=parent)
                reports = Path(scratch) / f"bad-{index}.txt"
                workers.append(_Worker(index, pid, read, None, reports))

            def shown() -> None:
                if progress is not None:
                    done = max(struct.unpack_from(f"<{jobs}q", counts))
                    progress(done, max(done, run.summary.rows))

            _collect(workers, shown, "what it sent is in its shard's journal (run again)")
        finally:
            _stop([w for w in workers if w.result is None])
            counts.close()
        failed = [w.result for w in workers if w.result is not None and "error" in w.result]
        done = [w for w in workers if w.result is not None and "summary" in w.result]
        results = [w.result for w in done if w.result is not None]
        _combine(run, maker, results)
        summary = run.summary
        parts = [result["summary"] for result in results]
        summary.rows = max((part.rows for part in parts), default=0)  # each read them all
        for part in parts:
            summary.undelivered.extend(part.undelivered)
            summary.fatal = summary.fatal or part.fatal
        journals = [part.journal for part in parts if part.journal]
        summary.journal = ", ".join(journals) if journals else None
        # what every worker said, the failed ones' included (up to their failure), then
        # the failure: nothing a worker reported is lost because another one failed
        _report(run, [w.reports for w in workers if w.reports.exists()])
        for path in said:
            with contextlib.suppress(FileNotFoundError), open(path, encoding="utf-8") as lines:
                for line in lines:
                    with contextlib.suppress(ValueError):  # a line a killed worker cut short
                        run.report(json.loads(line))
        if failed:
            raise _error(failed[0])
    if progress is not None:
        progress(summary.rows, summary.rows)


def _die_with(parent: int) -> None:
    """In a worker: end (SIGTERM) when the parent does, however it ends (``kill -9``
    included), so that no worker goes on sending for a command that is gone (Linux's
    ``PR_SET_PDEATHSIG``; elsewhere the parent's own stop does it). What a worker has on
    the wire then is what any crash leaves: one message a connection, in its journal."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent ended before the above took hold
        os._exit(1)


def _shard(
    run: Run,
    maker: MessageMaker,
    send: Callable[[int], None],
    index: int,
    counts: mmap.mmap,
    said: list[Path],
) -> dict[str, Any]:
    """In worker ``index`` of :func:`run_shards`: its shard sent, its summary returned."""
    run.progress = _counter(counts, index)
    with (
        open(said[index].with_name(f"bad-{index}.txt"), "w", encoding="utf-8") as reports,
        open(said[index], "w", encoding="utf-8") as lines,
    ):
        run.reports = reports  # bad rows: the parent reports them, after the others'
        run.report = lambda line: lines.write(json.dumps(line) + "\n")  # type: ignore[assignment]
        send(index)
    return {
        "summary": run.summary,
        "stats": maker.stats,
        "notes": maker.notes,
        "refused": maker.refused,
    }


def _fork(
    index: int,
    window: tuple[int, int | None],
    run: Run,
    supporters: SupporterFile,
    audience: Audience,
    maker: MessageMaker,
    writer: Writer,
    scratch: Path,
    counts: mmap.mmap,
    earlier: list[_Worker],
) -> _Worker:
    from outreach.merge.outputs import DirectoryWriter, MboxWriter, PartWriter, Writer

    part: Any
    if isinstance(writer, MboxWriter):
        part = PartWriter(scratch / f"part-{index}.mbox", sender=writer.sender)
    elif isinstance(writer, DirectoryWriter):
        part = _Entered(writer.part())
    else:
        part = Writer()
    reports = scratch / f"bad-{index}.txt"

    def task() -> dict[str, Any]:  # in the worker
        run.progress = _counter(counts, index)
        tempfile.tempdir = str(scratch)  # the worker's own temporary files go with the parts
        return _Job(run, supporters, audience, maker, part, reports).window(*window)

    pid, read = _spawn(earlier, task)
    return _Worker(index, pid, read, part, reports)


def _spawn(
    earlier: list[_Worker], task: Callable[[], dict[str, Any]], *, parent: int | None = None
) -> tuple[int, int]:
    """Fork a worker that runs ``task`` and sends its result up a pipe (:func:`_work`):
    ``(pid, the pipe's read end)``. The worker keeps none of the ``earlier`` workers' pipes;
    with ``parent``, it ends when that process does (:func:`_die_with`)."""
    read, write = os.pipe()
    sys.stdout.flush()  # nothing buffered is written by the worker too
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        if parent is not None:
            _die_with(parent)
        os.close(read)
        for other in earlier:
            os.close(other.pipe)
        _work(task, write)
    os.close(write)
    return pid, read


def _counter(counts: mmap.mmap, index: int) -> Callable[[int, int], None]:
    """A worker's progress callback: its rows done, in slot ``index`` of the shared
    ``counts`` the parent draws the progress bar from."""

    def count(done: int, total: int) -> None:
        struct.pack_into("<q", counts, 8 * index, done)

    return count


@dataclass
class _Job:
    run: Run
    supporters: SupporterFile
    audience: Audience
    maker: MessageMaker
    part: Any
    reports: Path

    def window(self, start: int, end: int | None) -> dict[str, Any]:
        """The worker's records ``start`` to ``end``, after noting those before."""
        from outreach.merge.journal import Seen
        from outreach.merge.rows import rows as process

        run, maker = self.run, self.maker
        seen = Seen()
        try:
            with open(self.reports, "w", encoding="utf-8") as found:
                run.reports = found  # bad rows go to the parent with their lines
                rows = self.supporters.rows()
                _skim(itertools.islice(rows, start), self.audience, seen)
                mine = rows if end is None else itertools.islice(rows, end - start)
                with self.part as target:
                    total = self.supporters.records
                    process(run, mine, total, self.audience, seen, maker, target, None)  # type: ignore[arg-type]
        finally:
            seen.close()
        return {
            "summary": run.summary,
            "stats": maker.stats,
            "notes": maker.notes,
            "refused": maker.refused,
        }


def _skim(rows: Iterator[Row], audience: Audience, seen: Seen) -> None:
    """Note the valid supporters of ``rows`` as the run before the window would have."""
    for row in rows:
        if audience.in_shard(row):
            supporter = audience.supporter(row)
            if not isinstance(supporter, str):
                seen.see(supporter.address.key, supporter.line, supporter.choice.locale)


def _work(task: Any, write: int) -> NoReturn:
    """In the worker: ``task()``'s result (or its error) down the pipe. Never returns, and
    leaves by ``os._exit``: nothing of the parent's (buffers, atexit, temporary files, the
    output's ``with``) runs twice."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent speaks for all
        payload = task()
    except BaseException as exc:  # everything goes to the parent, as text
        status = 1
        payload = {"error": _describe(exc)}
        if os.environ.get("OUTREACH_DEBUG"):
            traceback.print_exc()
    try:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(pickle.dumps(payload))
        sys.stderr.flush()
    except BaseException:  # the parent sees a worker that said nothing
        status = 1
    finally:
        os._exit(status)


def _describe(exc: BaseException) -> dict[str, Any]:
    """An exception as text the parent can raise again, printing what the CLI prints."""
    if isinstance(exc, OutreachError):
        return {
            "kind": "outreach",
            "message": exc.message,
            "path": exc.path,
            "line": exc.line,
            "exit_code": exc.exit_code,
        }
    if isinstance(exc, OSError):  # as the command line prints one
        where = f"{exc.filename}: " if exc.filename else ""
        return {"kind": "os", "message": f"{where}{exc.strerror or exc}", "exit_code": 2}
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return {"kind": "internal", "message": text, "exit_code": 2}


def _error(result: dict[str, Any]) -> Exception:
    error = result["error"]
    if error["kind"] == "outreach":
        return WorkerError(
            error["message"], path=error["path"], line=error["line"], exit_code=error["exit_code"]
        )
    if error["kind"] == "os":
        return WorkerError(error["message"], path=None, line=None, exit_code=2)
    return RuntimeError(f"in a --jobs worker: {error['message']}")


def _collect(workers: list[_Worker], shown: Any, lost: str = "nothing was written") -> None:
    """Read every worker's pipe to its end and reap it, showing the progress now and then;
    on the first failure, stop the others (their work would be thrown away)."""
    with selectors.DefaultSelector() as selector:
        for worker in workers:
            selector.register(worker.pipe, selectors.EVENT_READ, worker)
        open_pipes = len(workers)
        while open_pipes:
            shown()
            for key, _ in selector.select(timeout=0.25):
                worker = key.data
                chunk = os.read(worker.pipe, 1 << 16)
                if chunk:
                    worker.data += chunk
                    continue
                selector.unregister(worker.pipe)
                os.close(worker.pipe)
                open_pipes -= 1
                worker.result = _reap(worker, lost)
                if "error" in worker.result:
                    _stop([w for w in workers if w.result is None])
                    return


def _reap(worker: _Worker, lost: str = "nothing was written") -> dict[str, Any]:
    _, status = os.waitpid(worker.pid, 0)
    if worker.data:
        try:
            result: dict[str, Any] = pickle.loads(bytes(worker.data))
            return result
        except Exception:  # cut short: judged by its status below
            pass
    if os.WIFSIGNALED(status):
        why = f"was killed by signal {os.WTERMSIG(status)}"
    else:
        why = f"ended with status {os.waitstatus_to_exitcode(status)} and no result"
    message = f"--jobs worker {worker.index + 1} {why}: {lost}"
    return {"error": {"kind": "os", "message": message, "exit_code": 2}}


def _stop(workers: list[_Worker]) -> None:
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGTERM)
    for worker in workers:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)
        with contextlib.suppress(OSError):
            os.close(worker.pipe)  # still open: its end was not reached
        worker.result = {"stopped": True}


class _Entered:
    """A directory writer the worker uses without entering (the parent made it)."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def __enter__(self) -> Any:
        return self.writer

    def __exit__(self, *exc: object) -> None:
        return None


def _combine(run: Run, maker: MessageMaker, results: list[dict[str, Any]]) -> None:
    """The workers' summaries added up in window order: every count, and keys in the
    order one process first met them."""
    summary = run.summary
    for result in results:
        part = result["summary"]
        summary.rows += part.rows
        summary.in_shard += part.in_shard
        summary.valid += part.valid
        summary.bad_rows += part.bad_rows
        summary.unsafe_rows += part.unsafe_rows
        for name in ("locales", "choices", "fallbacks", "outcome", "suppressed"):
            getattr(summary, name).update(getattr(part, name))
        maker.stats.update(result["stats"])
        for key, note in result["notes"].items():
            maker.notes.setdefault(key, note)
        for locale, found in result["refused"].items():
            maker.refused.setdefault(locale, found)


def _report(run: Run, paths: list[Path]) -> None:
    """Every worker's bad rows, in window order: the order of their lines."""
    from outreach.merge.rows import KEEP

    problems = run.summary.problems
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            for entry in stream:
                try:
                    text = json.loads(entry)
                except ValueError:  # the last line of a worker that was killed
                    continue
                if len(problems) < KEEP:
                    problems.append(text)
                run.report(text)
