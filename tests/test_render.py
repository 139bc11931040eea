"""Rendering: every message x locale x channel of the example campaign, and the hard cases.

The example campaign (the repository root) is copied into ``tmp_path`` (conftest's
``example``) so that tests never see a stale ``.mo`` and never write into the repository.
The last section holds render's untrusted-input tests: what a translator's ``.po`` (or a
``.mo`` committed beside it) can do to an email or a post.
"""

from __future__ import annotations

import email.policy
import gettext
import json
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import check_errors, edit_po, po_path, rewrite, run_cli
from test_mail import PAYLOADS

from outreach.campaign import load_campaign
from outreach.cli import main
from outreach.render import Email, Post, Renderer, parse_variables

LOCALES = ("en", "es", "fr", "pt")


@pytest.fixture
def renderer(example: Path) -> Renderer:
    return Renderer(load_campaign(example))


def all_items(renderer: Renderer) -> list[Post | Email]:
    return list(renderer.render_all(locales=list(LOCALES)))


def test_every_message_locale_channel_renders_with_hashtag_within_limit(
    renderer: Renderer,
) -> None:
    items = all_items(renderer)
    # 3 messages x 4 locales x (email + 8 social channels)
    assert len(items) == 3 * 4 * 9
    for item in items:
        assert item.text.strip(), item
        assert item.ok, (item.message, item.locale, item.channel, item.problems)
        if isinstance(item, Post):
            assert "#LoveAlwaysWins" in item.text
            assert "https://example.org/love" in item.text
            assert 0 < item.length <= item.limit
            assert not item.added, (
                f"{item.message}/{item.locale}: the translation lost {item.added}"
            )
        else:
            assert item.subject and item.preheader and item.html


def test_x_length_is_twitter_text_weighted_length(renderer: Renderer) -> None:
    from twitter_text import parse_tweet

    for item in all_items(renderer):
        if isinstance(item, Post) and item.channel == "x":
            assert item.length == parse_tweet(item.text).weightedLength
            assert item.limit == 280


@pytest.mark.parametrize("locale", ["es", "fr", "pt"])
def test_email_body_is_in_its_language(renderer: Renderer, locale: str) -> None:
    from langdetect import DetectorFactory, detect

    for message in renderer.messages:
        mail = renderer.render_email(message, locale)
        body = mail.text.split("\n-- \n")[0]
        DetectorFactory.seed = 0
        assert detect(body) == locale, (message, body)


def test_numbers_dates_and_plurals_follow_the_locale(renderer: Renderer) -> None:
    texts = {loc: renderer.render_email("petition", loc).text for loc in LOCALES}
    assert "300,000 people have already signed" in texts["en"]
    assert "300.000 personas" in texts["es"]
    assert "300\u202f000 personnes" in texts["fr"]
    assert "300.000 pessoas" in texts["pt"]
    assert "February 6, 2014" in texts["en"]
    assert "6 de febrero de 2014" in texts["es"]
    assert "6 février 2014" in texts["fr"]
    assert "6 de fevereiro de 2014" in texts["pt"]


def test_html_email_has_lang_dir_preheader_and_inlined_css(renderer: Renderer) -> None:
    mail = renderer.render_email("share", "fr")
    assert '<html lang="fr" dir="ltr" ' in mail.html
    assert "display:none" in mail.html.replace(" ", "")
    assert mail.preheader in mail.html
    assert "@media" in mail.html  # css-inline keeps the <style> with media queries
    assert 'style="' in mail.html and "font-family" in mail.html.split("<body", 1)[1]
    assert mail.preheader not in mail.text  # the text part comes from its own block


def add_locale(example: Path, locale: str, translations: dict[object, object]) -> Path:
    code, _, err = run_cli(example, "add-locale", locale)
    assert code == 0, err
    path = po_path(example, locale)
    edit_po(path, translations)
    return path


def test_arabic_renders_right_to_left(example: Path) -> None:
    add_locale(
        example,
        "ar",
        {
            (
                "subject",
                "Two minutes that show why love always wins",
            ): "دقيقتان تُظهران لماذا ينتصر الحب دائمًا",
            "Love always wins. Watch the film.": "الحب ينتصر دائمًا. شاهدوا الفيلم.",
        },
    )
    mail = Renderer(load_campaign(example)).render_email("share", "ar")
    assert '<html lang="ar" dir="rtl" ' in mail.html
    assert mail.direction == "rtl"
    assert mail.subject == "دقيقتان تُظهران لماذا ينتصر الحب دائمًا"
    assert "text-align: right" in mail.html


PETITION_POST = (
    "One person has asked the IOC to reject discrimination in Sochi. Add your name: "
    "%(url)s %(hashtag)s",
    "%(num)s people have asked the IOC to reject discrimination in Sochi. Add your name: "
    "%(url)s %(hashtag)s",
)


def test_russian_plural_forms(example: Path) -> None:
    add_locale(
        example,
        "ru",
        {
            PETITION_POST[0]: (
                "%(num)s человек попросил МОК. Подпишите: %(url)s %(hashtag)s",
                "%(num)s человека попросили МОК. Подпишите: %(url)s %(hashtag)s",
                "%(num)s человек попросили МОК. Подпишите: %(url)s %(hashtag)s",
            )
        },
    )
    campaign = load_campaign(example)
    texts = {
        n: Renderer(campaign, {"signatures": n}).render_post("petition", "ru", "x").text
        for n in (1, 3, 5, 21, 22, 25)
    }
    assert texts[1].startswith("1 человек попросил ")
    assert texts[3].startswith("3 человека попросили ")
    assert texts[5].startswith("5 человек попросили ")
    assert texts[21].startswith("21 человек попросил ")
    assert texts[22].startswith("22 человека ")
    assert texts[25].startswith("25 человек попросили ")


def test_fallback_from_pt_br_to_pt_and_fuzzy_to_source(example: Path) -> None:
    code, _, err = run_cli(example, "add-locale", "pt-BR")  # an empty catalog
    assert code == 0, err
    campaign = load_campaign(example)
    assert "pt_BR" in campaign.locales
    br = Renderer(campaign).render_email("share", "pt_BR")
    pt = Renderer(campaign).render_email("share", "pt")
    assert br.subject == pt.subject == "Dois minutos que mostram por que o amor sempre vence"
    assert br.lang == "pt-BR"

    # A fuzzy entry is not used: the source text shows instead, never an empty string.
    path = po_path(example, "pt")
    text = path.read_text(encoding="utf-8").replace(
        '#: messages/share.j2:2\nmsgctxt "subject"',
        '#: messages/share.j2:2\n#, fuzzy\nmsgctxt "subject"',
    )
    assert "#, fuzzy" in text
    path.write_text(text, encoding="utf-8")
    subject = Renderer(load_campaign(example)).render_email("share", "pt").subject
    assert subject == "Two minutes that show why love always wins"


def test_fresh_mo_is_used_and_stale_mo_is_not(example: Path) -> None:
    code, _, err = run_cli(example, "compile")
    assert code == 0, err
    edit_po(po_path(example, "es"), {"Watch the film": "Mira la película ya"})  # newer .po
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert "Mira la película ya" in mail.html


def test_translator_markup_is_refused_and_never_evaluated(example: Path) -> None:
    source = (
        "Post with <strong>%(hashtag)s</strong>, ask the IOC to keep its word, and invite "
        "your friends to do the same."
    )
    edit_po(
        po_path(example, "es"),
        {
            source: (
                '<script>alert(1)</script><strong onclick="steal()">%(hashtag)s</strong> '
                '<a href="javascript:alert(2)">aquí</a> <img src=x onerror=alert(3)> {{ 7*7 }}'
            ),
            "Post with us today": "{{ 7*7 }} {# nota #} hoy",
            "Post now: %(url)s": "{% if true %}x{% endif %}: %(url)s",
        },
    )
    renderer = Renderer(load_campaign(example))
    mail = renderer.render_email("tweet-along", "es")
    html = mail.html
    assert "<script" not in html and "alert(" not in html
    assert "onclick" not in html and "onerror" not in html and "<img" not in html
    assert "javascript:" not in html
    assert "<strong>#LoveAlwaysWins</strong>" in html  # the source's own markup survives
    assert "{{" not in html and "49" not in html and "{{" not in mail.text
    # the three translations with errors were left out: the source text went instead
    assert "Post with us today" in mail.text and "Post now: https://example.org/love" in mail.text
    refused = {(f.msgid, f.check) for f in mail.refused}
    assert {(source, "html"), ("Post with us today", "template-injection")} <= refused
    assert {msgid for msgid, _ in refused} == {source, "Post with us today", "Post now: %(url)s"}
    code, _, err = run_cli(example, "render", "tweet-along", "-l", "es", "-c", "email")
    assert code == 1
    assert "held back: es" in err and "template-injection" in err


def test_a_sanitiser_still_guards_markup_that_passes_the_checks(example: Path) -> None:
    # Defence in depth: even a translation the checks would pass is rendered through nh3
    # with the source's own tags and attribute values only.
    from outreach.sanitize import SafeTranslations

    safe = SafeTranslations(gettext.NullTranslations(), html=True)
    out = safe.sanitize('<strong title="x">#Tag</strong>', "<strong>%(hashtag)s</strong>")
    assert out == "<strong>#Tag</strong>"


def test_translation_with_broken_placeholder_falls_back_to_source(example: Path) -> None:
    edit_po(
        po_path(example, "fr"),
        {"Watch the film: %(url)s": "Regarder le film : %(lien)s %(url)"},
    )
    mail = Renderer(load_campaign(example)).render_email("share", "fr")
    assert "Watch the film: https://example.org/love" in mail.text


def test_a_translation_that_loses_hashtag_and_link_is_refused(example: Path) -> None:
    msgid = (
        "Love always wins. Watch our two-minute film and share it with the people you love: "
        "%(url)s %(hashtag)s"
    )
    edit_po(po_path(example, "es"), {msgid: "El amor siempre gana. Mira el corto."})
    renderer = Renderer(load_campaign(example))
    post = renderer.render_post("share", "es", "mastodon")
    assert post.text.startswith("Love always wins.")  # the source, with both
    assert post.added == ()
    assert {f.check for f in post.refused} == {"placeholders"}


def test_a_template_without_hashtag_and_link_gets_them_appended(example: Path) -> None:
    (example / "messages" / "bare.j2").write_text(
        "{% block post %}{% trans %}Love always wins.{% endtrans %}{% endblock %}\n"
    )
    post = Renderer(load_campaign(example)).render_post("bare", "es", "mastodon")
    tags = "utm_source=mastodon&utm_medium=social&utm_campaign=lovealwayswins&utm_content=bare-es"
    assert post.text == f"Love always wins. https://example.org/love?{tags} #LoveAlwaysWins"
    assert post.added == ("https://example.org/love", "#LoveAlwaysWins")


def test_localized_hashtag_variant_is_accepted(example: Path) -> None:
    msgid = (
        "Love always wins. Watch our two-minute film and share it with the people you love: "
        "%(url)s %(hashtag)s"
    )
    edit_po(po_path(example, "es"), {msgid: "El amor siempre gana: %(url)s #ElAmorSiempreGana"})
    renderer = Renderer(load_campaign(example))
    post = renderer.render_post("share", "es", "x")
    assert post.text.endswith("#ElAmorSiempreGana") and "#LoveAlwaysWins" not in post.text
    assert post.refused == ()


def test_a_subject_with_a_line_break_never_reaches_a_header(example: Path) -> None:
    edit_po(
        po_path(example, "es"),
        {
            (
                "subject",
                "Two minutes that show why love always wins",
            ): "Hola\nBcc: victim@example.com"
        },
    )
    renderer = Renderer(load_campaign(example))
    mail = renderer.render_email("share", "es")
    assert mail.subject == "Two minutes that show why love always wins"
    assert "header-injection" in {f.check for f in mail.refused}
    code, out, err = run_cli(
        example, "render", "share", "-l", "es", "-c", "email", "--format", "eml"
    )
    # the email would use a refused translation: it is held (not produced), exit 1
    assert code == 1 and "header-injection" in err and "held back: es" in err
    assert out == ""
    code, out, err = run_cli(example, "render", "share", "--all-locales", "-c", "email")
    assert code == 1 and "== share · fr · email ==" in out and "· es ·" not in out


def test_every_eml_parses_back(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        example, "render", "--all-locales", "-c", "email", "--out", str(out)
    )
    assert code == 0, err
    emls = sorted(out.rglob("*.eml"))
    assert len(emls) == 3 * 4
    renderer = Renderer(load_campaign(example))
    for path in emls:
        message, locale = path.parts[-3], path.parts[-2]
        parsed = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
        expected = renderer.render_email(message, locale)
        assert parsed["Subject"] == expected.subject
        assert parsed["Content-Language"] == locale
        assert parsed["From"] == "Love Always Wins <love@example.org>"
        # The example's unsubscribe link names the recipient ({email}, {token}): without
        # one, render writes no List-Unsubscribe (merge fills it per supporter).
        assert parsed["List-Unsubscribe"] is None
        assert parsed["List-Unsubscribe-Post"] is None
        assert parsed.get_content_type() == "multipart/alternative"
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        assert text_part is not None and html_part is not None
        assert text_part.get_content().replace("\r\n", "\n") == expected.text
        assert html_part.get_content().replace("\r\n", "\n").strip() == expected.html.strip()
        raw_subject = path.read_bytes().split(b"\r\nSubject: ", 1)[1].split(b"\r\n")[0]
        if expected.subject.isascii():
            assert raw_subject.decode() == expected.subject
        else:
            assert b"=?utf-8?" in raw_subject  # RFC 2047 encoded-word
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [i["file"] for i in index["items"]] == sorted(i["file"] for i in index["items"])
    assert "12 files" in stdout


def test_render_json_shape(example: Path) -> None:
    code, out, err = run_cli(example, "render", "petition", "-l", "fr", "--format", "json")
    assert code == 0, err
    items = json.loads(out)
    assert [i["channel"] for i in items] == [
        "email",
        "x",
        "mastodon",
        "bluesky",
        "threads",
        "facebook",
        "instagram",
        "linkedin",
        "whatsapp",
    ]
    for item in items:
        assert {"message", "locale", "channel", "text"} <= item.keys()
        assert item["message"] == "petition" and item["locale"] == "fr"
        if item["channel"] == "email":
            assert {"subject", "preheader", "html"} <= item.keys()
        else:
            assert isinstance(item["length"], int) and isinstance(item["limit"], int)
    x = items[1]
    assert x["share_url"].startswith("https://x.com/intent/post?text=")


def test_render_defaults_to_source_locale_and_var_overrides(example: Path) -> None:
    code, out, err = run_cli(
        example, "render", "petition", "-c", "x", "--format", "json", "--var", "signatures=1"
    )
    assert code == 0, err
    (item,) = json.loads(out)
    assert item["locale"] == "en"
    assert item["text"].startswith("One person has asked the IOC")


def test_post_over_its_limit_exits_1(example: Path) -> None:
    msgid = (
        "Love always wins. Watch our two-minute film and share it with the people you love: "
        "%(url)s %(hashtag)s"
    )
    edit_po(
        po_path(example, "fr"), {msgid: "L’amour gagne toujours. " * 12 + "%(url)s %(hashtag)s"}
    )
    code, _out, err = run_cli(example, "render", "share", "-l", "fr", "-c", "x")
    assert code == 1
    assert "share (fr, x):" in err and "over the limit of 280" in err
    assert "Traceback" not in err


def test_render_out_writes_files_index_and_share_links(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _stdout, err = run_cli(example, "render", "share", "--all-locales", "--out", str(out))
    assert code == 0, err
    assert (out / "share" / "es" / "x.txt").read_text(encoding="utf-8").startswith("El amor")
    links = json.loads((out / "share" / "fr" / "share-links.json").read_text(encoding="utf-8"))
    assert set(links) == {
        *("x", "whatsapp", "telegram", "facebook", "linkedin", "mailto", "bluesky", "threads")
    }
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert len(index["items"]) == 4 * 9
    assert not list(out.rglob("*.tmp"))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["render", "nope"], "no message 'nope'"),
        (["render", "share", "-c", "myspace"], "myspace"),
        (["render", "share", "-l", "de"], "no locale 'de'"),
        (["render", "share", "-l", "../x"], "not a locale name"),
        (["render", "share", "--var", "oops"], "KEY=VALUE"),
        (["render", "--format", "eml"], "--format eml prints one email"),
    ],
)
def test_render_usage_errors_exit_2(example: Path, args: list[str], needle: str) -> None:
    code, _, err = run_cli(example, *args)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_template_syntax_error_names_file_and_line(example: Path) -> None:
    path = example / "messages" / "share.j2"
    path.write_text(path.read_text(encoding="utf-8").replace("{% endblock %}", "{% endblok %}", 1))
    code, _, err = run_cli(example, "render", "share")
    assert code == 2
    assert err.startswith(f"{path}:2: ") or err.startswith(f"{path}:"), err
    assert "Traceback" not in err


def test_parse_variables_types() -> None:
    assert parse_variables(["n=5", "ratio=0.5", "deadline=2014-02-06", "x=a=b"]) == {
        "n": 5,
        "ratio": 0.5,
        "deadline": "2014-02-06",
        "x": "a=b",
    }


def test_hashtag_a_platform_would_cut_is_an_error(example: Path) -> None:
    msgid = (
        "Love always wins. Watch our two-minute film and share it with the people you love: "
        "%(url)s %(hashtag)s"
    )
    edit_po(
        po_path(example, "fr"),
        {msgid: "L’amour gagne toujours : %(url)s %(hashtag)s #L’AmourGagne"},
    )
    post = Renderer(load_campaign(example)).render_post("share", "fr", "x")
    assert not post.ok
    assert any("#L’AmourGagne" in problem for problem in post.problems), post.problems
    code, _, err = run_cli(example, "render", "share", "-l", "fr", "-c", "x")
    assert code == 1 and "#L’AmourGagne" in err


def test_babel_filters_per_locale() -> None:
    import datetime as dt

    from outreach.formatting import babel_filters

    en, es, fr = babel_filters("en"), babel_filters("es"), babel_filters("fr", "Europe/Paris")
    assert en["percent"](0.25) == "25%"
    assert fr["percent"](0.25) == "25\xa0%"  # CLDR: a no-break space before %
    assert en["compact"](300000) == "300K"
    assert es["list"](["Madrid", "Lisboa", "París"]) == "Madrid, Lisboa y París"
    assert en["list"](["A", "B", "C"]) == "A, B, and C"
    moment = dt.datetime(2014, 2, 7, 19, 14, tzinfo=dt.UTC)
    assert fr["time"](moment) == "20:14"  # shown in the audience's zone
    assert en["date"]("2014-02-06", "long") == "February 6, 2014"


def test_render_error_names_the_template_line(example: Path) -> None:
    path = example / "messages" / "petition.j2"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "{% block text %}" in line) + 2
    lines[number - 1] += " {{ no_such_variable }}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli(example, "render", "petition", "-c", "email")
    assert code == 2
    assert err.startswith(f"{path}:{number}: "), err
    assert "no_such_variable" in err and "Traceback" not in err


def test_non_utf8_template_is_one_line_error(example: Path) -> None:
    path = example / "messages" / "latin1.j2"
    path.write_bytes("{% block post %}Café{% endblock %}".encode("latin-1"))
    code, _, err = run_cli(example, "render", "latin1")
    assert code == 2
    assert err == f"{path}:1: not UTF-8: invalid continuation byte\n"


def test_var_with_leading_zero_stays_text() -> None:
    assert parse_variables(["zip=01234", "n=0", "x=-0.5"]) == {"zip": "01234", "n": 0, "x": -0.5}


def test_unexpected_error_is_one_line(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(Renderer, "render_all", boom)
    monkeypatch.delenv("OUTREACH_DEBUG", raising=False)
    code, _, err = run_cli(example, "render")
    assert code == 2
    assert err.startswith("outreach: internal error: RuntimeError: kaput")
    assert len(err.splitlines()) == 1


# -- untrusted translations ---------------------------------------------------------------------
SUBJECT = ("subject", "Two minutes that show why love always wins")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_encoded_word_subject_is_an_error_and_never_sent(example: Path, payload: str) -> None:
    edit_po(po_path(example, "es"), {SUBJECT: payload})
    errors = check_errors(example, "-l", "es")[1]
    assert any(f["check"] == "header-injection" for f in errors), errors
    code, _, err = run_cli(example, "compile", "-l", "es")
    assert code == 1 and "header-injection" in err
    code, out, err = run_cli(
        example, "render", "share", "-l", "es", "-c", "email", "--format", "eml"
    )
    assert code == 1 and out == "" and "held back: es" in err  # held: nothing produced
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert mail.subject == SUBJECT[1]  # the library falls back to the source, never the payload


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


def test_a_full_width_placeholder_is_refused_and_the_email_is_not_ok(example: Path) -> None:
    assert run_cli(example, "add-locale", "ja")[0] == 0
    edit_po(po_path(example, "ja"), {"Watch the film: %(url)s": "映画を見る：％(url)s"})
    code, out, err = run_cli(
        example, "render", "share", "-l", "ja", "-c", "email", "--format", "json"
    )
    assert code == 1 and "placeholders" in err and "held back: ja" in err and out == ""
    mail = Renderer(load_campaign(example)).render_email("share", "ja")
    assert not mail.ok and mail.refused[0].check == "placeholders"
    assert "https://example.org/love" in mail.text


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


def test_render_says_on_stderr_when_it_appends_a_hashtag(example: Path) -> None:
    template = example / "messages" / "share.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace(" {{ hashtag }}{% endtrans %}", "{% endtrans %}"))
    result = CliRunner().invoke(main, ["-C", str(example), "render", "share", "--channel", "x"])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("#LoveAlwaysWins")
    assert (
        "note: share (en, x): the text has no campaign hashtag, so #LoveAlwaysWins was appended"
        in result.stderr
    )


def test_contexts_are_worked_out_once_and_handed_out_fresh(renderer: Renderer) -> None:
    """The parts of a template's context that depend only on the locale, channel and
    message are computed once per renderer; every render still gets containers of its own
    (a template that changes one changes no other render)."""
    first = renderer._email_context("share", "es")
    first["hashtags"].append("#Changed")
    first["handles"]["ioc"] = "changed"
    first["postal_address"].append("changed")
    second = renderer._email_context("share", "es")
    assert second["hashtags"] == list(renderer.campaign.hashtags_for("es"))
    assert "changed" not in second["postal_address"]
    assert second["handles"]["ioc"] != "changed"
    assert second == renderer._email_context("share", "es")
    assert renderer._context("es", "x", "share")["channel"] == "x"
    assert renderer._context("es", "x", "share")["handles"] != second["handles"]


def test_lipsum_is_no_template_global(example: Path) -> None:
    """Jinja's ``lipsum()`` writes random text: a template may not use it (the same campaign
    must render the same), and saying so is the template's error, not a traceback."""
    share = example / "messages" / "share.j2"
    rewrite(share, "{% block post %}", "{% block post %}{{ lipsum(1) }}")
    code, _, err = run_cli(example, "render", "share", "-c", "x")
    assert code == 2
    assert "share.j2" in err and "lipsum" in err and "Traceback" not in err


def test_a_template_name_that_is_not_utf8_is_refused(example: Path) -> None:
    """A file name of undecodable bytes (a pull request can add one) is one line naming the
    folder, exit 2, for the commands that list the templates."""
    import os

    os.close(os.open(os.path.join(os.fsencode(example / "messages"), b"caf\xff.j2"), os.O_CREAT))
    for command in (("render",), ("check",), ("extract",)):
        code, out, err = run_cli(example, *command)
        assert code == 2, (command, out, err)
        assert err.strip().endswith("is not UTF-8 text: rename it"), err
        assert str(example / "messages") in err and len(err.strip().splitlines()) == 1
