"""Each check on its own: what fires, at which severity, with which message, and what must not.

The labelled corpus (test_checks_corpus.py) proves recall and precision on realistic catalogs;
these tests pin the behaviour of each check and of the pieces it is built from.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import pytest
from babel.messages.catalog import Catalog
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.campaign import Campaign, parse_campaign
from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS, check_catalog
from outreach.plurals import PluralForms
from outreach.pofile import set_plural_forms
from outreach.tokens import find_emoji, find_hashtags, find_mentions, find_urls, strip_tokens

TOML = """
[campaign]
name = "Test"
source_locale = "en"
locales = ["en", "es", "fr", "ar", "ja", "ru", "th", "en-GB", "pt-BR"]
hashtags = ["#LoveAlwaysWins"]
url = "https://example.org/love"

[campaign.localized_hashtags]
es = ["#ElAmorSiempreGana"]
fr = ["#LAmourGagneToujours"]
"""
CAMPAIGN: Campaign = parse_campaign(TOML, root=".")

Found = list[tuple[str, str, str]]


class FakeDetector:
    """Answers langdetect-style candidates for every sample it is asked about."""

    def __init__(self, answer: tuple[tuple[str, float], ...]) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(
        self, samples: Collection[str], locale: str
    ) -> Mapping[str, tuple[tuple[str, float], ...]]:
        self.asked.extend(samples)
        return {sample: self.answer for sample in samples}


def check(
    source: str | tuple[str, str],
    translation: str | Sequence[str],
    *,
    locale: str = "es",
    context: str | None = None,
    flags: Sequence[str] = (),
    fuzzy: bool = False,
    detector: FakeDetector | None = None,
) -> Found:
    """Findings for one entry, as ``(check, severity, message)``."""
    catalog = Catalog(locale=locale, fuzzy=False)
    catalog.add(
        source,
        translation if isinstance(translation, str) else list(translation),
        flags=list(flags) + (["fuzzy"] if fuzzy else []),
        context=context,
    )
    findings = check_catalog(
        catalog, file="x.po", locale=locale, campaign=CAMPAIGN, detector=detector
    )
    return [(f.check, f.severity, f.message) for f in findings]


def checks(found: Found) -> set[str]:
    return {name for name, _, _ in found}


# -- placeholders and plurals --------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "translation", "message"),
    [
        ("Sign: %(url)s", "Firma", "placeholder %(url)s is missing from the translation"),
        ("Sign", "Firma %(url)s", "placeholder %(url)s is not in the source"),
        ("Sign: %(url)s", "Firma: %(enlace)s", "placeholder %(url)s was renamed to %(enlace)s"),
        ("Sign %(url)s", "Firma %(url),", "invalid placeholder '%(url),'"),
        ("Up %d%%", "Sube 50%", "invalid placeholder '%'"),
        ("Hi {name}", "Hola {nombre}", "placeholder {name} was renamed to {nombre}"),
    ],
)
def test_placeholders(source: str, translation: str, message: str) -> None:
    found = [f for f in check(source, translation) if f[0] == "placeholders"]
    assert found and found[0][1] == "error"
    assert any(f[2].startswith(message) for f in found), found


def test_placeholders_are_checked_in_every_plural_form() -> None:
    found = check(
        ("%(num)d friend", "%(num)d friends"),
        ["%(num)d друг", "друга", "%(num)d друзей"],
        locale="ru",
    )
    assert (
        "placeholders",
        "error",
        "placeholder %(num)d is missing from the translation (plural form 1)",
    ) in found


def test_a_form_for_a_single_number_may_leave_out_the_count() -> None:
    forms = ["لا أحد", "شخص واحد", "شخصان", "%(num)s أشخاص", "%(num)s شخصًا", "%(num)s شخص"]
    assert check(("One person", "%(num)s people"), forms, locale="ar") == []
    forms[3] = "أشخاص"
    assert checks(check(("One person", "%(num)s people"), forms, locale="ar")) == {"placeholders"}


def test_plurals_empty_form_among_filled() -> None:
    found = check(("One", "%(num)s"), ["Uno", ""])
    assert [f[:2] for f in found] == [("plurals", "error")]


# -- header ---------------------------------------------------------------------------------
def test_header_problems_are_warnings() -> None:
    catalog = Catalog(locale="ru", fuzzy=True, charset="iso-8859-1")
    set_plural_forms(catalog, PluralForms(2, "(n != 1)"))
    catalog.add(("One friend", "%(num)s friends"), ("Один друг", "%(num)s друга"))
    found = [(f.check, f.severity, f.message) for f in check_catalog(catalog, file="ru.po")]
    headers = [m for check, severity, m in found if (check, severity) == ("header", "warning")]
    assert any("fuzzy" in m and "pybabel compile skips" in m for m in headers)
    assert any("charset is iso-8859-1" in m for m in headers)
    # a working formula no tool writes for Russian: a warning that says what it does
    (unusual,) = [m for m in headers if "Plural-Forms" in m]
    assert "is not a formula translation tools use for ru" in unusual
    assert "form 0 for 1; form 1 for 0, 2–1000, …" in unusual
    assert not [f for f in found if f[1] == "error"]


def test_header_language_other_than_the_catalog_is_a_warning() -> None:
    catalog = Catalog(locale="pt", fuzzy=False)
    found = [(f.severity, f.message) for f in check_catalog(catalog, file="es.po", locale="es")]
    assert found == [("warning", "the header says Language: pt, but this is the es catalog")]


# -- untranslated, fuzzy, same-as-source -----------------------------------------------------
def test_untranslated_and_fuzzy_are_warnings_but_not_in_the_source_catalog() -> None:
    assert check("Watch the film", "") == [
        (
            "untranslated",
            "warning",
            "not translated: renders in the source language (en) until it is",
        )
    ]
    assert [f[:2] for f in check("Watch", "Mira", fuzzy=True)] == [("fuzzy", "warning")]
    assert check("Watch the film", "", locale="en") == []


@pytest.mark.parametrize("text", ["Video", "OK", "Instagram", "Love Always Wins", "Sochi 2014"])
def test_same_as_source_ignores_short_words_and_names(text: str) -> None:
    assert check(text, text) == []


def test_same_as_source_fires_on_a_long_copy_only_in_another_language() -> None:
    text = "Then share it with your family and friends."
    assert check(text, text) == [
        (
            "same-as-source",
            "warning",
            "the translation is the source text unchanged; "
            "translate it, or flag it ignore-same-as-source if it stays as written",
        )
    ]
    assert check(text, text, locale="en_GB") == []
    assert check(text, text, flags=["ignore-same-as-source"]) == []


# -- wrong-language --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "source", "translation", "script"),
    [
        ("ja", "Watch the film", "Watch now", "Latin"),
        ("ar", "Sign", "Sign it", "Latin"),
        ("ru", "Share the film", "Share it", "Latin"),
        ("es", "Share the film", "Поделитесь фильмом", "Cyrillic"),
    ],
)
def test_wrong_script_is_an_error_even_for_short_strings(
    locale: str, source: str, translation: str, script: str
) -> None:
    found = check(source, translation, locale=locale)
    assert [f[:2] for f in found] == [("wrong-language", "error")]
    assert f"written in {script} script" in found[0][2]


@pytest.mark.parametrize(
    ("locale", "source", "translation"),
    [
        ("ja", "Watch it on YouTube", "YouTubeで見てください"),  # a brand in Latin letters
        ("ja", "Ask the IOC", "IOCに聞いてください"),
        ("ar", "Use #LoveAlwaysWins at %(url)s", "استخدم #LoveAlwaysWins على %(url)s"),
        ("ja", "OK", "OK"),
        ("ru", "Sochi", "Сочи"),
    ],
)
def test_brands_tokens_and_copies_do_not_make_a_wrong_script(
    locale: str, source: str, translation: str
) -> None:
    assert "wrong-language" not in checks(check(source, translation, locale=locale))


def test_langdetect_is_consulted_only_for_long_enough_text() -> None:
    detector = FakeDetector((("fr", 0.99),))
    long = "La Russie a fait un crime de parler ouvertement des personnes gays avant les Jeux."
    found = check(
        "Russia made it a crime to speak openly before the Games.", long, detector=detector
    )
    assert found == [
        (
            "wrong-language",
            "error",
            "the translation looks like French (fr, 99% by langdetect), not Spanish",
        )
    ]
    detector = FakeDetector((("it", 0.99),))
    assert check("Read our full report.", "Lee nuestro informe.", detector=detector) == []
    assert detector.asked == []  # three words: too short to judge


def test_langdetect_must_rule_the_catalog_language_out_clearly() -> None:
    text = "Lee nuestro informe completo antes de compartirlo con tus amigos."
    for answer in ((("it", 0.71), ("es", 0.28)), (("it", 0.6), ("pt", 0.3))):
        assert (
            check("Read our report before you share it.", text, detector=FakeDetector(answer)) == []
        )
    # languages langdetect confuses with each other do not count as wrong
    found = check(
        "Share it with your friends before the deadline.",
        "Del den med dine venner før fristen udløber i aften.",
        locale="nb",
        detector=FakeDetector((("da", 0.99),)),
    )
    assert "wrong-language" not in checks(found)


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es", "Lee nuestro informe completo."),
        ("es", "Firma ahora"),
        ("es", "Hola"),
        ("pt_BR", "Veja o filme"),
        ("fr", "Merci !"),
        ("ja", "署名する"),
    ],
)
def test_short_strings_never_raise_a_language_alarm_with_the_real_detector(
    locale: str, text: str
) -> None:
    from outreach.detect import LanguageJudge

    found = check("Some source text here", text, locale=locale, detector=LanguageJudge())
    assert "wrong-language" not in checks(found)


# -- hashtags, links, mentions, emoji ------------------------------------------------------
SOURCE_TAG = "Post with #LoveAlwaysWins today"


@pytest.mark.parametrize(
    ("locale", "translation", "message"),
    [
        (
            "es",
            "Publica con #Love AlwaysWins hoy",
            "hashtag #LoveAlwaysWins is broken by a space in “#Love AlwaysWins”: platforms would "
            "link only “#Love”",
        ),
        (
            "fr",
            "Publiez avec #L’AmourGagneToujours",
            "hashtag #LAmourGagneToujours is broken by an apostrophe in “#L’AmourGagneToujours”: "
            "platforms would link only “#L”",
        ),
        (
            "es",
            "Publica con #Love-Always-Wins hoy",
            "hashtag #LoveAlwaysWins is broken by a hyphen in “#Love-Always-Wins”: platforms "
            "would link only “#Love”",
        ),
        (
            "es",
            "Publica con #LoveAlwaysWin hoy",
            "hashtag #LoveAlwaysWins is misspelled as #LoveAlwaysWin",
        ),
        (
            "es",
            "Publica con #lovealwayswins hoy",
            "hashtag #LoveAlwaysWins was changed to #lovealwayswins; keep it exactly as written",
        ),
        (
            "es",
            "Publica con LoveAlwaysWins hoy",
            "hashtag #LoveAlwaysWins lost its “#”: it would not be linked",
        ),
        (
            "ja",
            "今日 #ElAmorSiempreGana で投稿",
            "hashtag #LoveAlwaysWins was replaced by #ElAmorSiempreGana, the variant for es; ja "
            "accepts #LoveAlwaysWins",
        ),
        (
            "ja",
            "今日、#LoveAlwaysWinsで投稿しよう",
            "hashtag #LoveAlwaysWins runs into the text after it: platforms would link "
            "#LoveAlwaysWinsで投稿しよう; put a space after the tag",
        ),
        (
            "ja",
            "今日は#LoveAlwaysWins で投稿しよう",
            "hashtag #LoveAlwaysWins is glued to the text before it (“は#LoveAlwaysWins”): "
            "platforms would not link it; put a space before the tag",
        ),
        ("es", "Publica hoy", "hashtag #LoveAlwaysWins is missing from the translation"),
    ],
)
def test_hashtags(locale: str, translation: str, message: str) -> None:
    found = [f for f in check(SOURCE_TAG, translation, locale=locale) if f[0] == "hashtags"]
    assert found == [("hashtags", "error", message)]


@pytest.mark.parametrize(
    ("locale", "translation"),
    [
        ("es", "Publica con #LoveAlwaysWins hoy"),
        ("es", "Publica con #ElAmorSiempreGana hoy"),
        ("fr", "Publiez avec « #LAmourGagneToujours » aujourd’hui"),
        ("ja", "今日、＃LoveAlwaysWins で投稿しよう"),
    ],
)
def test_hashtags_kept_or_accepted_variant(locale: str, translation: str) -> None:
    assert "hashtags" not in checks(check(SOURCE_TAG, translation, locale=locale))


@pytest.mark.parametrize(
    ("translation", "message"),
    [
        (
            "Lee https://evil.example/r",
            "link https://evil.example/r points to evil.example, which the source does not link "
            "to: a possible link hijack (the source links https://example.org/love/report)",
        ),
        (
            "Lee https://example.org/amor",
            "link https://example.org/love/report was changed to https://example.org/amor",
        ),
        ("Lee el informe", "link https://example.org/love/report is missing from the translation"),
        (
            "Lee https://example.org/love/report o bit.ly/x",
            "link bit.ly/x points to bit.ly, which the source does not link to: a possible link "
            "hijack",
        ),
    ],
)
def test_urls(translation: str, message: str) -> None:
    found = [
        f for f in check("Read https://example.org/love/report.", translation) if f[0] == "urls"
    ]
    assert found == [("urls", "error", message)]


def test_urls_kept_with_local_punctuation_are_fine() -> None:
    source = "Read it at https://example.org/love. Write to team@example.org!"
    translation = "Léelo en https://example.org/love… ¡Escríbenos a team@example.org!"
    assert check(source, translation) == []


def test_mentions() -> None:
    source = "Ask @iocmedia and write to love@example.org"
    assert [f[2] for f in check(source, "Pregunta a @ioc_media y escribe a love@example.org")] == [
        "mention @iocmedia was changed to @ioc_media"
    ]
    assert [f[2] for f in check(source, "Pregunta y escribe a love@example.org")] == [
        "mention @iocmedia is missing from the translation"
    ]
    extra = check(source, "Pregunta a @iocmedia y a @otro, escribe a love@example.org")
    assert [f[2] for f in extra] == [
        "mention @otro is not in the source: it would notify that account"
    ]


def test_emoji_dropped_is_a_warning_moved_or_retoned_is_fine() -> None:
    assert check("Love wins 🏳️‍🌈", "El amor gana") == [
        ("emoji", "warning", "emoji 🏳‍🌈 of the source is missing")
    ]
    assert check("Love wins 🏳️‍🌈 👍", "🏳️‍🌈 El amor gana 👍🏽") == []


# -- markup and injections -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "translation", "message"),
    [
        (
            "Post <b>now</b>",
            "Publica <b>ya</b><script>x()</script>",
            "<script> is not in the source: translations must not add markup",
        ),
        (
            "Post <b>now</b>",
            "Publica <b>ya</b><img src=x onerror=y()>",
            "<img> is not in the source: translations must not add markup",
        ),
        (
            '<a href="%(url)s">Sign</a>',
            '<a href="%(url)s" onclick="x()">Firma</a>',
            "event handler onclick= on <a> is not allowed in a translation",
        ),
        (
            '<a href="%(url)s">Sign</a>',
            '<a href="%(url)s" style="x">Firma</a>',
            "attribute style= on <a> is not in the source",
        ),
        (
            '<a href="%(url)s">Sign</a> %(url)s',
            '<a href="java&#115;cript:x()">Firma</a> %(url)s',
            "<a href=…> is a javascript: link, which the source does not have",
        ),
        (
            '<a href="%(url)s">Sign</a> %(url)s',
            '<a href="data:text/html,x">Firma</a> %(url)s',
            "<a href=…> is a data: link, which the source does not have",
        ),
        ("Post <b>now</b>", "Publica <b>ya", "tags are not balanced: <b> is never closed"),
        ("Post <b>now</b>", "Publica ya", "<b> of the source is missing from the translation"),
        (
            "Post now",
            "Publica <!-- x --> ya",
            "an HTML comment or declaration is not in the source",
        ),
    ],
)
def test_html(source: str, translation: str, message: str) -> None:
    found = [f for f in check(source, translation, flags=["python-format"]) if f[0] == "html"]
    assert ("html", "error", message) in found, found


def test_html_reordered_tags_and_entities_are_fine() -> None:
    source = 'Post with <strong>%(tag)s</strong> at <a href="%(url)s">the site</a> &amp; more'
    translation = (
        '<a href="%(url)s">Sur le site</a>, publiez avec <strong>%(tag)s</strong> &amp; plus'
    )
    assert check(source, translation, locale="fr") == []


def test_template_injection() -> None:
    for token in ("{{ config }}", "{% include 'x' %}", "{# x #}"):
        found = check("Hello", f"Hola {token}")
        assert ("template-injection", "error") in [f[:2] for f in found]
    assert check("Use {{ and }} literally", "Usa {{ y }} literalmente") == []


def test_header_injection_only_for_email_header_contexts() -> None:
    found = check("Join us", "Únete\r\nBcc: x@y.org", context="subject")
    assert ("header-injection", "error") in [f[:2] for f in found]
    assert check("Join us\ntoday", "Únete\nhoy") == []  # a body may have line breaks
    assert check("Join us", "Únete ya", context="preheader") == []


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\ufeff", "\u2060", "\u200f"])
def test_invisible_characters(char: str) -> None:
    found = check("Sign now", f"Fir{char}ma ya")
    assert [f[:2] for f in found] == [("invisible", "error")]
    assert f"U+{ord(char):04X}" in found[0][2]


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u2060"])
def test_a_zero_width_character_beside_a_space_is_only_a_warning(char: str) -> None:
    """Issue 10: U+200B pasted next to a space is junk but harmless (Wagtail's ru and ar
    catalogs have "отправлена \u200b\u200bна модерацию")."""
    found = check("Sent for moderation", f"Отправлена {char}{char}на модерацию", locale="ru")
    assert [f[:2] for f in found] == [("zero-width", "warning")]
    # inside a word, or starting the string (it would hide a leading "="), it stays an error
    assert [f[:2] for f in check("Sign now", f"{char}=1+1 ya")] == [("invisible", "error")]
    assert [f[:2] for f in check("Sign now", f"Fir{char}{char}ma ya")] == [("invisible", "error")]
    # a bidi control stays an error next to a space too
    assert [f[:2] for f in check("Sign now", "Firma \u202e ya")] == [("invisible", "error")]


def test_invisible_characters_with_a_legitimate_use_are_fine() -> None:
    assert check("Deadline: %(d)s", "الموعد النهائي: \u200f%(d)s", locale="ar") == []
    assert check("Family 👨‍👩‍👧", "Familia 👨‍👩‍👧") == []  # ZWJ sequence
    assert check("Read more now", "อ่าน\u200bเพิ่มเติม", locale="th") == []
    assert check("Sign\u200b now", "Firma\u200b ya") == []  # the source has it too


# -- white space and length -------------------------------------------------------------------
def test_newlines_are_errors_spaces_are_warnings() -> None:
    assert check("Thanks\n", "Gracias") == [
        ("newlines", "error", "the source ends with a line break, the translation does not")
    ]
    assert check("Thanks", "\nGracias") == [
        ("newlines", "error", "the translation starts with a line break, the source does not")
    ]
    assert check("Total: ", "Total:") == [
        (
            "whitespace",
            "warning",
            "the source ends with a space, the translation does not: text joined after this "
            "string (a name, a number, a link) would run into its last word; keep the space",
        )
    ]


def test_max_length_flag() -> None:
    assert check("Donate", "Haz una donación hoy", flags=["max-length:10"]) == [
        ("length", "error", "20 characters, over the max-length:10 set for this string")
    ]
    assert check("Donate", "Dona", flags=["max-length:10"]) == []


# -- typography that must not fire ---------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "source", "translation"),
    [
        (
            "fr",
            "Deadline: %(d)s. Ready? Go!",
            "Date limite\u00a0: %(d)s. Prêts\u202f? Allez\u202f!",
        ),
        ("fr", "Say “yes”; then sign.", "Dites «\u202foui\u202f»\u202f; puis signez."),
        ("es", "Ready? Sign now!", "¿Listos? ¡Firma ya!"),
        ("ja", "Ready? Sign: %(url)s", "準備はいい？署名はこちら：%(url)s"),
        ("ja", "Love, always.", "愛を、いつも。"),
        ("ar", "Sign, share, act?", "وقّع، شارك، تحرّك؟"),
        ("ru", 'He said "no".', "Он сказал «нет»."),
        ("es", "We did it.", "¡Lo logramos!"),
    ],
)
def test_language_aware_typography_does_not_fire(
    locale: str, source: str, translation: str
) -> None:
    assert check(source, translation, locale=locale, flags=["python-format"]) == []


# -- properties --------------------------------------------------------------------------------
WORDS = st.sampled_from(
    [
        "Sign",
        "the",
        "petition",
        "%(url)s",
        "%(num)d",
        "{name}",
        "#LoveAlwaysWins",
        "@iocmedia",
        "https://example.org/love",
        "<b>now</b>",
        "🏳️‍🌈",
        "love@example.org",
        "100%%",
        "today!",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=8).map(" ".join))
def test_a_translation_identical_to_its_source_is_never_an_error(source: str) -> None:
    found = check(source, source, locale="fr", flags=["python-format"])
    assert all(severity == "warning" for _, severity, _ in found), found


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_token_finders_never_raise_and_strip_is_idempotent(text: str) -> None:
    for finder in (find_urls, find_mentions, find_hashtags, find_emoji):
        assert all(isinstance(token, str) for token in finder(text))
    once = strip_tokens(text)
    assert strip_tokens(once) == once


def test_every_check_has_a_name_a_severity_and_a_docstring() -> None:
    for registered in [*ENTRY_CHECKS.values(), *CATALOG_CHECKS.values()]:
        assert registered.severity in ("error", "warning")
        assert registered.func.__doc__, registered.name
    assert {c.name for c in ENTRY_CHECKS.values() if c.structural} == {
        "plurals",
        "plural-source",
        "placeholders",
        "html",
        "template-injection",
        "header-injection",
        "invisible",
        "newlines",
    }
