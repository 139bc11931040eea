"""Golden files: one email and one post per locale of the example campaign.

Regenerate with ``OUTREACH_UPDATE_GOLDEN=1 pytest tests/test_render_golden.py`` and review
the diff: every change to a template, a translation or the layout shows up here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from outreach.campaign import load_campaign
from outreach.render import Renderer

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "render"
UPDATE = os.environ.get("OUTREACH_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    target = tmp_path_factory.mktemp("golden") / "love"
    shutil.copytree(ROOT / "messages", target / "messages")
    shutil.copytree(ROOT / "locales", target / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return Renderer(load_campaign(target))


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with OUTREACH_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{path} differs"


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt"])
def test_email_golden(renderer: Renderer, locale: str) -> None:
    mail = renderer.render_email("share", locale)
    document = {k: v for k, v in mail.to_json().items() if k != "html"}
    check_golden(
        f"share.{locale}.email.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    )
    check_golden(f"share.{locale}.email.html", mail.html)


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt"])
def test_post_golden(renderer: Renderer, locale: str) -> None:
    post = renderer.render_post("petition", locale, "x")
    check_golden(
        f"petition.{locale}.x.json", json.dumps(post.to_json(), ensure_ascii=False, indent=2) + "\n"
    )
