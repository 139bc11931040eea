"""Atomic file writing: an output is complete or absent, never half-written.

>>> import pathlib, tempfile
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_writer(target) as stream:
...     _ = stream.write(b"hello")
>>> target.read_bytes()
b'hello'
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_writer", "json_document"]


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary stream that replaces ``path`` only if the block finishes.

    The data goes to a temporary file in the same directory, is flushed to disk, and is
    renamed over ``path``; on any exception the temporary file is removed and ``path`` is
    left as it was. A new file gets the mode ``open()`` would give it (0666 less the
    umask); a replaced file keeps its mode. If ``path`` is a symbolic link, the file it
    points to is replaced, in that file's directory, and the link stays a link.
    """
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp_name, target.stat().st_mode & 0o7777)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


_TEMPORARY_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _create_temporary(target: Path) -> tuple[int, str]:
    """A new, empty ``.<name>.<random>.tmp`` beside ``target``: ``(fd, path)``.

    Created with mode 0666 so that the kernel applies the umask (and any default ACL) as
    for any new file -- unlike ``tempfile.mkstemp``'s 0600, and without changing the
    process umask to read it.
    """
    for _ in range(100):
        name = os.path.join(target.parent, f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, _TEMPORARY_FLAGS, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path) as stream:
        stream.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` as UTF-8 (with ``\\n`` line ends) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def json_document(document: object) -> bytes:
    """``document`` as an output file holds it: indented UTF-8 JSON ending in a newline.

    >>> json_document({"text": "Signez vite !"}).decode("utf-8").splitlines()
    ['{', '  "text": "Signez vite !"', '}']
    """
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
