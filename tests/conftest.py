"""Shared fixtures: a small campaign on disk and a way to run the command line on it.

* ``campaign`` -- a fresh copy of ``tests/fixtures/mini`` (templates and campaign.toml, no
  catalogs yet) under ``tmp_path``; its path.
* ``extracted`` -- the same campaign after ``outreach extract``.
* ``example`` -- a fresh copy of the example campaign (#LoveAlwaysWins in en, es, fr, pt).
* ``run`` -- ``run(campaign_dir, "stats", "--format", "json")`` invokes ``outreach -C DIR ...``
  in-process with click's ``CliRunner`` and returns ``(exit_code, stdout, stderr)``.

Helpers for the tests (imported as ``from conftest import ...``): :func:`run_cli`,
:func:`po_path`, :func:`edit_po`, :func:`tree`, :func:`copy_example`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

# Property tests check behaviour, not speed (speed lives in benchmarks/): no deadline, so
# that the first example, which pays for lazy imports on a loaded CI machine, cannot fail.
settings.register_profile("outreach", deadline=None)
settings.load_profile("outreach")

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
REPOSITORY = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"

RunResult = tuple[int, str, str]


def run_cli(campaign_dir: Path | str | None, *args: str) -> RunResult:
    """``outreach [-C campaign_dir] args...`` in-process; ``(exit_code, stdout, stderr)``.

    Exceptions are not caught by the runner: a traceback would fail the test loudly instead
    of hiding behind exit code 1.
    """
    from outreach.cli import main

    argv = (["-C", str(campaign_dir)] if campaign_dir is not None else []) + list(args)
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def po_path(campaign_dir: Path, locale: str) -> Path:
    return campaign_dir / "locales" / locale / "LC_MESSAGES" / "messages.po"


def edit_po(path: Path, translations: dict[object, object]) -> None:
    """Fill translations the way a translator's editor would, through outreach's reader/writer.

    Keys are a msgid or ``(msgctxt, msgid)``; values a string, or a tuple for plural forms.
    Every key must exist in the catalog.
    """
    from outreach.pofile import read_catalog, write_catalog

    catalog = read_catalog(path.read_bytes(), path=str(path))
    for key, value in translations.items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        message = catalog.get(msgid, context=context)
        assert message is not None, f"no entry {key!r} in {path}"
        message.string = value
    path.write_bytes(write_catalog(catalog))


def tree(root: Path) -> set[str]:
    """Every file and directory under ``root``, relative, with ``/`` separators."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test's check cache lives in a directory of its own, never the user's."""
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A fresh copy of the mini campaign (templates + campaign.toml, no catalogs yet)."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def copy_example(target: Path) -> Path:
    """A copy of the example campaign (the repository root: #LoveAlwaysWins) at ``target``:
    its templates, settings and catalogs, without compiled or generated files."""
    shutil.copytree(REPOSITORY / "messages", target / "messages")
    shutil.copytree(
        REPOSITORY / "locales", target / "locales", ignore=shutil.ignore_patterns("*.mo")
    )
    shutil.copy(REPOSITORY / "babel.cfg", target / "babel.cfg")
    return target


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example campaign (en, es, fr, pt)."""
    return copy_example(tmp_path / "love")


@pytest.fixture
def extracted(campaign: Path) -> Path:
    """The mini campaign with ``locales/messages.pot`` extracted."""
    code, _, err = run_cli(campaign, "extract")
    assert code == 0, err
    return campaign


@pytest.fixture
def run() -> Iterator[Callable[..., RunResult]]:
    yield run_cli
