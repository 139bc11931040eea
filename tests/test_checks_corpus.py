"""The labelled corpus: every planted defect is found at its severity, clean entries stay quiet.

``tests/corpus`` is a campaign whose catalogs (8 full languages plus 6 small catalogs with
whole-file defects) label each entry in a translator comment::

    # expect: clean                   nothing at error severity may fire here
    # expect: placeholders, html      each listed check must fire on this entry
    # expect: html:warning            ... at this severity (a check whose findings differ)

and whole-file defects in the header comment (``# expect-file: header``). The labels live in
the ``.po`` files, so adding a case is editing a catalog; this module only reads them.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from outreach.campaign import load_campaign
from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS, Finding
from outreach.qa.campaign import CheckReport, check_campaign

CORPUS = Path(__file__).parent / "corpus"

#: The severity each planted defect must be found at (independent of the registry).
SEVERITY = {
    "syntax": "error",
    "charset": "error",
    "plural-forms": "error",
    "plural-source": "error",
    "header": "warning",
    "placeholders": "error",
    "plurals": "error",
    "untranslated": "warning",
    "fuzzy": "warning",
    "same-as-source": "warning",
    "wrong-language": "warning",
    "hashtags": "error",
    "urls": "error",
    "mentions": "error",
    "emoji": "warning",
    "html": "error",
    "template-injection": "error",
    "header-injection": "error",
    "invisible": "error",
    "newlines": "error",
    "whitespace": "warning",
    "length": "error",
    "blank": "error",
    "zero-width": "warning",
    "doubled-word": "warning",
    "bare-domain": "warning",
    "code": "error",
    "numbers": "warning",
    # render-level only: the rendered post, not one entry, is at fault
    "handles": "warning",
}
RENDER_ONLY = {"handles"}


@dataclass(frozen=True)
class Labels:
    """The labels of one catalog: per entry (by msgid line) and for the whole file.

    ``spans`` gives each entry's lines, from its msgid to the blank line after it: findings
    are reported at the msgid line, a syntax error at the line it is on.
    """

    file: str
    entries: dict[int, frozenset[str]]
    whole_file: frozenset[str]
    spans: dict[int, range]

    def entry_of(self, line: int | None) -> int | None:
        if line is None:
            return None
        return next((start for start, span in self.spans.items() if line in span), None)


def read_labels(path: Path, root: Path) -> Labels:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    entries: dict[int, frozenset[str]] = {}
    spans: dict[int, range] = {}
    whole: set[str] = set()
    pending: frozenset[str] | None = None
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if match := re.match(r"# expect-file: (.+)", line):
            whole.update(label.strip() for label in match.group(1).split(","))
        elif match := re.match(r"# expect: (.+)", line):
            pending = frozenset(label.strip() for label in match.group(1).split(","))
        elif line.startswith("msgid ") and pending is not None:
            entries[number] = pending
            pending = None
            end = next((n for n in range(number, len(lines)) if not lines[n].strip()), len(lines))
            spans[number] = range(number, end + 1)
    return Labels(path.relative_to(root).as_posix(), entries, frozenset(whole), spans)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="module")
def labels(corpus: Path) -> dict[str, Labels]:
    found = {}
    for path in sorted((corpus / "locales").glob("*/LC_MESSAGES/messages.po")):
        item = read_labels(path, corpus)
        found[item.file] = item
    return found


@pytest.fixture(scope="module")
def report(corpus: Path) -> CheckReport:
    return check_campaign(load_campaign(corpus), use_cache=False)


def _on_entry(findings: tuple[Finding, ...], item: Labels, line: int) -> list[Finding]:
    return [f for f in findings if f.file == item.file and item.entry_of(f.line) == line]


def test_the_corpus_is_what_the_issue_asks_for(labels: dict[str, Labels]) -> None:
    planted = Counter(
        label.partition(":")[0]
        for item in labels.values()
        for entry in item.entries.values()
        for label in entry
        if label != "clean"
    )
    planted.update(label for item in labels.values() for label in item.whole_file)
    every_check = set(ENTRY_CHECKS) | set(CATALOG_CHECKS) | {"syntax"}
    assert every_check <= set(planted), every_check - set(planted)
    assert set(SEVERITY) == every_check | RENDER_ONLY
    full = {file.split("/")[1] for file, item in labels.items() if len(item.entries) >= 30}
    assert {"fr", "es", "de", "pt_BR", "ru", "ar", "ja", "zh"} <= full
    text = (Path(__file__).parent / "corpus/locales/ar/LC_MESSAGES/messages.po").read_text()
    assert "nplurals=6" in text
    assert "nplurals=3" in (CORPUS / "locales/ru/LC_MESSAGES/messages.po").read_text()
    assert "nplurals=1" in (CORPUS / "locales/ja/LC_MESSAGES/messages.po").read_text()


def test_every_planted_defect_is_found_at_its_severity(
    report: CheckReport, labels: dict[str, Labels]
) -> None:
    missed = []
    for file, item in labels.items():
        for line, expected in item.entries.items():
            got = {(f.check, f.severity) for f in _on_entry(report.findings, item, line)}
            missed += [
                f"{file}:{line}: {label}"
                for label in sorted(expected - {"clean"})
                if _expected(label) not in got
            ]
        got_file = {(f.check, f.severity) for f in report.findings if f.file == file}
        missed += [
            f"{file}: {check} (whole file)"
            for check in sorted(item.whole_file)
            if (check, SEVERITY[check]) not in got_file
        ]
    assert not missed, "\n".join(missed)


def _expected(label: str) -> tuple[str, str]:
    """``(check, severity)`` a label asks for: ``html:warning``, or ``html`` at the
    check's usual severity."""
    check, _, severity = label.partition(":")
    return check, severity or SEVERITY[check]


def test_no_clean_entry_gets_an_error(report: CheckReport, labels: dict[str, Labels]) -> None:
    false_alarms = [
        str(f)
        for file, item in labels.items()
        for line, expected in item.entries.items()
        if expected == {"clean"}
        for f in _on_entry(report.findings, item, line)
        if f.severity == "error"
    ]
    assert not false_alarms, "\n".join(false_alarms)


def test_warnings_on_clean_entries_are_near_zero(
    report: CheckReport, labels: dict[str, Labels]
) -> None:
    clean = [
        (item, line)
        for item in labels.values()
        for line, expected in item.entries.items()
        if expected == {"clean"}
    ]
    warnings = [str(f) for item, line in clean for f in _on_entry(report.findings, item, line)]
    print(f"\n{len(warnings)} warnings on {len(clean)} clean entries")
    assert len(warnings) == 0, "\n".join(warnings)


def test_defective_entries_get_no_other_findings(
    report: CheckReport, labels: dict[str, Labels]
) -> None:
    extra = [
        str(f)
        for file, item in labels.items()
        for line, expected in item.entries.items()
        if expected != {"clean"}
        for f in _on_entry(report.findings, item, line)
        if f.check not in {label.partition(":")[0] for label in expected}
    ]
    assert not extra, "\n".join(extra)


def test_every_finding_is_on_a_labelled_entry_or_file(
    report: CheckReport, labels: dict[str, Labels]
) -> None:
    stray = [
        str(f)
        for f in report.findings
        if not (
            f.file in labels
            and (
                labels[f.file].entry_of(f.line) is not None or f.check in labels[f.file].whole_file
            )
        )
    ]
    assert not stray, "\n".join(stray)


def test_summary_for_the_record(report: CheckReport, labels: dict[str, Labels]) -> None:
    entries = sum(len(item.entries) for item in labels.values())
    defects = sum(
        len(expected - {"clean"}) for item in labels.values() for expected in item.entries.values()
    ) + sum(len(item.whole_file) for item in labels.values())
    print(f"\ncorpus: {len(labels)} catalogs, {entries} entries, {defects} planted defects")
    print(f"outreach check: {report.summary}")
    assert report.summary["errors"] > 0 and not report.ok
