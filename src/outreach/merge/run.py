"""One merge run: supporters in, messages out (a file, a directory, SMTP or nowhere).

The CSV streams through: each row is checked (:mod:`~outreach.merge.audience`), noted in
the journal (which finds duplicates and, for SMTP, remembers who has their message), turned
into a message (:mod:`~outreach.merge.skeleton`) and written or handed to a connection
(:mod:`~outreach.merge.delivery`). Memory holds a few messages at a time, whatever the
length of the CSV.

For SMTP the order of writes is what makes a crash harmless: a batch of recipients is
committed as ``sending`` before any of its messages is queued, and each outcome is committed
with the next batch (at most :data:`BATCH` + 3 x connections messages are in flight).
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from outreach.errors import UsageError
from outreach.mail import HeaderError

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.checks.cache import CheckCache
    from outreach.checks.registry import Finding
    from outreach.merge.audience import Audience, Supporter
    from outreach.merge.delivery import Delivery, SmtpSettings
    from outreach.merge.journal import Journal
    from outreach.merge.outputs import Writer
    from outreach.merge.skeleton import MessageMaker, Outgoing
    from outreach.merge.supporters import Row

__all__ = ["BATCH", "MergeOptions", "MergeSummary", "default_journal", "journal_status", "merge"]

#: Recipients committed as ``sending`` at a time.
BATCH = 16
_KEEP = 1000  # bad-row lines the summary keeps (all are reported as they are found)


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
    #: the check cache (:mod:`outreach.checks.cache`): catalogs checked before start faster
    cache: CheckCache | None = None


@dataclass
class MergeSummary:
    """What a run did; :meth:`to_json` for ``--format json``."""

    message: str
    mode: str
    rows: int = 0
    in_shard: int = 0
    valid: int = 0
    bad_rows: int = 0
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

    @property
    def messages(self) -> int:
        return sum(self.rendered.values())

    @property
    def ok(self) -> bool:
        bad = self.outcome["failed"] + self.outcome["deferred"]
        return not (self.bad_rows or bad or self.refused or self.fatal)

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "mode": self.mode,
            "rows": self.rows,
            "in_shard": self.in_shard,
            "valid": self.valid,
            "bad_rows": self.bad_rows,
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
        }


def default_journal(supporters: Path, message: str, shard: tuple[int, int] | None) -> Path:
    """``supporters.<message>[.shard-K-of-N].journal`` beside the CSV: the same command
    finds the same journal."""
    part = f".shard-{shard[0]}-of-{shard[1]}" if shard else ""
    return supporters.with_name(f"{supporters.stem}.{message}{part}.journal")


def journal_status(path: Path) -> dict[str, Any]:
    """The summary of a journal, without sending (``--status``)."""
    from outreach.merge.journal import Journal

    journal = Journal.open(path, {}, readonly=True)
    try:
        return {
            "journal": str(path),
            "runs": journal.run,
            "meta": {k: v for k, v in journal.meta().items() if k != "run"},
            "states": journal.counts(),
            "locales": journal.by_locale(),
            "problems": [
                {
                    "key": k,
                    "line": line,
                    "state": "failed" if s == "failed" else "deferred",
                    "reply": r,
                }
                for k, line, s, r in journal.problems()
            ],
        }
    finally:
        journal.close()


class _Run:
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

    def bad(self, line: int, reason: str) -> None:
        from outreach.display import visible

        text = f"{self.options.supporters}:{line}: {visible(reason)}"
        self.summary.bad_rows += 1
        if self.reports is not None:  # a --jobs worker: the parent reports them in order
            self.reports.write(json.dumps(text) + "\n")
            return
        if len(self.summary.problems) < _KEEP:
            self.summary.problems.append(text)
        self.report(text)

    def limited(self) -> bool:
        limit = self.options.limit
        return limit is not None and self.sent_this_run >= limit


def merge(
    campaign: Campaign,
    options: MergeOptions,
    *,
    report: Callable[[str], None] = lambda line: None,
    progress: Callable[[int, int], None] | None = None,
) -> MergeSummary:
    """Run a merge; ``report`` gets each bad row's line as it is found, ``progress`` the
    rows read and the total now and then. Raises :class:`~outreach.errors.OutreachError`
    for what stops the run before it starts (exit 2); the summary's ``fatal`` says what
    stopped it midway (a server that went away, a refused sender)."""
    from outreach.merge.audience import Audience, Negotiator
    from outreach.merge.journal import Journal, Seen
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import open_supporters
    from outreach.render import EMAIL, Renderer
    from outreach.unsubscribe import Unsubscribe

    started = time.monotonic()
    if options.jobs > 1 and (
        (options.smtp and not options.dry_run) or options.proof_to or options.limit is not None
    ):
        raise UsageError("--jobs is for --out, --out-dir and --dry-run without --to or --limit")
    run = _Run(campaign, options, report, progress)
    # Over SMTP nothing may leave before the whole CSV is known to parse; files are
    # written atomically, so for them a check of the encoding is enough up front.
    parse_all = bool(options.smtp) and not options.dry_run
    supporters = open_supporters(options.supporters, encoding=options.encoding, parse_all=parse_all)
    renderer = Renderer(campaign, options.variables, cache=options.cache)
    message = renderer.resolve_message(options.message)
    if EMAIL not in renderer.channels(message):
        raise UsageError(f"message {message!r} has no email (no body or text block)")
    settings = campaign.email
    unsubscribe = Unsubscribe(settings.unsubscribe_url, settings.unsubscribe_mailto)
    problem = unsubscribe.check_secret()
    if problem:
        raise UsageError(problem)
    delivery, utf8 = None, True
    if options.smtp and not options.dry_run:
        delivery, utf8 = _connect(options.smtp, campaign)
    newline = b"\n" if options.mbox and not (options.smtp or options.dry_run) else b"\r\n"
    maker = MessageMaker(
        campaign, renderer, message, supporters.columns, unsubscribe, utf8=utf8, newline=newline
    )
    maker.prepare(campaign.locales)
    if options.cache is not None:
        options.cache.save()  # every catalog is loaded now
    audience = Audience(
        Negotiator(campaign.locales, campaign.source_locale),
        supporters.columns,
        maker.use.subject,
        options.shard,
    )
    if options.jobs > 1:
        from outreach.merge.parallel import run_jobs

        with _writer(options, maker) as writer:
            run_jobs(run, supporters, audience, maker, writer, options.jobs)
        return _finish(run, maker, started)
    use_journal = delivery is not None and not options.proof_to
    journal_path = options.journal or default_journal(options.supporters, message, options.shard)
    if use_journal:
        shard = f"{options.shard[0]}/{options.shard[1]}" if options.shard else "all"
        identity = {"campaign": campaign.name, "message": message, "shard": shard}
        journal = Journal.open(journal_path, identity)
        run.summary.journal = str(journal_path)
    else:
        journal = Seen()  # type: ignore[assignment]  # the same see(), in fixed memory
    writer = _writer(options, maker)
    try:
        with writer:
            if delivery is not None:
                delivery.start()
            try:
                rows = supporters.rows()
                _rows(run, rows, supporters.records, audience, journal, maker, writer, delivery)
            finally:
                if delivery is not None:
                    delivery.close()
                    _drain(run, journal, delivery)
                    if delivery.fatal is not None:
                        run.summary.fatal = str(delivery.fatal)
                journal.commit()
    finally:
        journal.close()
    return _finish(run, maker, started)


def _finish(run: _Run, maker: MessageMaker, started: float) -> MergeSummary:
    run.summary.rendered.update(maker.stats)
    run.summary.notes = list(maker.notes.values())
    run.summary.refused = [f for found in maker.refused.values() for f in found]
    run.summary.seconds = time.monotonic() - started
    return run.summary


def _connect(smtp: SmtpSettings, campaign: Campaign) -> tuple[Delivery, bool]:
    from outreach.merge.compose import DateLine
    from outreach.merge.delivery import Delivery

    sender = campaign.email.sender or ""
    envelope = email.utils.parseaddr(sender)[1]
    if not envelope:
        raise UsageError('merge over SMTP needs [email] from = "Name <address>" in campaign.toml')
    delivery = Delivery(dataclasses.replace(smtp, envelope_from=envelope), DateLine())
    connection = delivery.probe()
    utf8 = connection.has_extn("smtputf8")
    try:
        connection.quit()
    except OSError:
        connection.close()
    return delivery, utf8


def _writer(options: MergeOptions, maker: MessageMaker) -> Writer:
    from outreach.merge.outputs import DirectoryWriter, MboxWriter, Writer

    if options.dry_run or options.smtp:
        return Writer()
    if options.mbox:
        return MboxWriter(options.mbox, sender=email.utils.parseaddr(maker.sender)[1])
    assert options.out_dir is not None
    return DirectoryWriter(options.out_dir)


def _rows(
    run: _Run,
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
    batch: list[Outgoing] = []
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
        if state == "failed" and not options.retry_failed:
            summary.outcome["failed earlier"] += 1
            continue
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
        batch.append(outgoing)
        if len(batch) >= BATCH:
            _flush(run, journal, delivery, batch)
    if options.proof_to:
        _proofs(run, maker, writer, delivery)
    elif delivery is not None:
        _flush(run, journal, delivery, batch)
    if run.progress is not None:  # the total was an estimate (line breaks) for files
        run.progress(summary.rows, summary.rows)


def campaign_label(maker: MessageMaker, locale: str) -> str:
    return maker.campaign.label(locale)


def _flush(run: _Run, journal: Journal, delivery: Delivery, batch: list[Outgoing]) -> None:
    journal.sending_all([outgoing.key for outgoing in batch])
    journal.commit()  # every message of the batch is "sending" on disk before it leaves
    for outgoing in batch:
        delivery.submit(outgoing)
    batch.clear()
    _drain(run, journal, delivery)
    journal.commit()


def _drain(run: _Run, journal: Journal, delivery: Delivery) -> None:
    import queue

    outcomes: list[tuple[str, str, str]] = []
    while True:
        try:
            result = delivery.results.get_nowait()
        except queue.Empty:
            break
        state = "pending" if result.state == "deferred" else result.state
        outcomes.append((result.key, state, result.reply))
        run.summary.outcome[result.state] += 1
        if result.state != "accepted":
            from outreach.display import visible

            where = f"{run.options.supporters}:{result.line}"
            run.report(f"{where}: {result.state}: {visible(result.reply)}")
    if outcomes and journal.path is not None:
        journal.record_all(outcomes)


def _proofs(run: _Run, maker: MessageMaker, writer: Writer, delivery: Delivery | None) -> None:
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
