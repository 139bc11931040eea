"""Print how the running environment differs from the locks (``make test-latest`` shows it).

    python tools/lock_drift.py requirements/runtime.txt requirements/test.txt ...

Every lock pins the same version of a package it shares with another (``make lock`` resolves
them together), so a package is compared once, at the version the locks agree on.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.utils import canonicalize_name

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def main(locks: list[str]) -> int:
    pins: dict[str, str] = {}
    for lock in locks:
        text = Path(lock).read_text("utf-8")
        pins.update((canonicalize_name(m[1]), m[2]) for m in _PIN.finditer(text))
    changed = []
    for name, locked in sorted(pins.items()):
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # a platform-only dependency (colorama on Windows)
        if installed != locked:
            changed.append(f"  {name}: {locked} (lock) -> {installed}")
    where = " ".join(locks)
    if changed:
        print(f"differs from {where}:", *changed, sep="\n")
    else:
        print(f"every dependency is at its locked version ({where})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
