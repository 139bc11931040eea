"""The email in a real browser (Debian's chromium, driven by Playwright, as in
``test_preview_browser.py``): right to left without the attributes of ``<html>``, and a
layout 600 px wide that shrinks on a phone.

Gmail webmail is widely reported to drop the attributes of ``<html>`` (and ``<body>``); the
layout repeats ``lang`` and ``dir`` inside, so an Arabic email must still read right to
left with them gone. Without chromium or Playwright the tests are skipped (failed in CI).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_example, edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.preview.pages import local_images
from outreach.render import Renderer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CONTENT = ("td.content", "h1", "p", "a.button", "table.button", "td.footer", "p.address")


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing (CI must install it: see .ci/run)")
        pytest.skip("Debian's chromium is missing (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context()
        requests: list[str] = []

        def route(r: Any) -> None:  # an email preview reaches nothing remote
            requests.append(r.request.url)
            r.abort()

        context.route("http*://**/*", route)
        yield context.new_page()
        browser.close()
        assert requests == []


@pytest.fixture(scope="module")
def arabic_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    campaign = copy_example(tmp_path_factory.mktemp("browser") / "love")
    code, _, err = run_cli(campaign, "add-locale", "ar")
    assert code == 0, err
    edit_po(
        po_path(campaign, "ar"),
        {
            "Love always wins. Watch the film.": "الحب ينتصر دائمًا. شاهدوا الفيلم.",
            "Watch the film": "شاهدوا الفيلم",
        },
    )
    mail = Renderer(load_campaign(campaign)).render_email("share", "ar")
    assert mail.direction == "rtl"
    # the film still is remote: shown as the preview shows it, a local placeholder
    html, remote = local_images(mail.html)
    assert remote == 1
    return html


def strip_html_attributes(html: str) -> str:
    """``html`` with ``lang`` and ``dir`` removed from ``<html>``, as Gmail does."""
    stripped, count = re.subn(r'(<html[^>]*?) lang="[^"]*" dir="[^"]*"', r"\1", html, count=1)
    assert count == 1
    return stripped


def directions(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            """selectors => selectors.map(s => {
                const e = document.querySelector(s);
                return [s, e ? getComputedStyle(e).direction : "missing"];
            })""",
            list(CONTENT),
        )
    )


def test_arabic_reads_right_to_left_without_html_attributes(
    page: Any, arabic_html: str, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 800, "height": 900})
    page.set_content(strip_html_attributes(arabic_html))
    assert page.evaluate("[document.documentElement.dir, document.documentElement.lang]") == [
        "",
        "",
    ]
    assert directions(page) == dict.fromkeys(CONTENT, "rtl")
    # the heading's text hugs the right edge of the content, not the left
    edges = page.evaluate(
        """() => {
            const cell = document.querySelector("td.content").getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(document.querySelector("h1"));
            const text = range.getBoundingClientRect();
            return [cell.right - text.right, text.left - cell.left];
        }"""
    )
    assert edges[0] < edges[1], edges
    shot = page.screenshot(path=str(tmp_path / "arabic.png"), full_page=True)
    assert len(shot) > 1000


def test_without_the_repeated_attributes_it_would_not(page: Any, arabic_html: str) -> None:
    """The control: with every ``dir`` gone the same page reads left to right, so the test
    above does measure the repeated attributes."""
    page.set_content(re.sub(r' dir="rtl"', "", arabic_html))
    assert set(directions(page).values()) == {"ltr"}


@pytest.mark.parametrize(("width", "card"), [(1280, 600), (375, 351)])
def test_600_wide_and_fluid_on_a_phone(page: Any, arabic_html: str, width: int, card: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.set_content(arabic_html)
    measured, scroll = page.evaluate(
        """() => [document.querySelector("table.card").getBoundingClientRect().width,
                  document.documentElement.scrollWidth]"""
    )
    assert measured == card
    assert scroll <= width
