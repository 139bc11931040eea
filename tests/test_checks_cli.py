"""``outreach check`` and ``outreach detect`` end to end: formats, exit codes, the render-level
checks, the caches, ``compile``'s gate, and the example campaign at the repository root.

The last sections hold check's untrusted-input tests: what a translator's pull request writes
in a ``.po`` (links, mentions, flags, pathological strings) is found, and render refuses it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    REPOSITORY,
    SHARE_POST,
    SIGNED,
    SIGNED_PLURAL,
    TWEET_ALONG_POST,
    WATCH,
    RunResult,
    check_errors,
    edit_po,
    po_path,
    rewrite,
    run_cli,
)

from outreach.campaign import load_campaign
from outreach.cli import main
from outreach.qa.campaign import check_campaign
from outreach.render import Renderer

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


def test_every_syntax_error_of_a_catalog_is_a_finding_at_its_line(translated: Path) -> None:
    es = po_path(translated, "es")
    text = es.read_text().replace('msgstr "Mira el corto"', 'msgstr "Mira el corto')
    es.write_text(text + '\nmsgid "one more"\nmsgstr "b" junk\n')
    code, document = check_json(translated)
    assert code == 1
    syntax = [f for f in findings(document) if f["check"] == "syntax"]
    lines = text.count("\n") + 3
    assert [(f["severity"], f["file"]) for f in syntax] == [
        ("error", "locales/es/LC_MESSAGES/messages.po")
    ] * 2
    assert syntax[1]["line"] == lines
    assert syntax[0]["line"] < lines


def test_a_file_that_is_no_po_at_all_is_a_bounded_list_of_findings(translated: Path) -> None:
    es = po_path(translated, "es")
    es.write_text("".join(f"line {n} of something else\n" for n in range(1, 5001)))
    code, document = check_json(translated)
    assert code == 1
    syntax = [f for f in findings(document) if f["check"] == "syntax"]
    assert len(syntax) == 101
    assert [f["line"] for f in syntax[:3]] == [1, 2, 3]
    assert syntax[-1]["line"] == 101
    assert syntax[-1]["message"] == "4,900 more syntax errors after these (is this a PO file?)"


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
    code, out = run_cli(translated, "check")[:2]
    assert code == 0 and "warning: wrong-language" in out  # a judgement: a warning
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


# -- untrusted translations: what check finds, and render refuses -----------------------------
@pytest.mark.parametrize(
    ("translation", "check", "needle"),
    [
        ("Firma en EVIL-EXAMPLE.COM/love %(url)s %(hashtag)s", "urls", "evil-example.com"),
        ("Firma en ехаmple.org/love %(url)s %(hashtag)s", "urls", "mixes Cyrillic and Latin"),
        ("Firma en ｅｖｉｌ.ｃｏｍ/x %(url)s %(hashtag)s", "urls", "evil.com"),
        ("Firma: %(url).19s.evil-example.com/love %(hashtag)s", "urls", "example.org.evil"),
        ("Pregunta a ＠evilacct: %(url)s %(hashtag)s", "mentions", "＠evilacct"),
        ("Pregunta a @EvilAcct: %(url)s %(hashtag)s", "mentions", "@EvilAcct"),
    ],
)
def test_links_and_mentions_are_found_as_the_platforms_find_them(
    example: Path, translation: str, check: str, needle: str
) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: translation})
    found = [f for f in check_errors(example, "-l", "es")[1] if f["check"] == check]
    assert found and needle in str(found[0]["message"]), found


@pytest.mark.parametrize(
    "link",
    [
        "Firma:evil.com/x",  # twitter-text accepts ":" before a domain without a scheme
        "https:evil.com/x",  # ... so a scheme without "//" is no cover either
        "evil.xn--p1ai/x",  # a punycode top-level domain (evil.рф)
    ],
)
def test_links_x_would_make_are_errors(example: Path, link: str) -> None:
    edit_po(po_path(example, "es"), {SHARE_POST: f"Mira {link} %(url)s %(hashtag)s"})
    _, errors = check_errors(example, "-l", "es")
    assert any(f["check"] == "urls" for f in errors), errors
    post = Renderer(load_campaign(example)).render_post("share", "es", "x")
    assert "evil" not in post.text and post.refused


@pytest.mark.parametrize(
    ("msgid", "translation", "channel", "needle"),
    [
        # twitter-text's validMentionPrecedingChars: "RT" (any case, optional ":") may precede @
        (SHARE_POST, "RT@evilacct El amor siempre gana %(url)s %(hashtag)s", "x", "@evilacct"),
        # Mastodon's MENTION_RE has no 20-character cap: a local account of 21-30 characters
        (SHARE_POST, "Sigue a @evilacct_is_a_long_handle_x %(url)s %(hashtag)s", "mastodon",
         "@evilacct_is_a_long_handle_x"),
        # a placeholder glued to letters: %(handle)s is "@iocmedia", so this notifies another
        (TWEET_ALONG_POST, "La Carta rechaza la discriminación. %(handle)s_x, cumple tu carta: "
         "%(url)s %(hashtag)s", "x", "@iocmedia_x"),
    ],
)  # fmt: skip
def test_mentions_the_platforms_would_make_are_errors(
    example: Path, msgid: str, translation: str, channel: str, needle: str
) -> None:
    edit_po(po_path(example, "es"), {msgid: translation})
    _, errors = check_errors(example, "-l", "es")
    assert any(f["check"] == "mentions" for f in errors), errors
    message = "share" if msgid == SHARE_POST else "tweet-along"
    post = Renderer(load_campaign(example)).render_post(message, "es", channel)
    assert needle not in post.text and post.refused


def test_a_placeholder_of_unknown_value_must_not_run_into_a_handle(example: Path) -> None:
    es = po_path(example, "es")
    edit_po(es, {SIGNED: ("Una persona ya ha firmado.", "%(num)sx han firmado.")})
    _, errors = check_errors(example, "-l", "es", "--no-render")
    assert [f["check"] for f in errors] == ["mentions"], errors
    assert "%(num)s runs into “x”" in str(errors[0]["message"])
    edit_po(es, {SIGNED: ("Una persona ya ha firmado.", "%(num)s han firmado.")})
    assert check_errors(example, "-l", "es", "--no-render")[0] == 0


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        (f'msgid_plural "{SIGNED_PLURAL}"', 'msgid_plural "%(num)s people have signed."', "is not"),
        # a plural entry for a string the templates have as a singular one
        (
            f'msgid "{WATCH}"\nmsgstr "Mira el corto"',
            f'msgid "{WATCH}"\nmsgid_plural "Watch the films"\n'
            'msgstr[0] "Mira el corto"\nmsgstr[1] "Mira los cortos"',
            "singular",
        ),
    ],
)
def test_a_plural_source_unlike_the_templates_is_an_error_that_gates(
    example: Path, old: str, new: str, needle: str
) -> None:
    es = po_path(example, "es")
    rewrite(es, old, new)
    code, errors = check_errors(example, "-l", "es", "--no-render")
    found = [f for f in errors if f["check"] == "plural-source"]
    assert code == 1 and len(found) == 1 and needle in str(found[0]["message"]), errors
    assert run_cli(example, "compile", "-l", "es")[0] == 1  # a structural error
    assert run_cli(example, "update", "-l", "es")[0] == 0  # update rewrites it from the POT
    assert check_errors(example, "-l", "es", "--no-render")[0] == 0


def test_deep_nesting_is_refused_before_anything_renders_it(example: Path) -> None:
    source = "Post with <strong>%(hashtag)s</strong>, ask the IOC to keep its word, and invite "
    source += "your friends to do the same."
    deep = "<strong>" * 11_000 + "%(hashtag)s" + "</strong>" * 11_000
    edit_po(po_path(example, "es"), {source: deep})
    code, out, _ = run_cli(example, "check", "--no-cache", "-l", "es")
    assert code == 1 and "error:" in out
    code, out, _ = run_cli(example, "render", "tweet-along", "-l", "es", "-c", "email")
    assert code == 1 and "<strong><strong>" not in out


@pytest.mark.parametrize(
    "attack", [")" * 300_000, "{{" * 50_000, "<a " * 20_000, "<!--" * 50_000, "%(" * 50_000]
)
def test_a_pathological_string_is_one_error_found_quickly(example: Path, attack: str) -> None:
    edit_po(po_path(example, "es"), {"Watch the film": attack})
    report = check_campaign(load_campaign(example), ["es"], use_cache=False, render=False)
    found = [f for f in report.findings if f.msgid == "Watch the film"]
    assert [(f.check, f.severity) for f in found] == [("length", "error")]
    assert "far too long" in found[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_place_of_a_catalog_does_not_hang(example: Path) -> None:
    es = po_path(example, "es")
    es.unlink()
    os.mkfifo(es)
    command = [sys.executable, "-c", "from outreach.cli import main; main()"]
    try:
        done = subprocess.run(
            [*command, "-C", str(example), "check", "--no-cache"],
            capture_output=True,
            timeout=5,
            text=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("check blocks forever reading a FIFO named messages.po")
    assert done.returncode == 1 and "internal error" not in done.stderr


# -- flags in a .po cannot silence errors; the organizer's exceptions can ---------------------
@pytest.mark.parametrize(
    ("flag", "translation", "check"),
    [
        ("ignore-urls", "Mira https://evil.com/x %(url)s %(hashtag)s", "urls"),
        ("ignore-mentions", "Mira @evilacct %(url)s %(hashtag)s", "mentions"),
        ("ignore-placeholders", "Mira %(url)s", "placeholders"),
        ("no-python-format", "Mira %(url).19s.evil-example.com/love %(hashtag)s", "urls"),
        ("ignore-html", "Mira <script>x()</script> %(url)s %(hashtag)s", "html"),
        ("ignore-invisible", "Mira\u202e %(url)s %(hashtag)s", "invisible"),
    ],
)
def test_a_flag_in_the_po_never_silences_an_error(
    example: Path, flag: str, translation: str, check: str
) -> None:
    es = po_path(example, "es")
    edit_po(es, {SHARE_POST: translation})
    text = es.read_text(encoding="utf-8")
    entry = text.index('msgid ""\n"Love always wins. Watch our two-minute')
    es.write_text(text[:entry] + f"#, {flag}\n" + text[entry:], encoding="utf-8")
    assert any(f["check"] == check for f in check_errors(example, "-l", "es")[1]), flag
    post = Renderer(load_campaign(example)).render_post("share", "es", "x")
    assert "evil" not in post.text and "<script" not in post.text and post.refused


def test_a_flag_still_quiets_a_style_warning(example: Path) -> None:
    es = po_path(example, "es")
    edit_po(es, {"Watch the film": "Mira el corto "})
    assert run_cli(example, "check", "--no-cache", "-l", "es")[1].count("whitespace") == 1
    text = es.read_text(encoding="utf-8")
    text = text.replace(
        'msgid "Watch the film"\n', '#, ignore-whitespace\nmsgid "Watch the film"\n'
    )
    es.write_text(text, encoding="utf-8")
    assert "whitespace" not in run_cli(example, "check", "--no-cache", "-l", "es")[1]


def test_organizer_exceptions_live_in_campaign_toml(example: Path) -> None:
    edit_po(po_path(example, "es"), {"Watch the film": "Mira https://youtube.com/watch?v=1"})
    assert any(f["check"] == "urls" for f in check_errors(example, "-l", "es")[1])
    config = example / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[checks.ignore]]\ncheck = "urls"\nlocale = "es"\nmsgid = "Watch the film"\n'
        'reason = "the Spanish video is on YouTube"\n',
        encoding="utf-8",
    )
    assert not any(f["check"] == "urls" for f in check_errors(example, "-l", "es")[1])
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert "youtube.com" in mail.html and mail.refused == ()


# -- the rendered post: render and check agree, one finding per cause ------------------------
def test_a_short_domain_in_a_rendered_post_is_an_error(example: Path) -> None:
    edit_po(
        po_path(example, "es"),
        {SHARE_POST: "El amor siempre gana: mira el corto en evil.io o en %(url)s %(hashtag)s"},
    )
    result = CliRunner().invoke(main, ["-C", str(example), "check", "--format", "json"])
    found = json.loads(result.stdout)["findings"]
    [rendered] = [f for f in found if f["check"] == "urls" and f["severity"] == "error"]
    assert rendered["locale"] == "es" and rendered["msgid"] == SHARE_POST
    assert rendered["message"].startswith(
        "'share' on x, mastodon, bluesky, threads, facebook, instagram, linkedin, whatsapp: "
        "links to evil.io (“evil.io”), which the message in en does not"
    )
    assert ("bare-domain", "warning") in {(f["check"], f["severity"]) for f in found}


def test_a_doubled_hash_is_one_finding_not_one_per_platform(example: Path) -> None:
    edit_po(
        po_path(example, "es"),
        {SHARE_POST: "El amor siempre gana. Mira el corto y compártelo: %(url)s #%(hashtag)s"},
    )
    result = CliRunner().invoke(main, ["-C", str(example), "check", "--format", "json"])
    found = [f for f in json.loads(result.stdout)["findings"] if f["locale"] == "es"]
    hashtag_findings = [f for f in found if f["check"] == "hashtags"]
    assert len(hashtag_findings) == 1, hashtag_findings
    assert "doubles the “#”" in hashtag_findings[0]["message"]


# -- supporters' data tracked by git (issue 22) ---------------------------------------------
def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_check_warns_on_tracked_supporter_data(tmp_path: Path) -> None:
    from outreach.scaffold import init_campaign

    repo = tmp_path / "repo"
    root = init_campaign(repo / "campaigns" / "pride").root
    files = {
        "people.csv": "Name,E-mail\nAna,ana@riseup.net\n",
        "supporters.welcome.journal": "",
        "supporters.welcome.journal-wal": "",
        "lists/suppressed.txt": "bo@gmail.com\n",
        "made-up.csv": "email,name\nana@example.net,Ana\nbo@mail.test,Bo\n",  # no one's
        "notes.txt": "write to team@ourgroup.org for help\n",
        "untracked.csv": "email\ncarla@riseup.net\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(repo, "init", "-q")
    tracked = [f"campaigns/pride/{n}" for n in files if n != "untracked.csv"]
    _git(repo, "add", "-f", *tracked)
    code, out, _ = run_cli(root, "check", "--no-cache", "--format", "json")
    assert code == 0  # warnings
    found = {
        f["file"]: f["message"]
        for f in json.loads(out)["findings"]
        if f["check"] == "supporter-data"
    }
    assert set(found) == {
        "people.csv",
        "supporters.welcome.journal",
        "supporters.welcome.journal-wal",
        "lists/suppressed.txt",
    }
    assert "email column" in found["people.csv"]
    assert "git rm --cached 'people.csv'" in found["people.csv"]
    assert all(f["severity"] == "warning" for f in json.loads(out)["findings"])
    code, out, _ = run_cli(root, "check", "--no-cache")
    assert "people.csv: warning: supporter-data: a list with an email column" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_no_supporter_data_warning_outside_git_or_for_the_example(tmp_path: Path) -> None:
    from outreach.scaffold import init_campaign

    root = init_campaign(tmp_path / "c").root
    (root / "people.csv").write_text("email\nana@riseup.net\n", encoding="utf-8")
    code, out, _ = run_cli(root, "check", "--no-cache", "--format", "json")
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "supporter-data"]
    # the repository's own example campaign tracks supporters.csv: fictional, at example.net
    code, out, _ = run_cli(REPOSITORY, "check", "--no-render", "--format", "json")
    assert code == 0
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "supporter-data"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_tracked_links_and_fifos_are_judged_by_name_never_read(tmp_path: Path) -> None:
    from outreach.scaffold import init_campaign

    root = init_campaign(tmp_path / "c").root
    (root / "old.journal").symlink_to("/etc/passwd")
    (root / "list.csv").symlink_to("/etc/passwd")
    _git(root, "init", "-q")
    _git(root, "add", "-f", "old.journal", "list.csv")
    os.unlink(root / "list.csv")
    os.mkfifo(root / "list.csv")  # tracked as a link, a FIFO in the work tree: never opened
    code, out, _ = run_cli(root, "check", "--no-cache", "--format", "json")
    assert code == 0
    found = [f["file"] for f in json.loads(out)["findings"] if f["check"] == "supporter-data"]
    assert found == ["old.journal"]
