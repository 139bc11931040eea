"""``outreach check``: translation QA for a whole campaign, and its report formats.

:func:`check_campaign` reads every catalog of the campaign (or of the locales asked for),
runs every registered check (:mod:`outreach.checks`), renders each message in each locale
where templates exist (:mod:`outreach.checks.rendered`), and returns a :class:`CheckReport`.
A catalog that cannot be parsed becomes a ``syntax`` finding at its line; the other catalogs
are still checked.

Two caches under the campaign's ``.outreach-cache/`` keep re-runs fast; both are versioned,
written atomically, ignored (and rewritten) when unreadable, and never break a run:

* ``langdetect.json``: language detection per (locale, text) (:class:`DetectionCache`), so
  editing one string re-detects one string;
* ``check.json``: each catalog's findings keyed by the catalog's sha256, valid only for the
  same campaign.toml, the same check code and the same langdetect version.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> report = check_campaign(campaign, use_cache=False)
>>> report.summary, report.catalogs, report.exit_code
({'errors': 0, 'warnings': 0}, 1, 0)
>>> format_github(report)
''
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.checks.registry import Finding, Severity, summarize
from outreach.detect import DetectionCache, LanguageJudge, langdetect_version
from outreach.errors import CatalogError

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

    from outreach.campaign import Campaign
    from outreach.pofile import PoFile

__all__ = [
    "CACHE_DIR",
    "CheckReport",
    "check_campaign",
    "format_github",
    "format_text",
]

CACHE_DIR = ".outreach-cache"
_RESULTS_SCHEMA = 1


@dataclass(frozen=True)
class CheckReport:
    """The findings of one run, in file order, and how many catalogs were checked."""

    findings: tuple[Finding, ...]
    catalogs: int
    detection: Mapping[str, int] = field(default_factory=dict)

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
    render-level checks.
    """
    wanted = (
        [campaign.resolve_locale(loc) for loc in dict.fromkeys(locales)]
        if locales
        else list(campaign.locales)
    )
    directory = Path(cache_dir) if cache_dir is not None else campaign.root / CACHE_DIR
    detections = DetectionCache.load(directory / "langdetect.json" if use_cache else None)
    results = _ResultCache.load(directory / "check.json" if use_cache else None, campaign)
    judge = LanguageJudge(detections)
    run = _Run(campaign, judge, results)
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
    detections.save()
    results.save()
    findings = _ordered(run.findings, list(run.files.values()))
    return CheckReport(findings, run.catalogs, judge.counts)


class _Run:
    """The state of one :func:`check_campaign` run."""

    def __init__(self, campaign: Campaign, judge: LanguageJudge, results: _ResultCache) -> None:
        self.campaign = campaign
        self.judge = judge
        self.results = results
        self.findings: list[Finding] = []
        self.files: dict[str, str] = {}
        self.parsed: dict[str, bytes] = {}  # locale -> catalog bytes that parse
        self.catalogs = 0  # catalogs read
        self._lines: dict[str, dict[tuple[str | None, str], int]] = {}

    def check_locale(self, locale: str) -> None:
        campaign = self.campaign
        path = campaign.po_path(locale)
        file = campaign.relative(path)
        label = campaign.label(locale)
        self.files[locale] = file
        try:
            data = path.read_bytes()
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
        except OSError as exc:
            message = f"cannot read the catalog: {exc.strerror or exc}"
            self.findings.append(Finding(label, file, None, None, None, "syntax", "error", message))
            return
        self.catalogs += 1
        digest = hashlib.sha256(data).hexdigest()
        cached = self.results.get(file, digest)
        if cached is not None:
            self.findings.extend(cached)
            if not any(f.check == "syntax" for f in cached):
                self.parsed[locale] = data
            return
        from outreach.checks import check_catalog

        po, findings = parse_for_check(data, file=file, locale=locale, label=label)
        if po is not None:
            findings.extend(
                check_catalog(po, file=file, locale=locale, campaign=campaign, detector=self.judge)
            )
            self.parsed[locale] = data
            self._lines[locale] = _line_index(po.catalog)
        self.results.put(file, digest, findings)
        self.findings.extend(findings)

    def lines(self, locale: str) -> Mapping[tuple[str | None, str], int]:
        """Entry lines of ``locale``'s catalog by ``(msgctxt, msgid)`` (parsed on demand)."""
        if locale not in self._lines:
            from outreach.pofile import read_catalog

            try:
                catalog = read_catalog(self.parsed[locale], path=self.files[locale])
                self._lines[locale] = _line_index(catalog)
            except (KeyError, CatalogError):
                self._lines[locale] = {}
        return self._lines[locale]


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


# -- the results cache ---------------------------------------------------------------------
@dataclass
class _ResultCache:
    path: Path | None
    fingerprint: str = ""
    catalogs: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, path: Path | None, campaign: Campaign) -> _ResultCache:
        if path is None:
            return cls(None)
        cache = cls(path, _fingerprint(campaign))
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return cache
        except (OSError, ValueError):
            cache.dirty = True
            return cache
        if (
            isinstance(data, dict)
            and data.get("schema") == _RESULTS_SCHEMA
            and data.get("fingerprint") == cache.fingerprint
            and isinstance(data.get("catalogs"), dict)
        ):
            cache.catalogs = data["catalogs"]
        else:
            cache.dirty = True
        return cache

    def get(self, file: str, digest: str) -> list[Finding] | None:
        entry = self.catalogs.get(file)
        if self.path is None or not isinstance(entry, dict) or entry.get("sha256") != digest:
            return None
        try:
            return [_finding(item) for item in entry["findings"]]
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, file: str, digest: str, findings: Sequence[Finding]) -> None:
        if self.path is None:
            return
        self.catalogs[file] = {"sha256": digest, "findings": [f.to_json() for f in findings]}
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        from outreach.files import atomic_write_bytes

        document = {
            "schema": _RESULTS_SCHEMA,
            "fingerprint": self.fingerprint,
            "catalogs": self.catalogs,
        }
        try:
            data = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
            atomic_write_bytes(self.path, data.encode("utf-8"))
        except (OSError, ValueError):
            pass


def _finding(item: Mapping[str, Any]) -> Finding:
    severity: Severity = "error"
    if item["severity"] != "error":
        severity = "warning"
    line = item["line"]
    return Finding(
        str(item["locale"]),
        str(item["file"]),
        int(line) if line is not None else None,
        item["msgid"],
        item["msgctxt"],
        str(item["check"]),
        severity,
        str(item["message"]),
    )


def _fingerprint(campaign: Campaign) -> str:
    """What a catalog's findings depend on besides the catalog: the check code, its version,
    langdetect's version, and campaign.toml."""
    from outreach import __version__

    digest = hashlib.sha256(f"{_RESULTS_SCHEMA}\0{__version__}\0{langdetect_version()}".encode())
    here = Path(__file__).parent
    code = [*sorted((here / "checks").glob("*.py")), here / "detect.py", here / "qa.py"]
    for path in [*code, here / "pofile.py", campaign.config_path]:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()


# -- formats -------------------------------------------------------------------------------
_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m"}


def _display(file: str, prefix: str) -> str:
    return f"{prefix.rstrip('/')}/{file}" if prefix and prefix not in (".", "./") else file


def format_text(
    report: CheckReport, *, color: bool = False, prefix: str = "", summary: bool = True
) -> str:
    """Findings as ``path:line: severity: check: message``, a blank line between files,
    then ``N errors, M warnings in K catalogs``. ``prefix`` is prepended to paths (the
    campaign directory, so that paths are clickable from where the command ran)."""
    lines: list[str] = []
    previous: str | None = None
    for finding in report.findings:
        if previous is not None and finding.file != previous:
            lines.append("")
        previous = finding.file
        path = _display(finding.file, prefix)
        where = f"{path}:{finding.line}" if finding.line is not None else path
        shown = str(finding.severity)
        if color:
            shown = f"{_COLOURS[finding.severity]}{shown}\x1b[0m"
        lines.append(f"{where}: {shown}: {finding.check}: {finding.message}")
    if summary:
        if lines:
            lines.append("")
        counts = report.summary
        lines.append(
            f"{counts['errors']} errors, {counts['warnings']} warnings in "
            f"{report.catalogs} catalogs"
        )
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(report: CheckReport, *, prefix: str = "") -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,title=check::message``."""
    lines = []
    for finding in report.findings:
        properties = [f"file={_escape_property(_display(finding.file, prefix))}"]
        if finding.line is not None:
            properties.append(f"line={finding.line}")
        properties.append(f"title={_escape_property(finding.check)}")
        data = _escape_data(finding.message)
        lines.append(f"::{finding.severity} {','.join(properties)}::{data}")
    return "\n".join(lines)
