"""The preview in a real browser: Debian's chromium, driven by Playwright.

Playwright cannot download its own browser here, so the tests launch ``/usr/bin/chromium``
(``tools/install-chromium`` installs it, as root; ``.ci/run`` does). axe-core comes from npm
(``package.json``/``package-lock.json``, ``npm ci``: ``make test`` runs it). Without them the
tests are skipped on a developer's machine and fail in CI (``CI`` set).

Every page is watched: a console error, an uncaught exception, a dialog (``alert`` from an
attack that ran) or a request that is not ``file://`` or to 127.0.0.1 fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPOSITORY, SHARE_POST, copy_example, run_cli
from preview_support import messy_campaign, set_msgstr

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--no-default-browser-check",
]
CHANNELS = ("Email", "X", "Mastodon", "Bluesky", "Threads", "Facebook", "Instagram", "LinkedIn")


def _need(present: bool, what: str) -> None:
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (CI must install it: see .ci/run)")
    pytest.skip(f"{what} is missing")


def _pinned_chromium() -> str:
    text = (REPOSITORY / "requirements" / "chromium.txt").read_text("utf-8")
    match = re.search(r"^chromium=(\S+)", text, re.M)
    return match.group(1) if match else ""


def older_than_tested(installed: str, pinned: str) -> bool:
    """Whether Debian version ``installed`` is older than ``pinned`` (dpkg compares them);
    a newer one is a security update of the tested browser, as tools/install-chromium
    installs when the archive has dropped the tested version."""
    if not pinned or shutil.which("dpkg") is None:
        return False
    done = subprocess.run(["dpkg", "--compare-versions", installed, "lt", pinned], check=False)
    return done.returncode == 0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need(CHROMIUM.exists(), "Debian's chromium (/usr/bin/chromium; tools/install-chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "chromium"], capture_output=True, text=True
    ).stdout.strip()
    if installed and older_than_tested(installed, _pinned_chromium()):
        warnings.warn(
            f"chromium {installed} is older than the tested {_pinned_chromium()} "
            "(requirements/chromium.txt): run tools/install-chromium as root",
            stacklevel=1,
        )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Guard:
    """A browser context whose pages may not err, alert, or reach the network."""

    def __init__(self, browser: Any, **options: Any) -> None:
        self.context = browser.new_context(**options)
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(("file://", "http://127.0.0.1:", "data:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"request left the machine: {url}")
            route.abort()

    def page(self, width: int = 1280, height: int = 900) -> Any:
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

        def dialog(d: Any) -> None:
            self.problems.append(f"dialog: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        return page

    def close(self) -> None:
        self.context.close()
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The messy campaign (Arabic, attacks, a post over the limit...) and its preview."""
    campaign = messy_campaign(tmp_path_factory.mktemp("browser") / "love")
    code, _, err = run_cli(campaign, "preview")
    assert code == 1, err
    return campaign / "preview"


@pytest.fixture
def guard(browser: Any) -> Iterator[Guard]:
    watched = Guard(browser)
    yield watched
    watched.close()


def _url(site: Path, page: str) -> str:
    return (site / page).as_uri()


def test_every_link_from_the_index_opens(site: Path, guard: Guard) -> None:
    page = guard.page()
    page.goto(_url(site, "index.html"))
    links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert len(links) > 150
    assert all(link.startswith("file://") for link in links), "the index links only locally"
    opened = 0
    for target in sorted({link.split("#")[0] for link in links}):
        response = page.goto(target)
        assert response is None or response.ok, target
        headings, title = page.evaluate("[document.querySelectorAll('h1').length, document.title]")
        assert headings == 1 and title.endswith("outreach preview"), target
        opened += 1
    assert opened == len(list(site.rglob("*.html")))  # every page is reachable from the index
    for link in sorted({link for link in links if "#" in link}):
        target, fragment = link.split("#", 1)
        page.goto(link)
        assert page.locator(f"[id='{fragment}']").count() == 1, link


def test_every_message_locale_and_channel_appears(site: Path, guard: Guard) -> None:
    page = guard.page()
    page.goto(_url(site, "index.html"))
    for message in ("petition", "share", "tweet-along", "signup"):
        table = page.locator(f"#msg-{message} table")
        headers = table.locator("thead th").all_inner_texts()
        assert headers[1:] == [*CHANNELS, "WhatsApp"], headers
        rows = table.locator("tbody th").all_inner_texts()
        assert rows == ["en", "es", "fr", "pt", "ar"]
        assert table.locator("tbody td a").count() == 5 * 9


def test_arabic_email_is_right_to_left(site: Path, guard: Guard) -> None:
    page = guard.page()
    page.goto(_url(site, "m/share/ar/email.html"))
    frames = [f for f in page.frames if f.parent_frame == page.main_frame]
    assert len(frames) == 2
    for frame in frames:
        frame.wait_for_selector("h1")
        direction = frame.evaluate("() => getComputedStyle(document.querySelector('h1')).direction")
        assert direction == "rtl"
        assert "الحب ينتصر دائمًا" in frame.inner_text("body")
    widths = page.eval_on_selector_all("iframe", "fs => fs.map(f => f.clientWidth)")
    assert widths == [600, 375]
    for selector in ("pre.text-part", ".inbox-row .line", ".inbox-row.phone .subject"):
        direction = page.eval_on_selector(selector, "e => getComputedStyle(e).direction")
        assert direction == "rtl", selector
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"


def test_x_post_shows_its_length_against_280(site: Path, guard: Guard) -> None:
    page = guard.page()
    page.goto(_url(site, "m/share/en/x.html"))
    count = page.inner_text("#count")
    assert re.match(r"^\d+ / 280 weighted characters: \d+ left$", count.strip()), count
    page.goto(_url(site, "m/share/es/x.html"))
    assert re.search(r" / 280 weighted characters: \d+ over the limit", page.inner_text("#count"))
    tag = page.locator(".post-text mark.tag")
    assert tag.first.inner_text() == "#LoveAlwaysWins"
    link = page.locator(".post-text mark.link").first.inner_text()
    assert link.startswith("https://example.org/love/film?utm_source=x&")  # [messages.share]


AXE_PAGES = (
    "index.html",
    "l/es.html",
    "l/ar.html",
    "m/share/ar/email.html",
    "m/share/es/x.html",
    "m/tweet-along/es/mastodon.html",
    "m/signup/pt/bluesky.html",
)


def test_axe_finds_no_serious_violation(site: Path, browser: Any) -> None:
    _need(AXE.exists(), "axe-core (node_modules/axe-core; npm ci)")
    # axe is injected as a script: the pages' policy forbids scripts, so this context only
    # bypasses it (the other tests keep it).
    guard = Guard(browser, bypass_csp=True)
    try:
        page = guard.page()
        found = []
        for name in AXE_PAGES:
            page.goto(_url(site, name))
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "() => axe.run(document, {iframes: false, resultTypes: ['violations']})"
            )
            assert len(result["passes"]) > 20, name  # axe did run
            for violation in result["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    found.append(f"{name}: {violation['id']} ({violation['impact']}) {targets}")
        assert found == [], "\n".join(found)
    finally:
        guard.close()


def test_attacks_in_translations_do_not_run(site: Path, guard: Guard) -> None:
    page = guard.page()
    for name in (
        "l/es.html",
        "index.html",
        "m/share/es/email.html",
        "m/petition/es/email.html",
        "m/tweet-along/es/x.html",
        "m/share/es/x.html",
    ):
        page.goto(_url(site, name))
        assert page.evaluate("document.scripts.length") == 0, name
        for frame in page.frames:
            dangerous = frame.evaluate(
                "() => document.querySelectorAll("
                "'script, [onerror], [onload], [onclick], a[href^=\"javascript:\" i]').length"
            )
            assert dangerous == 0, (name, frame.url)
    page.goto(_url(site, "l/es.html"))
    body = page.inner_text("main")
    assert "<script>alert('script')</script>Mira el corto" in body  # shown as text
    assert "Mira U+202Eeht" in body.replace("\n", "")  # the override shown, not obeyed
    page.goto(_url(site, "m/tweet-along/es/x.html"))
    assert "Ça & « ça » <3 \"x\" 'y' :" in page.inner_text(".post-text")


def test_keyboard_skip_link_and_focus(site: Path, guard: Guard) -> None:
    page = guard.page()
    page.goto(_url(site, "index.html"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "A"
    assert page.locator("a[tabindex='-1'], [tabindex]:not([tabindex='0'], #main)").count() == 0
    page.goto(_url(site, "m/share/ar/email.html"))
    scrollers = page.locator(".frame-scroll")
    assert scrollers.count() == 2
    for index in range(2):  # scrollable regions can be reached by keyboard
        assert scrollers.nth(index).get_attribute("tabindex") == "0"


@pytest.mark.parametrize(
    "name", ["index.html", "l/ar.html", "m/share/ar/email.html", "m/share/es/x.html"]
)
def test_readable_on_a_phone(site: Path, guard: Guard, name: str) -> None:
    page = guard.page(width=375, height=800)
    page.goto(_url(site, name))
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{name} scrolls sideways on a phone ({scroll} > {inner})"
    size = page.eval_on_selector("main p, main li", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 14


@pytest.mark.parametrize("name", ["m/share/ar/email.html", "m/share/es/email.html"])
def test_email_frames_fit_a_phone_whole(site: Path, guard: Guard, name: str) -> None:
    """At 375 px the 600 px and 375 px frames are scaled to fit the screen, not cut off: each
    frame's box lies within the viewport and still lays its email out at its own width."""
    page = guard.page(width=375, height=800)
    page.goto(_url(site, name))
    for selector, width in ((".frame-desktop", 600), (".frame-phone", 375)):
        frame = page.locator(selector)
        box = frame.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (selector, box)
        assert box["width"] < width  # scaled, not cropped: the whole email shows
        inner = (
            frame.element_handle().content_frame().evaluate("document.documentElement.clientWidth")
        )
        assert inner == width


def test_serve_shows_an_edited_translation(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from outreach.campaign import load_campaign
    from outreach.preview.serve import PreviewServer

    campaign = copy_example(tmp_path / "love")
    server = PreviewServer(load_campaign(campaign), campaign / "preview", port=0)
    server.start()
    stop = threading.Event()
    watcher = threading.Thread(target=server.watch, args=(stop,), daemon=True)
    watcher.start()
    guard = Guard(browser)
    try:
        post = guard.page()
        post.goto(server.url + "m/share/fr/x.html")
        email = guard.page()
        email.goto(server.url + "m/share/fr/email.html")
        expect(post.locator(".post-text")).to_contain_text("L’amour gagne toujours")
        set_msgstr(campaign, "fr", SHARE_POST, "Édité à l’instant : %(url)s %(hashtag)s")
        set_msgstr(
            campaign,
            "fr",
            "Watch the film",
            "Regardez le film maintenant",
        )
        expect(post.locator(".post-text")).to_contain_text("Édité à l’instant", timeout=20_000)
        button = email.frame_locator("iframe").first.locator("a.button")
        expect(button).to_have_text("Regardez le film maintenant", timeout=20_000)
        assert all(url.startswith("http://127.0.0.1:") for url in guard.requests)
    finally:
        guard.close()
        stop.set()
        watcher.join(timeout=10)
        server.close()
