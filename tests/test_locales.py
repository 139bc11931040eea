"""Locale names: parsed before they are ever used as a path."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from outreach.errors import LocaleError
from outreach.locales import (
    RTL_SCRIPTS,
    babel_locale,
    fallback_chain,
    match_locale,
    negotiate_locale,
    normalize_locale,
    text_direction,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pt-BR", "pt_BR"),
        ("pt_BR", "pt_BR"),
        ("es", "es"),
        ("ru", "ru"),
        ("ar", "ar"),
        ("ja", "ja"),
        ("sr_Latn", "sr_Latn"),
        ("zh-Hant-TW", "zh_Hant_TW"),
    ],
)
def test_normalize_locale(name: str, expected: str) -> None:
    assert normalize_locale(name) == expected


@pytest.mark.parametrize(
    "name",
    ["../x", "..", "es/..", "es/../../etc", "/etc/passwd", "es\\x", "es.po", "es x", "", "e"],
)
def test_path_like_names_are_not_locales(name: str) -> None:
    with pytest.raises(LocaleError, match="not a locale name"):
        normalize_locale(name)


@pytest.mark.parametrize("name", ["xx", "qq-ZZ", "klingon"])
def test_unknown_locales(name: str) -> None:
    with pytest.raises(LocaleError, match="unknown locale"):
        normalize_locale(name)


def test_non_string_is_rejected() -> None:
    with pytest.raises(LocaleError):
        babel_locale(None)  # type: ignore[arg-type]


def test_babel_locale_gives_cldr_data() -> None:
    assert babel_locale("ar").text_direction == "rtl"
    assert babel_locale("pt-BR").territory == "BR"


@pytest.mark.parametrize(
    ("locale", "chain"),
    [
        ("pt_BR", ["pt_BR", "pt", "en"]),
        ("es", ["es", "en"]),
        ("en", ["en"]),
        ("sr_Latn_RS", ["sr_Latn_RS", "sr_Latn", "sr", "en"]),
    ],
)
def test_fallback_chain(locale: str, chain: list[str]) -> None:
    assert fallback_chain(locale, "en") == chain


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("pt-BR", "pt"),
        ("pt_BR", "pt"),
        ("es-MX", "es"),
        ("ES", "es"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
        ("../x", "en"),
        ("not a locale", "en"),
    ],
)
def test_negotiate_locale(wanted: str | None, expected: str) -> None:
    assert negotiate_locale(wanted, ["en", "es", "pt"], "en") == expected


def test_negotiate_prefers_exact_then_sibling() -> None:
    assert negotiate_locale("pt-BR", ["en", "pt_PT", "pt_BR"], "en") == "pt_BR"
    assert negotiate_locale("pt-BR", ["en", "pt_PT"], "en") == "pt_PT"


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        # a browser's Accept-Language, as merge reads a locale cell (it gave "en" before)
        ("pt-BR,pt;q=0.9,en;q=0.5", "pt"),
        ("de-DE, es;q=0.3", "es"),
        ("en;q=0.1, fr;q=0.9, es;q=0.5", "es"),
        ("*", "en"),
        ("es;q=0", "en"),
        ("en;q=2", "en"),  # not a weight: unusable, so the source locale
    ],
)
def test_negotiate_reads_accept_language(wanted: str, expected: str) -> None:
    assert negotiate_locale(wanted, ["en", "es", "pt"], "en") == expected


def test_negotiate_with_modifiers() -> None:
    """A gettext name with a modifier is a locale like any other, and a sibling: ``ca_ES``
    reads Valencian before English (the language was ``ca@valencia`` itself before)."""
    available = ["en", "ca@valencia", "sr"]
    assert negotiate_locale("ca-ES", available, "en") == "ca@valencia"
    assert negotiate_locale("ca@valencia", available, "en") == "ca@valencia"
    assert negotiate_locale("sr@latin", available, "en") == "sr"
    assert negotiate_locale("ca", ["en", "ca_ES@valencia"], "en") == "ca_ES@valencia"


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("pt-BR", ("pt", "first", "pt-BR")),
        ("pt_PT", ("pt", "first", "pt_PT")),
        ("de, pt;q=0.5", ("pt", "later", "de")),
        ("de", ("en", "fallback", "de")),
        ("fr;q=0", ("en", "fallback", "fr;q=0")),
        (None, ("en", "none", "")),
        ("  ", ("en", "none", "")),
        ("../x", None),
        ("x" * 300, None),
    ],
)
def test_match_locale_says_how(wanted: str | None, expected: tuple[str, str, str] | None) -> None:
    assert match_locale(wanted, ["en", "es", "pt"], "en") == expected


def test_zh_cn_keeps_the_name_the_user_wrote(tmp_path: Path) -> None:
    """Babel expands zh_CN to zh_Hans_CN; the catalog directory stays zh_CN, as pybabel's."""
    from outreach.scaffold import init_campaign

    campaign = init_campaign(tmp_path / "c")
    assert campaign.po_path("zh-CN").parts[-3] == "zh_CN"
    assert normalize_locale("zh_TW") == "zh_TW"
    with pytest.raises(LocaleError):
        normalize_locale("und")


# -- text direction -----------------------------------------------------------------------
def _babel_direction(name: str) -> str:
    """What outreach said before it read the script: Babel's, from the locale's whole data
    (its ``ttb``, Mongolian's top-to-bottom, was ``ltr`` too)."""
    from babel import Locale

    return "rtl" if Locale.parse(name.replace("-", "_")).text_direction == "rtl" else "ltr"


def test_text_direction_agrees_with_babel_for_every_locale() -> None:
    from babel import Locale
    from babel.localedata import locale_identifiers

    names = locale_identifiers()
    assert len(names) > 1000
    found = {name: text_direction(name) for name in names}
    assert {name: _babel_direction(name) for name in names} == found
    assert sum(d == "rtl" for d in found.values()) > 100
    vertical = sorted(n for n in names if Locale.parse(n).text_direction not in ("ltr", "rtl"))
    assert vertical == ["mn_Mong", "mn_Mong_CN", "mn_Mong_MN"]


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        # the script from the name as written: an explicit one wins over the language's
        ("sr_Latn", "ltr"),
        ("az_Arab", "rtl"),
        ("pa_Arab", "rtl"),
        ("uz-Arab", "rtl"),
        ("ks_Deva", "ltr"),
        ("sd_Deva", "ltr"),
        ("ff_Adlm", "rtl"),
        # the language's likely script
        ("ks", "rtl"),
        ("sd", "rtl"),
        ("ckb", "rtl"),
        ("ug", "rtl"),
        ("yi", "rtl"),
        ("dv", "rtl"),
        ("syr", "rtl"),
        ("nqo", "rtl"),
        ("rhg", "rtl"),
        ("pa", "ltr"),
        ("mn", "ltr"),
        # the territory's: names Babel has no data for, but understands
        ("pa_PK", "rtl"),
        ("uz_AF", "rtl"),
        ("az_IR", "rtl"),
        ("ks_IN", "rtl"),
        ("ku_IQ", "rtl"),
        ("zh_TW", "ltr"),
        ("iw_IL", "rtl"),  # Babel's alias of he_IL
        ("sr@latin", "ltr"),
        ("ar@x", "rtl"),
    ],
)
def test_text_direction_of_a_script(name: str, direction: str) -> None:
    assert text_direction(name) == direction == _babel_direction(name)


@pytest.mark.parametrize(
    ("name", "direction"),
    [("he_Latn", "ltr"), ("ar_Latn", "ltr"), ("en_Arab", "rtl"), ("tr_Arab", "rtl")],
)
def test_text_direction_follows_a_script_babel_has_no_data_for(name: str, direction: str) -> None:
    # Babel drops the script it has no data for and answers for the language
    assert text_direction(name) == direction != _babel_direction(name)
    assert normalize_locale(name) == name  # a campaign can ship it


@pytest.mark.parametrize("name", ["xx", "yi_US", "../x", ""])
def test_text_direction_of_an_unknown_locale(name: str) -> None:
    with pytest.raises(LocaleError):
        text_direction(name)


def test_rtl_scripts_are_those_with_right_to_left_letters() -> None:
    """RTL_SCRIPTS holds every script with a right-to-left letter (bidirectional class R or
    AL) in this Python's Unicode, and besides only codes it cannot tell: ISO 15924 variants
    (Aran, Syre, Syrj, Syrn), Book Pahlavi (Phlv: not in Unicode), Garay (Unicode 16)."""
    import sys

    import regex
    from babel import Locale

    letters = "".join(
        char
        for char in map(chr, range(sys.maxunicode + 1))
        if unicodedata.bidirectional(char) in ("R", "AL")
    )
    found = set()
    for code in {*RTL_SCRIPTS, *Locale("en").scripts}:  # every ISO 15924 code CLDR names
        try:
            script = regex.compile(rf"\p{{Script={code}}}")
        except regex.error:
            continue
        if script.search(letters):
            found.add(code)
    assert found - {"Zyyy"} <= RTL_SCRIPTS  # Common: Arabic punctuation, the ALM
    assert RTL_SCRIPTS - found <= {"Aran", "Syre", "Syrj", "Syrn", "Phlv", "Gara"}
    assert len(found & RTL_SCRIPTS) > 30


# -- common slips in a locale name (issue 22) ----------------------------------------------
@pytest.mark.parametrize(
    ("written", "meant"),
    [("jp", "'ja'"), ("cn", "'zh'"), ("gr", "'el'"), ("dk", "'da'"), ("cz", "'cs'"),
     ("jp-JP", "'ja-JP'"), ("iw", "'he'"), ("in", "'id'"), ("ji", "'yi'"), ("mo", "'ro'")],
)  # fmt: skip
def test_add_locale_refuses_a_slip_naming_the_code_meant(
    tmp_path: Path, written: str, meant: str
) -> None:
    from conftest import run_cli

    from outreach.scaffold import init_campaign

    campaign = init_campaign(tmp_path / "c").root
    before = (campaign / "messages" / "campaign.toml").read_bytes()
    code, out, err = run_cli(campaign, "add-locale", written)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"unknown locale {written!r}" in err
    assert f"use {meant}" in err or f"mean {meant}" in err
    assert (campaign / "messages" / "campaign.toml").read_bytes() == before
    assert not (campaign / "locales" / written).exists()


def test_a_language_that_is_also_a_country_is_added_with_a_note(tmp_path: Path) -> None:
    from conftest import run_cli

    from outreach.scaffold import init_campaign

    campaign = init_campaign(tmp_path / "c").root
    code, out, err = run_cli(campaign, "add-locale", "br")
    assert (code, err) == (0, "")
    assert "note: 'br' is Breton; for Brazil's Portuguese use 'pt-BR'" in out
    code, out, _ = run_cli(campaign, "add-locale", "pt-BR")
    assert code == 0 and "for Brazil" not in out and "country" not in out


@pytest.mark.parametrize("name", ["ca", "sr", "sr@latin", "pt-BR", "es-419", "zh-Hant", "fil"])
def test_no_slip_for_languages_of_state(name: str) -> None:
    from outreach.locales import locale_slip

    assert locale_slip(name) is None


def test_an_unknown_locale_names_the_language_meant_wherever_it_is_read() -> None:
    from outreach.errors import LocaleError
    from outreach.locales import normalize_locale

    with pytest.raises(LocaleError, match=r"unknown locale 'jp': .*did you mean 'ja'"):
        normalize_locale("jp")
