"""The check cache: findings per entry and language detections, that no file can forge.

``outreach check`` runs on every save (a pre-commit hook), so it remembers what it found:
each entry's findings, keyed by everything they depend on (the entry's text, flags and
plural formula, the locale, the campaign's settings and outreach's check code), and each
langdetect answer. Editing one string re-checks one string.

A cache is derived data, and derived data is never believed over its sources (DESIGN.md
section 6b). A pull request could add a cache claiming that a hijacked link is clean, so:

* the cache lives outside the campaign, in the user's cache directory (``$OUTREACH_CACHE_DIR``,
  else the platform's: ``~/.cache/outreach`` on Linux), one file per campaign;
* every key is an HMAC-SHA256 of its material under a secret of this machine
  (``secret`` in that directory, 32 random bytes, mode 0600): without the secret no one can
  write an entry that a lookup would find, and a file copied from elsewhere matches nothing;
* a cache that cannot be read, parsed or written is ignored (and rewritten): it only makes
  the run slower, never different.

>>> import tempfile
>>> store = CheckCache.open(tempfile.mkdtemp(), "campaign-id")
>>> key = store.key("entry", "es", "Watch the film", "Mira el corto")
>>> store.get("entries", key) is None
True
>>> store.put("entries", key, [["urls", "error", "link …"]])
>>> store.get("entries", key)
[['urls', 'error', 'link …']]
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CACHE_ENV", "CheckCache", "cache_root"]

CACHE_ENV = "OUTREACH_CACHE_DIR"
_SCHEMA = 2
_MAX_ENTRIES = 400_000


def cache_root() -> Path:
    """Where caches live: ``$OUTREACH_CACHE_DIR``, else the user's cache directory."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("outreach", appauthor=False))


def _secret(root: Path) -> bytes | None:
    """This machine's key, created on first use (``None`` when it cannot be)."""
    path = root / "secret"
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as stream:
                stream.write(secrets.token_bytes(32))
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            key = stream.read()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or len(key) < 32:
        return None
    return key


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass
class CheckCache:
    """One campaign's cache file; ``namespaces`` map HMAC keys to JSON values."""

    path: Path | None
    secret: bytes = b""
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)
    dirty: bool = False
    _loaded: bool = False

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
        return cls(base / f"{name}.json", secret)

    @classmethod
    def disabled(cls) -> CheckCache:
        """A cache that is never read nor written (``--no-cache``)."""
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def key(self, *parts: object) -> str:
        """The HMAC of ``parts`` (JSON-encoded) under this machine's secret."""
        material = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
        return hmac.new(
            self.secret, material.encode("utf-8", "surrogatepass"), hashlib.sha256
        ).hexdigest()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW)
            with os.fdopen(fd, "rb") as stream:
                data = json.loads(stream.read())
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            self.dirty = True  # unreadable or corrupt: start again and rewrite it
            return
        if isinstance(data, dict) and data.get("schema") == _SCHEMA:
            spaces = data.get("namespaces")
            if isinstance(spaces, dict):
                self.namespaces = {
                    name: value for name, value in spaces.items() if isinstance(value, dict)
                }
                return
        self.dirty = True

    def get(self, namespace: str, key: str) -> Any:
        """The value stored under ``key``, or ``None``."""
        if self.path is None:
            return None
        self._load()
        value = self.namespaces.get(namespace, {}).get(key)
        if value is not None:
            self.used.add((namespace, key))
        return value

    def put(self, namespace: str, key: str, value: Any) -> None:
        if self.path is None:
            return
        self._load()
        self.namespaces.setdefault(namespace, {})[key] = value
        self.used.add((namespace, key))
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically; never raises (a cache that cannot be written only
        makes the next run slower). Past its size limit, only what this run used is kept."""
        if self.path is None or not self.dirty:
            return
        from outreach.files import atomic_write_bytes

        spaces = self.namespaces
        if sum(len(v) for v in spaces.values()) > _MAX_ENTRIES:
            spaces = {
                name: {k: v for k, v in values.items() if (name, k) in self.used}
                for name, values in spaces.items()
            }
        document = {"schema": _SCHEMA, "namespaces": spaces}
        with contextlib.suppress(OSError, ValueError, TypeError):
            data = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
            atomic_write_bytes(self.path, data.encode("utf-8", "surrogatepass"))
            self.dirty = False
