"""Where messages go when they are not sent: an mbox, or one ``.eml`` a supporter.

Both are complete or absent. The mbox is written to a temporary file beside it and renamed
into place at the end (:func:`outreach.files.atomic_writer`); the directory is filled under
a temporary name beside it and renamed into place, so a run that fails leaves neither half
a mailbox nor half a directory. Neither follows a symbolic link.

An mbox holds each message after a ``From `` line, with LF line ends (as
:class:`mailbox.mbox` writes them). No body line starts with ``From ``: the encoder writes
``=46rom`` (quoted-printable for the same text), as the message maker does for a message
rendered in full, so nothing is mangled with ``>`` and every message reads back exactly.

>>> import pathlib, tempfile, mailbox
>>> path = pathlib.Path(tempfile.mkdtemp()) / "out.mbox"
>>> with MboxWriter(path, sender="love@example.org") as box:
...     box.write(b"Subject: Hi\\n\\n=46rom me\\n", "ana@example.net", 2)
>>> [m["Subject"] for m in mailbox.mbox(path)], mailbox.mbox(path)[0].get_payload()
(['Hi'], '=46rom me\\n')
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from outreach.errors import UnsafePathError, UsageError
from outreach.files import atomic_writer

if TYPE_CHECKING:
    from outreach.merge.skeleton import Outgoing

__all__ = ["DirectoryWriter", "MboxWriter", "PartWriter", "Writer"]


#: An mbox's write buffer: a message (10 KB) passes the default 8 KB and would cost a
#: system call (or two) of its own; with 1 MiB it is a copy, half the time.
_BUFFER = 1 << 20


class Writer:
    """``write(message, recipient, line)`` for each message, inside ``with``."""

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None

    def write(self, data: bytes, recipient: str, line: int) -> None:
        raise NotImplementedError

    def write_message(self, outgoing: Outgoing, date: bytes) -> None:
        """Write ``outgoing`` with the ``Date`` line ``date``."""
        self.write(outgoing.data(date), outgoing.recipient, outgoing.line)


class MboxWriter(Writer):
    def __init__(self, path: str | os.PathLike[str], *, sender: str) -> None:
        self.path = Path(path)
        self.sender = sender or "MAILER-DAEMON"
        self._context: contextlib.AbstractContextManager[BinaryIO] | None = None
        self._stream: BinaryIO | None = None
        self._second = -1
        self._from = b""

    def _open(self) -> contextlib.AbstractContextManager[BinaryIO]:
        """The stream the messages go to: the mbox, written atomically."""
        return atomic_writer(self.path, buffering=_BUFFER)

    def __enter__(self) -> MboxWriter:
        self._context = self._open()
        self._stream = self._context.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._context is not None
        self._context.__exit__(kind, error, trace)

    def _stamp(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            stamp = time.asctime(time.gmtime(now))
            self._from = f"From {self.sender} {stamp}\n".encode("ascii", "replace")
            self._second = now
        return self._from

    def write(self, data: bytes, recipient: str, line: int) -> None:
        """``data`` with LF line ends and no body line starting ``From `` (what
        :class:`~outreach.merge.skeleton.MessageMaker` builds with ``newline=b"\\n"``)."""
        assert self._stream is not None
        self._stream.writelines((self._stamp(), data, b"\n"))

    def write_message(self, outgoing: Outgoing, date: bytes) -> None:
        """As :meth:`write`, from the message's pieces (not joined first: a copy less)."""
        assert self._stream is not None
        self._stream.writelines((self._stamp(), outgoing.head, date, *outgoing.tail, b"\n"))

    def append(self, parts: Sequence[Path]) -> None:
        """Copy ``--jobs`` workers' parts (mbox text already) to the end of this mbox, in
        the kernel where it can (``copy_file_range``)."""
        assert self._stream is not None
        self._stream.flush()
        target = self._stream.fileno()
        for part in parts:
            with open(part, "rb") as source:
                left = os.fstat(source.fileno()).st_size
                try:
                    while left > 0:
                        copied = os.copy_file_range(source.fileno(), target, left)
                        if copied == 0:
                            break
                        left -= copied
                except (AttributeError, OSError):  # not Linux, or not between these files
                    pass
                if left:
                    source.seek(os.fstat(source.fileno()).st_size - left)
                    shutil.copyfileobj(source, self._stream, 1 << 20)
                    self._stream.flush()


class DirectoryWriter(Writer):
    """``DIR/<line>.eml`` for each supporter: the CSV line of their row, zero-padded (no
    index of addresses: an address may start with ``=``, which a spreadsheet would run).
    ``DIR`` must not exist yet or be empty."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(os.path.abspath(path))
        self._temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")

    def __enter__(self) -> DirectoryWriter:
        if self.path.is_symlink():
            raise UnsafePathError(
                "is a symbolic link: outreach writes nothing through one", path=self.path
            )
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise UsageError(
                f"{self.path} exists and is not an empty directory: pick a new --out-dir"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self._temporary, ignore_errors=True)
        self._temporary.mkdir()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            return
        if self.path.exists():
            self.path.rmdir()  # empty, checked on entry
        os.replace(self._temporary, self.path)

    def write(self, data: bytes, recipient: str, line: int) -> None:
        with open(self._temporary / f"{line:07d}.eml", "xb") as stream:
            stream.write(data)

    def part(self) -> DirectoryWriter:
        """A writer into the same temporary directory, for a ``--jobs`` worker (file names
        are line numbers: the workers never write the same one)."""
        worker = DirectoryWriter.__new__(DirectoryWriter)
        worker.path, worker._temporary = self.path, self._temporary
        return worker


class PartWriter(MboxWriter):
    """A ``--jobs`` worker's share of an mbox: the same bytes as :class:`MboxWriter`, in a
    plain file of its own that the parent appends to the real one."""

    def _open(self) -> contextlib.AbstractContextManager[BinaryIO]:
        return open(self.path, "xb", buffering=_BUFFER)  # closed by MboxWriter.__exit__
