"""One merge run: supporters in, messages out (a file, a directory, SMTP or nowhere).

The CSV streams through: each row is checked (:mod:`~outreach.merge.audience`), noted in
the journal (which finds duplicates and, for SMTP, remembers who has their message), turned
into a message (:mod:`~outreach.merge.skeleton`) and written or handed to a connection
(:mod:`~outreach.merge.delivery`) by the row loop (:mod:`~outreach.merge.rows`), in this
process or in ``--jobs`` workers (:mod:`~outreach.merge.parallel`). Memory holds a few
messages at a time, whatever the length of the CSV.

>>> default_journal(Path("supporters.csv"), "share", (2, 4)).name
'supporters.share.shard-2-of-4.journal'
"""

from __future__ import annotations

import copy
import dataclasses
import email.utils
import functools
import glob
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.errors import JournalError, UsageError
from outreach.merge.rows import BATCH, MergeOptions, MergeSummary, Run, campaign_label, drain, rows

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.merge.audience import Audience
    from outreach.merge.delivery import Delivery, SmtpSettings
    from outreach.merge.outputs import Writer
    from outreach.merge.privacy import PrivacyRule
    from outreach.merge.release import Gate
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import SupporterFile
    from outreach.render import Renderer
    from outreach.unsubscribe import Unsubscribe

__all__ = [
    "BATCH",
    "MergeOptions",
    "MergeSummary",
    "check_layout",
    "default_journal",
    "jobs_status",
    "journal_layouts",
    "journal_status",
    "merge",
    "sample_values",
    "shard_journal",
]


def default_journal(supporters: Path, message: str, shard: tuple[int, int] | None) -> Path:
    """``supporters.<message>[.shard-K-of-N].journal`` beside the CSV: the same command
    finds the same journal."""
    part = f".shard-{shard[0]}-of-{shard[1]}" if shard else ""
    return supporters.with_name(f"{supporters.stem}.{message}{part}.journal")


def journal_status(path: Path) -> dict[str, Any]:
    """The summary of a journal, without sending (``--status``). Values an edit of the
    journal left unreadable are shown, not refused (:mod:`outreach.merge.journal`): a line
    that is not a number is ``None`` (``?`` in the text, last in line order), a text that
    is not one ``"?"``."""
    from outreach.merge.journal import Journal

    journal = Journal.open(path, {}, readonly=True)
    try:
        problems = [
            {
                "key": k,
                "line": line,
                "state": {"pending": "deferred"}.get(s, s),
                "reply": r if s != "sending" else _UNCERTAIN,
            }
            for k, line, s, r in journal.problems()
        ]
        return {
            "journal": str(path),
            "runs": journal.run,
            "meta": {k: v for k, v in journal.meta().items() if k != "run"},
            "states": journal.counts(),
            "locales": journal.by_locale(),
            "problems": sorted(problems, key=_by_line),
        }
    finally:
        journal.close()


_SHARD_SUFFIX = re.compile(r"\.shard-(\d+)-of-(\d+)$")


def journal_layouts(options: MergeOptions, message: str) -> dict[int, list[Path]]:
    """The journals of this CSV and message that exist, by the number of shards that wrote
    them: 1 for one process without ``--shard``, N for ``--jobs N`` (or ``--shard K/N``,
    whose journals are named alike). ``--journal`` names them if given.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("s.share.journal", "s.share.shard-0-of-2.journal", "s.hello.journal"):
    ...     _ = (folder / name).write_bytes(b"")
    >>> options = MergeOptions(supporters=folder / "s.csv", message="share")
    >>> {n: [p.name for p in found] for n, found in journal_layouts(options, "share").items()}
    {1: ['s.share.journal'], 2: ['s.share.shard-0-of-2.journal']}
    """
    single = shard_journal(dataclasses.replace(options, jobs=1), message, None)
    if options.journal is None:
        stem, end = single.name.removesuffix(".journal"), ".journal"
    else:
        stem, end = single.name, ""
    found: dict[int, list[Path]] = {}
    if single.exists():
        found[1] = [single]
    for path in sorted(single.parent.glob(f"{glob.escape(stem)}.shard-*-of-*{end}")):
        match = _SHARD_SUFFIX.search(path.name.removesuffix(end) if end else path.name)
        if match is not None and path.name.endswith(end):
            found.setdefault(int(match.group(2)), []).append(path)
    return found


def _layout(count: int) -> str:
    return "one process (no --jobs, no --shard)" if count == 1 else f"--jobs {count}"


def check_layout(options: MergeOptions, message: str) -> None:
    """Refuse to send when this command's journals were written by another number of
    shards: each journal knows only its own supporters, so ``--jobs 3`` after ``--jobs 2``
    (or none after ``--jobs 2``) would email again everyone the old journals have.
    :class:`~outreach.errors.JournalError` names them and the way to resume."""
    count = options.jobs if options.jobs > 1 else options.shard[1] if options.shard else 1
    others = {n: paths for n, paths in journal_layouts(options, message).items() if n != count}
    if others:
        n, paths = min(others.items())
        names = ", ".join(path.name for path in paths[:3]) + (", ..." if len(paths) > 3 else "")
        raise JournalError(
            f"this command was run with {_layout(n)} before ({names}): run it so again to "
            f"resume; with {_layout(count)} it would email again everyone those journals have",
            path=paths[0],
        )


def jobs_status(options: MergeOptions, message: str) -> dict[str, Any]:
    """``--status`` of a run: its journal's, or for ``--jobs N`` over SMTP its N shards'
    journals added up (states and locales summed, problems in line order), as one.

    A shard whose journal does not exist yet counts as empty; none at all is the same error
    one journal gives."""
    if options.jobs <= 1:
        path = shard_journal(options, message, options.shard)
        if not path.exists():
            check_layout(options, message)  # sent with --jobs N: say so, not "nothing here"
        return journal_status(path)
    paths = [shard_journal(options, message, (k, options.jobs)) for k in range(options.jobs)]
    found = [journal_status(path) for path in paths if path.exists()]
    if not found:
        check_layout(options, message)
        return journal_status(paths[0])  # says there is no journal, in one line
    states: Counter[str] = Counter()
    locales: dict[str, Counter[str]] = {}
    problems: list[dict[str, Any]] = []
    for status in found:
        states.update(status["states"])
        for locale, counts in status["locales"].items():
            locales.setdefault(locale, Counter()).update(counts)
        problems.extend(status["problems"])
    meta = dict(found[0]["meta"], shard=f"{len(found)} of {options.jobs} --jobs shards")
    return {
        "journal": ", ".join(status["journal"] for status in found),
        "runs": max(status["runs"] for status in found),
        "meta": meta,
        "states": dict(states),
        "locales": {locale: dict(counts) for locale, counts in locales.items()},
        "problems": sorted(problems, key=_by_line),
    }


def _by_line(problem: dict[str, Any]) -> tuple[bool, int]:
    """Problems in line order, those whose line an edit made unreadable (``None``) last,
    as SQLite orders a text or a blob after numbers (:meth:`Journal.problems`)."""
    line = problem["line"]
    return (line is None, line or 0)


_UNCERTAIN = "on the wire when a run stopped: the server may have it; the next run sends it again"


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
    from outreach.merge.plan import (
        has_email,
        plan_inputs,
        plan_key,
        recall_plan,
        store_plan,
        unchanged,
    )
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import open_supporters
    from outreach.render import Renderer
    from outreach.unsubscribe import Unsubscribe

    started = time.monotonic()
    sending = bool(options.smtp) and not options.dry_run
    if options.jobs > 1 and (options.proof_to or options.limit is not None):
        raise UsageError("--jobs goes without --to and --limit")
    if options.jobs > 1 and sending and options.shard:
        raise UsageError("--jobs over SMTP shards the supporters itself: leave out --shard")
    run = Run(campaign, options, report, progress)
    # Over SMTP nothing may leave before the whole CSV is known to parse; files are
    # written atomically, so for them a check of the encoding is enough up front.
    parse_all = bool(options.smtp) and not options.dry_run
    supporters = open_supporters(options.supporters, encoding=options.encoding, parse_all=parse_all)
    renderer = Renderer(campaign, options.variables, cache=options.cache)
    message = renderer.resolve_message(options.message)
    # What a run made before would work out again (:mod:`outreach.merge.plan`)
    planned = None if options.ready_only else options.cache
    inputs = plan_inputs(planned, campaign, renderer, message)
    again = functools.partial(plan_inputs, planned, campaign, renderer, message)
    if not has_email(planned, inputs, lambda: renderer.channels(message), again):
        raise UsageError(f"message {message!r} has no email (no body or text block)")
    _suppress(run, campaign, options, message)  # before anything is written or sent
    if sending and not options.proof_to:
        check_layout(options, message)  # before anything connects
    settings = campaign.email
    unsubscribe = Unsubscribe(settings.unsubscribe_url, settings.unsubscribe_mailto)
    problem = unsubscribe.check_secret()
    if problem:
        raise UsageError(problem)
    delivery, utf8 = None, True
    if options.smtp and not options.dry_run:
        delivery, utf8 = _connect(options.smtp, campaign)
    newline = b"\n" if options.mbox and not (options.smtp or options.dry_run) else b"\r\n"
    key = plan_key(
        planned,
        inputs,
        supporters.columns,
        unsubscribe,
        utf8=utf8,
        newline=newline,
        wire=delivery is not None,
    )
    plan = recall_plan(planned, key, campaign.locales)
    make_maker = functools.partial(
        MessageMaker,
        campaign,
        renderer,
        message,
        supporters.columns,
        unsubscribe,
        utf8=utf8,
        newline=newline,
        wire=delivery is not None,
    )
    maker = make_maker() if plan is None else make_maker(use=plan.use)
    if plan is not None and not maker.recall(plan.skeletons):
        plan = None  # a skeleton it names is gone: all worked out again
        maker = make_maker()
    run.gate = _gate(campaign, renderer, maker, options, recalled=plan is not None)
    worked_out = plan is None and sorted(maker.prepared) == sorted(campaign.locales)
    if worked_out and unchanged(inputs, again):  # and no file saved meanwhile
        store_plan(planned, key, maker.use, maker.prepared)
    run.private = _private(campaign, options, supporters.columns, maker, unsubscribe)
    if options.cache is not None:
        options.cache.save()  # every catalog is loaded now
    from outreach.merge.suppress import preferences_for

    audience = Audience(
        Negotiator(campaign.locales, campaign.source_locale),
        supporters.columns,
        maker.use.subject,
        options.shard,
        body_fields={*maker.use.plain, *maker.use.complex},
        kinds=campaign.merge_columns,
        preferences=preferences_for(campaign),
    )
    if options.jobs > 1 and sending:
        from outreach.merge.parallel import run_shards

        def send(index: int) -> None:  # in worker ``index``: its shard, connections, journal
            assert delivery is not None
            shard = (index, options.jobs)
            own = copy.copy(audience)  # its negotiation cache and all, for this shard
            own.shard = shard
            # the parent's Delivery, not started: its connection was checked once; a
            # connection this worker cannot make degrades as in one process
            delivery.share(options.jobs)
            _send(run, campaign, options, supporters, own, maker, message, delivery, shard)

        run_shards(run, maker, options.jobs, send)
        return _finish(run, maker, started)
    if options.jobs > 1:
        from outreach.merge.parallel import run_jobs

        with _writer(options, maker) as writer:
            run_jobs(run, supporters, audience, maker, writer, options.jobs)
        return _finish(run, maker, started)
    _send(run, campaign, options, supporters, audience, maker, message, delivery, options.shard)
    return _finish(run, maker, started)


def _gate(
    campaign: Campaign,
    renderer: Renderer,
    maker: MessageMaker,
    options: MergeOptions,
    *,
    recalled: bool = False,
) -> Gate:
    """Prepare each locale's message and hold those that cannot go out as translated: a
    catalog of the chain that cannot be read (not prepared at all), or a translation the
    message uses refused for an error finding; with ``--ready-only``, also those that are
    not ready (:mod:`outreach.release`), until ``[release] deadline`` when ``at_deadline =
    "fallback"`` (:mod:`outreach.merge.release`). ``recalled``: ``maker`` was prepared
    from a recalled plan (every locale's catalogs were read, the same bytes as now)."""
    import datetime as dt

    from outreach.merge.release import BROKEN_POLICIES, Gate

    policy = options.broken_locales
    if policy not in BROKEN_POLICIES:
        raise UsageError(f"--broken-locales is one of {', '.join(BROKEN_POLICIES)}, not {policy!r}")
    held: dict[str, str] = {}
    if not recalled:
        for locale in campaign.locales:
            error = renderer.catalog_error(locale)
            if error is not None:
                held[locale] = str(error)
        maker.prepare([locale for locale in campaign.locales if locale not in held])
    for locale, found in maker.refused.items():
        if found and locale not in held:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            held[locale] = f"{found[0]}{more}"
    fallback = set(held) if policy == "fallback" else set()
    ready_later: set[str] = set()
    if options.ready_only:
        from outreach.release import readiness, ready_locales

        waiting = ready_locales(readiness(campaign, [options.message], renderer=renderer))
        release = campaign.release
        now = options.now or dt.datetime.now(dt.UTC)
        past = release.deadline is not None and now >= release.deadline
        for locale, why in waiting.items():
            if locale not in held:
                held[locale] = f"not ready: {why}"
                ready_later.add(locale)
                if past and release.at_deadline == "fallback":
                    fallback.add(locale)
    chains = {locale: campaign.chain(locale) for locale in campaign.locales}
    return Gate(held, chains, frozenset(fallback), frozenset(ready_later))


def _private(
    campaign: Campaign,
    options: MergeOptions,
    columns: Sequence[str],
    maker: MessageMaker,
    unsubscribe: Unsubscribe,
) -> tuple[PrivacyRule, MessageMaker] | None:
    """The ``[privacy]`` rule and the maker of the low-trace email (its own renderer, from
    the neutral sender when one is set), prepared for every locale whose catalogs can be
    read; or ``None`` without ``[privacy]``. A privacy column the CSV does not have stops
    the run: who is at risk could not be told."""
    from outreach.merge.privacy import PrivacyRule
    from outreach.merge.skeleton import MessageMaker
    from outreach.render import Renderer

    privacy = campaign.privacy
    if not privacy.enabled:
        return None
    if privacy.column is not None and privacy.column not in columns:
        raise UsageError(
            f"[privacy] column {privacy.column!r} is not a column of {options.supporters}: "
            "without it, who is at risk cannot be told (add the column, or remove the key)"
        )
    renderer = Renderer(campaign, options.variables, cache=options.cache, private=True)
    private = MessageMaker(
        campaign,
        renderer,
        maker.message,
        columns,
        unsubscribe,
        utf8=maker.utf8,
        newline=maker.newline,
        sender=privacy.sender,
        wire=maker.wire,
    )
    private.prepare([loc for loc in campaign.locales if renderer.catalog_error(loc) is None])
    return PrivacyRule(privacy.locales, privacy.column), private


def _suppress(run: Run, campaign: Campaign, options: MergeOptions, message: str) -> None:
    """Read the suppression lists and the other messages' journals' hard bounces into
    ``run``: an :class:`~outreach.errors.InputError` (exit 2) for a list that cannot be
    read."""
    from outreach.merge.suppress import suppression_for

    found = suppression_for(campaign, options.supporters, options.suppress, message)
    run.suppression = found
    run.summary.suppression = {"files": found.files, "addresses": len(found)}


def shard_journal(options: MergeOptions, message: str, shard: tuple[int, int] | None) -> Path:
    """The journal of one shard's run: ``--journal`` as given (with ``.shard-K-of-N`` added
    for a ``--jobs`` worker's shard), else :func:`default_journal`.

    >>> options = MergeOptions(supporters=Path("s.csv"), message="share", jobs=2)
    >>> shard_journal(options, "share", (1, 2)).name
    's.share.shard-1-of-2.journal'
    >>> custom = MergeOptions(Path("s.csv"), "share", journal=Path("j.db"), jobs=2)
    >>> shard_journal(custom, "share", (1, 2)).name
    'j.db.shard-1-of-2'
    """
    if options.journal is None:
        return default_journal(options.supporters, message, shard)
    if options.jobs > 1 and shard is not None:
        return options.journal.with_name(f"{options.journal.name}.shard-{shard[0]}-of-{shard[1]}")
    return options.journal


def _send(
    run: Run,
    campaign: Campaign,
    options: MergeOptions,
    supporters: SupporterFile,
    audience: Audience,
    maker: MessageMaker,
    message: str,
    delivery: Delivery | None,
    shard: tuple[int, int] | None,
) -> None:
    """Every row of ``supporters`` in ``audience``'s shard checked, built and written or
    handed to ``delivery``, journaled when it sends."""
    from outreach.merge.journal import Journal, Seen

    use_journal = delivery is not None and not options.proof_to
    journal_path = shard_journal(options, message, shard)
    if use_journal:
        shard_name = f"{shard[0]}/{shard[1]}" if shard else "all"
        identity = {"campaign": campaign.name, "message": message, "shard": shard_name}
        journal = Journal.open(journal_path, identity)
        run.summary.journal = str(journal_path)
        if run.gate is not None:  # --status says which locales this run held, and why
            held = {}
            for locale, why in run.gate.held.items():
                routed = run.gate.route(locale)
                sent = f"; sent in {campaign.label(routed)} instead" if routed else ""
                held[campaign.label(locale)] = why + sent
            journal.note("held", json.dumps(held, ensure_ascii=False, sort_keys=True))
    else:
        journal = Seen()  # type: ignore[assignment]  # the same see(), in fixed memory
    writer = _writer(options, maker)
    try:
        with writer:
            if delivery is not None:
                delivery.start(journal if use_journal else None)
            try:
                records = supporters.rows()
                rows(run, records, supporters.records, audience, journal, maker, writer, delivery)
            except BaseException:
                if delivery is not None:
                    delivery.halt()  # the row loop failed: the connections end their message
                raise
            finally:
                if delivery is not None:
                    delivery.close()
                    drain(run, delivery)
                    if delivery.fatal is not None:
                        run.summary.fatal = str(delivery.fatal)
            journal.commit()
    finally:
        journal.close()
    if delivery is not None and isinstance(delivery.fatal, JournalError):
        raise delivery.fatal  # one line, exit 2: what the journal had committed stays


def _finish(run: Run, maker: MessageMaker, started: float) -> MergeSummary:
    if run.options.cache is not None:
        run.options.cache.save()  # the skeletons built after the first rows, for next time
    run.summary.rendered.update(maker.stats)
    notes = dict(maker.notes)
    if run.private is not None:  # the private emails' paths count and explain too
        run.summary.rendered.update(run.private[1].stats)
        notes.update(run.private[1].notes)
    run.summary.notes = list(notes.values())
    if run.gate is not None:
        held = {campaign_label(maker, loc): why for loc, why in run.gate.held.items()}
        run.summary.held_why = held
        run.summary.waiting = sorted(campaign_label(maker, loc) for loc in run.gate.waiting)
    run.summary.refused = [f for found in maker.refused.values() for f in found]
    run.summary.seconds = time.monotonic() - started
    return run.summary


def _connect(smtp: SmtpSettings, campaign: Campaign) -> tuple[Delivery, bool]:
    import smtplib

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
    except (OSError, smtplib.SMTPException):
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


def sample_values(
    campaign: Campaign, supporters: Path, *, encoding: str | None = None
) -> dict[str, dict[str, str]]:
    """Sample values of supporters' columns from a CSV for ``render``, ``preview`` and
    ``check`` (``--supporters``): locale -> column -> value, ``""`` for every locale without
    its own.

    The first usable row of each locale (the locale merge would give the supporter), and,
    for a locale no row has, the file's first usable row; they win over ``[merge.sample]``
    (:class:`~outreach.render.Renderer` puts them together). The file is read as merge
    reads it (one line, exit 2, for a file that cannot be read), until every locale has a
    row.

    >>> import tempfile
    >>> from outreach.scaffold import init_campaign
    >>> campaign = init_campaign(Path(tempfile.mkdtemp()) / "c")
    >>> csv = campaign.root / "people.csv"
    >>> _ = csv.write_text("email,first_name,locale\\nana@example.net,Ana,en-GB\\n")
    >>> sample_values(campaign, csv)["en"]
    {'email': 'ana@example.net', 'first_name': 'Ana'}
    """
    from outreach.merge.audience import Audience, Negotiator
    from outreach.merge.supporters import open_supporters

    file = open_supporters(supporters, encoding=encoding, parse_all=False)
    audience = Audience(Negotiator(campaign.locales, campaign.source_locale), file.columns)
    found: dict[str, dict[str, str]] = {}
    for row in file.rows():
        supporter = audience.supporter(row)
        if isinstance(supporter, str):
            continue
        values = {k: v for k, v in supporter.fields.items() if k != "locale"}
        found.setdefault("", values)
        found.setdefault(supporter.choice.locale, values)
        if len(found) > len(campaign.locales):
            break
    return found
