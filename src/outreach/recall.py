"""A command's output recalled from the check cache: one post or one email without Jinja2,
Babel or twitter-text.

``outreach render share -l es -c x`` spends most of its time importing and setting up what
renders (measured in benchmarks/README.md, issue 23): Jinja2, Babel, twitter-text's URL
pattern. When nothing the output depends on has changed, the output is the same, so
``render`` keeps what it printed -- standard output and standard error, in the order they
were written, and the exit code -- in the authenticated cache (:mod:`outreach.cache`,
namespace ``rendered``: keys and values MAC'd with the machine's secret, so a value no one
sealed with it is a miss) and prints it again.

The key is everything the output depends on (:meth:`OutputMemo.open`):

* the command and its options, and the campaign directory as given and as resolved, and
  the working directory;
* every file of ``messages/`` and ``locales/`` (templates, campaign.toml, catalogs,
  compiled or not: their names, kinds and bytes; a file added or removed changes it too;
  with a folder of them that cannot be listed, nothing is kept);
* outreach's code and package data (its default layouts), the libraries' versions and
  Python's (:func:`outreach.cache.code_fingerprint`);
* the environment variables that can reach it (``OUTREACH_*``, the locale's ``LANG``,
  ``LANGUAGE`` and ``LC_*``, ``TZ``, ``NO_COLOR``, ``PYTHONIOENCODING``, ``PYTHONUTF8``,
  ``TERM``), and the output streams' encodings and whether they are terminals.

Any other file the first run read through :func:`outreach.files.read_inside` (an inlined
image, for instance) is recorded beside the output with the digest of what was read (or
the error): the output is recalled only if each reads the same again. Rendering reads no
clock (``--format eml``, whose ``Date:`` is now, is never kept), and ``--out`` (files
written) and ``--supporters`` are never kept either. Only an exit code of 0 or 1 is kept:
an error that stopped the command (exit 2) may not be one next time.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "messages").mkdir(), (root / "messages" / "a.j2").write_text("hi")
>>> first = _tree_digest(root)
>>> _ = (root / "messages" / "a.j2").write_text("hi!")
>>> first == _tree_digest(root)
False
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from outreach.cache import CheckCache, code_fingerprint
from outreach.errors import UnsafePathError
from outreach.files import ZONE_ROOT, read_inside, tree_digest, watching_reads, zone_rules

__all__ = ["NAMESPACE", "TREES", "OutputMemo"]

#: The cache namespace of kept outputs (``<campaign>.rendered.json``).
NAMESPACE = "rendered"
_SCHEMA = 1
#: The campaign's directories whose every file is part of the key.
TREES = ("messages", "locales")
_ENV_NAMES = frozenset(
    (
        "LANG",
        "LANGUAGE",
        "TZ",
        "PYTHONTZPATH",
        "NO_COLOR",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "TERM",
    )
)
_ENV_PREFIXES = ("OUTREACH_", "LC_")
_STDOUT, _STDERR = 1, 2


def _tree_digest(root: Path) -> str:
    """The digest of ``root``'s :data:`TREES` (:func:`outreach.files.tree_digest`);
    :class:`OSError` for a folder of them that cannot be listed (its files could be read,
    their bytes could not be part of the key: nothing is kept)."""
    return tree_digest({tree: root / tree for tree in TREES}, strict=True)


def _environment() -> tuple[tuple[str, str], ...]:
    """The environment variables an output may depend on, and the output streams' encodings
    and whether they are terminals (click strips colours from what is not one)."""
    found = tuple(
        sorted(
            (k, v) for k, v in os.environ.items() if k in _ENV_NAMES or k.startswith(_ENV_PREFIXES)
        )
    )
    streams = tuple(
        (
            f"stream{number}",
            f"{getattr(s, 'encoding', None)}\0{getattr(s, 'errors', None)}\0{_isatty(s)}",
        )
        for number, s in ((_STDOUT, sys.stdout), (_STDERR, sys.stderr))
    )
    return found + streams + (("utf8_mode", str(sys.flags.utf8_mode)),)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _outcome(result: bytes | Exception) -> str:
    """What a read gave, as kept: the bytes' digest, or the kind of error."""
    if isinstance(result, bytes):
        return "sha256:" + hashlib.sha256(result).hexdigest()
    if isinstance(result, FileNotFoundError):
        return "missing"
    return f"error:{type(result).__name__}:{result}"


def _read_again(root: str, path: str, limit: int) -> str:
    try:
        if root == ZONE_ROOT:  # a time zone's rules (a system update changes them)
            return _outcome(zone_rules(path))
        return _outcome(read_inside(root, path, limit=limit))
    except (OSError, UnsafePathError) as error:
        return _outcome(error)


class _Tee:
    """A text stream that records what is written to it (``(number, text)`` in ``chunks``)
    and passes it on. It has no ``buffer``, so click writes text to it, never around it."""

    def __init__(self, stream: TextIO, number: int, chunks: list[list[Any]]) -> None:
        self._stream, self._number, self._chunks = stream, number, chunks
        self.encoding = getattr(stream, "encoding", None)
        self.errors = getattr(stream, "errors", None)

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("text only")  # how click tells a text stream from a binary one
        written = self._stream.write(text)
        self._chunks.append([self._number, text])
        return written

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return _isatty(self._stream)

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False


@dataclass
class OutputMemo:
    """One command's kept output: :meth:`open` makes the key, :meth:`replay` prints a kept
    output, :meth:`recording` keeps what the command prints.

    >>> import tempfile
    >>> campaign, cache = Path(tempfile.mkdtemp()), tempfile.mkdtemp()
    >>> _ = (campaign / "messages").mkdir()
    >>> memo = OutputMemo.open(str(campaign), ("demo", 1), root=cache)
    >>> memo.replay()
    False
    >>> with memo.recording():
    ...     print("hello")
    hello
    >>> OutputMemo.open(str(campaign), ("demo", 1), root=cache).replay()
    hello
    True
    >>> OutputMemo.open(str(campaign), ("demo", 2), root=cache).replay()
    False
    """

    cache: CheckCache
    key: str | None
    #: the campaign's resolved directory
    campaign: str = ""
    #: the digest of its :data:`TREES` the key holds (hashed again before keeping)
    tree: str = ""
    #: the campaign directory as given (it must still lead to :attr:`campaign`)
    given: str = ""

    @classmethod
    def open(
        cls,
        campaign_dir: str,
        command: Sequence[object],
        *,
        root: str | os.PathLike[str] | None = None,
    ) -> OutputMemo:
        """The memo of ``command`` (a tuple of strings, numbers, ``None`` and tuples: the
        command's name and every option) run on the campaign in ``campaign_dir``, in the
        cache under ``root`` (default :func:`outreach.cache.cache_root`)."""
        resolved = os.path.realpath(campaign_dir)
        cache = CheckCache.open(root, resolved)
        if not cache.enabled:
            return cls(cache, None, resolved)
        try:
            tree = _tree_digest(Path(resolved))
            key = cache.key(
                NAMESPACE,
                _SCHEMA,
                tuple(command),
                campaign_dir,
                resolved,
                os.getcwd(),
                tree,
                code_fingerprint(),
                _environment(),
            )
        except OSError:  # no working directory, say: the command runs, nothing is kept
            return cls(cache, None, resolved)
        return cls(cache, key, resolved, tree, campaign_dir)

    def replay(self) -> bool:
        """Print the kept output, if there is one whose other reads read the same again;
        then exit with its code (1), or return ``True`` (0). ``False``: nothing kept."""
        if self.key is None:
            return False
        kept = self.cache.get(NAMESPACE, self.key)
        if not _well_formed(kept):
            return False
        for root, path, limit, outcome in kept["reads"]:
            if _read_again(root, path, limit) != outcome:
                return False
        import click

        for number, text in kept["output"]:
            click.echo(text, nl=False, err=number == _STDERR)
        if kept["code"]:
            sys.exit(kept["code"])
        return True

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Run the block with its output recorded as well as printed, and the campaign files
        it reads outside :data:`TREES` noted; keep them when it ends with exit code 0 or 1
        (a :class:`SystemExit`, or no exception)."""
        if self.key is None:
            yield
            return
        output: list[list[Any]] = []
        reads: dict[tuple[str, str, int], str] = {}
        hashed = tuple(os.path.realpath(os.path.join(self.campaign, t)) for t in TREES)

        def watch(root: str, path: str, limit: int, result: bytes | Exception) -> None:
            real = os.path.realpath(path)
            if os.path.realpath(root) == self.campaign and any(
                real.startswith(tree + os.sep) for tree in hashed
            ):
                return  # its bytes are in the key already
            reads.setdefault((root, path, limit), _outcome(result))

        code: object = None
        out, err = sys.stdout, sys.stderr
        sys.stdout = _Tee(out, _STDOUT, output)
        sys.stderr = _Tee(err, _STDERR, output)
        try:
            with watching_reads(watch):
                yield
            code = 0
        except SystemExit as stop:
            code = 0 if stop.code is None else stop.code
            raise
        finally:
            sys.stdout, sys.stderr = out, err
            # a file saved while the command ran: what it printed may be of the new bytes,
            # the key is of the old ones (and the campaign directory must still be the same)
            try:
                unchanged = (
                    os.path.realpath(self.given) == self.campaign
                    and _tree_digest(Path(self.campaign)) == self.tree
                )
            except OSError:  # a folder unlisted meanwhile
                unchanged = False
            if code in (0, 1) and unchanged:
                value = {
                    "output": output,
                    "code": code,
                    "reads": [[*where, outcome] for where, outcome in sorted(reads.items())],
                }
                self.cache.put(NAMESPACE, self.key, value)
                self.cache.save()


def _well_formed(kept: Any) -> bool:
    """Whether a kept value has the shape :meth:`OutputMemo.recording` writes."""
    if not (isinstance(kept, dict) and isinstance(kept.get("code"), int)):
        return False
    output, reads = kept.get("output"), kept.get("reads")
    if not (isinstance(output, list) and isinstance(reads, list)):
        return False
    return all(
        isinstance(c, list) and len(c) == 2 and c[0] in (_STDOUT, _STDERR) and isinstance(c[1], str)
        for c in output
    ) and all(
        isinstance(r, list)
        and len(r) == 4
        and isinstance(r[0], str)
        and isinstance(r[1], str)
        and isinstance(r[2], int)
        and isinstance(r[3], str)
        for r in reads
    )
