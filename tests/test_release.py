"""Readiness per locale and message (``outreach status``) and approvals (``outreach
approve``): what makes a message ready, an approval written into campaign.toml as data, and
an approval that lapses when an approved string changes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from conftest import WATCH, edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.release import readiness


def _require_approval(root: Path) -> None:
    config = root / "messages" / "campaign.toml"
    config.write_text(
        config.read_text("utf-8") + "\n[release]\nrequire_approval = true  # reviewers sign off\n",
        "utf-8",
    )


def _status(root: Path, *args: str) -> tuple[int, dict[str, dict[str, object]]]:
    code, out, _ = run_cli(root, "status", *args, "--format", "json")
    return code, {row["locale"]: row for row in json.loads(out)["locales"]}


def test_every_locale_of_the_example_is_ready(example: Path) -> None:
    code, rows = _status(example)
    assert code == 0
    assert {locale: row["ready"] for locale, row in rows.items()} == dict.fromkeys(
        ["en", "es", "fr", "pt"], True
    )
    assert rows["es"]["approval"] == "not required"


def test_a_fuzzy_string_makes_only_its_messages_not_ready(example: Path) -> None:
    from outreach.pofile import read_catalog, write_catalog

    po = po_path(example, "fr")
    catalog = read_catalog(po.read_bytes(), path=str(po))
    catalog.get(WATCH).flags.add("fuzzy")
    po.write_bytes(write_catalog(catalog))
    code, rows = _status(example)
    assert code == 1
    fr = {m["message"]: m for m in rows["fr"]["messages"]}  # type: ignore[union-attr]
    assert fr["share"]["ready"] is False
    assert fr["share"]["untranslated"] == [{"msgctxt": None, "msgid": WATCH}]
    assert fr["share"]["reasons"] == ["1 string(s) untranslated or fuzzy"]
    assert fr["petition"]["ready"] is True  # it does not use that string
    assert rows["es"]["ready"] is True
    code, out, err = run_cli(example, "status", "share")
    assert code == 1 and "fr: not ready: share: 1 string(s) untranslated or fuzzy" in err
    assert "petition" not in out


def test_an_error_finding_and_a_broken_catalog(example: Path) -> None:
    edit_po(po_path(example, "es"), {WATCH: "Mira https://evil.com"})
    po = po_path(example, "pt")
    po.write_text(po.read_text("utf-8") + '\nmsgid "x\n', "utf-8")
    code, rows = _status(example)
    assert code == 1
    es = {m["message"]: m for m in rows["es"]["messages"]}  # type: ignore[union-attr]
    assert "error finding" in es["share"]["reasons"][0]
    assert any("evil.com" in line for line in es["share"]["errors"])
    assert rows["pt"]["ready"] is False and "locales/pt/LC_MESSAGES/messages.po:" in str(
        rows["pt"]["broken"]
    )
    assert rows["fr"]["ready"] is True


def test_approve_writes_data_and_the_approval_lapses_when_a_string_changes(
    example: Path,
) -> None:
    _require_approval(example)
    code, rows = _status(example)
    assert code == 1 and rows["es"]["approval"] == "not approved"
    assert rows["en"]["ready"] is True  # the source needs no approval
    code, _, err = run_cli(example, "approve", "es")
    assert code == 0, err
    config = (example / "messages" / "campaign.toml").read_text("utf-8")
    assert "require_approval = true  # reviewers sign off" in config  # the rest kept
    approved = tomllib.loads(config)["release"]["approved"]["es"]
    assert set(approved) == {"date", "digest"} and approved["digest"].startswith("sha256:")
    code, rows = _status(example)
    assert rows["es"]["ready"] is True and rows["es"]["approval"] == "approved"
    assert rows["es"]["digest"] == approved["digest"]

    edit_po(po_path(example, "es"), {WATCH: "Mira el corto ahora"})  # an approved string
    code, rows = _status(example)
    assert rows["es"]["ready"] is False and rows["es"]["approval"] == "lapsed"
    assert any("lapsed" in why for why in rows["es"]["why"])  # type: ignore[union-attr]
    assert run_cli(example, "approve", "es")[0] == 0  # approved anew
    assert _status(example)[1]["es"]["approval"] == "approved"


def test_approve_refuses_a_locale_that_is_not_ready(example: Path) -> None:
    _require_approval(example)
    before = (example / "messages" / "campaign.toml").read_bytes()
    edit_po(po_path(example, "fr"), {WATCH: ""})
    code, _, err = run_cli(example, "approve", "fr")
    assert code == 1 and "share: 1 string(s) untranslated or fuzzy" in err
    assert "fr is not ready: nothing was approved" in err
    assert (example / "messages" / "campaign.toml").read_bytes() == before
    code, _, err = run_cli(example, "approve", "xx")
    assert code == 2 and "unknown locale 'xx'" in err


def test_a_string_change_outside_the_messages_keeps_the_approval(example: Path) -> None:
    """The digest covers the strings the messages use, not the whole catalog: an obsolete
    or unused entry may change without a new review."""
    _require_approval(example)
    assert run_cli(example, "approve", "pt")[0] == 0
    po = po_path(example, "pt")
    po.write_text(po.read_text("utf-8") + '\n#~ msgid "Old"\n#~ msgstr "Velho"\n', "utf-8")
    state = {s.locale: s for s in readiness(load_campaign(example))}["pt"]
    assert state.ready and state.approval == "approved"


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('[release]\nat_deadline = "later"\n', 'at_deadline is "fallback" or "hold"'),
        ("[release]\ndeadline = 2026-12-10T09:00:00\n", "with its offset"),
        ("[release]\nsoon = true\n", "unknown keys: soon"),
        ('[release.approved]\nes = { date = "2026-12-01", digest = "x" }\n', "64 hex digits"),
        ('[release.approved]\nde = "2026-12-01"\n', "does not ship"),
    ],
)
def test_bad_release_settings_name_their_line(example: Path, table: str, fragment: str) -> None:
    config = example / "messages" / "campaign.toml"
    lines = config.read_text("utf-8").count("\n")
    config.write_text(config.read_text("utf-8") + "\n" + table, "utf-8")
    code, _, err = run_cli(example, "status")
    assert code == 2 and fragment in err, err
    assert f"messages/campaign.toml:{lines + 3}: " in err  # the key's line


@pytest.mark.parametrize(
    "layout",
    [
        "",
        "[release]\nrequire_approval = true  # kept\n",
        '[release]\nrequire_approval = true\n\n[release.approved]\nfr = "2026-11-30"\n',
        '[release.approved]\nfr = { date = "2026-11-30", digest = "sha256:' + "1" * 64 + '" }\n',
        "release = { require_approval = true }\n",
        "release.require_approval = true\n",
    ],
)
def test_set_approval_writes_any_layout_and_keeps_the_rest(layout: str) -> None:
    from outreach.campaign import set_approval

    base = '[campaign]\nname = "x"  # a comment\n'
    # keys of the top level go before the first table, tables after it
    text = "\ufeff" + (layout + base if layout.startswith("release") else base + "\n" + layout)
    digest = "sha256:" + "a" * 64
    edited = set_approval(text, "es", "2026-12-01", digest, path="campaign.toml")
    assert edited.startswith("\ufeff") and "# a comment" in edited
    before, after = tomllib.loads(text.lstrip("\ufeff")), tomllib.loads(edited.lstrip("\ufeff"))
    assert after["release"]["approved"]["es"] == {"date": "2026-12-01", "digest": digest}
    after["release"]["approved"].pop("es")
    if not after["release"]["approved"]:
        after["release"].pop("approved")
    if not after["release"]:
        after.pop("release")
    assert after == before  # nothing else changed
