"""Writing the site: a whole new directory swapped in, or, while serving, the changed files.

:func:`replace_directory` builds the site in a temporary directory beside the target and
swaps it in (``renameat2(RENAME_EXCHANGE)`` on Linux, so the old site stays whole until the
new one takes its place; two renames elsewhere); a failed build leaves the target as it was.
:func:`sync_directory` writes only the files whose bytes changed, each atomically, and
removes the files the site no longer has. Neither follows a symbolic link out of the output.

>>> import pathlib, tempfile
>>> out = pathlib.Path(tempfile.mkdtemp()) / "preview"
>>> replace_directory(out, {"index.html": b"<!DOCTYPE html>", ".outreach-preview": b"x"})
>>> sorted(p.name for p in out.iterdir())
['.outreach-preview', 'index.html']
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from outreach.errors import UsageError

__all__ = ["check_output_dir", "replace_directory", "sync_directory"]

_MARKER = ".outreach-preview"


def check_output_dir(out: Path, campaign_root: Path) -> None:
    """Refuse an output directory that a build would wrongly replace: a symbolic link, a
    file, the campaign itself or a directory holding it, its ``messages/`` or ``locales/``,
    or an existing directory with other content than a preview."""
    if out.is_symlink():
        raise UsageError(f"{out} is a symbolic link: give the directory itself as --out")
    target = out.resolve()
    root = campaign_root.resolve()
    if target == root or root.is_relative_to(target):
        raise UsageError(f"{out} holds the campaign itself: choose another --out")
    for part in ("messages", "locales"):
        if target.is_relative_to(root / part):
            raise UsageError(f"{out} is inside the campaign's {part}/: choose another --out")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out} exists and is not a directory")
        if any(out.iterdir()) and not (out / _MARKER).is_file():
            raise UsageError(
                f"{out} exists and is not an outreach preview (it has no {_MARKER} file): "
                "remove it or choose another --out"
            )


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    for relative in sorted(files):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as stream:
            stream.write(files[relative])


def _umask() -> int:
    # Read without changing it for the process: /proc where it exists, else the usual 022.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def replace_directory(out: Path, files: Mapping[str, bytes]) -> None:
    """Make ``out`` a directory holding exactly ``files`` (relative path -> bytes)."""
    out = Path(os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
    try:
        os.chmod(new, 0o777 & ~_umask())
        _write_tree(new, files)
        if out.exists():
            if _exchange(new, out):
                shutil.rmtree(new)  # now the old site
                return
            old = out.parent / f".{out.name}.{secrets.token_hex(4)}.old"
            os.rename(out, old)
            try:
                os.rename(new, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(new, out)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


def sync_directory(
    out: Path, files: Mapping[str, bytes], previous: Mapping[str, bytes]
) -> list[str]:
    """Bring ``out`` (which holds ``previous``) to ``files``: write each file whose bytes
    changed (to a temporary file, then renamed over it), remove those gone. Returns the
    paths written or removed, sorted."""
    root = out.resolve()
    touched: list[str] = []
    for relative in sorted(files):
        data = files[relative]
        if previous.get(relative) == data:
            continue
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.parent.resolve().is_relative_to(root):
            raise UsageError(f"{path.parent} leads out of {out} (a symbolic link?)")
        temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            with open(temporary, "xb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        touched.append(relative)
    for relative in sorted(set(previous) - set(files)):
        path = out / relative
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        touched.append(relative)
        parent = path.parent
        while parent != out and parent.is_relative_to(out):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
    return sorted(touched)
