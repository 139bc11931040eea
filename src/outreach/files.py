"""Files: written atomically (complete or absent, never half-written), and never through a
symbolic link.

A pull request can add a symbolic link as easily as a catalog: ``messages.po`` pointing at a
token file, ``messages.mo`` at a file outside the campaign, a directory of ``out/`` at
``/etc``. Inside a campaign or an output directory, outreach reads and writes no path that
goes through a link (:func:`read_inside`, :func:`atomic_writer` with ``inside``), and a link
where a file should be is an :class:`~outreach.errors.UnsafePathError`.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_writer(root / "out" / "a.txt", inside=root) as stream:
...     _ = stream.write(b"hello")
>>> read_inside(root, root / "out" / "a.txt")
b'hello'
>>> (root / "link.txt").symlink_to(root / "out" / "a.txt")
>>> read_inside(root, root / "link.txt")
Traceback (most recent call last):
...
outreach.errors.UnsafePathError: ...link.txt: is a symbolic link: outreach reads and writes no ...
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from outreach.errors import UnsafePathError

__all__ = [
    "MAX_TRACKED",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "ensure_inside",
    "json_document",
    "read_inside",
    "tracked_files",
    "tree_digest",
    "watching_reads",
]

_LINK = "is a symbolic link: outreach reads and writes no file through a link"


def _parts(root: Path, path: Path) -> tuple[str, ...]:
    """The components of ``path`` below ``root``, or an error if it is not below it."""
    try:
        relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        raise UnsafePathError(f"is outside {root}", path=path) from None
    if any(part in ("", ".", "..") for part in relative.parts):
        raise UnsafePathError(f"is outside {root}", path=path)
    return relative.parts


def ensure_inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """``path``, after checking that it lies below ``root`` and that neither it nor any
    directory between them is a symbolic link (missing parts are fine: nothing to follow).

    Raises :class:`~outreach.errors.UnsafePathError` otherwise.
    """
    base, target = Path(root), Path(path)
    current = base
    for part in _parts(base, target):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break
        if stat.S_ISLNK(mode):
            raise UnsafePathError(_LINK, path=current)
    return target


#: The readers :func:`watching_reads` installed: each is told of every read through
#: :func:`read_inside` (the root, the path, the limit, and the bytes or the error).
_WATCHERS: list[Callable[[str, str, int, bytes | Exception], None]] = []


@contextlib.contextmanager
def watching_reads(
    watcher: Callable[[str, str, int, bytes | Exception], None],
) -> Iterator[None]:
    """Within the block, call ``watcher(root, path, limit, bytes or error)`` for each file
    read through :func:`read_inside` (the one way outreach reads a campaign's files): how
    :mod:`outreach.recall` learns what a command's output depends on.

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.txt").write_bytes(b"hi")
    >>> seen = []
    >>> with watching_reads(lambda *read: seen.append(read[2:])):
    ...     _ = read_inside(root, root / "a.txt")
    ...     try:
    ...         read_inside(root, root / "b.txt")
    ...     except FileNotFoundError:
    ...         pass
    >>> seen[0], type(seen[1][1]).__name__
    ((-1, b'hi'), 'FileNotFoundError')
    """
    _WATCHERS.append(watcher)
    try:
        yield
    finally:
        _WATCHERS.remove(watcher)


def tree_digest(folders: Mapping[str, str | os.PathLike[str]], *, strict: bool = False) -> str:
    """SHA-256 of every entry below each of ``folders`` (by the name it is given), in a fixed
    order: its path, its kind, and a regular file's bytes. A symbolic link counts by its
    target, never followed; a FIFO or a device by its kind, never opened (a pull request can
    add one, and reading it would never end). A folder that cannot be listed counts by its
    error, or with ``strict`` raises it (:class:`OSError`): one with search permission but
    no read permission (``chmod 311``) hides files that still open by name, so a digest
    without them does not change when they do.

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.j2").write_text("hi")
    >>> first = tree_digest({"messages": root})
    >>> _ = (root / "a.j2").write_text("hi!")
    >>> first == tree_digest({"messages": root}), first == tree_digest({"other": root})
    (False, False)
    """
    digest = hashlib.sha256()

    def walk(directory: str, relative: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as error:
            if strict:
                raise
            digest.update(f"unlistable\0{relative}\0{error.errno}\n".encode())
            return
        for entry in entries:
            name = f"{relative}/{entry.name}"
            encoded = name.encode("utf-8", "surrogateescape")
            folder = False
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    target = os.readlink(entry.path).encode("utf-8", "surrogateescape")
                    digest.update(b"link\0" + encoded + b"\0" + target + b"\n")
                elif stat.S_ISDIR(mode):
                    digest.update(b"dir\0" + encoded + b"\n")
                    folder = True
                elif stat.S_ISREG(mode):
                    digest.update(b"file\0" + encoded + b"\0" + _file_digest(entry.path) + b"\n")
                else:  # a FIFO or a device: never opened
                    digest.update(f"other\0{mode:o}\0".encode() + encoded + b"\n")
            except OSError as error:
                digest.update(b"unreadable\0" + encoded + f"\0{error.errno}\n".encode())
            if folder:  # outside the ``try``: with ``strict``, its listing's error is raised
                walk(entry.path, name)

    for tree, top in folders.items():
        try:
            mode = os.lstat(top).st_mode
        except OSError as error:
            digest.update(f"absent\0{tree}\0{error.errno}\n".encode())
            continue
        if stat.S_ISDIR(mode):
            digest.update(f"tree\0{tree}\n".encode())
            walk(os.fspath(top), tree)
        else:
            digest.update(f"not-a-directory\0{tree}\0{mode:o}\n".encode())
    return digest.hexdigest()


def _file_digest(path: str) -> bytes:
    """The SHA-256 of a regular file's bytes, opened without following a link or blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b"not-regular"
        return hashlib.file_digest(stream, "sha256").digest()


#: The ``root`` under which :func:`note_zone` reports a time zone's rules to the watchers.
ZONE_ROOT = "<zoneinfo>"  # not an absolute path: no file read under a root is one
_ZONE_LIMIT = 1 << 20  # a compiled zone file is a few KB


def zone_rules(name: str) -> bytes:
    """The compiled rules of the IANA time zone ``name`` as :mod:`zoneinfo` reads them: the
    file of that name on the first directory of ``zoneinfo.TZPATH`` that has one, else the
    ``tzdata`` package's. Raises :class:`FileNotFoundError` when there is none (or the name
    is not a zone's). A date formatted in the zone depends on these bytes, which a system
    update can change: what is cached from such a date is keyed by them.

    >>> zone_rules("Europe/Madrid")[:4]
    b'TZif'
    >>> zone_rules("../etc/passwd")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no time zone called '../etc/passwd'
    """
    import zoneinfo

    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise FileNotFoundError(f"no time zone called {name!r}")
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, *parts)
        if os.path.isfile(path):
            with open(path, "rb") as stream:
                return stream.read(_ZONE_LIMIT)
    try:
        from importlib import resources

        return resources.files("tzdata.zoneinfo").joinpath(*parts).read_bytes()
    except (ImportError, OSError, ValueError):
        raise FileNotFoundError(f"no time zone called {name!r}") from None


def note_zone(name: str) -> None:
    """Tell the watchers of :func:`watching_reads` that the time zone ``name``'s rules were
    used (as a read of ``name`` under :data:`ZONE_ROOT`)."""
    if not _WATCHERS:
        return
    try:
        result: bytes | Exception = zone_rules(name)
    except OSError as error:
        result = error
    for watcher in list(_WATCHERS):
        watcher(ZONE_ROOT, name, -1, result)


def read_inside(
    root: str | os.PathLike[str], path: str | os.PathLike[str], *, limit: int = -1
) -> bytes:
    """The bytes of ``path``, a file below ``root``, read without following any symbolic
    link on the way (race-free where the system has ``openat``); with ``limit``, at most
    that many bytes plus one (more than ``limit`` came back: the file is too big, and no
    more of it was read).

    Raises :class:`FileNotFoundError` if it does not exist and
    :class:`~outreach.errors.UnsafePathError` for a link, a path outside ``root``, or
    anything but a regular file: a FIFO (a pull request can add one as easily as a file)
    would block the read forever, a device would never end. The file is opened without
    blocking and checked before a byte is read.
    """
    if not _WATCHERS:
        return _read_inside(root, path, limit)
    where = (os.path.abspath(root), os.path.abspath(path))
    try:
        data = _read_inside(root, path, limit)
    except (OSError, UnsafePathError) as error:
        for watcher in list(_WATCHERS):
            watcher(*where, limit, error)
        raise
    for watcher in list(_WATCHERS):
        watcher(*where, limit, data)
    return data


def _read_inside(root: str | os.PathLike[str], path: str | os.PathLike[str], limit: int) -> bytes:
    base, target = Path(root), Path(path)
    parts = _parts(base, target)
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    nonblock = getattr(os, "O_NONBLOCK", 0)
    if os.open not in os.supports_dir_fd or not nofollow:
        ensure_inside(base, target)
        fd = os.open(target, os.O_RDONLY | nonblock | getattr(os, "O_BINARY", 0))
        try:
            _require_regular(fd, target)
        except BaseException:
            os.close(fd)
            raise
        with os.fdopen(fd, "rb") as stream:
            return stream.read(limit + 1 if limit >= 0 else -1)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    directory = os.open(base, flags | getattr(os, "O_DIRECTORY", 0))
    try:
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            here = flags | nofollow | (nonblock if last else getattr(os, "O_DIRECTORY", 0))
            try:
                fd = os.open(part, here, dir_fd=directory)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(directory, part):
                    raise UnsafePathError(_LINK, path=base.joinpath(*parts[: index + 1])) from None
                raise
            os.close(directory)
            directory = fd
        _require_regular(directory, target)
        with os.fdopen(directory, "rb") as stream:
            directory = -1
            return stream.read(limit + 1 if limit >= 0 else -1)
    finally:
        if directory >= 0:
            os.close(directory)


def _require_regular(fd: int, path: Path) -> None:
    """Refuse what is not a regular file: reading a FIFO blocks until someone writes to it,
    a directory or a device is no input file."""
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a directory" if stat.S_ISDIR(mode) else None
        what = f"is {kind}, not a regular file" if kind else "is not a regular file"
        raise UnsafePathError(f"{what}: outreach reads only regular files", path=path)


def _is_link(directory: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=directory).st_mode)
    except OSError:
        return False


def _make_parents(root: Path, target: Path) -> None:
    """Create the directories between ``root`` and ``target``, refusing links."""
    current = root
    for part in _parts(root, target)[:-1]:
        current = current / part
        with contextlib.suppress(FileExistsError):
            current.mkdir()
        mode = os.lstat(current).st_mode
        if stat.S_ISLNK(mode):
            raise UnsafePathError(_LINK, path=current)
        if not stat.S_ISDIR(mode):
            raise UnsafePathError("is not a directory", path=current)


@contextlib.contextmanager
def atomic_writer(
    path: str | os.PathLike[str],
    *,
    inside: str | os.PathLike[str] | None = None,
    buffering: int = -1,
    mode: int | None = None,
    durable: bool = True,
) -> Iterator[BinaryIO]:
    """Yield a binary stream that replaces ``path`` only if the block finishes (with a
    buffer of ``buffering`` bytes, as :func:`open`'s).

    The data goes to a temporary file in the same directory, is flushed to disk (unless
    ``durable`` is false: derived data, such as the check cache, that a crash may leave
    empty or torn and that is then rebuilt; about 5 ms a file saved), and is renamed over
    ``path``; on any exception the temporary file is removed and ``path`` is
    left as it was. A new file gets the mode ``open()`` would give it (0666 less the
    umask); a replaced file keeps its mode. With ``mode`` (the check cache's 0600) the file
    has exactly that mode, from its creation on (never wider in between), whatever the
    umask or the file it replaces. The write never goes through a symbolic link:
    a link at ``path`` is replaced by the file, not followed; with ``inside`` (the campaign
    or an output directory) ``path`` must lie below it, and a link there, at ``path`` or on
    the way, is an :class:`~outreach.errors.UnsafePathError`.
    """
    target = Path(os.path.abspath(path))
    if inside is not None:
        root = Path(os.path.abspath(inside))
        root.mkdir(parents=True, exist_ok=True)
        _make_parents(root, target)
        ensure_inside(root, target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _create_temporary(target, 0o666 if mode is None else mode & 0o666)
    try:
        with os.fdopen(fd, "wb", buffering=buffering) as stream:
            yield stream
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        else:
            with contextlib.suppress(OSError):
                old = os.lstat(target)
                if stat.S_ISREG(old.st_mode):
                    os.chmod(tmp_name, old.st_mode & 0o7777)
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


def _create_temporary(target: Path, mode: int = 0o666) -> tuple[int, str]:
    """A new, empty ``.<name>.<random>.tmp`` beside ``target``: ``(fd, path)``.

    Created with mode 0666 (by default) so that the kernel applies the umask (and any
    default ACL) as for any new file -- unlike ``tempfile.mkstemp``'s 0600, and without
    changing the process umask to read it.
    """
    for _ in range(100):
        name = os.path.join(target.parent, f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, _TEMPORARY_FLAGS, mode), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


def atomic_write_bytes(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    inside: str | os.PathLike[str] | None = None,
    mode: int | None = None,
    durable: bool = True,
) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path, inside=inside, mode=mode, durable=durable) as stream:
        stream.write(data)


def atomic_write_text(
    path: str | os.PathLike[str], text: str, *, inside: str | os.PathLike[str] | None = None
) -> None:
    """Write ``text`` as UTF-8 (with ``\\n`` line ends) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), inside=inside)


def json_document(document: object) -> bytes:
    """``document`` as an output file holds it: indented UTF-8 JSON ending in a newline.

    >>> json_document({"text": "Signez vite !"}).decode("utf-8").splitlines()
    ['{', '  "text": "Signez vite !"', '}']
    """
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


#: The most bytes of ``git ls-files`` output :func:`tracked_files` reads (a campaign lists a
#: few kilobytes; a monorepo's listing is cut there, never read whole into memory).
MAX_TRACKED = 16 * 1024 * 1024


def tracked_files(root: str | os.PathLike[str], *, timeout: float = 10.0) -> list[Path]:
    """The files git tracks (or has staged) below ``root``, relative to it; ``[]`` when
    ``root`` is in no git work tree, git is not installed or does not answer within
    ``timeout`` seconds. The listing is read up to :data:`MAX_TRACKED` bytes.

    >>> import pathlib, tempfile
    >>> tracked_files(pathlib.Path(tempfile.mkdtemp()))
    []
    """
    import shutil
    import subprocess
    import threading

    git = shutil.which("git")
    if git is None:
        return []
    command = [git, "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--", "."]
    try:
        process = subprocess.Popen(
            command,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except OSError:
        return []
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        out = process.stdout.read(MAX_TRACKED)
        cut = bool(process.stdout.read(1))
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
        process.communicate()
    if process.returncode != 0 and not cut:
        return []
    names = out.split(b"\0")
    if cut:
        names = names[:-1]  # the last name may be cut short
    return [Path(os.fsdecode(name)) for name in names if name]
