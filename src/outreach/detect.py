"""Language identification with langdetect: deterministic, cached, and fast enough for catalogs.

langdetect samples n-grams at random, so it is only deterministic with
``DetectorFactory.seed = 0``; it loads its 55 profiles on first use (about 0.4 s) and takes
2-15 ms per string, which is too slow for catalogs of thousands of strings. This module
keeps langdetect as the judge and makes it cheap to ask:

* :func:`detect_languages` -- langdetect itself, seeded: the top candidates for one text
  (``outreach detect``).
* :class:`LanguageJudge` -- what the wrong-language check uses. Each text sample is first
  scored against the catalog language with langdetect's own profiles, deterministically and
  without sampling (naive Bayes over every n-gram, about 0.1 ms). A sample whose catalog
  language is the best candidate, or close to it, is consistent; only the others are handed
  to langdetect, seeded, whose probabilities the check then reads.
* a :class:`DetectionStore` remembers both results (``outreach check`` keeps them in its
  keyed cache, :mod:`outreach.cache`), so re-checking after editing one string
  detects one string.

Nothing here imports langdetect until a text is actually detected.

>>> [langdetect_code(name) for name in ("pt_BR", "zh_Hant", "nb", "gd")]
['pt', 'zh-tw', 'no', None]
>>> detect_languages("Firma la petición al Comité Olímpico Internacional")[0][0]
'es'
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from outreach.errors import InputError

__all__ = [
    "CONFUSABLE",
    "SUPPORTED",
    "Candidates",
    "DetectionStore",
    "LanguageJudge",
    "detect_languages",
    "langdetect_code",
    "language_group",
]

#: ``((language, probability), ...)``, most probable first.
Candidates = tuple[tuple[str, float], ...]

#: The languages langdetect 1.0.9 has profiles for.
SUPPORTED = frozenset(
    re.findall(
        r"\S+",
        "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv mk "
        "ml mr ne nl no pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh-cn zh-tw",
    )
)

#: Languages that langdetect confuses with each other on real text: a catalog in one of them
#: is consistent with any of them.
CONFUSABLE: tuple[frozenset[str], ...] = (
    frozenset({"no", "da"}),
    frozenset({"zh-cn", "zh-tw"}),
    frozenset({"cs", "sk"}),
    frozenset({"hi", "mr", "ne"}),
)

_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "fil": "tl", "in": "id"}
_MAX_WORDS = 200_000  # words whose scores are kept (about 100 MB at most)


def langdetect_code(locale: str) -> str | None:
    """langdetect's code for a catalog locale (``pt_BR`` -> ``pt``), or ``None`` if it has
    no profile for the language."""
    parts = re.split(r"[_@-]", locale)
    base = parts[0].lower()
    if base == "zh":
        rest = {p.lower() for p in parts[1:]}
        return "zh-tw" if rest & {"hant", "tw", "hk", "mo"} else "zh-cn"
    base = _ALIASES.get(base, base)
    return base if base in SUPPORTED else None


def language_group(code: str) -> frozenset[str]:
    """``code`` and the languages it is not told apart from (see :data:`CONFUSABLE`)."""
    for group in CONFUSABLE:
        if code in group:
            return group
    return frozenset({code})


@functools.cache
def langdetect_version() -> str:
    """langdetect's installed version, without importing it (caches record it)."""
    from importlib.util import find_spec

    spec = find_spec("langdetect")
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        for info in site.glob("langdetect-*.dist-info"):
            return info.name[len("langdetect-") : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("langdetect")
    except PackageNotFoundError:
        return "unknown"


class _Profiles:
    """langdetect's profiles, and a deterministic scorer over them.

    The scorer needs, for each n-gram of a text, its count in every language's profile and
    each profile's n-gram totals (``n_words``), and computes an n-gram's row of
    per-language probabilities on first use, exactly as langdetect's factory would
    (``count / n_words[n - 1]``). The counts come from one of two sources, which give the
    same numbers (tests/test_detect_table.py compares every n-gram of every profile):

    * langdetect's profile files, read as JSON (:meth:`from_files`: 55 files, 2.2 MB, about
      0.1 s of CPU, most of it making their 184,000 n-grams into dicts);
    * a *table* of them (:func:`_table`: one line of counts per n-gram, in sorted order,
      looked up by bisection), which a small run keeps in the check cache's shared store
      (:func:`_profiles`) and a later one reads in a few milliseconds: a string and a split,
      no dict of every n-gram. A re-check that scores a few edited strings then does not
      pay for the JSON.

    langdetect's own factory is loaded only when a text has to be handed to langdetect.
    """

    def __init__(
        self, langs: list[str], totals: list[list[int]], counts: Callable[[str], list[int]]
    ) -> None:
        from langdetect.utils.ngram import NGram

        self.langs = langs
        self.totals = totals
        #: an n-gram's count in each language's profile (0 where it has none)
        self.counts = counts
        self.index = {lang: i for i, lang in enumerate(self.langs)}
        self.rows: dict[str, tuple[float, ...]] = {}
        self.words: dict[str, tuple[float, ...]] = {}
        self.ngram = NGram
        normalize = NGram.normalize

        class _Normal(dict[int, str]):
            def __missing__(self, code: int) -> str:
                value: str = normalize(chr(code))
                self[code] = value
                return value

        self.normal = _Normal()
        # langdetect's own smoothing: alpha (0.5) / BASE_FREQ (10000)
        self.weight = 0.5 / 10000

    def scores(self, text: str) -> list[float]:
        """Log-likelihood of ``text`` under each language's profile (1- to 3-grams).

        langdetect's n-grams never cross a space, so a text's score is the sum of its words'
        scores; words repeat across a catalog, and each is scored once.
        """
        normal = self.ngram.normalize_vi(text).translate(self.normal)
        words = self.words
        rows = []
        for word in normal.split():
            row = words.get(word)
            if row is None:
                row = self._word(word)
            if row:
                rows.append(row)
        if not rows:
            return []
        # the same sums, added in the same order, as ``[sum(c) for c in zip(*rows,
        # strict=True)]``, 20 % faster over the 4,000 samples of bench_check.py's es catalog
        # (96 -> 79 ms, min of 5; ``strict`` alone took back 14 ms of it): every row has one
        # value per language of the profiles, so zip has nothing to check
        return list(map(sum, zip(*rows, strict=False)))

    def _word(self, word: str) -> tuple[float, ...]:
        row: tuple[float, ...] = ()
        if not (len(word) > 1 and word.isupper()):  # langdetect skips all-capital words
            padded = f" {word} "
            grams = [
                self.rows.get(gram) or self._gram(gram)
                for n in (1, 2, 3)
                for gram in (padded[i : i + n] for i in range(len(padded) - n + 1))
            ]
            grams = [g for g in grams if g]
            if grams:
                row = tuple(sum(column) for column in zip(*grams, strict=True))
        if len(self.words) < _MAX_WORDS:
            self.words[word] = row
        return row

    def _gram(self, gram: str) -> tuple[float, ...]:
        row: tuple[float, ...] = ()
        if gram.strip():
            size = len(gram) - 1
            probabilities = [
                count / total[size]
                for count, total in zip(self.counts(gram), self.totals, strict=True)
            ]
            if any(probabilities):
                weight = self.weight
                row = tuple(math.log(weight + p) for p in probabilities)
        self.rows[gram] = row
        return row

    @classmethod
    def from_files(cls) -> _Profiles:
        """The scorer over langdetect's profile files."""
        langs, totals, freqs = _read_profiles()

        def counts(gram: str) -> list[int]:
            return [freq.get(gram, 0) for freq in freqs]

        return cls(langs, totals, counts)

    @classmethod
    def from_table(cls, table: str) -> _Profiles:
        """The scorer over a table :func:`_table` made (:class:`ValueError` if ``table`` is
        not one)."""
        lines = table.split("\n")
        if len(lines) < 3 or lines[0] != _TABLE_FORMAT or len(lines) % 2 == 0:
            raise ValueError("not a profile table")
        langs = lines[1].split("\t")
        totals = [[int(n) for n in field.split(",")] for field in lines[2].split("\t")]
        if len(totals) != len(langs) or any(len(total) != 3 for total in totals):
            raise ValueError("not a profile table")
        grams, rows, width = lines[3::2], lines[4::2], len(langs)

        def counts(gram: str) -> list[int]:
            found = [0] * width
            index = bisect_left(grams, gram)
            if index < len(grams) and grams[index] == gram:
                for pair in rows[index].split(","):
                    lang, _, count = pair.partition(":")
                    found[int(lang)] = int(count)
            return found

        return cls(langs, totals, counts)

    def detect(self, text: str, seeds: tuple[int, ...] = (0,)) -> Candidates:
        """langdetect, seeded: the candidates it reports (probability > 0.1).

        With several ``seeds``, each language's probability is the lowest any seed gave it
        (0 where a seed did not name it), so a language is as likely as the least sure run
        says: langdetect samples n-grams at random, and on short text one seed can be
        "100 %" sure of a language another seed barely names.
        """
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import ErrorCode, LangDetectException

        runs: list[dict[str, float]] = []
        for seed in seeds:
            DetectorFactory.seed = seed
            try:
                found = detect_langs(text)
            except LangDetectException as error:
                if error.get_code() != ErrorCode.CantDetectError:
                    raise  # its profiles did not load: not a text it cannot tell
                found = []
            runs.append({str(c.lang): round(float(c.prob), 4) for c in found})
        DetectorFactory.seed = 0
        named = dict.fromkeys(lang for run in runs for lang in run)
        lowest = {lang: min(run.get(lang, 0.0) for run in runs) for lang in named}
        return tuple(sorted(lowest.items(), key=lambda item: (-item[1], item[0])))


#: The first line of a profile table (:func:`_table`): a new layout gets a new one.
_TABLE_FORMAT = "outreach langdetect table 1"
#: A run that scores at most this many strings keeps langdetect's profiles as a table
#: (:func:`_profiles`): for it, reading the JSON is most of the cost.
TABLE_RUN = 256


class BlobStore(Protocol):
    """Where a large derived table is kept (:class:`outreach.cache.CheckCache`)."""

    def read_blob(self, namespace: str, key: str) -> str | None: ...

    def write_blob(self, namespace: str, key: str, text: str) -> None: ...


_LOADED: list[_Profiles] = []


def _profiles(store: BlobStore | None = None, *, keep: bool = False) -> _Profiles:
    """langdetect's profiles as a scorer, once a process: from the table ``store`` keeps
    under :func:`_profile_key`, else from langdetect's files -- and, with ``keep`` (a run
    that scores a few strings), made into a table and kept in ``store`` for the next run.
    A large run does not make one: it would cost it more (about 0.15 s of CPU to sort the
    n-grams) than reading the table would save it (about 0.08 s)."""
    if _LOADED:
        return _LOADED[0]
    key = _profile_key() if store is not None else None
    profiles = None
    if store is not None and key is not None:
        text = store.read_blob("langdetect", key)
        if text is not None:
            with contextlib.suppress(ValueError):  # a table of another layout: made again
                profiles = _Profiles.from_table(text)
        if profiles is None and keep:
            text = _table()
            store.write_blob("langdetect", key, text)
            profiles = _Profiles.from_table(text)
    if profiles is None:
        profiles = _Profiles.from_files()
    _LOADED.append(profiles)
    return profiles


def _profile_directory() -> Path | None:
    from importlib.util import find_spec

    spec = find_spec("langdetect")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent / "profiles"


def _profile_key() -> str | None:
    """A digest of what a profile table is made of: the table's layout, langdetect's
    version, and each profile file's path, size and modification time (``None`` when they
    cannot be listed: nothing is kept). A reinstalled or edited profile is a new key."""
    directory = _profile_directory()
    if directory is None:
        return None
    parts = [_TABLE_FORMAT, langdetect_version(), str(directory)]
    try:
        with os.scandir(directory) as listing:
            for entry in sorted(listing, key=lambda e: e.name):
                info = entry.stat(follow_symlinks=True)
                parts.append(f"{entry.name}\0{info.st_size}\0{info.st_mtime_ns}")
    except OSError:
        return None
    material = "\n".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.sha256(material).hexdigest()


def _read_profiles() -> tuple[list[str], list[list[int]], list[dict[str, int]]]:
    """langdetect's profiles, from its files: the languages, each one's n-gram totals
    (``n_words``) and counts (``freq``), in the order of the files' names."""
    import langdetect

    directory = Path(langdetect.__file__).parent / "profiles"
    langs, totals, freqs = [], [], []
    for path in sorted(directory.iterdir()):
        profile = json.loads(path.read_text(encoding="utf-8"))
        langs.append(str(profile["name"]))
        totals.append(list(profile["n_words"]))
        freqs.append(profile["freq"])
    return langs, totals, freqs


def _table() -> str:
    """langdetect's profiles as one text: the layout's line, the languages and their n-gram
    totals (joined by tabs), then for each n-gram, in sorted order, a line with it and a
    line of its counts, ``language index:count`` joined by commas. An n-gram is 1 to 3
    characters and never a line end (:class:`ValueError` if a profile had one).

    >>> lines = _table().splitlines()
    >>> lines[0], lines[1].split()[:3], len(lines[1].split())
    ('outreach langdetect table 1', ['af', 'ar', 'bg'], 55)
    """
    langs, totals, freqs = _read_profiles()
    rows: dict[str, list[str]] = {}
    for index, freq in enumerate(freqs):
        tag = f"{index}:"
        pairs = [f"{tag}{int(count)}" for count in freq.values()]
        for gram, pair in zip(freq, pairs, strict=True):
            found = rows.get(gram)
            if found is None:
                rows[gram] = [pair]
            else:
                found.append(pair)
    if any("\n" in gram for gram in rows):
        raise ValueError("an n-gram with a line end: not a profile this table can hold")
    lines = [
        _TABLE_FORMAT,
        "\t".join(langs),
        "\t".join(",".join(str(int(n)) for n in total) for total in totals),
    ]
    for gram in sorted(rows):
        lines += (gram, ",".join(rows[gram]))
    return "\n".join(lines)


def detect_languages(text: str, *, top: int = 3) -> list[tuple[str, float]]:
    """The most probable languages of ``text`` by langdetect (seeded, so repeatable).

    Raises :class:`~outreach.errors.InputError` when the text has no letters or langdetect
    cannot tell.
    """
    if not any(c.isalpha() for c in text):
        raise InputError("cannot detect a language: the text has no letters")
    found = _profiles().detect(text)
    if not found:
        raise InputError("cannot detect a language in this text")
    return list(found[:top])


#: The seeds the judge runs langdetect with; its answers are cached under this value too.
DETECTION_SEEDS = (0, 1, 2)


class DetectionStore(Protocol):
    """Where the judge remembers langdetect's answers (see :mod:`outreach.cache`)."""

    def get(self, locale: str, text: str) -> Candidates | None: ...

    def put(self, locale: str, text: str, candidates: Candidates) -> None: ...


@dataclass
class LanguageJudge:
    """Decides, for text samples of one catalog, which need langdetect's opinion.

    ``judge(samples, locale)`` returns, for each sample, ``()`` when the text is consistent
    with the locale's language, or langdetect's candidates when it is not clearly so. A
    sample is consistent when, under langdetect's profiles, the locale's language (or one it
    is confused with) scores within ``margin`` nats of the best language: e^20 to one is
    far beyond what short or name-heavy strings produce.
    """

    cache: DetectionStore | None = None
    margin: float = 20.0
    #: where langdetect's profiles are kept as a table (see :class:`_Profiles`)
    tables: BlobStore | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"cached": 0, "consistent": 0, "langdetect": 0}
    )

    def __call__(self, samples: Collection[str], locale: str) -> dict[str, Candidates]:
        return self.judge(samples, locale)

    def judge(self, samples: Iterable[str], locale: str) -> dict[str, Candidates]:
        code = langdetect_code(locale)
        results: dict[str, Candidates] = {}
        if code is None:
            return results
        pending: list[str] = []
        for sample in samples:
            cached = self.cache.get(locale, sample) if self.cache else None
            if cached is not None:
                results[sample] = cached
                self.counts["cached"] += 1
            else:
                pending.append(sample)
        if not pending:
            return results
        profiles = _profiles(self.tables, keep=len(pending) <= TABLE_RUN)
        group = [profiles.index[c] for c in language_group(code) if c in profiles.index]
        for sample in pending:
            scores = profiles.scores(sample)
            if not scores or not group:
                verdict: Candidates = ()
            elif max(scores) - max(scores[i] for i in group) < self.margin:
                verdict = ()
                self.counts["consistent"] += 1
            else:
                verdict = profiles.detect(sample, DETECTION_SEEDS)  # what the cache keys assume
                self.counts["langdetect"] += 1
            results[sample] = verdict
            if self.cache is not None:
                self.cache.put(locale, sample, verdict)
        return results
