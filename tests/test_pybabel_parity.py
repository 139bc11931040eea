"""``pybabel extract`` with the documented mapping and ``outreach extract`` agree.

The documented way (babel.cfg at the campaign root)::

    pybabel extract -F babel.cfg -c TRANSLATORS: -o OUT .

Both must find the same msgids, in the same order, with the same contexts, plural ids,
locations, extracted comments and flags. pybabel's compiled catalogs must also agree with
outreach's on every translation both include.
"""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import edit_po, po_path, run_cli

from outreach.pofile import read_catalog

PYBABEL = Path(sys.executable).parent / "pybabel"
pytestmark = pytest.mark.skipif(
    not PYBABEL.exists() and shutil.which("pybabel") is None, reason="pybabel is not installed"
)


def _pybabel(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = str(PYBABEL) if PYBABEL.exists() else "pybabel"
    return subprocess.run([command, *args], cwd=cwd, capture_output=True, text=True, check=True)


def _entries(path: Path) -> list[tuple[Any, ...]]:
    catalog = read_catalog(path.read_bytes(), path=str(path))
    return [
        (
            m.context,
            m.id,
            tuple(m.locations),
            tuple(m.auto_comments),
            frozenset(m.flags),
        )
        for m in catalog
        if m.id
    ]


def _extract_both(campaign: Path) -> tuple[Path, Path]:
    assert (campaign / "babel.cfg").is_file()
    out = campaign.parent / "pybabel.pot"
    _pybabel("extract", "-F", "babel.cfg", "-c", "TRANSLATORS:", "-o", str(out), ".", cwd=campaign)
    code, _, err = run_cli(campaign, "extract")
    assert code == 0, err
    return campaign / "locales/messages.pot", out


def test_mini_campaign_extracts_the_same(campaign: Path) -> None:
    ours, theirs = _extract_both(campaign)
    mine = _entries(ours)
    assert mine == _entries(theirs)
    assert len(mine) == 12
    kinds = {type(e[1]) for e in mine}
    assert kinds == {str, tuple}  # plurals too
    assert {e[0] for e in mine} == {None, "subject", "preheader"}


def test_subdirectories_and_ignored_directories(campaign: Path) -> None:
    # pybabel visits a directory's files before its subdirectories and skips
    # directories that start with "_" or "."; outreach does the same
    messages = campaign / "messages"
    (messages / "a_first").mkdir()
    (messages / "a_first" / "x.j2").write_text('{{ _("In a_first") }}\n')
    (messages / "zz.j2").write_text('{{ _("At the top, last by name") }}\n')
    (messages / "_drafts").mkdir()
    (messages / "_drafts" / "draft.j2").write_text('{{ _("A draft") }}\n')
    (messages / ".hidden").mkdir()
    (messages / ".hidden" / "h.j2").write_text('{{ _("Hidden") }}\n')
    (messages / "notes.txt").write_text('{{ _("Not a template") }}\n')
    ours, theirs = _extract_both(campaign)
    mine = _entries(ours)
    assert mine == _entries(theirs)
    ids = [e[1] for e in mine]
    assert ids.index("At the top, last by name") < ids.index("In a_first")
    assert "A draft" not in ids
    assert "Hidden" not in ids
    assert "Not a template" not in ids


def test_the_example_skeleton_extracts_the_same(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    assert run_cli(None, "init", str(target))[0] == 0
    ours, theirs = _extract_both(target)
    assert _entries(ours) == _entries(theirs)


def test_pybabel_reads_what_outreach_writes(campaign: Path) -> None:
    ours, _ = _extract_both(campaign)
    assert run_cli(campaign, "update")[0] == 0
    edit_po(
        po_path(campaign, "es"),
        {
            "Watch the film": "Mira la película",
            ("subject", "Sign the petition"): "Firma la petición",
            "One person has signed.": (
                "Una persona ha firmado.",
                "%(count)s personas han firmado.",
            ),
        },
    )
    # pybabel update against outreach's POT keeps every translation
    _pybabel("update", "-i", str(ours), "-d", "locales", "-D", "messages", "-l", "es", cwd=campaign)
    catalog = read_catalog(po_path(campaign, "es").read_bytes(), path="es.po")
    assert catalog.get("Watch the film").string == "Mira la película"

    # pybabel compile and outreach compile give the same translations
    _pybabel("compile", "-d", "locales", "-D", "messages", "-l", "es", cwd=campaign)
    mo = po_path(campaign, "es").with_suffix(".mo")
    with mo.open("rb") as stream:
        theirs = dict(gettext.GNUTranslations(stream)._catalog)  # type: ignore[attr-defined]
    mo.unlink()
    assert run_cli(campaign, "compile", "--locale", "es")[0] == 0
    with mo.open("rb") as stream:
        mine = dict(gettext.GNUTranslations(stream)._catalog)  # type: ignore[attr-defined]
    theirs.pop("")
    mine.pop("")
    assert mine == {key: theirs[key] for key in mine}
    # pybabel also writes untranslated plurals, with the source text as translation;
    # outreach leaves them out, so gettext gives the same source text
    for key, value in theirs.items():
        if key not in mine:
            assert isinstance(key, tuple)
            ids = ("%(num)d friend has shared it.", "%(num)d friends have shared it.")
            assert key[0] == ids[0]
            assert value == ids[min(key[1], 1)]
    assert mine[("One person has signed.", 1)] == "%(count)s personas han firmado."
    assert mine["subject\x04Sign the petition"] == "Firma la petición"
