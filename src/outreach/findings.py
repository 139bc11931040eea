"""What a check reports: :class:`Finding`, its severity, and the names of every check.

This is the vocabulary that the checks (:mod:`outreach.checks`), rendering, merging, the
preview and campaign.toml share; it imports nothing of outreach, so any layer may use it.

>>> f = Finding("es", "locales/es/LC_MESSAGES/messages.po", 12, "Sign now", None,
...             "urls", "error", "link evil.com is not in the source")
>>> str(f)
'locales/es/LC_MESSAGES/messages.po:12: error: urls: link evil.com is not in the source'
>>> summarize([f])
{'errors': 1, 'warnings': 0}
>>> "wrong-language" in CHECK_NAMES
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CHECK_NAMES", "Finding", "Severity", "finding_order", "summarize"]

#: The name of every catalog check (entry checks and catalog checks alike): what
#: ``[[checks.ignore]]`` in campaign.toml may name. The registry refuses to register a check
#: whose name is not here (:func:`outreach.checks.registry.entry_check`), and a test holds
#: the two equal, so campaign.toml can be validated without importing a single check.
CHECK_NAMES = frozenset(
    {
        # entry checks
        "bare-domain",
        "blank",
        "code",
        "doubled-word",
        "emoji",
        "fuzzy",
        "hashtags",
        "header-injection",
        "html",
        "invisible",
        "length",
        "mentions",
        "newlines",
        "numbers",
        "placeholders",
        "plural-source",
        "plurals",
        "same-as-source",
        "template-injection",
        "untranslated",
        "urls",
        "whitespace",
        "wrong-language",
        "zero-width",
        # catalog checks
        "charset",
        "header",
        "plural-forms",
    }
)

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem, in the shape ``outreach check --format json`` prints."""

    locale: str
    file: str
    line: int | None
    msgid: str | None
    msgctxt: str | None
    check: str
    severity: Severity
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "locale": self.locale,
            "file": self.file,
            "line": self.line,
            "msgid": self.msgid,
            "msgctxt": self.msgctxt,
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, value: object) -> Finding | None:
        """The finding :meth:`to_json` wrote, or ``None`` when ``value`` is not one.

        >>> f = Finding("es", "es.po", 7, "Hi", None, "urls", "error", "link evil.com")
        >>> Finding.from_json(f.to_json()) == f, Finding.from_json({"line": "7"})
        (True, None)
        """
        if not isinstance(value, dict):
            return None
        try:
            text = {k: value[k] for k in ("locale", "file", "check", "message")}
            keys = {k: value[k] for k in ("msgid", "msgctxt")}
            line, severity = value["line"], value["severity"]
        except KeyError:
            return None
        if not all(isinstance(v, str) for v in text.values()):
            return None
        if not all(v is None or isinstance(v, str) for v in keys.values()):
            return None
        if not (line is None or type(line) is int) or severity not in ("error", "warning"):
            return None
        return cls(line=line, severity=severity, **text, **keys)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity}: {self.check}: {self.message}"


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    """``{"errors": N, "warnings": M}`` as in the JSON output."""
    counts = {"errors": 0, "warnings": 0}
    for finding in findings:
        counts["errors" if finding.severity == "error" else "warnings"] += 1
    return counts


def finding_order(files: Sequence[str] = ()) -> Callable[[Finding], tuple[int, str, bool, int]]:
    """The sort key of findings, wherever they are listed (``outreach check``, the
    preview's pages): by file, ``files`` first in their order (a run's catalogs, as it
    checked them), then the others by name; then by line, findings without one last. The
    sort is stable, so findings on one line stay in the order they were found.

    The preview used to sort by file name only, so a file named before ``locales/`` (a
    template warning on ``.``) came before the locale's catalog on its page but after it
    in ``outreach check``; now a locale page lists its findings as ``check`` prints them.

    >>> found = [
    ...     Finding("en", "messages/campaign.toml", 3, None, None, "unsubscribe", "warning", "a"),
    ...     Finding("es", "locales/es/LC_MESSAGES/messages.po", None, None, None, "header",
    ...             "error", "b"),
    ...     Finding("en", "locales/en/LC_MESSAGES/messages.po", 40, "Hi", None, "urls",
    ...             "error", "c"),
    ...     Finding("es", "locales/es/LC_MESSAGES/messages.po", 12, "Hi", None, "urls",
    ...             "error", "d"),
    ...     Finding("en", ".", None, None, None, "render", "warning", "e"),
    ... ]
    >>> catalogs = ["locales/es/LC_MESSAGES/messages.po", "locales/en/LC_MESSAGES/messages.po"]
    >>> [f.message for f in sorted(found, key=finding_order(catalogs))]
    ['d', 'b', 'c', 'e', 'a']
    """
    rank = {file: index for index, file in enumerate(files)}

    def key(finding: Finding) -> tuple[int, str, bool, int]:
        line = finding.line
        return (rank.get(finding.file, len(rank)), finding.file, line is None, line or 0)

    return key
