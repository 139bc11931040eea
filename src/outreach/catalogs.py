"""The translator workflow: extract, add-locale, update, compile, stats.

Each function works on a :class:`~outreach.campaign.Campaign`, reads its files, writes
results atomically, and returns what it did; it never prints. The pure steps underneath
(:func:`extract_catalog`, :func:`merge_catalog`, :func:`catalog_stats`) take and return
Babel catalogs, so they can be used on their own.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> [s.locale for s in stats(campaign)]
['en']
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.catalog import Catalog

from outreach._private import add_message_if_absent
from outreach.campaign import DOMAIN, Campaign
from outreach.errors import CatalogError, InputError, LocaleError, ProblemsFound
from outreach.plurals import GETTEXT_DEFAULT, PluralForms
from outreach.pofile import (
    STATS_COLUMN,
    PoFile,
    catalog_plural_forms,
    entry_status,
    iter_messages,
    message_forms,
    parse_po,
    set_plural_forms,
    write_catalog,
)
from outreach.sources import COMMENT_TAGS, JINJA2_OPTIONS, extract_catalog

if TYPE_CHECKING:
    from outreach.cache import CheckCache
    from outreach.sources import Sources
    from outreach.translations import Compiled

__all__ = [
    "COMMENT_TAGS",
    "JINJA2_OPTIONS",
    "AddLocaleResult",
    "CatalogStats",
    "CompileResult",
    "ExtractResult",
    "UpdateResult",
    "add_locale",
    "catalog_stats",
    "compile_catalogs",
    "extract",
    "extract_catalog",
    "load_catalog",
    "merge_catalog",
    "stats",
    "update",
]

_VOLATILE_HEADER = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date|Generated-By): .*$', re.M)


# -- reading -------------------------------------------------------------------------------
def _parse(campaign: Campaign, path: Path, locale: str | None = None) -> PoFile:
    try:
        data = campaign.read(path)
    except FileNotFoundError:
        raise CatalogError("no such catalog", path=path) from None
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc.strerror}", path=path) from None
    return parse_po(data, path=str(path), locale=locale)


def _read(campaign: Campaign, path: Path, locale: str | None = None) -> Catalog:
    return _parse(campaign, path, locale).catalog


def load_catalog(campaign: Campaign, locale: str) -> Catalog:
    """The parsed ``.po`` of ``locale``."""
    return _read(campaign, campaign.po_path(locale), locale)


def header_errors(po: PoFile, *, file: str, locale: str) -> list[str]:
    """The ``plural-forms`` errors of a parsed catalog, as ``path:line: message`` lines:
    a catalog with one is not updated, and its plural strings are not used."""
    from outreach.checks import check_catalog

    return [
        str(f)
        for f in check_catalog(po, file=file, locale=locale, only={"plural-forms"})
        if f.severity == "error"
    ]


def _write_if_changed(campaign: Campaign, path: Path, data: bytes) -> bool:
    """Write ``data`` unless the file already says the same but for its timestamps."""
    try:
        old = campaign.read(path)
    except FileNotFoundError:
        old = None
    if old is not None and _VOLATILE_HEADER.sub(b"", old) == _VOLATILE_HEADER.sub(b"", data):
        return False
    campaign.write(path, data)
    return True


# -- extract -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExtractResult:
    path: Path
    messages: int
    written: bool


def extract(campaign: Campaign) -> ExtractResult:
    """Write ``locales/messages.pot``; an unchanged extraction leaves the file untouched."""
    catalog = extract_catalog(campaign)
    written = _write_if_changed(campaign, campaign.pot_path, write_catalog(catalog))
    return ExtractResult(campaign.pot_path, len(list(iter_messages(catalog))), written)


def _template(campaign: Campaign) -> Catalog:
    """The POT, extracted first if the campaign has none yet."""
    if not os.path.lexists(campaign.pot_path):
        extract(campaign)
    return _read(campaign, campaign.pot_path)


# -- add-locale ----------------------------------------------------------------------------
def new_catalog(
    template: Catalog, locale: str, campaign: Campaign, plural_forms: PluralForms | None = None
) -> Catalog:
    """A fresh translation catalog for ``locale`` with ``plural_forms`` (by default the
    formula translators' tools use for the language, :func:`outreach.plurals.
    default_plural_forms`)."""
    from outreach.locales import babel_locale
    from outreach.plurals import default_plural_forms

    language = babel_locale(locale)
    forms = plural_forms or default_plural_forms(locale)
    catalog = Catalog(
        locale=locale,
        domain=DOMAIN,
        project=campaign.name,
        version=campaign.version,
        charset="utf-8",
        copyright_holder=campaign.name,
        fuzzy=False,
        language_team=f"{language.english_name} <LL@li.org>",
        header_comment=(
            f"# {language.english_name} translations for {campaign.name}.\n"
            "# Edit with Poedit, Weblate or any text editor; "
            "check with 'outreach check'."
        ),
    )
    set_plural_forms(catalog, forms)
    catalog.creation_date = template.creation_date
    merged, _ = merge_catalog(catalog, template)
    return merged


@dataclass(frozen=True)
class AddLocaleResult:
    """What ``add-locale`` wrote: the catalog, its plural formula, a note when CLDR
    counts the language's plural forms differently (``None`` otherwise), and one when the
    code may not be the language meant (``br``, Breton, for Brazil)."""

    path: Path
    plural_forms: PluralForms
    note: str | None = None
    slip: str | None = None


def add_locale(campaign: Campaign, locale: str, *, cldr_plurals: bool = False) -> AddLocaleResult:
    """Create ``locales/<locale>/LC_MESSAGES/messages.po`` and list the locale in campaign.toml.

    The catalog gets the plural formula translators' tools (Poedit, Weblate, GNU gettext)
    use for the language, or CLDR's with ``cldr_plurals``. Refuses to overwrite an existing
    catalog. campaign.toml is edited (and checked) first, then the catalog is written; if
    that fails, campaign.toml is put back as it was. A common slip is refused with the code
    meant (``jp``: ``ja``; ``iw``: ``he``), see :func:`~outreach.locales.locale_slip`.
    """
    from outreach.locales import locale_slip, normalize_locale
    from outreach.plurals import default_plural_forms

    slip = locale_slip(locale)
    if slip and slip.refuse:
        raise LocaleError(f"unknown locale {locale!r}: {slip.message}")
    normal = normalize_locale(locale)
    path = campaign.po_path(normal)
    if os.path.lexists(path):
        raise LocaleError(f"{normal} already has a catalog; use 'outreach update'", path=path)
    forms = default_plural_forms(normal, cldr=cldr_plurals)
    data = write_catalog(new_catalog(_template(campaign), normal, campaign, forms))
    result = AddLocaleResult(
        path, forms, _cldr_note(normal, forms, cldr_plurals), slip.message if slip else None
    )
    if normal in campaign.locales:
        campaign.write(path, data)
        return result
    old_config = _list_locale(campaign, normal)
    try:
        campaign.write(path, data)
    except BaseException:
        campaign.write(campaign.config_path, old_config)
        raise
    return result


def _cldr_note(locale: str, forms: PluralForms, cldr: bool) -> str | None:
    """Say so when CLDR has another number of plural forms than ``forms``."""
    from outreach.plurals import default_plural_forms, describe_forms

    other = default_plural_forms(locale, cldr=not cldr)
    if other.nplurals == forms.nplurals:
        return None
    if cldr:
        return (
            f"CLDR's {forms.nplurals} plural forms, as asked ({describe_forms(forms)}); "
            f"Poedit and GNU gettext use {other.header} for {locale}"
        )
    return (
        f"{forms.nplurals} plural forms, as Poedit, Weblate and GNU gettext use for {locale}; "
        f"CLDR has {other.nplurals} ({describe_forms(other)}): --cldr-plurals writes "
        f"{other.header}"
    )


def _list_locale(campaign: Campaign, locale: str) -> bytes:
    """Append ``locale`` to the ``locales`` of [campaign] in campaign.toml, keeping every
    comment and line as it was; returns the file's previous bytes."""
    from outreach.campaign import list_locale
    from outreach.errors import ConfigError

    config = campaign.config_path
    try:
        old = campaign.read(config)
        text = old.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=config) from None
    campaign.write(config, list_locale(text, locale, path=config).encode("utf-8"))
    return old


# -- update --------------------------------------------------------------------------------
@dataclass(frozen=True)
class UpdateResult:
    locale: str
    path: Path
    added: int
    fuzzy: int
    obsolete: int
    revived: int
    written: bool
    created: bool = False
    #: why the catalog was left as it was (``path:line: message``), when it was
    refused: tuple[str, ...] = ()


def _key(message_id: object, context: str | None) -> tuple[object, str | None]:
    plain = message_id[0] if isinstance(message_id, list | tuple) else message_id
    return plain, context


def merge_catalog(catalog: Catalog, template: Catalog) -> tuple[Catalog, dict[str, int]]:
    """Merge ``template`` into a copy of ``catalog`` without losing a translation.

    A changed source keeps its old translation, marked fuzzy with the previous msgid; a
    removed one becomes obsolete (``#~``); an obsolete entry whose source comes back is
    revived. Translator comments and flags (Weblate's ``max-length:N`` too) survive.
    Returns the merged catalog and counts ``added``, ``fuzzy``, ``obsolete``, ``revived``.
    """
    merged = copy.deepcopy(catalog)
    # Babel writes characters a legacy charset lacks as \uXXXX, which gettext cannot read
    # back: a merged catalog is always UTF-8.
    merged.charset = "utf-8"
    before = {_key(m.id, m.context): m.fuzzy for m in iter_messages(merged)}
    obsolete_before = {_key(m.id, m.context) for m in merged.obsolete.values()}
    # Obsolete entries take part in matching, so a string that comes back gets its old
    # translation; whatever still has no source goes back to obsolete.
    for old_key, message in list(merged.obsolete.items()):
        add_message_if_absent(merged, old_key, message)
    merged.obsolete.clear()
    previous = {
        _key(m.id, m.context): m.previous_id for m in iter_messages(merged) if m.previous_id
    }
    merged.update(template, update_header_comment=False, update_creation_date=True)
    # Babel rebuilds every entry from the template, so an entry that was already fuzzy
    # would lose its previous msgid (#|) on the next update; keep it while it is fuzzy.
    for message in iter_messages(merged):
        if message.fuzzy and not message.previous_id:
            message.previous_id = list(previous.get(_key(message.id, message.context), []))
    for obsolete_key, message in list(merged.obsolete.items()):
        if not any(message_forms(message)) and not message.user_comments:
            del merged.obsolete[obsolete_key]  # nothing a translator wrote; no reason to keep it
    after = list(iter_messages(merged))
    counts = {"added": 0, "fuzzy": 0, "obsolete": 0, "revived": 0}
    for message in after:
        key = _key(message.id, message.context)
        filled = any(message_forms(message))
        if key in obsolete_before and key not in before:
            counts["revived"] += 1
        elif message.fuzzy and not before.get(key, False) and filled:
            counts["fuzzy"] += 1
        elif key not in before and not filled:
            counts["added"] += 1
    counts["obsolete"] = sum(
        1 for m in merged.obsolete.values() if _key(m.id, m.context) not in obsolete_before
    )
    return merged, counts


def update(campaign: Campaign, locales: Sequence[str] | None = None) -> list[UpdateResult]:
    """Merge the POT into every catalog (creating missing ones for listed locales).

    Every catalog is read and merged before any is written: one malformed ``.po`` stops
    the update with nothing changed. A catalog whose ``Plural-Forms`` is broken or
    contradicts its entries is left as it is (writing it would drop plural forms) and its
    result says why in ``refused``; the others are updated.
    """
    template = _template(campaign)
    planned: list[tuple[UpdateResult, Catalog | None]] = []
    for locale in _locales(campaign, locales):
        path = campaign.po_path(locale)
        if not os.path.lexists(path):
            catalog = new_catalog(template, locale, campaign)
            added = len(list(iter_messages(catalog)))
            result = UpdateResult(locale, path, added, 0, 0, 0, True, created=True)
            planned.append((result, catalog))
            continue
        po = _parse(campaign, path, locale)
        refused = header_errors(po, file=campaign.relative(path), locale=locale)
        if refused:
            planned.append(
                (UpdateResult(locale, path, 0, 0, 0, 0, False, refused=tuple(refused)), None)
            )
            continue
        merged, counts = merge_catalog(po.catalog, template)
        result = UpdateResult(
            locale,
            path,
            added=counts["added"],
            fuzzy=counts["fuzzy"],
            obsolete=counts["obsolete"],
            revived=counts["revived"],
            written=False,
        )
        planned.append((result, merged))
    results = []
    for result, to_write in planned:
        if to_write is None:
            results.append(result)
            continue
        if result.created:
            campaign.write(result.path, write_catalog(to_write))
            written = True
        else:
            written = _write_if_changed(campaign, result.path, write_catalog(to_write))
        results.append(dataclasses.replace(result, written=written))
    return results


def _locales(campaign: Campaign, locales: Sequence[str] | None) -> list[str]:
    if not locales:
        return list(campaign.locales)
    return [campaign.resolve_locale(loc) for loc in dict.fromkeys(locales)]


# -- compile -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompileResult:
    locale: str
    path: Path
    compiled: int
    skipped_fuzzy: int
    skipped_incomplete: int
    refused: bool = False
    #: complete translations left out for their error findings (they fall back)
    skipped_errors: int = 0


@dataclass(frozen=True)
class _Compiled:
    """One catalog read, checked and compiled in memory (picklable, for worker processes),
    or why not: it cannot be read (a :class:`CatalogError`, as data) or there is none."""

    locale: str
    compiled: Compiled | None = None
    error: tuple[str, str | None, int | None] | None = None
    missing: bool = False


def _compile_one(
    campaign: Campaign,
    locale: str,
    sources: Sources | None,
    data: bytes | None,
    cache: CheckCache | None = None,
) -> _Compiled:
    from outreach.translations import compile_checked

    path = campaign.po_path(locale)
    try:
        if data is None:
            po = _parse(campaign, path, locale)
        else:
            po = parse_po(data, path=str(path), locale=locale)
    except CatalogError as exc:
        return _Compiled(locale, error=(exc.message, exc.path, exc.line))
    # the filter rendering applies: no .mo holds an entry that render would refuse
    compiled = compile_checked(
        po, campaign=campaign, locale=locale, file=str(path), sources=sources, cache=cache
    )
    return _Compiled(locale, compiled)


_PARALLEL_BYTES = 512 * 1024  # below this, starting worker processes costs more than it saves


def _size(campaign: Campaign, locale: str, data: bytes | None) -> int:
    """The size of ``locale``'s catalog: its bytes ``data`` when read, else its file's."""
    return len(data) if data is not None else os.lstat(campaign.po_path(locale)).st_size


def _compile_all(
    campaign: Campaign, locales: list[str], cache: CheckCache | None
) -> list[_Compiled]:
    """Read, check and compile every catalog; in worker processes when it pays. A catalog
    the check ``cache`` holds compiled (:func:`outreach.translations.compiled_key`: the
    same bytes, sources, campaign.toml and code) is recalled, not parsed nor checked."""
    from outreach.sources import template_sources
    from outreach.translations import compiled_key, recall_compiled, store_compiled

    sources = template_sources(campaign, cache)
    done: dict[str, _Compiled] = {}
    todo: list[tuple[str, bytes | None, str | None]] = []  # locale, its bytes, its key
    for locale in locales:
        path = campaign.po_path(locale)
        if not os.path.lexists(path):
            done[locale] = _Compiled(locale, missing=True)
            continue
        if cache is None or not cache.enabled:
            todo.append((locale, None, None))
            continue
        try:
            data = campaign.read(path)
        except (OSError, InputError):  # _parse says why, as the uncached path does
            todo.append((locale, None, None))
            continue
        file = campaign.relative(path)
        key = compiled_key(cache, campaign, locale, file, data, sources)
        recalled = recall_compiled(cache, key)
        if recalled is None:
            todo.append((locale, data, key))
            continue
        # findings name the file as compile names it (render keeps it campaign-relative)
        shown = tuple(
            dataclasses.replace(f, file=str(path)) if f.file == file else f
            for f in recalled.findings
        )
        done[locale] = _Compiled(locale, dataclasses.replace(recalled, findings=shown))
    size = sum(_size(campaign, loc, data) for loc, data, _ in todo)
    workers = min(len(todo), os.cpu_count() or 1)
    if workers < 2 or size < _PARALLEL_BYTES:
        made = [_compile_one(campaign, loc, sources, data, cache) for loc, data, _ in todo]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if cache is not None:
            cache.preload("entries")  # read once, before the workers are forked
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        # the largest catalogs first: the last one started is then a small one, and no
        # worker waits long for another (ru, the largest, started last left a core idle
        # for most of its time in bench_compile.py)
        order = sorted(range(len(todo)), key=lambda i: -_size(campaign, todo[i][0], todo[i][1]))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            count = len(todo)
            done_in_order = list(
                pool.map(
                    _compile_one,
                    [campaign] * count,
                    [todo[i][0] for i in order],
                    [sources] * count,
                    [todo[i][1] for i in order],
                    [cache] * count,
                )
            )
        made = [done_in_order[order.index(i)] for i in range(len(todo))]
    for (locale, _, stored), item in zip(todo, made, strict=True):
        done[locale] = item
        if cache is not None and stored is not None and item.compiled is not None:
            path = campaign.po_path(locale)
            file = campaign.relative(path)
            kept = tuple(
                dataclasses.replace(f, file=file) if f.file == str(path) else f
                for f in item.compiled.findings
            )
            store_compiled(cache, stored, dataclasses.replace(item.compiled, findings=kept))
    return [done[locale] for locale in locales]


def compile_catalogs(
    campaign: Campaign,
    locales: Sequence[str] | None = None,
    *,
    force: bool = False,
    cache: CheckCache | None = None,
) -> list[CompileResult]:
    """``.po`` -> ``.mo`` for each locale, with the filter rendering applies.

    Fuzzy entries and incomplete plurals are left out (they fall back to the source), and so
    is every entry with an error finding of the checks that gate rendering
    (:func:`outreach.translations.compile_checked`): no ``.mo`` holds a translation that
    ``render`` would refuse. A catalog with error findings of the structural checks is not
    compiled at all unless ``force``; the others still are. Then :class:`ProblemsFound`
    lists every finding (with ``force``, the entries are left out all the same, and only
    counted). Every catalog is read before any ``.mo`` is written, so an unreadable one
    writes nothing, and a ``.mo`` that already holds the same bytes is left as it is. Large
    campaigns are read and checked in parallel, one worker process per core. With the check
    ``cache``, a catalog compiled before (by ``compile`` or by rendering) is recalled; the
    caller saves the cache.
    """
    compiled = _compile_all(campaign, _locales(campaign, locales), cache)
    for item in compiled:
        if item.error is not None:
            message, path, line = item.error
            raise CatalogError(message, path=path, line=line)
    results: list[CompileResult] = []
    problems: list[str] = []
    missing: list[str] = []
    partial: list[str] = []
    for item in compiled:
        mo_path = campaign.mo_path(item.locale)
        if item.compiled is None:  # missing: errors were raised above
            if item.locale != campaign.source_locale:  # the source needs no catalog
                missing.append(campaign.label(item.locale))
                problems.append(
                    f"{campaign.po_path(item.locale)}: no catalog for "
                    f"{campaign.label(item.locale)} (run 'outreach update' to create it)"
                )
            continue
        done = item.compiled
        structural = [str(f) for f in done.findings if f.check in done.structural]
        others = [str(f) for f in done.findings if f.check not in done.structural]
        if structural and not force:
            problems.extend((*structural, *others))
            results.append(
                CompileResult(item.locale, mo_path, 0, done.fuzzy, done.incomplete, True)
            )
            continue
        _write_mo(campaign, mo_path, done.mo)
        results.append(
            CompileResult(
                item.locale,
                mo_path,
                done.count,
                done.fuzzy,
                done.incomplete,
                skipped_errors=done.left_out,
            )
        )
        if others and not force:
            problems.extend(others)
            partial.append(campaign.label(item.locale))
    if problems:
        refused = [r.locale for r in results if r.refused] + missing
        summaries = []
        if refused:
            summaries.append(f"not compiled: {', '.join(refused)} (fix the errors, or use --force)")
        if partial:
            summaries.append(
                f"compiled without the translations with errors: {', '.join(partial)} (they "
                "render in the next language of their chain until fixed)"
            )
        raise ProblemsFound(problems, summary="; ".join(summaries))
    return results


def _write_mo(campaign: Campaign, path: Path, data: bytes) -> None:
    """Write a ``.mo`` unless it holds ``data`` already (byte for byte: its header's dates
    are part of what it says)."""
    try:
        if campaign.read(path) == data:
            return
    except (OSError, InputError):  # none yet, or not a file outreach may read: write it
        pass
    campaign.write(path, data)


# -- stats ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CatalogStats:
    """How far one catalog is. Fuzzy entries and empty plural forms are not translated."""

    locale: str
    file: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    #: header errors (``path:line: message``): its plural strings render in the source
    problems: tuple[str, ...] = ()
    #: the catalog cannot be read (its one error is in ``problems``): nothing in it counts,
    #: and its locale is held by render, export, preview and merge
    broken: bool = False
    #: the error findings for which translations are left out (``path:line: message``, as
    #: ``check`` says them): every item that uses one is held by render, export, preview
    #: and merge
    refused: tuple[str, ...] = ()
    #: how many translations those findings leave out (one may have several findings)
    refused_entries: int = 0

    @property
    def percent(self) -> float:
        return round(100.0 * self.translated / self.total, 1) if self.total else 100.0

    def to_json(self) -> dict[str, object]:
        return {
            "locale": self.locale,
            "file": self.file,
            "total": self.total,
            "translated": self.translated,
            "fuzzy": self.fuzzy,
            "untranslated": self.untranslated,
            "percent": self.percent,
            "problems": list(self.problems),
            "broken": self.broken,
            "refused": list(self.refused),
        }


def catalog_stats(
    catalog: PoFile | Catalog | None,
    *,
    locale: str,
    file: str,
    source: bool = False,
    template: Catalog | None = None,
) -> CatalogStats:
    """Count entries by :func:`~outreach.pofile.entry_status` (the preview shows the same
    statuses). In the source locale an empty translation means "as written".

    With the POT as ``template`` the total is the POT's: a string the ``.po`` does not have
    yet (or a missing ``.po``, ``catalog=None``) counts as untranslated, not as absent.

    >>> from babel.messages.catalog import Catalog
    >>> catalog = Catalog(locale="en")
    >>> _ = catalog.add("Sign now", "")
    >>> _ = catalog.add("Share", "Share it", flags=["fuzzy"])
    >>> _ = catalog.add(("One", "%(num)s"), ("One", ""))
    >>> mine = catalog_stats(catalog, locale="en", file="en.po", source=True)
    >>> mine.translated, mine.fuzzy, mine.untranslated
    (1, 1, 1)
    """
    problems: tuple[str, ...] = ()
    babel_catalog: Catalog | None = None
    plural_forms = GETTEXT_DEFAULT
    if isinstance(catalog, PoFile):
        plural_forms = catalog.plural_forms
        problems = tuple(header_errors(catalog, file=file, locale=locale))
        babel_catalog = catalog.catalog
    elif catalog is not None:
        plural_forms = catalog_plural_forms(catalog)
        babel_catalog = catalog
    messages = list(iter_messages(babel_catalog)) if babel_catalog is not None else []
    if template is not None:
        present = {_key(m.id, m.context): m for m in messages}
        keys = [_key(m.id, m.context) for m in iter_messages(template)]
        total = len(keys)
        messages = [present[k] for k in keys if k in present]
    else:
        total = len(messages)
    columns = Counter(
        STATS_COLUMN[entry_status(message, plural_forms, source=source)] for message in messages
    )
    # In the source locale a string the .po lacks renders as written: it is translated.
    translated = columns["translated"] + (total - len(messages) if source else 0)
    fuzzy = columns["fuzzy"]
    untranslated = total - translated - fuzzy
    return CatalogStats(locale, file, total, translated, fuzzy, untranslated, problems)


def stats(
    campaign: Campaign, locales: Sequence[str] | None = None, cache: CheckCache | None = None
) -> list[CatalogStats]:
    """:func:`catalog_stats` for each locale, counted against the POT when there is one,
    each with the translations that rendering leaves out for their error findings
    (``refused``: from the check ``cache`` when it judged the same catalog before)."""
    from outreach.translations import load_locale

    has_pot = os.path.lexists(campaign.pot_path)
    template = _read(campaign, campaign.pot_path) if has_pot else None
    results = []
    for locale in _locales(campaign, locales):
        path = campaign.po_path(locale)
        try:
            catalog = _parse(campaign, path, locale) if os.path.lexists(path) else None
        except CatalogError as exc:  # held: the other locales are counted as usual
            results.append(_broken_stats(campaign, locale, exc, template))
            continue
        counted = catalog_stats(
            catalog,
            locale=campaign.label(locale),
            file=campaign.relative(path),
            source=locale == campaign.source_locale,
            template=template,
        )
        if catalog is not None:
            refused = load_locale(campaign, locale, cache=cache).refused
            counted = dataclasses.replace(
                counted,
                refused=tuple(str(f) for f in refused),
                refused_entries=len({(f.msgctxt, f.msgid) for f in refused}),
            )
        results.append(counted)
    return results


def _broken_stats(
    campaign: Campaign, locale: str, error: CatalogError, template: Catalog | None
) -> CatalogStats:
    """The stats of a catalog that cannot be read: every string of the POT untranslated
    (nothing of it renders), its error the one problem."""
    total = len(list(iter_messages(template))) if template is not None else 0
    return CatalogStats(
        campaign.label(locale),
        campaign.relative(campaign.po_path(locale)),
        total,
        0,
        0,
        total,
        (str(error),),
        broken=True,
    )
