"""campaign.toml -> Campaign: required keys, normalised locales, errors with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.campaign import load_campaign, parse_campaign
from outreach.errors import ConfigError, LocaleError

VALID = """\
[campaign]
name = "Love Always Wins"
source_locale = "en"
locales = ["en", "es", "pt-BR"]
hashtags = ["#LoveAlwaysWins"]
url = "https://example.org/love"

[campaign.localized_hashtags]
es = ["#ElAmorSiempreGana"]
"""


def test_mini_fixture_loads(campaign: Path) -> None:
    loaded = load_campaign(campaign)
    assert loaded.name == "Mini Campaign"
    assert loaded.source_locale == "en"
    assert loaded.locales == ("en", "es")
    assert loaded.target_locales == ("es",)
    assert loaded.hashtags == ("#MiniAction",)
    assert loaded.hashtags_for("es") == ("#MiniAction", "#MiniAccion")
    assert loaded.pot_path == campaign / "locales" / "messages.pot"
    assert loaded.po_path("es") == campaign / "locales/es/LC_MESSAGES/messages.po"
    assert loaded.mo_path("es") == campaign / "locales/es/LC_MESSAGES/messages.mo"


def test_locales_are_normalised_and_keep_their_label() -> None:
    campaign = parse_campaign(VALID, root=".")
    assert campaign.locales == ("en", "es", "pt_BR")
    assert campaign.label("pt_BR") == "pt-BR"
    assert campaign.resolve_locale("pt-BR") == "pt_BR"
    assert campaign.hashtags_for("es") == ("#LoveAlwaysWins", "#ElAmorSiempreGana")
    assert campaign.hashtags_for("fr") == ("#LoveAlwaysWins",)


def test_resolve_locale_refuses_a_locale_the_campaign_lacks() -> None:
    campaign = parse_campaign(VALID, root=".")
    with pytest.raises(LocaleError, match="no locale 'de'"):
        campaign.resolve_locale("de")


def test_po_path_never_takes_a_path_like_locale(tmp_path: Path) -> None:
    campaign = parse_campaign(VALID, root=tmp_path)
    for bad in ("../x", "es/../../etc", "/etc", "es.po", ""):
        with pytest.raises(LocaleError):
            campaign.po_path(bad)


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_campaign(text, root=".", path="messages/campaign.toml")
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (VALID.replace('name = "Love Always Wins"', 'name = "Love Always Wins'), 2, "invalid TOML"),
        (VALID.replace('url = "https://example.org/love"\n', ""), 1, "missing required key 'url'"),
        (VALID.replace('name = "Love Always Wins"\n', ""), 1, "missing required key 'name'"),
        (VALID.replace('"pt-BR"', '"../x"'), 4, "not a locale name"),
        (VALID.replace('"pt-BR"', '"xx-QQ"'), 4, "unknown locale"),
        (VALID.replace('"#LoveAlwaysWins"', '"LoveAlwaysWins"'), 5, "not a hashtag"),
        (VALID.replace('"#LoveAlwaysWins"', '"#Love Always"'), 5, "not a hashtag"),
        (VALID.replace('"#LoveAlwaysWins"', '"#2024"'), 5, "not a hashtag"),
        (VALID.replace('"#ElAmorSiempreGana"', '"ElAmor"'), 9, "not a hashtag"),
        (VALID.replace('source_locale = "en"', 'source_locale = "de"'), 3, "source_locale"),
        (VALID.replace('"es", "pt-BR"', '"es", "es"'), 4, "listed twice"),
        (VALID.replace("https://example.org/love", "example.org"), 6, "url must be"),
        (VALID.replace('locales = ["en", "es", "pt-BR"]', "locales = []"), 4, "non-empty list"),
        ("[other]\nx = 1\n", 1, "missing [campaign] table"),
    ],
)
def test_invalid_campaign_names_file_and_line(text: str, line: int, fragment: str) -> None:
    error = _error(text)
    assert error.path == "messages/campaign.toml"
    assert error.line == line
    assert fragment in error.message
    assert str(error).startswith(f"messages/campaign.toml:{line}: ")
    assert "\n" not in str(error)


def test_missing_campaign_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no campaign here") as info:
        load_campaign(tmp_path)
    assert info.value.path is not None
    assert info.value.path.endswith("campaign.toml")


def test_optional_tables_are_validated() -> None:
    text = VALID + '\n[campaign.timezones]\nes = "Mars/Olympus_Mons"\n'
    error = _error(text)
    assert "unknown time zone" in error.message
    assert error.line == 12
