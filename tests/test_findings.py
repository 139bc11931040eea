"""outreach.findings: the vocabulary every layer shares about what the checks report."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.checks import CATALOG_CHECKS, ENTRY_CHECKS
from outreach.checks.registry import entry_check
from outreach.findings import CHECK_NAMES, Finding, summarize


def test_check_names_are_exactly_the_registered_checks() -> None:
    """campaign.toml's [[checks.ignore]] is validated against CHECK_NAMES without loading a
    check; the registry is what runs. The two must name the same checks."""
    assert set(ENTRY_CHECKS) | set(CATALOG_CHECKS) == CHECK_NAMES
    assert not set(ENTRY_CHECKS) & set(CATALOG_CHECKS)


def test_a_check_that_is_not_listed_does_not_register() -> None:
    with pytest.raises(AssertionError, match=r"'spelling' is not in outreach\.findings"):
        entry_check("spelling", "warning")
    assert "spelling" not in ENTRY_CHECKS


def test_campaign_toml_names_an_unknown_check_at_its_line(tmp_path: Path) -> None:
    from outreach.campaign import parse_campaign
    from outreach.errors import ConfigError

    text = (
        '[campaign]\nname = "X"\nsource_locale = "en"\nlocales = ["en"]\n'
        'hashtags = ["#X"]\nurl = "https://example.org/"\n\n'
        '[[checks.ignore]]\ncheck = "spelling"\nreason = "no"\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_campaign(text, root=tmp_path, path="campaign.toml")
    assert str(caught.value).startswith("campaign.toml:9: ")
    assert "'spelling' is not a check" in str(caught.value)
    assert "wrong-language" in str(caught.value)  # the names it may use are listed


def test_findings_round_trip_and_summarize() -> None:
    warning = Finding("fr", "fr.po", None, None, None, "header", "warning", "no Language")
    error = Finding("fr", "fr.po", 9, "Hi", "subject", "urls", "error", "link evil.com")
    assert [Finding.from_json(f.to_json()) for f in (warning, error)] == [warning, error]
    assert summarize([warning, error, error]) == {"errors": 2, "warnings": 1}
    assert str(warning) == "fr.po: warning: header: no Language"
