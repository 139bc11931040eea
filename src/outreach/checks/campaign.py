"""``outreach check``: translation QA for a whole campaign.

:func:`check_campaign` reads every catalog of the campaign (or of the locales asked for),
runs every registered check (:mod:`outreach.checks`), renders each message in each locale
where templates exist (:mod:`outreach.checks.rendered`), and returns a :class:`CheckReport`.
A catalog that cannot be parsed becomes a ``syntax`` finding at its line; the other catalogs
are still checked.

Findings per entry and langdetect's answers are remembered between runs in a cache that no
file of the campaign can forge (:mod:`outreach.checks.cache`): editing one string re-checks
that string, and a cache someone else wrote is never believed.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> report = check_campaign(campaign, use_cache=False)
>>> report.summary, report.catalogs, report.exit_code
({'errors': 0, 'warnings': 0}, 1, 0)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.checks.cache import CheckCache
from outreach.checks.registry import Finding, Severity, Unit, summarize
from outreach.checks.runner import Result
from outreach.detect import LanguageJudge, langdetect_version
from outreach.errors import CatalogError, InputError, UnsafePathError

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

    from outreach.campaign import Campaign
    from outreach.pofile import PoFile

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
        """The document ``--format json`` prints (DESIGN.md §3)."""
        return {"findings": [f.to_json() for f in self.findings], "summary": self.summary}


def check_campaign(
    campaign: Campaign,
    locales: Sequence[str] | None = None,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
    *,
    render: bool = True,
) -> CheckReport:
    """Check the catalogs of ``locales`` (default: every locale of the campaign).

    Locale names are normalised and must belong to the campaign
    (:class:`~outreach.errors.LocaleError` otherwise). ``render=False`` skips the
    render-level checks. The cache lives under ``cache_dir`` (default: the user's cache
    directory, :func:`outreach.checks.cache.cache_root`), never in the campaign.
    """
    wanted = (
        [campaign.resolve_locale(loc) for loc in dict.fromkeys(locales)]
        if locales
        else list(campaign.locales)
    )
    store = (
        CheckCache.open(cache_dir, os.path.realpath(campaign.root))
        if use_cache
        else CheckCache.disabled()
    )
    judge = LanguageJudge(_Detections(store))
    run = _Run(campaign, judge, _Entries(store, _fingerprint(campaign)))
    for locale in wanted:
        run.check_locale(locale)
    if render and run.parsed:
        from outreach.checks.rendered import check_rendered

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
            )
        )
    store.save()
    findings = _ordered(run.findings, list(run.files.values()))
    return CheckReport(findings, run.catalogs, judge.counts, dict(run.entries.counts))


class _Run:
    """The state of one :func:`check_campaign` run."""

    def __init__(self, campaign: Campaign, judge: LanguageJudge, entries: _Entries) -> None:
        self.campaign = campaign
        self.judge = judge
        self.entries = entries
        self.findings: list[Finding] = []
        self.files: dict[str, str] = {}
        self.parsed: dict[str, PoFile] = {}  # locale -> the catalog as parsed
        self.catalogs = 0  # catalogs read

    def check_locale(self, locale: str) -> None:
        from outreach.checks import check_catalog

        campaign = self.campaign
        path = campaign.po_path(locale)
        file = campaign.relative(path)
        label = campaign.label(locale)
        self.files[locale] = file
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
            return
        except UnsafePathError as exc:  # a symbolic link, or a path out of the campaign
            self.findings.append(
                Finding(label, file, None, None, None, "syntax", "error", exc.message)
            )
            return
        except OSError as exc:
            message = f"cannot read the catalog: {exc.strerror or exc}"
            self.findings.append(Finding(label, file, None, None, None, "syntax", "error", message))
            return
        self.catalogs += 1
        po, findings = parse_for_check(data, file=file, locale=locale, label=label)
        if po is not None:
            findings.extend(
                check_catalog(
                    po,
                    file=file,
                    locale=locale,
                    campaign=campaign,
                    detector=self.judge,
                    cache=self.entries,
                )
            )
            self.parsed[locale] = po
        self.findings.extend(findings)

    def lines(self, locale: str) -> Mapping[tuple[str | None, str], int]:
        """Entry lines of ``locale``'s catalog by ``(msgctxt, msgid)``."""
        po = self.parsed.get(locale)
        return _line_index(po.catalog) if po is not None else {}


def _line_index(catalog: Catalog) -> dict[tuple[str | None, str], int]:
    from outreach.pofile import iter_messages

    index: dict[tuple[str | None, str], int] = {}
    for message in iter_messages(catalog):
        msgid = str(message.id[0] if message.pluralizable else message.id)
        if message.lineno is not None:
            index[(message.context, msgid)] = message.lineno
    return index


def parse_for_check(
    data: bytes, *, file: str, locale: str, label: str
) -> tuple[PoFile | None, list[Finding]]:
    """Parse a catalog for checking: ``(parsed file or None, findings)``; a syntax error
    becomes a ``syntax`` finding at its line."""
    from outreach.pofile import parse_po

    try:
        return parse_po(data, path=file, locale=locale), []
    except CatalogError as exc:
        return None, [Finding(label, file, exc.line, None, None, "syntax", "error", exc.message)]


def _ordered(findings: Iterable[Finding], files: Sequence[str]) -> tuple[Finding, ...]:
    """Findings grouped by file (catalogs in run order, then others), then by line."""
    rank = {file: index for index, file in enumerate(files)}
    indexed = list(enumerate(findings))
    indexed.sort(
        key=lambda pair: (
            rank.get(pair[1].file, len(rank)),
            pair[1].file,
            pair[1].line if pair[1].line is not None else 1 << 30,
            pair[0],
        )
    )
    return tuple(finding for _, finding in indexed)


# -- what the cache remembers ------------------------------------------------------------------
class _Entries:
    """Each entry's findings, keyed by the entry's content, its catalog's plural formula
    and locale, and the fingerprint of the code and settings that judged it."""

    def __init__(self, store: CheckCache, fingerprint: str) -> None:
        self.store = store
        self.fingerprint = fingerprint
        self.counts = {"cached": 0, "checked": 0}

    def _key(self, unit: Unit) -> str:
        info = unit.catalog
        return self.store.key(
            "entry",
            self.fingerprint,
            info.locale,
            info.plural_forms.header,
            info.catalog_wide_count,
            unit.msgctxt,
            unit.msgid,
            unit.msgid_plural,
            unit.forms,
            sorted(unit.flags),
            unit.fuzzy,
        )

    def lookup(self, unit: Unit) -> list[Result] | None:
        if not self.store.enabled:
            return None
        value = self.store.get("entries", self._key(unit))
        if not isinstance(value, list):
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


class _Detections:
    """langdetect's answers for the language judge, in the same keyed store."""

    def __init__(self, store: CheckCache) -> None:
        self.store = store

    def _key(self, locale: str, text: str) -> str:
        return self.store.key("detect", langdetect_version(), locale, text)

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


def _fingerprint(campaign: Campaign) -> str:
    """What an entry's findings depend on besides the entry: the check code, outreach's and
    langdetect's versions, and campaign.toml."""
    from outreach import __version__

    digest = hashlib.sha256(f"{__version__}\0{langdetect_version()}".encode())
    here = Path(__file__).parent.parent
    code = [
        *sorted((here / "checks").glob("*.py")),
        *(here / name for name in ("detect.py", "tokens.py", "placeholders.py", "plurals.py")),
        *(here / name for name in ("platforms.py", "pofile.py", "poheader.py")),
    ]
    for path in code:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"-")
    try:
        digest.update(campaign.read(campaign.config_path))
    except (OSError, InputError):
        digest.update(b"-")
    return digest.hexdigest()
