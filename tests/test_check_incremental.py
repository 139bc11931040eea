"""Re-checking after an edit gives exactly what a full check gives, checking only the edit.

``outreach check`` remembers each catalog block by block (outreach.checks.incremental) and
checks large campaigns' catalogs in parallel processes; neither may change a finding.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.campaign import load_campaign
from outreach.checks.incremental import split_blocks
from outreach.qa import campaign as checks_campaign
from outreach.qa.campaign import CheckReport, check_campaign

CORPUS = Path(__file__).parent / "corpus"


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    return root


def _check(root: Path, cache: Path | None) -> CheckReport:
    campaign = load_campaign(root)
    if cache is None:
        return check_campaign(campaign, use_cache=False)
    return check_campaign(campaign, cache_dir=cache)


def _po(root: Path, locale: str) -> Path:
    return root / "locales" / locale / "LC_MESSAGES" / "messages.po"


def _same(a: CheckReport, b: CheckReport) -> None:
    assert [f.to_json() for f in a.findings] == [f.to_json() for f in b.findings]


def test_one_edited_entry_is_the_only_one_checked_again(tmp_path: Path) -> None:
    root, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _check(root, cache)
    path = _po(root, "de")
    text = path.read_text(encoding="utf-8")
    edited = text.replace(
        'msgstr "Poste heute mit #LoveAlwaysWins"',
        'msgstr "Poste heute mit #LoveAlwaysWin und https://evil.com/x"',
    )
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    again = _check(root, cache)
    assert again.entries["checked"] == 1
    assert again.entries["cached"] >= first.entries["checked"] - 1
    _same(again, _check(root, None))
    messages = {f.message for f in again.findings if f.file.endswith("de/LC_MESSAGES/messages.po")}
    assert any("evil.com" in m for m in messages)


def test_an_inserted_entry_moves_the_findings_after_it(tmp_path: Path) -> None:
    root, cache = _corpus(tmp_path), tmp_path / "cache"
    _check(root, cache)
    path = _po(root, "fr")
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\n\n")
    new = '#, python-format\nmsgid "Share it: %(url)s"\nmsgstr "Partagez : %(link)s"\n'
    path.write_text(head + sep + new + "\n" + rest, encoding="utf-8")
    again = _check(root, cache)
    assert again.entries["checked"] == 1
    _same(again, _check(root, None))


def test_a_new_header_or_a_duplicate_means_a_full_check(tmp_path: Path) -> None:
    root, cache = _corpus(tmp_path), tmp_path / "cache"
    _check(root, cache)
    path = _po(root, "es")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Language: es", "Language: es_ES", 1), encoding="utf-8")
    again = _check(root, cache)
    _same(again, _check(root, None))
    # an entry whose msgid another block has: a duplicate, which only a full parse reports
    first_entry = text.split("\n\n")[1]
    path.write_text(text + "\n" + first_entry + "\n", encoding="utf-8")
    duplicate = _check(root, cache)
    _same(duplicate, _check(root, None))
    assert any("duplicate message definition" in f.message for f in duplicate.findings)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_few_edits_give_what_a_full_check_gives(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    tmp_path = tmp_path_factory.mktemp("edits")
    root, cache = _corpus(tmp_path), tmp_path / "cache"
    _check(root, cache)
    locale = data.draw(st.sampled_from(["de", "fr", "ja", "ar", "ru"]))
    path = _po(root, locale)
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(1, len(blocks) - 1))
        action = data.draw(st.sampled_from(["drop", "copy", "edit", "blank"]))
        if action == "drop":
            del blocks[index]
        elif action == "copy":
            blocks.insert(data.draw(st.integers(1, len(blocks))), blocks[index])
        elif action == "edit":
            extra = data.draw(st.sampled_from([" https://evil.com/x", " @someone", " Sie Sie"]))
            blocks[index] = blocks[index].rstrip('"\n') + extra + '"'
        else:
            blocks[index] = blocks[index].replace("\n", "\n\n", 1)
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    _same(_check(root, cache), _check(root, None))


def test_catalogs_checked_in_parallel_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _corpus(tmp_path)
    serial = _check(root, None)
    monkeypatch.setattr(checks_campaign, "PARALLEL_BYTES", 0)
    parallel = _check(root, tmp_path / "cache")
    _same(parallel, serial)
    assert parallel.catalogs == serial.catalogs
    assert parallel.entries["checked"] == serial.entries["checked"]
    # the workers' cache entries came home: a second run checks nothing again
    assert _check(root, tmp_path / "cache").entries["checked"] == 0


@pytest.mark.parametrize("cores", [2, 3, 7])
def test_entries_shared_out_among_workers_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    """However the catalogs' entries are cut into parts (a catalog split between two or
    more workers, each part parsing it whole), the findings, their order and the cache are
    those of checking one catalog after another."""
    root = _corpus(tmp_path)
    serial = _check(root, None)
    monkeypatch.setattr(checks_campaign, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(checks_campaign, "MIN_PART", 0.0)  # cuts anywhere, slivers too
    monkeypatch.setattr(checks_campaign.os, "cpu_count", lambda: cores)
    parallel = _check(root, tmp_path / "cache")
    _same(parallel, serial)
    assert parallel.catalogs == serial.catalogs
    assert parallel.entries == serial.entries
    again = _check(root, tmp_path / "cache")  # every part's cache entries came home
    assert again.entries["checked"] == 0
    _same(again, serial)


@given(
    st.dictionaries(st.sampled_from(["es", "fr", "de", "ja", "ru"]), st.integers(0, 10**6)),
    st.integers(1, 8),
    st.sampled_from([0.0, 0.15, 0.4]),
)
def test_shares_cover_every_byte_of_every_catalog_once(
    sizes: dict[str, int], workers: int, min_part: float
) -> None:
    if not sizes:
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checks_campaign, "MIN_PART", min_part)
        shares = checks_campaign._shares(sizes, workers)
    assert 1 <= len(shares) <= workers
    for locale, size in sizes.items():
        parts = sorted(
            (start, stop) for share in shares for loc, start, stop, _ in share if loc == locale
        )
        assert parts and parts[0][0] == 0 and parts[-1][1] == size
        assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
        assert all(start < stop for start, stop in parts) or size == 0


@given(st.lists(st.sampled_from(["", " ", "\t", "\r", 'msgid "a"', "#, fuzzy", "\xa0x"])))
def test_blocks_are_the_runs_of_lines_with_text(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8")
    blocks = split_blocks(data)
    covered: set[int] = set()
    for block in blocks:
        got = block.data.split(b"\n")
        assert got == data.split(b"\n")[block.start - 1 : block.start - 1 + len(got)]
        assert all(line.strip() for line in got)
        covered.update(range(block.start, block.start + len(got)))
    assert covered == {n for n, line in enumerate(data.split(b"\n"), 1) if line.strip()}
    starts = [block.start for block in blocks]
    assert all(b - a >= 2 for a, b in itertools.pairwise(starts))  # a blank line between


def _repeat_of(text: str, msgid: str) -> str:
    """``text`` with an obsolete entry that repeats ``msgid`` appended."""
    return text.rstrip("\n") + f'\n\n#~ msgid "{msgid}"\n#~ msgstr "ancien"\n'


def _repeats(report: CheckReport) -> list[tuple[int | None, str]]:
    return [(f.line, f.severity) for f in report.findings if "obsolete entry" in f.message]


def test_an_obsolete_repeat_is_a_warning_at_its_line_after_any_edit(tmp_path: Path) -> None:
    """msgfmt refuses an obsolete entry that repeats an active one: a warning at the obsolete
    entry, kept at the right line however the file is edited around it, and gone once the
    active entry is."""
    root, cache = _corpus(tmp_path), tmp_path / "cache"
    path = _po(root, "fr")
    text = _repeat_of(path.read_text(encoding="utf-8"), "Watch the film")
    path.write_text(text, encoding="utf-8")
    first = _check(root, cache)
    line = text.split("\n").index('#~ msgid "Watch the film"') + 1
    assert _repeats(first) == [(line, "warning")]
    # an entry above grows by two lines: the warning moves with it
    grown = text.replace('msgstr "Se désabonner"', 'msgstr ""\n"Se "\n"désabonner"', 1)
    path.write_text(grown, encoding="utf-8")
    again = _check(root, cache)
    _same(again, _check(root, None))
    assert _repeats(again) == [(line + 2, "warning")]
    # the active entry goes: so does the warning
    gone = grown.replace('msgid "Watch the film"\nmsgstr "Regarder le film"\n\n', "", 1)
    assert gone != grown
    path.write_text(gone, encoding="utf-8")
    after = _check(root, cache)
    _same(after, _check(root, None))
    assert _repeats(after) == []
    # and comes back when an active entry takes its msgid again
    path.write_text(gone + '\nmsgid "Watch the film"\nmsgstr "Voir le film"\n', encoding="utf-8")
    back = _check(root, cache)
    _same(back, _check(root, None))
    assert len(_repeats(back)) == 1


def test_an_obsolete_repeat_added_by_an_edit_is_found(tmp_path: Path) -> None:
    root, cache = _corpus(tmp_path), tmp_path / "cache"
    _check(root, cache)
    path = _po(root, "fr")
    path.write_text(_repeat_of(path.read_text(encoding="utf-8"), "Video"), encoding="utf-8")
    again = _check(root, cache)
    _same(again, _check(root, None))
    assert [s for _, s in _repeats(again)] == ["warning"]


_JA_TOML = """
[campaign]
name = "Test"
source_locale = "en"
locales = ["en", "ja"]
hashtags = ["#LoveAlwaysWins"]
url = "https://example.org/love"
"""
#: a catalog whose header is not its first block: a comment block comes first
_JA_HEAD = (
    "# Japanese translations.\n\n"
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: ja\\n"\n'
)
_JA_FORMS = '"Plural-Forms: nplurals=1; plural=0;\\n"\n'
_JA_ENTRY = (
    '\n#, python-format\nmsgid "%(name)s has one item"\n'
    'msgid_plural "%(name)s has %(n)s items"\nmsgstr[0] "{}"\n'
)


def _ja_campaign(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "ja-campaign"
    (root / "messages").mkdir(parents=True, exist_ok=True)
    (root / "messages" / "campaign.toml").write_text(_JA_TOML, encoding="utf-8")
    _po(root, "ja").parent.mkdir(parents=True, exist_ok=True)
    _po(root, "ja").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the header alone changes (Plural-Forms added): its block is not the first
        (
            _JA_HEAD + _JA_ENTRY.format("%(n)s 項目"),
            _JA_HEAD + _JA_FORMS + _JA_ENTRY.format("%(n)s 項目"),
        ),
        # an entry changes under a header that is not in the first block
        (
            _JA_HEAD + _JA_FORMS + _JA_ENTRY.format("%(name)s の %(n)s 項目"),
            _JA_HEAD + _JA_FORMS + _JA_ENTRY.format("%(n)s 項目"),
        ),
    ],
)
def test_a_header_after_the_first_block_is_read_as_a_full_check_reads_it(
    tmp_path: Path, before: str, after: str
) -> None:
    """The blocks a re-check keeps were judged under the header as it was, and the blocks
    it checks again are parsed with the first block as their header: a header in another
    block (after a comment block) would leave a Plural-Forms added unread, or an edited
    entry checked with none (a placeholder left out of Japanese msgstr[0], an error under
    nplurals=1, a warning without it)."""
    root, cache = _ja_campaign(tmp_path, before), tmp_path / "cache"
    _check(root, cache)
    _po(root, "ja").write_text(after, encoding="utf-8")
    again, full = _check(root, cache), _check(root, None)
    assert ("placeholders", "error") in [(f.check, f.severity) for f in full.findings]
    _same(again, full)


_AR_TOML = _JA_TOML.replace('"ja"]', '"ar"]')
_AR_JS = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: ar\\n"\n'
    '"Plural-Forms: nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : '
    'n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;\\n"\n\n'
    '#: static/js/admin/components/AdminController.js:136\nmsgid "Save"\nmsgstr "حفظ"\n\n'
    "#: templates/admin/xhr_language_user_activity.html:20\n#, python-format\n"
    'msgid "%s word"\nmsgid_plural "%s words"\nmsgstr[0] "{}"\nmsgstr[1] "كلمة"\n'
    'msgstr[2] "كلمتين"\nmsgstr[3] "%s كلمات"\nmsgstr[4] "%s كلمةً"\nmsgstr[5] "%s كلمة"\n'
)


@pytest.mark.parametrize("extra", ["", '\n#: pootle/apps/views.py:3\nmsgid "Stop"\nmsgstr "قف"\n'])
def test_a_re_check_reads_the_whole_files_references(tmp_path: Path, extra: str) -> None:
    """Whether JavaScript formats a catalog (its references name JavaScript sources and no
    Python one) is the whole file's to say: an edit to an entry whose own references are an
    Underscore template (``.html``) is judged as a full check judges it, a warning in a
    JavaScript catalog (Pootle's ``pootle_js.po``) and an error beside a Python source."""
    root = tmp_path / "ar-campaign"
    (root / "messages").mkdir(parents=True)
    (root / "messages" / "campaign.toml").write_text(_AR_TOML, encoding="utf-8")
    _po(root, "ar").parent.mkdir(parents=True)
    _po(root, "ar").write_text(_AR_JS.format("لا كلمات") + extra, encoding="utf-8")
    cache = tmp_path / "cache"
    _check(root, cache)
    _po(root, "ar").write_text(_AR_JS.format("ولا كلمة") + extra, encoding="utf-8")
    again, full = _check(root, cache), _check(root, None)
    assert again.entries["checked"] == 1
    _same(again, full)
    severity = "error" if extra else "warning"
    assert ("placeholders", severity) in [(f.check, f.severity) for f in full.findings]


def test_an_edit_that_makes_a_javascript_catalog_a_python_one_judges_every_block_again(
    tmp_path: Path,
) -> None:
    """The attack on the exemption above: an edit elsewhere in the file that adds a Python
    source's reference makes Python's ``%`` format the kept ``%s word`` too, whose form
    without the count then raises; its kept warning must not survive the edit."""
    root = tmp_path / "ar-campaign"
    (root / "messages").mkdir(parents=True)
    (root / "messages" / "campaign.toml").write_text(_AR_TOML, encoding="utf-8")
    _po(root, "ar").parent.mkdir(parents=True)
    _po(root, "ar").write_text(_AR_JS.format("لا كلمات"), encoding="utf-8")
    cache = tmp_path / "cache"
    first = _check(root, cache)
    assert ("placeholders", "warning") in [(f.check, f.severity) for f in first.findings]
    edited = _AR_JS.format("لا كلمات").replace("AdminController.js:136", "views.py:136")
    _po(root, "ar").write_text(edited, encoding="utf-8")
    again, full = _check(root, cache), _check(root, None)
    _same(again, full)
    assert ("placeholders", "error") in [(f.check, f.severity) for f in again.findings]
