"""Shared fixtures: a small campaign on disk and a way to run the command line on it.

Every test (and doctest) has a check cache of its own: tests/private_cache.py, a plugin.

* ``campaign`` -- a fresh copy of ``tests/fixtures/mini`` (templates and campaign.toml, no
  catalogs yet) under ``tmp_path``; its path.
* ``extracted`` -- the same campaign after ``outreach extract``.
* ``example`` -- a fresh copy of the example campaign (#LoveAlwaysWins in en, es, fr, pt).
* ``run`` -- ``run(campaign_dir, "stats", "--format", "json")`` invokes ``outreach -C DIR ...``
  in-process with click's ``CliRunner`` and returns ``(exit_code, stdout, stderr)``.
* ``golden`` -- ``golden("export/posts.csv", data, mask=[...])`` asserts that ``data`` (text
  or bytes) is ``tests/golden/export/posts.csv`` byte for byte once its volatile fields are
  masked (:func:`check_golden`); ``OUTREACH_UPDATE_GOLDEN=1 pytest ...`` rewrites the files
  instead, for review in the diff.

Helpers for the tests (imported as ``from conftest import ...``): :func:`run_cli`,
:func:`check_errors`, :func:`po_path`, :func:`edit_po`, :func:`rewrite`, :func:`tree`,
:func:`copy_example`, :func:`unlistable`; and msgids of the example campaign the tests translate
(:data:`SHARE_POST`, :data:`TWEET_ALONG_POST`, :data:`SIGNED`, :data:`SIGNED_PLURAL`,
:data:`WATCH`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, AnyStr, Protocol

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
UPDATE_GOLDEN = "OUTREACH_UPDATE_GOLDEN"  # =1: the golden tests rewrite their files
MASKED = "<masked>"

RunResult = tuple[int, str, str]

# msgids of the example campaign
SHARE_POST = (
    "Love always wins. Watch our two-minute film and share it with the people you love: "
    "%(url)s %(hashtag)s"
)
TWEET_ALONG_POST = (
    "The Olympic Charter rejects discrimination of any kind. %(handle)s, stand by your own "
    "charter in Sochi: %(url)s %(hashtag)s"
)
SIGNED = "One person has already signed. Will you be next?"  # the petition email's plural
SIGNED_PLURAL = "%(num)s people have already signed. Will you join them?"
WATCH = "Watch the film"


def run_cli(campaign_dir: Path | str | None, *args: str) -> RunResult:
    """``outreach [-C campaign_dir] args...`` in-process; ``(exit_code, stdout, stderr)``.

    Exceptions are not caught by the runner: a traceback would fail the test loudly instead
    of hiding behind exit code 1.
    """
    from outreach.cli import main

    argv = (["-C", str(campaign_dir)] if campaign_dir is not None else []) + list(args)
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def check_errors(campaign_dir: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    """``outreach check --no-cache --format json args...``: its exit code and its findings at
    error severity (exit code 1 exactly when there is one)."""
    code, out, _ = run_cli(campaign_dir, "check", "--no-cache", "--format", "json", *args)
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert (code == 1) == bool(errors), (code, errors)
    return code, errors


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


def rewrite(path: Path, old: str, new: str) -> None:
    """Replace ``old``, which the file at ``path`` holds exactly once, with ``new``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def unlistable(monkeypatch: pytest.MonkeyPatch, folder: Path | str) -> None:
    """Make ``folder`` a folder with search but no read permission (``chmod 311``) for the
    rest of the test: its files open by name, but ``os.scandir`` and ``os.listdir`` of it
    raise ``PermissionError``. Simulated, because the tests may run as root, whom no
    permission stops."""
    hidden = os.path.abspath(folder)
    scandir, listdir = os.scandir, os.listdir

    def refused(path: Any) -> None:
        if not isinstance(path, int) and os.path.abspath(os.fspath(path)) == hidden:
            raise PermissionError(13, "Permission denied", os.fspath(path))

    def unlisted_scandir(path: Any = ".") -> Any:
        refused(path)
        return scandir(path)

    def unlisted_listdir(path: Any = ".") -> Any:
        refused(path)
        return listdir(path)

    monkeypatch.setattr(os, "scandir", unlisted_scandir)
    monkeypatch.setattr(os, "listdir", unlisted_listdir)


def tree(root: Path) -> set[str]:
    """Every file and directory under ``root``, relative, with ``/`` separators."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


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
    shutil.copytree(REPOSITORY / "suppress", target / "suppress")  # [merge] suppress's lists
    shutil.copytree(REPOSITORY / "images", target / "images")  # [messages.share] image_file
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


def check_golden(name: str, actual: AnyStr, *, mask: Iterable[str] = ()) -> AnyStr:
    """Assert that ``actual`` is the golden file ``tests/golden/<name>`` byte for byte (text is
    UTF-8) once masked, and return it masked; with ``OUTREACH_UPDATE_GOLDEN=1`` in the
    environment, (re)write the file first.

    ``mask`` holds regular expressions (multi-line mode) for the volatile fields, such as a
    time stamp: in every match, the first group (the whole match if there is none) becomes
    ``<masked>``, in ``actual`` and so in the file.
    """
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    for pattern in mask:
        data = re.compile(pattern.encode("utf-8"), re.MULTILINE).sub(_masked, data)
    path = GOLDEN / name
    if os.environ.get(UPDATE_GOLDEN) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"missing golden file {path}; run with {UPDATE_GOLDEN}=1"
    if isinstance(actual, str):  # compared as text: pytest shows a readable diff
        text = data.decode("utf-8")
        assert text == path.read_bytes().decode("utf-8"), f"{path} differs"
        return text  # type: ignore[return-value]
    assert data == path.read_bytes(), f"{path} differs"
    return data  # type: ignore[return-value]


def _masked(match: re.Match[bytes]) -> bytes:
    group = 1 if match.re.groups else 0
    start, end = match.start(group) - match.start(), match.end(group) - match.start()
    whole = match.group(0)
    return whole[:start] + MASKED.encode() + whole[end:]


class Golden(Protocol):
    """The ``golden`` fixture's type: :func:`check_golden`."""

    def __call__(self, name: str, actual: AnyStr, *, mask: Iterable[str] = ()) -> AnyStr: ...


@pytest.fixture
def golden() -> Golden:
    """:func:`check_golden`: ``golden(name, actual, mask=[pattern, ...])``."""
    return check_golden
