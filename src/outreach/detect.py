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

import functools
import json
import math
import re
from collections.abc import Collection, Iterable
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

    The scorer reads the profile files itself (the 55 JSON files load in a quarter of the
    time langdetect's factory takes to index them) and computes each n-gram's row of
    per-language probabilities on first use, exactly as langdetect's factory would
    (``count / n_words[n - 1]``). langdetect's own factory is loaded only when a text has
    to be handed to langdetect.
    """

    def __init__(self) -> None:
        import langdetect
        from langdetect.utils.ngram import NGram

        directory = Path(langdetect.__file__).parent / "profiles"
        self.langs: list[str] = []
        self.tables: list[tuple[dict[str, int], list[int]]] = []
        for path in sorted(directory.iterdir()):
            profile = json.loads(path.read_text(encoding="utf-8"))
            self.langs.append(str(profile["name"]))
            self.tables.append((profile["freq"], profile["n_words"]))
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
        return [sum(column) for column in zip(*rows, strict=True)]

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
            probabilities = [freq.get(gram, 0) / total[size] for freq, total in self.tables]
            if any(probabilities):
                weight = self.weight
                row = tuple(math.log(weight + p) for p in probabilities)
        self.rows[gram] = row
        return row

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


@functools.cache
def _profiles() -> _Profiles:
    return _Profiles()


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
        profiles = _profiles()
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
