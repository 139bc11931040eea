"""``outreach check``'s human and CI formats: text lines and GitHub annotations.

Both show translator text as a reader can see it: control and bidi characters quoted in a
message are written as escapes (:func:`outreach.display.visible`), so that a translation
cannot hide, recolour or rewrite what the organizer's terminal or CI log shows.

>>> from outreach.qa.campaign import CheckReport
>>> from outreach.findings import Finding
>>> report = CheckReport((Finding("es", "es.po", 7, "Hi", None, "urls", "error",
...                               "link https://evil.com\\x1b[8m points elsewhere"),), 1)
>>> print(format_text(report))
es.po:7: error: urls: “Hi”: link https://evil.com\\x1b[8m points elsewhere
<BLANKLINE>
1 errors, 0 warnings in 1 catalogs
>>> format_github(report)
'::error file=es.po,line=7,title=urls%3A “Hi”::link https://evil.com\\\\x1b[8m points elsewhere'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from outreach.display import visible

if TYPE_CHECKING:
    from outreach.findings import Finding
    from outreach.qa.campaign import CheckReport

__all__ = ["entry_label", "format_github", "format_text"]

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m"}


def entry_label(finding: Finding) -> str:
    """How a translator finds the entry in Poedit or Weblate, which show no line numbers:
    the message context and the first words of the msgid.

    >>> from outreach.findings import Finding
    >>> entry_label(Finding("es", "es.po", 3, "Two minutes that show why love always wins",
    ...                     "subject", "urls", "error", "…"))
    'subject “Two minutes that show why love always…”'
    """
    if finding.msgid is None:
        return ""
    words = " ".join(finding.msgid.split())
    if len(words) > _LABEL:
        cut = words[:_LABEL].rsplit(" ", 1)[0] if " " in words[:_LABEL] else words[:_LABEL]
        words = cut + "…"
    label = f"“{words}”"
    return f"{finding.msgctxt} {label}" if finding.msgctxt else label


_LABEL = 40


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
        path = visible(_display(finding.file, prefix))
        where = f"{path}:{finding.line}" if finding.line is not None else path
        shown = str(finding.severity)
        if color:
            shown = f"{_COLOURS[finding.severity]}{shown}\x1b[0m"
        entry = entry_label(finding)
        about = f"{visible(entry)}: " if entry else ""
        lines.append(f"{where}: {shown}: {finding.check}: {about}{visible(finding.message)}")
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
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(report: CheckReport, *, prefix: str = "") -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,title=check::message``."""
    lines = []
    for finding in report.findings:
        properties = [f"file={_escape_property(_display(finding.file, prefix))}"]
        if finding.line is not None:
            properties.append(f"line={finding.line}")
        entry = entry_label(finding)
        title = f"{finding.check}: {entry}" if entry else finding.check
        properties.append(f"title={_escape_property(title)}")
        data = _escape_data(finding.message)
        lines.append(f"::{finding.severity} {','.join(properties)}::{data}")
    return "\n".join(lines)
