"""``outreach check`` on real catalogs nobody here wrote: every error judged, precision >= 95%.

The corpus (``tests/realworld/manifest.toml``) is split by project into two halves:

* ``dev``: what the checks were tuned on. Django, Wagtail, Wagtail Localize, django-allauth
  and Plone (installed by the ``corpus`` extra), django CMS, Kiwi TCMS, Postorius,
  django-countries, Flask-AppBuilder and django-import-export, and issue 19's first five
  held-out halves, which became development data once each had been measured and its false
  classes fixed: django-oscar, pretix, HyperKitty, django-filer, Spyder and Sphinx (round 1);
  pretalx, OpenStack Horizon, WTForms, django-debug-toolbar, I Hate Money, Calibre-Web, Fava
  and the JupyterLab language packs (round 2); CKAN, Deluge, duplicity, Gramps, Nicotine+,
  Flask-Admin, the Read the Docs Sphinx theme and Indico (round 3); Weblate, MusicBrainz
  Picard, wger, Open edX's ORA2, Misago, Red (a Discord bot), Bazaar, Trac and Thonny
  (round 4); Tendenci, Tartube, Froide, django-machina, Safe Eyes, Mu, nbclassic, Roundup and
  django-newsletter (round 5); GNU Health, Specter, Modoboa, SubDownloader, Review Board,
  TLP UI, udata and django-recurrence (round 6); Apache Superset, LinOTP, Wammu, Stoq,
  Gourmand, Canaille, LibreTranslate, CubicWeb, blivet, EvaP, django-jet-reboot, dj-stripe,
  WoeUSB-ng, django-easy-audit, OneGov Gazette and django-admin-rangefilter (round 7); and
  issue 19's validation data, projects
  new to the corpus that were looked at while tuning (the manifest names them, set by set)
  (wheels and source distributions fetched from PyPI). CI runs all of it (:data:`CI_SAMPLE`);
  ``OUTREACH_REALWORLD=all`` runs both halves.
* ``held-out``: issue 19's eighth held-out half (the manifest's last block): chosen from
  file lists and catalog headers, never looked at while tuning, to be measured once (round 8).
  It runs, whole, only when ``OUTREACH_REALWORLD=held-out`` (that half only) or ``=all``
  (``make test-realworld``) asks for it: a run of it is its one measure.

The wheels are fetched on first use into ``~/.cache/outreach/realworld`` (or
``$OUTREACH_REALWORLD_CACHE``), checked against the manifest's sha256; without network the
tests skip. ``tests/realworld/judgments.json`` holds a hand judgment of every error outreach
reports on either half, keyed by package, file, msgctxt, msgid and check (not the line or the
message, which change with the checks), plus the real defects no tool reported.

* a new error finding without a judgment fails, printing what a judge needs to read;
* outreach's errors must be real defects at least 95% of the time, on each half;
* every real defect outreach reported must still be reported, errors as errors (recall kept);
* the held-out half's one measure is recorded in ``judgments.json``'s ``measures`` (with
  the ``round`` of :data:`HELD_OUT_ROUND`) and matches the records judged at it; until it
  is, the held-out precision test fails saying so
  (:func:`test_precision_of_errors_meets_the_target`).

``benchmarks/realworld_report.py`` prints the same numbers next to pofilter's and msgfmt's.
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from realworld import corpus as C

PRECISION_TARGET = 0.95
#: CI checks every catalog of the dev half (a sample, :func:`corpus.sample`, when this is more
#: than 1). It checked every fourth catalog of each project until the fourth held-out half and
#: issue 19's round-5 validation sets joined the half: then that sample's precision (105 real
#: errors of 112, 94%, at 9db7a88) no longer told the half's (417 of 434, 96%, the same
#: commit), as a sample of a few hundred findings, where each project's false classes sit in a
#: few catalogs, cannot. The whole half (324,382 entries then) took 177 s of checking in one
#: process on the two shared cores under load, against 50-60 s for the sample (114,538).
#: ``OUTREACH_REALWORLD=all`` checks all of both halves.
CI_SAMPLE = 1


def _wanted() -> str:
    return os.environ.get("OUTREACH_REALWORLD", "dev")


def _halves() -> list[Any]:
    wanted = _wanted()
    return [
        pytest.param(
            half,
            marks=()
            if wanted == "all" or half == wanted
            else pytest.mark.skip(
                reason=f"the {half} half runs with OUTREACH_REALWORLD={half} (or =all)"
            ),
        )
        for half in C.HALVES
    ]


@pytest.fixture(scope="module", params=_halves())
def half(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, half: str) -> C.Corpus:
    try:
        C.fetch(halves=(half,))
    except OSError as error:
        pytest.skip(f"real-world corpus wheels cannot be fetched: {error}")
    try:
        every = 1 if _wanted() == "all" or half != "dev" else CI_SAMPLE
        root = tmp_path_factory.mktemp("realworld") / "corpus"
        return C.build(root, halves=(half,), every=every)
    except LookupError as error:  # e.g. make test-latest, which installs no corpus extra
        pytest.skip(f"real-world corpus not installed: {error}")


@pytest.fixture(scope="module")
def run(built: C.Corpus) -> C.Run:
    return C.run_outreach(built)


@pytest.fixture(scope="module")
def judgments() -> dict[str, object]:
    return C.load_judgments()


def test_the_corpus_is_real_catalogs_of_the_size_ci_can_afford(built: C.Corpus, half: str) -> None:
    locales = {cat.locale.split("_")[0] for cat in built.catalogs}
    assert {"ar", "ja", "ko", "ru", "zh", "fa", "he"} & locales >= {"ja", "ru", "zh"}
    whole = len(built.catalogs) == len(C.catalogs(halves=(half,)))
    sizes = {"dev": (375_000, 560_000), "held-out": (30_000, 40_000)}
    if whole:
        low, high = sizes[half]
        assert low <= built.translated <= high
    assert all(path.read_bytes() == built.files[path].source.read_bytes() for path in built.files)


def test_the_two_halves_are_split_by_project() -> None:
    data = tomllib.loads(C.MANIFEST.read_text(encoding="utf-8"))
    halves: dict[str, set[str]] = {}
    for package in data["package"]:
        halves.setdefault(package["half"], set()).add(package["name"])
    assert set(halves) == set(C.HALVES) and not halves["dev"] & halves["held-out"]
    new = [p for p in data["package"] if "artifact" in p]
    assert len(new) >= 10
    languages = {c["locale"].split("_")[0] for p in new for c in p["catalog"]}
    assert {"ar", "ja", "zh", "ko", "ru", "hi"} <= languages and {"fa", "he"} & languages
    assert len(languages) >= 12
    platforms = Counter(p["translations"].split(" ")[0] for p in new)
    assert all(platforms[name] >= 2 for name in ("Weblate", "Transifex", "Crowdin")), platforms
    held_out = [p for p in data["package"] if p["half"] == "held-out"]
    projects = {p["name"].split("-language-pack-")[0] for p in held_out}
    assert len(projects) >= 8, projects
    # issue 19's languages are the corpus's (above); a held-out half has the five scripts and
    # a right-to-left language among them (the eighth half found no Arabic or Persian catalog
    # more than half translated among the names no helper had examined: Hebrew only)
    languages = {c["locale"].split("_")[0] for p in held_out for c in p["catalog"]}
    assert {"ja", "zh", "ko", "ru", "hi"} <= languages and {"ar", "fa", "he"} & languages
    # the whole corpus has each platform issue 19 names (above); a held-out half has at
    # least three tool chains, the two largest platforms among them (round 5 found no project
    # translated on Crowdin, Pontoon or Launchpad among the names its share allowed that ships
    # its catalogs on PyPI)
    platforms = Counter(p["translations"].split(" ")[0] for p in held_out)
    assert {"Weblate", "Transifex"} <= set(platforms) and len(platforms) >= 3, platforms


def test_judgments_are_well_formed(judgments: dict[str, list[dict[str, object]]]) -> None:
    for section in (*C.TOOLS, "defects"):
        keys = Counter(
            C.judgment_key(r) if section != "defects" else C.unit(r) for r in judgments[section]
        )
        assert not [k for k, n in keys.items() if n > 1], f"duplicate keys in {section}"
        for record in judgments[section]:
            verdict = record.get("verdict", "real")
            assert verdict in ("real", "false"), record
            assert str(record["reason"]).strip() and str(record["class"]).strip(), record
            if verdict == "real":
                assert str(record.get("fix", "")).strip(), (
                    f"a real defect says what to change: {record}"
                )


def test_every_error_finding_is_judged(run: C.Run, judgments: dict[str, object]) -> None:
    errors = C.counted(run.hits, "outreach")
    unjudged = C.score(errors, judgments, "outreach").unjudged
    assert not unjudged, (
        f"{len(unjudged)} error findings on the real-world corpus have no judgment in "
        f"{C.JUDGMENTS.name}; judge each (verdict real/false, reason, fix):\n"
        + "\n".join(C.describe(hit) for hit in unjudged)
    )


def _found_units(run: C.Run, judgments: dict[str, Any], *, errors_only: bool) -> set[C.Unit]:
    """The real defects (entry and class) that some finding of outreach's points at."""
    found = set()
    for hit in run.hits:
        if errors_only and hit.severity != "error":
            continue
        record = C.judgment_for(judgments, hit)
        if record is not None and record["verdict"] == "real":
            found.add(C.unit(record))
    return found


def _lost(
    judgments: dict[str, Any], found: set[C.Unit], severity: str, built: C.Corpus
) -> list[dict[str, Any]]:
    """Real defects judged at ``severity`` that no finding points at any more (by whichever
    check: a defect may move to a better one), except those recorded as a ``known_loss``."""
    files = {(cat.package, cat.path) for cat in built.catalogs}  # this half's (or sample's)
    return [
        r
        for r in judgments["outreach"]
        if (r["package"], r["file"]) in files
        if r["verdict"] == "real" and r.get("severity") == severity
        if C.unit(r) not in found and not r.get("known_loss")
    ]


def test_known_real_defects_are_still_reported_as_errors(
    run: C.Run, judgments: dict[str, Any], built: C.Corpus
) -> None:
    lost = _lost(judgments, _found_units(run, judgments, errors_only=True), "error", built)
    assert not lost, "real defects outreach no longer reports as errors:\n" + "\n".join(
        f"  {r['locale']} {r['file']}: {r['msgid']!r} ({r['check']}): {r['reason']}" for r in lost
    )


def test_known_real_defects_reported_as_warnings_are_still_reported(
    run: C.Run, judgments: dict[str, Any], built: C.Corpus
) -> None:
    lost = _lost(judgments, _found_units(run, judgments, errors_only=False), "warning", built)
    assert not lost, "real defects outreach no longer reports at all:\n" + "\n".join(
        f"  {r['locale']} {r['file']}: {r['msgid']!r} ({r['check']}): {r['reason']}" for r in lost
    )


def test_known_losses_say_why(judgments: dict[str, Any]) -> None:
    for record in judgments["outreach"]:
        if "known_loss" in record:
            assert record["verdict"] == "real" and len(str(record["known_loss"])) > 40, record


#: The round of issue 19's held-out half in the manifest now: its one measure is the record
#: of ``judgments.json``'s ``measures`` with ``"half": "held-out"`` and this ``round``, and the
#: errors judged at it are the ``outreach`` records with the same ``round``.
HELD_OUT_ROUND = 8

#: Why the held-out half misses the precision target, once its measure says it does (then the
#: precision test expects the miss, strictly: when fixes bring the half to the target, the
#: expectation fails and must go). None: no miss recorded. Round 2's was "held-out precision
#: is 93% after fixes (59% when measured once): under 95%"; that half is development data now.
#: Round 3's measure (at 3cc5186) was 67% (29 of 43 errors); the fixes of its false classes
#: that followed bring the half to 28 of 28, which is no longer a held-out figure. Round 4's
#: measure (at d8ce318) was 83% (91 of 110 errors; 46 of the real ones are one Hebrew
#: catalog's bidi overrides, 45 of 64 without it); after the fixes that followed, 91 of 94.
#: Both halves are development data now. Round 5's measure (at f8bc603) was 51% (31 of 61
#: errors), after four validation sets had been added to dev and their false classes fixed;
#: after the fixes that followed, 31 of 40. Round 6's measure (at 8381b50) is 66% (29 of 44
#: errors), after three validation sets and the fifth half had joined dev; after the fixes
#: that followed, 29 of 32 (31 of 34 at the end of round 7). Both are development data now.
#: Round 7's measure (at e6c69ef) was 66% (23 of 35 errors), after round 7's three validation
#: sets, the classes of pofilter's real finds and the sixth half had joined dev; after round
#: 8's fixes, 28 of 30. It is development data now. Round 8's measure (at ce289a5) is 39%
#: (22 of 57 errors): one project's LaTeX catalogs (Pyromaths) give 35 false errors of three
#: classes (TeX arguments read as brace placeholders, math delimiters as shell prompts, a
#: fragment's trailing line break); the other nine projects' 21 errors are all real. After
#: the fixes of its first two classes, 21 of 28.
HELD_OUT_SHORT: str | None = (
    "held-out precision is 39% (22 of 57 errors) when measured once at ce289a5: under 95%"
)


#: Why the dev half misses the precision target, when it does (strict, as HELD_OUT_SHORT):
#: round 5's validation sets added false errors of classes that stay errors by the severity
#: principle, since outreach cannot tell them from a danger from the entry alone: a link
#: replaced by a page of another host in the reader's language, example addresses and hosts
#: localised on real domains, metavariables of help text renamed inside braces. The fifth
#: held-out half (9 false of 40 after its fixes) and round 6's validation sets (6 false of 58
#: after theirs: an example repository's path on GitHub localised, an organisation written as
#: its domain, a positional argument the code passes twice written once) add more of them, and
#: so do round 7's sets: 7A (6 false of 17 after its fixes: a link placeholder written as the
#: constant link the template passes, on the project's own docs host, and a service the source
#: names written as its domain), 7B (16 false of 49 after its fix: Pootle's Arabic and Hebrew
#: forms for one number that leave the positional count out, which Pootle's own gettext
#: wrapper formats and forgives, where the same catalog's "Running (%d worker)", of the same
#: shape, is formatted with a bare % and raises: nothing in the catalog tells the two apart),
#: 7C (3 false of 13 after its fixes: Wikipedia links localised to another article's title on
#: the language's edition, an example link on example.com added). The classes of pofilter's
#: real finds on round 6's sets, implemented after, add 49 real errors and no false one;
#: listing every syntax error of a file (round 8) adds 5 more real ones (duplicate entries).
#: Round 9's sets 9A (9 real of 10: a word blanked on purpose in a signature, which the
#: catalog cannot tell from a real blank) and 9B (26 of 26) need no fix; 9C (15 real of 33, no
#: fix: its 18 false are of the classes above) adds Offpunk's command help, whose example
#: hosts ("redirect origin.com destination.org") and a made-up address under a top-level name
#: no registry delegates yet are localised.
DEV_SHORT: str | None = (
    "dev precision is 89.8% (801 of 892 errors) with the fifth to seventh held-out halves "
    "and the validation sets of rounds 6, 7 and 9: under 95%"
)


def _held_out_projects() -> set[str]:
    data = tomllib.loads(C.MANIFEST.read_text(encoding="utf-8"))
    return {p["name"] for p in data["package"] if p["half"] == "held-out"}


def _held_out_measure(judgments: dict[str, Any]) -> dict[str, Any] | None:
    """The one measure of the manifest's held-out half (round :data:`HELD_OUT_ROUND`), or
    None while it is not recorded."""
    found = [
        m
        for m in judgments["measures"]
        if m["half"] == "held-out" and m.get("round") == HELD_OUT_ROUND
    ]
    assert len(found) <= 1, f"one measure of round {HELD_OUT_ROUND}, not {len(found)}"
    return found[0] if found else None


def test_the_held_out_measure_is_recorded(judgments: dict[str, Any]) -> None:
    """The one measure of the held-out half as it is now, in ``judgments.json``, names the
    manifest's held-out projects and matches the records judged at it (``round``
    :data:`HELD_OUT_ROUND`). Skips while the half is not measured: CI never measures it."""
    measure = _held_out_measure(judgments)
    if measure is None:
        pytest.skip(
            f"the held-out half (round {HELD_OUT_ROUND}) is not measured yet: "
            "OUTREACH_REALWORLD=held-out, judge every error, record the measure"
        )
    assert set(measure["projects"]) == _held_out_projects()
    assert measure["commit"] and measure["judged"] >= measure["real"] >= 0
    judged = [r for r in judgments["outreach"] if r.get("round") == HELD_OUT_ROUND]
    # the measure counts findings; a record judges every finding of its key (the four
    # plural forms of one entry), so there are at most as many records, real and false
    assert 0 < len(judged) <= measure["judged"]
    real = sum(r["verdict"] == "real" for r in judged)
    assert 0 < real <= measure["real"] and len(judged) - real <= measure["judged"] - measure["real"]
    assert all(r["half"] == "held-out" and r["severity"] == "error" for r in judged)


def test_the_held_out_half_is_unseen_until_its_measure(judgments: dict[str, Any]) -> None:
    """No judgment names a held-out project but those of its measure (``round``
    :data:`HELD_OUT_ROUND`) and, once it is recorded, those made after it (``after_measure``):
    nothing on the held-out half was judged, so looked at, before its measure."""
    held_out, measured = _held_out_projects(), _held_out_measure(judgments) is not None
    early = [
        (section, r["package"], r.get("locale"), r.get("msgid"))
        for section in (*C.TOOLS, "defects")
        for r in judgments[section]
        if r["package"] in held_out and r.get("round") != HELD_OUT_ROUND
        if not (measured and r.get("after_measure"))
    ]
    assert not early, f"judged on the held-out half before its measure: {early}"


def test_the_second_held_out_measure_is_kept(judgments: dict[str, Any]) -> None:
    """Round 2's measure (pretalx to the JupyterLab language packs, at cd0b8c7) and the
    records judged at it stay as they were: 13 real errors of 22 (59%)."""
    (second,) = [m for m in judgments["measures"] if m.get("commit") == "cd0b8c7"]
    judged = [r for r in judgments["outreach"] if r.get("round") == 2]
    assert (second["judged"], second["real"]) == (22, 13)
    assert sum(r["verdict"] == "real" for r in judged) == second["real"]
    assert all(r["half"] == "held-out" and r["severity"] == "error" for r in judged)
    assert not {r["package"] for r in judged} & _held_out_projects()


#: The held-out halves measured once and then made development data: ``(round, commit of
#: the measure, findings judged, real ones, records judged at it, real records)``. A record
#: judges every finding of its key, so there may be fewer records than findings.
#: Round 3: CKAN to Indico (67%); round 4: Weblate to Thonny (83%); round 5: Tendenci to
#: django-newsletter (51%); round 6: GNU Health to django-recurrence (66%); round 7: Apache
#: Superset to django-admin-rangefilter (66%).
PAST_MEASURES = [
    (3, "3cc5186", 43, 29, 38, 25),
    (4, "d8ce318", 110, 91, 90, 71),
    (5, "f8bc603", 61, 31, 56, 30),
    (6, "8381b50", 44, 29, 32, 17),
    (7, "e6c69ef", 35, 23, 27, 15),
]


@pytest.mark.parametrize(
    ("round_", "commit", "findings", "real", "records", "real_records"), PAST_MEASURES
)
def test_a_past_held_out_measure_is_kept(
    judgments: dict[str, Any],
    round_: int,
    commit: str,
    findings: int,
    real: int,
    records: int,
    real_records: int,
) -> None:
    """A past held-out half's measure (:data:`PAST_MEASURES`) and the records judged at it
    stay as they were, and its projects are development data now."""
    (measure,) = [m for m in judgments["measures"] if m.get("round") == round_]
    judged = [r for r in judgments["outreach"] if r.get("round") == round_]
    assert measure["commit"] == commit and (measure["judged"], measure["real"]) == (findings, real)
    assert (len(judged), sum(r["verdict"] == "real" for r in judged)) == (records, real_records)
    assert all(r["half"] == "held-out" and r["severity"] == "error" for r in judged)
    assert not {r["package"] for r in judged} & _held_out_projects()
    assert set(measure["projects"]) <= {
        p["name"]
        for p in tomllib.loads(C.MANIFEST.read_text(encoding="utf-8"))["package"]
        if p["half"] == "dev"
    }


def test_precision_of_errors_meets_the_target(
    run: C.Run, judgments: dict[str, Any], half: str, request: pytest.FixtureRequest
) -> None:
    result = C.score(C.counted(run.hits, "outreach"), judgments, "outreach")
    if half == "held-out":
        if _held_out_measure(judgments) is None:
            pytest.fail(
                f"the held-out half (round {HELD_OUT_ROUND}) has no measure in "
                f"{C.JUDGMENTS.name} yet: this run is its one measure. outreach reported "
                f"{result.findings} errors ({result.judged} judged). Judge every one "
                f'(records with "round": {HELD_OUT_ROUND}, "half": "held-out"), add '
                f'{{"half": "held-out", "round": {HELD_OUT_ROUND}, "projects": [...], '
                '"commit": ..., "judged": ..., "real": ...} to "measures", and set '
                "HELD_OUT_SHORT if it is under the target"
            )
        if HELD_OUT_SHORT is not None:
            request.applymarker(pytest.mark.xfail(reason=HELD_OUT_SHORT, strict=True))
    elif DEV_SHORT is not None:
        request.applymarker(pytest.mark.xfail(reason=DEV_SHORT, strict=True))
    assert result.judged, "no judged error findings"
    precision = result.precision or 0.0
    classes = "\n".join(
        f"  {len(hits):3d}  {cls}"
        for cls, hits in sorted(result.false_by_class.items(), key=lambda kv: -len(kv[1]))
    )
    assert precision >= PRECISION_TARGET, (
        f"precision of outreach's errors on real catalogs is {precision:.0%} "
        f"({result.real} real of {result.judged}); target {PRECISION_TARGET:.0%}. "
        f"False alarms by class:\n{classes}"
    )


def test_the_loader_reads_msgfmt_messages_that_span_lines(tmp_path: Path) -> None:
    stderr = (
        f"{tmp_path}/x.po:17: nplurals = 2...\n"
        f"{tmp_path}/x.po:40: ...but some messages have 3 plural forms\n"
        f"{tmp_path}/x.po:88: a format specification for argument 'n' doesn't exist in "
        "'msgstr[0]'\n"
        "msgfmt: found 2 fatal errors\n"
    )
    assert C._msgfmt_messages(stderr, f"{tmp_path}/x.po:") == [
        (17, "nplurals = 2 but some messages have 3 plural forms"),
        (88, "a format specification for argument 'n' doesn't exist in 'msgstr[0]'"),
    ]
