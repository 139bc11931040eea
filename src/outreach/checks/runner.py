"""Run the registered checks over a Babel catalog and collect :class:`Finding` objects.

Fuzzy and untranslated entries meet only the checks that do not need a translation
(``untranslated``, ``fuzzy``); an entry flagged ``ignore-<check>`` (Weblate's convention) skips
that check if it is a warning (a flag in a ``.po`` is translator text: it never silences an
error); ``structural_only`` keeps the checks that gate ``outreach compile``.

>>> from babel.messages.catalog import Catalog
>>> catalog = Catalog(locale="fr", fuzzy=False)
>>> _ = catalog.add("Sign: %(url)s #LoveAlwaysWins", "Signez : %(url)s #LoveAlwaysWins")
>>> _ = catalog.add("Watch <b>now</b>", "Regardez <b>maintenant</b><script>x()</script>")
>>> _ = catalog.add("Watch the film", "", flags=["fuzzy"])
>>> for finding in check_catalog(catalog, file="fr.po"):
...     print(finding)
fr.po:26: error: html: <script> is not in the source: translations must not add markup
fr.po:30: warning: untranslated: not translated: renders in the source language (en) until it is
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from babel.messages.catalog import Catalog, Message

# Importing the check modules registers their checks, in this order.
from outreach.checks import (  # noqa: F401
    content,
    language,
    markup,
    placeholders,
    spacing,
    status,
    structure,
    verbatim,
    wording,
)
from outreach.checks.registry import (
    CATALOG_CHECKS,
    ENTRY_CHECKS,
    CatalogInfo,
    EntryCheck,
    Finding,
    Problem,
    Severity,
    Unit,
    summarize,
)
from outreach.placeholders import FILL_ADDS
from outreach.pofile import (
    EntryLines,
    PoFile,
    iter_messages,
    message_forms,
    parse_po,
    write_catalog,
)

if TYPE_CHECKING:
    from outreach.cache import CheckCache
    from outreach.campaign import Campaign
    from outreach.sources import Sources

__all__ = [
    "Detector",
    "StoredEntries",
    "as_po_file",
    "catalog_info",
    "check_catalog",
    "join_parts",
    "run_entry_checks",
    "summarize",
    "unit_from_message",
]


#: ``detector(samples, locale)`` -> langdetect candidates per sample (``()``: consistent);
#: :class:`outreach.detect.LanguageJudge` is one.
Detector = Callable[[Collection[str], str], Mapping[str, tuple[tuple[str, float], ...]]]


def catalog_info(
    po: PoFile,
    *,
    file: str,
    locale: str | None = None,
    campaign: Campaign | None = None,
    sources: Sources | None = None,
    compiled: bool = False,
    javascript: bool | None = None,
) -> CatalogInfo:
    """Everything the checks may know about a parsed catalog; ``sources`` are the
    campaign's source strings (:func:`outreach.sources.template_sources`). A campaign's
    catalog whose strings its templates give is rendered by outreach, and a ``compiled``
    one (:func:`outreach.translations.compile_checked`) is compiled by it, with the plural
    formula outreach reads (:attr:`~outreach.checks.registry.CatalogInfo.rendered`).
    ``javascript``: whether the whole file's references make it a JavaScript catalog, when
    ``po`` is part of the file (``None``: ``po``'s own references say)."""
    catalog = po.catalog
    name = locale or (str(catalog.locale) if catalog.locale else "")
    rendered = compiled or (
        campaign is not None and sources is not None and sources.origin == "templates"
    )
    templates = bool(campaign and campaign.template_paths())
    variables = (
        {k: v for k, v in campaign.variables.items() if isinstance(v, str)} if campaign else {}
    )
    return CatalogInfo(
        locale=campaign.label(name) if campaign else name,
        file=file,
        plural_forms=po.plural_forms,
        source_locale=campaign.source_locale if campaign else "en",
        hashtags=campaign.hashtags if campaign else (),
        accepted_hashtags=campaign.hashtags_for(name) if campaign else (),
        url=campaign.url if campaign else "https://example.org/",
        header=po.header,
        plural_counts=tuple(e.written_forms for e in po.entries.values() if e.plural),
        is_source=bool(campaign and name == campaign.source_locale),
        hashtag_variants=dict(campaign.localized_hashtags) if campaign else {},
        sources=sources,
        variables=variables,
        rendered=rendered,
        unread_templates=templates and sources is None,
        javascript=(po.javascript if javascript is None else javascript)
        and not _formatted_by_outreach(rendered, templates),
        exemptions=campaign.exemptions if campaign else (),
    )


def _formatted_by_outreach(rendered: bool, templates: bool) -> bool:
    """Whether outreach formats a catalog's strings itself, with Python's ``%``, so that no
    reference makes it a JavaScript catalog (:attr:`~outreach.checks.registry.CatalogInfo.
    javascript`): one it compiles or renders (``rendered``), or any catalog of a campaign
    with ``templates``, read or not: templates that fail to parse (a pull request can add
    one) give the strings from the POT or none, yet the campaign renders its catalogs all
    the same.

    >>> _formatted_by_outreach(False, True), _formatted_by_outreach(False, False)
    (True, False)
    """
    return rendered or templates


def as_po_file(catalog: Catalog | PoFile, *, file: str, locale: str | None = None) -> PoFile:
    """``catalog`` as a parsed file: a catalog built in memory is checked as outreach would
    write it (so its header and lines are those of that file)."""
    if isinstance(catalog, PoFile):
        return catalog
    return parse_po(write_catalog(catalog), path=file, locale=locale)


def unit_from_message(message: Message, info: CatalogInfo, lines: EntryLines | None = None) -> Unit:
    """The checks' view of one Babel message (``lines``: where it is written).

    A plural entry is judged against the source's plural, from the templates, whatever
    msgid_plural its .po writes (``written_plural``; the ``plural-source`` check compares the
    two): gettext never reads that copy, so a translator could make it say anything. An
    entry the templates have as a singular string is judged against its msgid alone.
    """
    written: str | None = None
    if message.pluralizable:
        msgid, written = str(message.id[0]), str(message.id[1])
        msgid_plural: str | None = written
        source = info.sources.get((message.context, msgid)) if info.sources else None
        if source is not None:
            msgid_plural = source.msgid_plural if source.msgid_plural is not None else msgid
    else:
        msgid, msgid_plural = str(message.id), None
    return Unit(
        msgid=msgid,
        msgid_plural=msgid_plural,
        msgctxt=message.context,
        forms=tuple(message_forms(message)),
        flags=frozenset(message.flags),
        line=message.lineno,
        fuzzy=message.fuzzy,
        catalog=info,
        comments=tuple(message.user_comments) + tuple(message.auto_comments),
        lines=lines,
        written_plural=written,
    )


def _selected(
    name: str, structural: bool, structural_only: bool, only: Collection[str] | None
) -> bool:
    return (structural or not structural_only) and (only is None or name in only)


#: What an entry check found: ``(check, severity, message, form)``.
Result = tuple[str, Severity, str, int | None]


class EntryCache(Protocol):
    """Remembers each entry's findings (see :mod:`outreach.cache`)."""

    def lookup(self, unit: Unit) -> list[Result] | None: ...

    def remember(self, unit: Unit, results: list[Result]) -> None: ...


class StoredEntries:
    """Each entry's findings in the check cache (:mod:`outreach.cache`, namespace
    ``entries``), keyed by the entry's content, its catalog's plural formula and locale, and
    the fingerprint of the code and settings that judged it
    (:func:`outreach.cache.check_fingerprint`). ``outreach check`` fills it with every
    check's results; :meth:`only` reads it for fewer checks."""

    def __init__(self, store: CheckCache, fingerprint: str) -> None:
        self.store = store
        self.fingerprint = fingerprint
        self.counts = {"cached": 0, "checked": 0}
        #: the key of each unit looked up and not found, by its id, with the unit (so that an
        #: id is never taken for another unit's): it is remembered under that key, worked out
        #: once (a keyed hash of the whole entry: 7 % of a cold check), not twice
        self._keys: dict[int, tuple[Unit, str]] = {}

    def record_key(self, locale: str, file: str) -> str:
        """Where the block record of ``file`` is kept (see :mod:`outreach.checks.
        incremental`): by path, so that the next run finds it whatever changed."""
        return self.store.key("file", self.fingerprint, locale, file)

    def _key(self, unit: Unit) -> str:
        known = self._keys.pop(id(unit), None)
        if known is not None and known[0] is unit:  # looked up, now remembered
            return known[1]
        info = unit.catalog
        other = info.gettext_reading
        key = self.store.key(
            "entry",
            self.fingerprint,
            info.locale,
            info.plural_forms.header,
            # gettext's reading, where it applies, and its count of forms every entry
            # writes (which differs from this one's: 1 form is ja's nplurals, not gettext's)
            None if other is None else (other.plural_forms.header, other.catalog_wide_count),
            info.catalog_wide_count,
            unit.msgctxt,
            unit.msgid,
            unit.msgid_plural,
            unit.written_plural,
            unit.forms,
            sorted(unit.flags),
            unit.fuzzy,
            # a message key's translation is judged otherwise, and whether a msgid is one
            # depends on the catalog (compiled or checked), not on the entry alone
            unit.keyed,
            # JavaScript formats it: a reference elsewhere in the file decides
            info.javascript,
        )
        return key

    def lookup(self, unit: Unit) -> list[Result] | None:
        return self._find(unit, remembering=True)

    def _find(self, unit: Unit, *, remembering: bool) -> list[Result] | None:
        if not self.store.enabled:
            return None
        if not remembering and not self.store.holds("entries"):
            return None  # a cold compile: no entry to find, no key worth working out
        key = self._key(unit)
        value = self.store.get("entries", key)
        if not isinstance(value, list):
            if remembering:  # to be checked, then remembered
                self._keys[id(unit)] = (unit, key)
            return None
        try:
            found = [(str(c), _severity(s), str(m), _form(f)) for c, s, m, f in value]
        except (TypeError, ValueError):
            return None
        self.counts["cached"] += 1
        return found

    def remember(self, unit: Unit, results: list[Result]) -> None:
        self.counts["checked"] += 1
        if self.store.enabled:
            self.store.put("entries", self._key(unit), [list(r) for r in results])

    def only(self, names: Collection[str]) -> EntryCache:
        """A read-only view for a run of the checks ``names`` alone (``outreach compile``,
        rendering): an entry ``outreach check`` judged is not judged again, its results for
        those checks are taken as they are (each check is a pure function of the entry, so
        they are what running them alone gives). Nothing is remembered: results of some
        checks would pass for all of them."""
        return _OnlyEntries(self, frozenset(names))


class _OnlyEntries:
    """:meth:`StoredEntries.only`."""

    def __init__(self, entries: StoredEntries, names: frozenset[str]) -> None:
        self.entries = entries
        self.names = names

    def lookup(self, unit: Unit) -> list[Result] | None:
        found = self.entries._find(unit, remembering=False)  # nothing is remembered
        return None if found is None else [r for r in found if r[0] in self.names]

    def remember(self, unit: Unit, results: list[Result]) -> None:
        return None


def _form(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError(value)


def _severity(value: object) -> Severity:
    if value == "error":
        return "error"
    if value == "warning":
        return "warning"
    raise ValueError(value)


def check_catalog(
    catalog: Catalog | PoFile,
    *,
    file: str,
    locale: str | None = None,
    campaign: Campaign | None = None,
    structural_only: bool = False,
    only: Collection[str] | None = None,
    detector: Detector | None = None,
    cache: EntryCache | None = None,
    plural_counts: Sequence[int] | None = None,
    sources: Sources | None = None,
    preconditions: bool = True,
    part: tuple[int, int] | None = None,
    compiled: bool = False,
    javascript: bool | None = None,
) -> list[Finding]:
    """Every finding for ``catalog``, in file order then check order.

    ``detector`` lets the wrong-language check consult langdetect (through
    :class:`outreach.detect.LanguageJudge`); without one it only tests the script. With a
    ``cache``, an entry seen before is not checked again. The organizer's exceptions in
    campaign.toml (``[[checks.ignore]]``) drop the findings they name. Entries are judged
    against ``sources`` (by default, with a ``campaign``, its templates' strings:
    :func:`outreach.sources.template_sources`), not against the sources the .po copies.
    ``preconditions=False`` runs every check on every entry, skipping none whose trigger
    the entry cannot meet (:func:`run_entry_checks`): the same findings, more slowly.
    ``part=(start, stop)`` checks only the entries ``start`` to ``stop`` (in file order,
    as :func:`~outreach.pofile.iter_messages` gives them), and the catalog-level checks
    only in the part that starts at 0: the parts of a catalog, checked in worker processes
    (:mod:`outreach.qa.campaign`), put together in order give what checking it whole gives
    (but for findings repeated across parts, which :func:`join_parts` drops).
    ``compiled``: the catalog is checked as outreach compiles it, with the plural formula it
    writes into the .mo alone (:func:`outreach.translations.compile_checked`).
    ``javascript``: whether the whole file's references make it a JavaScript catalog
    (:func:`outreach.pofile.javascript_catalog`), for ``catalog`` that is part of a file
    (an incremental check's changed entries), as ``plural_counts`` gives its plural counts.
    """
    po = as_po_file(catalog, file=file, locale=locale)
    if sources is None and campaign is not None:
        from outreach.sources import template_sources

        sources = template_sources(campaign)
    info = catalog_info(
        po,
        file=file,
        locale=locale,
        campaign=campaign,
        sources=sources,
        compiled=compiled,
        javascript=javascript,  # part of a file (incremental): the whole file's references
    )
    # the detector's answers, filled in below once the samples are known: the units share
    # this one mapping (a copy of every unit with a new catalog would drop what each had
    # worked out already: its placeholders' values, its filled forms)
    detections: dict[str, tuple[tuple[str, float], ...]] = {}
    info = replace(info, detections=detections)
    if plural_counts is not None:  # part of a catalog, checked as the whole (incremental)
        info = replace(info, plural_counts=tuple(plural_counts))
    findings: list[Finding] = []
    for check in CATALOG_CHECKS.values():
        if not _selected(check.name, check.structural, structural_only, only):
            continue
        if part is not None and part[0] != 0:
            break  # another part reports them
        for line, message in check.func(info):
            findings.append(
                Finding(info.locale, file, line, None, None, check.name, check.severity, message)
            )
    entry_checks = [
        c for c in ENTRY_CHECKS.values() if _selected(c.name, c.structural, structural_only, only)
    ]
    messages: Iterable[Message] = iter_messages(po.catalog)
    if part is not None:
        messages = itertools.islice(messages, part[0], part[1])
    units = [unit_from_message(m, info, po.lines_of(m)) for m in messages]
    cached: dict[int, list[Result]] = {}
    if cache is not None:
        for index, unit in enumerate(units):
            found = cache.lookup(unit)
            if found is not None:
                cached[index] = found
    pending = [unit for index, unit in enumerate(units) if index not in cached]
    if detector is not None and pending and any(c.name == "wrong-language" for c in entry_checks):
        from outreach.checks.language import detection_samples

        samples = detection_samples(pending)
        if samples:
            detections.update(detector(samples, locale or info.locale))
    fresh = iter(pending)
    for index, unit in enumerate(units):
        if index in cached:
            results = cached[index]
        else:
            unit = next(fresh)
            results = list(run_entry_checks(unit, entry_checks, preconditions=preconditions))
            if cache is not None:
                cache.remember(unit, results)
        findings.extend(
            Finding(
                info.locale,
                file,
                unit.line_of(form),
                unit.msgid,
                unit.msgctxt,
                name,
                severity,
                text,
            )
            for name, severity, text, form in results
        )
    return _exempt(list(dict.fromkeys(findings)), campaign)


def join_parts(parts: Iterable[Sequence[Finding]]) -> list[Finding]:
    """The findings of a catalog checked in parts (:func:`check_catalog`'s ``part``), in
    the parts' order: each finding once, as a check of the whole catalog gives them."""
    return list(dict.fromkeys(itertools.chain.from_iterable(parts)))


def _exempt(findings: list[Finding], campaign: Campaign | None) -> list[Finding]:
    """Drop what the organizer excepted in campaign.toml."""
    if campaign is None or not campaign.exemptions:
        return findings
    return [f for f in findings if not any(e.covers(f) for e in campaign.exemptions)]


def _ignoring(unit: Unit) -> frozenset[str]:
    """The checks ``unit`` has an ``ignore-<check>`` flag for (Weblate's convention), found
    once an entry rather than once a check (most entries have none).

    >>> from outreach.checks.registry import CatalogInfo
    >>> unit = Unit("Hi", None, None, ("Hola",), frozenset({"ignore-length", "python-format"}),
    ...             1, False, CatalogInfo(locale="es", file="es.po"))
    >>> sorted(_ignoring(unit))
    ['length']
    """
    return frozenset(f[7:] for f in unit.flags if f.startswith("ignore-"))


def _ignored(ignoring: frozenset[str], check: EntryCheck) -> bool:
    """A Weblate-style ``ignore-<check>`` flag (``ignoring``: :func:`_ignoring`) switches a
    *warning* off for one entry. Flags in a ``.po`` are translator text: they never silence
    an error (links, mentions, placeholders, markup, headers); the organizer's exceptions
    live in campaign.toml."""
    return check.severity == "warning" and check.name in ignoring


#: The checks that still run on an entry far longer than its source.
_OVERSIZE_CHECKS = frozenset({"length", "untranslated", "fuzzy"})


class Preconditions:
    """The triggers of a list of checks (:func:`outreach.checks.registry.entry_check`),
    tested once an entry: the set of the entry's characters (and of what filling its
    placeholders can add), each character looked up once a run for the checks whose
    trigger it meets, as written or decomposed (NFKD).

    A check without a trigger always runs; a check whose trigger no character of the entry
    meets finds nothing there, and is skipped. Why decomposing each character is enough:
    the finders search texts normalised (NFKC), and NFKC composes only what NFKD gives, and
    no composed character meets a trigger without a character of its decomposition meeting
    it too (``tests/test_check_triggers.py`` tries every code point). The test takes about
    3 µs an entry on bench_compile.py's catalogs, where a search of one pattern joining every
    trigger (all the matches of it, in the texts and their NFKC forms) took 12 µs.

    >>> from outreach.checks.registry import ENTRY_CHECKS, CatalogInfo
    >>> gate = Preconditions([ENTRY_CHECKS["html"], ENTRY_CHECKS["placeholders"]])
    >>> unit = Unit("Sign <b>now</b>", None, None, ("Firma <b>ya</b>",), frozenset(), 1,
    ...             False, CatalogInfo(locale="es", file="es.po"))
    >>> sorted(gate.guarded - gate.holding(unit))
    ['placeholders']
    """

    def __init__(self, checks: Sequence[EntryCheck]) -> None:
        triggered = [(c, re.compile(c.trigger)) for c in checks if c.trigger is not None]
        #: the names of the checks that have a trigger
        self.guarded = frozenset(c.name for c, _ in triggered)
        self._triggered = triggered
        #: the checks that read texts filled, as bits of a mask (see :meth:`_mask`)
        self._filled = sum(1 << i for i, (c, _) in enumerate(triggered) if c.filled)
        self._names: dict[int, frozenset[str]] = {}
        #: characters that meet no trigger, and the mask of those that meet some
        self._quiet: set[str] = set()
        self._masks: dict[str, int] = {}

    def _mask(self, chars: set[str]) -> int:
        """The checks whose trigger one of ``chars`` meets, as written or decomposed: bit
        ``i`` for the ``i``-th check with a trigger."""
        mask = 0
        masks = self._masks
        for char in chars - self._quiet:
            bits = masks.get(char)
            if bits is None:
                decomposed = unicodedata.normalize("NFKD", char)
                bits = sum(
                    1 << i
                    for i, (_, rx) in enumerate(self._triggered)
                    if any(rx.fullmatch(c) for c in {char, *decomposed})
                )
                if not bits:
                    self._quiet.add(char)
                    continue
                masks[char] = bits
            mask |= bits
        return mask

    def holding(self, unit: Unit) -> frozenset[str]:
        """The guarded checks whose trigger the texts of ``unit`` meet: the source, its
        plural (the templates' and the one the .po writes), every form; for the checks
        that read texts filled (``filled``), also the values of :attr:`Unit.value_sets`
        and :data:`~outreach.placeholders.FILL_ADDS` when a text has a ``%``."""
        chars = set(unit.msgid)
        for text in (unit.msgid_plural, unit.written_plural, *unit.forms):
            if text:
                chars.update(text)
        mask = self._mask(chars)
        if "%" in chars and self._filled & ~mask:
            added = set(FILL_ADDS)
            for values in unit.value_sets:
                for value in values.values():
                    added.update(value)
            mask |= self._mask(added) & self._filled
        names = self._names.get(mask)
        if names is None:
            names = self._names[mask] = frozenset(
                c.name for i, (c, _) in enumerate(self._triggered) if mask >> i & 1
            )
        return names


@functools.lru_cache(maxsize=64)
def _preconditions(checks: tuple[EntryCheck, ...]) -> Preconditions:
    return Preconditions(checks)


@functools.lru_cache(maxsize=1024)
def _runnable(
    checks: tuple[EntryCheck, ...], usable: bool, oversize: bool, skipped: frozenset[str]
) -> tuple[EntryCheck, ...]:
    """The checks of ``checks`` that run on an entry (see :func:`run_entry_checks`):
    those that need a translation only if it is ``usable``, only those of
    :data:`_OVERSIZE_CHECKS` on an ``oversize`` one, none of ``skipped``. Worked out once
    for each such case, not once an entry and check (four tests for each of 24 checks an
    entry): with :func:`outreach.locales.language_code` kept per name, 1.8 % fewer
    instructions in a check of one of bench_check.py's catalogs (callgrind)."""
    return tuple(
        check
        for check in checks
        if (usable or not check.needs_translation)
        and (not oversize or check.name in _OVERSIZE_CHECKS)
        and check.name not in skipped
    )


def run_entry_checks(
    unit: Unit, checks: Sequence[EntryCheck], *, preconditions: bool = True
) -> Iterator[Result]:
    """``(check, severity, message, form)`` for each problem of ``unit``, each once. Fuzzy
    and untranslated units only meet the checks that do not need a translation
    (``untranslated``, ``fuzzy``); a unit far longer than its source only meets ``length``,
    which says so, so that no check spends more than linear time on it. A check whose
    trigger the entry cannot meet is skipped (:class:`Preconditions`; ``preconditions=
    False`` runs it anyway, which finds the same: ``tests/test_check_triggers.py``).

    A plural entry of a catalog whose header declares no ``Plural-Forms`` is checked as
    outreach reads it (the language's usual formula) and as gettext's runtime does
    (:attr:`~outreach.checks.registry.CatalogInfo.gettext_reading`): an error about a form
    both readings show stands only if both find it (a count left out of a Japanese form
    that gettext shows for 1 alone is a judgement, not a certainty); one about a form only
    one reading shows stands as it is (a link in a form outreach never shows is still
    shown by gettext); what only gettext's reading finds in a form both show is a warning.
    An entry whose msgid is a message key, in a catalog checked without the program's
    sources, is checked against itself as well (:func:`_without_source`).
    """
    found = _entry_results(unit, checks, preconditions)
    if unit.keyed and any(severity == "error" for _, severity, _, _ in found):
        found = _without_source(unit, found, checks, preconditions)
    other = unit.catalog.gettext_reading if unit.is_plural else None
    if other is None:
        yield from found
        return
    theirs = _entry_results(replace(unit, catalog=other), checks, preconditions)
    ours_shown, their_shown = unit.catalog.num_plurals, other.num_plurals
    confirmed, mine = _errors(theirs), _errors(found)
    ours = f"{unit.catalog.locale}'s usual formula ({_formula(unit.catalog)}), outreach's"
    gettext = f"gettext's default ({_formula(other)})"
    for name, severity, message, form in found:
        both = form is None or form < their_shown
        if severity == "error" and both and (name, form) not in confirmed:
            yield name, "warning", message + _one_reading(ours, gettext), form
        else:
            yield name, severity, message, form
    for name, severity, message, form in theirs:
        if severity != "error" or (name, form) in mine:
            continue
        if form is not None and form >= ours_shown:
            yield name, severity, message, form  # a form only gettext shows: as found
        else:
            yield name, "warning", message + _one_reading(gettext, ours), form


#: The checks whose errors compare what a source text plainly holds (links, addresses,
#: placeholders, numbers, command-line options) with the translation (:func:`_without_source`).
_SOURCE_TEXT_CHECKS = frozenset({"urls", "mentions", "placeholders", "numbers", "code"})


def _without_source(
    unit: Unit, found: list[Result], checks: Sequence[EntryCheck], preconditions: bool
) -> list[Result]:
    """``found`` for a unit whose msgid is a message key (:attr:`~outreach.checks.registry.
    Unit.keyed`): the translation is checked again as its own source, and an error of the
    checks of what source texts hold (:data:`_SOURCE_TEXT_CHECKS`: a link, an address, a
    placeholder, a number, an option "not in the source") that goes came from comparing it
    with the key, so it is a warning saying so; one that stays is certain from the catalog
    alone (a danger whatever the source, such as a look-alike host: the translation read as
    its own source is a stand-in, :attr:`~outreach.checks.registry.Unit.stand_in`). The
    other checks' errors stand as found: markup, a
    bidi override or template code that the key lacks is no text an English source holds
    (a `<script>` is a danger whatever the key)."""
    alone = replace(unit, msgid=unit.forms[0], stand_in=True)
    certain = _errors(_entry_results(alone, checks, preconditions))
    note = (
        f"; the msgid “{unit.msgid}” is a message key, not the source text, which this "
        "catalog does not hold: compare with the source language's catalog"
    )
    return [
        (name, "warning", message + note, form)
        if severity == "error" and name in _SOURCE_TEXT_CHECKS and (name, form) not in certain
        else (name, severity, message, form)
        for name, severity, message, form in found
    ]


def _errors(results: Iterable[Result]) -> set[tuple[str, int | None]]:
    """``(check, form)`` of each error of ``results``: what two readings of an entry are
    compared by (:func:`run_entry_checks`, :func:`_without_source`)."""
    return {(name, form) for name, severity, _, form in results if severity == "error"}


def _one_reading(holds: str, fails: str) -> str:
    """What a finding that holds with one plural formula and not the other adds to its
    message (see :func:`run_entry_checks`).

    >>> _one_reading("A", "B")[:35]
    '; certain only with A, not with B: '
    """
    return (
        f"; certain only with {holds}, not with {fails}: the header declares no "
        "Plural-Forms, so the catalog does not say which applies (add Plural-Forms: see "
        "the header's finding)"
    )


def _formula(info: CatalogInfo) -> str:
    return info.plural_forms.header.rstrip("; ")


def _entry_results(unit: Unit, checks: Sequence[EntryCheck], preconditions: bool) -> list[Result]:
    """:func:`run_entry_checks` for one reading of the catalog."""
    results: list[Result] = []
    usable = unit.translated and not unit.fuzzy
    oversize = unit.oversize is not None
    seen: set[tuple[str, str]] = set()
    yielding: dict[int, str] = {}  # a result's index -> the check it yields to
    ignoring = _ignoring(unit) if unit.flags else frozenset()
    skipped: frozenset[str] = frozenset()
    listed = tuple(checks)
    if preconditions and usable and not oversize:
        gate = _preconditions(listed)
        if gate.guarded:
            skipped = gate.guarded - gate.holding(unit)
    for check in _runnable(listed, usable, oversize, skipped):
        if ignoring and _ignored(ignoring, check):
            continue
        # the entry has ignore-<check>: the check's *warnings* are dropped for it (a check
        # that can report errors still runs, and its errors stand)
        flagged = check.name in ignoring
        for found in check.func(unit):
            item = found if isinstance(found, Problem) else Problem(found)
            severity = item.severity or check.severity
            message = item.message
            if severity == "error" and item.form in unit.unshown_forms:
                # gettext never picks this form: what it holds is never read (a judgement
                # for the header, which the plural-forms and header checks make)
                severity = "warning"
                message += "; no number selects this form (see Plural-Forms): it is never shown"
            if flagged and severity == "warning":
                continue
            if (check.name, message) not in seen:
                seen.add((check.name, message))
                if item.yields_to is not None:
                    yielding[len(results)] = item.yields_to
                results.append((check.name, severity, message, item.form))
    if not yielding:
        return results
    info = unit.catalog
    excepted = frozenset(
        owner
        for owner in set(yielding.values())
        if any(e.applies(owner, info.locale, unit.msgid, unit.msgctxt) for e in info.exemptions)
    )
    return _stepped_down(results, yielding, excepted)


def _stepped_down(
    results: list[Result], yielding: dict[int, str], excepted: frozenset[str] = frozenset()
) -> list[Result]:
    """``results`` with each finding that yields to another check (``yielding``: its index
    and that check's name, :attr:`~outreach.checks.registry.Problem.yields_to`) one
    severity lower where that check has an error on the same form or on the whole entry:
    an error is a warning, a warning is left out (one cause, one finding). An error of a
    check the organizer excepts for the entry (``excepted``: campaign.toml's
    ``[[checks.ignore]]``, which drops it once the checks have run) takes nothing over: an
    exception for a link a translator added beside a per-reader link swapped for a fixed
    page excepts that link, and the swap stays the placeholders check's error.

    >>> found = [("urls", "error", "a", 0), ("placeholders", "error", "b", 0),
    ...          ("code", "warning", "c", 1)]
    >>> _stepped_down(found, {1: "urls", 2: "placeholders"})
    [('urls', 'error', 'a', 0), ('placeholders', 'warning', 'b', 0), ('code', 'warning', 'c', 1)]
    >>> _stepped_down(found, {1: "urls"}, frozenset({"urls"}))[1]
    ('placeholders', 'error', 'b', 0)
    """
    errors = {(name, form) for name, form in _errors(results) if name not in excepted}
    kept: list[Result] = []
    for index, (name, severity, message, form) in enumerate(results):
        owner = yielding.get(index)
        if owner is not None and ((owner, form) in errors or (owner, None) in errors):
            if severity != "error":
                continue
            severity = "warning"
        kept.append((name, severity, message, form))
    return kept
