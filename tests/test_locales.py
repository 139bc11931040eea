"""Locale names: parsed before they are ever used as a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.errors import LocaleError
from outreach.locales import (
    babel_locale,
    fallback_chain,
    match_locale,
    negotiate_locale,
    normalize_locale,
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
