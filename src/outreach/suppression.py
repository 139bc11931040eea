"""Suppression lists: the people no mailing may reach again, and their language preferences.

A suppression file is a CSV with an ``email`` column (other columns are kept; ``reason``,
when there is one, is counted in the merge summary) or a list of addresses, one a line
(blank lines and lines starting with ``#`` are skipped). An address is matched by its key
(:attr:`outreach.addresses.Address.key`: the domain as IDNA 2008 writes it, the local part
in NFC, all in lower case), so ``Ana@Example.net`` cannot dodge ``ana@example.net``.

An entry that is not an address stops the run at its line: a list that cannot be read as
written is not a list a mailing may trust (``Ana <ana@example.net>`` must not let Ana be
emailed). The files written here (:func:`append_rows`) are append-only: each write is one
``write`` of whole lines under an exclusive ``flock``, so concurrent requests and several
server processes append safely, and a line a crash cut short never swallows the next one.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = folder / "unsubscribed.csv"
>>> append_rows(path, SUPPRESS_COLUMNS,
...             [{"email": "Ana@Example.net", "reason": "unsubscribed", "date": "2026-01-02"}])
1
>>> append_rows(path, SUPPRESS_COLUMNS, [{"email": "ana@example.NET", "reason": "unsubscribed"}],
...             unique=True)
0
>>> listed = load_suppression([path])
>>> listed.reason("ana@example.net"), len(listed)
('unsubscribed', 1)
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from outreach.addresses import Address, parse_address
from outreach.errors import InputError

__all__ = [
    "PREFERENCE_COLUMNS",
    "SUPPRESS_COLUMNS",
    "KeyIndex",
    "Suppression",
    "append_rows",
    "listed_keys",
    "load_preferences",
    "load_suppression",
    "read_rows",
]

#: The columns of the files ``outreach bounces`` and the unsubscribe page write.
SUPPRESS_COLUMNS = ("email", "reason", "status", "diagnostic", "date", "source")
#: The columns of the language preferences file.
PREFERENCE_COLUMNS = ("email", "locale", "date")
#: The longest line of a suppression or preferences file (a longer one is the file's error).
MAX_LINE = 8192
_MAX_REASON = 40


#: Distinct reasons a summary counts; the rest are counted as ``other`` (a list is data:
#: a reason column of a million values must not make a million summary lines).
MAX_REASONS = 20


class Suppression:
    """Suppressed address keys, each with the reason of its first listing."""

    def __init__(self) -> None:
        self._reasons: dict[str, str] = {}
        self._kinds: set[str] = set()
        self.files: list[str] = []

    def add(self, key: str, reason: str) -> None:
        if reason not in self._kinds:
            if len(self._kinds) >= MAX_REASONS:
                reason = "other"
            self._kinds.add(reason)
        self._reasons.setdefault(key, reason)

    def reason(self, key: str) -> str | None:
        """Why ``key`` is suppressed, or ``None``."""
        return self._reasons.get(key)

    def __len__(self) -> int:
        return len(self._reasons)


def _reason(value: str, default: str) -> str:
    """A reason as the summary counts it: one short line of printable text."""
    text = " ".join(value.split())[:_MAX_REASON]
    return text if text.isprintable() and text else default


#: The largest suppression or preferences file read (a larger one is the file's error).
MAX_FILE = 512 << 20


def _read_regular(path: Path, lock: bool = True) -> bytes:
    """The bytes of ``path``, a regular file (a FIFO would block: refused) of at most
    :data:`MAX_FILE` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", path=path) from None
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("is not a regular file", path=path)
        if lock:  # never half of a line another process is appending
            fcntl.flock(fd, fcntl.LOCK_SH)
        # by its size, not read(MAX_FILE + 1): that would allocate the whole bound at once
        if os.fstat(fd).st_size > MAX_FILE:
            raise InputError(f"is larger than {MAX_FILE >> 20} MiB", path=path)
        data = stream.read()
    if len(data) > MAX_FILE:
        raise InputError(f"is larger than {MAX_FILE >> 20} MiB", path=path)
    return data


def read_rows(path: Path, *, lock: bool = True) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` of a suppression-style file, ``row`` keyed by lower-case column
    names (``email`` always there); a list of addresses reads as rows of one ``email``.
    An unreadable file, a line longer than :data:`MAX_LINE` or a CSV syntax error is an
    :class:`~outreach.errors.InputError` at its line."""
    data = _read_regular(path, lock)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = data[: exc.start].count(b"\n") + 1
        raise InputError("is not UTF-8", path=path, line=where) from None
    lines = text.splitlines()
    for number, long in enumerate(lines, 1):
        if len(long) > MAX_LINE:
            why = f"the line is longer than {MAX_LINE} characters"
            raise InputError(why, path=path, line=number)
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return
    header = next(csv.reader([lines[first]]))
    columns = [c.strip().lower() for c in header]
    if "email" not in columns:
        for number, entry in enumerate(lines, 1):
            value = entry.strip()
            if value and not value.startswith("#"):
                yield number, {"email": value}
        return
    reader = csv.reader(io.StringIO("\n".join(lines[first + 1 :])))
    try:
        for record in reader:
            number = first + 1 + reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            yield number, {c: v.strip() for c, v in zip(columns, record, strict=False)}
    except csv.Error as exc:
        where = first + 1 + reader.line_num
        raise InputError(f"is not valid CSV: {exc}", path=path, line=where) from None


def _key(path: Path, line: int, value: str) -> str:
    address = parse_address(value)
    if not isinstance(address, Address):
        raise InputError(
            f"{address}: a suppression list holds one address a line (or an email column)",
            path=path,
            line=line,
        )
    return address.key


def load_suppression(paths: Sequence[Path], into: Suppression | None = None) -> Suppression:
    """The addresses of every file of ``paths``; a missing, unreadable or malformed file
    is an :class:`~outreach.errors.InputError` (the run must not start without it). A
    row's ``reason`` column names its reason, else the file's name does
    (``unsubscribed.csv``: ``unsubscribed``)."""
    found = into if into is not None else Suppression()
    for path in paths:
        if not path.exists():
            raise InputError(
                "no such suppression list: sending without it could reach people who left",
                path=path,
            )
        default = _reason(path.stem, "listed")
        for line, row in read_rows(path):
            value = row.get("email", "")
            if not value:
                continue
            found.add(_key(path, line, value), _reason(row.get("reason", ""), default))
        found.files.append(str(path))
    return found


def listed_keys(path: Path, *, lock: bool = True) -> set[str]:
    """The address keys a file of :func:`read_rows`'s shape already lists (an empty set
    when it does not exist); entries that are no address are skipped here."""
    if not path.exists():
        return set()
    found = set()
    for _, row in read_rows(path, lock=lock):
        address = parse_address(row.get("email", ""))
        if isinstance(address, Address):
            found.add(address.key)
    return found


def load_preferences(path: Path, locales: Mapping[str, str]) -> dict[str, str]:
    """``{address key: campaign locale}`` from a preferences file (``email,locale,date``),
    the last line of an address winning; ``locales`` maps what a cell may say (a locale's
    label, lower case) to the campaign locale. A locale the campaign does not have, or an
    address that is none, is skipped: the page writes only valid ones, and a preference
    never stops a run. No file: no preferences.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "preferences.csv"
    >>> _ = path.write_text("email,locale,date\\nana@example.net,es,1\\nAna@example.net,pt-BR,2\\n")
    >>> load_preferences(path, {"es": "es", "pt-br": "pt_BR"})
    {'ana@example.net': 'pt_BR'}
    """
    if not path.exists():
        return {}
    found: dict[str, str] = {}
    for _, row in read_rows(path):
        address = parse_address(row.get("email", ""))
        locale = locales.get(row.get("locale", "").strip().lower().replace("_", "-"))
        if isinstance(address, Address) and locale is not None:
            found[address.key] = locale
    return found


def _line(columns: Sequence[str], row: Mapping[str, str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [" ".join(str(row.get(c, "")).split())[: MAX_LINE // len(columns)] for c in columns]
    )
    return out.getvalue()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        raise InputError("is a symbolic link: outreach appends to no file through one", path=path)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise InputError(f"cannot be written: {exc.strerror or exc}", path=path) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("is not a regular file", path=path)
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


class KeyIndex:
    """The address keys a file lists, kept between appends of one process (the unsubscribe
    app's threads share one): read again only when the file is not as this process last
    left it (another process or an editor changed it). Without it, each unique append
    reads the whole file: about 0.6 s for 100,000 addresses, under the lock."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self._state: tuple[int, int, int, int] | None = None

    def current(self, path: Path, fd: int) -> set[str]:
        """The keys, read again if the file changed (call it holding the lock)."""
        if self._state != _file_state(fd):
            self.keys = listed_keys(path, lock=False) if os.fstat(fd).st_size else set()
        return self.keys

    def written(self, fd: int) -> None:
        """The file is as this process left it (after its append)."""
        self._state = _file_state(fd)


def _file_state(fd: int) -> tuple[int, int, int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def append_rows(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, str]],
    *,
    unique: bool = False,
    index: KeyIndex | None = None,
) -> int:
    """Append ``rows`` to the CSV at ``path`` (its header first if it is new or empty) in
    one write under an exclusive lock; ``unique`` leaves out the rows whose address the
    file already lists (``index`` remembers them between calls). Values are folded to one
    line. Returns how many rows were written."""
    with _locked(path) as fd:
        size = os.fstat(fd).st_size
        # this process holds the lock (a shared one from another descriptor would wait forever)
        known: set[str] = set()
        if unique:
            if index is not None:  # a copy: a write that fails must not leave keys unwritten
                known = set(index.current(path, fd))
            elif size:
                known = listed_keys(path, lock=False)
        chunk = []
        for row in rows:
            address = parse_address(row.get("email", ""))
            if not isinstance(address, Address):
                raise ValueError(f"not an address: {row.get('email')!r}")
            if unique:
                if address.key in known:
                    continue
                known.add(address.key)
            chunk.append(_line(columns, {**row, "email": address.spec}))
        if not chunk:
            return 0
        text = "".join(chunk)
        if size == 0:
            text = _line(columns, {c: c for c in columns}) + text
        else:
            with open(path, "rb") as existing:
                existing.seek(size - 1)
                if existing.read(1) != b"\n":
                    text = "\n" + text  # a line a crash cut short stays alone on its line
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
        if index is not None:
            index.keys = known
            index.written(fd)
        return len(chunk)
