"""Is the translation in the catalog's language? wrong-language and same-as-source.

Both look at the *prose* of a string: placeholders, links, mentions, hashtags, markup and
brand-like words (``IOC``, ``YouTube``, proper nouns the source capitalises mid-sentence) are
removed first, because they are the same in every language.

wrong-language has two tests:

1. Script, for any length: a Japanese or Arabic catalog whose translation is mostly Latin
   letters, or a Spanish one that is mostly Cyrillic, is wrong however short it is.
2. langdetect, only for text long enough to judge (4 words and 20 letters, or 10 letters in
   scripts written without spaces), only when the script does not already decide (kana is
   Japanese, Hangul is Korean), and only when langdetect puts the catalog's language clearly
   out of the running: under 10 % while another language has 80 % or more. The runner asks
   a :class:`~outreach.detect.LanguageJudge` and stores the answers in
   ``CatalogInfo.detections``; the check itself stays pure.

A translation identical to its source is left to same-as-source (a warning: the renderer
would show the same text as for an untranslated entry).

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> from outreach.plurals import PluralForms
>>> info = CatalogInfo(locale="ja", file="ja.po", plural_forms=PluralForms(1, "0"))
>>> unit = Unit("Watch the film", None, None, ("Watch this film",), frozenset(), 4, False, info)
>>> messages(wrong_language(unit))
['the translation is written in Latin script, but ja is written in Japanese (Han and kana)']
"""

from __future__ import annotations

import functools
import importlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from outreach.checks.registry import Problem, Unit, entry_check, problem
from outreach.detect import langdetect_code, language_group
from outreach.tokens import strip_tokens

__all__ = ["ScriptProfile", "detection_samples", "prose", "same_as_source", "wrong_language"]

_SCRIPT_NAMES = {
    "Latn": "Latin",
    "Cyrl": "Cyrillic",
    "Arab": "Arabic",
    "Hebr": "Hebrew",
    "Grek": "Greek",
    "Jpan": "Japanese (Han and kana)",
    "Kore": "Korean (Hangul)",
    "Hans": "Chinese (Han)",
    "Hant": "Chinese (Han)",
    "Hani": "Han",
    "Hira": "Hiragana",
    "Kana": "Katakana",
    "Hang": "Hangul",
    "Deva": "Devanagari",
    "Beng": "Bengali",
    "Thai": "Thai",
    "Geor": "Georgian",
    "Armn": "Armenian",
    "Ethi": "Ethiopic",
    "Taml": "Tamil",
    "Telu": "Telugu",
    "Knda": "Kannada",
    "Mlym": "Malayalam",
    "Gujr": "Gujarati",
    "Guru": "Gurmukhi",
    "Sinh": "Sinhala",
    "Khmr": "Khmer",
    "Laoo": "Lao",
    "Mymr": "Myanmar",
}
# Scripts that, among langdetect's languages, only one language is written in.
_DECISIVE = frozenset(
    {"Grek", "Hebr", "Thai", "Gujr", "Guru", "Taml", "Telu", "Knda", "Mlym", "Beng"}
    | {"Geor", "Armn", "Sinh", "Khmr", "Laoo", "Mymr", "Ethi"}
)
_NO_SPACES = frozenset({"Jpan", "Hans", "Hant", "Thai", "Laoo", "Khmr", "Mymr"})
_MIN_WORDS, _MIN_LETTERS, _MIN_LETTERS_NO_SPACES = 4, 20, 10
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class ScriptProfile:
    """How a locale is written: its script and the patterns that count its letters."""

    script: str
    expected: Any  # compiled: a letter of the expected script(s)
    foreign: Any  # compiled: a letter of any other script (Common/Inherited excluded)
    decisive: Any | None  # compiled: a letter that alone proves the language, if any
    langdetect: str | None

    @property
    def name(self) -> str:
        return _SCRIPT_NAMES.get(self.script, self.script)


@functools.cache
def script_profile(locale: str) -> ScriptProfile | None:
    """The :class:`ScriptProfile` of ``locale`` (``sr_Latn`` is Latin, ``sr`` Cyrillic)."""
    regex: Any = importlib.import_module("regex")

    parts = re.split(r"[_@-]", locale)
    script = next((p.title() for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if script is None:
        from babel.core import get_global

        likely = str(get_global("likely_subtags").get(parts[0].lower(), "")).split("_")
        script = likely[1] if len(likely) > 1 and len(likely[1]) == 4 else "Latn"
    classes = {
        "Jpan": r"\p{scx=Hani}\p{scx=Hira}\p{scx=Kana}",
        "Kore": r"\p{scx=Hang}\p{scx=Hani}",
        "Hans": r"\p{scx=Hani}\p{scx=Bopo}",
        "Hant": r"\p{scx=Hani}\p{scx=Bopo}",
    }
    expected = classes.get(script, rf"\p{{scx={script}}}")
    decisive = {"Jpan": r"[\p{sc=Hira}\p{sc=Kana}]", "Kore": r"\p{sc=Hang}"}.get(script)
    if script in _DECISIVE:
        decisive = f"[{expected}]"
    try:
        return ScriptProfile(
            script=script,
            expected=regex.compile(f"[{expected}]"),
            foreign=regex.compile(rf"(?V1)[\p{{L}}--[{expected}\p{{sc=Zyyy}}\p{{sc=Zinh}}]]"),
            decisive=regex.compile(decisive) if decisive else None,
            langdetect=langdetect_code(locale),
        )
    except regex.error:  # a script the regex module does not know: no script test
        return None


# Brand-like words, same in every language: with digits (G20), capitals (IOC), or a capital
# inside (YouTube, iPhone). ASCII only, so that a Japanese word glued to one stays.
_BRAND = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]*[0-9][A-Za-z0-9]*|[A-Z][A-Z0-9]+"
    r"|[A-Za-z]*[a-z][A-Za-z]*[A-Z][A-Za-z]*)(?![A-Za-z0-9])"
)
_MAYBE_BRAND = re.compile(r"[0-9]|[A-Z][A-Z]|[a-z][A-Z]")
_CAPITALISED = re.compile(r"(?<=[^\s.!?:;¡¿(\"“«—–-]\s)[A-ZÀ-ÖØ-Þ][\w’'-]+")


@functools.lru_cache(maxsize=8192)
def _proper_nouns(source: str) -> frozenset[str]:
    """Words the source capitalises in mid-sentence: names (Sochi, Olympic Committee)."""
    return frozenset(_CAPITALISED.findall(source))


@functools.lru_cache(maxsize=65536)
def prose(text: str, source: str) -> str:
    """``text`` without tokens and names: what the language tests should look at.

    >>> prose("¡Mira el vídeo de YouTube sobre Sochi! %(url)s #AmorVence", "Watch it in Sochi")
    '¡Mira el vídeo de sobre !'
    """
    text = strip_tokens(text)
    if _MAYBE_BRAND.search(text):
        text = _BRAND.sub(" ", text)
    for noun in _proper_nouns(source):
        if noun in text:
            text = re.sub(rf"\b{re.escape(noun)}\b", " ", text)
    return " ".join(text.split())


def _differs(unit: Unit) -> list[tuple[int, str]]:
    """The filled forms that are not simply the source text again."""
    return [
        (index, text)
        for index, text in unit.filled_forms()
        if text.strip() != unit.source_for(index).strip()
    ]


@functools.lru_cache(maxsize=65536)
def _sample(forms: tuple[str, ...], source: str, locale: str) -> str:
    profile = script_profile(locale)
    if profile is None or profile.langdetect is None:
        return ""
    text = " ".join(dict.fromkeys(prose(form, source) for form in forms))
    expected, foreign = _counts(text, locale)
    if expected == 0 or foreign > expected:
        return ""  # the script test decides
    if profile.decisive is not None and profile.decisive.search(text):
        return ""
    if profile.script in _NO_SPACES:
        return text if expected >= _MIN_LETTERS_NO_SPACES else ""
    words = len(_WORD.findall(text))
    return text if words >= _MIN_WORDS and expected >= _MIN_LETTERS else ""


@functools.lru_cache(maxsize=65536)
def _counts(text: str, locale: str) -> tuple[int, int]:
    """Letters of ``text`` in the locale's script(s), and in any other script."""
    profile = script_profile(locale)
    if profile is None:
        return 0, 0
    if profile.script == "Latn" and (not text or max(text) < "\u0250"):
        # Basic Latin to Latin Extended-B: every letter is Latin
        return sum(map(len, _WORD.findall(text))), 0
    return len(profile.expected.findall(text)), len(profile.foreign.findall(text))


def entry_sample(unit: Unit) -> str:
    """The text of ``unit`` that langdetect should judge, or ``""`` when it should not."""
    forms = tuple(text for _, text in _differs(unit))
    if not forms:
        return ""
    return _sample(forms, unit.source_text, unit.catalog.locale)


def detection_samples(units: Iterable[Unit]) -> set[str]:
    """The samples of every checkable unit (for the runner to have judged in one batch)."""
    samples = set()
    for unit in units:
        if unit.translated and not unit.fuzzy and "ignore-wrong-language" not in unit.flags:
            sample = entry_sample(unit)
            if sample:
                samples.add(sample)
    return samples


def _script_of(letters: str) -> str:
    """The name of the script most of ``letters`` are written in."""
    regex: Any = importlib.import_module("regex")
    codes = [code for code in _SCRIPT_NAMES if code not in ("Jpan", "Kore", "Hans", "Hant")]
    counts: Counter[str] = Counter()
    for char in letters:
        for code in codes:
            if regex.match(rf"\p{{sc={code}}}", char):
                counts[code] += 1
                break
    if not counts:
        return "another"
    return _SCRIPT_NAMES[counts.most_common(1)[0][0]]


def _could_be(language: str, text: str) -> bool:
    """Whether ``text`` can be in ``language`` at all: langdetect calls a text of Han
    characters alone Korean or Japanese, but Korean is written in Hangul and Japanese
    with kana."""
    if language in ("ko", "ja"):
        profile = script_profile(language)
        return bool(profile and profile.decisive and profile.decisive.search(text))
    return True


def _language_name(code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(code.split("-")[0]).english_name)
    except (UnknownLocaleError, ValueError):
        return code


@entry_check("wrong-language", "error")
def wrong_language(unit: Unit) -> Iterator[str | Problem]:
    """A translation that is not in the catalog's language (script, then langdetect)."""
    info = unit.catalog
    profile = script_profile(info.locale)
    if profile is None:
        return
    for index, text in _differs(unit):
        sample = prose(text, unit.source_text)
        expected, foreign = _counts(sample, info.locale)
        if foreign >= 3 and foreign > expected:
            script = _script_of("".join(profile.foreign.findall(sample)))
            yield problem(
                unit,
                index,
                f"the translation is written in {script} script, "
                f"but {info.locale} is written in {profile.name}",
            )
            return
    candidates = info.detections.get(entry_sample(unit)) if info.detections else None
    if not candidates or profile.langdetect is None:
        return
    group = language_group(profile.langdetect)
    share = sum((p for lang, p in candidates if lang in group), 0.0)
    top, probability = candidates[0]
    if not _could_be(top, entry_sample(unit)):
        return
    if share < 0.1 and probability >= 0.8 and top not in group:
        yield (
            f"the translation looks like {_language_name(top)} ({top}, {probability:.0%} by "
            f"langdetect), not {_language_name(profile.langdetect)}"
        )


@entry_check("same-as-source", "warning")
def same_as_source(unit: Unit) -> Iterator[str | Problem]:
    """A long string copied unchanged; short words and names ("Video", "OK") are fine."""
    info = unit.catalog
    if info.is_source or _base(info.locale) == _base(info.source_locale):
        return
    for index, text in unit.filled_forms():
        if text.strip() != unit.source_for(index).strip():
            continue
        words = re.findall(r"[^\W\d_]{2,}", strip_tokens(text))
        if len(words) < 3 or sum(map(len, words)) < 12:
            continue
        if all(word[0].isupper() for word in words):
            continue  # a title or a name: "Love Always Wins"
        yield problem(
            unit,
            index,
            "the translation is the source text unchanged; translate it, or flag it "
            "ignore-same-as-source if it stays as written",
        )
        return


def _base(locale: str) -> str:
    return re.split(r"[_@-]", locale)[0].lower()
