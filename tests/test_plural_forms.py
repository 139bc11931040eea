"""Plural forms as catalogs use them, whichever Babel is installed (issue: fresh machines).

A formula in real use for its language is accepted (GNU gettext's, CLDR's, Weblate's and
Transifex's variants); a broken one is an error at its ``Plural-Forms:`` line; one catalog's
header never stops the others; the source locale needs no catalog. A translator's formula
cannot crash anything: counts are ASCII digits in range, no divisor depends on n.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import babel
import pytest
from conftest import edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.errors import PluralFormsError
from outreach.plurals import (
    SAMPLE,
    cldr_disagreements,
    default_plural_forms,
    formula_problems,
    known_source,
    parse_plural_forms,
    settled_by_sample,
)
from outreach.pofile import parse_po

SUPPORTED = [
    "ar",
    "ru",
    "uk",
    "pl",
    "cs",
    "cy",
    "ga",
    "he",
    "fr",
    "es",
    "pt",
    "pt_BR",
    "pt_PT",
    "it",
    "de",
    "ja",
    "zh",
    "ko",
    "tr",
    "ca",
    "nl",
    "sv",
    "sr",
]


# -- the formula add-locale writes -----------------------------------------------------------
@pytest.mark.parametrize("cldr", [False, True], ids=["gettext", "cldr"])
@pytest.mark.parametrize("locale", SUPPORTED)
def test_the_written_formula_follows_cldr_categories(locale: str, cldr: bool) -> None:
    """Over 0..1000 and round large numbers, one CLDR category always gets one form and
    different categories get different forms (gettext's es/fr/pt may fold "many" into
    "other"). Run under Babel 2.18 and 2.19 (make test-latest PINS=babel==2.18.0)."""
    forms = default_plural_forms(locale, cldr=cldr)
    assert formula_problems(forms, locale) == []
    assert cldr_disagreements(forms, locale) == [], (babel.__version__, forms.header)


def test_the_sample_reaches_large_round_numbers() -> None:
    assert {300_000, 1_000_000, 2_000_000, 1_000_000_000} <= set(SAMPLE)
    assert set(range(1001)) <= set(SAMPLE)


@pytest.mark.parametrize(
    ("locale", "header"),
    [
        ("es", "nplurals=2; plural=(n != 1);"),
        ("fr", "nplurals=2; plural=(n > 1);"),
        ("pt", "nplurals=2; plural=(n > 1);"),
        ("pt_PT", "nplurals=2; plural=(n != 1);"),
        ("he", "nplurals=3; plural=((n == 1) ? 0 : ((n == 2) ? 1 : 2));"),
        ("ja", "nplurals=1; plural=0;"),
        ("tr", "nplurals=2; plural=(n != 1);"),
    ],
)
def test_the_default_is_the_same_whichever_babel_is_installed(locale: str, header: str) -> None:
    # Babel 2.19 says 3 forms for es/fr/pt, 2.18 said 2: outreach says the same under both.
    assert default_plural_forms(locale).header == header


def test_arabic_follows_cldr_not_babel_2_18() -> None:
    """Babel up to 2.18 swaps CLDR's "many" (11-99) and "other" (100-102) for Arabic."""
    forms = default_plural_forms("ar")
    assert [forms.form(n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111)] == [
        0, 1, 2, 3, 3, 4, 4, 5, 5, 3, 4,
    ]  # fmt: skip


def test_add_locale_arabic_renders_cldr_forms(example: Path) -> None:
    assert run_cli(example, "add-locale", "ar")[0] == 0
    forms = ("صفر", "واحد", "اثنان", "قليل %(num)s", "كثير %(num)s", "آخر %(num)s")
    ar = po_path(example, "ar")
    from outreach.pofile import read_catalog

    catalog = read_catalog(ar.read_bytes(), path=str(ar))
    plural = next(m for m in catalog if m.id and m.pluralizable and "already signed" in m.id[0])
    edit_po(ar, {plural.id[0]: forms})
    for count, expected in ((11, "كثير 11"), (100, "آخر 100"), (3, "قليل 3")):
        _, out, err = run_cli(
            example, "render", "petition", "-l", "ar", "-c", "email", "--var",
            f"signatures={count}",
        )  # fmt: skip
        assert expected in out, (count, err)


# -- formulas in real use are accepted --------------------------------------------------------
TRANSIFEX_RU = (
    "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || "
    "n%100>14) ? 1 : n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3);"
)


@pytest.mark.parametrize(
    ("locale", "value", "source"),
    [
        ("es", "nplurals=2; plural=(n != 1);", "Weblate"),
        ("es", "nplurals=2; plural=n!=1;", "Weblate"),
        ("es", "nplurals=3; plural=n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;", "CLDR"),
        ("fr", "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
         "CLDR"),
        ("pt", "nplurals=2; plural=(n != 1);", "Qt"),  # also GNU gettext's
        ("ru", TRANSIFEX_RU, "Transifex"),
        ("ar", "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
         ": n%100>=0 && n%100<=2 ? 4 : 5);", "pybabel"),
        ("he", "nplurals=2; plural=(n != 1);", "Weblate"),
        ("cy", "nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;",
         "Weblate"),
    ],
)  # fmt: skip
def test_formulas_in_real_use_are_known(locale: str, value: str, source: str) -> None:
    forms = parse_plural_forms(value)
    found = known_source(forms, locale)
    assert found is not None and source in found
    assert formula_problems(forms, locale) == []


def _set_header(path: Path, value: str) -> int:
    """Replace the catalog's Plural-Forms field (which may be wrapped over several lines)
    with ``value`` on one line; return the field's line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith('"Plural-Forms:'))
    end = start
    while not lines[end].endswith('\\n"'):
        end += 1
    lines[start : end + 1] = [f'"Plural-Forms: {value}\\n"']
    path.write_text("\n".join(lines), encoding="utf-8")
    return start + 1


def _fill_plurals(path: Path, forms: int) -> None:
    """Give every plural entry ``forms`` forms (copies of its last form)."""
    from outreach.pofile import read_catalog, write_catalog

    catalog = read_catalog(path.read_bytes(), path=str(path))
    for message in catalog:
        if message.id and message.pluralizable:
            written = list(message.string)
            message.string = tuple((written + [written[-1]] * forms)[:forms])
    path.write_bytes(write_catalog(catalog))


def _findings(campaign: Path, *locales: str) -> list[dict[str, object]]:
    args = [a for locale in locales for a in ("-l", locale)]
    _, out, err = run_cli(campaign, "check", "--no-cache", "--format", "json", *args)
    assert "Traceback" not in err
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    return findings


@pytest.mark.parametrize(
    ("locale", "value", "forms"),
    [
        ("es", "nplurals=2; plural=(n != 1);", 2),
        ("es", "nplurals=3; plural=n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;", 3),
        ("fr", "nplurals=2; plural=(n > 1);", 2),
        ("fr", "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
         3),
        ("pt", "nplurals=2; plural=(n != 1);", 2),
        ("pt", "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
         3),
    ],
)  # fmt: skip
def test_catalogs_with_either_count_check_and_compile_cleanly(
    example: Path, locale: str, value: str, forms: int
) -> None:
    path = po_path(example, locale)
    _set_header(path, value)
    _fill_plurals(path, forms)
    structural = {"plural-forms", "plurals", "header"}
    assert [f for f in _findings(example, locale) if f["check"] in structural] == []
    code, _, err = run_cli(example, "compile", "-l", locale)
    assert (code, err) == (0, "")


def test_russian_with_transifex_four_forms_checks_and_compiles_cleanly(example: Path) -> None:
    assert run_cli(example, "add-locale", "ru")[0] == 0
    ru = po_path(example, "ru")
    _set_header(ru, TRANSIFEX_RU)
    from outreach.pofile import read_catalog

    catalog = read_catalog(ru.read_bytes(), path=str(ru))
    translations: dict[object, object] = {}
    for message in catalog:
        if message.id and message.pluralizable:
            keep = " ".join(dict.fromkeys(re.findall(r"%\(\w+\)s", message.id[1])))
            # the 4th form serves fractions, which gettext never passes: left empty
            forms = (f"один {keep}", f"два {keep}", f"пять {keep}", "")
            translations[(message.context, message.id[0])] = forms
    edit_po(ru, translations)
    structural = {"plural-forms", "plurals", "header"}
    assert [f for f in _findings(example, "ru") if f["check"] in structural] == []
    code, _, err = run_cli(example, "compile", "-l", "ru")
    assert (code, err) == (0, "")
    code, out, _ = run_cli(
        example, "render", "petition", "-l", "ru", "-c", "email", "--var", "signatures=5"
    )
    assert "пять" in out


# -- broken formulas are errors at the Plural-Forms line ----------------------------------------
@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("nplurals=2; plural=n >= 1000000 ? 2 : n != 1;", "gives form 2 for n=1000000"),
        # (not ``(n != 1)``, a tool's own Spanish formula: under nplurals=3 every number gets
        # its form and form 2 is only never shown, a header warning; test_checks.py)
        ("nplurals=3; plural=(n != 1 && n != 2);", "no number selects form 2"),
        ("nplurals=2; plural=(n !=! 1);", "is not a C expression"),
        ("nplurals=INTEGER; plural=EXPRESSION;", "nplurals=INTEGER is not a number"),
        ("nplurals=2; plural=n/0;", "divides by zero"),
        ("nplurals=20000000; plural=n;", "a language has 1 to 6 plural forms"),
    ],
)
def test_a_broken_formula_is_an_error_at_its_line(example: Path, value: str, needle: str) -> None:
    es = po_path(example, "es")
    line = _set_header(es, value)
    errors = [f for f in _findings(example, "es") if f["severity"] == "error"]
    header = [f for f in errors if f["check"] == "plural-forms"]
    assert len(header) == 1, errors
    assert header[0]["line"] == line and needle in str(header[0]["message"])
    assert "es usually has nplurals=2; plural=(n != 1);" in str(header[0]["message"])
    # compile refuses that catalog, and still compiles the others
    code, _, err = run_cli(example, "compile")
    assert code == 1 and f"messages.po:{line}: error: plural-forms: " in err
    assert not es.with_suffix(".mo").exists()
    assert po_path(example, "fr").with_suffix(".mo").exists()


def test_an_unusual_working_formula_is_a_warning_that_says_which_numbers(example: Path) -> None:
    fr = po_path(example, "fr")
    line = _set_header(fr, "nplurals=2; plural=(n != 1);")  # 0 is singular in French
    findings = [f for f in _findings(example, "fr") if f["check"] in ("header", "plural-forms")]
    assert [(f["severity"], f["line"]) for f in findings] == [("warning", line)]
    message = str(findings[0]["message"])
    assert "form 0 for 1; form 1 for 0, 2–1000, …" in message
    assert "the usual one is nplurals=2; plural=(n > 1);" in message


# -- one catalog's header never stops the campaign --------------------------------------------
def _add_german_with_a_header_typo(example: Path) -> tuple[Path, int]:
    assert run_cli(example, "add-locale", "de")[0] == 0
    de = po_path(example, "de")
    from outreach.pofile import read_catalog

    catalog = read_catalog(de.read_bytes(), path=str(de))
    translations: dict[object, object] = {}
    for message in catalog:
        if message.id and message.pluralizable:
            translations[(message.context, message.id[0])] = (
                "Eine Person hat unterschrieben. %(url)s %(hashtag)s",
                "%(num)s Personen haben unterschrieben. %(url)s %(hashtag)s",
            )
    edit_po(de, translations)
    line = _set_header(de, "nplurals=1; plural=0;")
    return de, line


def test_a_header_typo_in_one_catalog_is_reported_once_and_the_others_work(
    example: Path,
) -> None:
    de, line = _add_german_with_a_header_typo(example)
    expected = (
        f"locales/de/LC_MESSAGES/messages.po:{line}: error: plural-forms: Plural-Forms says "
        "nplurals=1, but every plural entry has 2 forms (msgstr[0] to msgstr[1]): use "
        "nplurals=2; plural=(n != 1);"
    )
    code, out, err = run_cli(example, "stats")
    assert code == 1 and "Traceback" not in err
    assert err.splitlines()[0] == expected
    assert [row.split()[0] for row in out.splitlines()[2:]] == ["en", "es", "fr", "pt", "de"]

    code, out, err = run_cli(example, "render", "--all-locales", "--format", "json")
    assert code == 1
    assert err.count("plural-forms") == 1 and expected in err
    items = json.loads(out)
    assert {i["locale"] for i in items} == {"en", "es", "fr", "pt", "de"}
    es_petition = next(
        i for i in items if (i["message"], i["locale"], i["channel"]) == ("petition", "es", "x")
    )
    assert "personas" in es_petition["text"]
    # the German petition uses the refused plural: held (not produced); the rest of German is
    assert not [i for i in items if (i["message"], i["locale"]) == ("petition", "de")]
    assert "held back: de" in err
    from outreach.render import Renderer

    de_petition = Renderer(load_campaign(example)).render("petition", "de", "x")
    assert "Personen" not in de_petition.text  # refused: the source text, not form 0

    code, out, err = run_cli(
        example, "export", "-c", "x", "--format", "json", "--start", "2099-01-01T09:00"
    )
    assert code == 1 and expected in err and "held back: de" in err
    exported = {(p["message"], p["locale"]) for p in json.loads(out)}
    assert ("petition", "de") not in exported and ("petition", "es") in exported
    code, out, err = run_cli(
        example, "export", "-c", "x", "--format", "json", "--start", "2099-01-01T09:00",
        "-l", "es", "-l", "fr",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert {p["locale"] for p in json.loads(out)} == {"es", "fr"}

    before = de.read_bytes()
    code, out, err = run_cli(example, "update")
    assert code == 1 and expected in err
    assert de.read_bytes() == before  # writing it would have dropped msgstr[1]
    assert "locales/es/LC_MESSAGES/messages.po: 0 new" in out.replace(str(example) + "/", "")


# -- the source locale needs no catalog ------------------------------------------------------
def test_a_campaign_without_a_source_catalog_runs_every_command(example: Path) -> None:
    po_path(example, "en").unlink()
    for command in (
        ["compile"],
        ["check", "--no-cache"],
        ["stats"],
        ["render", "--all-locales"],
        ["export", "-c", "mastodon", "--format", "json", "--start", "2099-01-01T09:00"],
    ):
        code, _, err = run_cli(example, *command)
        assert (code, err) == (0, ""), command
    assert not po_path(example, "en").exists()
    assert po_path(example, "es").with_suffix(".mo").exists()


def test_a_listed_locale_without_a_catalog_is_reported_and_the_others_compile(
    example: Path,
) -> None:
    po_path(example, "fr").unlink()
    code, _, err = run_cli(example, "compile")
    assert code == 1
    assert "no catalog for fr (run 'outreach update' to create it)" in err
    assert po_path(example, "es").with_suffix(".mo").exists()
    assert po_path(example, "pt").with_suffix(".mo").exists()


# -- header fields Babel cannot parse ---------------------------------------------------------
def test_a_header_field_babel_cannot_parse_is_a_warning_and_every_entry_is_checked(
    example: Path,
) -> None:
    es = po_path(example, "es")
    text = es.read_text(encoding="utf-8")
    text = re.sub(
        r'"POT-Creation-Date: [^"]*"',
        '"POT-Creation-Date: 2020-11-18 15:36:40.758128+00:00\\\\n"',
        text,
    )
    text = text.replace('msgstr "Mira el corto"', 'msgstr "Mira el corto en https://evil.com/x"')
    es.write_text(text, encoding="utf-8")
    line = text[: text.index('"POT-Creation-Date:')].count("\n") + 1
    findings = _findings(example, "es")
    header = [f for f in findings if f["check"] == "header"]
    assert [(f["severity"], f["line"]) for f in header] == [("warning", line)]
    assert "msgfmt accepts it, pybabel cannot read it" in str(header[0]["message"])
    assert any(f["check"] == "urls" and f["severity"] == "error" for f in findings)
    # stats reads it too (exit 1: the link makes the translation refused, and stats says so)
    code, _, err = run_cli(example, "stats")
    assert code == 1 and "urls" in err and "header" not in err
    po = parse_po(es.read_bytes(), path=str(es), locale="es")
    assert po.header.get("POT-Creation-Date") is not None


def test_the_example_campaign_is_judged_the_same_under_any_babel(example: Path) -> None:
    campaign = load_campaign(example)
    for locale in campaign.target_locales:
        po = parse_po(po_path(example, locale).read_bytes(), path=locale, locale=locale)
        assert known_source(po.plural_forms, locale) is not None
        assert po.catalog.num_plurals == po.plural_forms.nplurals


@pytest.mark.parametrize("field", ["POT-Creation-Date", "PO-Revision-Date"])
def test_the_templates_date_placeholder_reads_quietly(example: Path, field: str) -> None:
    """Plone's catalogs keep ``YEAR-MO-DA HO:MI +ZONE`` (with a space): no finding."""
    es = po_path(example, "es")
    text = re.sub(rf'"{field}: [^"]*"', f'"{field}: YEAR-MO-DA HO:MI +ZONE\\\\n"', es.read_text())
    es.write_text(text)
    assert [f for f in _findings(example, "es") if f["check"] in ("header", "syntax")] == []


# -- untrusted Plural-Forms: counts, divisions by n ------------------------------------------
@pytest.mark.parametrize("count", ["²", "٢", "２", "2.0", "-2"])
def test_nplurals_is_ascii_digits(count: str) -> None:
    with pytest.raises(PluralFormsError, match="not a number"):
        parse_plural_forms(f"nplurals={count}; plural=(n != 1);")


@pytest.mark.parametrize(
    "expression", ["0/(n-312000)", "n % n", "(n != 1) + 1/(n-n)", "n % (n+1)", "5 / (n > 1)"]
)
def test_a_divisor_that_depends_on_n_is_refused(expression: str) -> None:
    with pytest.raises(PluralFormsError, match="depends on n"):
        parse_plural_forms(f"nplurals=2; plural={expression};")


def test_constant_divisors_are_fine() -> None:
    forms = parse_plural_forms("nplurals=3; plural=n%10==1 && n%(100)!=11 ? 0 : n/10%10 ? 1 : 2;")
    assert forms.form(1) == 0


def test_a_plural_count_of_twenty_million_is_an_error(example: Path) -> None:
    es = po_path(example, "es")
    text = es.read_text().replace("nplurals=2; plural=(n != 1);", "nplurals=20000000; plural=n;")
    es.write_text(text)
    code, out, _ = run_cli(example, "check", "--no-cache", "-l", "es")
    assert code == 1 and "a language has 1 to 6 plural forms" in out


def test_a_plural_formula_that_divides_by_zero_off_the_sample_stops_nothing(
    example: Path,
) -> None:
    es = po_path(example, "es")
    trap = "nplurals=2; plural=(n != 1) + 0/(n-312000);"  # fine on every SAMPLE number
    es.write_text(es.read_text().replace("nplurals=2; plural=(n != 1);", trap))
    code, out, err = run_cli(
        example, "render", "petition", "--all-locales", "-c", "x", "--var", "signatures=312000"
    )
    assert code != 2 and "ZeroDivisionError" not in err, err
    assert "312 000" in out or "312\u202f000" in out  # fr still renders


#: Crowdin's export of CLDR's rule, as caffeine-ng's Belarusian catalog has it (issue 19,
#: round 6): four forms, one per CLDR category; the last, "other", is for fractions only.
CROWDIN_BE = (
    "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || "
    "n%100>14) ? 1 : n%10==0 || n%10>=5 && n%10<=9 || n%100>=11 && n%100<=14 ? 2 : 3);"
)


@pytest.mark.parametrize("locale", ["be", "ru", "uk"])
def test_a_cldr_export_whose_last_form_only_fractions_reach_works(locale: str) -> None:
    """Audit of the errors (issue 19, round 6): Crowdin writes CLDR's four categories for
    East Slavic languages without testing for fractions; no whole number selects form 3
    ("other": 1.5), and gettext passes only whole numbers. Not broken."""
    assert formula_problems(parse_plural_forms(CROWDIN_BE), locale) == []


def test_a_cldr_export_with_a_fraction_form_in_the_middle_works() -> None:
    """Czech's CLDR categories in CLDR's order (one, few, many, other): "many" is for
    fractions only, so no whole number selects form 2."""
    czech = (
        "nplurals=4; plural=(n == 1 && n % 1 == 0) ? 0 : (n >= 2 && n <= 4 && n % 1 == 0) ? 1"
        ": (n % 1 != 0 ) ? 2 : 3;"
    )
    assert formula_problems(parse_plural_forms(czech), "cs") == []  # n % 1: fractions tested
    without_test = "nplurals=4; plural=(n == 1 ? 0 : n >= 2 && n <= 4 ? 1 : 3);"
    assert formula_problems(parse_plural_forms(without_test), "cs") == []


@pytest.mark.parametrize(
    ("formula", "locale"),
    [
        # another language's categories: German has two, whole numbers reach both
        (CROWDIN_BE, "de"),
        # a form reached off the sample (n == 1234) is no fraction's: still broken
        (CROWDIN_BE.replace("? 2 : 3", "? 2 : n == 1234 ? 3 : 2"), "be"),
        # five forms for four categories
        (CROWDIN_BE.replace("nplurals=4", "nplurals=5"), "be"),
        # form 3 unreached, but form 1 serves two categories: not CLDR's rule
        ("nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : 1);", "ru"),
    ],
)
def test_an_unreached_form_that_is_no_fractions_stays_broken(formula: str, locale: str) -> None:
    """The exemption holds only where CLDR's categories are the formula's forms, one for
    one, and no number outside the sample can reach the form left over."""
    assert formula_problems(parse_plural_forms(formula), locale), formula


@pytest.mark.parametrize(
    ("expression", "settled"),
    [
        (
            "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
            True,
        ),
        ("(n != 1)", True),
        ("0", True),
        ("(n == 1234 ? 3 : n != 1)", False),  # 1234 is past the sample's 0..1000
        ("(n%1000 == 999)", False),  # a period of 1000 past its constants
        ("(n*7 % 5)", False),  # arithmetic: not proved periodic
        ("n > 5 ? n : 0", False),  # n as a value grows past every form
        ("!n", False),  # n outside a comparison
        ("(n % 0)", False),
    ],
)
def test_a_formula_is_settled_by_the_sample_only_when_periodic_within_it(
    expression: str, settled: bool
) -> None:
    assert settled_by_sample(expression) is settled
