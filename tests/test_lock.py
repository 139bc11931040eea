"""requirements/lock.txt and pyproject.toml agree: a fresh machine gets what the tests ran with.

The lock pins every dependency, direct and transitive, for every platform, with hashes; the
Makefile installs it with ``pip --require-hashes`` and builds outreach with the locked
build backend. ``make lock`` rewrites it after pyproject.toml changes.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+?)(?:\s*;\s*(?P<marker>[^\\\n]+?))?"
    r"\s*\\\n(?P<hashes>(?:\s+--hash=sha256:[0-9a-f]{64}\s*\\?\n?)+)",
    re.M,
)


def _pins() -> dict[str, tuple[str, int]]:
    """``name -> (version, number of hashes)`` for every pinned package."""
    text = LOCK.read_text(encoding="utf-8")
    pins = {}
    for match in _ENTRY.finditer(text):
        name = canonicalize_name(match.group("name"))
        pins[name] = (match.group("version"), match.group("hashes").count("--hash="))
    return pins


def _count(entries: list[re.Match[str]], match: re.Match[str]) -> int:
    """How many lock lines pin the package of ``match``."""
    name = canonicalize_name(match.group("name"))
    return sum(canonicalize_name(m.group("name")) == name for m in entries)


def _requirements() -> list[tuple[str, Requirement]]:
    """Every requirement pyproject.toml makes, with where it comes from."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = [("dependencies", Requirement(r)) for r in project["project"]["dependencies"]]
    for extra, requirements in project["project"].get("optional-dependencies", {}).items():
        found += [(f"[{extra}]", Requirement(r)) for r in requirements]
    found += [("build-system", Requirement(r)) for r in project["build-system"]["requires"]]
    build = ROOT / "requirements" / "build.in"
    for line in build.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            found.append(("requirements/build.in", Requirement(line)))
    return found


def test_every_pinned_package_is_exact_and_hashed() -> None:
    pins = _pins()
    assert len(pins) >= 30
    text = LOCK.read_text(encoding="utf-8")
    pinned_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    # One line per version: uv splits a package by environment marker when its newest
    # release needs a newer Python than 3.11.0 (soupsieve, through wagtail's beautifulsoup4).
    entries = list(_ENTRY.finditer(text))
    assert len(pinned_lines) == len(entries), "every line must be name==version with hashes"
    assert all(match.group("marker") for match in entries if _count(entries, match) > 1)
    assert all(count >= 1 for _, count in pins.values())
    assert "#    make lock" in text  # how to refresh it


@pytest.mark.parametrize(("where", "requirement"), _requirements(), ids=lambda r: str(r))
def test_pyproject_requirements_are_locked_at_versions_they_allow(
    where: str, requirement: Requirement
) -> None:
    pins = _pins()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement} ({where}) is not in {LOCK.name}: run make lock"
    version, _ = pins[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"{LOCK.name} pins {name}=={version}, which {requirement} ({where}) does not allow: "
        "run make lock"
    )


def test_the_lock_holds_nothing_pyproject_does_not_lead_to() -> None:
    """Each pinned package is required by pyproject.toml or, says the lock's own
    ``# via`` note, by another pinned package (uv writes it)."""
    text = LOCK.read_text(encoding="utf-8")
    pins = _pins()
    direct = {canonicalize_name(r.name) for _, r in _requirements()}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    for block in blocks:
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", block)
        if not match:
            continue
        name = canonicalize_name(match.group(1))
        via = {
            canonicalize_name(v.strip())
            for v in re.findall(r"#\s+(?:via\s+)?([A-Za-z0-9][A-Za-z0-9._-]*)", block)
        }
        assert name in direct or via & set(pins), f"{name} is locked but nothing needs it"
