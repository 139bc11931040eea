"""``outreach check`` and ``outreach detect`` end to end: formats, exit codes, the render-level
checks, the caches, ``compile``'s gate, and the example campaign at the repository root."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import RunResult, edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.qa.campaign import check_campaign

ROOT = Path(__file__).parent.parent

SPANISH: dict[object, object] = {
    ("subject", "Sign the petition"): "Firma la petición",
    "Sign the petition": "Firma la petición",
    "The petition closes on %(deadline)s.": "La petición se cierra el %(deadline)s.",
    "Thank you for standing with us.": "Gracias por estar con nosotros en esta lucha.",
    ("subject", "Share the film with %(name)s"): "Comparte el corto con %(name)s",
    ("preheader", "Two minutes, one message."): "Dos minutos, un mensaje.",
    "Watch the film": "Mira el corto",
    "One person has signed.": ("Una persona ha firmado.", "%(count)s personas han firmado."),
    "%(num)d friend has shared it.": (
        "%(num)d amigo lo compartió.",
        "%(num)d amigos lo compartieron.",
    ),
    "Love always wins. Share the film: %(url)s %(hashtag)s": (
        "El amor siempre gana. Comparte el corto con todas las personas que quieres: "
        "%(url)s %(hashtag)s"
    ),
    ("subject", "Welcome"): "Bienvenida",
    "You are receiving this because you signed up.": "Recibes esto porque te suscribiste.",
}
POST = "Love always wins. Share the film: %(url)s %(hashtag)s"


@pytest.fixture
def translated(extracted: Path) -> Path:
    """The mini campaign with en and es catalogs, es fully and correctly translated, and the
    variables its templates need."""
    config = extracted / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[variables]\ndeadline = "2014-02-06"\nsupporter_name = "Ana"\n'
        "signatures = 3\nshares = 2\n",
        encoding="utf-8",
    )
    code, _, err = run_cli(extracted, "update")
    assert code == 0, err
    edit_po(po_path(extracted, "es"), SPANISH)
    return extracted


def check_json(campaign: Path, *args: str) -> tuple[int, dict[str, object]]:
    code, out, err = run_cli(campaign, "check", "--format", "json", *args)
    assert code in (0, 1), err
    return code, json.loads(out)


def findings(document: dict[str, object]) -> list[dict[str, object]]:
    items = document["findings"]
    assert isinstance(items, list)
    return items


# -- output and exit codes -----------------------------------------------------------------
def test_a_clean_campaign_passes(translated: Path) -> None:
    code, out, err = run_cli(translated, "check")
    assert (code, err) == (0, "")
    assert out.strip() == "0 errors, 0 warnings in 2 catalogs"


def test_json_is_exactly_the_documented_shape(translated: Path) -> None:
    edit_po(
        po_path(translated, "es"),
        {POST: "El amor siempre gana: %(hashtag)s"},
    )
    code, document = check_json(translated)
    assert code == 1
    assert set(document) == {"findings", "summary"}
    assert document["summary"] == {"errors": 1, "warnings": 0}
    [finding] = findings(document)
    lines = po_path(translated, "es").read_text().split("\n")
    msgid = next(n for n, text in enumerate(lines) if text.startswith('msgid "Love always wins.'))
    line = msgid + 2  # the msgstr line a translator edits, as msgfmt reports it
    assert lines[line - 1].startswith("msgstr ")
    assert finding == {
        "locale": "es",
        "file": "locales/es/LC_MESSAGES/messages.po",
        "line": line,
        "msgid": POST,
        "msgctxt": None,
        "check": "placeholders",
        "severity": "error",
        "message": "placeholder %(url)s is missing from the translation",
    }


def test_text_output_groups_by_file_without_colour(translated: Path) -> None:
    edit_po(
        po_path(translated, "es"), {"Watch the film": "Mira el corto ", "Sign the petition": ""}
    )
    po = po_path(translated, "en")
    po.write_bytes(po.read_bytes().replace(b"Language: en", b"Language: fr"))
    line = po.read_text().split("\n").index('"Language: fr\\n"') + 1
    code, out, _ = run_cli(translated, "check")
    assert code == 0 and "\x1b[" not in out
    lines = out.strip().split("\n")
    assert lines[0] == (
        f"locales/en/LC_MESSAGES/messages.po:{line}: warning: header: the header says "
        "Language: fr, but this is the en catalog"
    )
    assert lines[1] == ""
    assert all(line.startswith("locales/es/LC_MESSAGES/messages.po:") for line in lines[2:4])
    # each finding names its entry: Poedit and Weblate show no line numbers
    assert ": warning: whitespace: “Watch the film”: the translation ends with a space" in out
    assert ": warning: untranslated: “Sign the petition”: " in out
    assert lines[-1] == "0 errors, 3 warnings in 2 catalogs"


def test_github_annotations(translated: Path) -> None:
    edit_po(po_path(translated, "es"), {POST: "El amor gana: %(hashtag)s", "Watch the film": ""})
    code, out, _ = run_cli(translated, "check", "--format", "github")
    assert code == 1
    lines = out.strip().split("\n")
    [error] = [line for line in lines if line.startswith("::error ")]
    assert error.startswith("::error file=locales/es/LC_MESSAGES/messages.po,line=")
    assert error.endswith(
        ",title=placeholders%3A “Love always wins. Share the film%3A…”::placeholder %25(url)s "
        "is missing from the translation"
    )
    assert any(
        line.startswith("::warning file=") and "title=untranslated%3A “Watch the film”::" in line
        for line in lines
    )


def test_github_paths_start_at_the_repository_root(
    translated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_po(po_path(translated, "es"), {"Watch the film": ""})
    monkeypatch.chdir(translated.parent)
    code, out, _ = run_cli(Path(translated.name), "check", "--format", "github")
    assert code == 0
    assert out.startswith("::warning file=mini/locales/es/LC_MESSAGES/messages.po,line=")
    _, text, _ = run_cli(Path(translated.name), "check")
    assert text.startswith("locales/es/LC_MESSAGES/messages.po:")  # as if run in the campaign


def test_exit_codes(translated: Path, tmp_path: Path) -> None:
    assert run_cli(translated, "check")[0] == 0
    edit_po(po_path(translated, "es"), {"Watch the film": ""})
    assert run_cli(translated, "check")[0] == 0  # warnings alone
    code, _, err = run_cli(translated, "check", "--locale", "xx")
    assert code == 2 and "unknown locale 'xx'" in err
    code, _, err = run_cli(translated, "check", "--locale", "de")
    assert code == 2 and "no locale 'de'" in err
    code, _, err = run_cli(tmp_path / "nowhere", "check")
    assert code == 2 and "no campaign here" in err
    (tmp_path / "bad" / "messages").mkdir(parents=True)
    (tmp_path / "bad" / "messages" / "campaign.toml").write_text("[campaign\n")
    code, _, err = run_cli(tmp_path / "bad", "check")
    assert code == 2 and "campaign.toml:1" in err


def test_an_unparsable_catalog_is_a_syntax_finding_and_the_others_are_still_checked(
    translated: Path,
) -> None:
    es = po_path(translated, "es")
    es.write_text(es.read_text().replace('msgstr "Mira el corto"', 'msgstr "Mira el corto'))
    edit_po(po_path(translated, "en"), {"Watch the film": "Watch the film\n"})
    code, document = check_json(translated)
    assert code == 1
    by_check = {f["check"]: f for f in findings(document)}
    assert by_check["syntax"]["file"] == "locales/es/LC_MESSAGES/messages.po"
    assert isinstance(by_check["syntax"]["line"], int)
    assert by_check["newlines"]["locale"] == "en"


def test_too_many_plural_forms_is_a_plurals_finding(translated: Path) -> None:
    es = po_path(translated, "es")
    text = es.read_text().replace(
        'msgstr[1] "%(num)d amigos lo compartieron."',
        'msgstr[1] "%(num)d amigos lo compartieron."\nmsgstr[2] "demasiado"',
    )
    es.write_text(text)
    _, document = check_json(translated)
    [finding] = findings(document)
    assert finding["check"] == "plurals" and finding["msgid"] == "%(num)d friend has shared it."
    assert finding["message"] == (
        "3 plural forms, but the catalog has nplurals=2: msgstr[2] would never be shown"
    )


def test_locale_option_limits_the_run(translated: Path) -> None:
    edit_po(po_path(translated, "en"), {"Watch the film": "Watch the film "})
    edit_po(po_path(translated, "es"), {"Watch the film": "Mira el corto "})
    _, document = check_json(translated, "--locale", "es")
    assert {f["locale"] for f in findings(document)} == {"es"}


# -- render level ------------------------------------------------------------------------
def test_a_post_over_the_limit_names_message_channel_and_string(translated: Path) -> None:
    long = "El amor siempre gana. " * 14 + "%(url)s %(hashtag)s"
    edit_po(po_path(translated, "es"), {POST: long})
    code, document = check_json(translated)
    assert code == 1
    found = [f for f in findings(document) if f["check"] == "length"]
    assert {f["message"].split(":")[0] for f in found} == {  # type: ignore[union-attr]
        "post 'share' on x",
        "post 'share' on bluesky",
    }
    assert all(f["msgid"] == POST and f["locale"] == "es" for f in found)
    assert all(f["file"] == "locales/es/LC_MESSAGES/messages.po" for f in found)
    assert all(isinstance(f["line"], int) for f in found)
    _, document = check_json(translated, "--no-render")
    assert findings(document) == []


def test_a_hashtag_broken_in_the_rendered_post_is_reported_once(translated: Path) -> None:
    config = translated / "messages" / "campaign.toml"
    config.write_text(
        config.read_text().replace(
            'hashtags = ["#MiniAction"]', 'hashtags = ["#MiniAction", "#Love"]'
        )
    )
    edit_po(po_path(translated, "es"), {POST: "El amor gana #L’Amour: %(url)s %(hashtag)s"})
    _, document = check_json(translated)
    messages = [f["message"] for f in findings(document)]
    assert "post 'share' on x: #L’Amour would be cut to #L on X (the tag stops at “’”)" in messages
    assert all(f["check"] == "hashtags" and f["msgid"] == POST for f in findings(document))


def test_templates_that_need_merge_variables_are_a_warning(extracted: Path) -> None:
    run_cli(extracted, "update")
    edit_po(po_path(extracted, "es"), SPANISH)
    code, document = check_json(extracted)
    assert code == 0
    warnings = [f for f in findings(document) if f["check"] == "render"]
    assert {f["file"] for f in warnings} == {"messages/petition.j2", "messages/share.j2"}
    assert all("is undefined" in str(f["message"]) for f in warnings)


# -- compile gate ---------------------------------------------------------------------------
def test_compile_refuses_catalogs_with_structural_errors_unless_forced(translated: Path) -> None:
    edit_po(po_path(translated, "es"), {"Watch the film": "Mira <script>x()</script>"})
    code, _, err = run_cli(translated, "compile")
    assert code == 1
    assert "messages.po:" in err and "error: html: <script> is not in the source" in err
    assert not po_path(translated, "es").with_suffix(".mo").exists()
    code, _, err = run_cli(translated, "compile", "--force")
    assert code == 0, err
    assert po_path(translated, "es").with_suffix(".mo").exists()


def test_compile_is_not_gated_by_language_detection(translated: Path) -> None:
    edit_po(po_path(translated, "es"), {"Watch the film": "Watch this film now"})
    assert run_cli(translated, "check")[0] == 0  # a same-script copy: too short to judge
    edit_po(po_path(translated, "es"), {"Watch the film": "Смотрите фильм сейчас"})
    assert run_cli(translated, "check")[0] == 1
    assert run_cli(translated, "compile")[0] == 0


# -- detect --------------------------------------------------------------------------------
def test_detect_from_argument_and_stdin() -> None:
    from outreach.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["detect", "Firma la petición al Comité Olímpico Internacional"])
    assert result.exit_code == 0 and result.stdout.split("\t")[0] == "es"
    result = runner.invoke(
        main,
        ["detect", "--format", "json"],
        input="Подпишите петицию Международному олимпийскому комитету",
    )
    document = json.loads(result.stdout)
    assert document["languages"][0]["language"] == "ru"
    assert document["languages"][0]["name"] == "Russian"
    assert 0.5 < document["languages"][0]["probability"] <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "12345 !!"])
def test_detect_refuses_text_without_letters(text: str) -> None:
    from outreach.cli import main

    result = CliRunner().invoke(main, ["detect", text])
    assert result.exit_code == 2
    assert result.stderr.startswith("outreach: ") and result.stdout == ""


def test_detect_is_deterministic() -> None:
    from outreach.detect import detect_languages

    text = "Veja o filme e assine"
    assert {tuple(detect_languages(text)) for _ in range(5)} == {tuple(detect_languages(text))}


# -- the repository -----------------------------------------------------------------------
def test_importing_outreach_and_help_stay_light() -> None:
    code = (
        "import sys\n"
        "import outreach, outreach.cli, outreach.checks, outreach.detect\n"
        "from outreach.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('langdetect', 'jinja2')]\n"
        "import babel.localedata as data\n"
        "assert not heavy and not data._cache, (heavy, list(data._cache))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_example_campaign_has_no_errors(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "messages", tmp_path / "messages")
    for po in (ROOT / "locales").glob("*/LC_MESSAGES/messages.po"):
        target = tmp_path / po.relative_to(ROOT)
        target.parent.mkdir(parents=True)
        shutil.copyfile(po, target)
    report = check_campaign(load_campaign(tmp_path), use_cache=False)
    assert report.summary == {"errors": 0, "warnings": 0}, [str(f) for f in report.findings]


def test_the_pre_commit_hook_runs_outreach_check() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: outreach-check" in text
    assert "entry: outreach check" in text
    assert "language: python" in text and "pass_filenames: false" in text


def test_run_fixture_is_reused(run: Callable[..., RunResult], translated: Path) -> None:
    code, out, _ = run(translated, "check", "--no-render")
    assert code == 0 and out.endswith("in 2 catalogs\n")
