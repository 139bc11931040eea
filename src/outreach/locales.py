"""Locale names: parsing, normalising, fallback chains and negotiation.

Negotiation has one home, :func:`match_locale`: ``negotiate_locale`` (the library's) and
``outreach merge`` (each supporter's ``locale`` cell) both ask it.

A locale name is never used as a path before it has been parsed here::

    >>> normalize_locale("pt-BR")
    'pt_BR'
    >>> normalize_locale("../x")
    Traceback (most recent call last):
    ...
    outreach.errors.LocaleError: '../x' is not a locale name

Babel is imported lazily so that importing outreach stays light.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from outreach.errors import LocaleError

if TYPE_CHECKING:
    from babel import Locale

__all__ = [
    "MAX_PREFERENCES",
    "RTL_SCRIPTS",
    "LocaleMatch",
    "MatchKind",
    "Slip",
    "babel_locale",
    "fallback_chain",
    "is_locale_name",
    "language_code",
    "locale_parents",
    "locale_preferences",
    "locale_slip",
    "match_locale",
    "negotiate_locale",
    "normalize_locale",
    "text_direction",
]

# language[_-]Script/Territory/variant...[@modifier]; no dots, slashes or other path syntax.
_LOCALE_SHAPE = re.compile(r"[A-Za-z]{2,8}(?:[_-][A-Za-z0-9]{1,8})*(?:@[A-Za-z0-9]{1,16})?")


@functools.lru_cache(maxsize=256)
def language_code(locale: str) -> str:
    """The language subtag of a locale name as written, in lower case (no parsing). Kept
    per name: checks ask it about their catalog's locale once an entry (20,000 times in a
    cold check of one of bench_check.py's catalogs, a few locales in all).

    >>> language_code("pt_BR"), language_code("pt-BR"), language_code("sr@latin")
    ('pt', 'pt', 'sr')
    """
    return re.split(r"[_@-]", locale, maxsplit=1)[0].lower()


def is_locale_name(name: str) -> bool:
    """Whether ``name`` has the shape of a locale name (``pt-BR``, ``sr_Latn``,
    ``ca@valencia``): letters, digits and separators only, never path syntax.

    >>> is_locale_name("pt-BR"), is_locale_name("../x"), is_locale_name("!!bad")
    (True, False, False)
    """
    return isinstance(name, str) and _LOCALE_SHAPE.fullmatch(name) is not None


def babel_locale(name: str) -> Locale:
    """Parse ``name`` (``pt-BR``, ``pt_BR``, ``sr_Latn``) into a Babel ``Locale``.

    Raises ``LocaleError`` for anything Babel does not know, including path-like names.
    """
    from babel import Locale, UnknownLocaleError

    if not is_locale_name(name):
        raise LocaleError(f"{name!r} is not a locale name")
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        slip = locale_slip(name)
        hint = f": {slip.message}" if slip else ""
        raise LocaleError(f"unknown locale {name!r}{hint}") from None


#: The ISO 639-1 codes withdrawn in favour of another (1989: iw, in, ji; 2001: jw; 2008: mo),
#: which Babel still reads as aliases; browsers and translators' tools send today's code.
_WITHDRAWN = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
_NATIONAL = ("official", "de_facto_official")


class Slip(NamedTuple):
    """A common slip in a locale name: what to say, and whether the name must be refused
    (``False``: it is a language, but maybe not the one meant)."""

    message: str
    refuse: bool


@functools.lru_cache(maxsize=256)
def locale_slip(name: str) -> Slip | None:
    """The slip ``name`` probably is, from CLDR's data (Babel's), or ``None``.

    A country code for a language (``jp``, ``cn``, ``gr``): refused, with the country's
    language. A withdrawn ISO 639-1 code (``iw``, ``in``, ``ji``): refused, with today's (the
    one browsers send). A language official in no country that is also the code of a country
    speaking another (``br``, Breton, and Brazil; ``kr``, Kanuri, and Korea): noted, not
    refused (``ca``, Catalan, is Andorra's: no note for Canada).

    >>> locale_slip("jp").message
    "'jp' is a country code (Japan): did you mean 'ja' (Japanese)?"
    >>> locale_slip("cn-TW").message
    "'cn' is a country code (China): did you mean 'zh-TW' (Chinese)?"
    >>> locale_slip("iw")
    Slip(message="'iw' is the former code of Hebrew: use 'he' (what browsers send)", refuse=True)
    >>> locale_slip("br")
    Slip(message="'br' is Breton; for Brazil's Portuguese use 'pt-BR'", refuse=False)
    >>> locale_slip("pt-BR") is None, locale_slip("es") is None, locale_slip("../x") is None
    (True, True, True)
    """
    from babel import Locale
    from babel.core import get_global
    from babel.languages import get_official_languages

    if not is_locale_name(name):
        return None
    language, *rest = re.split(r"[_-]", name.split("@", 1)[0])
    language = language.lower()
    english = Locale("en")
    tail = "".join(f"-{part}" for part in rest)
    if language in _WITHDRAWN:
        today = _WITHDRAWN[language]
        title = english.languages.get(today, today)
        return Slip(
            f"{language!r} is the former code of {title}: use {today + tail!r} (what browsers "
            "send)",
            True,
        )
    territory = language.upper()
    spoken = get_official_languages(territory, de_facto=True) if len(territory) == 2 else ()
    country = english.territories.get(territory)
    if not spoken or not country:
        return None
    meant = spoken[0].replace("_", "-")
    known = language in english.languages
    if not known:
        title = english.languages.get(spoken[0].split("_")[0], meant)
        return Slip(
            f"{language!r} is a country code ({country}): did you mean {meant + tail!r} ({title})?",
            True,
        )
    if language in {code.split("_")[0] for code in spoken} or rest:
        return None
    territories = get_global("territory_languages").values()
    if any(
        (spoken_there.get(language) or {}).get("official_status") in _NATIONAL
        for spoken_there in territories
    ):
        return None  # a language of state (ca, sr): the slip is unlikely
    title = english.languages[language]
    other = english.languages.get(spoken[0].split("_")[0], meant)
    return Slip(
        f"{language!r} is {title}; for {country}'s {other} use {meant + '-' + territory!r}", False
    )


#: The ISO 15924 scripts written right to left: those whose letters are right-to-left in
#: Unicode (bidirectional class R or AL; CLDR's script metadata agrees), with the variants
#: Aran (Nastaliq Arabic), Syre, Syrj, Syrn (Syriac) and Phlv (Book Pahlavi).
RTL_SCRIPTS = frozenset(
    {"Adlm", "Arab", "Aran", "Armi", "Avst", "Chrs", "Cprt", "Elym", "Gara", "Hatr", "Hebr"}
    | {"Hung", "Khar", "Lydi", "Mand", "Mani", "Mend", "Merc", "Mero", "Narb", "Nbat", "Nkoo"}
    | {"Orkh", "Ougr", "Palm", "Phli", "Phlp", "Phlv", "Phnx", "Prti", "Rohg", "Samr", "Sarb"}
    | {"Sogd", "Sogo", "Syrc", "Syre", "Syrj", "Syrn", "Thaa", "Yezi"}
)


@functools.lru_cache(maxsize=1024)
def text_direction(name: str) -> str:
    """``"rtl"`` or ``"ltr"``: how the script of locale ``name`` runs.

    The script is the one ``name`` gives (``sr_Latn``, ``pa_Arab``), else the language's
    likely script in CLDR (Babel's likely subtags: ``pa`` is written in Gurmukhi, ``pa_PK``
    in Arabic, ``ks`` and ``sd`` in Arabic, ``dv`` in Thaana); it runs right to left if it
    is one of :data:`RTL_SCRIPTS`. Babel's ``Locale.text_direction`` says the same for every
    locale Babel has data for (a test holds the two together), but it loads and merges the
    locale's whole data to say it; this reads none. For a script Babel has no data for,
    Babel answers for the language (``he_Latn`` as ``he``: rtl); this answers for the
    script (ltr). Unknown names raise ``LocaleError``; vertical scripts are ``"ltr"``.
    Answers are remembered for the process.

    >>> text_direction("ar"), text_direction("pt_BR"), text_direction("pa_PK")
    ('rtl', 'ltr', 'rtl')
    >>> text_direction("ks"), text_direction("ks_Deva"), text_direction("az_Arab")
    ('rtl', 'ltr', 'rtl')
    """
    from babel.core import get_global, parse_locale

    locale = babel_locale(name)  # Babel must know it; it resolves aliases (iw: he)
    script = parse_locale(name.replace("-", "_"))[2] or locale.script
    if script is None:  # Babel may have found one: pa_PK is its pa_Arab_PK
        likely = get_global("likely_subtags")
        keys = [locale.language]  # the territory first: pa_PK is Arab, pa is Guru
        if locale.territory:
            keys.insert(0, f"{locale.language}_{locale.territory}")
        script = next((parse_locale(likely[k])[2] for k in keys if k in likely), None)
    return "rtl" if script in RTL_SCRIPTS else "ltr"


def normalize_locale(name: str) -> str:
    """Return the gettext form of a locale name (``pt-BR`` -> ``pt_BR``).

    Only the parts the user wrote are kept: Babel would expand ``zh_CN`` to ``zh_Hans_CN``
    (its likely subtags), but the catalog lives in ``locales/zh_CN``, as pybabel names it.

    >>> normalize_locale("zh-cn"), normalize_locale("sr_Latn_RS"), normalize_locale("ca@valencia")
    ('zh_CN', 'sr_Latn_RS', 'ca@valencia')
    """
    from babel.core import parse_locale

    babel_locale(name)  # Babel must know it
    parts = parse_locale(name.replace("-", "_"))
    language, territory, script, variant = parts[:4]
    if language == "und":
        raise LocaleError(f"{name!r} is not a language (und means undetermined)")
    normal = "_".join(part for part in (language, script, territory, variant) if part)
    modifier = parts[4] if len(parts) > 4 else None
    return f"{normal}@{modifier}" if modifier else normal


def fallback_chain(locale: str, source_locale: str) -> list[str]:
    """The locales to try, most specific first, ending with the source locale.

    >>> fallback_chain("pt_BR", "en")
    ['pt_BR', 'pt', 'en']
    >>> fallback_chain("sr_Latn_RS", "en")
    ['sr_Latn_RS', 'sr_Latn', 'sr', 'en']
    """
    chain = locale_parents(locale)
    if source_locale not in chain:
        chain.append(source_locale)
    return chain


def locale_parents(locale: str) -> list[str]:
    """``locale`` and its parents, most specific first, as CLDR defines them.

    Mostly by dropping the last part, but CLDR's parent exceptions come first: Mexican
    Spanish falls back to Latin American Spanish, Angolan Portuguese to European.

    >>> locale_parents("sr_Latn_RS@x")
    ['sr_Latn_RS@x', 'sr_Latn_RS', 'sr_Latn', 'sr']
    >>> locale_parents("es_MX"), locale_parents("pt_AO")
    (['es_MX', 'es_419', 'es'], ['pt_AO', 'pt_PT', 'pt'])
    """
    from babel.core import get_global

    exceptions = get_global("parent_exceptions")
    chain: list[str] = []
    current = locale
    while current and current != "root" and current not in chain:
        chain.append(current)
        if "@" in current:
            current = current.split("@", 1)[0]
        else:
            current = exceptions.get(current) or current.rpartition("_")[0]
    return chain


#: How :func:`match_locale` reached its answer: ``first`` (the first preference, or a
#: sibling of it), ``later`` (a later preference), ``fallback`` (no preference the campaign
#: has: the source locale), ``none`` (nothing asked: the source locale).
MatchKind = Literal["first", "later", "fallback", "none"]

#: A locale cell or Accept-Language value longer than this is refused unread.
MAX_PREFERENCES = 200

# One language range of an Accept-Language list (RFC 9110 §12.5.4), or a gettext locale name
# with its @modifier (``ca@valencia``, as the campaign's own locales may be named).
_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*(?:@[A-Za-z0-9]{1,16})?|\*")
_WEIGHT = re.compile(r"q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)", re.I)


class LocaleMatch(NamedTuple):
    """What :func:`match_locale` chose: the campaign ``locale``, how (``kind``), and the
    preference that was asked for first (``asked``; ``""`` when nothing was asked)."""

    locale: str
    kind: MatchKind
    asked: str


def locale_preferences(text: str) -> list[str] | None:
    """The tags of a locale cell or an Accept-Language value, by weight (``q``), ties in the
    order written, those of weight 0 left out; ``None`` when ``text`` is neither (or is
    longer than :data:`MAX_PREFERENCES`).

    >>> locale_preferences("de-DE, fr;q=0.5, en;q=0.8")
    ['de-DE', 'en', 'fr']
    >>> locale_preferences("fr;q=0"), locale_preferences("ca@valencia")
    ([], ['ca@valencia'])
    >>> locale_preferences("../etc/passwd"), locale_preferences("en;q=2")
    (None, None)
    """
    if len(text) > MAX_PREFERENCES:
        return None
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(text.split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        if not _TAG.fullmatch(tag):
            return None
        weight = 1.0
        for param in params:
            match = _WEIGHT.fullmatch(param)
            if match is None:
                return None
            weight = float(match.group(1))
        if weight > 0:
            weighted.append((-weight, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _match_tag(tag: str, by_lower: Mapping[str, str], source_locale: str) -> str | None:
    """The campaign locale for one preference (``by_lower``: the campaign's locales by
    their lower-case names), or ``None`` when the campaign has nothing in its language."""
    if tag == "*":
        return source_locale
    try:
        normal = normalize_locale(tag)
    except LocaleError:
        return None  # a language Babel does not know: try the next preference
    for candidate in locale_parents(normal):
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    language = language_code(normal)
    for lower, locale in sorted(by_lower.items(), key=lambda pair: pair[1]):
        if language_code(lower) == language:
            return locale
    return None


def match_locale(
    wanted: str | None, available: Sequence[str], source_locale: str
) -> LocaleMatch | None:
    """The best of ``available`` for someone who asks for ``wanted``, and how it was found;
    ``None`` when ``wanted`` is neither a locale tag nor an Accept-Language list.

    ``wanted`` is a tag (``pt-BR``, ``pt_BR``, ``ca@valencia``) or a list with weights
    (``pt-BR,pt;q=0.9,en;q=0.5``, as a browser sends it). Preferences are tried by weight;
    for each, the campaign's locale for it or one of its CLDR parents (``pt_BR`` -> ``pt``,
    ``es_MX`` -> ``es_419`` -> ``es``; case does not matter), then a sibling with the same
    language (``pt_PT`` for ``pt_BR``, ``ca@valencia`` for ``ca_ES``; the first by name);
    ``*`` takes the source locale. A preference in a language the campaign lacks (or that
    Babel does not know) passes to the next; when none is left, the source locale. Nothing
    asked (``None``, an empty or blank cell) is kind ``none``: it is no preference at all.

    Both callers used to have their own copy, and they disagreed: ``negotiate_locale`` read
    one tag only (a browser's ``pt-BR,pt;q=0.9`` gave the source locale, where a merge gave
    ``pt``), and ``outreach merge`` refused a supporter whose cell was a gettext name with
    a modifier (``sr@latin``) or blank; both missed a sibling named with a modifier. This is
    the behaviour a supporter expects, whoever asks: the language they said they read.

    >>> match_locale("pt-BR,pt;q=0.9,en;q=0.5", ["en", "es", "pt"], "en")
    LocaleMatch(locale='pt', kind='first', asked='pt-BR')
    >>> match_locale("de, es;q=0.5", ["en", "es"], "en")
    LocaleMatch(locale='es', kind='later', asked='de')
    >>> match_locale("ca-ES", ["en", "ca@valencia"], "en").locale
    'ca@valencia'
    >>> match_locale("de", ["en"], "en").kind, match_locale(" ", ["en"], "en").kind
    ('fallback', 'none')
    >>> match_locale("../etc/passwd", ["en"], "en") is None
    True
    """
    text = (wanted or "").strip()
    if not text:
        return LocaleMatch(source_locale, "none", "")
    preferences = locale_preferences(text)
    if preferences is None:
        return None
    if not preferences:  # every preference has weight 0
        return LocaleMatch(source_locale, "fallback", text)
    by_lower = {locale.lower(): locale for locale in available}
    for index, tag in enumerate(preferences):
        found = _match_tag(tag, by_lower, source_locale)
        if found is not None:
            return LocaleMatch(found, "first" if index == 0 else "later", preferences[0])
    return LocaleMatch(source_locale, "fallback", preferences[0])


def negotiate_locale(wanted: str | None, available: Sequence[str], source_locale: str) -> str:
    """The best of ``available`` for a supporter who wants ``wanted``: a tag or an
    Accept-Language list, matched by :func:`match_locale` (exact, then the fallback chain
    ``pt_BR`` -> ``pt``, then a sibling ``pt_PT``, then the source locale). Unknown or empty
    input gives the source locale; it never raises.

    >>> negotiate_locale("pt-BR", ["en", "es", "pt"], "en")
    'pt'
    >>> negotiate_locale("de-DE,es;q=0.8", ["en", "es"], "en")
    'es'
    >>> negotiate_locale("xx-garbage", ["en", "es"], "en")
    'en'
    """
    found = match_locale(wanted, available, source_locale)
    return source_locale if found is None else found.locale
