"""The one exception tree of outreach.

Every error that comes from a file knows the file's path and, where it can, the line, and
prints as ``path:line: message`` -- the form compilers, msgfmt and editors understand::

    >>> str(ConfigError("missing key 'hashtags'", path="messages/campaign.toml", line=1))
    "messages/campaign.toml:1: missing key 'hashtags'"

The tree, one line a class (tests/test_errors.py holds every exception class of outreach
to it: each is defined here and listed here)::

    OutreachError         exit code 2: the command could not run
    ├── ConfigError       campaign.toml is missing, unparsable or invalid
    ├── LocaleError       an unknown or path-like locale name
    ├── CatalogError      a .po/.pot/.mo file that cannot be read or written
    ├── TemplateError     a Jinja2 template that does not parse or render
    ├── UsageError        arguments that make no sense together (bad --var, ...)
    ├── InputError        any other unreadable input file (supporters CSV, ...)
    │   └── UnsafePathError  a symbolic link, a path out of its directory, a FIFO for a file
    ├── HeaderError       an email header outreach will not write (a line break, a bad address)
    │   └── FieldError    a supporter's value their message cannot be made with (that row only)
    ├── RunError          the SMTP server will take nothing from this run (sender refused, AUTH)
    ├── SessionLost       an SMTP session that cannot go on (never leaves Delivery: tried again)
    ├── JournalError      a merge journal that cannot be read or written (foreign, damaged, full)
    ├── WorkerError       a merge --jobs worker's error, rebuilt with its message and exit code
    └── ProblemsFound     exit code 1: the work ran and found problems; carries them
    ValueError            Python's: a bad value, where no file or exit code belongs
    └── PluralFormsError  a Plural-Forms value that does not parse (callers make it a finding)
    RuntimeError          Python's: a fault of the program, not of its input
    └── PrivateAPIChanged  a library's private API that outreach uses is gone or changed

The command line maps ``exit_code`` to the process exit status; the library never exits.
This module imports nothing of outreach: every layer can raise what it defines.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

__all__ = [
    "CatalogError",
    "ConfigError",
    "FieldError",
    "HeaderError",
    "InputError",
    "JournalError",
    "LocaleError",
    "OutreachError",
    "PluralFormsError",
    "PrivateAPIChanged",
    "ProblemsFound",
    "RunError",
    "SessionLost",
    "TemplateError",
    "UnsafePathError",
    "UsageError",
    "WorkerError",
]


class OutreachError(Exception):
    """Base of every error outreach raises on purpose.

    ``path`` and ``line`` locate the problem when it comes from a file; ``str(error)`` gives
    the one-line ``path:line: message`` form.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class ConfigError(OutreachError):
    """``campaign.toml`` is missing, not valid TOML, or lacks a required key."""


class LocaleError(OutreachError):
    """A locale name that Babel does not know, or one that looks like a path."""


class CatalogError(OutreachError):
    """A ``.po``, ``.pot`` or ``.mo`` file that cannot be parsed or written.

    ``others`` are the file's further errors, ``(line, message)`` in line order, where the
    reader found more than one (a syntax scan reads the whole file): ``outreach check``
    reports each, so a translator fixes them all in one pass.

    >>> err = CatalogError("msgid has no msgstr", path="ja.po", line=7, others=[(40, "x")])
    >>> str(err), err.others
    ('ja.po:7: msgid has no msgstr', ((40, 'x'),))
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        others: Sequence[tuple[int, str]] = (),
    ) -> None:
        super().__init__(message, path=path, line=line)
        self.others = tuple(others)


class TemplateError(OutreachError):
    """A Jinja2 template with a syntax error, or one that fails while rendering."""


class UsageError(OutreachError):
    """Arguments that cannot work, such as ``--var`` without ``=``."""


class InputError(OutreachError):
    """Any other input file that cannot be read (a supporters CSV, for instance)."""


class UnsafePathError(InputError):
    """A file outreach will not read or write: a symbolic link (or a path through one)
    inside the campaign or an output directory, a path that leaves it, or a FIFO, directory
    or device where a file should be. A pull request can add a link or a FIFO as easily as a
    file; outreach never follows one out, nor waits on one forever."""


class HeaderError(OutreachError):
    """A header that outreach will not write: a value with a line break or a control
    character, an address it cannot make valid, or a serialisation that did not come back
    exactly as meant (then nothing is sent)."""


class FieldError(HeaderError):
    """A supporter's value that their message cannot be made with: ``many`` in a column
    that overrides a number of campaign.toml's ``[variables]``, a value a template's filter
    refuses. Like a header outreach will not write, it refuses that supporter's row (the
    merge reports ``SUPPORTERS.csv:LINE: reason`` and goes on); every other row is sent.

    >>> isinstance(FieldError("signatures 'many' is not a whole number"), HeaderError)
    True
    """


class RunError(OutreachError):
    """The server will take nothing from this run (sender refused, AUTH failed, down)."""


class SessionLost(OutreachError):
    """An SMTP session that cannot go on: ``why``, whether it is a reply that did not come
    in time (``timed_out``) and whether a reply ended it (``answered``: a ``421``, a line
    that is no SMTP reply, a reply before its command was all written). Delivery's loop
    catches it where it is raised and tries the message again on a new connection.

    >>> lost = SessionLost("no complete reply within 30 s", timed_out=True)
    >>> str(lost), lost.timed_out, lost.answered
    ('no complete reply within 30 s', True, False)
    """

    def __init__(self, why: str, *, timed_out: bool = False, answered: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.timed_out = timed_out
        self.answered = answered


class JournalError(OutreachError):
    """A merge journal outreach cannot use: not SQLite, another program's database, a meta
    table that was edited, or a disk that is full. It prints as ``path: what is wrong and
    what to do``; whatever the journal had already recorded stays as it was.

    >>> print(JournalError("the disk is full: free some space, then run again", path="s.journal"))
    s.journal: the disk is full: free some space, then run again
    """


class WorkerError(OutreachError):
    """The error a worker stopped on, rebuilt from its text: the same message, path, line
    and exit code as the original (so it prints the same line).

    >>> err = WorkerError("no such column 'email'", path="supporters.csv", line=1, exit_code=2)
    >>> str(err), err.exit_code
    ("supporters.csv:1: no such column 'email'", 2)
    """

    def __init__(self, message: str, *, path: str | None, line: int | None, exit_code: int) -> None:
        super().__init__(message, path=path, line=line)
        self.exit_code = exit_code


class PluralFormsError(ValueError):
    """A ``Plural-Forms`` value that does not parse; ``str()`` says why.

    A :class:`ValueError`, not an :class:`OutreachError`: it has no file of its own, and
    every caller (:mod:`outreach.poheader`, :mod:`outreach.plurals`) turns it into a finding
    about the header it read, or falls back to another formula.

    >>> isinstance(PluralFormsError("plural= is empty"), ValueError)
    True
    """


class ProblemsFound(OutreachError):
    """The work ran and found problems; ``problems`` lists them one per line.

    >>> err = ProblemsFound([CatalogError("fuzzy header", path="es.po", line=1)])
    >>> str(err)
    'es.po:1: fuzzy header'
    >>> err.exit_code
    1
    """

    exit_code = 1

    def __init__(self, problems: Sequence[OutreachError | str], summary: str = "") -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        super().__init__("\n".join(lines) if lines else summary)
        self.summary = summary


class PrivateAPIChanged(RuntimeError):
    """A private API that outreach relies on (:mod:`outreach._private`) is gone or changed
    in the installed library: a bug to report, not a user's mistake.

    >>> error = PrivateAPIChanged("babel", "Catalog.some_attribute", "is gone")
    >>> error.library, error.api, "outreach/_private.py" in str(error)
    ('babel', 'Catalog.some_attribute', True)
    """

    def __init__(self, library: str, api: str, problem: str) -> None:
        super().__init__(
            f"{library} {_library_version(library)}: {api} {problem}; outreach relies on it "
            f"(see outreach/_private.py) and needs updating for this {library}"
        )
        self.library = library
        self.api = api


def _library_version(library: str) -> str:
    if library == "Python":
        import sys

        return sys.version.split()[0]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(library)
    except PackageNotFoundError:
        return "(version unknown)"
