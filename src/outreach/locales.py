"""Locale names: parsing, normalising, fallback chains and negotiation.

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
from collections.abc import Sequence
from typing import TYPE_CHECKING

from outreach.errors import LocaleError

if TYPE_CHECKING:
    from babel import Locale

__all__ = [
    "RTL_SCRIPTS",
    "babel_locale",
    "fallback_chain",
    "is_locale_name",
    "language_code",
    "locale_parents",
    "negotiate_locale",
    "normalize_locale",
    "text_direction",
]

# language[_-]Script/Territory/variant...[@modifier]; no dots, slashes or other path syntax.
_LOCALE_SHAPE = re.compile(r"[A-Za-z]{2,8}(?:[_-][A-Za-z0-9]{1,8})*(?:@[A-Za-z0-9]{1,16})?")


def language_code(locale: str) -> str:
    """The language subtag of a locale name as written, in lower case (no parsing).

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
        raise LocaleError(f"unknown locale {name!r}") from None


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


def negotiate_locale(wanted: str | None, available: Sequence[str], source_locale: str) -> str:
    """The best of ``available`` for a supporter who wants ``wanted``.

    Exact match first, then the fallback chain (``pt_BR`` -> ``pt``), then a sibling with the
    same language (``pt_BR`` -> ``pt_PT``), then the source locale. Unknown or empty input
    gives the source locale; it never raises.

    >>> negotiate_locale("pt-BR", ["en", "es", "pt"], "en")
    'pt'
    >>> negotiate_locale("xx-garbage", ["en", "es"], "en")
    'en'
    """
    if not wanted:
        return source_locale
    try:
        normal = normalize_locale(wanted.strip())
    except LocaleError:
        return source_locale
    by_lower = {a.lower(): a for a in available}
    for candidate in locale_parents(normal):
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    language = normal.split("_", 1)[0].lower()
    for a in sorted(available):
        if a.split("_", 1)[0].lower() == language:
            return a
    return source_locale
