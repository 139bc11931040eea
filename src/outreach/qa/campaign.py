"""``outreach check``: translation QA for a whole campaign.

:func:`check_campaign` reads every catalog of the campaign (or of the locales asked for),
runs every registered check (:mod:`outreach.checks`), renders each message in each locale
where templates exist (:mod:`outreach.qa.rendered`), and returns a :class:`CheckReport`.
A catalog that cannot be parsed becomes a ``syntax`` finding at its line; the other catalogs
are still checked.

Findings per entry and langdetect's answers are remembered between runs in a cache that no
file of the campaign can forge (:mod:`outreach.cache`): editing one string re-checks
that string, and a cache someone else wrote is never believed.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> report = check_campaign(campaign, use_cache=False)
>>> report.summary, report.catalogs, report.exit_code   # the warning: no postal address yet
({'errors': 0, 'warnings': 1}, 1, 0)
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.cache import CheckCache, check_fingerprint
from outreach.checks.incremental import Block, Entry, FileRecord, Plan, entry_key
from outreach.checks.registry import (
    CATALOG_CHECKS,
    ENTRY_CHECKS,
    Finding,
    summarize,
)
from outreach.checks.runner import StoredEntries
from outreach.detect import DETECTION_SEEDS, LanguageJudge, langdetect_version
from outreach.errors import CatalogError, UnsafePathError
from outreach.findings import finding_order

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.pofile import PoFile
    from outreach.sources import Sources

__all__ = ["CheckReport", "check_campaign", "parse_for_check"]


@dataclass(frozen=True)
class CheckReport:
    """The findings of one run, in file order, and how many catalogs were checked."""

    findings: tuple[Finding, ...]
    catalogs: int
    detection: Mapping[str, int] = field(default_factory=dict)
    #: entries whose findings came from the cache, and entries checked
    entries: Mapping[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        """``{"errors": N, "warnings": M}``."""
        return summarize(self.findings)

    @property
    def ok(self) -> bool:
        """No error findings (warnings alone are fine)."""
        return self.summary["errors"] == 0

    @property
    def exit_code(self) -> int:
        """What ``outreach check`` exits with: 1 on any error finding, else 0."""
        return 0 if self.ok else 1

    def to_json(self) -> dict[str, Any]:
        """The document ``--format json`` prints (docs/reference/json.md)."""
        return {"findings": [f.to_json() for f in self.findings], "summary": self.summary}


def check_campaign(
    campaign: Campaign,
    locales: Sequence[str] | None = None,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
    *,
    render: bool = True,
    samples: Mapping[str, Mapping[str, str]] | None = None,
) -> CheckReport:
    """Check the catalogs of ``locales`` (default: every locale of the campaign).

    Locale names are normalised and must belong to the campaign
    (:class:`~outreach.errors.LocaleError` otherwise). ``render=False`` skips the
    render-level checks; ``samples`` are values of supporters' columns from a CSV
    (:attr:`outreach.render.Renderer.samples`; ``[merge.sample]`` always). The cache lives
    under ``cache_dir`` (default: the user's cache directory,
    :func:`outreach.cache.cache_root`), never in the campaign.
    """
    wanted = (
        [campaign.resolve_locale(loc) for loc in dict.fromkeys(locales)]
        if locales
        else list(campaign.locales)
    )
    store = CheckCache.of(campaign, cache_dir) if use_cache else CheckCache.disabled()
    from outreach.sources import template_sources

    sources = template_sources(campaign, store)
    judge = LanguageJudge(_Detections(store), tables=store.shared())
    run = _Run(campaign, judge, StoredEntries(store, check_fingerprint(campaign, sources)), sources)
    _check_locales(run, wanted)
    if render and run.parsed:
        from outreach.qa.rendered import check_rendered, copied_entries

        entry_errors = {
            (f.locale, f.msgid, f.msgctxt)
            for f in run.findings
            if f.msgid is not None and f.severity == "error"
        }
        run.findings.extend(
            check_rendered(
                campaign,
                [loc for loc in wanted if loc in run.parsed],
                files=run.files,
                lines=run.lines,
                entry_errors=entry_errors,
                entry_copies=copied_entries(run.findings),
                samples=samples,
            )
        )
    run.findings.extend(_settings_findings(campaign))
    run.findings.extend(_repository_findings(campaign))
    store.save()
    # grouped by file (the catalogs in run order, then others), then by line
    findings = tuple(sorted(run.findings, key=finding_order(list(run.files.values()))))
    return CheckReport(findings, run.catalogs, judge.counts, dict(run.entries.counts))


def _settings_findings(campaign: Campaign) -> list[Finding]:
    """Findings about campaign.toml itself: an unsubscribe URL without ``{token}`` (the
    same for every recipient, so a one-click unsubscribe (RFC 8058) cannot say who is
    leaving; or naming the address unsigned, so anyone could unsubscribe anyone), and an
    email campaign whose merges would read no suppression list."""
    from outreach.campaign import setting_line
    from outreach.qa.rendered import setting_finding
    from outreach.unsubscribe import campaign_wide_one_click

    found = []
    url = campaign.email.unsubscribe_url
    message = None
    if campaign_wide_one_click(url):
        message = (
            f"unsubscribe_url {url} is the same for every recipient, so a one-click "
            "unsubscribe (RFC 8058) cannot say who is leaving: add {token} (and {email}) to "
            "it, e.g. https://example.org/leave?email={email}&token={token}"
        )
    elif url and "{token}" not in url:
        message = (
            f"unsubscribe_url {url} has no {{token}}: anyone could unsubscribe anyone by "
            "writing their address into it; add &token={token} (signed with "
            "$OUTREACH_UNSUBSCRIBE_SECRET)"
        )
    if message is not None:
        found.append(
            setting_finding(
                campaign, setting_line(campaign, "[email]unsubscribe_url"), "unsubscribe", message
            )
        )
    if (campaign.email.sender or url) and not campaign.merge_suppress:
        found.append(
            setting_finding(
                campaign,
                setting_line(
                    campaign, "[email]from" if campaign.email.sender else "[email]unsubscribe_url"
                ),
                "suppression",
                "outreach merge would run with no suppression list: people who unsubscribed, "
                "bounced or complained would be emailed again; add [merge] suppress = "
                '["suppress/unsubscribed.csv", "suppress/bounces.csv"]',
            )
        )
    return found


#: Names of files that hold supporters' data by what they are: merge journals (with SQLite's
#: side files) and databases.
_PRIVATE_NAME = re.compile(
    r"\.journal(?:-wal|-shm|-journal|\.lock)?$|\.(?:sqlite3?|db)(?:-wal|-shm|-journal)?$",
    re.IGNORECASE,
)
#: Files that may be lists of people or mail to them: read (their start) and judged by what
#: they hold.
_LIST_NAME = re.compile(r"\.(?:csv|tsv|txt|mbox|eml)$", re.IGNORECASE)
#: The header lines of a message (or a bounce report) that name its recipients.
_RECIPIENT_LINE = re.compile(
    r"^(?:to|cc|bcc|delivered-to|final-recipient|original-recipient|x-failed-recipients"
    r"|original-rcpt-to)\s*:.*$",
    re.IGNORECASE | re.MULTILINE,
)
_ADDRESS = re.compile(r"[^\s,;\t\"'<>@]+@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)")
#: Domains no one can own (RFC 2606, RFC 6761): addresses there are made up, as the example
#: campaign's supporters.csv is.
_MADE_UP = re.compile(
    r"(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$", re.IGNORECASE
)
_EMAIL_COLUMN = {"email", "emailaddress", "mail", "e_mail", "email_address"}
#: How much of a tracked list is read, and how many tracked files at most are looked at.
HEAD_BYTES = 64 * 1024
MAX_CANDIDATES = 1000


def supporter_data(name: str, head: bytes) -> str | None:
    """What makes a tracked file look like supporters' data (a phrase), or ``None``.

    By its name: a merge journal or a database. By what its first bytes hold: an SQLite
    database; a CSV/TSV/text list with an email column, or lines that are addresses, with at
    least one address at a domain someone can own (``example.net`` is made up: the example
    campaign's supporters are not people); a mailbox or an email with a recipient at such a
    domain (its ``To``, a bounce's ``Final-Recipient``; a sender or a Message-ID is no one's
    data).

    >>> supporter_data("supporters.share.journal-wal", b"")
    'a merge journal or database (who was sent what)'
    >>> supporter_data("lists/volunteers.CSV", b"Name,E-mail\\nAna,ana@riseup.net\\n")
    'a list with an email column (1 address at real domains in its first 64 KiB)'
    >>> supporter_data("supporters.csv", b"email,name\\nana@example.net,Ana\\n") is None
    True
    >>> supporter_data("suppressed.txt", b"bo@gmail.com\\n")
    'a list of addresses (1 address at real domains in its first 64 KiB)'
    >>> supporter_data("notes.txt", b"write to team@ourgroup.org for help\\n") is None
    True
    >>> supporter_data("out/share.mbox", b"From x\\nFrom: a@ours.org\\nTo: Ana <ana@riseup.net>\\n")
    'email to supporters (1 recipient(s) at real domains)'
    >>> supporter_data("gmail.eml", b"From: daemon@googlemail.com\\nTo: us@example.org\\n") is None
    True
    """
    if _PRIVATE_NAME.search(name) or head.startswith(b"SQLite format 3\0"):
        return "a merge journal or database (who was sent what)"
    if not _LIST_NAME.search(name):
        return None
    text = head.decode("utf-8", "replace")
    if name.lower().endswith((".mbox", ".eml")):
        recipients = " ".join(_RECIPIENT_LINE.findall(text))
        sent = [m.group(1) for m in _ADDRESS.finditer(recipients)]
        sent = [domain for domain in sent if not _MADE_UP.search(domain)]
        if not sent:
            return None
        return f"email to supporters ({len(sent):,} recipient(s) at real domains)"
    lines = text.splitlines()
    if not lines:
        return None
    header = {
        re.sub(r"[^a-z0-9]+", "_", cell.strip().strip("\"'").lower()).strip("_").replace("_", "")
        for cell in re.split(r"[,;\t]", lines[0])
    }
    columns = bool(header & {c.replace("_", "") for c in _EMAIL_COLUMN})
    real = [m.group(1) for m in _ADDRESS.finditer(text) if not _MADE_UP.search(m.group(1))]
    if not real:
        return None
    counted = (
        f"{len(real):,} address{'es' if len(real) > 1 else ''} at real domains in its first 64 KiB"
    )
    if columns:
        return f"a list with an email column ({counted})"
    bare = [line for line in lines if _ADDRESS.fullmatch(line.strip())]
    if bare and len(bare) * 2 >= len([line for line in lines if line.strip()]):
        return f"a list of addresses ({counted})"
    return None


def _repository_findings(campaign: Campaign) -> list[Finding]:
    """A warning for each file git tracks in the campaign that looks like supporters' data
    (:func:`supporter_data`): the repository is shared with translators and may be forked
    in public. Nothing when the campaign is not in a git work tree."""
    from outreach.errors import OutreachError
    from outreach.files import read_inside, tracked_files

    root = Path(campaign.root)
    candidates = [
        path
        for path in tracked_files(root)
        if _PRIVATE_NAME.search(path.name) or _LIST_NAME.search(path.name)
    ]
    found = []
    for path in candidates[:MAX_CANDIDATES]:
        try:  # a name that says what the file is needs no reading
            named = _PRIVATE_NAME.search(path.name)
            head = b"" if named else read_inside(root, root / path, limit=HEAD_BYTES)
        except (OSError, OutreachError):
            continue  # gone from the work tree, a link, a FIFO: not read
        what = supporter_data(path.as_posix(), head)
        if what is None:
            continue
        shown = path.as_posix()
        found.append(
            Finding(
                campaign.label(campaign.source_locale),
                shown,
                None,
                None,
                None,
                "supporter-data",
                "warning",
                f"{what}, tracked by git: personal data one push away from a public fork; "
                f"git rm --cached {shown!r}, and keep such files out with .gitignore "
                "('outreach init' writes one)",
            )
        )
    return found


#: Catalogs are checked in parallel processes when there are several and together they
#: are at least this large (bytes): below it, starting the processes costs more.
PARALLEL_BYTES = 400_000


def _check_locales(run: _Run, locales: Sequence[str]) -> None:
    """Check each locale's catalog, in worker processes when there are several large ones
    and the platform forks (Linux): the catalogs' entries are shared out among the workers
    (:func:`_shares`), each checks its share and sends back its findings and what it wrote
    to the cache, put together here in locale and file order, so the result is the same as
    checking one catalog after another."""
    pending = [locale for locale in locales if not run.check_locale(locale, quick_only=True)]
    if pending:  # not every catalog re-checked from its record (or unreadable)
        _check_pending(run, pending)
    # in locale order, whichever way each was checked (findings are ordered by file)
    run.files = {locale: run.files[locale] for locale in locales if locale in run.files}


#: A part of a catalog to check, as ``(locale, start, stop, size)``: its bytes ``start`` to
#: ``stop`` of ``size``, which stand for the same share of its entries (see
#: :meth:`_Run.check_part`).
Part = tuple[str, int, int, int]

#: A share's boundary that falls nearer than this fraction of a catalog's size to one of its
#: ends moves to that end: a worker checking part of a catalog parses it whole, which costs
#: about a tenth of checking it (0.34 s of 4.2 s for bench_check.py's es catalog under
#: cProfile), so a sliver would cost about as much as it saves.
MIN_PART = 0.15


def _shares(sizes: Mapping[str, int], workers: int) -> list[list[Part]]:
    """``workers`` shares of about equal size of the catalogs of ``sizes`` (locale ->
    bytes), the largest first: the catalogs laid end to end and cut in equal lengths, so
    that three catalogs on two cores keep both busy to the end (one catalog a worker left
    one core idle while the other checked the third). Only the catalog a cut falls in is
    checked in two parts (each parsed by both workers).

    >>> _shares({"es": 100, "fr": 100, "de": 100}, 2)
    [[('es', 0, 100, 100), ('fr', 0, 50, 100)], [('fr', 50, 100, 100), ('de', 0, 100, 100)]]
    >>> _shares({"es": 100, "fr": 95}, 2)   # a cut in a sliver of es moves to its end
    [[('es', 0, 100, 100)], [('fr', 0, 95, 95)]]
    """
    order = sorted(sizes, key=lambda locale: -sizes[locale])
    total = sum(sizes.values())
    cuts = [total * n // workers for n in range(workers + 1)]
    starts = dict(zip(order, accumulate((sizes[loc] for loc in order), initial=0), strict=False))
    for n, cut in enumerate(cuts[1:-1], 1):  # no sliver of a catalog
        for locale in order:
            start, size = starts[locale], sizes[locale]
            if start < cut < start + size:
                if cut - start < MIN_PART * size:
                    cuts[n] = start
                elif start + size - cut < MIN_PART * size:
                    cuts[n] = start + size
    shares: list[list[Part]] = []
    for low, high in itertools.pairwise(cuts):
        share = []
        for locale in order:
            start, size = starts[locale], sizes[locale]
            begin, end = max(low, start), min(high, start + size)
            if begin < end:
                share.append((locale, begin - start, end - start, size))
        if share:
            shares.append(share)
    given = {part[0] for share in shares for part in share}
    if not shares:
        shares.append([])  # empty catalogs only
    shares[-1] += [(loc, 0, sizes[loc], sizes[loc]) for loc in order if loc not in given]
    return shares


def _check_pending(run: _Run, pending: list[str]) -> None:
    """Check the catalogs of ``pending`` in full (see :func:`_check_locales`)."""
    import multiprocessing  # only here: a re-check after an edit starts no process

    sizes = {locale: len(run.needs_full[locale][0]) for locale in pending}
    size = sum(sizes.values())
    workers = os.cpu_count() or 1
    if (
        workers < 2
        or size < PARALLEL_BYTES
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon
    ):
        for locale in pending:
            run.check_locale(locale)
        return
    shares = _shares(sizes, workers)
    run.entries.store.preload("files", "entries", "detections")
    _profiles_for(run)
    global _FORKED_RUN
    _FORKED_RUN = run
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(len(shares)) as pool:
            found = pool.map(_check_in_worker, shares, chunksize=1)
    finally:
        _FORKED_RUN = None
    parts: dict[str, list[_PartResult]] = {}
    for results, puts in found:
        for result in results:
            parts.setdefault(result.locale, []).append(result)
        run.entries.store.take(puts)
    for locale in pending:
        run.finish(locale, sorted(parts[locale], key=lambda part: part.start))


def _profiles_for(run: _Run) -> None:
    """Load langdetect's profiles once, before forking, if a catalog could need them."""
    from outreach.detect import _profiles, langdetect_code

    if any(langdetect_code(locale) for locale in run.campaign.locales):
        _profiles(run.judge.tables)


_FORKED_RUN: _Run | None = None


def _check_in_worker(
    share: list[Part],
) -> tuple[list[_PartResult], list[tuple[str, str, Any, list[str]]]]:
    """Check the parts of ``share`` (in a worker process): their results, and what was
    written to the cache."""
    run = _FORKED_RUN
    assert run is not None
    store = run.entries.store
    store.log = []
    return [run.check_part(*part) for part in share], store.log


@dataclass
class _PartResult:
    """What checking part of a catalog found (:meth:`_Run.check_part`)."""

    locale: str
    #: bytes of the catalog where the part starts (0: the part that reports the catalog's
    #: own findings, its entries and their lines)
    start: int
    #: findings of the parse (syntax, an obsolete entry's repeat), in the first part
    parsed: list[Finding]
    #: the findings of the checks, in file order (:func:`outreach.checks.runner.join_parts`)
    found: list[Finding]
    #: the first part's: the catalog's entries as a record keeps them, the msgid line of each
    #: entry, whether it has obsolete entries (``None``: it did not parse)
    entries: list[Entry] | None = None
    lines: Mapping[tuple[str | None, str], int] | None = None
    obsolete: bool = False
    #: the cache's counts of entries and the language judge's, added during the part
    counts: dict[str, int] = field(default_factory=dict)
    detection: dict[str, int] = field(default_factory=dict)


class _Run:
    """The state of one :func:`check_campaign` run."""

    def __init__(
        self,
        campaign: Campaign,
        judge: LanguageJudge,
        entries: StoredEntries,
        sources: Sources | None = None,
    ) -> None:
        self.campaign = campaign
        self.sources = sources  # the templates' strings, which entries are judged against
        self.judge = judge
        self.entries = entries
        self.findings: list[Finding] = []
        self.files: dict[str, str] = {}
        # locale -> its entries' msgid lines by (msgctxt, msgid), for each catalog read
        self.parsed: dict[str, Mapping[tuple[str | None, str], int]] = {}
        self.catalogs = 0  # catalogs read
        #: locale -> (its catalog's bytes, their blocks if split) when a quick pass found
        #: that it needs a full check: that pass does not read or split it again
        self.needs_full: dict[str, tuple[bytes, list[Block] | None]] = {}

    def check_locale(self, locale: str, *, quick_only: bool = False) -> bool:
        """Check ``locale``'s catalog; with ``quick_only``, only if that needs no full check
        (unreadable, or re-checked from its record), and say whether it was done."""

        campaign = self.campaign
        path = campaign.po_path(locale)
        file = campaign.relative(path)
        label = campaign.label(locale)
        self.files[locale] = file
        store, key = self.entries.store, self.entries.record_key(locale, file)
        if locale in self.needs_full:  # a quick pass read it and found no usable record
            data, blocks = self.needs_full.pop(locale)
            return self._full_check(data, blocks, locale, file, label, key)
        try:
            data = campaign.read(path)
        except FileNotFoundError:
            if locale != campaign.source_locale:  # the source catalog is optional
                message = (
                    f"no catalog for {label}: every message renders in the source language "
                    "(run 'outreach update' to create it)"
                )
                self.findings.append(
                    Finding(label, file, None, None, None, "untranslated", "warning", message)
                )
            return True
        except UnsafePathError as exc:  # a symbolic link, or a path out of the campaign
            self.findings.append(
                Finding(label, file, None, None, None, "syntax", "error", exc.message)
            )
            return True
        except OSError as exc:
            message = f"cannot read the catalog: {exc.strerror or exc}"
            self.findings.append(Finding(label, file, None, None, None, "syntax", "error", message))
            return True
        record = FileRecord.from_json(store.get("files", key)) if store.enabled else None
        plan = record.plan(data) if record is not None else None
        if plan is not None and self._recheck(plan, data, locale, file, label, key):
            self.catalogs += 1
            return True
        blocks = plan.blocks if plan is not None and plan.blocks[0].data else None
        if quick_only:
            self.needs_full[locale] = (data, blocks)
            return False
        return self._full_check(data, blocks, locale, file, label, key)

    def _full_check(
        self,
        data: bytes,
        blocks: list[Block] | None,
        locale: str,
        file: str,
        label: str,
        key: str,
    ) -> bool:
        """Parse and check the whole catalog ``data`` (split into ``blocks``, when a plan
        already did), and record it block by block."""
        self.needs_full[locale] = (data, blocks)
        self.finish(locale, [self.check_part(locale, 0, len(data), len(data))])
        return True

    def check_part(self, locale: str, start: int, stop: int, size: int) -> _PartResult:
        """Parse ``locale``'s catalog (as a quick pass read it: :attr:`needs_full`) and
        check the part of its entries that its bytes ``start`` to ``stop`` of ``size``
        stand for: entries ``n * start // size`` to ``n * stop // size`` of ``n`` (the
        parts of a catalog meet exactly, whatever its entries' lengths)."""
        from outreach.checks import check_catalog
        from outreach.pofile import iter_messages

        campaign = self.campaign
        data = self.needs_full[locale][0]
        file, label = campaign.relative(campaign.po_path(locale)), campaign.label(locale)
        entries, judged = dict(self.entries.counts), dict(self.judge.counts)
        po, parsed = parse_for_check(data, file=file, locale=locale, label=label)
        result = _PartResult(locale, start, parsed if start == 0 else [], [])
        if po is not None:
            count = sum(1 for _ in iter_messages(po.catalog))
            part = (count * start // size, count * stop // size) if size else (0, count)
            result.found = check_catalog(
                po,
                file=file,
                locale=locale,
                campaign=campaign,
                detector=self.judge,
                cache=self.entries,
                sources=self.sources,
                part=None if part == (0, count) else part,
            )
            if start == 0:
                result.entries, result.lines = _entries(po), _line_index(po)
                result.obsolete = bool(po.catalog.obsolete)
        # the part's counts go with its result, and :meth:`finish` adds them (here or in
        # the parent of a worker process)
        result.counts = {k: v - entries.get(k, 0) for k, v in self.entries.counts.items()}
        result.detection = {k: v - judged.get(k, 0) for k, v in self.judge.counts.items()}
        self.entries.counts.update(entries)
        self.judge.counts.update(judged)
        return result

    def finish(self, locale: str, parts: Sequence[_PartResult]) -> None:
        """Take in the parts of ``locale``'s catalog, checked in file order
        (:meth:`check_part`, here or in worker processes), and record it block by block."""
        from outreach.checks.runner import join_parts

        data, blocks = self.needs_full.pop(locale)
        store = self.entries.store
        self.catalogs += 1
        first = parts[0]
        findings = [*first.parsed, *join_parts(part.found for part in parts)]
        if first.entries is not None and first.lines is not None:
            self.parsed[locale] = first.lines
            if store.enabled:
                record = FileRecord.build(
                    data,
                    findings,
                    first.entries,
                    _CATALOG_CHECKS,
                    blocks=blocks,
                    obsolete=first.obsolete,
                )
                key = self.entries.record_key(locale, self.files[locale])
                store.put("files", key, record.to_json())
        for part in parts:
            for name, count in part.counts.items():
                self.entries.counts[name] = self.entries.counts.get(name, 0) + count
            for name, count in part.detection.items():
                self.judge.counts[name] = self.judge.counts.get(name, 0) + count
        self.findings.extend(findings)

    def _recheck(
        self, plan: Plan, data: bytes, locale: str, file: str, label: str, key: str
    ) -> bool:
        """Check only the blocks that changed since the record (see
        :mod:`outreach.checks.incremental`); ``False`` when a full check is needed."""
        from outreach.checks import check_catalog
        from outreach.pofile import parse_po

        obsolete = plan.record.obsolete
        if any(s[0] == "syntax" for s in plan.record.catalog) or (
            obsolete and not plan.changed and plan.changed_keys()
        ):
            return False  # an obsolete entry's repeat may have moved, or gone with an entry
        if plan.javascript != plan.record.javascript:
            return False  # the kept blocks were judged as another formatter's strings
        kept = plan.kept_findings(label, file)
        fresh: list[Finding] = []
        entries: list[Entry] = []
        if plan.changed:
            mini, original = plan.mini_file()
            try:
                po = parse_po(mini, path=file, locale=locale)
            except CatalogError:
                return False
            if po.header.line is None or po.header.line > plan.blocks[0].lines:
                # the header is not in the first block (a comment block before it): the
                # blocks kept were judged under it as it was, the changed ones would be
                # read under none or under a new one; a full check reads it as it is
                return False
            entries = [replace(e, line=original(e.line)) for e in _entries(po)]
            per_block = dict.fromkeys((b.start for b in plan.changed), 0)
            for entry in entries:
                if entry.active:
                    per_block[max(s for s in per_block if s <= entry.line)] += 1
            keys = [entry_key(e.msgctxt, e.msgid) for e in entries if e.active]
            counts = plan.kept_counts() + [e.forms for e in entries if e.forms is not None]
            if (
                max(per_block.values()) > 1
                or len(set(keys)) != len(keys)
                or set(keys) & plan.kept_keys()
                or sorted(counts) != plan.record.plural_counts
                # an obsolete entry repeating an active one is found in the whole file
                # (parse_for_check): one may appear or go when obsolete entries or the
                # active entries' keys change, and its finding is kept at its line
                or po.catalog.obsolete
                or (obsolete and set(keys) != plan.changed_keys())
            ):
                return False
            found = check_catalog(
                po,
                file=file,
                locale=locale,
                campaign=self.campaign,
                detector=self.judge,
                cache=self.entries,
                only=frozenset(ENTRY_CHECKS),
                plural_counts=counts,
                sources=self.sources,
                javascript=plan.javascript,
            )
            fresh = [replace(f, line=original(f.line) if f.line else f.line) for f in found]
            record = plan.record_after(fresh, entries, _CATALOG_CHECKS)
            self.entries.store.put("files", key, record.to_json())
        self.entries.counts["cached"] += plan.kept_count
        self.findings.extend([*kept, *fresh])
        self.parsed[locale] = plan.lines(entries)
        return True

    def lines(self, locale: str) -> Mapping[tuple[str | None, str], int]:
        """The msgid line of each entry of ``locale``'s catalog, by ``(msgctxt, msgid)``."""
        return self.parsed.get(locale, {})


#: Findings that belong to the catalog as a whole, not to one entry.
_CATALOG_CHECKS = frozenset(CATALOG_CHECKS) | {"syntax"}


def _entries(po: PoFile) -> list[Entry]:
    """The entries of a parsed catalog as a record keeps them."""
    from outreach.pofile import iter_messages

    active = {
        message.lineno: (
            message.context,
            str(message.id[0] if message.pluralizable else message.id),
        )
        for message in iter_messages(po.catalog)
        if message.lineno is not None
    }
    found = []
    for line, written in po.entries.items():
        context, msgid = active.get(line, (None, ""))
        forms = written.written_forms if written.plural else None
        found.append(Entry(line, context, msgid, line in active, forms))
    return found


def _line_index(po: PoFile) -> dict[tuple[str | None, str], int]:
    from outreach.pofile import iter_messages

    index: dict[tuple[str | None, str], int] = {}
    for message in iter_messages(po.catalog):
        msgid = str(message.id[0] if message.pluralizable else message.id)
        if message.lineno is not None:
            index[(message.context, msgid)] = message.lineno
    return index


#: The syntax errors of one file reported one by one; past them, one finding counts the rest.
MAX_SYNTAX_FINDINGS = 100


def parse_for_check(
    data: bytes, *, file: str, locale: str, label: str
) -> tuple[PoFile | None, list[Finding]]:
    """Parse a catalog for checking: ``(parsed file or None, findings)``; each syntax error
    becomes a ``syntax`` finding at its line, the first :data:`MAX_SYNTAX_FINDINGS` of them
    (a file that is not PO at all has an error on every line), then one that counts the rest.
    """
    from outreach.pofile import parse_po

    try:
        po = parse_po(data, path=file, locale=locale)
    except CatalogError as exc:
        errors = [(exc.line, exc.message), *exc.others]
        found = [
            Finding(label, file, line, None, None, "syntax", "error", message)
            for line, message in errors[:MAX_SYNTAX_FINDINGS]
        ]
        if len(errors) > MAX_SYNTAX_FINDINGS:
            rest = len(errors) - MAX_SYNTAX_FINDINGS
            message = f"{rest:,} more syntax errors after these (is this a PO file?)"
            line = errors[MAX_SYNTAX_FINDINGS][0]
            found.append(Finding(label, file, line, None, None, "syntax", "error", message))
        return None, found
    if not po.repeats:
        return po, []
    from outreach.pofile import iter_messages

    # the entry repeated, named as any finding names its entry
    keys: dict[int | None, tuple[str, str | None]] = {
        m.lineno: (str(m.id[0] if m.pluralizable else m.id), m.context)
        for m in iter_messages(po.catalog)
    }
    found = []
    for line, active in po.repeats:
        msgid, msgctxt = keys.get(active, (None, None))
        message = (
            f"this obsolete entry (#~) repeats the msgctxt and msgid of line {active}: msgfmt "
            "refuses the file (duplicate message definition); delete the obsolete entry"
        )
        found.append(Finding(label, file, line, msgid, msgctxt, "syntax", "warning", message))
    return po, found


# -- what the cache remembers ------------------------------------------------------------------
class _Detections:
    """langdetect's answers for the language judge, in the same keyed store."""

    def __init__(self, store: CheckCache) -> None:
        self.store = store

    def _key(self, locale: str, text: str) -> str:
        return self.store.key("detect", langdetect_version(), DETECTION_SEEDS, locale, text)

    def get(self, locale: str, text: str) -> tuple[tuple[str, float], ...] | None:
        value = self.store.get("detections", self._key(locale, text))
        if not isinstance(value, list):
            return None
        try:
            return tuple((str(lang), float(prob)) for lang, prob in value)
        except (TypeError, ValueError):
            return None

    def put(self, locale: str, text: str, candidates: tuple[tuple[str, float], ...]) -> None:
        key = self._key(locale, text)
        self.store.put("detections", key, [[lang, prob] for lang, prob in candidates])
