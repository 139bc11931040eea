"""campaign.toml -> Campaign: required keys, normalised locales, errors with their line, the
locales' fallback chains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from outreach.campaign import list_locale, load_campaign, parse_campaign
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


# -- review fixes: url, name, BOM, locale keys, editing the locales list --------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://exa mple.org",
        "https://example.org/love\n",
        "https://example.org/a b",
        "https://example.org/\tx",
        "https://",
        "ftp://example.org",
        " https://example.org",
    ],
)
def test_url_must_be_a_whole_link(url: str) -> None:
    text = VALID.replace('url = "https://example.org/love"', f"url = {json.dumps(url)}")
    error = _error(text)
    assert error.line == 6
    assert "url must be" in error.message


@pytest.mark.parametrize(
    "url", ["https://example.org", "http://localhost:8000/a?b=c#d", "https://ex.org/ü?q=1"]
)
def test_whole_links_are_accepted(url: str) -> None:
    text = VALID.replace('url = "https://example.org/love"', f"url = {json.dumps(url)}")
    assert parse_campaign(text, root=".").url == url


@pytest.mark.parametrize("name", ["Love\nWins", "Love\r\nWins", "Love Wins\n", "Love\u2028Wins"])
def test_name_must_be_one_line(name: str) -> None:
    text = VALID.replace('name = "Love Always Wins"', f"name = {json.dumps(name)}")
    error = _error(text)
    assert error.line == 2
    assert "'name' must be one line" in error.message


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    assert parse_campaign("\ufeff" + VALID, root=".").locales == ("en", "es", "pt_BR")
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages/campaign.toml").write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_campaign(tmp_path).name == "Love Always Wins"
    broken = "\ufeff" + VALID.replace('"#LoveAlwaysWins"', '"LoveAlwaysWins"')
    assert _error(broken).line == 5  # the lines still count from the first


@pytest.mark.parametrize(
    ("table", "entry", "line"),
    [
        ("localized_hashtags", 'de = ["#LiebeGewinnt"]', 10),
        ("localized_hashtags", 'pt-PT = ["#OAmorVence"]', 10),
        ("timezones", 'fr = "Europe/Paris"', 12),
        ("timezones", 'es_MX = "America/Mexico_City"', 12),
    ],
)
def test_locale_keys_must_be_shipped_locales(table: str, entry: str, line: int) -> None:
    if table == "localized_hashtags":
        text = VALID + entry + "\n"
    else:
        text = VALID + f"\n[campaign.{table}]\n{entry}\n"
    error = _error(text)
    assert error.line == line
    assert "a locale the campaign does not ship" in error.message
    assert f"[campaign.{table}]" in error.message


def test_a_language_key_covers_its_regional_locales() -> None:
    text = VALID + 'pt = ["#OAmorVence"]\n\n[campaign.timezones]\npt = "America/Sao_Paulo"\n'
    campaign = parse_campaign(text, root=".")
    assert campaign.hashtags_for("pt_BR") == ("#LoveAlwaysWins", "#OAmorVence")
    assert campaign.timezones == {"pt": "America/Sao_Paulo"}
    regional = VALID + 'pt-BR = ["#OAmorVence"]\n'
    assert parse_campaign(regional, root=".").localized_hashtags["pt_BR"] == ("#OAmorVence",)
    narrower = VALID.replace('"pt-BR"', '"pt"') + 'pt-BR = ["#OAmorVence"]\n'
    assert "does not ship" in _error(narrower).message


_HEAD = '[campaign]\nname = "X"\nsource_locale = "en"\n'
_TAIL = 'hashtags = ["#X"]\nurl = "https://example.org"\n'


@pytest.mark.parametrize(
    ("locales", "edited"),
    [
        ('locales = ["en"]', 'locales = ["en", "es"]'),
        ('locales = ["en", ]  # shipped', 'locales = ["en", "es", ]  # shipped'),
        (
            'locales = [\n  "en",  # English\n  "ar",  # Arabic [RTL]\n]',
            'locales = [\n  "en",  # English\n  "ar",  # Arabic [RTL]\n  "es",\n]',
        ),
        (
            'locales = [\n  "en",  # English\n  "ar"  # Arabic, "RTL" ]\n]',
            'locales = [\n  "en",  # English\n  "ar",  # Arabic, "RTL" ]\n  "es"\n]',
        ),
        ('locales = ["en",\n           "ar"]', 'locales = ["en",\n           "ar", "es"]'),
        ("locales = ['en'] # [x]", "locales = ['en', \"es\"] # [x]"),
    ],
)
def test_list_locale_edits_only_the_list(locales: str, edited: str) -> None:
    text = _HEAD + locales + "\n" + _TAIL
    result = list_locale(text, "es")
    assert result == _HEAD + edited + "\n" + _TAIL
    assert parse_campaign(result, root=".").locales[-1] == "es"


def test_list_locale_finds_the_campaign_list() -> None:
    decoys = (
        '[variables]\nlocales = ["xx"]\nnote = """\nlocales = ["yy"]\n"""\n'
        '[campaign.timezones]\nen = "UTC"\n'
    )
    text = "\ufeff" + _HEAD.replace("\n", "\r\n") + 'locales = ["en"]\r\n' + _TAIL + decoys
    result = list_locale(text, "pt_BR")
    assert result.startswith("\ufeff")
    assert 'locales = ["en", "pt_BR"]\r\n' in result
    assert result.replace('"en", "pt_BR"', '"en"') == text
    dotted = 'campaign.name = "X"\ncampaign.source_locale = "en"\ncampaign.locales = ["en"]\n'
    dotted += 'campaign.hashtags = ["#X"]\ncampaign.url = "https://example.org"\n'
    assert parse_campaign(list_locale(dotted, "es"), root=".").locales == ("en", "es")


def test_list_locale_refuses_what_it_cannot_edit() -> None:
    inline = 'campaign = { name = "X", source_locale = "en", locales = ["en"], '
    inline += 'hashtags = ["#X"], url = "https://example.org" }\n'
    with pytest.raises(ConfigError, match="cannot add 'es'") as info:
        list_locale(inline, "es", path="messages/campaign.toml")
    assert str(info.value).startswith("messages/campaign.toml:1: ")


# -- fallback chains --------------------------------------------------------------------------
def test_a_chain_goes_through_listed_locales_only(example: Path) -> None:
    assert run_cli(example, "add-locale", "es_MX")[0] == 0
    campaign = load_campaign(example)
    assert campaign.chain("es_MX") == ["es_MX", "es", "en"]  # CLDR's es_419 is not listed
    assert campaign.chain("pt") == ["pt", "en"]


# -- [merge.columns]: what a supporters column may hold in a body (issue 18 item 7) ------------
def test_merge_columns_are_read() -> None:
    text = VALID + '\n[merge.columns]\npetition_url = "url"\nmessage = "text"\n_2nd = "text"\n'
    assert parse_campaign(text, root=".").merge_columns == {
        "petition_url": "url",
        "message": "text",
        "_2nd": "text",
    }
    assert parse_campaign(VALID, root=".").merge_columns == {}


@pytest.mark.parametrize(
    ("table", "line", "fragment"),
    [
        ('[merge.columns]\npetition_url = "link"\n', 12, 'must be "url" (one http(s) URL'),
        ("[merge.columns]\nmessage = true\n", 12, '"text" (line breaks and links), not True'),
        ('[merge.columns]\n"Petition URL" = "url"\n', 12, "('Petition URL' is petition_url)"),
        ('[merge.columns]\n"x_" = "url"\n', 12, "as templates name it"),
        ('[merge.columns]\nname = "text"\n', 12, "cannot declare 'name': it reaches the To"),
        ('[merge.columns]\nemail = "url"\n', 12, "cannot declare 'email'"),
        (
            '[merge]\ncolumn = {a = "url"}\n',
            12,
            "[merge] has unknown keys: column (keys: columns, sample, suppress, preferences)",
        ),
        ('[merge]\nsuppress = "a.csv"\n', 12, "suppress must be a list of paths"),
        ("[merge]\nsuppress = [1]\n", 12, "suppress must be a list of paths"),
        ("[merge]\npreferences = 3\n", 12, "preferences must be a path"),
        ('[merge]\ncolumns = "url"\n', 12, "columns must be a table"),
        ('merge = "text"\n', 10, "'merge' must be a table"),
    ],
)
def test_merge_columns_are_validated_at_their_line(table: str, line: int, fragment: str) -> None:
    text = VALID + "\n" + table
    if table.startswith("merge ="):  # a top-level key: before the first table
        text = "\n" * 9 + table + VALID
    error = _error(text)
    assert error.line == line, error
    assert fragment in error.message
    assert "\n" not in str(error)
