"""Plural forms as catalogs use them: parse, evaluate and judge ``Plural-Forms`` headers.

gettext chooses a plural translation with the catalog's own formula
(``Plural-Forms: nplurals=2; plural=(n != 1);``). One language has several formulas in real
use: Spanish catalogs say ``nplurals=2`` (GNU gettext, Poedit, most catalogs) or
``nplurals=3`` (CLDR's "many" for exact millions, as Transifex exports them); Russian ones
``nplurals=3`` or Transifex's ``nplurals=4``, whose last form serves fractions. All of them
work. What outreach calls wrong is a formula that is *broken*: it does not parse, it picks a
form at or above ``nplurals`` for some number, or it leaves a form that no number reaches.

Nothing here depends on the installed Babel: the formulas in real use come from Weblate's
language data (its defaults, the variants it lists, CLDR's and Qt's) and from a small table
of formulas other tools write (GNU gettext, Transifex, pybabel up to 2.18). Formulas are
compared by what they do, over :data:`SAMPLE` -- 0 to 1,000 and round large numbers such as
a petition's 300,000 and CLDR's exact millions -- so ``n != 1`` and ``(n!=1)`` are one
formula.

>>> forms = parse_plural_forms("nplurals=3; plural=n==1 ? 0 : n!=0 && n%1000000==0 ? 1 : 2;")
>>> forms.nplurals, forms.form(1), forms.form(2), forms.form(1_000_000)
(3, 0, 2, 1)
>>> known_source(forms, "es")
'CLDR (Weblate)'
>>> formula_problems(parse_plural_forms("nplurals=2; plural=n % 3;"), "de")
['plural=n % 3 gives form 2 for n=2, but nplurals=2 (forms are numbered 0 to 1)']
>>> describe_numbers(default_plural_forms("ar").numbers_by_form[3])
'3–10, 103–110, 203–210, …'
"""

from __future__ import annotations

import functools
import gettext
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from outreach._private import plural_tokens
from outreach.errors import PluralFormsError

__all__ = [
    "GETTEXT_DEFAULT",
    "MAX_NPLURALS",
    "SAMPLE",
    "PluralForms",
    "cldr_disagreements",
    "constant_formula",
    "default_plural_forms",
    "describe_forms",
    "describe_numbers",
    "formula_problems",
    "known_source",
    "known_with_fewer_forms",
    "parse_plural_forms",
    "usual_plural_forms",
]

#: No language has more than six plural forms (Arabic and Welsh have six).
MAX_NPLURALS = 6


def _sample() -> tuple[int, ...]:
    numbers = set(range(1001))
    for exponent in range(3, 10):
        for mantissa in (1, 2, 3, 5, 11, 21, 101):
            base = mantissa * 10**exponent
            numbers.update(base + delta for delta in (-1, 0, 1, 2, 5, 11, 12, 21, 100))
    return tuple(sorted(numbers))


#: The numbers every formula is evaluated on: 0..1000, and round large numbers (exact
#: thousands, millions and billions and their neighbours: 300,000 and 1,000,000 among them).
SAMPLE: tuple[int, ...] = _sample()


@dataclass(frozen=True)
class PluralForms:
    """A parsed ``Plural-Forms`` header: ``nplurals`` and the ``plural`` expression."""

    nplurals: int
    expression: str

    @property
    def header(self) -> str:
        """The header value: ``nplurals=2; plural=(n != 1);``."""
        return f"nplurals={self.nplurals}; plural={self.expression};"

    @property
    def function(self) -> Callable[[int], int]:
        """``n -> form index``, as gettext evaluates the expression."""
        return _compiled(self.expression)

    def form(self, n: int) -> int:
        """The form index gettext picks for ``n``."""
        return self.function(n)

    @property
    def signature(self) -> tuple[int, tuple[int, ...]]:
        """``(nplurals, the form of each SAMPLE number)``: equal for formulas that do the
        same thing, however they are written. Raises ``ZeroDivisionError`` if the
        expression divides by zero for a SAMPLE number."""
        return _signature(self.nplurals, self.expression)

    @property
    def numbers_by_form(self) -> tuple[frozenset[int], ...]:
        """For each form, the SAMPLE numbers that select it (a form at or above
        ``nplurals`` is not listed)."""
        return _numbers_by_form(self.nplurals, self.expression)

    @property
    def reachable(self) -> frozenset[int]:
        """The forms some SAMPLE number selects."""
        return frozenset(i for i, numbers in enumerate(self.numbers_by_form) if numbers)


#: What gettext assumes when a catalog has no ``Plural-Forms`` header.
GETTEXT_DEFAULT = PluralForms(2, "(n != 1)")

_HEADER = re.compile(
    r"^\s*nplurals\s*=\s*(?P<n>[^;]*?)\s*;\s*plural\s*=\s*(?P<expr>.*?)\s*;?\s*$", re.S
)


def parse_plural_forms(value: str) -> PluralForms:
    """Parse a ``Plural-Forms`` header value.

    Raises :class:`PluralFormsError` when ``nplurals`` is not a count from 1 to
    :data:`MAX_NPLURALS` or the expression is not one gettext can evaluate.

    >>> parse_plural_forms("nplurals=2; plural=(n != 1);").header
    'nplurals=2; plural=(n != 1);'
    >>> parse_plural_forms("nplurals=INTEGER; plural=EXPRESSION;")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    outreach.errors.PluralFormsError: nplurals=INTEGER is not a number (the template's ...
    """
    match = _HEADER.match(value)
    if match is None:
        if "nplurals" not in value:
            raise PluralFormsError("nplurals= is missing")
        raise PluralFormsError("plural= is missing (write nplurals=N; plural=EXPRESSION;)")
    count, expression = match.group("n"), match.group("expr")
    if not _COUNT.fullmatch(count):  # ASCII digits only: "²".isdigit() is true, int() fails
        hint = " (the template's placeholder?)" if count == "INTEGER" else ""
        raise PluralFormsError(f"nplurals={count} is not a number{hint}")
    nplurals = int(count) if len(count) <= 3 else 0  # int() refuses 4,300 digits and more
    if not 1 <= nplurals <= MAX_NPLURALS:
        raise PluralFormsError(f"nplurals={count}: a language has 1 to {MAX_NPLURALS} plural forms")
    if not expression:
        raise PluralFormsError("plural= is empty")
    try:
        _compiled(expression)
    except (ValueError, SyntaxError, RecursionError):
        hint = " (the template's placeholder?)" if expression == "EXPRESSION" else ""
        raise PluralFormsError(f"plural={expression} is not a C expression of n{hint}") from None
    divisor = _variable_divisor(expression)
    if divisor is not None:
        raise PluralFormsError(
            f"plural={expression} divides by {divisor}, which depends on n: it may divide by "
            "zero for some number (a plural formula divides only by constants, as in n % 10)"
        )
    return PluralForms(nplurals, expression)


_COUNT = re.compile(r"[0-9]+")


def _variable_divisor(expression: str) -> str | None:
    """The first divisor of ``/`` or ``%`` in ``expression`` that depends on ``n``, as
    written, or ``None`` when every divisor is a constant.

    In gettext's grammar (:func:`gettext.c2py`) the right operand of ``/`` and ``%`` is one
    primary: ``!`` signs, then a number, ``n`` or a parenthesised expression. A formula in
    real use divides only by constants (``n % 10``, ``n % 100``); one that divides by an
    expression of ``n`` can divide by zero for a number no sample reaches
    (``0/(n-312000)``), and would stop every plural string from rendering.

    >>> _variable_divisor("n%10==1 && n%100!=11 ? 0 : 1"), _variable_divisor("0/(n-312000)")
    (None, '(n-312000)')
    """
    tokens = plural_tokens(expression)
    for index, token in enumerate(tokens):
        if token not in ("/", "%"):
            continue
        start = end = index + 1
        while end < len(tokens) and tokens[end] == "!":
            end += 1
        if end < len(tokens) and tokens[end] == "(":
            depth = 0
            for position in range(end, len(tokens)):
                depth += {"(": 1, ")": -1}.get(tokens[position], 0)
                if depth == 0:
                    end = position
                    break
        operand = tokens[start : end + 1]
        if "n" in operand:
            return "".join(operand)
    return None


@functools.lru_cache(maxsize=512)
def _compiled(expression: str) -> Callable[[int], int]:
    # gettext.c2py allows only n, numbers and C operators, and refuses expressions over
    # 1,000 characters or too deeply nested: safe on untrusted input.
    return gettext.c2py(expression)


@functools.lru_cache(maxsize=512)
def _signature(nplurals: int, expression: str) -> tuple[int, tuple[int, ...]]:
    function = _compiled(expression)
    return nplurals, tuple(function(n) for n in SAMPLE)


@functools.lru_cache(maxsize=512)
def _numbers_by_form(nplurals: int, expression: str) -> tuple[frozenset[int], ...]:
    buckets: list[list[int]] = [[] for _ in range(nplurals)]
    try:
        forms = _signature(nplurals, expression)[1]
    except ZeroDivisionError:
        return tuple(frozenset() for _ in buckets)
    for n, index in zip(SAMPLE, forms, strict=True):
        if 0 <= index < nplurals:
            buckets[index].append(n)
    return tuple(frozenset(b) for b in buckets)


def formula_problems(forms: PluralForms, language: str | None = None) -> list[str]:
    """Why ``forms`` cannot work, one sentence each (empty when it works).

    Broken: an index at or above ``nplurals`` (or below 0) for some number, a division by
    zero, a form that no whole number selects -- unless the forms numbers do select are the
    language's own, as CLDR has them (``nplurals=2; plural=0`` in Japanese, which has one
    form: every number gets the right text; form 1 is only never shown). A form that only
    fractions reach (as in Transifex's CLDR formulas, ``n % 1 != 0``) is fine: gettext never
    passes a fraction, and such a form is simply never shown; so is a CLDR export that
    gives fractions their form without testing for them (Crowdin's Belarusian, Russian,
    Polish: :func:`cldr_fraction_forms`). A formula in real use for ``language`` is never
    broken by that rule.
    """
    function = forms.function
    for n in SAMPLE:
        try:
            index = function(n)
        except ZeroDivisionError:
            return [f"plural={forms.expression} divides by zero for n={n}"]
        if not 0 <= index < forms.nplurals:
            return [
                f"plural={forms.expression} gives form {index} for n={n}, but "
                f"nplurals={forms.nplurals} (forms are numbered 0 to {forms.nplurals - 1})"
            ]
    unused = [i for i in range(forms.nplurals) if i not in forms.reachable]
    if not unused or _fraction_test(forms.expression):
        return []
    if language is not None and known_source(forms, language) is not None:
        return []
    if (
        constant_formula(forms)
        and language is not None
        and _cldr_known(language)
        and not cldr_disagreements(forms, language)
    ):
        # one form for every number, as the language has it (Japanese): the others are never
        # shown, and the header check says so. Only a formula without n is known to reach no
        # other form for any number: n == 1234 is not in SAMPLE
        return []
    if language is not None and cldr_fraction_forms(forms, language):
        # one form per CLDR category, the forms no whole number selects being the
        # categories only fractions have, which JavaScript's ngettext can pass (a header
        # warning says so when no tool we know writes the formula)
        return []
    if language is not None and known_with_fewer_forms(forms, language):
        # a translation tool's own formula for the language, word for word, with nplurals
        # raised (Belarusian's three-form formula under nplurals=4): every number gets the
        # language's form, the extra ones are never shown (a header warning says so)
        return []
    shown = ", ".join(map(str, unused))
    return [
        f"no number selects form {shown} of nplurals={forms.nplurals}; plural="
        f"{forms.expression} (a typo in the formula, or nplurals is too high?)"
    ]


def cldr_fraction_forms(forms: PluralForms, locale: str) -> bool:
    """Whether ``forms`` is CLDR's plural rule for ``locale``, one form per category, whose
    forms no whole number selects are those of the categories only fractions have: a CLDR
    export (Crowdin's ``nplurals=4`` for Belarusian, Russian, Ukrainian or Polish, whose form
    3 is CLDR's "other", 1.5; Czech's form 2, "many") that leaves fractions to the last
    branch instead of testing ``n % 1``. Every whole number gets its category's form, and
    a fraction CLDR's (a JavaScript catalog's ``ngettext`` passes ``1.5`` as it is; C and
    Python round it): the formula is right, and what those forms hold is checked as shown.

    Required, so that no number outside :data:`SAMPLE` selects a form it misses (``n == 1234
    ? 3``): the formula is :func:`settled_by_sample`; nplurals is the number of CLDR's
    categories; the forms numbers select are as many as the categories whole numbers have,
    each category's own (:func:`cldr_disagreements` finds nothing).

    >>> crowdin_be = ("nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    ...     "(n%100<12 || n%100>14) ? 1 : n%10==0 || n%10>=5 && n%10<=9 || n%100>=11 && "
    ...     "n%100<=14 ? 2 : 3);")
    >>> cldr_fraction_forms(parse_plural_forms(crowdin_be), "be")
    True
    >>> cldr_fraction_forms(parse_plural_forms(crowdin_be), "de")
    False
    >>> cldr_fraction_forms(parse_plural_forms(crowdin_be.replace("? 2 : 3", "? 2 : "
    ...     "n == 1234 ? 3 : 2")), "be")
    False
    """
    return _cldr_fraction_forms(forms.nplurals, forms.expression, locale)


@functools.lru_cache(maxsize=256)
def _cldr_fraction_forms(nplurals: int, expression: str, locale: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        rule = Locale.parse(locale.replace("-", "_")).plural_form
    except (UnknownLocaleError, ValueError):
        return False
    if not settled_by_sample(expression):
        return False
    forms = PluralForms(nplurals, expression)
    categories = {*rule.tags, "other"}
    whole = {rule(n) for n in SAMPLE}
    return (
        forms.nplurals == len(categories)
        and len(forms.reachable) == len(whole) < forms.nplurals
        and not cldr_disagreements(forms, locale)
    )


#: What a formula :func:`settled_by_sample` may be written with: ``n``, whole numbers,
#: ``%``, comparisons, ``&&``, ``||``, ``!``, ``? :`` and parentheses (no ``+ - * /``).
_SETTLED_TOKEN = re.compile(r"\s*(?:(\d+)|(n)\b|(==|!=|<=|>=|&&|\|\||[<>!?:%()]))")
_COMPARISON = frozenset({"==", "!=", "<=", ">=", "<", ">"})


def settled_by_sample(expression: str) -> bool:
    """Whether the forms :data:`SAMPLE` finds for ``expression`` are the forms of every
    whole number: it has only ``n``, whole numbers, ``%``, comparisons, logical operators,
    ``? :`` and parentheses; ``n`` only compared or taken modulo (never a value itself); and
    its largest number B (a constant or a divisor) and the least common multiple L of its
    divisors have B + L <= 1000. Then above B every comparison of ``n`` has one answer and
    every ``n % m`` repeats with period L, so each number above 1000 selects the form of one
    between B and B + L, which SAMPLE holds (0 to 1000, all of them).

    >>> settled_by_sample("(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2)")
    True
    >>> settled_by_sample("(n == 1234 ? 3 : n != 1)"), settled_by_sample("(n*7 % 5)")
    (False, False)
    >>> settled_by_sample("(n%1000 == 999)"), settled_by_sample("n > 5 ? n : 0")
    (False, False)
    """
    tokens: list[tuple[str, str]] = []  # (kind, text)
    at, text = 0, expression.strip().rstrip(";").strip()
    while at < len(text):
        match = _SETTLED_TOKEN.match(text, at)
        if match is None or match.end() == at:
            return False
        number, name, operator = match.groups()
        kind = "number" if number is not None else "n" if name is not None else "op"
        tokens.append((kind, number or name or operator or ""))
        at = match.end()
    divisors: list[int] = []
    constants: list[int] = []
    for index, (kind, value) in enumerate(tokens):
        before = tokens[index - 1][1] if index else ""
        after = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if kind == "number":
            (divisors if before == "%" else constants).append(int(value))
        elif kind == "n" and not ({before, after} & _COMPARISON or after == "%"):
            return False  # n as a value (``n > 5 ? n : 0``): it grows past every form
    if 0 in divisors:
        return False
    period: int = math.lcm(*divisors) if divisors else 1
    return max([0, *constants, *divisors]) + period <= 1000


def known_with_fewer_forms(forms: PluralForms, locale: str) -> bool:
    """Whether ``forms``'s expression is, as written (spaces and outer parentheses aside), a
    formula a translation tool writes for ``locale`` with fewer forms than ``forms`` declares:
    that formula never reaches a form beyond its own, for any number, and its forms are the
    language's (the tool's table says so), so the forms above it are only never shown.

    >>> known_with_fewer_forms(parse_plural_forms("nplurals=4; plural=(n%10==1 && "
    ...     "n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"), "be")
    True
    >>> known_with_fewer_forms(parse_plural_forms("nplurals=3; plural=(n != 1);"), "de")
    True
    >>> known_with_fewer_forms(parse_plural_forms("nplurals=3; plural=(n > 5);"), "de")
    False
    """
    return _known_with_fewer_forms(forms.nplurals, forms.expression, locale)


@functools.lru_cache(maxsize=256)
def _known_with_fewer_forms(nplurals: int, expression: str, locale: str) -> bool:
    written = _bare_expression(expression)
    return any(
        known.forms.nplurals < nplurals
        and _bare_expression(known.forms.expression) == written
        and not cldr_disagreements(known.forms, locale)
        for known in _known(locale)
    )


def _bare_expression(expression: str) -> str:
    """``expression`` without spaces, a final ``;`` or parentheses around all of it."""
    bare = re.sub(r"\s+", "", expression).rstrip(";")
    while bare.startswith("(") and bare.endswith(")") and _balanced(bare[1:-1]):
        bare = bare[1:-1]
    return bare


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def constant_formula(forms: PluralForms) -> bool:
    """Whether ``forms``'s expression does not read ``n`` (``plural=0``): then no number
    selects another form, which :data:`SAMPLE` alone could not prove.

    >>> constant_formula(parse_plural_forms("nplurals=2; plural=0;"))
    True
    >>> constant_formula(parse_plural_forms("nplurals=2; plural=(n == 1234 ? 1 : 0);"))
    False
    """
    return re.search(r"\bn\b", forms.expression) is None


def _cldr_known(locale: str) -> bool:
    """Whether Babel has CLDR's plural rule for ``locale``."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _fraction_test(expression: str) -> bool:
    """``n % 1``: a CLDR-derived formula that gives fractions a form of their own."""
    return re.search(r"\bn\s*%\s*1\b(?!\d)", expression) is not None


# -- formulas in real use -------------------------------------------------------------------

#: Formulas other tools write that Weblate's data does not list, as (language, nplurals,
#: expression, source). Transifex's are its CLDR exports as they appear in Django's
#: catalogs (a last form for fractions); pybabel up to 2.18 wrote its own hand-made table.
_IN_USE: tuple[tuple[str, int, str, str], ...] = (
    ("no", 2, "(n != 1)", "GNU gettext"),
    ("pt", 2, "(n != 1)", "GNU gettext"),
    ("tr", 2, "(n > 1)", "Transifex"),
    (
        "ru",
        4,
        "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 "
        ": n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3)",
        "Transifex",
    ),
    (
        "uk",
        4,
        "(n % 1 == 0 && n % 10 == 1 && n % 100 != 11 ? 0 : n % 1 == 0 && n % 10 >= 2 "
        "&& n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : n % 1 == 0 && (n % 10 ==0 || "
        "(n % 10 >=5 && n % 10 <=9) || (n % 100 >=11 && n % 100 <=14 )) ? 2: 3)",
        "Transifex",
    ),
    (
        "pl",
        4,
        "(n==1 ? 0 : (n%10>=2 && n%10<=4) && (n%100<12 || n%100>14) ? 1 : n!=1 && "
        "(n%10>=0 && n%10<=1) || (n%10>=5 && n%10<=9) || (n%100>=12 && n%100<=14) ? 2 : 3)",
        "Transifex",
    ),
    (
        "cs",
        4,
        "(n == 1 && n % 1 == 0) ? 0 : (n >= 2 && n <= 4 && n % 1 == 0) ? 1: (n % 1 != 0 ) ? 2 : 3",
        "Transifex",
    ),
    (
        "sk",
        4,
        "(n % 1 == 0 && n == 1 ? 0 : n % 1 == 0 && n >= 2 && n <= 4 ? 1 : n % 1 != 0 ? 2: 3)",
        "Transifex",
    ),
    (
        "lt",
        4,
        "(n % 10 == 1 && (n % 100 > 19 || n % 100 < 11) ? 0 : (n % 10 >= 2 && n % 10 "
        "<=9) && (n % 100 > 19 || n % 100 < 11) ? 1 : n % 1 != 0 ? 2: 3)",
        "Transifex",
    ),
    (
        "he",
        4,
        "(n == 1 && n % 1 == 0) ? 0 : (n == 2 && n % 1 == 0) ? 1: (n % 10 == 0 && n % 1 "
        "== 0 && n > 10) ? 2 : 3",
        "Transifex",
    ),
    # pybabel init up to Babel 2.18 (babel/messages/plurals.py); its Arabic rule swaps
    # CLDR's "many" and "other" (Babel issue #816), but translators fill the forms the
    # formula selects, so such catalogs render right.
    (
        "ar",
        6,
        "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=0 && "
        "n%100<=2 ? 4 : 5)",
        "pybabel ≤ 2.18",
    ),
    ("cy", 5, "(n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 0)", "pybabel ≤ 2.18"),
    ("tr", 1, "0", "pybabel ≤ 2.18"),
    ("ka", 1, "0", "pybabel ≤ 2.18"),
    ("kk", 1, "0", "pybabel ≤ 2.18"),
)

#: Where the formula translators' tools offer (Weblate's default) departs from CLDR, the
#: default is the one that agrees: Hebrew's 4-form rule is CLDR's before v42, whose "many"
#: (20, 30, ...) CLDR has since folded into "other"; Weblate gives European Portuguese the
#: Brazilian rule, where 0 is singular (GNU gettext and CLDR: ``n != 1``).
_DEFAULT_OVERRIDES = {
    "he": (3, "(n == 1) ? 0 : ((n == 2) ? 1 : 2)"),
    "pt_pt": (2, "(n != 1)"),
}
_ALIASES = {"no": "nb", "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}


@dataclass(frozen=True)
class _Known:
    forms: PluralForms
    source: str


@functools.cache
def _table() -> dict[str, tuple[tuple[int, str, str], ...]]:
    """Every formula in real use, by lower-case Weblate code (``pt_br``, ``sr@latin``), as
    written: ``(nplurals, expression, source)``. Each is parsed when its language is first
    asked about (:func:`_formulas`): parsing all of them (about 1,000) took 0.1 to 0.2 s of
    every ``check`` and ``compile`` that reads a header, for the one language it needed."""
    from weblate_language_data.languages import LANGUAGES
    from weblate_language_data.plurals import CLDRPLURALS, EXTRAPLURALS, QTPLURALS

    table: dict[str, list[tuple[int, str, str]]] = {}
    sources: Iterable[tuple[str, Iterable[tuple[str, str, int, str]]]] = (
        ("Weblate", LANGUAGES),
        ("Weblate (variant)", EXTRAPLURALS),
        ("CLDR (Weblate)", CLDRPLURALS),
        ("Qt (Weblate)", QTPLURALS),
    )
    rows: list[tuple[str, int, str, str]] = [
        (code, nplurals, expression, source)
        for source, entries in sources
        for code, _, nplurals, expression in entries
    ]
    rows += [(code, n, expr, source) for code, n, expr, source in _IN_USE]
    for code, nplurals, expression, source in rows:
        table.setdefault(code.lower(), []).append((nplurals, expression, source))
    return {code: tuple(written) for code, written in table.items()}


@functools.cache
def _formulas(code: str) -> tuple[_Known, ...]:
    """The formulas of :func:`_table` for ``code``, parsed; one that does not parse, or
    divides by zero, is left out.

    >>> [(k.forms.nplurals, k.source) for k in _formulas("pt_br")][:1]
    [(2, 'Weblate')]
    """
    known = []
    for nplurals, expression, source in _table().get(code, ()):
        try:
            forms = parse_plural_forms(f"nplurals={nplurals}; plural={expression};")
            forms.signature  # noqa: B018 - evaluate once: a formula that divides by zero is left out
        except (PluralFormsError, ZeroDivisionError):
            continue
        known.append(_Known(forms, source))
    return tuple(known)


def _codes(locale: str) -> Iterator[str]:
    """Weblate codes for ``locale``, most specific first: ``sr_Latn_RS`` -> ``sr_latn_rs``,
    ``sr_latn``, ``sr@latin``, ``sr``."""
    base = locale.replace("-", "_")
    name, _, modifier = base.partition("@")
    parts = name.split("_")
    parts[0] = _ALIASES.get(parts[0].lower(), parts[0])
    seen: set[str] = set()
    for end in range(len(parts), 0, -1):
        stem = "_".join(parts[:end]).lower()
        for code in ((f"{stem}@{modifier.lower()}",) if modifier else ()) + (stem,):
            if code not in seen:
                seen.add(code)
                yield code
        if end == 2 and parts[1].lower() == "latn":
            yield f"{parts[0].lower()}@latin"


def _known(locale: str) -> list[_Known]:
    """The formulas in use for ``locale`` and its parents, then for its language's other
    variants (``zh`` accepts what ``zh_Hans`` and ``zh_Hant`` use)."""
    table = _table()
    codes = list(_codes(locale))
    language = codes[-1]
    codes += sorted(c for c in table if c.startswith((f"{language}_", f"{language}@")))
    return [known for code in dict.fromkeys(codes) for known in _formulas(code)]


def known_source(forms: PluralForms, locale: str) -> str | None:
    """The tool or table that uses ``forms`` for ``locale``'s language, or ``None`` when
    no translation tool we know writes that formula for it."""
    try:
        signature = forms.signature
    except ZeroDivisionError:
        return None
    for known in _known(locale):
        if known.forms.signature == signature:
            return known.source
    return None


def default_plural_forms(locale: str, *, cldr: bool = False) -> PluralForms:
    """The formula ``outreach add-locale`` writes for ``locale``.

    By default the one translators' tools offer (Weblate's default, which Poedit shares:
    GNU gettext's two forms for Spanish, French, Portuguese...), except where that one
    splits a CLDR category (Hebrew); with ``cldr`` CLDR's own (three forms for Spanish:
    "many" for exact millions). Languages Weblate does not know get CLDR's rule from Babel;
    :class:`PluralFormsError` when neither knows the language.

    >>> default_plural_forms("es").header, default_plural_forms("es", cldr=True).nplurals
    ('nplurals=2; plural=(n != 1);', 3)
    >>> default_plural_forms("pt_BR").header, default_plural_forms("ja").header
    ('nplurals=2; plural=(n > 1);', 'nplurals=1; plural=0;')
    """
    return _enclosed(_default(locale, cldr))


def usual_plural_forms(locale: str | None) -> PluralForms | None:
    """:func:`default_plural_forms` for ``locale``, or ``None`` when no locale is given or
    no table knows its language.

    >>> usual_plural_forms("ru").nplurals, usual_plural_forms(None)
    (3, None)
    """
    if not locale:
        return None
    try:
        return default_plural_forms(locale)
    except PluralFormsError:
        return None


def _default(locale: str, cldr: bool) -> PluralForms:
    codes = list(_codes(locale))
    if not cldr:
        for code in codes:
            override = _DEFAULT_OVERRIDES.get(code)
            if override is not None:
                return PluralForms(*override)
    wanted = ("CLDR (Weblate)", "Weblate") if cldr else ("Weblate",)
    for source in wanted:
        for code in codes:
            for known in _formulas(code):
                if known.source == source:
                    return known.forms
    return _from_cldr(locale)


def _enclosed(forms: PluralForms) -> PluralForms:
    """The expression in one pair of parentheses, as GNU gettext and Poedit write it
    (``plural=(n != 1)``); a bare number stays bare (``plural=0``)."""
    expression = forms.expression
    if expression.strip("() ").isdigit():
        return PluralForms(forms.nplurals, expression.strip("() "))
    depth = 0
    for index, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(expression) - 1:
            break
    else:
        if expression.startswith("("):
            return forms
    return PluralForms(forms.nplurals, f"({expression})")


def _from_cldr(locale: str) -> PluralForms:
    """CLDR's rule for whole numbers as a gettext formula (Babel's ``to_gettext``, with the
    exponent and compact operands, which gettext lacks, taken as 0)."""
    from babel import Locale, UnknownLocaleError
    from babel.plural import to_gettext

    try:
        header = to_gettext(Locale.parse(locale.replace("-", "_")).plural_form)
    except (UnknownLocaleError, ValueError, TypeError):
        raise PluralFormsError(f"no plural rule is known for {locale!r}") from None
    return parse_plural_forms(re.sub(r"\b[ec]\b", "0", header))


# -- CLDR categories ------------------------------------------------------------------------


def cldr_disagreements(forms: PluralForms, locale: str) -> list[str]:
    """Where ``forms`` departs from CLDR's plural categories for ``locale`` (Babel's
    ``Locale.plural_form``), over :data:`SAMPLE`.

    Agreeing means: every category always gets the same form, and different categories
    get different forms -- except that a formula with fewer forms than CLDR has categories
    may give "many" the form of "other" (as gettext's Spanish and French do). Forms that only
    fractions reach are left out.
    """
    from babel import Locale, UnknownLocaleError

    try:
        rule = Locale.parse(locale.replace("-", "_")).plural_form
    except (UnknownLocaleError, ValueError):
        return []  # no CLDR data to compare with
    function = forms.function
    forms_of: dict[str, set[int]] = {}
    categories_of: dict[int, set[str]] = {}
    for n in SAMPLE:
        category, index = rule(n), function(n)
        forms_of.setdefault(category, set()).add(index)
        categories_of.setdefault(index, set()).add(category)
    problems = [
        f"CLDR's {category!r} ({describe_numbers(_numbers(rule, category))}) gets forms "
        f"{', '.join(map(str, sorted(indexes)))}"
        for category, indexes in sorted(forms_of.items())
        if len(indexes) > 1
    ]
    folding_allowed = forms.nplurals < len(forms_of)
    for index, categories in sorted(categories_of.items()):
        if len(categories) > 1 and not (folding_allowed and categories == {"many", "other"}):
            problems.append(f"form {index} serves CLDR's {', '.join(sorted(categories))}")
    return problems


def _numbers(rule: Callable[[int], str], category: str) -> frozenset[int]:
    return frozenset(n for n in SAMPLE if rule(n) == category)


# -- describing numbers ---------------------------------------------------------------------


def describe_numbers(numbers: frozenset[int] | set[int], *, most: int = 3) -> str:
    """A short description of ``numbers`` for a translator: ranges below 1,001, then a
    few large examples.

    >>> describe_numbers(frozenset({0, 2, 3, 4, 5, 1000, 1_000_000}))
    '0, 2–5, 1000, …'
    >>> describe_numbers(frozenset({1_000_000, 2_000_000, 3_000_000}))
    '1000000, 2000000, …'
    >>> describe_numbers(frozenset())
    'no number'
    """
    if not numbers:
        return "no number"
    small = sorted(n for n in numbers if n <= 1000)
    ranges: list[tuple[int, int]] = []
    for n in small:
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    shown = [
        str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}" for a, b in ranges[:most]
    ]
    more = len(ranges) > most or any(n > 1000 for n in numbers)
    if not shown:
        shown = [str(n) for n in sorted(numbers)[:2]]
        more = len(numbers) > 2
    return ", ".join(shown) + (", …" if more else "")


def describe_forms(forms: PluralForms) -> str:
    """Which numbers each form serves.

    >>> describe_forms(parse_plural_forms("nplurals=2; plural=(n > 1);"))
    'form 0 for 0, 1; form 1 for 2–1000, …'
    """
    return "; ".join(
        f"form {index} for {describe_numbers(numbers)}"
        for index, numbers in enumerate(forms.numbers_by_form)
        if numbers
    )
