"""Golden files: one email and one post per locale of the example campaign.

Regenerate with ``OUTREACH_UPDATE_GOLDEN=1 pytest tests/test_render_golden.py`` and review
the diff: every change to a template, a translation or the layout shows up here.
"""

from __future__ import annotations

import json

import pytest
from conftest import Golden, copy_example

from outreach.campaign import load_campaign
from outreach.render import Renderer


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer(load_campaign(copy_example(tmp_path_factory.mktemp("golden") / "love")))


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt"])
def test_email_golden(renderer: Renderer, golden: Golden, locale: str) -> None:
    mail = renderer.render_email("share", locale)
    document = {k: v for k, v in mail.to_json().items() if k != "html"}
    golden(
        f"render/share.{locale}.email.json",
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
    )
    golden(f"render/share.{locale}.email.html", mail.html)


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt"])
def test_post_golden(renderer: Renderer, golden: Golden, locale: str) -> None:
    post = renderer.render_post("petition", locale, "x")
    golden(
        f"render/petition.{locale}.x.json",
        json.dumps(post.to_json(), ensure_ascii=False, indent=2) + "\n",
    )
