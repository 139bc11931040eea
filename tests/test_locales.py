"""Locale names: parsed before they are ever used as a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.errors import LocaleError
from outreach.locales import (
    babel_locale,
    fallback_chain,
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


def test_zh_cn_keeps_the_name_the_user_wrote(tmp_path: Path) -> None:
    """Babel expands zh_CN to zh_Hans_CN; the catalog directory stays zh_CN, as pybabel's."""
    from outreach.scaffold import init_campaign

    campaign = init_campaign(tmp_path / "c")
    assert campaign.po_path("zh-CN").parts[-3] == "zh_CN"
    assert normalize_locale("zh_TW") == "zh_TW"
    with pytest.raises(LocaleError):
        normalize_locale("und")
