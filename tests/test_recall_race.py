"""Regressions from an attack on the caches: ``render``'s key is made before the run reads its
files.

Each test failed while its finding stood; each passes since the fix its docstring names.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SHARE_POST, edit_po, po_path, run_cli

import outreach.render

POST = ("render", "share", "-l", "es", "-c", "x")


def test_attack_a_file_changed_while_render_runs_is_recalled_under_the_old_key(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a finding (wrong output): the key digests messages/ and locales/ BEFORE the
    render reads them; a catalog saved while ``render`` runs (an editor's save, a ``git
    checkout``, a translation tool syncing) is rendered and kept under the OLD bytes' key.
    Put the old bytes back and ``render`` replays the new text: not what a fresh run prints.
    Fixed: the trees are digested again when the run ends, and nothing is kept if they changed."""
    catalog = po_path(example, "es")
    original = catalog.read_bytes()
    real = outreach.render.Renderer.__init__
    edits: list[int] = []

    def saved_meanwhile(self: outreach.render.Renderer, *args: object, **kw: object) -> None:
        if not edits:  # the translator's save lands after the key was made
            edits.append(1)
            edit_po(catalog, {SHARE_POST: "Texto NUEVO. %(url)s %(hashtag)s"})
        real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(outreach.render.Renderer, "__init__", saved_meanwhile)
    during = run_cli(example, *POST)
    catalog.write_bytes(original)  # the save is undone
    warm = os.environ["OUTREACH_CACHE_DIR"]
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path / "cold"))
    fresh = run_cli(example, *POST)
    monkeypatch.setenv("OUTREACH_CACHE_DIR", warm)
    assert "NUEVO" not in fresh[1], fresh
    assert "NUEVO" in during[1], during
    assert run_cli(example, *POST) == fresh
