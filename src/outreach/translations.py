"""Translations for rendering: each catalog as checked, in a fallback chain.

For ``pt_BR`` the chain is ``pt_BR`` -> ``pt`` -> the source text. Each link is compiled in
memory from the locale's ``.po``: a committed ``.mo`` is never read, so what renders is what
``outreach check`` judged (a pull request can add a ``.mo`` as easily as a ``.po``).

Before compiling, every entry meets the error checks that guard what supporters receive
(placeholders, links, mentions, hashtags, markup, injections, invisible characters, plural
forms; language detection aside). An entry with an error finding is left out, so it falls
back along the chain, and the finding is kept in :attr:`LocaleTranslations.refused` for the
command to report; a broken ``Plural-Forms`` leaves out every plural entry, a charset the
catalog cannot be read in every entry. Missing, empty, fuzzy and incompletely pluralised
entries are left out too, so nothing ever renders empty. ``outreach compile`` applies the
same filter (:func:`compile_checked`). Entries are judged against the templates' source
strings (:mod:`outreach.sources`), never the copy a ``.po`` holds.

The chain goes through the locales campaign.toml lists only: ``es_MX`` falls back to ``es``
even where a pull request has added ``locales/es_419``, which ``outreach check`` never reads.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> loaded = load_locale(campaign, "en")
>>> loaded.refused, loaded.mo is not None
((), True)
"""

from __future__ import annotations

import base64
import functools
import gettext
import hashlib
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Message

    from outreach.cache import CheckCache
    from outreach.campaign import Campaign
    from outreach.findings import Finding
    from outreach.pofile import PoFile
    from outreach.sources import Sources

__all__ = [
    "GATE_EXEMPT",
    "WHOLE_CATALOG",
    "Compiled",
    "LocaleTranslations",
    "build_chain",
    "compile_checked",
    "compiled_key",
    "gate_checks",
    "load_locale",
    "mo_strings",
    "recall_compiled",
    "refusal_applies",
    "store_compiled",
]

#: Error checks that do not keep an entry out of what is sent: language detection judges
#: style, not safety (a false alarm there must not change an email).
GATE_EXEMPT = frozenset({"wrong-language"})


@dataclass(frozen=True)
class LocaleTranslations:
    """One locale's catalog as the renderer uses it: compiled ``.mo`` bytes (``None``
    without a catalog) and the error findings whose entries were left out."""

    locale: str
    mo: bytes | None
    refused: tuple[Finding, ...] = ()


@functools.cache
def gate_checks() -> frozenset[str]:
    """The checks whose errors keep an entry out of rendered output."""
    from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS

    names = {c.name for c in ENTRY_CHECKS.values() if c.severity == "error"}
    names |= {c.name for c in CATALOG_CHECKS.values() if c.severity == "error"}
    return frozenset(names - GATE_EXEMPT)


#: Catalog-level error checks that keep every entry of the catalog out: its header declares
#: a charset it cannot be read in (``charset``). A broken ``Plural-Forms`` keeps out the
#: plural entries only.
WHOLE_CATALOG = frozenset({"charset"})


@dataclass(frozen=True)
class Compiled:
    """A catalog compiled as rendering and ``outreach compile`` use it: the ``.mo`` bytes,
    how many messages went in, the error findings, how many complete translations were left
    out for them, and how many entries were fuzzy or incompletely pluralised."""

    mo: bytes
    count: int
    findings: tuple[Finding, ...]
    left_out: int = 0
    fuzzy: int = 0
    incomplete: int = 0
    #: the checks among the findings' that are structural (they refuse a whole catalog in
    #: ``outreach compile``), so that a recalled catalog needs no check code to say so
    structural: frozenset[str] = frozenset()


def compile_checked(
    po: PoFile,
    *,
    campaign: Campaign,
    locale: str,
    file: str,
    sources: Sources | None = None,
    cache: CheckCache | None = None,
) -> Compiled:
    """Check ``po`` with the gate checks and compile what passes: the one filter that both
    rendering (:func:`load_locale`) and ``outreach compile`` apply, so that no ``.mo`` holds
    an entry that ``render`` would refuse. Entries are judged against ``sources`` (default:
    the campaign's templates), and only the templates' plural of a string can be compiled
    (a ``.po`` that writes another one has a ``plural-source`` error). With the check
    ``cache``, an entry ``outreach check`` judged before is not judged again
    (:meth:`outreach.checks.runner.StoredEntries.only`)."""
    from collections import Counter

    from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS, check_catalog
    from outreach.plurals import GETTEXT_DEFAULT, usual_plural_forms
    from outreach.pofile import entry_status, iter_messages, write_mo

    entries = None
    if cache is not None and cache.enabled:
        from outreach.cache import check_fingerprint
        from outreach.checks.runner import StoredEntries

        fingerprint = check_fingerprint(campaign, sources)
        entries = StoredEntries(cache, fingerprint).only(gate_checks())
    findings = tuple(
        f
        for f in check_catalog(
            po,
            file=file,
            locale=locale,
            campaign=campaign,
            only=gate_checks(),
            sources=sources,
            cache=entries,
            compiled=True,  # the .mo declares po.plural_forms: the one reading there is
        )
        if f.severity == "error"
    )
    names = {n for n, c in ENTRY_CHECKS.items() if c.structural}
    names |= {n for n, c in CATALOG_CHECKS.items() if c.structural}
    structural = frozenset(f.check for f in findings if f.check in names)
    refused_keys = {(f.msgctxt, f.msgid) for f in findings if f.msgid is not None}
    catalog_wide = {f.check for f in findings if f.msgid is None}
    no_plurals = "plural-forms" in catalog_wide
    nothing = bool(catalog_wide & WHOLE_CATALOG)
    # a formula that is broken never goes into the .mo: gettext evaluates it on every
    # plural lookup, even when no plural entry is left
    forms = (usual_plural_forms(locale) or GETTEXT_DEFAULT) if no_plurals else po.plural_forms
    left_out = 0

    def keep(message: Message) -> bool:
        nonlocal left_out
        msgid = message.id[0] if message.pluralizable else message.id
        if (
            nothing
            or (no_plurals and message.pluralizable)
            or ((message.context, msgid) in refused_keys)
        ):
            left_out += 1
            return False
        return True

    buffer = io.BytesIO()
    count = write_mo(po.catalog, buffer, forms, keep=keep, header=po.header)
    status = Counter(entry_status(m, po.plural_forms) for m in iter_messages(po.catalog))
    return Compiled(
        buffer.getvalue(),
        count,
        findings,
        left_out,
        status["fuzzy"],
        status["incomplete"],
        structural,
    )


def load_locale(
    campaign: Campaign,
    locale: str,
    sources: Sources | None = None,
    cache: CheckCache | None = None,
) -> LocaleTranslations:
    """Read, check and compile ``locale``'s catalog (see the module's description).

    With the check ``cache`` (:mod:`outreach.cache`), a catalog compiled before --
    the same bytes, judged against the same sources, campaign.toml and check code -- is
    not checked again: its ``.mo`` and refusals are recalled (rendering starts in a
    fraction of the time; the result is the same).

    Raises :class:`~outreach.errors.CatalogError` for a catalog that cannot be read.
    """
    path = campaign.po_path(locale)
    try:
        data = campaign.read(path)
    except FileNotFoundError:
        return LocaleTranslations(locale, None)
    file = campaign.relative(path)
    key = None
    if cache is not None and cache.enabled:
        from outreach.sources import template_sources

        if sources is None:
            sources = template_sources(campaign, cache)
        key = compiled_key(cache, campaign, locale, file, data, sources)
        recalled = recall_compiled(cache, key)
        if recalled is not None:
            return LocaleTranslations(locale, recalled.mo, recalled.findings)
    from outreach.pofile import parse_po

    po = parse_po(data, path=file, locale=locale)
    compiled = compile_checked(
        po, campaign=campaign, locale=locale, file=file, sources=sources, cache=cache
    )
    if cache is not None and key is not None:
        store_compiled(cache, key, compiled)
    return LocaleTranslations(locale, compiled.mo, compiled.findings)


#: The check cache's namespace for compiled catalogs (:func:`load_locale` and
#: ``outreach compile`` share it: a catalog one of them compiled, the other recalls).
COMPILED = "compiled"


def compiled_key(
    cache: CheckCache,
    campaign: Campaign,
    locale: str,
    file: str,
    data: bytes,
    sources: Sources | None,
) -> str:
    """The cache key of ``locale``'s catalog ``file`` (campaign-relative) compiled from the
    bytes ``data``: they, the source strings, campaign.toml and the check code
    (:func:`outreach.cache.check_fingerprint`) are all :func:`compile_checked` depends on."""
    from outreach.cache import check_fingerprint

    material = hashlib.sha256(data).hexdigest()
    return cache.key(COMPILED, 2, check_fingerprint(campaign, sources), locale, file, material)


def store_compiled(cache: CheckCache, key: str, compiled: Compiled) -> None:
    """Keep ``compiled`` in the check cache under ``key`` (:func:`compiled_key`)."""
    cache.put(
        COMPILED,
        key,
        {
            "mo": base64.b64encode(compiled.mo).decode("ascii"),
            "refused": [f.to_json() for f in compiled.findings],
            "counts": [compiled.count, compiled.left_out, compiled.fuzzy, compiled.incomplete],
            "structural": sorted(compiled.structural),
        },
    )


def recall_compiled(cache: CheckCache, key: str) -> Compiled | None:
    """The catalog :func:`store_compiled` kept under ``key``, or ``None`` when there is none
    or what is stored is not one (the cache authenticates what it returns; this checks
    its shape)."""
    value = cache.get(COMPILED, key)
    if not isinstance(value, dict):
        return None
    from outreach.findings import Finding

    try:
        mo = base64.b64decode(value["mo"], validate=True)
        counts = value["counts"]
        if not (
            isinstance(counts, list)
            and len(counts) == 4
            and all(type(n) is int and n >= 0 for n in counts)
        ):
            return None
        structural = value["structural"]
        if not (isinstance(structural, list) and all(isinstance(n, str) for n in structural)):
            return None
        refused = []
        for item in value["refused"]:
            finding = Finding.from_json(item)
            if finding is None or finding.severity != "error":
                return None
            refused.append(finding)
    except (KeyError, TypeError, ValueError):
        return None
    count, left_out, fuzzy, incomplete = counts
    return Compiled(mo, count, tuple(refused), left_out, fuzzy, incomplete, frozenset(structural))


def refusal_applies(
    finding: Finding, keys: Collection[tuple[str | None, str]], plural: bool
) -> bool:
    """Whether a refused ``finding`` concerns an output that asked for the strings ``keys``
    (``plural``: one of them is a plural): it names one of them, or it keeps out the whole
    catalog, or the plural entries and a plural was asked for."""
    if finding.msgid is not None:
        return (finding.msgctxt, finding.msgid) in keys
    return finding.check in WHOLE_CATALOG or (plural and finding.check == "plural-forms")


def build_chain(
    campaign: Campaign, locale: str, loaded: Mapping[str, LocaleTranslations]
) -> gettext.NullTranslations:
    """The translations for ``locale`` with its fallbacks, ending in the source text;
    ``loaded`` holds :func:`load_locale`'s result for every locale of the chain. The chain
    goes through the locales the campaign lists only (:meth:`outreach.campaign.Campaign.
    chain`): a catalog that campaign.toml does not list is never checked, so never used."""
    head: gettext.NullTranslations | None = None
    for link in campaign.chain(locale):
        entry = loaded.get(link)
        if entry is None or entry.mo is None:
            continue
        translations = gettext.GNUTranslations(io.BytesIO(entry.mo))
        if head is None:
            head = translations
        else:
            head.add_fallback(translations)
    return head if head is not None else gettext.NullTranslations()


def mo_strings(mo: bytes) -> dict[tuple[str | None, str], tuple[str, ...]]:
    """``(msgctxt, msgid) -> the translation's forms`` of every message in GNU ``.mo``
    bytes (the header left out; a plural by its singular msgid), as Babel's ``read_mo``
    reads them: what a compiled catalog provides (:func:`load_locale`'s ``mo``).

    The bytes are those outreach compiled, but no caller may fail on any: bytes Babel
    cannot read provide nothing. Babel fails on damaged bytes in many ways, its header
    parsing included (fuzzing saw ``OSError``, ``struct.error``, ``UnicodeDecodeError``,
    ``ValueError``, ``LookupError`` and ``AttributeError``), so any error counts as
    unreadable.

    >>> from babel.messages.catalog import Catalog
    >>> from outreach.pofile import write_mo
    >>> catalog = Catalog(locale="es")
    >>> _ = catalog.add("Sign", "Firma", context="subject")
    >>> buffer = io.BytesIO()
    >>> _ = write_mo(catalog, buffer)
    >>> mo_strings(buffer.getvalue()), mo_strings(buffer.getvalue()[:60])
    ({('subject', 'Sign'): ('Firma',)}, {})
    """
    from babel.messages.mofile import read_mo

    try:
        catalog = read_mo(io.BytesIO(mo))
    except Exception:  # damaged bytes, whatever Babel makes of them (see above)
        return {}
    found: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for message in catalog:
        if message.id:
            msgid = message.id[0] if isinstance(message.id, list | tuple) else message.id
            forms = message.string if isinstance(message.string, list | tuple) else [message.string]
            found[(message.context, str(msgid))] = tuple(str(f or "") for f in forms)
    return found
