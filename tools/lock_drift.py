"""Print how the running environment differs from the lock (``make test-latest`` shows it).

    python tools/lock_drift.py requirements/lock.txt
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.utils import canonicalize_name

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def main(lock: str) -> int:
    pins = {canonicalize_name(m[1]): m[2] for m in _PIN.finditer(Path(lock).read_text("utf-8"))}
    changed = []
    for name, locked in sorted(pins.items()):
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # a platform-only dependency (colorama on Windows)
        if installed != locked:
            changed.append(f"  {name}: {locked} (lock) -> {installed}")
    if changed:
        print(f"differs from {lock}:", *changed, sep="\n")
    else:
        print(f"every dependency is at its locked version ({lock})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
