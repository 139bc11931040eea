"""The journal: one SQLite row per recipient, so that a crash costs at most one message a
connection.

States::

    pending  --(committed before the message's body is written)-->  sending
    sending  --2xx after the final dot-->  accepted (with the server's reply)
    sending  --5xx-->  failed (with the server's reply; not retried unless asked)
    sending  --4xx or a dropped connection-->  pending (deferred, with why), tried again
             later in the run or by the next one, until ``--attempts`` are used: then failed

The resume protocol: a run reads the whole CSV again. A recipient already ``accepted`` (or
``failed``) is skipped; ``pending`` is sent; ``sending`` means the previous run stopped while
the message was on the wire -- the server may or may not have it -- so it is sent again:
those are the only messages a crash can duplicate. Before a connection writes a message's
body, the outcomes read so far and ``sending`` for that message are committed together
(:meth:`Journal.steps`: one commit for every connection ready at that moment), so at most
one message a connection is ever ``sending``; a ``kill -9`` at any moment loses nobody and
repeats at most that many. A 4xx to MAIL, RCPT or DATA counts as an attempt too
(:meth:`Journal.tried`), although the message never went. Rows appended to the CSV later are new
recipients of the next run.

Each run has a number; the row of a recipient remembers the last run that read it, so the
same address twice in one CSV is a duplicate (and its line is known), while the same
address in a later run is the same recipient. ``attempts`` counts the tries of a recipient
over every run. The database is in WAL mode with ``synchronous=NORMAL``: every commit
survives the process being killed (an operating-system crash or a power cut may lose the
last commits, which only means sending them again). A lock file next to it keeps two runs
off one journal. The row loop and the SMTP loop share one thread and this connection.

A file that is not such a journal (not SQLite, another program's database, an edited meta
table) and a disk that fills up are a :class:`~outreach.errors.JournalError`: one line with
the path, what is wrong and what to do; what the journal had committed stays.

A journal edited with its schema intact may hold values of any type in any column (SQLite
keeps a text where a number should be, a blob where a text should be). A run overwrites a
recipient's line and locale from the CSV and tolerates the rest; the reading methods
(``--status``) do the same: a line that is not a whole number is ``None`` (shown ``?``), and
a text that is not one (a blob) is ``"?"``. Neither is a reason to refuse the journal.

>>> import pathlib, tempfile
>>> journal = Journal.open(pathlib.Path(tempfile.mkdtemp()) / "j.sqlite", {"message": "share"})
>>> journal.see("ana@example.net", 2, "es"), journal.see("ana@example.net", 5, "es")
(('pending', None), ('duplicate', 2))
>>> journal.see("bo@example.net", 3, "en")
('pending', None)
>>> journal.step(None, "ana@example.net")  # ana on the wire: her first attempt
1
>>> journal.step(("ana@example.net", "accepted", "250 OK"), "bo@example.net")
1
>>> journal.counts()
{'accepted': 1, 'sending': 1}
>>> journal.close()
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from outreach.errors import InputError, JournalError, OutreachError, UsageError

__all__ = ["STATES", "Journal", "Seen"]

STATES = ("pending", "sending", "accepted", "failed")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (
    key TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    locale TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'accepted', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT,
    updated REAL,
    seen_run INTEGER NOT NULL
) WITHOUT ROWID;
"""
_SEE = """
INSERT INTO recipients (key, line, locale, state, seen_run) VALUES (?, ?, ?, 'pending', ?)
ON CONFLICT (key) DO UPDATE SET line = excluded.line, locale = excluded.locale,
    seen_run = excluded.seen_run
WHERE recipients.seen_run < excluded.seen_run
RETURNING state, reply
"""
_SENDING = """
UPDATE recipients SET state = 'sending', attempts = attempts + 1, updated = ? WHERE key = ?
RETURNING attempts
"""
_RECORD = "UPDATE recipients SET state = ?, reply = ?, updated = ? WHERE key = ?"
_TRIED = """
UPDATE recipients SET state = 'pending', attempts = attempts + 1, reply = ?, updated = ?
WHERE key = ? RETURNING attempts
"""
#: what SQLite reports, in words a person can act on (by the primary result code's name)
_TROUBLE = {
    "SQLITE_FULL": "the disk (or the file system's quota) is full: free some space, then run "
    "the same command again",
    "SQLITE_NOTADB": "is not a journal (not an SQLite database): pass another --journal, or "
    "move this file away if it is not needed",
    "SQLITE_CORRUPT": "is damaged (SQLite reports corruption): restore it from a backup, or "
    "pass another --journal (a new journal sends to everyone again)",
    "SQLITE_READONLY": "cannot be written (read-only): make it writable, or pass another --journal",
    "SQLITE_CANTOPEN": "cannot be opened: check that its folder exists and can be written",
    "SQLITE_BUSY": "is in use by another program: wait for it, or pass another --journal",
    "SQLITE_LOCKED": "is in use by another program: wait for it, or pass another --journal",
    "SQLITE_IOERR": "cannot be read or written (an input/output error): check the disk, then "
    "run the same command again",
}


def _expected_tables() -> dict[str, str]:
    """The ``CREATE TABLE`` text SQLite keeps for each table of the schema, spaces folded."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(_SCHEMA)
        return {
            name: " ".join(sql.split())
            for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        db.close()


def journal_error(path: Path | str | None, exc: sqlite3.Error) -> JournalError:
    """``exc`` as one line a person can act on, about the journal at ``path``.

    >>> err = sqlite3.OperationalError("database or disk is full")
    >>> err.sqlite_errorname = "SQLITE_FULL"
    >>> print(journal_error("s.journal", err))  # doctest: +ELLIPSIS
    s.journal: the disk (or the file system's quota) is full: free some space, then run ...
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, advice in _TROUBLE.items():
        if name == prefix or name.startswith(prefix + "_"):
            return JournalError(advice, path=path)
    text = " ".join(str(exc).split())[:200]
    return JournalError(
        f"SQLite reports {text!r}: check the file and the disk, then run the same command "
        "again (or pass another --journal)",
        path=path,
    )


class Journal:
    """A journal file (:meth:`open`) or a throw-away one for runs that write files or send
    nothing (:meth:`temporary`: it only finds duplicates). Every method may be called from
    any thread; each SQLite error is a :class:`~outreach.errors.JournalError`."""

    def __init__(
        self,
        db: sqlite3.Connection,
        path: Path | None,
        lock: IO[bytes] | None,
        cleanup: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        self.db = db
        self.path = path
        self._lock = lock
        self._cleanup = cleanup
        self._mutex = threading.RLock()
        self.run = 0

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(
        cls, path: str | os.PathLike[str], identity: Mapping[str, str], *, readonly: bool = False
    ) -> Journal:
        """Open (or create) the journal at ``path`` for the run ``identity`` describes
        (campaign, message, shard): a journal of another message is refused, and so is a
        file that is not a journal (it is never written to). ``readonly`` (``--status``)
        reads a journal that a run may be writing, and creates nothing."""
        where = Path(path)
        if where.is_symlink():
            raise InputError(
                "is a symbolic link: outreach writes no journal through one", path=where
            )
        if readonly and not where.exists():
            raise InputError("no journal here: nothing was sent with this command yet", path=where)
        lock = None
        if not readonly:
            lock = _lock(where)
        db: sqlite3.Connection | None = None
        try:
            if readonly:
                uri = f"{where.resolve().as_uri()}?mode=ro"
                db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
            _check_tables(db, where, create=not readonly)
            if not readonly:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            journal = cls(db, where, lock)
            journal._identify(identity, readonly=readonly)
        except (sqlite3.Error, OutreachError) as exc:
            if db is not None:
                db.close()
            if lock is not None:
                lock.close()
            if isinstance(exc, sqlite3.Error):
                raise journal_error(where, exc) from None
            raise
        return journal

    @classmethod
    def temporary(cls) -> Journal:
        """A journal in a temporary directory, removed by :meth:`close`."""
        directory = tempfile.TemporaryDirectory(prefix="outreach-merge-")
        db = sqlite3.connect(Path(directory.name) / "seen.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(_SCHEMA)
        journal = cls(db, None, None, directory)
        journal._identify({}, readonly=False)
        return journal

    def _identify(self, identity: Mapping[str, str], *, readonly: bool) -> None:
        stored = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        for key, value in identity.items():
            if key in stored and stored[key] != value:
                raise UsageError(
                    f"{self.path} is the journal of {key} {stored[key]!r}, not {value!r}: "
                    "pass another --journal for this run"
                )
        run = stored.get("run", "0")
        if not (isinstance(run, str) and run.isascii() and run.isdigit() and len(run) < 10):
            raise JournalError(
                f"its meta table was edited (run = {str(run)[:40]!r}, not a run number): "
                "restore it from a backup, or pass another --journal (a new journal sends to "
                "everyone again)",
                path=self.path,
            )
        self.run = int(run)
        if readonly:
            return
        self.run += 1
        self.begin()
        for key, value in {**identity, "run": str(self.run)}.items():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self.commit()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """One call at a time, and SQLite's errors as a :class:`JournalError` (an open
        transaction is rolled back: what was committed stays)."""
        with self._mutex:
            try:
                yield
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    if self.db.in_transaction:
                        self.db.execute("ROLLBACK")
                raise journal_error(self.path, exc) from None

    # -- the protocol --------------------------------------------------------------------
    def begin(self) -> None:
        with self._guard():
            if not self.db.in_transaction:
                self.db.execute("BEGIN")

    def commit(self) -> None:
        with self._guard():
            if self.db.in_transaction:
                self.db.execute("COMMIT")

    def see(self, key: str, line: int, locale: str) -> tuple[str, Any]:
        """Note that this run read ``key`` at ``line``: ``(state, reply)`` of the recipient
        (``pending`` when new), or ``("duplicate", first line)`` when this run already read
        it. Once a row: written as :meth:`steps` is (no context manager on the hot path)."""
        db = self.db
        with self._mutex:
            try:
                if not db.in_transaction:
                    db.execute("BEGIN")
                row = db.execute(_SEE, (key, line, locale, self.run)).fetchone()
                if row is None:
                    first = db.execute(
                        "SELECT line FROM recipients WHERE key = ?", (key,)
                    ).fetchone()
                    return "duplicate", first[0] if first else None
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                raise journal_error(self.path, exc) from None
            return str(row[0]), row[1]

    def step(self, done: tuple[str, str, str] | None, sending: str | None) -> int:
        """:meth:`steps` for one connection: the outcome ``done`` of its last message and
        ``sending`` for its next one; the attempts of ``sending`` (0 for none)."""
        attempts = self.steps([done] if done else [], [sending] if sending else [])
        return attempts[0] if attempts else 0

    def steps(self, done: Sequence[tuple[str, str, str]], sending: Sequence[str]) -> list[int]:
        """In one commit: the outcomes ``done`` -- ``(key, state, reply)``, a state of
        :data:`STATES` -- then each key of ``sending`` as on the wire; the attempts of each
        of ``sending`` so far, this one included. Delivery calls this before it writes any
        message's body, with every outcome it has read since the last call, so nothing a
        server had accepted is ever sent again by a later run; one commit serves every
        connection that is ready at that moment (about 30 us on an SSD: one WAL append)."""
        db = self.db
        with self._mutex:  # no _guard(): this is the hot path
            try:
                if not db.in_transaction:
                    db.execute("BEGIN")
                now = time.time()
                for key, state, reply in done:
                    assert state in STATES
                    db.execute(_RECORD, (state, reply[:1000], now, key))
                attempts = []
                for key in sending:
                    row = db.execute(_SENDING, (now, key)).fetchone()
                    if row is None:
                        # its row was read in but never committed: a write that failed (a
                        # full disk) rolled the open transaction back. Sending it now would
                        # put on the wire a message no journal knows of.
                        raise sqlite3.DatabaseError(
                            "a recipient's row was lost with a write that failed"
                        )
                    attempts.append(int(row[0]))
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                raise journal_error(self.path, exc) from None
            return attempts

    def tried(self, key: str, reply: str) -> int:
        """A try of ``key`` that the server put off before its message was sent (a 4xx to
        MAIL, RCPT or DATA): it stays ``pending`` with ``reply``, one attempt more, committed
        now; its attempts over every run.

        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "j.sqlite"
        >>> journal = Journal.open(path, {"message": "share"})
        >>> journal.see("ana@example.net", 2, "es")
        ('pending', None)
        >>> journal.tried("ana@example.net", "451 4.7.1 greylisted"), journal.counts()
        (1, {'pending': 1})
        >>> journal.close()
        """
        with self._guard():
            self.begin()
            row = self.db.execute(_TRIED, (reply[:1000], time.time(), key)).fetchone()
            self.db.execute("COMMIT")
            if row is None:
                raise sqlite3.DatabaseError("a recipient's row was lost with a write that failed")
            return int(row[0])

    def sending(self, key: str) -> None:
        """Mark ``key`` as on the wire (in the open transaction)."""
        with self._guard():
            self.begin()
            self.db.execute(_SENDING, (time.time(), key)).fetchall()

    def record(self, key: str, state: str, reply: str) -> None:
        """The outcome of a send: ``accepted``, ``failed`` or ``pending`` (deferred)."""
        assert state in STATES
        with self._guard():
            self.begin()
            self.db.execute(_RECORD, (state, reply[:1000], time.time(), key))

    def retry(self, key: str) -> None:
        """``--retry-failed``: a failed recipient gets its ``--attempts`` again."""
        with self._guard():
            self.begin()
            self.db.execute("UPDATE recipients SET attempts = 0 WHERE key = ?", (key,))

    # -- reading (values as :func:`_text` and :func:`_line` give them) ----------------------
    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        with self._guard():
            for state, n in self.db.execute(
                "SELECT state, count(*) FROM recipients GROUP BY state"
            ):
                if n:
                    found[_text(state)] = found.get(_text(state), 0) + n
        return found

    def by_locale(self) -> dict[str, dict[str, int]]:
        """``{locale: {state: count}}``; locales that are not texts are counted as ``?``."""
        found: dict[str, dict[str, int]] = {}
        with self._guard():
            for locale, state, n in self.db.execute(
                "SELECT locale, state, count(*) FROM recipients GROUP BY locale, state"
            ):
                states = found.setdefault(_text(locale), {})
                states[_text(state)] = states.get(_text(state), 0) + n
        return found

    def problems(self, limit: int = 50) -> list[tuple[str, int | None, str, str | None]]:
        """``(key, line, state, reply)`` of the recipients that are not accepted and were
        tried -- failed, deferred (``pending`` with a reply) and ``sending`` (on the wire
        when a run stopped: the server may have them) -- by line (``None``: a line that
        is not a number, in an edited journal; SQLite orders those last).

        >>> import pathlib, sqlite3, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "j.sqlite"
        >>> journal = Journal.open(path, {"message": "share"})
        >>> journal.see("ana@example.net", 2, "es")
        ('pending', None)
        >>> journal.step(None, "ana@example.net")
        1
        >>> journal.close()
        >>> db = sqlite3.connect(path)
        >>> _ = db.execute("UPDATE recipients SET line = 'x', locale = X'00ff'")
        >>> db.commit(); db.close()
        >>> journal = Journal.open(path, {}, readonly=True)
        >>> journal.problems(), journal.by_locale()
        ([('ana@example.net', None, 'sending', None)], {'?': {'sending': 1}})
        >>> journal.close()
        """
        with self._guard():
            return [
                (_text(key), _line(line), _text(state), None if reply is None else _text(reply))
                for key, line, state, reply in self.db.execute(
                    "SELECT key, line, state, reply FROM recipients "
                    "WHERE state IN ('failed', 'sending') "
                    "OR (state = 'pending' AND reply IS NOT NULL) "
                    "ORDER BY line LIMIT ?",
                    (limit,),
                )
            ]

    def bounced(self) -> list[str]:
        """The keys of the recipients that failed with a 5xx reply (a hard bounce; a
        recipient whose ``--attempts`` ran out on 4xx replies is not one)."""
        with self._guard():
            rows = self.db.execute(
                "SELECT key FROM recipients WHERE state = 'failed' AND reply LIKE '5%'"
            ).fetchall()
        return [key for (key,) in rows if isinstance(key, str)]

    def meta(self) -> dict[str, str]:
        with self._guard():
            rows = self.db.execute("SELECT key, value FROM meta").fetchall()
        return {key: _text(value) for key, value in rows if isinstance(key, str)}

    def close(self) -> None:
        with self._mutex:
            with contextlib.suppress(sqlite3.Error):
                if self.db.in_transaction:
                    self.db.execute("COMMIT")
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        if self._lock is not None:
            self._lock.close()
        if self._cleanup is not None:
            self._cleanup.cleanup()


def _text(value: object) -> str:
    """A text column's value as read back: the text, or ``"?"`` for what an edit left there
    instead (SQLite stores a blob, or a number, in a text column as given).

    >>> _text("es"), _text(b"\\x00\\xff"), _text(7)
    ('es', '?', '?')
    """
    return value if isinstance(value, str) else "?"


def _line(value: object) -> int | None:
    """A ``line`` as read back: the number, or ``None`` for a text, a fraction or a blob.

    >>> _line(12), _line("x"), _line(2.5), _line(True)
    (12, None, None, None)
    """
    return value if type(value) is int else None


def _check_tables(db: sqlite3.Connection, path: Path, *, create: bool) -> None:
    """Create the tables in an empty file; refuse one that holds anything else."""
    found = {
        name: " ".join((sql or "").split())
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if not found:
        if not create:
            raise JournalError(
                "is an empty database, not a journal: nothing was sent with it", path=path
            )
        db.executescript(_SCHEMA)
        return
    expected = _expected_tables()
    if found == expected:
        return
    if set(found) != set(expected):
        names = ", ".join(sorted(found)[:5])
        raise JournalError(
            f"is an SQLite database of something else (tables: {names}), not an outreach "
            "journal: outreach leaves it alone; pass another --journal",
            path=path,
        )
    changed = ", ".join(name for name in sorted(found) if found[name] != expected[name])
    raise JournalError(
        f"its tables were changed ({changed}): restore it from a backup, or pass another "
        "--journal (a new journal sends to everyone again)",
        path=path,
    )


def _lock(path: Path) -> IO[bytes]:
    """An exclusive lock on ``path.lock`` for as long as the journal is open (opened
    without following a symbolic link; where the system has no ``flock``, as on Windows,
    the file is opened but not locked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(f"{path}.lock", flags, 0o600)
    except OSError as exc:
        raise InputError(f"cannot open its lock file: {exc.strerror or exc}", path=path) from None
    stream = os.fdopen(fd, "ab")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return stream
    try:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        stream.close()
        raise UsageError(
            f"{path} is in use by another outreach merge: wait for it, or pass another --journal"
        ) from None
    return stream


class Seen:
    """Duplicates for a run that sends nothing over SMTP (files, ``--dry-run``, proofs), in
    fixed memory: a 2 MiB bitmap of two hashes of each key, and the keys with their lines
    in a temporary SQLite file, asked only when both bits say the key may have been seen
    (about one key in a hundred at 100,000 keys). Same ``see`` as :class:`Journal`.

    >>> seen = Seen()
    >>> seen.see("a@x.org", 2, "en"), seen.see("b@x.org", 3, "en"), seen.see("a@x.org", 7, "en")
    (('pending', None), ('pending', None), ('duplicate', 2))
    >>> seen.close()
    """

    _BITS = 1 << 24
    path = None

    def __init__(self) -> None:
        self.bits = bytearray(self._BITS // 8)
        self._directory = tempfile.TemporaryDirectory(prefix="outreach-merge-")
        self.db = sqlite3.connect(Path(self._directory.name) / "seen.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")
        self.pending: list[tuple[str, int]] = []

    def _flush(self) -> None:
        if self.pending:
            # one transaction a batch: in autocommit every row would be its own (and its
            # own page writes), six times the cost of the whole row's message
            try:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", self.pending)
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:  # a full temporary directory: one line, no traceback
                raise journal_error(Path(self._directory.name) / "seen.sqlite", exc) from None
            self.pending.clear()

    def see(self, key: str, line: int, locale: str) -> tuple[str, Any]:
        # Python's own string hash (64 bits, salted per process): two positions from it.
        # Keys that collide cost a lookup, never a wrong answer.
        digest = hash(key)
        first = digest & (self._BITS - 1)
        second = (digest >> 32) & (self._BITS - 1)
        bits = self.bits
        if bits[first >> 3] & (1 << (first & 7)) and bits[second >> 3] & (1 << (second & 7)):
            self._flush()
            row = self.db.execute("SELECT line FROM seen WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return "duplicate", row[0]
        bits[first >> 3] |= 1 << (first & 7)
        bits[second >> 3] |= 1 << (second & 7)
        self.pending.append((key, line))
        if len(self.pending) >= 4096:
            self._flush()
        return "pending", None

    def commit(self) -> None:
        return None

    def close(self) -> None:
        self.db.close()
        self._directory.cleanup()
