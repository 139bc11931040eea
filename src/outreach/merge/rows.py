"""The row loop of a merge: each row checked, noted in the journal, built, then written or sent.

:func:`rows` is what one process does with its rows, whether they are all of the CSV's
(:func:`outreach.merge.run.merge`) or a ``--jobs`` worker's window
(:mod:`outreach.merge.parallel`); :class:`Run` carries the run's options, summary and
reporting between them.

For SMTP the row loop notes each recipient in the journal and queues the message; each
connection of :class:`~outreach.merge.delivery.Delivery` commits a message as ``sending``
together with the outcome of its previous one, before it sends it: a crash repeats at most
one message a connection. Outcomes come back to the row loop only to be counted and
reported: ``SUPPORTERS.csv:LINE: ADDRESS: failed|deferred: the server's reply``.

>>> summary = MergeSummary("share", "mbox")
>>> summary.ok, summary.to_json()["mode"]
(True, 'mbox')
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from outreach.errors import HeaderError, UsageError

if TYPE_CHECKING:
    from outreach.cache import CheckCache
    from outreach.campaign import Campaign
    from outreach.findings import Finding
    from outreach.merge.audience import Audience, Supporter
    from outreach.merge.delivery import Delivery, SmtpSettings
    from outreach.merge.journal import Journal
    from outreach.merge.outputs import Writer
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import Row
    from outreach.suppression import Suppression

__all__ = [
    "BATCH",
    "KEEP",
    "MergeOptions",
    "MergeSummary",
    "Run",
    "campaign_label",
    "drain",
    "rows",
]

#: Rows between two looks at the outcomes (and commits of the rows read).
BATCH = 16
KEEP = 1000  # bad-row lines the summary keeps (all are reported as they are found)


@dataclass(frozen=True)
class MergeOptions:
    """What ``outreach merge`` was asked to do (see the command's help)."""

    supporters: Path
    message: str
    mbox: Path | None = None
    out_dir: Path | None = None
    smtp: SmtpSettings | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    limit: int | None = None
    dry_run: bool = False
    proof_to: str | None = None
    journal: Path | None = None
    shard: tuple[int, int] | None = None
    retry_failed: bool = False
    jobs: int = 1
    #: the check cache (:mod:`outreach.cache`): catalogs checked before start faster
    cache: CheckCache | None = None
    #: ``--suppress`` files (with ``[merge] suppress``'s: :mod:`outreach.merge.suppress`)
    suppress: tuple[Path, ...] = ()


@dataclass
class MergeSummary:
    """What a run did; :meth:`to_json` for ``--format json``."""

    message: str
    mode: str
    rows: int = 0
    in_shard: int = 0
    valid: int = 0
    bad_rows: int = 0
    unsafe_rows: int = 0  # of the bad rows: sign-up text refused where it goes (audience.Unsafe)
    problems: list[str] = field(default_factory=list)
    locales: Counter[str] = field(default_factory=Counter)
    choices: Counter[str] = field(default_factory=Counter)  # first, later, fallback, none
    fallbacks: Counter[str] = field(default_factory=Counter)  # "de -> en"
    outcome: Counter[str] = field(default_factory=Counter)
    rendered: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    refused: list[Finding] = field(default_factory=list)
    journal: str | None = None
    seconds: float = 0.0
    fatal: str | None = None
    #: the supporters not accepted (the first :data:`KEEP`): line, address, state, reply
    undelivered: list[dict[str, Any]] = field(default_factory=list)
    #: supporters left out by a suppression list, by reason (``bounced``: a 5xx earlier)
    suppressed: Counter[str] = field(default_factory=Counter)
    #: the suppression lists read, and how many addresses they hold
    suppression: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return sum(self.rendered.values())

    @property
    def ok(self) -> bool:
        """Every supporter was accepted (now or by an earlier run), every row was good."""
        outcome = self.outcome
        bad = outcome["failed"] + outcome["deferred"] + outcome["failed earlier"]
        return not (self.bad_rows or bad or self.refused or self.fatal)

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "mode": self.mode,
            "rows": self.rows,
            "in_shard": self.in_shard,
            "valid": self.valid,
            "bad_rows": self.bad_rows,
            "unsafe_rows": self.unsafe_rows,
            "locales": dict(self.locales),
            "choices": dict(self.choices),
            "fallbacks": dict(self.fallbacks),
            "outcome": dict(self.outcome),
            "rendered": dict(self.rendered),
            "notes": self.notes,
            "refused": [f.to_json() for f in self.refused],
            "journal": self.journal,
            "seconds": round(self.seconds, 3),
            "messages_per_second": round(self.messages / self.seconds, 1) if self.seconds else None,
            "fatal": self.fatal,
            "undelivered": self.undelivered,
            "suppressed": dict(self.suppressed),
            "suppression": self.suppression,
        }


class Run:
    def __init__(
        self,
        campaign: Campaign,
        options: MergeOptions,
        report: Callable[[str], None],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.campaign = campaign
        self.options = options
        self.report = report
        self.progress = progress
        mode = (
            "dry-run"
            if options.dry_run
            else "proof"
            if options.proof_to
            else ("smtp" if options.smtp else "mbox" if options.mbox else "out-dir")
        )
        self.summary = MergeSummary(options.message, mode)
        self.sent_this_run = 0
        self.proofs: dict[str, Supporter] = {}
        self.reports: TextIO | None = None  # a --jobs worker's bad rows, for the parent
        #: who must not be reached (:func:`outreach.merge.suppress.suppression_for`)
        self.suppression: Suppression | None = None

    def bad(self, line: int, reason: str) -> None:
        from outreach.display import visible
        from outreach.merge.audience import Unsafe

        text = f"{self.options.supporters}:{line}: {visible(reason)}"
        self.summary.bad_rows += 1
        self.summary.unsafe_rows += isinstance(reason, Unsafe)
        if self.reports is not None:  # a --jobs worker: the parent reports them in order
            self.reports.write(json.dumps(text) + "\n")
            return
        if len(self.summary.problems) < KEEP:
            self.summary.problems.append(text)
        self.report(text)

    def undelivered(self, line: int, address: str, state: str, reply: str) -> None:
        """A supporter who was not accepted: reported now, kept for the summary."""
        from outreach.display import visible

        if len(self.summary.undelivered) < KEEP:
            self.summary.undelivered.append(
                {"line": line, "address": address, "state": state, "reply": reply}
            )
        self.report(
            f"{self.options.supporters}:{line}: {visible(address)}: {state}: {visible(reply)}"
        )

    def limited(self) -> bool:
        limit = self.options.limit
        return limit is not None and self.sent_this_run >= limit


def rows(
    run: Run,
    rows: Iterator[Row],
    total: int,
    audience: Audience,
    journal: Journal,
    maker: MessageMaker,
    writer: Writer,
    delivery: Delivery | None,
) -> None:
    """Every row of ``rows`` (all of the CSV's, or a ``--jobs`` worker's share) checked,
    noted in ``journal`` and written or sent; ``total`` is for the progress."""
    summary, options = run.summary, run.options
    tick = time.monotonic()
    for count, row in enumerate(rows, 1):
        summary.rows = count
        if run.progress is not None and (count & 255) == 0 and time.monotonic() - tick > 0.2:
            tick = time.monotonic()
            run.progress(count, total)
        if delivery is not None and delivery.stop.is_set():
            break
        if not audience.in_shard(row):
            continue
        summary.in_shard += 1
        supporter = audience.supporter(row)
        if isinstance(supporter, str):
            run.bad(row.line, supporter)
            continue
        if run.suppression is not None:  # never rendered, never sent, counted by reason
            reason = run.suppression.reason(supporter.address.key)
            if reason is not None:
                summary.suppressed[reason] += 1
                continue
        state, extra = journal.see(supporter.address.key, supporter.line, supporter.choice.locale)
        if state == "duplicate":
            run.bad(row.line, f"duplicate: {supporter.address.spec} is also on line {extra}")
            continue
        summary.valid += 1
        choice = supporter.choice
        summary.locales[campaign_label(maker, choice.locale)] += 1
        summary.choices[choice.kind] += 1
        if choice.kind in ("later", "fallback"):
            summary.fallbacks[f"{choice.asked} -> {campaign_label(maker, choice.locale)}"] += 1
        if options.proof_to:
            run.proofs.setdefault(choice.locale, supporter)
            continue
        if state == "accepted":
            summary.outcome["accepted earlier"] += 1
            continue
        if state == "failed":
            if not options.retry_failed:
                summary.outcome["failed earlier"] += 1
                reply = f"{extra} (--retry-failed sends it again)" if extra else "--retry-failed"
                run.undelivered(row.line, supporter.address.spec, "failed earlier", reply)
                continue
            if delivery is not None:
                journal.retry(supporter.address.key)
        if state == "sending":
            summary.outcome["resent (in flight at a crash)"] += 1
        if run.limited():
            summary.outcome["left for a later run (--limit)"] += 1
            continue
        try:
            outgoing = maker.make(supporter)
        except HeaderError as exc:
            run.bad(row.line, exc.message)
            continue
        run.sent_this_run += 1
        if delivery is None:
            if not options.dry_run:
                writer.write_message(outgoing, maker.date())
            summary.outcome["written" if not options.dry_run else "checked"] += 1
            continue
        delivery.submit(outgoing)
        if run.sent_this_run % BATCH == 0:
            journal.commit()
            drain(run, delivery)
    if options.proof_to:
        _proofs(run, maker, writer, delivery)
    journal.commit()
    if run.progress is not None:  # the total was an estimate (line breaks) for files
        run.progress(summary.rows, summary.rows)


def campaign_label(maker: MessageMaker, locale: str) -> str:
    return maker.campaign.label(locale)


def drain(run: Run, delivery: Delivery) -> None:
    """Count and report the outcomes so far (the connections have journaled them), and
    report what they noted about the connections."""
    import queue

    from outreach.display import visible

    while True:
        try:
            note = delivery.notes.get_nowait()
        except queue.Empty:
            break
        run.report(f"outreach: {visible(note)}")
    while True:
        try:
            result = delivery.results.get_nowait()
        except queue.Empty:
            break
        if result.state == "unsent":  # the run stopped: one line says why, not one a row
            run.summary.outcome["not sent (the run stopped)"] += 1
            continue
        run.summary.outcome[result.state] += 1
        if result.state == "accepted":
            continue
        reply = result.reply
        if result.state == "deferred" and result.attempts:
            limit = delivery.settings.attempts
            reply += f" (attempt {result.attempts} of {limit}: the next run tries again)"
        run.undelivered(result.line, result.address or result.key, result.state, reply)


def _proofs(run: Run, maker: MessageMaker, writer: Writer, delivery: Delivery | None) -> None:
    assert run.options.proof_to is not None
    from outreach.merge.supporters import Address, parse_address

    proof = parse_address(run.options.proof_to)
    if not isinstance(proof, Address):
        raise UsageError(f"--to {run.options.proof_to!r}: {proof}")
    for locale in maker.campaign.locales:
        supporter = run.proofs.get(locale)
        if supporter is None:
            run.summary.notes.append(f"no supporter in {maker.campaign.label(locale)}: no proof")
            continue
        outgoing = maker.make(supporter, proof_to=proof.spec)
        outgoing = outgoing._replace(recipient=proof.spec, utf8=proof.utf8, key=proof.key)
        run.summary.outcome["proofs"] += 1
        if delivery is not None:
            delivery.submit(outgoing)
        elif not run.options.dry_run:
            writer.write_message(outgoing, maker.date())  # its line is the supporter's
