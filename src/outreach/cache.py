"""The check cache: findings per entry and language detections, that no file can forge.

``outreach check`` runs on every save (a pre-commit hook), so it remembers what it found:
each entry's findings, keyed by everything they depend on (the entry's text, flags and
plural formula, the locale, the campaign's settings and outreach's check code), and each
langdetect answer. Editing one string re-checks one string. ``render`` and ``merge`` keep
their start-up short with the same store: each catalog compiled as rendering uses it
(:func:`outreach.translations.load_locale`: its ``.mo`` and refusals, keyed by the
``.po``'s bytes, the sources, campaign.toml and outreach's code); ``render`` keeps what it
printed, keyed by every input of it (:mod:`outreach.recall`), and prints it again without
rendering; and where twitter-text finds the links of a post it counted
(:func:`outreach.platforms.remembering_links`).

A cache is derived data, and derived data is never believed over its sources
(docs/reference/trust-model.md). A pull request could add a cache claiming that a hijacked
link is clean, so:

* the cache lives outside the campaign, in the user's cache directory (``$OUTREACH_CACHE_DIR``,
  else the platform's: ``~/.cache/outreach`` on Linux), one file per campaign and kind of
  value (``<campaign>.files.json``, ``.compiled.json``, ``.rendered.json``, ``.links.json``,
  ``.skeletons.json``: merge's proved skeletons, ``.plans.json``: its plans), or 16 for
  the many small ones (``.entries.0.json`` to ``.entries.f.json``, ``.detections.0.json`` to
  ``.f``: by the first digit of the key), each read only when a value it holds is wanted: a run that
  changed nothing reads only the first, a re-check after an edit a few of the others;
  langdetect's profiles as one table (``shared.langdetect.blob``, for every campaign:
  :meth:`CheckCache.write_blob`);
* every key is a MAC (keyed BLAKE2b) of its material under a secret of this machine
  (``secret`` in that directory, 32 random bytes, mode 0600): without the secret no one can
  write an entry that a lookup would find, and a file copied from elsewhere matches nothing;
* so the secret is believed only when no one else could have written it (:func:`_secret`):
  the directory must be the user's own and writable by no one else, the secret a regular
  file of the user's that no one else can read or write. Otherwise -- a secret planted or
  swapped by whoever can write the directory, then values sealed under it -- the cache is
  not used at all: nothing is read, nothing is stored, the run is only slower. New cache
  directories are made 0700, the secret and the cache files 0600;
* every value is stored as its JSON text beside a MAC under the same secret
  (:meth:`CheckCache.seal`: keyed BLAKE2b of the namespace, the key and that text, so the
  MAC covers exactly the bytes that will be decoded): whoever can write
  the directory but not read the secret cannot change what a key gives -- a compiled
  catalog's text, an entry's findings, a detection. A value whose MAC does not match is a
  miss: it is never used, and the value computed again overwrites it;
* a cache that cannot be read, parsed or written is ignored (and rewritten): it only makes
  the run slower, never different. So is a file that is not a regular one (a FIFO is never
  waited on: files are opened without blocking and looked at before they are read) and one
  larger than :data:`_MAX_BYTES`.

>>> import tempfile
>>> store = CheckCache.open(tempfile.mkdtemp(), "campaign-id")
>>> key = store.key("entry", "es", "Watch the film", "Mira el corto")
>>> store.get("entries", key) is None
True
>>> store.put("entries", key, [["urls", "error", "link …"]])
>>> store.get("entries", key)
[['urls', 'error', 'link …']]

A value changed behind the cache's back (here in memory; on disk it is the same) is a miss:

>>> store.save()
>>> again = CheckCache.open(store.base.parent, "campaign-id")
>>> again._load(again._file("entries", key))[key][1] = "[]"  # a forged all-clear, MAC kept
>>> again.get("entries", key) is None
True

A secret that others could have written is never believed: the cache is not used.

>>> os.chmod(store.base.parent / "secret", 0o644)
>>> CheckCache.open(store.base.parent, "campaign-id").enabled
False
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from outreach.campaign import Campaign
    from outreach.sources import Sources

__all__ = ["CACHE_ENV", "CheckCache", "cache_root", "check_fingerprint", "code_fingerprint"]

CACHE_ENV = "OUTREACH_CACHE_DIR"
_SCHEMA = 5  # 5: every value stored as [MAC, JSON text]
_MAX_ENTRIES = 400_000
#: Namespaces whose values are big (a compiled catalog; a merge's skeleton, about 12 KB):
#: fewer are kept -- past the limit, a file keeps only what the run used (a merge reads the
#: whole file: 64 skeletons are about 0.8 MB of JSON to parse).
_LIMITS = {"compiled": 64, "skeletons": 64, "rendered": 256, "links": 4096}
_PERSON = b"outreach value"  # a value's MAC is never a key's
#: Namespaces of many small values, each kept in this many files (by the first hex digit
#: of their keys: :meth:`CheckCache.files`): a re-check after an edit looks up and stores
#: a few entries and detections, and reads and rewrites a few of these files, not all of
#: them (bench_check.py's campaign: 1.6 and 1.3 MB of them, 100 KB a file).
_SHARDS = {"entries": 16, "detections": 16}
_HEX = frozenset("0123456789abcdef")
_MISSING = object()
#: The largest cache file read or written: one past it is ignored (and rewritten), never
#: parsed -- JSON takes about 4.5 times its size in memory (a 230 MB file took 1 GB). The
#: largest realistic cache measured, benchmarks/bench_check.py's campaign (3 catalogs x
#: 5,000 entries) checked and compiled: ``.files.json`` 1.0 MB, the entries 1.6 MB and the
#: detections 1.3 MB (in 16 parts each, :data:`_SHARDS`), ``.compiled.json`` 6.3 MB (2.1 MB a
#: catalog): 64 MiB is ten times the largest (:data:`_MAX_ENTRIES` entries of ~110 bytes fit
#: too, in one namespace's parts together). :meth:`CheckCache.save`
#: never writes a larger one: it keeps what the run used, or nothing.
_MAX_BYTES = 64 << 20
#: The secret is 32 bytes; a larger file is not one outreach made.
_MAX_SECRET = 4096


def cache_root() -> Path:
    """Where caches live: ``$OUTREACH_CACHE_DIR``, else the user's cache directory."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("outreach", appauthor=False))


def _secret(root: Path) -> bytes | None:
    """This machine's key, created on first use; ``None`` when it cannot be made or read,
    or when someone else could have written it (:func:`_private`): a directory that is not
    the user's alone, a secret that is not a regular file of the user's with mode 0600 (or
    stricter). Such a secret is never trusted (nor repaired: it may have been planted), and
    the cache that would need it is not used."""
    path = root / "secret"
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private(os.stat(root), directory=True):
            return None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as stream:
                import secrets  # only here: a run that finds its secret imports none of it

                stream.write(secrets.token_bytes(32))
        info, key = _read_regular(path, _MAX_SECRET)
    except (OSError, ValueError):
        return None
    if not _private(info) or len(key) < 32:
        return None
    return key


def _private(info: os.stat_result, *, directory: bool = False) -> bool:
    """Whether a file (``info``, its ``stat``) is the current user's and no one else's: owned
    by the effective user, and neither readable nor writable by group or others (for a
    directory: not writable by them). Where there are no such owners and modes (Windows,
    whose profile directories are protected by ACLs instead) every file is."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:  # pragma: no cover - Windows
        return True
    if directory:
        return stat.S_ISDIR(info.st_mode) and info.st_uid == geteuid() and not info.st_mode & 0o022
    return info.st_uid == geteuid() and not info.st_mode & 0o077


def _read_regular(path: Path, limit: int) -> tuple[os.stat_result, bytes]:
    """``(stat, bytes)`` of the regular file at ``path``, of at most ``limit`` bytes.

    Opened without following a link and without blocking (a FIFO would wait forever for a
    writer), then looked at before a byte is read: anything but a regular file, or a file
    larger than ``limit``, is a :class:`ValueError`, as a corrupt file is."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > limit:
            raise ValueError("too large")
        data = stream.read(limit + 1)  # it may have grown since
    if len(data) > limit:
        raise ValueError("too large")
    return info, data


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@dataclass
class CheckCache:
    """One campaign's cache files (``base`` + ``.<namespace>.json``); ``namespaces`` map
    keyed-hash (MAC) keys to ``[MAC, text]``: a value's JSON text and the text's MAC
    (:meth:`seal`). A value is decoded when first asked for, once its MAC is checked: a
    run that needs a few values of a large file pays for those only."""

    base: Path | None
    secret: bytes = b""
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)
    dirty: set[str] = field(default_factory=set)
    #: when a list, every put is also recorded here, value and stored pair (a worker
    #: process ships them home: :meth:`take`)
    log: list[tuple[str, str, Any, list[str]]] | None = None
    #: the values read (their MAC checked) or written by this run, decoded
    _decoded: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: str | os.PathLike[str] | None, campaign_id: str) -> CheckCache:
        """The cache of the campaign identified by ``campaign_id`` (its resolved path) under
        ``root`` (default :func:`cache_root`); a cache that stores nothing when the
        directory or the secret cannot be used."""
        base = Path(root) if root is not None else cache_root()
        secret = _secret(base)
        if secret is None:
            return cls(None)
        name = hashlib.sha256(campaign_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        return cls(base / name, secret)

    @classmethod
    def of(cls, campaign: Campaign, root: str | os.PathLike[str] | None = None) -> CheckCache:
        """:meth:`open` for ``campaign``: its cache is identified by its resolved path."""
        return cls.open(root, os.path.realpath(campaign.root))

    @classmethod
    def disabled(cls) -> CheckCache:
        """A cache that is never read nor written (``--no-cache``)."""
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self.base is not None

    def path(self, namespace: str) -> Path | None:
        """The file that holds ``namespace``'s values, or one part of them (a namespace of
        :data:`_SHARDS` and a hex digit: :meth:`files`)."""
        return (
            None if self.base is None else self.base.with_name(f"{self.base.name}.{namespace}.json")
        )

    def files(self, namespace: str) -> list[str]:
        """The files (by their :meth:`path` name) that hold ``namespace``'s values: one, or
        those of its parts.

        >>> store = CheckCache(Path("c"), b"k" * 32)
        >>> store.files("files"), len(store.files("entries")), store.files("entries")[10]
        (['files'], 16, 'entries.a')
        """
        shards = _SHARDS.get(namespace, 1)
        return [namespace] if shards == 1 else [f"{namespace}.{n:x}" for n in range(shards)]

    @staticmethod
    def _file(namespace: str, key: str) -> str:
        """The file of ``namespace`` that holds ``key``: keys are MACs in hex, so their
        first digit spreads them evenly over a namespace's parts."""
        shards = _SHARDS.get(namespace, 1)
        if shards == 1:
            return namespace
        digit = key[:1]
        return f"{namespace}.{int(digit, 16) % shards if digit in _HEX else 0:x}"

    def key(self, *parts: object) -> str:
        """A MAC of ``parts`` under this machine's secret: keyed BLAKE2b (a MAC by design,
        and several times faster than HMAC-SHA256 over JSON) of their ``repr``, which is
        unambiguous for the strings, numbers, ``None`` and tuples keys are made of."""
        material = repr(parts).encode("utf-8", "surrogatepass")
        return hashlib.blake2b(material, key=self.secret[:64], digest_size=32).hexdigest()

    def seal(self, namespace: str, key: str, text: str) -> str:
        """The MAC stored beside a value's JSON ``text``: keyed BLAKE2b (its own
        personalisation, so it is never a key's MAC) of the namespace, the key and the text
        exactly as stored, so no two values share one.

        >>> store = CheckCache(Path("c"), b"k" * 32)
        >>> store.seal("entries", "ab", '[["urls","error","link"]]')
        '6fafcb0c7197e8fa280e551f25c2e949'
        >>> store.seal("entries", "ab", "[]") != store.seal("files", "ab", "[]")
        True
        """
        return self._seal_bytes(namespace, key, text.encode("utf-8", "surrogatepass"))

    def _seal_bytes(self, namespace: str, key: str, data: bytes) -> str:
        """:meth:`seal` of the text whose UTF-8 is ``data`` (a large text is not copied)."""
        mac = self._sealer.copy()  # keyed once: a copy saves the key's block a value
        mac.update(f"{namespace}\0{key}\0".encode("utf-8", "surrogatepass"))
        mac.update(data)
        return mac.hexdigest()

    @functools.cached_property
    def _sealer(self) -> hashlib.blake2b:
        return hashlib.blake2b(key=self.secret[:64], digest_size=16, person=_PERSON)

    def _genuine(self, namespace: str, key: str, stored: Any) -> bool:
        """Whether ``stored`` (as read from the file) is ``[MAC, text]`` with the MAC of
        that text under this key."""
        if not (isinstance(stored, list) and len(stored) == 2):
            return False
        mac, text = stored
        if not (isinstance(mac, str) and mac.isascii() and isinstance(text, str)):
            return False
        return hmac.compare_digest(mac, self.seal(namespace, key, text))

    def _load(self, file: str) -> dict[str, Any]:
        """The values of one file (:meth:`files`), read once."""
        values = self.namespaces.get(file)
        if values is not None:
            return values
        values = self.namespaces[file] = {}
        path = self.path(file)
        if path is None:
            return values
        try:
            raw = _read_regular(path, _MAX_BYTES)[1]
            if not _plausible(raw):
                raise ValueError("not the shape of a cache file")
            data = json.loads(raw)
        except FileNotFoundError:
            return values
        except (OSError, ValueError, RecursionError):  # nested past the parser's depth
            # unreadable, corrupt, not a regular file or too large: start again, rewrite it
            self.dirty.add(file)
            return values
        if isinstance(data, dict) and data.get("schema") == _SCHEMA:
            stored = data.get("values")
            if isinstance(stored, dict):
                values.update(stored)
                return values
        self.dirty.add(file)
        return values

    def get(self, namespace: str, key: str) -> Any:
        """The value stored under ``key``, or ``None``: also when its MAC does not match
        (the stored pair is then dropped, and the file rewritten at :meth:`save`)."""
        if self.base is None:
            return None
        found = self._decoded.get((namespace, key), _MISSING)
        if found is not _MISSING:
            return found
        file = self._file(namespace, key)
        values = self._load(file)
        stored = values.get(key)
        if stored is None:
            return None
        try:
            if not self._genuine(namespace, key, stored):
                raise ValueError("not sealed under this key")
            value = json.loads(stored[1])
        except ValueError:  # forged, damaged or foreign: a miss, computed again
            del values[key]
            self.dirty.add(file)
            return None
        self._decoded[(namespace, key)] = value
        self.used.add((namespace, key))
        return value

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (JSON: dicts, lists, strings, numbers) under ``key`` as its JSON
        text and that text's MAC; a value JSON cannot hold is not stored."""
        if self.base is None:
            return
        try:
            text = _ENCODER.encode(value)
        except (TypeError, ValueError):
            return
        stored = [self.seal(namespace, key, text), text]
        self._store(namespace, key, value, stored)
        if self.log is not None:
            self.log.append((namespace, key, value, stored))

    def _store(self, namespace: str, key: str, value: Any, stored: list[str]) -> None:
        file = self._file(namespace, key)
        values = self._load(file)
        if values.get(key) != stored:  # the same value again leaves its file as it is
            values[key] = stored
            self.dirty.add(file)
        self._decoded[(namespace, key)] = value
        self.used.add((namespace, key))

    def take(self, log: Sequence[tuple[str, str, Any, list[str]]]) -> None:
        """Store what a worker process forked from this one :meth:`put` (its :attr:`log`),
        as it sealed it: the same program with the same secret, over a pipe, not a file,
        so its JSON texts and their MACs are not worked out a second time (27,000 values
        after a cold check of bench_check.py's three catalogs: 0.5 s of the parent's time
        under cProfile, while no worker runs)."""
        if self.base is None:
            return
        for namespace, key, value, stored in log:
            self._store(namespace, key, value, stored)

    def holds(self, namespace: str) -> bool:
        """Whether ``namespace`` holds any value (read from its file, or stored by this
        run): a caller with many keys to work out for lookups alone can skip them when it
        holds none.

        >>> import tempfile
        >>> store = CheckCache.open(tempfile.mkdtemp(), "campaign-id")
        >>> store.holds("entries"), store.put("entries", "k", []), store.holds("entries")
        (False, None, True)
        """
        return self.base is not None and any(self._load(f) for f in self.files(namespace))

    def shared(self) -> CheckCache:
        """The store of this cache directory that no campaign owns (same secret), for values
        derived from installed code alone: :meth:`read_blob` and :meth:`write_blob` there."""
        if self.base is None:
            return self
        return CheckCache(self.base.with_name("shared"), self.secret)

    def blob_path(self, namespace: str) -> Path | None:
        """The file that holds ``namespace``'s one large text (:meth:`write_blob`)."""
        return (
            None if self.base is None else self.base.with_name(f"{self.base.name}.{namespace}.blob")
        )

    def read_blob(self, namespace: str, key: str) -> str | None:
        """The text :meth:`write_blob` stored under ``key``, or ``None``: also when the file
        is not a regular one, is larger than :data:`_MAX_BYTES`, holds another key or its
        MAC does not match. Nothing of it is parsed before the MAC is checked, so a crafted
        file costs its reading (at most :data:`_MAX_BYTES`) and a hash, never more.

        >>> import tempfile
        >>> store = CheckCache.open(tempfile.mkdtemp(), "campaign-id").shared()
        >>> store.write_blob("table", "k1", "a\\tb\\n")
        >>> store.read_blob("table", "k1"), store.read_blob("table", "k2")
        ('a\\tb\\n', None)
        """
        path = self.blob_path(namespace)
        if path is None:
            return None
        try:
            raw = _read_regular(path, _MAX_BYTES)[1]
            head, _, body = raw.partition(b"\n")
            stored_key, _, mac = head.decode("ascii").partition(" ")
            if stored_key != key:
                return None
            if not hmac.compare_digest(mac, self._seal_bytes(namespace, key, body)):
                return None
            return body.decode("utf-8")  # strict: the bytes sealed are this text's UTF-8
        except (OSError, ValueError):  # missing, unreadable, not a regular file, too large
            return None

    def write_blob(self, namespace: str, key: str, text: str) -> None:
        """Store ``text`` (a large table) whole in its own file, with ``key`` and the MAC of
        both (:meth:`seal`), replacing what it held; never raises. A table read by every run
        that needs it is cheaper as one text than as many JSON values."""
        from outreach.files import atomic_write_bytes

        path = self.blob_path(namespace)
        if path is None or not key.isascii() or len(key.split()) != 1:
            return  # the key is the first line's first word
        data = f"{key} {self.seal(namespace, key, text)}\n{text}".encode()
        if len(data) <= _MAX_BYTES:
            with contextlib.suppress(OSError, ValueError):
                atomic_write_bytes(path, data, mode=0o600, durable=False)

    def preload(self, *namespaces: str) -> None:
        """Read ``namespaces`` now (before worker processes are forked, to share them)."""
        for namespace in namespaces:
            for file in self.files(namespace):
                self._load(file)

    def save(self) -> None:
        """Write what changed, atomically, mode 0600; never raises (a cache that cannot be
        written only makes the next run slower). Past its limit of entries or of bytes
        (:data:`_MAX_BYTES`: no file is written that a run would not read), a file keeps
        only what this run used; if that is still too large, nothing."""
        from outreach.files import atomic_write_bytes

        for file in sorted(self.dirty):
            path = self.path(file)
            values = self.namespaces.get(file, {})
            if path is None:
                continue
            namespace = file.partition(".")[0]
            limit = _LIMITS.get(namespace, _MAX_ENTRIES) // _SHARDS.get(namespace, 1)
            if len(values) > limit:
                values = self._used(namespace, values)
            with contextlib.suppress(OSError, ValueError, TypeError):
                data = _document(values)
                if len(data) > _MAX_BYTES:
                    data = _document(self._used(namespace, values))
                if len(data) > _MAX_BYTES:
                    data = _document({})
                atomic_write_bytes(path, data, mode=0o600, durable=False)
        self.dirty.clear()

    def _used(self, namespace: str, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if (namespace, k) in self.used}


def _plausible(raw: bytes) -> bool:
    """Whether a cache file of this size could be one :func:`_document` wrote, judged before
    it is parsed: a file of many tiny values (``[[],[],...]``, ``{"a":"","b":"",...}``) costs
    20 to 30 times its size once parsed, where a real one costs a few times. Every value a
    cache writes is a key (64 characters), a MAC (32) and a text, under one list: the
    densest real files (language detections, links) hold a string in 32 to 46 bytes and a
    list in 64 to 136, so more than one string in 24 bytes or one list or object in 48 is
    not one of them (then at most about 4 times its size once parsed). A file under 64 KiB
    is not looked at (a crafted one costs at most about 2 MB once parsed; a run reads at
    most 16 files of a namespace, :data:`_SHARDS`, and a real file with two values or more
    passes).

    Strings are told from what lies outside them by byte operations, not a regular
    expression: with every escaped backslash and then every escaped quote taken out, the
    quotes left are the strings' delimiters, and the even pieces between them what is
    outside strings (:func:`_json_shape`; 2-3 times faster than a string pattern over a
    1.6 MB file of findings, measured 13-25 ms against 45-58 ms).

    >>> _plausible(b'{"a":' + b"[]," * 500_000 + b"[]}")
    False
    >>> _plausible(_document({f"{n:064}": ["m" * 32, "[]"] for n in range(20_000)}))
    True
    """
    if len(raw) < 1 << 16:
        return True
    strings, outside = _json_shape(raw)
    if strings * 24 > len(raw):
        return False
    containers = outside.count(b"[") + outside.count(b"{")
    return containers * 48 <= len(raw)


def _json_shape(raw: bytes) -> tuple[int, bytes]:
    """How many strings the JSON text ``raw`` holds, and its bytes outside them.

    In JSON a backslash only occurs in a string, where it begins a two-character escape: in
    a run of backslashes they pair from the left, as :meth:`bytes.replace` takes them, and
    a quote after an odd run is escaped. A text that is not JSON fails to parse at its
    first error; up to there, this counts what the parser would have made.

    >>> text = json.dumps({"a" + chr(92): ['b"]', "[c]"], "d": {}}, separators=(",", ":"))
    >>> _json_shape(text.encode())
    (4, b'{:[,],:{}}')
    """
    bare = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    pieces = bare.split(b'"')
    return (len(pieces) - 1) // 2, b"".join(pieces[::2])


#: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, the same text, with one
#: encoder: ``dumps`` with arguments makes an encoder a call (5.0 -> 1.7 us for the empty
#: list most entries store, ``timeit``; 9,000 values a catalog of bench_check.py's)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _document(values: dict[str, Any]) -> bytes:
    """A cache file's bytes: the schema and ``values``."""
    document = {"schema": _SCHEMA, "values": values}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


def check_fingerprint(campaign: Campaign, sources: Sources | None = None) -> str:
    """What an entry's findings depend on besides the entry: outreach's code and what it
    runs on (:func:`_code_digest`), campaign.toml as the campaign was read from it, and the
    source strings (the templates'). Cache keys of checked values include it."""
    digest = hashlib.sha256(_code_digest())
    digest.update(f"{sources.origin}\0{sources.digest}".encode() if sources else b"-")
    if sources is None and campaign.template_paths():  # templates that gave no sources
        digest.update(b"\0unread templates")  # (their msgids are no message keys)
    if campaign.config_digest:
        digest.update(campaign.config_digest.encode("ascii"))
    else:  # a Campaign made by hand
        try:
            digest.update(campaign.read(campaign.config_path))
        except (OSError, InputError):
            digest.update(b"-")
    return digest.hexdigest()


#: Modules whose distributions the checks and rendering run on: a new release of any of
#: them (twitter-text's TLD list, Babel's plural rules, ...) may change a finding.
_DEPENDENCIES = ("babel", "jinja2", "markupsafe", "twitter_text", "regex", "langdetect")


def code_fingerprint() -> str:
    """What any kept value depends on besides its own inputs: outreach's code and package
    data, its libraries' and Python's versions (:func:`_code_digest`), as hex."""
    return _code_digest().hex()


@functools.cache
def _code_digest() -> bytes:
    """outreach's code and what it runs on, read once a process (none of it changes under a
    running outreach): every file of outreach's package -- its modules (the checks reach
    into the platforms' rules, the TLD lists, the campaign's settings and more, and a list
    of the modules that matter would one day miss one) and its data (the default layouts
    rendering falls back on) --, the installed distributions beside its dependencies (their
    ``.dist-info`` names carry their versions), and Python's version with its Unicode
    database. Measured: about 4 ms (1.2 MB read in one directory walk)."""
    import sys
    import unicodedata
    from importlib.util import find_spec

    from outreach._version import __version__
    from outreach.detect import langdetect_version  # the detections' key says it too

    versions = (__version__, langdetect_version(), sys.version, unicodedata.unidata_version)
    digest = hashlib.sha256("\0".join(versions).encode())
    sites = set()
    for name in _DEPENDENCIES:
        spec = find_spec(name)
        if spec is not None and spec.origin:
            sites.add(os.path.dirname(os.path.dirname(spec.origin)))
    for site in sorted(sites):
        with contextlib.suppress(OSError):
            found = sorted(n for n in os.listdir(site) if n.endswith(".dist-info"))
            digest.update("\0".join(found).encode("utf-8", "surrogatepass"))
    _digest_tree(digest, os.path.dirname(__file__), "")
    return digest.digest()


def _digest_tree(digest: Any, directory: str, relative: str) -> None:
    """Add every file below ``directory`` (its path from the top and its bytes, in sorted
    order; no ``__pycache__``, no compiled ``.pyc``) to ``digest``."""
    with os.scandir(directory) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        name = f"{relative}{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                _digest_tree(digest, entry.path, name + "/")
            continue
        if entry.name.endswith(".pyc"):
            continue
        try:
            with open(entry.path, "rb") as stream:
                data = stream.read()
        except OSError:
            data = None
        size = "-" if data is None else str(len(data))  # no two trees give the same bytes
        digest.update(f"{name}\0{size}\0".encode("utf-8", "surrogatepass"))
        digest.update(data or b"")
