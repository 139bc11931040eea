"""Every way a command cannot run: exit 2, one ``path:line: message`` line, no traceback,
and no partial output left behind.

The last section holds the untrusted-input cases: files a pull request can add (symbolic
links, FIFOs, a NUL in a catalog) are refused, never read nor written through.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import po_path, run_cli, tree

LOCATED = re.compile(r"^[^:]+:\d+: \S")


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _located(err: str, path: Path, line: int | None = None) -> str:
    message = _one_line(err)
    assert LOCATED.match(message), message
    assert message.startswith(f"{path}:"), message
    if line is not None:
        assert message.startswith(f"{path}:{line}: "), message
    return message


# -- campaign.toml ------------------------------------------------------------------------
def _set_config(campaign: Path, old: str, new: str) -> Path:
    config = campaign / "messages/campaign.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new))
    return config


@pytest.mark.parametrize("command", [["extract"], ["stats"], ["update"], ["compile"]])
@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ('name = "Mini Campaign"', 'name = "Mini Campaign', 3, "invalid TOML"),
        ('name = "Mini Campaign"\n', "", 2, "missing required key 'name'"),
        ('hashtags = ["#MiniAction"]\n', "", 2, "missing required key 'hashtags'"),
        ('locales = ["en", "es"]', 'locales = ["en", "../x"]', 5, "not a locale name"),
        ('locales = ["en", "es"]', 'locales = ["en", "qq"]', 5, "unknown locale"),
        ('hashtags = ["#MiniAction"]', 'hashtags = ["MiniAction"]', 6, "not a hashtag"),
        ('es = ["#MiniAccion"]', 'es = ["#Mini Accion"]', 10, "not a hashtag"),
    ],
)
def test_invalid_campaign_toml(
    campaign: Path, command: list[str], old: str, new: str, line: int, fragment: str
) -> None:
    config = _set_config(campaign, old, new)
    before = tree(campaign)
    code, out, err = run_cli(campaign, *command)
    assert code == 2
    assert out == ""
    assert fragment in _located(err, config, line)
    assert tree(campaign) == before


def test_no_campaign_here(tmp_path: Path) -> None:
    code, _, err = run_cli(tmp_path, "stats")
    assert code == 2
    message = _one_line(err)
    assert message.startswith(f"{tmp_path / 'messages' / 'campaign.toml'}: ")
    assert "no campaign here" in message
    assert tree(tmp_path) == set()


# -- locales ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "fragment"),
    [
        ("../x", "not a locale name"),
        ("../../etc/passwd", "not a locale name"),
        ("es/../../x", "not a locale name"),
        ("/tmp/x", "not a locale name"),
        ("qq", "unknown locale"),
        ("xx-YY", "unknown locale"),
    ],
)
def test_add_locale_refuses_bad_names(extracted: Path, locale: str, fragment: str) -> None:
    parent = extracted.parent
    config = (extracted / "messages/campaign.toml").read_bytes()
    before = tree(parent)
    code, out, err = run_cli(extracted, "add-locale", locale)
    assert code == 2
    assert out == ""
    assert fragment in _one_line(err)
    assert tree(parent) == before  # no directory made, inside the campaign or beside it
    assert (extracted / "messages/campaign.toml").read_bytes() == config


@pytest.mark.parametrize("command", ["update", "compile", "stats"])
@pytest.mark.parametrize("locale", ["../x", "de"])
def test_locale_option_must_be_a_campaign_locale(
    extracted: Path, command: str, locale: str
) -> None:
    assert run_cli(extracted, "update")[0] == 0
    before = tree(extracted.parent)
    code, out, err = run_cli(extracted, command, "--locale", locale)
    assert code == 2
    assert out == ""
    message = _one_line(err)
    assert "not a locale name" in message or "no locale 'de'" in message
    assert tree(extracted.parent) == before


def test_add_locale_over_an_existing_catalog(extracted: Path) -> None:
    assert run_cli(extracted, "update")[0] == 0
    es = po_path(extracted, "es")
    before = es.read_bytes()
    code, _, err = run_cli(extracted, "add-locale", "es")
    assert code == 2
    assert "already has a catalog" in _one_line(err)
    assert es.read_bytes() == before


# -- malformed .po ------------------------------------------------------------------------
def _break_po(campaign: Path, old: str, new: str) -> tuple[Path, int]:
    """Replace ``old`` in the es catalog; return its path and the line ``new`` starts on."""
    assert run_cli(campaign, "update")[0] == 0
    es = po_path(campaign, "es")
    text = es.read_text(encoding="utf-8")
    assert old in text
    start = text.index(old)
    es.write_text(text.replace(old, new, 1), encoding="utf-8")
    return es, text[:start].count("\n") + 1


BROKEN = [
    # unterminated string
    ('msgid "Watch the film"\nmsgstr ""', 'msgid "Watch the film\nmsgstr ""', 0, "unterminated"),
    # a junk line between entries
    (
        'msgid "Watch the film"\nmsgstr ""',
        'msgid "Watch the film"\nmsgstr ""\nnonsense',
        2,
        "not PO",
    ),
    # a msgid without its msgstr
    ('msgid "Watch the film"\nmsgstr ""\n', 'msgid "Watch the film"\n', 0, "has no msgstr"),
    # an unescaped quote
    ('msgid "Watch the film"\nmsgstr ""', 'msgid "Watch the film"\nmsgstr "Mira "la" peli"', 1, ""),
    # the same entry twice
    (
        'msgid "Watch the film"\nmsgstr ""\n',
        'msgid "Watch the film"\nmsgstr ""\n\nmsgid "Watch the film"\nmsgstr "Mira"\n',
        3,
        "duplicate",
    ),
]


@pytest.mark.parametrize("command", ["stats", "compile", "update"])
@pytest.mark.parametrize(("old", "new", "offset", "fragment"), BROKEN)
def test_malformed_po_names_its_line(
    extracted: Path, command: str, old: str, new: str, offset: int, fragment: str
) -> None:
    es, line = _break_po(extracted, old, new)
    broken = es.read_bytes()
    before = tree(extracted)
    code, out, err = run_cli(extracted, command)
    # stats counts every other catalog and marks the broken one (exit 1); compile and
    # update stop (exit 2)
    assert code == (1 if command == "stats" else 2)
    if command == "stats":
        first, held = err.splitlines()
        assert held == "held back: es (the catalog cannot be read)"
        err = first + "\n"
    assert fragment in _located(err, es, line + offset)
    assert es.read_bytes() == broken  # update does not rewrite what it cannot read
    assert not es.with_suffix(".mo").exists()
    # no temporary files; compile may have finished the catalogs before the broken one
    new = tree(extracted) - before
    assert new <= {"locales/en/LC_MESSAGES/messages.mo"}, new
    if command == "stats":  # the table counts en and marks es broken
        assert "\nes               0      0            12     12   broken\n" in out


def test_stats_counts_a_missing_catalog_as_untranslated(extracted: Path) -> None:
    code, out, err = run_cli(extracted, "stats", "--format", "json")
    assert (code, err) == (0, "")
    rows = {row["locale"]: row for row in json.loads(out)["locales"]}
    assert rows["es"]["translated"] == 0 and rows["es"]["percent"] == 0.0
    assert rows["es"]["untranslated"] == rows["es"]["total"] > 0


# -- templates ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("<p>{% trans %}Unclosed\n", 1),
        ("<p>\n{{ _('Fine') }}\n{% trans %}Two {% if x %}{% endtrans %}\n", 3),
        ("{% block x %}\n\n{{ _('a' }}\n{% endblock %}\n", 3),
        ("{% trans %}One{% pluralize %}Many{% endtrans %}\n", 1),  # pluralize without a count
    ],
)
def test_template_syntax_error(campaign: Path, text: str, line: int) -> None:
    bad = campaign / "messages/broken.j2"
    bad.write_text(text)
    before = tree(campaign.parent)
    code, out, err = run_cli(campaign, "extract")
    assert code == 2
    assert out == ""
    _located(err, bad, line)
    assert tree(campaign.parent) == before  # no .pot, no temporary file
    assert not (campaign / "locales").exists()


def test_template_error_keeps_the_old_pot(extracted: Path) -> None:
    pot = extracted / "locales/messages.pot"
    old = pot.read_bytes()
    bad = extracted / "messages/partials/bad.j2"
    bad.write_text("{{ _('x') \n")
    before = tree(extracted)
    code, _, err = run_cli(extracted, "extract")
    assert code == 2
    _located(err, bad, 1)
    assert pot.read_bytes() == old
    assert tree(extracted) == before


def test_template_that_is_not_utf8(campaign: Path) -> None:
    bad = campaign / "messages/latin1.j2"
    bad.write_bytes("{{ _('Caf\xe9') }}\n".encode("latin-1"))
    code, _, err = run_cli(campaign, "extract")
    assert code == 2
    _located(err, bad)
    assert not (campaign / "locales").exists()


def test_stats_source_locale_without_catalog_is_complete(extracted: Path) -> None:
    rows = {
        r["locale"]: r
        for r in json.loads(run_cli(extracted, "stats", "--format", "json")[1])["locales"]
    }
    assert rows["en"]["percent"] == 100.0


# -- files a pull request can add: links, FIFOs, NULs -------------------------------------------
def test_a_linked_catalog_is_never_read(example: Path, tmp_path: Path) -> None:
    secret = tmp_path / "token.txt"
    secret.write_text('msgid "x"\nmsgstr "ghp_SECRETTOKEN0123456789"\n')
    es = po_path(example, "es")
    es.unlink()
    es.symlink_to(secret)
    code, out, err = run_cli(example, "check", "--no-cache")
    assert code == 1 and "is a symbolic link" in out
    assert "SECRET" not in out + err
    for command in (["render", "-l", "es"], ["compile"], ["stats"], ["update"]):
        code, out, err = run_cli(example, *command)
        assert code == 2 and "is a symbolic link" in err and "SECRET" not in out + err, command


def test_a_linked_mo_is_not_written_through(example: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    mo = po_path(example, "es").with_suffix(".mo")
    mo.symlink_to(victim)
    code, _, err = run_cli(example, "compile")
    assert code == 2 and "is a symbolic link" in err
    assert victim.read_text() == "keep me"


def test_a_linked_directory_in_the_campaign_is_refused(example: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "LC_MESSAGES").mkdir(parents=True)
    po_path(example, "fr").replace(elsewhere / "LC_MESSAGES" / "messages.po")
    fr_dir = example / "locales" / "fr"
    (fr_dir / "LC_MESSAGES").rmdir()
    fr_dir.rmdir()
    fr_dir.symlink_to(elsewhere)
    code, _, err = run_cli(example, "compile")
    assert code == 2 and "is a symbolic link" in err
    assert not (elsewhere / "LC_MESSAGES" / "messages.mo").exists()


def test_a_linked_template_is_never_read(example: Path, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("{% block post %}root:x:0:0 {{ url }} {{ hashtag }}{% endblock %}")
    (example / "messages" / "leak.j2").symlink_to(secret)
    code, out, err = run_cli(example, "render", "leak")
    assert code == 2 and "is a symbolic link" in err and "root:x" not in out


def test_a_link_under_out_is_never_written_through(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    victim_dir = tmp_path / "victim"
    victim_dir.mkdir()
    out.mkdir()
    (out / "share").symlink_to(victim_dir)
    code, _, err = run_cli(example, "render", "--out", str(out))
    assert code == 2 and "is a symbolic link" in err
    assert list(victim_dir.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(
    ("where", "command"),
    [
        ("messages/share.j2", ["extract"]),
        ("messages/share.j2", ["render", "share"]),
        ("locales/es/LC_MESSAGES/messages.po", ["compile"]),
        ("locales/es/LC_MESSAGES/messages.po", ["render", "share", "-l", "es"]),
    ],
)
def test_no_command_waits_on_a_fifo(example: Path, where: str, command: list[str]) -> None:
    (example / where).unlink()
    os.mkfifo(example / where)
    code, _, err = run_cli(example, *command)  # in-process: a hang would hang the test
    assert code == 2 and "is a FIFO" in err, err


def test_a_nul_in_a_new_msgid_is_one_clear_line(example: Path) -> None:
    es = po_path(example, "es")
    es.write_text(es.read_text() + '\nmsgid "Hi\x00there\x00you"\nmsgstr "Hola"\n')
    code, out, _ = run_cli(example, "check", "--no-cache")
    assert code == 1 and "a NUL character" in out
    code, out, err = run_cli(example, "render", "-l", "es")
    assert code == 1 and "NUL" in err and "held back: es" in err and out == ""
    assert len(err.splitlines()) == 2  # the catalog's line, then the held locale
