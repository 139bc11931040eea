"""What ``outreach merge`` shows: progress while it runs, then a summary.

On a terminal the progress is a tqdm bar with the rate and the time left; otherwise (a log,
CI) a plain line every few seconds. Bad rows are printed as they are found, above the bar.

>>> from outreach.merge.run import MergeSummary
>>> s = MergeSummary("share", "mbox", rows=3, in_shard=3, valid=2, bad_rows=1)
>>> s.locales.update({"en": 1, "es": 1}); s.outcome["written"] = 2
>>> print("\\n".join(summary_lines(s)))
share: 3 rows, 2 supporters, 1 bad row (skipped)
locales: en 1, es 1
messages: written 2
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from outreach.merge.rows import KEEP
from outreach.merge.run import MergeSummary

__all__ = ["Progress", "status_lines", "summary_lines"]


class Progress:
    """``Progress()(done, total)``; ``write(line)`` prints above the bar."""

    def __init__(self, stream: TextIO | None = None, *, every: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.bar: Any = None
        self.every = every
        self.last = 0.0
        self.started = time.monotonic()
        self.tty = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="row", file=self.stream, dynamic_ncols=True)
            if total != self.bar.total:  # the count of records, known at the end
                self.bar.total = total
            self.bar.update(done - self.bar.n)
            return
        now = time.monotonic()
        if done >= total and not self.last:
            return  # a short run needs no progress line
        if now - max(self.last, self.started) < self.every and done < total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        left = (total - done) / rate if rate else 0
        self.stream.write(f"{done:,}/{total:,} rows ({rate:,.0f}/s, about {left:,.0f} s left)\n")
        self.stream.flush()

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            self.stream.write(line + "\n")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _counts(counter: Any) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counter.items())


def summary_lines(summary: MergeSummary) -> list[str]:
    """The summary, as lines for a person."""
    bad = summary.bad_rows
    shard = f" ({summary.in_shard:,} in this shard)" if summary.in_shard != summary.rows else ""
    lines = [
        f"{summary.message}: {summary.rows:,} rows{shard}, {summary.valid:,} supporters"
        + (f", {bad:,} bad row{'s' if bad != 1 else ''} (skipped)" if bad else "")
    ]
    if summary.unsafe_rows:
        lines.append(f"sign-up text refused: {summary.unsafe_rows:,} of the bad rows (see above)")
    if summary.suppressed:
        total = sum(summary.suppressed.values())
        bounced = " (bounced: a server refused them with a 5xx in an earlier run)"
        lines.append(
            f"suppressed: {total:,} ({_counts(summary.suppressed)}), not written or sent"
            + (bounced if summary.suppressed.get("bounced") else "")
        )
    if summary.locales:
        lines.append(f"locales: {_counts(summary.locales)}")
    fell = summary.choices["later"] + summary.choices["fallback"]
    if fell:
        top = ", ".join(f"{k} ({v:,})" for k, v in summary.fallbacks.most_common(8))
        lines.append(f"fell back: {fell:,} ({top})")
    if summary.choices["none"]:
        lines.append(f"no locale given: {summary.choices['none']:,} (the source locale)")
    if summary.outcome:
        lines.append(f"messages: {_counts(summary.outcome)}")
    not_accepted = len(summary.undelivered)
    if not_accepted:
        more = "+" if not_accepted >= KEEP else ""
        lines.append(
            f"not accepted: {not_accepted:,}{more} supporter{'s' if not_accepted != 1 else ''} "
            "(each reported as CSV:LINE: ADDRESS: state: the server's reply)"
        )
    if summary.rendered.get("full"):
        lines.append(
            f"rendered: {summary.rendered['skeleton']:,} from skeletons, "
            f"{summary.rendered['full']:,} in full"
        )
    lines.extend(f"note: {note}" for note in summary.notes)
    if summary.journal:
        lines.append(f"journal: {summary.journal}")
    if summary.seconds and summary.messages:
        rate = summary.messages / summary.seconds
        lines.append(f"{summary.messages:,} messages in {summary.seconds:.1f} s ({rate:,.0f}/s)")
    return lines


def status_lines(status: dict[str, Any]) -> list[str]:
    """``--status``, as lines for a person."""
    meta = status["meta"]
    lines = [
        f"{status['journal']}: {meta.get('message', '?')} of {meta.get('campaign', '?')} "
        f"(shard {meta.get('shard', 'all')}), {status['runs']} run(s)",
        "states: " + (_counts(status["states"]) or "no recipients yet"),
    ]
    for locale, states in sorted(status["locales"].items()):
        lines.append(f"  {locale}: {_counts(states)}")
    for problem in status["problems"]:
        line = "?" if problem["line"] is None else problem["line"]  # an edited journal's
        lines.append(f"line {line}: {problem['key']}: {problem['state']}: {problem['reply']}")
    return lines
