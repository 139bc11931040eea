"""Regression tests for the fixes of the red team's second round (tests/test_redteam.py):
what each fix does beyond the attack its red-team test pins.

1. the plural source comes from the templates; 2-3. a catalog's charset comes from its real
header and must be a text encoding; the .mo is always UTF-8; 4-5. Plural-Forms parsing;
6-7. links and mentions as X and Mastodon make them; 8. compile's filter is render's;
9. only listed locales in a chain; 10. no FIFO is read; 11. standard output never carries
what a terminal would obey.
"""

from __future__ import annotations

import gettext
import io
import json
import os
from pathlib import Path

import pytest
from conftest import edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.display import json_text, terminal_document
from outreach.errors import CatalogError, PluralFormsError, UnsafePathError
from outreach.files import read_inside
from outreach.plurals import parse_plural_forms
from outreach.pofile import TEXT_CHARSETS, header_charset, parse_po
from outreach.render import Renderer
from outreach.sanitize import SafeTranslations
from outreach.sources import template_sources
from outreach.tokens import find_mentions, find_urls, x_links

SHARE_POST = (
    "Love always wins. Watch our two-minute film and share it with the people you love: "
    "%(url)s %(hashtag)s"
)
SIGNED = "One person has already signed. Will you be next?"
SIGNED_PLURAL = "%(num)s people have already signed. Will you join them?"
WATCH = "Watch the film"


def _errors(campaign: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    code, out, _ = run_cli(campaign, "check", "--no-cache", "--format", "json", *args)
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    return code, [f for f in findings if f["severity"] == "error"]


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- 1. the plural source is the templates' ----------------------------------------------------
def test_the_sources_are_the_templates_strings_with_their_plurals(example: Path) -> None:
    from outreach.catalogs import extract_catalog
    from outreach.pofile import iter_messages

    sources = template_sources(load_campaign(example))
    assert sources is not None and sources.origin == "templates"
    extracted = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in iter_messages(extract_catalog(load_campaign(example)))
    }
    assert set(sources.strings) == extracted
    assert sources.strings[(None, SIGNED)].msgid_plural == SIGNED_PLURAL
    assert sources.strings[(None, WATCH)].msgid_plural is None


def test_a_template_binding_gives_a_placeholder_its_real_value(example: Path) -> None:
    sources = template_sources(load_campaign(example))
    assert sources is not None
    (tweet,) = [s for (_, msgid), s in sources.strings.items() if "%(handle)s" in msgid]
    assert tweet.values["handle"] == "@iocmedia"  # {% trans handle=ioc_handle %}
    assert tweet.values["url"] == "https://example.org/love"


def test_the_templates_strings_are_remembered_by_the_check_cache(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach import sources as module
    from outreach.cache import CheckCache

    campaign = load_campaign(example)
    store = CheckCache.open(tmp_path, "campaign")
    module._PARSED.clear()
    first = template_sources(campaign, store)

    def no_extraction(campaign: object) -> None:
        raise AssertionError("extracted again")

    module._PARSED.clear()
    monkeypatch.setattr(module, "_extracted", no_extraction)
    assert template_sources(campaign, store) == first
    other = CheckCache.open(tmp_path / "elsewhere", "campaign")  # another secret: no hit
    module._PARSED.clear()
    with pytest.raises(AssertionError, match="extracted again"):
        template_sources(campaign, other)


def test_without_templates_the_pot_is_the_source(example: Path) -> None:
    for template in (example / "messages").glob("*.j2"):
        template.unlink()
    sources = template_sources(load_campaign(example))
    assert sources is not None and sources.origin == "POT"
    assert sources.strings[(None, SIGNED)].msgid_plural == SIGNED_PLURAL


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        (f'msgid_plural "{SIGNED_PLURAL}"', 'msgid_plural "%(num)s people have signed."', "is not"),
        # a plural entry for a string the templates have as a singular one
        (
            f'msgid "{WATCH}"\nmsgstr "Mira el corto"',
            f'msgid "{WATCH}"\nmsgid_plural "Watch the films"\n'
            'msgstr[0] "Mira el corto"\nmsgstr[1] "Mira los cortos"',
            "singular",
        ),
    ],
)
def test_a_plural_source_unlike_the_templates_is_an_error_that_gates(
    example: Path, old: str, new: str, needle: str
) -> None:
    es = po_path(example, "es")
    _rewrite(es, old, new)
    code, errors = _errors(example, "-l", "es", "--no-render")
    found = [f for f in errors if f["check"] == "plural-source"]
    assert code == 1 and len(found) == 1 and needle in str(found[0]["message"]), errors
    assert run_cli(example, "compile", "-l", "es")[0] == 1  # a structural error
    assert run_cli(example, "update", "-l", "es")[0] == 0  # update rewrites it from the POT
    assert _errors(example, "-l", "es", "--no-render")[0] == 0


# -- 2-3. charsets ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "charset", ["raw_unicode_escape", "unicode_escape", "UTF-7", "UTF-16", "utf_32", "idna"]
)
def test_a_charset_that_is_no_text_encoding_is_one_error_and_nothing_is_used(
    example: Path, charset: str
) -> None:
    es = po_path(example, "es")
    _rewrite(es, "charset=utf-8", f"charset={charset}")
    line = es.read_text().split("\n").index(f'"Content-Type: text/plain; charset={charset}\\n"')
    code, errors = _errors(example, "-l", "es", "--no-render")
    assert code == 1
    assert [(f["check"], f["line"]) for f in errors] == [("charset", line + 1)], errors
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert "Mira" not in mail.text and mail.refused  # the whole catalog falls back
    code, _, err = run_cli(example, "compile", "-l", "es")
    assert code == 1 and "charset" in err and not es.with_suffix(".mo").exists()


def test_every_accepted_charset_is_an_ascii_compatible_text_encoding() -> None:
    for name in TEXT_CHARSETS:
        assert "ascii text, a = b;".encode(name) == b"ascii text, a = b;", name


def test_the_charset_is_the_real_headers_not_a_decoy() -> None:
    decoy = (
        b'msgctxt "x"\nmsgid ""\nmsgstr "Content-Type: text/plain; charset=utf-16\\n"\n\n'
        b'# "Content-Type: text/plain; charset=utf-16\\n"\n'
        b'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=latin-1\\n"\n'
    )
    assert header_charset(decoy) == ("latin-1", 9)


def test_a_second_content_type_cannot_disagree_with_how_the_file_is_read() -> None:
    data = (
        b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        b'"Content-Type: text/plain; charset=latin-1\\n"\n'
    )
    po = parse_po(data, path="es.po")  # the last field wins, for the bytes and the header
    assert po.catalog.charset.lower() in ("latin-1", "iso-8859-1")


def test_a_byte_order_mark_before_the_header_is_fine() -> None:
    data = '\ufeffmsgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'.encode()
    assert header_charset(data) == ("UTF-8", 2)
    assert parse_po(data, path="es.po").catalog.charset.lower() == "utf-8"


def test_the_mo_is_utf8_whatever_the_po_declares(example: Path) -> None:
    es = po_path(example, "es")
    text = es.read_text(encoding="utf-8").replace("charset=utf-8", "charset=ISO-8859-1", 1)
    es.write_bytes(text.encode("iso-8859-1"))
    code, _, err = run_cli(example, "compile", "-l", "es")
    assert code == 0, err
    data = es.with_suffix(".mo").read_bytes()
    translations = gettext.GNUTranslations(io.BytesIO(data))
    assert "charset=UTF-8" in translations.info()["content-type"]
    assert translations.gettext(SIGNED) == "Una persona ya ha firmado. ¿Te sumas tú también?"
    assert "¿Te sumas tú también?".encode() in data


def test_an_unknown_charset_is_still_unreadable() -> None:
    with pytest.raises(CatalogError, match="unknown charset"):
        parse_po(b'msgid ""\nmsgstr "Content-Type: text/plain; charset=nope\\n"\n', path="x.po")


# -- 4-5. Plural-Forms ---------------------------------------------------------------------------
@pytest.mark.parametrize("count", ["²", "٢", "２", "2.0", "-2"])
def test_nplurals_is_ascii_digits(count: str) -> None:
    with pytest.raises(PluralFormsError, match="not a number"):
        parse_plural_forms(f"nplurals={count}; plural=(n != 1);")


@pytest.mark.parametrize(
    "expression", ["0/(n-312000)", "n % n", "(n != 1) + 1/(n-n)", "n % (n+1)", "5 / (n > 1)"]
)
def test_a_divisor_that_depends_on_n_is_refused(expression: str) -> None:
    with pytest.raises(PluralFormsError, match="depends on n"):
        parse_plural_forms(f"nplurals=2; plural={expression};")


def test_constant_divisors_are_fine() -> None:
    forms = parse_plural_forms("nplurals=3; plural=n%10==1 && n%(100)!=11 ? 0 : n/10%10 ? 1 : 2;")
    assert forms.form(1) == 0


def test_a_plural_formula_that_fails_gives_the_source_form() -> None:
    class Failing(gettext.NullTranslations):
        def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
            raise ZeroDivisionError("integer division or modulo by zero")

        def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
            raise ZeroDivisionError("integer division or modulo by zero")

    safe = SafeTranslations(Failing(), html=False)
    assert safe.ngettext("one", "many", 1) == "one"
    assert safe.npgettext("c", "one", "many", 5) == "many"


def test_a_broken_formula_never_reaches_the_in_memory_mo(example: Path) -> None:
    es = po_path(example, "es")
    _rewrite(es, "nplurals=2; plural=(n != 1);", "nplurals=2; plural=n % 0;")
    loaded = Renderer(load_campaign(example)).translations("es")
    assert loaded.mo is not None
    translations = gettext.GNUTranslations(io.BytesIO(loaded.mo))
    assert translations.ngettext(SIGNED, SIGNED_PLURAL, 5) == SIGNED_PLURAL  # no division
    assert any(f.check == "plural-forms" for f in loaded.refused)


# -- 6-7. links and mentions ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Firma:evil.com/x", ["evil.com/x"]),
        ("https:evil.com/x", ["evil.com/x"]),
        ("evil.xn--p1ai/x y evil.XN--P1AI", ["evil.xn--p1ai/x", "evil.XN--P1AI"]),
        ("a/evil.com/x o _evil.com", []),  # twitter-text links neither
    ],
)
def test_bare_domains_as_twitter_text_finds_them(text: str, links: list[str]) -> None:
    assert find_urls(text) == links


def test_x_links_are_twitter_texts_own() -> None:
    assert x_links("詳細は日本evil.com/x") == ["evil.com/x"]
    assert x_links("no.lu, e.g. this") == []  # one-name country domains: bare-domain's


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("RT@evil and rT:@other", ["@evil", "@other"]),
        ("ART@evil, x.RT@evil", []),
        ("@a_handle_longer_than_twenty", ["@a_handle_longer_than_twenty"]),
        ("@user.name.", ["@user.name"]),
        ("@josé", []),  # X and Mastodon stop at a Latin accented letter, and drop it
    ],
)
def test_mentions_as_x_and_mastodon_make_them(text: str, mentions: list[str]) -> None:
    assert find_mentions(text) == mentions


def test_a_placeholder_of_unknown_value_must_not_run_into_a_handle(example: Path) -> None:
    es = po_path(example, "es")
    edit_po(es, {SIGNED: ("Una persona ya ha firmado.", "%(num)sx han firmado.")})
    _, errors = _errors(example, "-l", "es", "--no-render")
    assert [f["check"] for f in errors] == ["mentions"], errors
    assert "%(num)s runs into “x”" in str(errors[0]["message"])
    edit_po(es, {SIGNED: ("Una persona ya ha firmado.", "%(num)s han firmado.")})
    assert _errors(example, "-l", "es", "--no-render")[0] == 0


# -- 8. compile ----------------------------------------------------------------------------------
def test_compile_leaves_out_what_render_refuses_and_says_so(example: Path) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: "Mira evil.com/x %(url)s %(hashtag)s"})
    mo = po_path(example, "es").with_suffix(".mo")
    code, _, err = run_cli(example, "compile", "-l", "es")
    lines = err.strip().splitlines()
    assert code == 1 and "error: urls:" in lines[0]
    assert lines[-1].startswith("compiled without the translations with errors: es")
    translations = gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
    assert translations.gettext(SHARE_POST) == SHARE_POST  # falls back, as in render
    assert translations.gettext(WATCH) == "Mira el corto"  # the rest is compiled
    code, out, err = run_cli(example, "compile", "-l", "es", "--force")
    assert (code, err) == (0, "") and "1 with errors left out" in out
    assert b"evil.com" not in mo.read_bytes()


# -- 9. chains -----------------------------------------------------------------------------------
def test_a_chain_goes_through_listed_locales_only(example: Path) -> None:
    assert run_cli(example, "add-locale", "es_MX")[0] == 0
    campaign = load_campaign(example)
    assert campaign.chain("es_MX") == ["es_MX", "es", "en"]  # CLDR's es_419 is not listed
    assert campaign.chain("pt") == ["pt", "en"]


# -- 10. files that are not regular files --------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_read_inside_refuses_a_fifo_and_a_directory(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    with pytest.raises(UnsafePathError, match="is a FIFO"):
        read_inside(tmp_path, tmp_path / "fifo")
    with pytest.raises(UnsafePathError, match="is a directory"):
        read_inside(tmp_path, tmp_path / "dir")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(
    ("where", "command"),
    [
        ("messages/share.j2", ["extract"]),
        ("messages/share.j2", ["render", "share"]),
        ("locales/es/LC_MESSAGES/messages.po", ["compile"]),
        ("locales/es/LC_MESSAGES/messages.po", ["render", "share", "-l", "es"]),
    ],
)
def test_no_command_waits_on_a_fifo(example: Path, where: str, command: list[str]) -> None:
    (example / where).unlink()
    os.mkfifo(example / where)
    code, _, err = run_cli(example, *command)  # in-process: a hang would hang the test
    assert code == 2 and "is a FIFO" in err, err


# -- 11. standard output -------------------------------------------------------------------------
ESCAPES = "\x1b]8;;https://evil.example\x07x\x1b]8;;\x07 \x9b2J \u202e \u2066"


def test_json_on_stdout_escapes_what_a_terminal_obeys_and_means_the_same() -> None:
    text = json_text({"text": f"Hola {ESCAPES} \u200f"})
    assert text.isprintable() or all(c in "\n" or c.isprintable() for c in text)
    assert not any(c in text for c in "\x1b\x07\x9b\u202e\u2066\u200f")
    assert json.loads(text) == {"text": f"Hola {ESCAPES} \u200f"}


def test_a_document_on_stdout_shows_controls_and_keeps_line_ends() -> None:
    shown, count = terminal_document(f"a,\u200fb {ESCAPES}\r\n".encode())
    assert count == 7 and shown.endswith(b"\r\n") and "\u200f".encode() in shown
    assert not any(c.encode() in shown for c in "\x1b\x07\x9b\u202e\u2066")


def _template_with_controls(example: Path) -> None:
    share = example / "messages" / "share.j2"
    text = share.read_text(encoding="utf-8")
    # the organizer's own text (templates are trusted): the only way left to reach a post
    share.write_text(text.replace("{% block post %}", "{% block post %}\x9b2J\u202e ", 1))


def test_render_json_and_export_on_stdout_carry_no_raw_controls(example: Path) -> None:
    _template_with_controls(example)
    code, out, _ = run_cli(example, "render", "share", "-c", "x", "--format", "json")
    assert "\x9b" not in out and "\u202e" not in out
    assert json.loads(out)[0]["text"].startswith("\x9b2J\u202e")
    start = ("--start", "2099-01-01T09:00", "-m", "share")
    code, out, err = run_cli(example, "export", "-c", "x", "--format", "csv", *start)
    assert code == 0 and "\x9b" not in out and "\u202e" not in out and "<U+202E>" in out
    assert "written as visible escapes" in err
    out = example.parent / "posts.csv"
    code, _, _ = run_cli(example, "export", "-c", "x", "--format", "csv", *start, "--out", str(out))
    assert code == 0 and "\u202e".encode() in out.read_bytes()  # the file as it is
