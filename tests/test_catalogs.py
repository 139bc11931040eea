"""The translator workflow end to end: init, extract, add-locale, update, compile, stats.

``compile`` leaves out what render refuses, and writes UTF-8 whatever a ``.po`` declares.
"""

from __future__ import annotations

import base64
import gettext
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARE_POST, SIGNED, WATCH, Golden, edit_po, po_path, rewrite, run_cli

from outreach.campaign import load_campaign
from outreach.pofile import message_forms, read_catalog

LOCATED = re.compile(r"^[^:]+:\d+: ")

ES = {
    "Watch the film": "Mira la película",
    ("subject", "Sign the petition"): "Firma la petición",
    "Sign the petition": "Firma la petición ya",
    ("subject", "Share the film with %(name)s"): "Comparte la película con %(name)s",
    ("preheader", "Two minutes, one message."): "Dos minutos, un mensaje.",
    "One person has signed.": ("Una persona ha firmado.", "%(count)s personas han firmado."),
    "%(num)d friend has shared it.": (
        "%(num)d amigo la ha compartido.",
        "%(num)d amigos la han compartido.",
    ),
    "Love always wins. Share the film: %(url)s %(hashtag)s": (
        "El amor siempre gana. Comparte la película: %(url)s %(hashtag)s"
    ),
    "You are receiving this because you signed up.": "Recibes esto porque te inscribiste.",
}


def _catalog(path: Path):  # type: ignore[no-untyped-def]
    return read_catalog(path.read_bytes(), path=str(path))


def _mo(campaign: Path, locale: str) -> gettext.GNUTranslations:
    with (campaign / "locales" / locale / "LC_MESSAGES" / "messages.mo").open("rb") as stream:
        return gettext.GNUTranslations(stream)


def _stats(campaign: Path) -> dict[str, dict[str, object]]:
    """``stats --format json`` by locale; exit 1 exactly when a translation is refused."""
    code, out, err = run_cli(campaign, "stats", "--format", "json")
    rows = {row["locale"]: row for row in json.loads(out)["locales"]}
    assert code == (1 if any(row["refused"] for row in rows.values()) else 0), err
    return rows


def _entry(text: str, msgid: str) -> str:
    """The block of ``text`` (a .po) whose msgid line is ``msgid "<msgid>"``."""
    for block in text.split("\n\n"):
        if f'msgid "{msgid}"' in block.splitlines():
            return block
    raise AssertionError(f"no entry {msgid!r}")


@pytest.fixture
def translated(extracted: Path) -> Path:
    """The mini campaign with en and es catalogs (``update`` creates the listed locales'
    catalogs), es fully translated."""
    code, out, _ = run_cli(extracted, "update")
    assert code == 0
    assert "locales/es/LC_MESSAGES/messages.po: created with 12 messages" in out
    edit_po(po_path(extracted, "es"), ES)
    assert run_cli(extracted, "update")[0] == 0
    return extracted


# -- init ---------------------------------------------------------------------------------
def test_init_creates_a_campaign_that_works_at_once(tmp_path: Path) -> None:
    target = tmp_path / "pride-2027"
    code, out, err = run_cli(None, "init", str(target))
    assert code == 0, err
    assert "Pride 2027" in out
    for name in ("messages/campaign.toml", "messages/welcome.j2", "babel.cfg"):
        assert (target / name).is_file()
    assert (target / "locales/messages.pot").is_file()
    assert po_path(target, "en").is_file()

    code, out, err = run_cli(target, "extract")
    assert (code, err) == (0, "")
    assert "unchanged" in out
    stats = _stats(target)
    assert list(stats) == ["en"]
    assert stats["en"]["percent"] == 100.0
    assert stats["en"]["total"] > 0

    assert run_cli(target, "add-locale", "es")[0] == 0
    assert run_cli(target, "compile")[0] == 0
    assert list(_stats(target)) == ["en", "es"]


def test_init_refuses_an_existing_campaign(campaign: Path) -> None:
    before = (campaign / "messages/campaign.toml").read_bytes()
    code, _, err = run_cli(None, "init", str(campaign))
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "already exists" in err
    assert (campaign / "messages/campaign.toml").read_bytes() == before


# -- extract ------------------------------------------------------------------------------
def test_extract_finds_every_kind_of_string(extracted: Path) -> None:
    pot = _catalog(extracted / "locales/messages.pot")
    found = {(m.context, m.id) for m in pot if m.id}
    assert found == {
        ("subject", "Sign the petition"),
        (None, "Sign the petition"),
        (None, "The petition closes on %(deadline)s."),
        (None, "Thank you for standing with us."),
        ("subject", "Share the film with %(name)s"),
        ("preheader", "Two minutes, one message."),
        (None, "Watch the film"),
        (None, ("One person has signed.", "%(count)s people have signed.")),
        (None, ("%(num)d friend has shared it.", "%(num)d friends have shared it.")),
        (None, "Love always wins. Share the film: %(url)s %(hashtag)s"),
        ("subject", "Welcome"),
        (None, "You are receiving this because you signed up."),
    }
    thanks = pot.get("Thank you for standing with us.")
    assert thanks.locations == [("messages/petition.j2", 7), ("messages/share.j2", 9)]
    post = pot.get("Love always wins. Share the film: %(url)s %(hashtag)s")
    assert post.auto_comments == ["a social post; keep %(url)s and %(hashtag)s."]
    assert "python-format" in post.flags
    assert "python-format" not in pot.get("Watch the film").flags
    # trimmed = true: the line break inside {% trans %} is collapsed
    assert pot.get("The petition closes on %(deadline)s.") is not None


def test_extract_twice_leaves_the_pot_alone(extracted: Path) -> None:
    pot = extracted / "locales/messages.pot"
    before = pot.read_bytes()
    mtime = pot.stat().st_mtime_ns
    code, out, _ = run_cli(extracted, "extract")
    assert code == 0
    assert "12 messages (unchanged)" in out
    assert pot.read_bytes() == before
    assert pot.stat().st_mtime_ns == mtime


def test_extract_sees_a_new_string(extracted: Path) -> None:
    (extracted / "messages/new.j2").write_text('{{ _("A brand new call to action") }}\n')
    code, out, _ = run_cli(extracted, "extract")
    assert code == 0
    assert "13 messages (written)" in out
    assert _catalog(extracted / "locales/messages.pot").get("A brand new call to action")


# the fields that change with the day and the Babel release
POT_VOLATILE = r'^"(?:POT-Creation-Date|PO-Revision-Date|Generated-By): (.*)\\n"$'


def test_pot_header_matches_golden(extracted: Path, golden: Golden) -> None:
    """Regenerate with ``OUTREACH_UPDATE_GOLDEN=1 pytest tests/test_catalogs.py``."""
    pot = (extracted / "locales/messages.pot").read_bytes()
    header = pot.decode("utf-8").split("\n\n", 1)[0] + "\n"
    header = golden("pot_header.txt", header, mask=[POT_VOLATILE])
    assert "<masked>" in header


# -- add-locale ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "nplurals", "name"),
    [("ru", 3, "Russian"), ("ar", 6, "Arabic"), ("ja", 1, "Japanese"), ("es", 2, "Spanish")],
)
def test_add_locale_writes_the_formula_translators_tools_use(
    extracted: Path, locale: str, nplurals: int, name: str
) -> None:
    code, out, err = run_cli(extracted, "add-locale", locale)
    assert (code, err) == (0, "")
    assert f"(Plural-Forms: nplurals={nplurals}; plural=" in out
    # CLDR has three forms for Spanish ("many": exact millions); add-locale says so
    assert ("CLDR has 3" in out) == (locale == "es")
    path = po_path(extracted, locale)
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert f'"Plural-Forms: nplurals={nplurals}; plural=' in text
    for field in (
        "Project-Id-Version: Mini Campaign 1.0",
        "Report-Msgid-Bugs-To:",
        "POT-Creation-Date:",
        "PO-Revision-Date:",
        "Last-Translator:",
        f"Language: {locale}",
        f"Language-Team: {name}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ):
        assert f'"{field}' in text, field
    header = text.split("\n\n", 1)[0]
    assert "#, fuzzy" not in header  # a fuzzy header would be skipped by pybabel compile
    plural = _entry(text, "%(num)d friend has shared it.")
    assert re.findall(r"^msgstr\[(\d+)\]", plural, re.M) == [str(i) for i in range(nplurals)]
    catalog = _catalog(path)
    assert catalog.num_plurals == nplurals
    assert len([m for m in catalog if m.id]) == 12
    assert all(not any(message_forms(m)) for m in catalog if m.id)


def test_add_locale_writes_cldr_plurals_on_request(extracted: Path) -> None:
    code, out, err = run_cli(extracted, "add-locale", "es", "--cldr-plurals")
    assert (code, err) == (0, "")
    assert "Poedit and GNU gettext use nplurals=2; plural=(n != 1); for es" in out
    catalog = _catalog(po_path(extracted, "es"))
    assert catalog.num_plurals == 3
    plural = _entry(po_path(extracted, "es").read_text(), "%(num)d friend has shared it.")
    assert re.findall(r"^msgstr\[(\d+)\]", plural, re.M) == ["0", "1", "2"]
    # it checks and compiles cleanly, whichever Babel is installed
    code, out, err = run_cli(extracted, "check", "--no-cache", "-l", "es")
    assert "plural-forms" not in out and "header:" not in out


@pytest.mark.parametrize("spelling", ["pt-BR", "pt_BR"])
def test_add_locale_accepts_both_spellings(extracted: Path, spelling: str) -> None:
    code, _, err = run_cli(extracted, "add-locale", spelling)
    assert (code, err) == (0, "")
    assert po_path(extracted, "pt_BR").is_file()
    assert not (extracted / "locales" / "pt-BR").exists()
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);' in po_path(extracted, "pt_BR").read_text()
    campaign = load_campaign(extracted)
    assert campaign.locales == ("en", "es", "pt_BR")
    assert 'locales = ["en", "es", "pt_BR"]' in (extracted / "messages/campaign.toml").read_text()

    other = "pt_BR" if spelling == "pt-BR" else "pt-BR"
    code, _, err = run_cli(extracted, "add-locale", other)
    assert code == 2
    assert "already has a catalog" in err


def test_add_locale_of_a_listed_locale_does_not_list_it_twice(extracted: Path) -> None:
    config = extracted / "messages/campaign.toml"
    before = config.read_text()
    assert run_cli(extracted, "add-locale", "es")[0] == 0
    assert config.read_text() == before
    assert load_campaign(extracted).locales == ("en", "es")


def test_add_locale_extracts_first_when_there_is_no_pot(campaign: Path) -> None:
    assert run_cli(campaign, "add-locale", "fr")[0] == 0
    assert (campaign / "locales/messages.pot").is_file()
    assert _catalog(po_path(campaign, "fr")).get("Watch the film") is not None


# -- update -------------------------------------------------------------------------------
def test_update_never_loses_a_translation(translated: Path) -> None:
    es = po_path(translated, "es")
    # the translator's own notes and a Weblate length limit
    text = es.read_text(encoding="utf-8")
    text = text.replace(
        '#: messages/share.j2:7\nmsgid "Watch the film"',
        "# Keep it short: a button.\n#: messages/share.j2:7\n"
        '#, max-length:20\nmsgid "Watch the film"',
    )
    text = text.replace(
        '#: messages/share.j2:2\n#, python-format\nmsgctxt "subject"',
        "# Subject line; the name is the supporter's.\n#: messages/share.j2:2\n"
        '#, python-format, max-length:78\nmsgctxt "subject"',
    )
    es.write_text(text, encoding="utf-8")

    share = translated / "messages/share.j2"
    rewrite(share, "Watch the film{%", "Watch the whole film{%")
    rewrite(share, "Share the film with %(name)s", "Share this film with %(name)s")
    (translated / "messages/partials/footer.j2").unlink()
    (translated / "messages/extra.j2").write_text('{{ _("Donate today") }}\n')
    assert run_cli(translated, "extract")[0] == 0

    code, out, err = run_cli(translated, "update")
    assert (code, err) == (0, "")
    assert "locales/es/LC_MESSAGES/messages.po: 1 new, 2 fuzzy, 1 obsolete, 0 revived" in out

    text = es.read_text(encoding="utf-8")
    catalog = _catalog(es)
    changed = catalog.get("Watch the whole film")
    assert changed.fuzzy
    assert changed.string == "Mira la película"
    assert changed.previous_id == ["Watch the film"]
    assert changed.user_comments == ["Keep it short: a button."]
    assert "max-length:20" in changed.flags
    assert '#| msgid "Watch the film"\nmsgid "Watch the whole film"' in text

    subject = catalog.get("Share this film with %(name)s", context="subject")
    assert subject.fuzzy
    assert subject.string == "Comparte la película con %(name)s"
    assert subject.flags >= {"max-length:78", "python-format", "fuzzy"}
    assert subject.user_comments == ["Subject line; the name is the supporter's."]

    gone = "You are receiving this because you signed up."
    assert catalog.get(gone) is None
    assert catalog.obsolete[gone].string == "Recibes esto porque te inscribiste."
    assert f'#~ msgid "{gone}"\n#~ msgstr "Recibes esto porque te inscribiste."' in text

    assert catalog.get("Donate today").string == ""
    # everything else is as it was
    for key, value in ES.items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        if msgid in ("Watch the film", "Share the film with %(name)s", gone):
            continue
        message = catalog.get(msgid, context=context)
        assert message.string == value
        assert not message.fuzzy

    # and a second update changes nothing
    before = es.read_bytes()
    code, out, _ = run_cli(translated, "update")
    assert code == 0
    assert "0 new, 0 fuzzy, 0 obsolete, 0 revived (unchanged)" in out
    assert es.read_bytes() == before


def test_an_obsolete_string_comes_back_with_its_translation(translated: Path) -> None:
    footer = translated / "messages/partials/footer.j2"
    saved = footer.read_text()
    footer.unlink()
    assert run_cli(translated, "extract")[0] == 0
    assert run_cli(translated, "update")[0] == 0
    assert "#~ msgid" in po_path(translated, "es").read_text()

    footer.write_text(saved)
    assert run_cli(translated, "extract")[0] == 0
    code, out, _ = run_cli(translated, "update")
    assert code == 0
    assert "locales/es/LC_MESSAGES/messages.po: 0 new, 0 fuzzy, 0 obsolete, 1 revived" in out
    catalog = _catalog(po_path(translated, "es"))
    revived = catalog.get("You are receiving this because you signed up.")
    assert revived.string == "Recibes esto porque te inscribiste."
    assert not revived.fuzzy
    assert not catalog.obsolete
    assert "#~" not in po_path(translated, "es").read_text()


def test_update_twice_writes_nothing(translated: Path) -> None:
    files = [po_path(translated, loc) for loc in ("en", "es")]
    before = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files}
    code, out, _ = run_cli(translated, "update")
    assert code == 0
    assert out.count("(unchanged)") == 2
    assert {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files} == before


def test_update_after_a_fuzzy_merge_is_stable(translated: Path) -> None:
    long_old = (
        "Then share it with your family and friends. Every person who sees it makes the "
        "message harder to ignore."
    )
    (translated / "messages/long.j2").write_text(f"{{{{ _({long_old!r}) }}}}\n")
    assert run_cli(translated, "extract")[0] == 0
    assert run_cli(translated, "update")[0] == 0
    edit_po(po_path(translated, "es"), {long_old: "Luego compártela con tu familia."})
    (translated / "messages/long.j2").write_text(
        f"{{{{ _({long_old.replace('Then share', 'Now share')!r}) }}}}\n"
    )
    assert run_cli(translated, "extract")[0] == 0
    assert run_cli(translated, "update")[0] == 0
    es = po_path(translated, "es")
    first = es.read_bytes()
    assert b'#| msgid ""\n#| "Then share it' in first
    assert run_cli(translated, "update")[0] == 0
    assert es.read_bytes() == first
    message = _catalog(es).get(long_old.replace("Then share", "Now share"))
    assert message.previous_id == [long_old]
    assert message.user_comments == []


def test_update_only_one_locale(translated: Path) -> None:
    code, out, _ = run_cli(translated, "update", "--locale", "es")
    assert code == 0
    assert "es/LC_MESSAGES" in out
    assert "en/LC_MESSAGES" not in out


# -- compile ------------------------------------------------------------------------------
def test_compile_writes_mo_files_gettext_reads(translated: Path) -> None:
    code, out, err = run_cli(translated, "compile")
    assert (code, err) == (0, "")
    assert "locales/es/LC_MESSAGES/messages.mo: 9 messages" in out
    t = _mo(translated, "es")
    assert t.gettext("Watch the film") == "Mira la película"
    assert t.pgettext("subject", "Sign the petition") == "Firma la petición"
    assert t.gettext("Sign the petition") == "Firma la petición ya"
    assert t.ngettext("One person has signed.", "%(count)s people have signed.", 1) == (
        "Una persona ha firmado."
    )
    assert t.ngettext("One person has signed.", "%(count)s people have signed.", 7) == (
        "%(count)s personas han firmado."
    )
    assert t.gettext("Thank you for standing with us.") == "Thank you for standing with us."
    source = _mo(translated, "en")
    assert source.gettext("Watch the film") == "Watch the film"


def test_compile_writes_nothing_when_a_catalog_is_unreadable(translated: Path) -> None:
    es = po_path(translated, "es")  # en comes first and is fine
    es.write_text(es.read_text(encoding="utf-8") + '\nmsgid "broken\n', encoding="utf-8")
    code, _, err = run_cli(translated, "compile")
    assert code == 2
    assert err.startswith(f"{es}:")
    assert not list((translated / "locales").rglob("*.mo"))


def test_compile_leaves_fuzzy_entries_out(translated: Path) -> None:
    es = po_path(translated, "es")
    rewrite(es, 'msgid "Watch the film"', '#, fuzzy\nmsgid "Watch the film"')
    code, out, err = run_cli(translated, "compile")
    assert (code, err) == (0, "")
    assert "locales/es/LC_MESSAGES/messages.mo: 8 messages (1 fuzzy left out)" in out
    t = _mo(translated, "es")
    assert t.gettext("Watch the film") == "Watch the film"
    assert t.gettext("Sign the petition") == "Firma la petición ya"


def _errors(err: str) -> list[str]:
    lines = err.splitlines()
    assert lines, "nothing on stderr"
    assert lines[-1].startswith("not compiled: ")
    for line in lines[:-1]:
        assert LOCATED.match(line), line
    return lines[:-1]


def test_incomplete_plurals_are_reported_and_left_out_with_force(translated: Path) -> None:
    es = po_path(translated, "es")
    edit_po(es, {"%(num)d friend has shared it.": ("%(num)d amigo la ha compartido.", "")})
    mo = es.with_suffix(".mo")
    code, _, err = run_cli(translated, "compile")
    assert code == 1
    (line,) = _errors(err)
    number = _entry(es.read_text(), "%(num)d friend has shared it.")
    assert line.startswith(f"{es}:")
    assert "plural" in line
    line_no = int(line.split(":")[1])
    assert es.read_text().splitlines()[line_no - 1].startswith("msgstr[1] ")
    assert number
    assert not mo.exists()

    code, out, err = run_cli(translated, "compile", "--force")
    assert (code, err) == (0, "")
    assert "8 messages (1 incomplete plurals left out)" in out
    t = _mo(translated, "es")
    assert t.ngettext("%(num)d friend has shared it.", "%(num)d friends have shared it.", 1) == (
        "%(num)d friend has shared it."
    )
    assert t.ngettext("%(num)d friend has shared it.", "%(num)d friends have shared it.", 4) == (
        "%(num)d friends have shared it."
    )


def test_a_fuzzy_header_is_used_as_msgfmt_uses_it(translated: Path) -> None:
    es = po_path(translated, "es")
    rewrite(es, 'msgid ""\nmsgstr ""\n', '#, fuzzy\nmsgid ""\nmsgstr ""\n')
    code, _, err = run_cli(translated, "compile")
    assert (code, err) == (0, "")
    assert _mo(translated, "es").gettext("Watch the film") == "Mira la película"
    # check warns at the header's "#, fuzzy" line and names the tool that skips it
    code, out, _ = run_cli(translated, "check", "--no-cache", "--no-render", "-l", "es")
    line = es.read_text().split("\n").index("#, fuzzy") + 1
    assert code == 0
    assert (
        f"{es.relative_to(translated)}:{line}: warning: header: the header is marked fuzzy" in out
    )
    assert "pybabel compile skips" in out


def test_broken_placeholders_are_refused_unless_forced(translated: Path) -> None:
    es = po_path(translated, "es")
    edit_po(
        es,
        {
            "Love always wins. Share the film: %(url)s %(hashtag)s": "El amor gana: %(url)s",
            ("subject", "Share the film with %(name)s"): "Comparte con %(nombre)s",
        },
    )
    code, _, err = run_cli(translated, "compile")
    assert code == 1
    lines = _errors(err)
    assert all(f"{es}:" in line and "placeholders" in line for line in lines)
    assert any("%(hashtag)s" in line for line in lines)
    assert any("%(nombre)s" in line for line in lines)
    assert not es.with_suffix(".mo").exists()

    assert run_cli(translated, "compile", "--force")[0] == 0
    assert es.with_suffix(".mo").exists()


def test_stats_marks_translations_refused_for_errors(translated: Path) -> None:
    """A catalog that parses but holds translations with error findings is marked: each
    refused translation at its line, the locale named, exit 1 (the messages that use them
    are held back by render, export, preview and merge)."""
    es = po_path(translated, "es")
    edit_po(es, {("subject", "Share the film with %(name)s"): "Comparte con %(nombre)s"})
    code, out, err = run_cli(translated, "stats", "--format", "json")
    assert code == 1
    rows = {row["locale"]: row for row in json.loads(out)["locales"]}
    assert rows["en"]["refused"] == [] and not rows["es"]["broken"]
    (refused,) = rows["es"]["refused"]
    assert refused.startswith(f"{es.relative_to(translated)}:") and "%(nombre)s" in refused
    assert refused in err
    assert "translations with errors: es (1): every message that uses one is held back" in err
    code, out, _ = run_cli(translated, "stats")
    assert code == 1 and "(1 refused)" in out
    # one translation with two errors is one translation refused, with both findings
    edit_po(es, {("subject", "Share the film with %(name)s"): "Comparte con %(nombre)s\x07"})
    code, out, err = run_cli(translated, "stats", "--format", "json")
    rows = {row["locale"]: row for row in json.loads(out)["locales"]}
    assert code == 1 and len(rows["es"]["refused"]) == 2
    assert "translations with errors: es (1)" in err
    assert "(1 refused)" in run_cli(translated, "stats")[1]


def test_compile_russian_plurals(extracted: Path) -> None:
    assert run_cli(extracted, "add-locale", "ru")[0] == 0
    forms = ("%(num)d друг поделился.", "%(num)d друга поделились.", "%(num)d друзей поделились.")
    edit_po(po_path(extracted, "ru"), {"%(num)d friend has shared it.": forms})
    assert run_cli(extracted, "update")[0] == 0
    code, _, err = run_cli(extracted, "compile", "--locale", "ru")
    assert (code, err) == (0, "")
    t = _mo(extracted, "ru")
    ids = ("%(num)d friend has shared it.", "%(num)d friends have shared it.")
    assert [t.ngettext(*ids, n) for n in (1, 3, 5, 21, 22, 11)] == [
        forms[0],
        forms[1],
        forms[2],
        forms[0],
        forms[1],
        forms[2],
    ]


@pytest.mark.skipif(shutil.which("msgunfmt") is None, reason="GNU msgunfmt is not installed")
def test_msgunfmt_agrees(translated: Path) -> None:
    assert run_cli(translated, "compile")[0] == 0
    mo = po_path(translated, "es").with_suffix(".mo")
    result = subprocess.run(
        ["msgunfmt", str(mo)], capture_output=True, check=True, text=True, encoding="utf-8"
    )
    back = read_catalog(result.stdout.encode(), path="msgunfmt")
    got = {(m.context, m.id): m.string for m in back if m.id}
    want = {}
    for key, value in ES.items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        message = _catalog(po_path(translated, "es")).get(msgid, context=context)
        want[(context, message.id)] = value
    assert got == want


# -- stats --------------------------------------------------------------------------------
def test_stats_json_shape(translated: Path) -> None:
    code, out, err = run_cli(translated, "stats", "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert list(document) == ["locales"]
    rows = document["locales"]
    assert [row["locale"] for row in rows] == ["en", "es"]
    for row in rows:
        assert list(row) == [
            "locale",
            "file",
            "total",
            "translated",
            "fuzzy",
            "untranslated",
            "percent",
            "problems",
            "broken",
            "refused",
        ]
    assert rows[1] == {
        "locale": "es",
        "file": "locales/es/LC_MESSAGES/messages.po",
        "total": 12,
        "translated": 9,
        "fuzzy": 0,
        "untranslated": 3,
        "percent": 75.0,
        "problems": [],
        "broken": False,
        "refused": [],
    }
    assert rows[0]["percent"] == 100.0  # the source locale needs no translation


def test_fuzzy_and_empty_plural_forms_are_not_translated(translated: Path) -> None:
    es = po_path(translated, "es")
    edit_po(es, {"%(num)d friend has shared it.": ("%(num)d amigo la ha compartido.", "")})
    rewrite(es, 'msgid "Watch the film"', '#, fuzzy\nmsgid "Watch the film"')
    row = _stats(translated)["es"]
    assert (row["total"], row["translated"], row["fuzzy"], row["untranslated"]) == (12, 7, 1, 4)
    assert row["percent"] == round(100 * 7 / 12, 1)


def test_stats_table(translated: Path) -> None:
    code, out, err = run_cli(translated, "stats")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["locale", "translated", "fuzzy", "untranslated", "total", "percent"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["en", "12", "0", "0", "12", "100.0%"]
    assert lines[3].split() == ["es", "9", "0", "3", "12", "75.0%"]


def test_update_changes_nothing_when_one_catalog_is_malformed(translated: Path) -> None:
    es, en = po_path(translated, "es"), po_path(translated, "en")
    (translated / "messages" / "share.j2").write_text(
        (translated / "messages" / "share.j2").read_text(encoding="utf-8").replace("Watch", "See"),
        encoding="utf-8",
    )
    assert run_cli(translated, "extract")[0] == 0
    before = en.read_bytes()
    es.write_bytes(es.read_bytes() + b'\nmsgid "broken\n')
    code, _, err = run_cli(translated, "update")
    assert code == 2 and err.startswith(f"{es}:")
    assert en.read_bytes() == before


def test_update_converts_a_legacy_charset_to_utf8(translated: Path) -> None:
    es = po_path(translated, "es")
    text = es.read_text(encoding="utf-8").replace("charset=utf-8", "charset=ISO-8859-1")
    es.write_bytes(text.encode("latin-1", errors="replace"))
    assert run_cli(translated, "update")[0] == 0
    assert b"charset=utf-8" in es.read_bytes()
    es.read_bytes().decode("utf-8")


def test_parallel_compile_matches_serial(translated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large campaigns compile in worker processes; the .mo files are the same bytes."""
    import outreach.catalogs as catalogs

    code, _, err = run_cli(translated, "compile")
    assert code == 0, err
    serial = {p: p.read_bytes() for p in (translated / "locales").rglob("*.mo")}
    monkeypatch.setattr(catalogs, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(catalogs.os, "cpu_count", lambda: 2)
    for path in serial:
        path.unlink()
    code, _, err = run_cli(translated, "compile")
    assert code == 0, err
    assert {p: p.read_bytes() for p in serial} == serial


def test_parallel_compile_reports_an_unreadable_catalog(
    translated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outreach.catalogs as catalogs

    monkeypatch.setattr(catalogs, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(catalogs.os, "cpu_count", lambda: 2)
    es = po_path(translated, "es")
    es.write_bytes(es.read_bytes() + b'\nmsgid "broken\n')
    code, _, err = run_cli(translated, "compile")
    assert code == 2 and err.startswith(f"{es}:") and len(err.splitlines()) == 1
    assert not list((translated / "locales").rglob("*.mo"))


# -- compile: what render refuses, and the .mo's charset ----------------------------------------
def test_compile_never_writes_an_entry_with_an_error(example: Path) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: "Mira https://evil.com/x %(url)s %(hashtag)s"})
    code, _, _ = run_cli(example, "compile", "-l", "es")
    mo = po_path(example, "es").with_suffix(".mo")
    assert code == 1
    assert not mo.exists() or b"evil.com" not in mo.read_bytes()


def test_compile_leaves_out_what_render_refuses_and_says_so(example: Path) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: "Mira evil.com/x %(url)s %(hashtag)s"})
    mo = po_path(example, "es").with_suffix(".mo")
    code, _, err = run_cli(example, "compile", "-l", "es")
    lines = err.strip().splitlines()
    assert code == 1 and "error: urls:" in lines[0]
    assert lines[-1].startswith("compiled without the translations with errors: es")
    translations = gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
    assert translations.gettext(SHARE_POST) == SHARE_POST  # falls back, as in render
    assert translations.gettext(WATCH) == "Mira el corto"  # the rest is compiled
    code, out, err = run_cli(example, "compile", "-l", "es", "--force")
    assert (code, err) == (0, "") and "1 with errors left out" in out
    assert b"evil.com" not in mo.read_bytes()


def test_the_mo_is_utf8_whatever_the_po_declares(example: Path) -> None:
    es = po_path(example, "es")
    text = es.read_text(encoding="utf-8").replace("charset=utf-8", "charset=ISO-8859-1", 1)
    es.write_bytes(text.encode("iso-8859-1"))
    code, _, err = run_cli(example, "compile", "-l", "es")
    assert code == 0, err
    data = es.with_suffix(".mo").read_bytes()
    translations = gettext.GNUTranslations(io.BytesIO(data))
    assert "charset=UTF-8" in translations.info()["content-type"]
    assert translations.gettext(SIGNED) == "Una persona ya ha firmado. ¿Te sumas tú también?"
    assert "¿Te sumas tú también?".encode() in data


# -- compile: what the check cache already knows --------------------------------------------------
def _compile_outputs(root: Path, *args: str) -> tuple[int, str, str, dict[str, bytes]]:
    code, out, err = run_cli(root, "compile", *args)
    mos = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.mo")}
    return code, out, err, mos


def _refuse_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    import outreach.translations

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a catalog was parsed and checked again")

    monkeypatch.setattr(outreach.translations, "compile_checked", refuse)


def _entry_checks_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that grows by each entry an entry check runs on."""
    import outreach.checks.runner as runner

    ran: list[str] = []
    real = runner.run_entry_checks

    def counted(unit: Any, checks: Any) -> Any:
        ran.append(unit.msgid)
        return real(unit, checks)

    monkeypatch.setattr(runner, "run_entry_checks", counted)
    return ran


def test_an_unchanged_catalog_is_not_compiled_again(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second compile recalls every catalog from the check cache (nothing is parsed or
    checked) and says and writes the same; an unchanged .mo is not even rewritten."""
    edit_po(po_path(example, "es"), {SHARE_POST: "Mira evil.com/x %(url)s %(hashtag)s"})
    uncached = _compile_outputs(example, "--force")
    for mo in example.rglob("*.mo"):
        mo.unlink()
    cold = _compile_outputs(example, "--force")
    stamps = {p: p.stat().st_mtime_ns for p in example.rglob("*.mo")}
    with monkeypatch.context() as patch:
        _refuse_checks(patch)
        warm = _compile_outputs(example, "--force")
        assert {p: p.stat().st_mtime_ns for p in example.rglob("*.mo")} == stamps
        for mo in example.rglob("*.mo"):
            mo.unlink()
        rewritten = _compile_outputs(example, "--force")
    assert uncached == cold == warm == rewritten
    assert "1 with errors left out" in warm[1]
    # refused without --force, from the cache as from a cold run: the same lines
    with monkeypatch.context() as patch:
        _refuse_checks(patch)
        recalled = run_cli(example, "compile")
    assert recalled[0] == 1 and "error: urls:" in recalled[2]
    edit_po(po_path(example, "es"), {SHARE_POST: "Mira https://example.org %(url)s %(hashtag)s"})
    edited = run_cli(example, "compile")
    assert edited[0] == 0, edited  # the edit is noticed


def test_compile_refuses_a_catalog_from_the_cache_as_from_a_cold_run(
    translated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_po(po_path(translated, "es"), {("subject", "Share the film with %(name)s"): "Con %(x)s"})
    cold = run_cli(translated, "compile")
    assert cold[0] == 1 and not po_path(translated, "es").with_suffix(".mo").exists()
    _refuse_checks(monkeypatch)
    assert run_cli(translated, "compile") == cold


def test_compile_after_check_checks_no_entry_again(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check`` judged every entry; compile takes their gate checks' results from the
    cache (and compiles what it compiles without one)."""
    edit_po(po_path(example, "es"), {SHARE_POST: "Mira evil.com/x %(url)s %(hashtag)s"})
    expected = _compile_outputs(example, "--force")
    for mo in example.rglob("*.mo"):
        mo.unlink()
    assert run_cli(example, "check")[0] == 1
    ran = _entry_checks_run(monkeypatch)
    assert _compile_outputs(example, "--force") == expected
    assert ran == []


def test_a_forged_compiled_catalog_is_ignored_and_rebuilt(example: Path) -> None:
    """A value of the cache file whose MAC does not match (here: another .mo put in with
    its old MAC) is ignored: the catalog is compiled again, and the cache rewritten."""
    from outreach.cache import CheckCache
    from outreach.translations import COMPILED

    expected = _compile_outputs(example)
    stored = CheckCache.open(None, os.path.realpath(example)).path(COMPILED)
    assert stored is not None and stored.exists()
    document = json.loads(stored.read_text(encoding="utf-8"))
    evil = base64.b64encode(b"forged .mo").decode("ascii")
    for key, (mac, text) in document["values"].items():
        value = json.loads(text)
        value["mo"] = evil
        document["values"][key] = [mac, json.dumps(value)]
    stored.write_text(json.dumps(document), encoding="utf-8")
    for mo in example.rglob("*.mo"):
        mo.unlink()
    assert _compile_outputs(example) == expected
    assert evil not in stored.read_text(encoding="utf-8")
