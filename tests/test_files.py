"""outreach.files: reading inside the campaign refuses what is not a regular file.

Holds the untrusted-input tests of the file helpers (files a pull request can add).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from outreach.errors import UnsafePathError
from outreach.files import read_inside


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_read_inside_refuses_a_fifo_and_a_directory(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    with pytest.raises(UnsafePathError, match="is a FIFO"):
        read_inside(tmp_path, tmp_path / "fifo")
    with pytest.raises(UnsafePathError, match="is a directory"):
        read_inside(tmp_path, tmp_path / "dir")


def test_tree_digest_never_opens_a_fifo(tmp_path: Path) -> None:
    """A FIFO a pull request adds to messages/ is hashed by its kind: reading it would wait
    for ever (render's kept outputs and merge's kept skeletons are keyed by this digest)."""
    import threading

    from outreach.files import tree_digest

    (tmp_path / "a.j2").write_text("hi", encoding="utf-8")
    before = tree_digest({"messages": tmp_path})
    os.mkfifo(tmp_path / "pipe")
    found: list[str] = []
    worker = threading.Thread(target=lambda: found.append(tree_digest({"messages": tmp_path})))
    worker.daemon = True
    worker.start()
    worker.join(10)
    assert found and found[0] != before
