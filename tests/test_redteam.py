"""Attacks that still get through after the hardening of issue 9 (red team, second round).

Each test asserts the safe behaviour, so each one FAILS on the code it was written against.
Every attack is something a translator's pull request can do: text in a ``.po`` (its
``msgid_plural``, its header's ``Content-Type`` and ``Plural-Forms``, its msgstrs) or a file
it adds under ``locales/``. The scripts that found them are in ``tools/redteam/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.pofile import read_catalog, write_catalog
from outreach.render import Renderer

SHARE_POST = (
    "Love always wins. Watch our two-minute film and share it with the people you love: "
    "%(url)s %(hashtag)s"
)
TWEET_ALONG = (
    "The Olympic Charter rejects discrimination of any kind. %(handle)s, stand by your own "
    "charter in Sochi: %(url)s %(hashtag)s"
)
SIGNED = "One person has already signed. Will you be next?"  # the petition email's plural
ASKED = "One person has asked the IOC"  # the petition post's plural (its msgid starts so)
START = ("--start", "2099-01-01T09:00")


def _check(campaign: Path, locale: str = "es") -> tuple[int, list[dict[str, object]]]:
    code, out, _ = run_cli(campaign, "check", "--no-cache", "--format", "json", "-l", locale)
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    return code, [f for f in findings if f["severity"] == "error"]


def _swap_plural_source(path: Path, msgid_start: str, extra: str) -> None:
    """What a translator's editor can do: add ``extra`` to an entry's msgid_plural (which
    gettext never looks up) and to its plural translation: before the link where there is
    one, else at the end (the petition email's plural has no link)."""
    catalog = read_catalog(path.read_bytes(), path=str(path))
    (message,) = [m for m in catalog if isinstance(m.id, tuple) and m.id[0].startswith(msgid_start)]
    singular, plural = (str(part) for part in message.id)
    one, other = (str(part) for part in message.string or ("", ""))

    def add(text: str) -> str:
        changed = text.replace(" %(url)s", f" {extra} %(url)s")
        return changed if changed != text else f"{text} {extra}"

    message.id = (singular, add(plural))
    message.string = (one, add(other))
    path.write_bytes(write_catalog(catalog))


# -- 1. the checks read the plural source from the .po, the renderer from the template --------
@pytest.mark.parametrize(
    "extra",
    [
        "https://evil.example/x",  # a link hijack
        "@evilacct",  # a new mention
        "\u202e",  # a bidi override
        "\x1b]8;;https://evil.example\x07aquí\x1b]8;;\x07\x1b[8m",  # terminal escapes
    ],
)
def test_a_translator_written_msgid_plural_is_not_the_source(example: Path, extra: str) -> None:
    _swap_plural_source(po_path(example, "es"), ASKED, extra)
    code, errors = _check(example)
    assert code == 1 and errors, "check must not judge a translation against the .po's own source"
    post = Renderer(load_campaign(example)).render_post("petition", "es", "x")
    assert extra not in post.text and post.refused
    code, out, _ = run_cli(example, "export", "-c", "x", "--format", "csv", *START, "-l", "es")
    assert extra not in out and "\x1b" not in out


def test_a_translator_written_msgid_plural_never_reaches_an_email(example: Path) -> None:
    _swap_plural_source(po_path(example, "es"), SIGNED, "https://evil.example/x @evilacct")
    mail = Renderer(load_campaign(example)).render_email("petition", "es")
    assert "evil" not in mail.text and mail.refused


# -- 2. a charset whose encoding does not round-trip ------------------------------------------
def test_an_escape_codec_charset_cannot_smuggle_text(example: Path) -> None:
    es = po_path(example, "es")
    # as written in the .po (and as check reads it): a backslash, "u0040" -- no "@", no "."
    edit_po(es, {SHARE_POST: "Mira \\u0040evilacct y evil\\u002ecom/x %(url)s %(hashtag)s"})
    text = es.read_text(encoding="utf-8")
    es.write_bytes(text.replace("charset=utf-8", "charset=raw_unicode_escape", 1).encode())
    code, _ = _check(example)
    assert code == 1, "a charset outreach cannot write back as it read is an error"
    post = Renderer(load_campaign(example)).render_post("share", "es", "x")
    assert "@evilacct" not in post.text and "evil.com" not in post.text


# -- 3. crashes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        # a decoy Content-Type in a comment decides how the file is read; the real one how
        # Babel (and the in-memory .mo) encodes it
        '# "Content-Type: text/plain; charset=utf-8\\n"\nCT:ascii',
        '# "Content-Type: text/plain; charset=utf-8\\n"\nCT:utf-16',
        "nplurals=²",  # str.isdigit() says yes, int() says no
    ],
)
def test_a_header_trick_is_one_clear_error(example: Path, header: str) -> None:
    es = po_path(example, "es")
    text = es.read_text(encoding="utf-8")
    if header.startswith("nplurals="):
        text = text.replace("nplurals=2;", f"{header};")
    else:
        decoy, charset = header.split("\nCT:")
        text = decoy + "\n" + text.replace("charset=utf-8", f"charset={charset}", 1)
    es.write_text(text, encoding="utf-8")
    # the petition's post is a plural string: a broken Plural-Forms changes nothing in a post
    # without one (the share post), where exiting 0 is right
    for command in (["check", "--no-cache"], ["render", "petition", "-l", "es", "-c", "x"]):
        code, _, err = run_cli(example, *command)
        assert "internal error" not in err and code in (1, 2), (command, err)


def test_a_lone_surrogate_is_one_clear_error(example: Path) -> None:
    es = po_path(example, "es")
    edit_po(es, {SHARE_POST: "Mira \\ud800 %(url)s %(hashtag)s"})
    text = es.read_text(encoding="utf-8")
    es.write_bytes(text.replace("charset=utf-8", "charset=raw_unicode_escape", 1).encode())
    for command in (["check", "--no-cache"], ["render", "share", "-l", "es", "-c", "x"]):
        code, _, err = run_cli(example, *command)
        assert "internal error" not in err and code in (1, 2), (command, err)


def test_a_plural_formula_that_divides_by_zero_off_the_sample_stops_nothing(
    example: Path,
) -> None:
    es = po_path(example, "es")
    trap = "nplurals=2; plural=(n != 1) + 0/(n-312000);"  # fine on every SAMPLE number
    es.write_text(es.read_text().replace("nplurals=2; plural=(n != 1);", trap))
    code, out, err = run_cli(
        example, "render", "petition", "--all-locales", "-c", "x", "--var", "signatures=312000"
    )
    assert code != 2 and "ZeroDivisionError" not in err, err
    assert "312 000" in out or "312\u202f000" in out  # fr still renders


# -- 4. links that X links and the checks do not find ------------------------------------------
@pytest.mark.parametrize(
    "link",
    [
        "Firma:evil.com/x",  # twitter-text accepts ":" before a domain without a scheme
        "https:evil.com/x",  # ... so a scheme without "//" is no cover either
        "evil.xn--p1ai/x",  # a punycode top-level domain (evil.рф)
    ],
)
def test_links_x_would_make_are_errors(example: Path, link: str) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: f"Mira {link} %(url)s %(hashtag)s"})
    _, errors = _check(example)
    assert any(f["check"] == "urls" for f in errors), errors
    post = Renderer(load_campaign(example)).render_post("share", "es", "x")
    assert "evil" not in post.text and post.refused


# -- 5. mentions the platforms make and the checks do not find ---------------------------------
@pytest.mark.parametrize(
    ("msgid", "translation", "channel", "needle"),
    [
        # twitter-text's validMentionPrecedingChars: "RT" (any case, optional ":") may precede @
        (SHARE_POST, "RT@evilacct El amor siempre gana %(url)s %(hashtag)s", "x", "@evilacct"),
        # Mastodon's MENTION_RE has no 20-character cap: a local account of 21-30 characters
        (SHARE_POST, "Sigue a @evilacct_is_a_long_handle_x %(url)s %(hashtag)s", "mastodon",
         "@evilacct_is_a_long_handle_x"),
        # a placeholder glued to letters: %(handle)s is "@iocmedia", so this notifies another
        (TWEET_ALONG, "La Carta rechaza la discriminación. %(handle)s_x, cumple tu carta: "
         "%(url)s %(hashtag)s", "x", "@iocmedia_x"),
    ],
)  # fmt: skip
def test_mentions_the_platforms_would_make_are_errors(
    example: Path, msgid: str, translation: str, channel: str, needle: str
) -> None:
    edit_po(po_path(example, "es"), {msgid: translation})
    _, errors = _check(example)
    assert any(f["check"] == "mentions" for f in errors), errors
    message = "share" if msgid == SHARE_POST else "tweet-along"
    post = Renderer(load_campaign(example)).render_post(message, "es", channel)
    assert needle not in post.text and post.refused


# -- 6. compile writes what render refuses ---------------------------------------------------
def test_compile_never_writes_an_entry_with_an_error(example: Path) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: "Mira https://evil.example/x %(url)s %(hashtag)s"})
    code, _, _ = run_cli(example, "compile", "-l", "es")
    mo = po_path(example, "es").with_suffix(".mo")
    assert code == 1
    assert not mo.exists() or b"evil.example" not in mo.read_bytes()


# -- 7. a catalog the campaign does not list, and check never reads, is rendered ----------------
def test_an_unlisted_parent_catalog_is_never_rendered_unchecked(example: Path) -> None:
    assert run_cli(example, "add-locale", "es_MX")[0] == 0
    parent = po_path(example, "es_419")  # CLDR: es_MX falls back to es_419, then es
    parent.parent.mkdir(parents=True)
    parent.write_bytes(
        po_path(example, "es").read_bytes().replace(b"Language: es\\n", b"Language: es_419\\n")
    )
    edit_po(parent, {"Watch the film": "Mira el corto (nadie revisó esto)"})
    _, out, _ = run_cli(example, "check", "--no-cache")
    mail = Renderer(load_campaign(example)).render_email("share", "es_MX")
    assert "nadie" not in mail.html or "es_419" in out


# -- 8. a file a pull request adds in place of a catalog --------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_place_of_a_catalog_does_not_hang(example: Path) -> None:
    es = po_path(example, "es")
    es.unlink()
    os.mkfifo(es)
    command = [sys.executable, "-c", "from outreach.cli import main; main()"]
    try:
        done = subprocess.run(
            [*command, "-C", str(example), "check", "--no-cache"],
            capture_output=True,
            timeout=5,
            text=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("check blocks forever reading a FIFO named messages.po")
    assert done.returncode == 1 and "internal error" not in done.stderr
