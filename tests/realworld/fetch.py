"""Fetch the real-world corpus's wheels from PyPI into the cache (``make corpus``).

```sh
.venv/bin/python tests/realworld/fetch.py              # both halves
.venv/bin/python tests/realworld/fetch.py dev          # the half CI checks
```

Each wheel is checked against the sha256 in ``manifest.toml``; nothing is installed. The cache
is ``$OUTREACH_REALWORLD_CACHE`` or ``~/.cache/outreach/realworld``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from realworld import corpus as C


def main(argv: list[str]) -> int:
    halves = tuple(argv) or C.HALVES
    unknown = [h for h in halves if h not in C.HALVES]
    if unknown:
        print(f"unknown half {unknown[0]!r}: use {' or '.join(C.HALVES)}", file=sys.stderr)
        return 2
    try:
        paths = C.fetch(halves=halves)
    except OSError as error:
        print(f"fetch failed: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
