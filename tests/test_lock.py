"""requirements/*.txt and pyproject.toml agree: a fresh machine gets what the tests ran with.

There is one lock per purpose, each a whole environment: ``runtime.txt`` (what ``outreach``
needs, and the build backend for the editable install: ``make demo`` installs it alone),
``test.txt``, ``docs.txt`` and ``corpus.txt`` (the runtime set plus the extras the Makefile's
``LOCKS_EXTRAS_*`` lines name). Each pins every dependency, direct and transitive, for every
platform, with hashes; ``make lock`` resolves everything once and writes every lock at those
versions, so a package two locks share has one version and they install into one venv.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
LOCKS = ROOT / "requirements"
_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+?)(?:\s*;\s*(?P<marker>[^\\\n]+?))?"
    r"\s*\\\n(?P<hashes>(?:\s+--hash=sha256:[0-9a-f]{64}\s*\\?\n?)+)",
    re.M,
)


def _purposes() -> dict[str, tuple[str, ...]]:
    """``purpose -> the extras its lock adds to the runtime set``, as the Makefile says."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = dict(re.findall(r"^LOCKS_EXTRAS_(\w+)\s*:=\s*(.*)$", makefile, re.M))
    purposes = re.search(r"^PURPOSES\s*:=\s*(.*)$", makefile, re.M)
    assert purposes, "the Makefile names the purposes"
    assert set(purposes.group(1).split()) == set(found)
    return {"runtime": (), **{p: tuple(extras.split()) for p, extras in found.items()}}


PURPOSES = _purposes()


def _entries(purpose: str) -> list[re.Match[str]]:
    return list(_ENTRY.finditer((LOCKS / f"{purpose}.txt").read_text(encoding="utf-8")))


def _pins(purpose: str) -> dict[str, set[str]]:
    """``name -> its versions`` (more than one only under environment markers)."""
    pins: dict[str, set[str]] = {}
    for match in _entries(purpose):
        pins.setdefault(canonicalize_name(match.group("name")), set()).add(match.group("version"))
    return pins


def _requirements(purpose: str) -> list[tuple[str, Requirement]]:
    """Every requirement pyproject.toml makes for ``purpose``, with where it comes from."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = [("dependencies", Requirement(r)) for r in project["project"]["dependencies"]]
    for extra in PURPOSES[purpose]:
        found += [
            (f"[{extra}]", Requirement(r))
            for r in project["project"]["optional-dependencies"][extra]
        ]
    found += [("build-system", Requirement(r)) for r in project["build-system"]["requires"]]
    build = LOCKS / "build.in"
    for line in build.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            found.append(("requirements/build.in", Requirement(line)))
    return found


def test_every_extra_has_a_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    locked = {extra for extras in PURPOSES.values() for extra in extras}
    assert set(project["project"]["optional-dependencies"]) == locked
    assert not (LOCKS / "lock.txt").exists()


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_pinned_package_is_exact_and_hashed(purpose: str) -> None:
    text = (LOCKS / f"{purpose}.txt").read_text(encoding="utf-8")
    pinned_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    entries = _entries(purpose)
    assert len(entries) >= 20
    assert len(pinned_lines) == len(entries), "every line must be name==version with hashes"
    # One line per version: uv splits a package by environment marker when its newest
    # release needs a newer Python than 3.11.0 (sphinx, docutils, soupsieve).
    names = [canonicalize_name(m.group("name")) for m in entries]
    assert all(m.group("marker") for m, n in zip(entries, names, strict=True) if names.count(n) > 1)
    assert "#    make lock" in text  # how to refresh it


def test_the_locks_agree_on_every_version() -> None:
    seen: dict[tuple[str, str | None], tuple[str, str]] = {}
    for purpose in PURPOSES:
        for match in _entries(purpose):
            key = (canonicalize_name(match.group("name")), match.group("marker"))
            version = match.group("version")
            other = seen.setdefault(key, (purpose, version))
            assert other[1] == version, f"{key[0]}: {other} but {purpose}.txt pins {version}"


def test_the_runtime_lock_is_only_what_outreach_runs_on() -> None:
    """``make demo`` installs runtime.txt alone: none of the QA corpus, the benchmarks'
    baselines, the test tools, the browser driver or the docs generator."""
    runtime = set(_pins("runtime"))
    others = set().union(*(_pins(p) for p in PURPOSES if p != "runtime"))
    heavy = {"django", "wagtail", "wagtail-localize", "plone-app-locales", "translate-toolkit"}
    heavy |= {"mailmerge", "playwright", "pytest", "mypy", "sphinx", "polib"}
    assert heavy <= others
    assert not runtime & heavy
    for purpose in PURPOSES:
        assert runtime <= set(_pins(purpose)), f"{purpose}.txt is a whole environment"


@pytest.mark.parametrize(
    ("purpose", "where", "requirement"),
    [(p, w, r) for p in PURPOSES for w, r in _requirements(p)],
    ids=lambda r: str(r),
)
def test_pyproject_requirements_are_locked_at_versions_they_allow(
    purpose: str, where: str, requirement: Requirement
) -> None:
    pins = _pins(purpose)
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement} ({where}) is not in {purpose}.txt: run make lock"
    for version in pins[name]:
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{purpose}.txt pins {name}=={version}, which {requirement} ({where}) does not "
            "allow: run make lock"
        )


@pytest.mark.parametrize("purpose", PURPOSES)
def test_the_lock_holds_nothing_its_purpose_does_not_lead_to(purpose: str) -> None:
    """Each pinned package is required for the purpose by pyproject.toml or, says the lock's
    own ``# via`` note, by another pinned package (uv writes it)."""
    text = (LOCKS / f"{purpose}.txt").read_text(encoding="utf-8")
    pins = _pins(purpose)
    direct = {canonicalize_name(r.name) for _, r in _requirements(purpose)}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", block)
        if not match:
            continue
        name = canonicalize_name(match.group(1))
        via = {
            canonicalize_name(v.strip())
            for v in re.findall(r"#\s+(?:via\s+)?([A-Za-z0-9][A-Za-z0-9._-]*)", block)
        }
        assert name in direct or via & set(pins), f"{name} is in {purpose}.txt but nothing needs it"
