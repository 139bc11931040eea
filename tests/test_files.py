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
