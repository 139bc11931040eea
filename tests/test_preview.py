"""``outreach preview`` without a browser: what the site holds, that it is deterministic,
atomic, escaped and local, that incremental rebuilds equal full builds, and the server.

The browser tests (real Chromium) are in ``test_preview_browser.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import SHARE_POST, edit_po, po_path, run_cli, tree
from preview_support import RAW_ATTACKS, messy_campaign, set_msgstr

from outreach.campaign import load_campaign
from outreach.preview import Change, Site, classify_changes
from outreach.preview.model import entry_anchor
from outreach.preview.pages import CSP_META, SERVE_CSP_META, highlight, truncate, visible

CHANNELS = ("email", "x", "mastodon", "bluesky", "threads", "facebook", "instagram", "linkedin")
MESSAGES = ("petition", "share", "tweet-along")
LOCALES = ("en", "es", "fr", "pt")


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The messy campaign, built once for the module (tests must not change it)."""
    campaign = messy_campaign(tmp_path_factory.mktemp("messy") / "love")
    code, _, err = run_cli(campaign, "preview")
    assert code == 1, err  # it has problems: the site is written all the same
    return campaign


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


# -- the command -----------------------------------------------------------------------------
def test_example_builds_every_page(example: Path) -> None:
    code, out, err = run_cli(example, "preview")
    assert code == 0, err
    site = example / "preview"
    assert f"open {(site / 'index.html').resolve().as_uri()}" in out
    index = (site / "index.html").read_text("utf-8")
    for message in MESSAGES:
        assert f'id="msg-{message}"' in index
        for locale in LOCALES:
            for channel in (*CHANNELS, "whatsapp"):
                page = f"m/{message}/{locale}/{channel}.html"
                assert (site / page).is_file(), page
                assert f'href="{page}"' in index, page
    for locale in LOCALES:
        assert (site / f"l/{locale}.html").is_file()
    assert "108 pages" in out
    assert not list(example.glob(".preview.*")), "no temporary directory left behind"


def test_out_option_and_default_relative_to_campaign(example: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(example, "preview", "--out", str(tmp_path / "site"))
    assert code == 0, err
    assert (tmp_path / "site" / "index.html").is_file()
    assert not (example / "preview").exists()


def test_same_inputs_same_bytes(example: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert run_cli(example, "preview", "--out", str(first))[0] == 0
    assert run_cli(example, "preview", "--out", str(second))[0] == 0
    assert _pages(first) == _pages(second)
    before = _pages(first)
    assert run_cli(example, "preview", "--out", str(first))[0] == 0  # replaces the old one
    assert _pages(first) == before


def test_no_timestamps_or_absolute_paths(example: Path) -> None:
    assert run_cli(example, "preview")[0] == 0
    for name, data in _pages(example / "preview").items():
        text = data.decode("utf-8")
        assert str(example) not in text, name
        assert not re.search(r"20\d\d-\d\d-\d\dT\d\d:\d\d", text), name


def test_failed_build_leaves_previous_preview(example: Path) -> None:
    assert run_cli(example, "preview")[0] == 0
    before = _pages(example / "preview")
    template = example / "messages" / "share.j2"
    template.write_text(template.read_text("utf-8") + "\n{% block broken %}{{ %}\n", "utf-8")
    code, _, err = run_cli(example, "preview")
    assert code == 2
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"{template}:"), err
    assert _pages(example / "preview") == before
    assert not list(example.glob(".preview.*"))


def test_a_broken_catalog_holds_only_its_locale(example: Path) -> None:
    po = po_path(example, "fr")
    po.write_text(po.read_text("utf-8") + '\nmsgid "x\n', "utf-8")
    code, _, err = run_cli(example, "preview")
    assert code == 1 and "Traceback" not in err
    line = po.read_text("utf-8").count("\n")
    assert f"locales/fr/LC_MESSAGES/messages.po:{line}: unterminated" in err, err
    assert "held back: fr" in err
    site = example / "preview"
    assert (site / "m" / "share" / "es" / "x.html").exists()  # every other locale is there
    assert not (site / "m" / "share" / "fr").exists()
    index = (site / "index.html").read_text("utf-8")
    assert "held: broken catalog" in index and f"messages.po:{line}: unterminated" in index


@pytest.mark.parametrize("where", ["campaign", "messages", "other", "file", "symlink"])
def test_refuses_an_output_it_would_wrongly_replace(
    example: Path, tmp_path: Path, where: str
) -> None:
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    target = {
        "campaign": example,
        "messages": example / "messages" / "site",
        "other": other,
        "file": other / "keep.txt",
        "symlink": tmp_path / "link",
    }[where]
    if where == "symlink":
        target.symlink_to(other)
    before = tree(tmp_path)
    code, _, err = run_cli(example, "preview", "--out", str(target))
    assert code == 2, err
    assert "Traceback" not in err
    if where != "file":  # click itself refuses a file, with its usage message
        assert len(err.splitlines()) == 1, err
    assert tree(tmp_path) == before
    assert (other / "keep.txt").read_text() == "mine"


def test_exit_1_with_problems_and_site_written(messy: Path) -> None:
    code, _, err = run_cli(messy, "preview", "--out", str(messy / "again"))
    assert code == 1
    assert "share (es, x): " in err and "over the limit of 280" in err
    assert "error: html:" in err
    assert (messy / "again" / "index.html").is_file()


# -- what the pages say -----------------------------------------------------------------
def _cell(messy: Path, message: str, locale: str, channel: str) -> str:
    return (messy / "preview" / "m" / message / locale / f"{channel}.html").read_text("utf-8")


def test_cell_states_on_the_index(messy: Path) -> None:
    site = Site(load_campaign(messy))
    site.build()
    cells = site.model.cells
    assert [b.kind for b in cells[("share", "en", "x")].badges] == ["ok"]
    over = cells[("share", "es", "x")]
    assert over.over > 0 and over.badges[0].kind == "over"
    assert over.badges[0].short == f"{over.over} over"
    email = cells[("share", "es", "email")]
    assert {b.kind for b in email.badges} == {"error", "fallback"}
    assert {f.reason for f in email.fallbacks} == {"refused: it has a check error"}
    refused_fr = cells[("share", "fr", "x")]
    assert [b.kind for b in refused_fr.badges] == ["error", "fallback"]
    assert cells[("signup", "pt", "x")].badges[0].kind == "added"  # the template has none
    assert "the template has none" in cells[("signup", "pt", "x")].badges[0].text
    assert {f.reason for f in cells[("signup", "pt", "x")].fallbacks} <= {"untranslated", "fuzzy"}
    assert cells[("signup", "pt", "x")].fallbacks
    arabic = cells[("tweet-along", "ar", "email")]
    reasons = {f.msgid: f.reason for f in arabic.fallbacks}
    assert reasons["Post now"] == "fuzzy"
    assert all(f.rendered_in == "en" for f in arabic.fallbacks)
    assert [b.kind for b in cells[("share", "ar", "x")].badges] == ["ok"]
    index = (messy / "preview" / "index.html").read_text("utf-8")
    assert f"{over.over} over" in index
    assert "+hashtag" in index
    assert "check error" in index


def test_progress_chart_counts_as_stats(messy: Path) -> None:
    code, out, _ = run_cli(messy, "stats", "--format", "json")
    counts = {r["locale"]: r for r in json.loads(out)["locales"]}
    assert code == (1 if any(r["refused"] for r in counts.values()) else 0)
    index = (messy / "preview" / "index.html").read_text("utf-8")
    chart = index[index.index("<svg") : index.index("</svg>")]
    assert 'role="img"' in chart
    ar = counts["ar"]
    assert f"ar: {ar['translated']} translated, {ar['fuzzy']} fuzzy, " in chart
    assert f"{ar['untranslated']} untranslated of {ar['total']}" in chart


def test_findings_link_to_their_entries(messy: Path) -> None:
    index = (messy / "preview" / "index.html").read_text("utf-8")
    anchor = entry_anchor(None, "Watch the film")
    assert f'href="l/es.html#{anchor}"' in index
    locale_page = (messy / "preview" / "l" / "es.html").read_text("utf-8")
    assert f'id="{anchor}"' in locale_page
    for href in re.findall(r'href="l/([a-z_]+)\.html#(e-[0-9a-f]+)"', index):
        page = (messy / "preview" / "l" / f"{href[0]}.html").read_text("utf-8")
        assert f'id="{href[1]}"' in page


def test_email_page_inbox_and_frames(messy: Path) -> None:
    page = _cell(messy, "share", "ar", "email")
    assert page.count("<iframe") == 2
    assert page.count('sandbox=""') == 2
    assert 'width="600"' in page and 'width="375"' in page
    assert "allow-scripts" not in page
    assert 'dir="rtl"' in page
    assert "Love Always Wins" in page  # the sender
    assert "دقيقتان تظهران لماذا ينتصر الحب دائمًا" in page


def test_post_page_length_and_share_link(messy: Path) -> None:
    page = _cell(messy, "share", "en", "x")
    assert re.search(r"<strong>\d+</strong> / 280 weighted characters", page)
    assert '<mark class="tag">#LoveAlwaysWins</mark>' in page
    link = "https://example.org/love/film?utm_source=x&amp;utm_medium=social"  # [messages.share]
    assert (
        f'<mark class="link">{link}&amp;utm_campaign=lovealwayswins&amp;utm_content=share-en'
        in page
    )
    assert 'href="https://x.com/intent/post?text=' in page
    over = _cell(messy, "share", "es", "x")
    assert "over the limit" in over


def test_truncate_and_visible() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("🏳️‍🌈🏳️‍🌈🏳️‍🌈", 2) == "🏳️‍🌈…"  # never inside a grapheme
    assert "U+202E" in str(visible("a\u202eb"))
    assert "\u202e" not in str(visible("a\u202eb"))
    assert str(visible("<b>&")) == "&lt;b&gt;&amp;"
    assert "<script" not in str(highlight("<script>x</script> #Tag", "x"))


# -- escaping and locality ------------------------------------------------------------------
def test_translator_text_never_reaches_a_page_raw(messy: Path) -> None:
    pages = _pages(messy / "preview")
    assert len(pages) > 100
    for name, data in pages.items():
        text = data.decode("utf-8")
        for raw in RAW_ATTACKS:
            assert raw not in text, (name, raw)
    es = pages["l/es.html"].decode("utf-8")
    assert "&lt;script&gt;alert(&#39;script&#39;)&lt;/script&gt;" in es  # shown, escaped
    assert "U+202E" in es
    tweet = pages["m/tweet-along/es/x.html"].decode("utf-8")
    assert "Ça &amp; « ça » &lt;3 &#34;x&#34; &#39;y&#39; :" in tweet


def test_no_script_or_remote_resource_in_the_static_site(messy: Path) -> None:
    for name, data in _pages(messy / "preview").items():
        if not name.endswith(".html"):
            continue
        text = data.decode("utf-8")
        assert CSP_META in text, name
        assert "<script" not in text.lower(), name
        assert "<link" not in text.lower(), name
        assert "@import" not in text and "url(http" not in text, name
        assert not re.search(r'\ssrc="(?!data:)', text), name  # only srcdoc frames
        for href in re.findall(r'href="([^"]*)"', text):
            assert not href.lower().startswith(("javascript:", "data:")), (name, href)


# -- incremental rebuilds ---------------------------------------------------------------------
def _fresh(campaign: Path) -> dict[str, bytes]:
    return Site(load_campaign(campaign)).build()


def test_edited_catalog_rebuilds_that_locale_only(example: Path) -> None:
    site = Site(load_campaign(example))
    before = dict(site.build())
    set_msgstr(example, "fr", SHARE_POST, "L’amour gagne : %(url)s %(hashtag)s — NOUVEAU")
    po = po_path(example, "fr")
    change = classify_changes(site.campaign, [po])
    assert change == Change(locales={"fr"})
    after = site.update(change)
    assert after == _fresh(example)
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed, "the edit shows"
    assert all(p.startswith(("m/share/fr/", "l/fr.html", "index.html")) for p in changed), changed
    assert "NOUVEAU" in after["m/share/fr/x.html"].decode()


def test_template_pot_and_config_changes_equal_a_full_build(example: Path) -> None:
    site = Site(load_campaign(example))
    site.build()
    share = example / "messages" / "share.j2"
    share.write_text(share.read_text("utf-8").replace("{% block post %}", "{% block post_x %}"))
    assert site.update(classify_changes(site.campaign, [share])) == _fresh(example)
    assert "m/share/en/x.html" in site.pages and "m/share/en/mastodon.html" not in site.pages
    new = example / "messages" / "later.j2"
    new.write_text(
        "{% block post %}{% trans %}Soon: {{ url }} {{ hashtag }}{% endtrans %}{% endblock %}"
    )
    assert site.update(classify_changes(site.campaign, [new])) == _fresh(example)
    assert "m/later/es/x.html" in site.pages
    new.unlink()
    assert site.update(classify_changes(site.campaign, [new])) == _fresh(example)
    assert not any(p.startswith("m/later/") for p in site.pages)
    assert run_cli(example, "extract")[0] == 0
    pot = example / "locales" / "messages.pot"
    assert classify_changes(site.campaign, [pot]).recount
    assert site.update(classify_changes(site.campaign, [pot])) == _fresh(example)
    config = example / "messages" / "campaign.toml"
    config.write_text(config.read_text("utf-8").replace('"Love Always Wins"', '"Love Wins"', 1))
    assert classify_changes(site.campaign, [config]).full
    assert site.update(classify_changes(site.campaign, [config])) == _fresh(example)
    assert b"Love Wins" in site.pages["index.html"]


def test_failed_update_then_full_rebuild(example: Path) -> None:
    site = Site(load_campaign(example))
    site.build()
    po = po_path(example, "es")
    good = po.read_bytes()
    po.write_bytes(good + b'\nmsgid "broken\n')
    site.update(classify_changes(site.campaign, [po]))  # es is held, the rest as before
    assert not [key for key in site.model.cells if key[1] == "es"]
    assert site.model.locales["es"].broken is not None
    po.write_bytes(good)
    assert site.update(classify_changes(site.campaign, [po])) == _fresh(example)


def test_classify_ignores_other_files(example: Path) -> None:
    campaign = load_campaign(example)
    assert not classify_changes(campaign, [example / "README.md", "/elsewhere/x.po"])
    assert not classify_changes(campaign, [po_path(example, "de")])  # not a campaign locale


# -- the server ---------------------------------------------------------------------------
def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_server_injects_reload_and_rebuilds(example: Path) -> None:
    from outreach.preview.serve import PreviewServer

    lines: list[str] = []
    server = PreviewServer(load_campaign(example), example / "preview", port=0, report=lines.append)
    server.start()
    stop = threading.Event()
    watcher = threading.Thread(target=server.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        status, body = _get(server.url)
        assert status == 200
        page = body.decode("utf-8")
        assert SERVE_CSP_META in page and CSP_META not in page
        assert '<script src="/__outreach__/reload.js" data-version="' in page
        on_disk = (example / "preview" / "index.html").read_text("utf-8")
        assert "<script" not in on_disk  # the files stay the static site
        assert _get(server.url + "__outreach__/reload.js")[0] == 200
        status, body = _get(server.url + "__outreach__/state?path=/m/share/fr/x.html")
        first = json.loads(body)
        assert first["error"] is None and first["version"]
        assert _get(server.url + "../../etc/passwd")[0] == 404
        assert _get(server.url + "m/share/")[0] == 404  # no directory listings
        rebound = urllib.request.Request(server.url, headers={"Host": f"evil.com:{server.port}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=10)
        assert refused.value.code == 421
        time.sleep(0.3)  # let the watcher start
        set_msgstr(example, "fr", SHARE_POST, "L’amour gagne : %(url)s %(hashtag)s — ÉDITÉ")
        deadline = time.monotonic() + 15
        while server.rebuilds == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.rebuilds >= 1, lines
        state = json.loads(_get(server.url + "__outreach__/state?path=/m/share/fr/x.html")[1])
        assert state["version"] != first["version"]
        assert "ÉDITÉ" in _get(server.url + "m/share/fr/x.html")[1].decode("utf-8")
        po = po_path(example, "fr")
        rebuilds = server.rebuilds
        po.write_text(po.read_text("utf-8") + '\nmsgid "broken\n', "utf-8")
        deadline = time.monotonic() + 15
        while server.rebuilds == rebuilds and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.error is None  # a broken catalog holds its locale, the site rebuilds
        assert "held: broken catalog" in _get(server.url)[1].decode("utf-8")
    finally:
        stop.set()
        watcher.join(timeout=10)
        server.close()
    assert any(line.startswith("rebuilt locale fr") for line in lines), lines


def test_serve_stops_cleanly_on_ctrl_c(example: Path) -> None:
    script = Path(sys.executable).parent / "outreach"
    if not script.exists():
        pytest.skip("the outreach console script is not installed next to this Python")
    process = subprocess.Popen(
        [str(script), "-C", str(example), "preview", "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal: a shell without job control (make, CI, `cmd &`) starts
        # its children with SIGINT ignored, and Python then never raises KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "serving" in line and "http://127.0.0.1:" in line, line
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url is not None
        assert _get(url.group(0))[0] == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_port_in_use_is_exit_2(example: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run_cli(example, "preview", "--serve", "--port", str(port))
    assert code == 2
    assert f"127.0.0.1:{port}" in err and len(err.splitlines()) == 1


# -- start-up ---------------------------------------------------------------------------------
def test_preview_help_is_light() -> None:
    probe = (
        "import json, sys\n"
        "from outreach.cli import main\n"
        "try:\n    main(['preview', '--help'], standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    heavy = ("jinja2", "watchfiles", "playwright", "babel.core", "langdetect", "outreach.preview")
    assert not [m for m in modules if m.split(".")[0] in heavy or m in heavy]


# -- one status per entry ------------------------------------------------------------------
def test_stats_and_the_preview_agree_on_each_entry(example: Path) -> None:
    """``outreach stats`` and the preview's locale pages ask one function
    (:func:`outreach.pofile.entry_status`): in the source locale an empty entry is translated
    ("as written"), a fuzzy one fuzzy, a plural with an empty form untranslated; elsewhere an
    empty one is untranslated."""
    from collections import Counter

    from outreach.catalogs import stats
    from outreach.preview.model import Model

    config = example / "messages" / "campaign.toml"
    config.write_text(
        config.read_text("utf-8")
        + '\n[[checks.ignore]]\ncheck = "plurals"\nreason = "a half-filled plural is counted"\n',
        "utf-8",
    )
    plural = "One person has already signed. Will you be next?"
    for locale in ("en", "es"):
        path = po_path(example, locale)
        edit_po(path, {"Watch the film": "", plural: ("One", "")})
        text = path.read_text("utf-8")
        path.write_text(
            text.replace('msgid "Sign the petition"\n', '#, fuzzy\nmsgid "Sign the petition"\n')
        )
    edit_po(po_path(example, "en"), {"Sign the petition": "Sign it"})
    campaign = load_campaign(example)
    model = Model(campaign)
    model.refresh()
    column = {
        "translated": "translated",
        "source": "translated",
        "fuzzy": "fuzzy",
        "untranslated": "untranslated",
        "untranslated (a plural form is empty)": "untranslated",
        "missing": "untranslated",
    }
    counted = {result.locale: result for result in stats(campaign)}
    for locale in ("en", "es"):
        entries = {entry.msgid: entry.status for entry in model.locales[locale].entries}
        assert entries["Sign the petition"] == "fuzzy"
        assert entries[plural] == "untranslated (a plural form is empty)"
        assert entries["Watch the film"] == ("source" if locale == "en" else "untranslated")
        by_column = Counter(column[status] for status in entries.values())
        result = counted[locale]
        assert model.locales[locale].stats == result
        assert (result.translated, result.fuzzy, result.untranslated) == (
            by_column["translated"],
            by_column["fuzzy"],
            by_column["untranslated"],
        )
    assert (counted["en"].fuzzy, counted["en"].untranslated) == (1, 1)


# -- a damaged .mo -----------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_corrupt_mo_in_the_campaign_breaks_no_preview(example: Path, damage: str) -> None:
    """A committed ``.mo`` is never read (rendering compiles the ``.po``): a damaged one
    changes nothing, and the preview shows the ``.po``'s text."""
    edit_po(po_path(example, "es"), {"Watch the film": "Mira el corto"})
    assert run_cli(example, "compile", "-l", "es")[0] == 0
    mo = po_path(example, "es").with_suffix(".mo")
    damaged = {
        "truncated": mo.read_bytes()[:100],
        "garbage": b"\xde\x12\x04\x95" + b"\xff" * 60,
        "empty": b"",
    }
    mo.write_bytes(damaged[damage])
    code, _, err = run_cli(example, "preview")  # a traceback would raise here
    assert code == 0, err
    assert "Mira el corto" in (example / "preview" / "l" / "es.html").read_text("utf-8")


def test_mo_keys_never_fails_on_damaged_bytes() -> None:
    """The preview's reading of a compiled catalog (Babel's read_mo): every truncation and
    some overwritten bytes give a set of keys (nothing, when Babel cannot read them)."""
    import io

    from babel.messages.catalog import Catalog

    from outreach.pofile import write_mo
    from outreach.preview.model import mo_keys

    catalog = Catalog(locale="es")
    catalog.add("Sign", "Firma", context="subject")
    catalog.add(("One", "%(num)s"), ("Una", "%(num)s"))
    catalog.add("Ñu", "Ñú")
    buffer = io.BytesIO()
    write_mo(catalog, buffer)
    data = buffer.getvalue()
    full = mo_keys(data)
    assert full == {("subject", "Sign"), (None, "One"), (None, "Ñu")}
    for cut in range(len(data)):
        assert mo_keys(data[:cut]) <= full
    for at in range(0, len(data), 3):
        assert isinstance(mo_keys(data[:at] + b"\xff\xff\x00\x80" + data[at + 4 :]), frozenset)


# -- one order of findings -------------------------------------------------------------------
def test_a_locale_page_lists_findings_as_check_does(
    messy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sort with :func:`outreach.findings.finding_order`: the catalogs first, then other
    files by name. A warning on ``.`` (a template error without a file) came before the
    catalog's findings on the locale page (the preview sorted by name), after them in
    ``outreach check``; now both list it after them."""
    from typing import Any

    from outreach.findings import Finding
    from outreach.preview.model import Model
    from outreach.qa import rendered
    from outreach.qa.campaign import check_campaign

    original = rendered.check_rendered

    def with_a_rootless_warning(campaign: Any, locales: Any, **options: Any) -> list[Finding]:
        found = list(original(campaign, locales, **options))
        if "es" in locales:
            found.append(Finding("es", ".", None, None, None, "render", "warning", "no file"))
        return found

    monkeypatch.setattr(rendered, "check_rendered", with_a_rootless_warning)
    campaign = load_campaign(messy)
    model = Model(campaign)
    model.refresh()
    report = check_campaign(campaign)
    for locale in campaign.locales:
        label = campaign.label(locale)
        listed = tuple(f for f in report.findings if f.locale == label)
        assert model.locales[locale].findings == listed, locale
    es = model.locales["es"].findings
    assert len({f.file for f in es}) > 1 and es[-1].file == "."
    assert es[0].file == "locales/es/LC_MESSAGES/messages.po"


def test_placeholders_in_a_right_to_left_translation_are_isolated(messy: Path) -> None:
    """Issue 19: in an Arabic translation each placeholder is its own left-to-right
    ``<bdi>``, so that ``%(url)s`` reads as written and stays where the translator put it."""
    import html5lib

    page = (messy / "preview" / "l" / "ar.html").read_text("utf-8")
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    isolated = [
        (b.text, b.get("dir"))
        for dd in tree.iter("dd")
        if dd.get("dir") == "rtl"
        for b in dd.iter("bdi")
        if b.get("class") == "ph"
    ]
    assert ("%(url)s", "ltr") in isolated and ("%(hashtag)s", "ltr") in isolated
