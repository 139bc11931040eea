"""langdetect's profiles kept as a table: the same numbers as its files, and a cache file
that no one else can make the judge believe.

The language judge (:class:`outreach.detect.LanguageJudge`) scores each sample against every
profile. Reading langdetect's 55 JSON profiles costs a re-check after one edit about 0.1 s
of CPU; a run that scores a few strings keeps them as one table in the check cache's
shared store (MAC'd like every cached value) and the next run reads that instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import polib
import pytest
from test_check_cache import _deadline

import outreach.cache
from outreach import detect
from outreach.cache import CheckCache
from outreach.detect import TABLE_RUN, LanguageJudge, _Profiles, _table

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No profiles loaded in this process yet (they are loaded once a process)."""
    monkeypatch.setattr(detect, "_LOADED", [])


@pytest.fixture(scope="module")
def sources() -> tuple[_Profiles, _Profiles]:
    return _Profiles.from_files(), _Profiles.from_table(_table())


def _corpus_texts() -> list[str]:
    texts: dict[str, None] = {}
    for path in sorted(CORPUS.rglob("*.po")):
        try:
            catalog = polib.pofile(str(path))
        except (OSError, UnicodeError, ValueError):
            continue  # the corpus's broken catalogs
        for entry in catalog:
            for text in (entry.msgid, entry.msgstr, *entry.msgstr_plural.values()):
                if text:
                    texts[text] = None
    return list(texts)


def test_the_table_holds_every_count_of_every_profile(
    sources: tuple[_Profiles, _Profiles],
) -> None:
    files, table = sources
    assert files.langs == table.langs and files.totals == table.totals
    grams = {gram for freq in detect._read_profiles()[2] for gram in freq}
    assert len(grams) > 80_000
    for gram in [*sorted(grams), "zqx", " ", "\uffff\uffff"]:  # and some no profile has
        assert files.counts(gram) == table.counts(gram), gram
        assert files._gram(gram) == table._gram(gram), gram


def test_both_sources_score_the_corpus_alike(sources: tuple[_Profiles, _Profiles]) -> None:
    files, table = sources
    texts = _corpus_texts()
    assert len(texts) > 300
    for text in texts:
        assert files.scores(text) == table.scores(text), text


SAMPLES = [
    "Firma la petición al Comité Olímpico Internacional.",
    "Mira el corto y compártelo con las personas que quieres.",
    "Signez la pétition avant la fin des Jeux.",  # French in a Spanish catalog
]


def _judged(store: CheckCache | None) -> dict[str, tuple[tuple[str, float], ...]]:
    return LanguageJudge(tables=store).judge(SAMPLES, "es")


def test_a_small_run_keeps_the_table_and_the_next_reads_only_it(
    tmp_path: Path, fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _judged(None)  # from langdetect's files
    assert any(expected.values()) and not all(expected.values())
    store = CheckCache.open(tmp_path, "campaign").shared()
    monkeypatch.setattr(detect, "_LOADED", [])
    assert _judged(store) == expected
    path = store.blob_path("langdetect")
    assert path is not None and path.stat().st_mode & 0o777 == 0o600
    monkeypatch.setattr(detect, "_LOADED", [])

    def unread() -> None:
        raise AssertionError("langdetect's JSON profiles read again")

    monkeypatch.setattr(detect, "_read_profiles", unread)
    assert _judged(store) == expected


def test_a_large_run_makes_no_table(tmp_path: Path, fresh: None) -> None:
    """For a run that scores many strings the table would cost more than it saves."""
    store = CheckCache.open(tmp_path, "campaign").shared()
    samples = [f"Firma la petición número {n}." for n in range(TABLE_RUN + 1)]
    LanguageJudge(tables=store).judge(samples, "es")
    path = store.blob_path("langdetect")
    assert path is not None and not path.exists()


@pytest.mark.parametrize("attack", ["rewritten", "another-key", "oversize", "not-a-table"])
def test_a_table_not_sealed_as_this_one_is_never_believed(
    tmp_path: Path, fresh: None, monkeypatch: pytest.MonkeyPatch, attack: str
) -> None:
    """Whoever can write the cache directory but not read the secret: a table with the
    counts of Spanish changed (its MAC kept), a genuine table of other profiles, a file
    past the size cap (never read, only looked at), a MAC'd text of another layout. None
    changes a verdict; the genuine table is made again."""
    expected = _judged(None)
    store = CheckCache.open(tmp_path, "campaign").shared()
    monkeypatch.setattr(detect, "_LOADED", [])
    _judged(store)
    path = store.blob_path("langdetect")
    assert path is not None
    head, _, text = path.read_text(encoding="utf-8").partition("\n")
    key = head.split()[0]
    if attack == "rewritten":
        spanish = detect._Profiles.from_table(text).langs.index("es")
        forged = text.replace(f",{spanish}:", f",{spanish}:9")
        assert forged != text
        text = forged
        path.write_text(f"{head}\n{text}", encoding="utf-8")
    elif attack == "another-key":
        store.write_blob("langdetect", "0" * 64, text)  # sealed, but not under this key
    elif attack == "oversize":
        monkeypatch.setattr(outreach.cache, "_MAX_BYTES", len(text) // 2)
    else:
        store.write_blob("langdetect", key, "outreach langdetect table 0\nes\n1,2,3")
    monkeypatch.setattr(detect, "_LOADED", [])
    assert _judged(store) == expected
    if attack != "oversize":  # made again: genuine
        assert store.read_blob("langdetect", key) is not None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_the_table_is_never_waited_on(
    tmp_path: Path, fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CheckCache.open(tmp_path, "campaign").shared()
    path = store.blob_path("langdetect")
    assert path is not None
    os.mkfifo(path, 0o600)
    with _deadline(20):
        assert _judged(store) == _judged(None)
    assert path.is_file()  # replaced by the table
