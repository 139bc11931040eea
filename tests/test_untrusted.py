"""A translator's pull request cannot hurt supporters or the organizer (DESIGN.md 6b).

One test (or a parametrised family) per attack class a red team found: header injection
through encoded-words, flags that silenced errors, links and mentions the checks did not
see, files a pull request can add (``.mo``, caches, symbolic links), refused entries that
still went out, escape sequences for the organizer's terminal, crashes, and strings whose
checking took quadratic time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.mail import email_bytes, parse
from outreach.qa.campaign import check_campaign
from outreach.render import Email, Renderer

SHARE_POST = (
    "Love always wins. Watch our two-minute film and share it with the people you love: "
    "%(url)s %(hashtag)s"
)
SUBJECT = ("subject", "Two minutes that show why love always wins")


def _errors(campaign: Path, locale: str = "es") -> list[dict[str, object]]:
    _, out, _ = run_cli(campaign, "check", "--no-cache", "--format", "json", "-l", locale)
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    return [f for f in findings if f["severity"] == "error"]


# -- 1. header injection through RFC 2047 encoded-words ---------------------------------------
PAYLOADS = [
    # "Dos minutos\r\nBcc: victim@evil-example.com"
    "=?utf-8?b?RG9zIG1pbnV0b3MNCkJjYzogdmljdGltQGV2aWwtZXhhbXBsZS5jb20=?=",
    # "Hola\r\nX-Mailer: evil"
    "=?utf-8?q?Hola=0D=0AX-Mailer:_evil?=",
    # "Hi\r\n\r\nContent-Type: text/html" (a blank line, then a new body)
    "=?utf-8?b?SGkNCg0KQ29udGVudC1UeXBlOiB0ZXh0L2h0bWw=?=",
    "Hola =?ISO-8859-1?Q?=0D=0ABcc:_a@b.example?= adiós",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_encoded_word_subject_is_written_as_text(payload: str) -> None:
    rendered = Email("share", "es", payload, "", "Hola\n", "<p>Hola</p>", "es", "ltr")
    data = email_bytes(rendered, sender="Love <love@example.org>", to="ana@example.org")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"\r(?!\n)|(?<!\r)\n", head)
    names = [line.split(b":")[0] for line in head.split(b"\r\n") if not line[:1].isspace()]
    assert names == [
        b"From", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type"
    ]  # fmt: skip
    message = parse(data)
    assert message["Subject"] == payload  # the encoded-word is text, not an encoding
    assert message["Bcc"] is None and message["X-Mailer"] is None
    assert message.get_content_type() == "multipart/alternative"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_encoded_word_subject_is_an_error_and_never_sent(example: Path, payload: str) -> None:
    edit_po(po_path(example, "es"), {SUBJECT: payload})
    errors = _errors(example)
    assert any(f["check"] == "header-injection" for f in errors), errors
    code, _, err = run_cli(example, "compile", "-l", "es")
    assert code == 1 and "header-injection" in err
    code, out, err = run_cli(
        example, "render", "share", "-l", "es", "-c", "email", "--format", "eml"
    )
    assert code == 1
    assert parse(out.encode())["Subject"] == SUBJECT[1]  # the source, not the payload


def test_a_display_name_is_never_parsed_as_an_encoding() -> None:
    rendered = Email("share", "es", "Hola", "", "Hola\n", "<p>Hola</p>", "es", "ltr")
    name = "=?utf-8?b?QW5hDQpCY2M6IGFAYi5leGFtcGxl?="  # "Ana\r\nBcc: a@b.example"
    message = parse(email_bytes(rendered, sender="Love <love@example.org>",
                                to=[(name, "ana@example.org")]))  # fmt: skip
    assert message["To"].addresses[0].display_name.replace(" ", "") == name
    assert message["Bcc"] is None


# -- 2. flags in a .po cannot silence errors -------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "translation", "check"),
    [
        ("ignore-urls", "Mira https://evil.example/x %(url)s %(hashtag)s", "urls"),
        ("ignore-mentions", "Mira @evilacct %(url)s %(hashtag)s", "mentions"),
        ("ignore-placeholders", "Mira %(url)s", "placeholders"),
        ("no-python-format", "Mira %(url).19s.evil-example.com/love %(hashtag)s", "urls"),
        ("ignore-html", "Mira <script>x()</script> %(url)s %(hashtag)s", "html"),
        ("ignore-invisible", "Mira\u202e %(url)s %(hashtag)s", "invisible"),
    ],
)
def test_a_flag_in_the_po_never_silences_an_error(
    example: Path, flag: str, translation: str, check: str
) -> None:
    es = po_path(example, "es")
    edit_po(es, {SHARE_POST: translation})
    text = es.read_text(encoding="utf-8")
    entry = text.index('msgid ""\n"Love always wins. Watch our two-minute')
    es.write_text(text[:entry] + f"#, {flag}\n" + text[entry:], encoding="utf-8")
    assert any(f["check"] == check for f in _errors(example)), flag
    post = Renderer(load_campaign(example)).render_post("share", "es", "x")
    assert "evil" not in post.text and "<script" not in post.text and post.refused


def test_a_flag_still_quiets_a_style_warning(example: Path) -> None:
    es = po_path(example, "es")
    edit_po(es, {"Watch the film": "Mira el corto "})
    assert run_cli(example, "check", "--no-cache", "-l", "es")[1].count("whitespace") == 1
    text = es.read_text(encoding="utf-8")
    text = text.replace(
        'msgid "Watch the film"\n', '#, ignore-whitespace\nmsgid "Watch the film"\n'
    )
    es.write_text(text, encoding="utf-8")
    assert "whitespace" not in run_cli(example, "check", "--no-cache", "-l", "es")[1]


def test_organizer_exceptions_live_in_campaign_toml(example: Path) -> None:
    edit_po(po_path(example, "es"), {"Watch the film": "Mira https://youtube.com/watch?v=1"})
    assert any(f["check"] == "urls" for f in _errors(example))
    config = example / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[checks.ignore]]\ncheck = "urls"\nlocale = "es"\nmsgid = "Watch the film"\n'
        'reason = "the Spanish video is on YouTube"\n',
        encoding="utf-8",
    )
    assert not any(f["check"] == "urls" for f in _errors(example))
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert "youtube.com" in mail.html and mail.refused == ()


# -- 3. links and mentions the checks did not see ---------------------------------------------
@pytest.mark.parametrize(
    ("translation", "check", "needle"),
    [
        ("Firma en EVIL-EXAMPLE.COM/love %(url)s %(hashtag)s", "urls", "evil-example.com"),
        ("Firma en ехаmple.org/love %(url)s %(hashtag)s", "urls", "mixes Cyrillic and Latin"),
        ("Firma en ｅｖｉｌ.ｃｏｍ/x %(url)s %(hashtag)s", "urls", "evil.com"),
        ("Firma: %(url).19s.evil-example.com/love %(hashtag)s", "urls", "example.org.evil"),
        ("Pregunta a ＠evilacct: %(url)s %(hashtag)s", "mentions", "＠evilacct"),
        ("Pregunta a @EvilAcct: %(url)s %(hashtag)s", "mentions", "@EvilAcct"),
    ],
)
def test_links_and_mentions_are_found_as_the_platforms_find_them(
    example: Path, translation: str, check: str, needle: str
) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: translation})
    found = [f for f in _errors(example) if f["check"] == check]
    assert found and needle in str(found[0]["message"]), found


def test_a_mastodon_handle_is_a_mention_not_a_link(example: Path) -> None:
    source = "Follow @user@mastodon.social"
    from babel.messages.catalog import Catalog

    from outreach.checks import check_catalog

    catalog = Catalog(locale="es", fuzzy=False)
    catalog.add(source, "Sigue a @user@mastodon.social")
    assert check_catalog(catalog, file="es.po", locale="es") == []


# -- 4. files a pull request can add are not believed ----------------------------------------
def test_a_committed_mo_is_never_read(example: Path) -> None:
    edit_po(po_path(example, "es"), {"Watch the film": "Mira el corto"})
    assert run_cli(example, "compile", "-l", "es")[0] == 0
    mo = po_path(example, "es").with_suffix(".mo")
    evil = mo.read_bytes().replace(b"Mira el corto", b"Mira https://x.ev")
    mo.write_bytes(evil)  # newer than the .po, hijacked
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert "x.ev" not in mail.html and "Mira el corto" in mail.html
    mo.write_bytes(b"\x00\x01")  # a corrupt .mo crashes nothing
    for command in (["check", "--no-cache"], ["render", "--all-locales"], ["stats"]):
        code, _, err = run_cli(example, *command)
        assert code == 0 and "Traceback" not in err, (command, err)


def test_a_linked_catalog_is_never_read(example: Path, tmp_path: Path) -> None:
    secret = tmp_path / "token.txt"
    secret.write_text('msgid "x"\nmsgstr "ghp_SECRETTOKEN0123456789"\n')
    es = po_path(example, "es")
    es.unlink()
    es.symlink_to(secret)
    code, out, err = run_cli(example, "check", "--no-cache")
    assert code == 1 and "is a symbolic link" in out
    assert "SECRET" not in out + err
    for command in (["render", "-l", "es"], ["compile"], ["stats"], ["update"]):
        code, out, err = run_cli(example, *command)
        assert code == 2 and "is a symbolic link" in err and "SECRET" not in out + err, command


def test_a_linked_mo_is_not_written_through(example: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    mo = po_path(example, "es").with_suffix(".mo")
    mo.symlink_to(victim)
    code, _, err = run_cli(example, "compile")
    assert code == 2 and "is a symbolic link" in err
    assert victim.read_text() == "keep me"


def test_a_linked_directory_in_the_campaign_is_refused(example: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "LC_MESSAGES").mkdir(parents=True)
    po_path(example, "fr").replace(elsewhere / "LC_MESSAGES" / "messages.po")
    fr_dir = example / "locales" / "fr"
    (fr_dir / "LC_MESSAGES").rmdir()
    fr_dir.rmdir()
    fr_dir.symlink_to(elsewhere)
    code, _, err = run_cli(example, "compile")
    assert code == 2 and "is a symbolic link" in err
    assert not (elsewhere / "LC_MESSAGES" / "messages.mo").exists()


def test_a_linked_template_is_never_read(example: Path, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("{% block post %}root:x:0:0 {{ url }} {{ hashtag }}{% endblock %}")
    (example / "messages" / "leak.j2").symlink_to(secret)
    code, out, err = run_cli(example, "render", "leak")
    assert code == 2 and "is a symbolic link" in err and "root:x" not in out


def test_a_link_under_out_is_never_written_through(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    victim_dir = tmp_path / "victim"
    victim_dir.mkdir()
    out.mkdir()
    (out / "share").symlink_to(victim_dir)
    code, _, err = run_cli(example, "render", "--out", str(out))
    assert code == 2 and "is a symbolic link" in err
    assert list(victim_dir.iterdir()) == []


# -- 5. what the checks refuse never goes out ----------------------------------------------
def test_a_full_width_placeholder_is_refused_and_the_email_is_not_ok(example: Path) -> None:
    assert run_cli(example, "add-locale", "ja")[0] == 0
    edit_po(po_path(example, "ja"), {"Watch the film: %(url)s": "映画を見る：％(url)s"})
    code, out, err = run_cli(
        example, "render", "share", "-l", "ja", "-c", "email", "--format", "json"
    )
    assert code == 1 and "placeholders" in err
    (mail,) = json.loads(out)
    assert mail["ok"] is False and mail["refused"][0]["check"] == "placeholders"
    assert "https://example.org/love" in mail["text"]


@pytest.mark.parametrize(
    "translation",
    [
        "Mira \u202e %(url)s %(hashtag)s",  # a bidi override
        "Mira @iocmedia %(url)s %(hashtag)s",  # a new mention
        "Mira https://evil.example %(url)s %(hashtag)s",  # a hijack compile refuses
    ],
)
def test_a_refused_entry_never_reaches_an_export(example: Path, translation: str) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: translation})
    code, out, err = run_cli(
        example, "export", "-c", "mastodon", "--format", "json", "--start", "2099-01-01T09:00"
    )
    assert code == 1 and out == "" and "nothing exported" in err


# -- 6. the organizer's terminal ------------------------------------------------------------
@pytest.mark.parametrize(
    "escape", ["\x1b[8m", "\x1bc", "\x1b]8;;https://evil.example\x07here\x1b]8;;\x07", "\x9b2J"]
)
def test_escape_sequences_are_shown_never_obeyed(example: Path, escape: str) -> None:
    # in a link, so that check's message quotes the translator's text
    edit_po(po_path(example, "es"), {"Watch the film": f"Mira https://evil.example/{escape}x"})
    for fmt in ("text", "github"):
        _, out, _ = run_cli(example, "check", "--no-cache", "--format", fmt, "-l", "es")
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
        assert "\\x1b" in out or "\\x9b" in out
    _, out, err = run_cli(example, "render", "share", "-l", "es", "-c", "email")
    assert "\x1b" not in out + err and "\x9b" not in out + err and "\x07" not in out + err


# -- 7. crashes -----------------------------------------------------------------------------
def test_a_nul_in_a_new_msgid_is_one_clear_line(example: Path) -> None:
    es = po_path(example, "es")
    es.write_text(es.read_text() + '\nmsgid "Hi\x00there\x00you"\nmsgstr "Hola"\n')
    code, out, _ = run_cli(example, "check", "--no-cache")
    assert code == 1 and "a NUL character" in out
    code, _, err = run_cli(example, "render", "-l", "es")
    assert code == 2 and len(err.splitlines()) == 1 and "NUL" in err


def test_deep_nesting_is_refused_before_anything_renders_it(example: Path) -> None:
    source = "Post with <strong>%(hashtag)s</strong>, ask the IOC to keep its word, and invite "
    source += "your friends to do the same."
    deep = "<strong>" * 11_000 + "%(hashtag)s" + "</strong>" * 11_000
    edit_po(po_path(example, "es"), {source: deep})
    code, out, _ = run_cli(example, "check", "--no-cache", "-l", "es")
    assert code == 1 and "error:" in out
    code, out, _ = run_cli(example, "render", "tweet-along", "-l", "es", "-c", "email")
    assert code == 1 and "<strong><strong>" not in out


def test_a_plural_count_of_twenty_million_is_an_error(example: Path) -> None:
    es = po_path(example, "es")
    text = es.read_text().replace("nplurals=2; plural=(n != 1);", "nplurals=20000000; plural=n;")
    es.write_text(text)
    code, out, _ = run_cli(example, "check", "--no-cache", "-l", "es")
    assert code == 1 and "a language has 1 to 6 plural forms" in out


def test_a_wrong_conversion_in_one_locale_leaves_the_others(example: Path) -> None:
    msgid = "One person has already signed. Will you be next?"
    from outreach.pofile import read_catalog

    fr = po_path(example, "fr")
    catalog = read_catalog(fr.read_bytes(), path=str(fr))
    message = catalog.get(msgid)
    assert message is not None
    edit_po(fr, {msgid: ("Une personne a signé.", "%(num)d personnes ont signé.")})
    code, out, err = run_cli(example, "render", "petition", "--all-locales", "-c", "email")
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    assert "300.000 personas" in out  # es still renders


# -- 8. strings far longer than their source ------------------------------------------------
@pytest.mark.parametrize(
    "attack", [")" * 300_000, "{{" * 50_000, "<a " * 20_000, "<!--" * 50_000, "%(" * 50_000]
)
def test_a_pathological_string_is_one_error_found_quickly(example: Path, attack: str) -> None:
    edit_po(po_path(example, "es"), {"Watch the film": attack})
    report = check_campaign(load_campaign(example), ["es"], use_cache=False, render=False)
    found = [f for f in report.findings if f.msgid == "Watch the film"]
    assert [(f.check, f.severity) for f in found] == [("length", "error")]
    assert "far too long" in found[0].message
