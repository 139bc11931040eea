"""The journal: one SQLite row per recipient, so that a crash costs nothing.

States::

    pending  --(committed before the message is handed to SMTP)-->  sending
    sending  --250-->  accepted (with the server's reply)
    sending  --5xx-->  failed (with the server's reply; not retried unless asked)
    sending  --4xx or a dropped connection, retries spent-->  pending (deferred, with why)

The resume protocol: a run reads the whole CSV again. A recipient already ``accepted`` (or
``failed``) is skipped; ``pending`` is sent; ``sending`` means the previous run stopped while
the message was in flight -- the server may or may not have it -- so it is sent again: those
are the only messages a crash can duplicate. Because ``sending`` is committed before the
message leaves and ``accepted`` after the server's reply, a ``kill -9`` at any moment loses
nobody. Rows appended to the CSV later are new recipients of the next run.

Each run has a number; the row of a recipient remembers the last run that read it, so the
same address twice in one CSV is a duplicate (and its line is known), while the same
address in a later run is the same recipient. The database is in WAL mode with
``synchronous=NORMAL``: every commit survives the process being killed (an operating-system
crash or a power cut may lose the last commits, which only means sending them again).
A lock file next to it keeps two runs off one journal.

>>> import pathlib, tempfile
>>> journal = Journal.open(pathlib.Path(tempfile.mkdtemp()) / "j.sqlite", {"message": "share"})
>>> journal.see("ana@example.net", 2, "es"), journal.see("ana@example.net", 5, "es")
(('pending', None), ('duplicate', 2))
>>> journal.sending("ana@example.net"); journal.record("ana@example.net", "accepted", "250 OK")
>>> journal.commit(); journal.counts()
{'accepted': 1}
>>> journal.close()
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from outreach.errors import InputError, UsageError

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


class Journal:
    """A journal file (:meth:`open`) or a throw-away one for runs that write files or send
    nothing (:meth:`temporary`: it only finds duplicates)."""

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
        self.run = 0

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(
        cls, path: str | os.PathLike[str], identity: Mapping[str, str], *, readonly: bool = False
    ) -> Journal:
        """Open (or create) the journal at ``path`` for the run ``identity`` describes
        (campaign, message, shard): a journal of another message is refused."""
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
        try:
            db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            if lock is not None:
                lock.close()
            raise InputError(f"not a journal outreach can read: {exc}", path=where) from None
        journal = cls(db, where, lock)
        journal._identify(identity, readonly=readonly)
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
        self.run = int(stored.get("run", "0"))
        if readonly:
            return
        self.run += 1
        self.begin()
        for key, value in {**identity, "run": str(self.run)}.items():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self.commit()

    # -- the protocol --------------------------------------------------------------------
    def begin(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN")

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def see(self, key: str, line: int, locale: str) -> tuple[str, Any]:
        """Note that this run read ``key`` at ``line``: ``(state, reply)`` of the recipient
        (``pending`` when new), or ``("duplicate", first line)`` when this run already read
        it."""
        self.begin()
        row = self.db.execute(_SEE, (key, line, locale, self.run)).fetchone()
        if row is None:
            first = self.db.execute("SELECT line FROM recipients WHERE key = ?", (key,)).fetchone()
            return "duplicate", first[0] if first else None
        return str(row[0]), row[1]

    def sending(self, key: str) -> None:
        self.begin()
        self.db.execute(
            "UPDATE recipients SET state = 'sending', attempts = attempts + 1, updated = ? "
            "WHERE key = ?",
            (time.time(), key),
        )

    def sending_all(self, keys: list[str]) -> None:
        """:meth:`sending` for a batch, in one statement (each call into SQLite costs a
        round of the GIL with the SMTP threads)."""
        self.begin()
        now = time.time()
        self.db.executemany(
            "UPDATE recipients SET state = 'sending', attempts = attempts + 1, updated = ? "
            "WHERE key = ?",
            [(now, key) for key in keys],
        )

    def record_all(self, outcomes: list[tuple[str, str, str]]) -> None:
        """:meth:`record` for ``(key, state, reply)`` outcomes, in one statement."""
        assert all(state in STATES for _, state, _ in outcomes)
        self.begin()
        now = time.time()
        self.db.executemany(
            "UPDATE recipients SET state = ?, reply = ?, updated = ? WHERE key = ?",
            [(state, reply[:1000], now, key) for key, state, reply in outcomes],
        )

    def record(self, key: str, state: str, reply: str) -> None:
        """The outcome of a send: ``accepted``, ``failed`` or ``pending`` (deferred)."""
        assert state in STATES
        self.begin()
        self.db.execute(
            "UPDATE recipients SET state = ?, reply = ?, updated = ? WHERE key = ?",
            (state, reply[:1000], time.time(), key),
        )

    # -- reading -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) FROM recipients GROUP BY state")
        return {state: n for state, n in rows if n}

    def by_locale(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for locale, state, n in self.db.execute(
            "SELECT locale, state, count(*) FROM recipients GROUP BY locale, state"
        ):
            found.setdefault(locale, {})[state] = n
        return found

    def problems(self, limit: int = 50) -> Iterator[tuple[str, int, str, str]]:
        """``(key, line, state, reply)`` of failed and deferred recipients, by line."""
        yield from self.db.execute(
            "SELECT key, line, state, reply FROM recipients "
            "WHERE state = 'failed' OR (state = 'pending' AND reply IS NOT NULL) "
            "ORDER BY line LIMIT ?",
            (limit,),
        )

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.commit()
        self.db.close()
        if self._lock is not None:
            self._lock.close()
        if self._cleanup is not None:
            self._cleanup.cleanup()


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
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", self.pending)
            self.db.execute("COMMIT")
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
