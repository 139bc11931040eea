"""Is the translation in the catalog's language? wrong-language and same-as-source.

Both look at the *prose* of a string: placeholders, links, mentions, hashtags, markup and
brand-like words (``IOC``, ``YouTube``, proper nouns the source capitalises mid-sentence) are
removed first, because they are the same in every language.

wrong-language has two tests:

1. Script, for any length: a Japanese or Arabic catalog whose translation is mostly Latin
   letters, or a Spanish one that is mostly Cyrillic, is wrong however short it is.
2. langdetect, only for text long enough to judge (6 words and 30 letters, or 15 letters in
   scripts written without spaces), only when the script does not already decide (kana is
   Japanese, Hangul is Korean), and only when the evidence survives langdetect's habit of
   being 100 % sure of short strings: the catalog's language is not among its candidates at
   all, the top one has 80 % or more on each of three seeds, and most letters are in that language's
   script. The runner asks a :class:`~outreach.detect.LanguageJudge` and stores the answers
   in ``CatalogInfo.detections``; the check itself stays pure.

In a catalog of another script, the Latin words kept from the source (``Wagtail管理``,
``Email アドレス``) do not count against it; two or more lowercase source words kept in a
row (``release notes`` in a Japanese sentence) are English left in, and an error.

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

from outreach.checks.registry import CatalogInfo, Problem, Unit, entry_check, problem
from outreach.detect import langdetect_code, language_group
from outreach.locales import language_code
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
_MIN_WORDS, _MIN_LETTERS, _MIN_LETTERS_NO_SPACES = 6, 30, 15
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
# Code kept from the source: snake_case, dotted.names, True/False/None.
_IDENTIFIER = re.compile(
    r"(?<![A-Za-z0-9_])(?:[_.]?[A-Za-z0-9]+(?:[_.][A-Za-z0-9]+)+|True|False|None|null)"
    r"(?![A-Za-z0-9_])"
)
_MAYBE_IDENTIFIER = re.compile(r"[A-Za-z0-9][_.][A-Za-z0-9]|_[A-Za-z0-9]|True|False|None|null")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’-]*")
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
    if _MAYBE_IDENTIFIER.search(text):
        text = _IDENTIFIER.sub(" ", text)
    if _MAYBE_BRAND.search(text):
        text = _BRAND.sub(" ", text)
    for noun in _proper_nouns(source):
        if noun in text:
            text = re.sub(rf"\b{re.escape(noun)}\b", " ", text)
    return " ".join(text.split())


@functools.lru_cache(maxsize=8192)
def _source_words(source: str) -> frozenset[str]:
    """The Latin words of the source, in lower case."""
    return frozenset(w.casefold() for w in _LATIN_WORD.findall(source))


def _without_kept_words(text: str, source: str) -> tuple[str, list[str], list[str]]:
    """For a catalog in another script: ``text`` without the Latin words it keeps from the
    source (names, product names, terms: ``Wagtail管理``, ``Email 地址``), the runs of two
    or more lowercase source words kept as they are (``release notes``: English left in),
    and every lowercase source word of three letters or more kept (``인증 secret``)."""
    words = _source_words(source)
    runs: list[str] = []
    run: list[str] = []
    lowercase: list[str] = []

    def close() -> None:
        if len(run) >= 2:
            runs.append(" ".join(run))
        run.clear()

    pieces: list[str] = []
    position = 0
    for match in _LATIN_WORD.finditer(text):
        word = match.group()
        between = text[position : match.start()]
        if between.strip():
            close()
        pieces.append(between)
        if word.casefold() in words:
            if word.islower() and len(word) > 1:
                run.append(word)
                if len(word) >= 3:
                    lowercase.append(word)
            else:
                close()
            pieces.append(" ")
        else:
            close()
            pieces.append(word)
        position = match.end()
    close()
    pieces.append(text[position:])
    return " ".join("".join(pieces).split()), runs, lowercase


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
    # The longest form alone: plural forms are near-copies of each other, and joining them
    # would double the evidence for whatever langdetect already believes.
    text = max((prose(form, source) for form in forms), key=len, default="")
    expected, foreign = _counts(text, locale)
    if expected == 0 or foreign > expected:
        return ""  # the script test decides
    if profile.decisive is not None and profile.decisive.search(text):
        return ""
    if profile.script in _NO_SPACES:
        return text if expected >= _MIN_LETTERS_NO_SPACES else ""
    words = len(_words(text))
    return text if words >= _MIN_WORDS and expected >= _MIN_LETTERS else ""


@functools.lru_cache(maxsize=65536)
def _counts(text: str, locale: str) -> tuple[int, int]:
    """Letters of ``text`` in the locale's script(s), and in any other script."""
    profile = script_profile(locale)
    if profile is None:
        return 0, 0
    if profile.script == "Latn" and (not text or max(text) < "\u0250"):
        # Basic Latin to Latin Extended-B: every letter is Latin
        return sum(map(len, _words(text))), 0
    return len(profile.expected.findall(text)), len(profile.foreign.findall(text))


@functools.lru_cache(maxsize=1024)
def _words(text: str) -> tuple[str, ...]:
    """The words of ``text`` (:data:`_WORD`), for :func:`_counts` and :func:`_sample`,
    which both count them in a Latin sample: found once, not twice (40 of the 300 ms that
    sampling took over bench_check.py's es catalog, measured with ``time.process_time``).
    Only the last few are kept: the two ask about a sample one after the other."""
    return tuple(_WORD.findall(text))


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
    """Whether ``text`` can be in ``language`` at all: most of its letters must be in that
    language's script (langdetect calls a Chinese sentence with a few Latin words
    Norwegian), and Korean needs Hangul, Japanese kana (langdetect calls Han alone either)."""
    profile = script_profile(language.replace("-", "_"))
    if profile is None:
        return True
    if language in ("ko", "ja"):
        return bool(profile.decisive and profile.decisive.search(text))
    expected, foreign = _counts(text, language.replace("-", "_"))
    return expected > foreign


def _language_name(code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(code.split("-")[0]).english_name)
    except (UnknownLocaleError, ValueError):
        return code


_MESSAGE_ID = re.compile(r"[A-Za-z0-9]+(?:[_.-][A-Za-z0-9]+)+")


def _is_message_id(msgid: str) -> bool:
    """A msgid that is a key, not source text (``date_format_short_datepicker``): the
    translation is whatever the key stands for, in any script."""
    return _MESSAGE_ID.fullmatch(msgid) is not None and ("_" in msgid or "." in msgid)


def _copied_plural_forms(unit: Unit) -> list[int]:
    """The plural forms that repeat their source word for word while another form is
    translated (Arabic forms 2-4 left as "%(count)s pages"): numbers that show the source
    language. A form with no words (``%(count)s``) is not counted."""
    if not unit.is_plural or unit.msgid_plural is None:
        return []
    sources = {unit.msgid.strip(), unit.msgid_plural.strip()}
    copied, translated = [], False
    for index, text in unit.filled_forms():
        if text.strip() in sources:
            if re.search(r"[^\W\d_]{2,}", strip_tokens(text)):
                copied.append(index)
        else:
            translated = True
    return copied if translated else []


@entry_check("wrong-language", "warning")
def wrong_language(unit: Unit) -> Iterator[str | Problem]:
    """A translation that is not in the catalog's language (script, then langdetect).

    Only the letters the translator wrote count: placeholders, links, markup, code
    (``snake_case``, ``True``), acronyms and, in a catalog of another script, every word kept
    from the source (``Wagtail管理``) are left out; two or more lowercase source words kept in a
    row are English left in (``release notes``). langdetect is believed only on long text
    whose letters are in the detected language's script, when the catalog's language is not
    among its candidates at all and three seeds agree (see :class:`outreach.detect.
    LanguageJudge`).

    All warnings, however confident: which language a text is in, and whether a word is
    left in English, are judgements (names, loanwords and product names are legitimate).
    """
    info = unit.catalog
    profile = script_profile(info.locale)
    if profile is None or _is_message_id(unit.msgid):
        return
    copied = _copied_plural_forms(unit)
    if copied:
        from outreach.plurals import describe_numbers

        numbers = frozenset().union(*(unit.catalog.numbers_by_form[i] for i in copied))
        forms = ", ".join(f"msgstr[{i}]" for i in copied)
        verb = "is" if len(copied) == 1 else "are"
        yield problem(
            unit,
            copied[0],
            f"{forms} {verb} the source text unchanged while the other forms are translated: "
            f"for {describe_numbers(numbers)} supporters would read "
            f"{_language_name(langdetect_code(info.source_locale) or 'en')}; translate "
            f"{'it' if len(copied) == 1 else 'them'}",
        )
        return
    other_script = profile.script != "Latn"
    for index, text in _differs(unit):
        sample = prose(text, unit.source_text)
        runs: list[str] = []
        expected, foreign = _counts(sample, info.locale)
        if other_script and expected:
            # Some letters are in the catalog's script: judge only those not kept from
            # the source (with none, the whole translation is in the wrong script).
            sample, runs, lowercase = _without_kept_words(sample, unit.source_for(index))
            expected, foreign = _counts(sample, info.locale)
            if not runs and sum(map(len, lowercase)) > expected:
                runs = lowercase  # more English words than words of the language
        if foreign >= 3 and foreign > expected:
            script = _script_of("".join(profile.foreign.findall(sample)))
            yield problem(
                unit,
                index,
                f"the translation is written in {script} script, "
                f"but {info.locale} is written in {profile.name}",
            )
            return
        if runs and expected:
            kept = list(dict.fromkeys(runs))
            shown = ", ".join(f"“{run}”" for run in kept)
            source_language = _language_name(langdetect_code(info.source_locale) or "en")
            yield problem(
                unit,
                index,
                f"{shown} {'is' if len(kept) == 1 else 'are'} left in {source_language}, "
                f"copied from the source into the {profile.name} text: translate "
                f"{'it' if len(kept) == 1 else 'them'}",
            )
            return
    sample = entry_sample(unit)
    candidates = info.detections.get(sample) if info.detections and sample else None
    if not candidates or profile.langdetect is None:
        return
    group = language_group(profile.langdetect)
    top, probability = candidates[0]
    if any(lang in group for lang, _ in candidates) or probability < 0.8:
        return
    if not _could_be(top, sample):
        return
    yield (
        f"the translation looks like {_language_name(top)} ({top}, {probability:.0%} by "
        f"langdetect), not {_language_name(profile.langdetect)}"
    )


@entry_check("same-as-source", "warning")
def same_as_source(unit: Unit) -> Iterator[str | Problem]:
    """A string copied unchanged. In a catalog of the source's script, only a long one:
    short words and names ("Video", "OK") are fine. In a catalog of another script, any word
    a supporter would have to read in English (``Bold`` in Arabic), unless it looks like a
    name or a code (``YouTube``, ``IOC``, ``v2``).

    All warnings: a copy may be right (a name, a term); only a reader can tell.
    """
    info = unit.catalog
    if info.is_source or language_code(info.locale) == language_code(info.source_locale):
        return
    profile = script_profile(info.locale)
    other_script = profile is not None and profile.script != "Latn"
    if _copied_plural_forms(unit):
        return  # wrong-language reports the forms left in the source language
    for index, text in unit.filled_forms():
        if text.strip() != unit.source_for(index).strip():
            continue
        if other_script:
            words = [w for w in _LATIN_WORD.findall(prose(text, "")) if len(w) >= 3]
            if _is_name(words, info):
                continue
            if words and not all(w.isupper() for w in words):
                assert profile is not None
                yield problem(
                    unit,
                    index,
                    f"the translation is the source text unchanged, in Latin letters, but "
                    f"{info.locale} is written in {profile.name}: translate it, or flag it "
                    "ignore-same-as-source if it stays as written (a name)",
                )
                return
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


def _is_name(words: list[str], info: CatalogInfo) -> bool:
    """Whether a string copied in Latin letters into a catalog of another script is a name:
    capitalised words (``Love Always Wins``), a platform's name (``Instagram``), or a
    campaign hashtag's words. A single common word (``Bold``) is not."""
    if len(words) >= 2 and all(word[0].isupper() for word in words):
        return True
    from outreach.platforms import POST_CHANNELS, platform

    names = {platform(channel).title.casefold() for channel in POST_CHANNELS}
    names |= {tag.lstrip("#＃").casefold() for tag in (*info.hashtags, *info.accepted_hashtags)}
    return bool(words) and all(word.casefold() in names for word in words)
