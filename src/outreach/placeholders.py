"""Format placeholders in translatable strings: python-format ``%(name)s``/``%s`` and brace
``{name}``, as Python's ``%`` operator and ``str.format`` read them.

The checks compare them between a source and its translation
(:mod:`outreach.checks.placeholders`); the renderer refuses a translation whose placeholders
would fail or pull in a variable the source does not use (:mod:`outreach.sanitize`).

>>> sorted(python_placeholders("Sign now: %(url)s (%(count)d)").named)
['%(count)d', '%(url)s']
>>> python_placeholders("Up 50%!").invalid
('%!',)
>>> python_placeholders("Sign %(url),").invalid
('%(url),',)
>>> sorted(brace_placeholders("{name} has {{literal}} {0:>5}"))
['{0:>5}', '{name}']
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "BRACE_PLACEHOLDER",
    "FILL_ADDS",
    "PYTHON_PLACEHOLDER",
    "TEMPLATE_VARIABLE",
    "Placeholders",
    "brace_placeholders",
    "fill",
    "python_placeholders",
]

# %[(name)][flags][width][.precision][length]type, as Python's % operator reads it; a name
# is at most 100 characters (a longer one is reported as malformed), so that a run of "%("
# is read in linear time.
PYTHON_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]{0,100})\))?(?P<flags>[#0 +-]{0,10})(?P<width>\*|\d{1,20})?"
    r"(?:\.(?P<precision>\*|\d{1,20}))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
_PERCENT = re.compile(r"%")
# What to show of a malformed directive: the "%", a name of at most 40 characters, one more.
_INVALID = re.compile(r"%(?:\([^)]{0,40}\)?)?.?", re.DOTALL)
#: A replacement field as ``str.format`` reads it: a name or an index, then any attribute
#: or item access (``{user.name}``, ``{0[1]}``; ``string.Template``-style ``${mlist.list_id}``
#: of Mailman's catalogs too), a conversion and a format spec.
#: A template's variable, as Jinja, Django and Angular write it: ``{{ order.shop }}``, with
#: filters (``{{ total|money }}``); group 1 is the name and its filters. A string with one
#: is rendered as a template (the placeholders check compares them, the urls check reads
#: no link in them).
TEMPLATE_VARIABLE = re.compile(
    r"\{\{\s{0,10}([^\W\d][\w.]{0,100}(?:\s{0,10}\|\s{0,10}\w{1,40}){0,10})\s{0,10}\}\}"
)
BRACE_PLACEHOLDER = re.compile(
    r"(?<!\{)\{(?P<name>(?:[A-Za-z_][A-Za-z0-9_]*|\d*)"
    r"(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\[\]{}]{1,40}\])*)(?:![rsa])?(?::[^{}]*)?\}(?!\})"
)


@dataclass(frozen=True)
class Placeholders:
    """What :func:`python_placeholders` finds; immutable, so results can be shared."""

    named: frozenset[str] = frozenset()
    positional: Counter[str] = field(default_factory=Counter)
    invalid: tuple[str, ...] = ()


_NONE = Placeholders()


@functools.lru_cache(maxsize=16384)
def python_placeholders(text: str) -> Placeholders:
    """The python-format directives in ``text`` (``%%`` is a literal percent sign).

    Cached: the checks ask about the same source string once per plural form and check.
    """
    if "%" not in text:
        return _NONE
    named: set[str] = set()
    positional: Counter[str] = Counter()
    invalid: list[str] = []
    position = 0
    for match in _PERCENT.finditer(text):
        if match.start() < position:
            continue
        spec = PYTHON_PLACEHOLDER.match(text, match.start())
        if spec is None:
            bad = _INVALID.match(text, match.start())
            invalid.append(bad.group(0) if bad else "%")
            position = match.end()
            continue
        position = spec.end()
        if spec.group("type") == "%" and spec.group(0) == "%%":
            continue
        if spec.group("name") is not None:
            named.add(spec.group(0))
        else:
            positional[spec.group("type")] += 1
    return Placeholders(frozenset(named), positional, tuple(invalid))


def brace_placeholders(text: str) -> set[str]:
    """``{name}`` fields (``{{`` and ``}}`` are literal braces)."""
    return {m.group(0) for m in BRACE_PLACEHOLDER.finditer(text)}


#: The widest field or precision a sample is formatted with (the check reports more).
_MAX_WIDTH = 100

#: Every character :func:`fill` can put in a text besides the text's own and its values':
#: a number (1) as any conversion writes it (``%+#.3e`` is ``+1.000e+00``, ``%#x`` is
#: ``0x1``), padding, ``%%`` as ``%``, ``%c`` as ``x``, and the quotes and escapes of ``%r``
#: and ``%a`` (``\\x``, ``\\u``, ``\\U``, ``\\n``, hexadecimal digits). The check runner's
#: preconditions rely on it (:func:`outreach.checks.registry.entry_check`);
#: ``tests/test_check_triggers.py`` holds :func:`fill` to it on random texts.
FILL_ADDS = frozenset(" +.0123456789abcdefABCDEFeEoxXnrtuU'\"\\%")


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its named python-format placeholders replaced as Python's ``%`` would
    replace them with ``values`` (a name without a value stands for itself; numbers are 1),
    so that the checks see what a supporter would read: ``%(url).19s.evil.com`` becomes
    a link to another host. Anything ``%`` could not format is left as written; a field
    wider than 100 is not padded (the placeholders check reports it).

    >>> fill("Go: %(url).19s.evil.com/x %(num)d %%", {"url": "https://example.org/love"})
    'Go: https://example.org.evil.com/x 1 %'
    """
    if "%" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        spec = match.group(0)
        if spec == "%%":
            return "%"
        name = match.group("name")
        kind = match.group("type")
        bare = "%" + spec[spec.index(")") + 1 :] if name is not None else spec
        for part in ("width", "precision"):
            size = match.group(part)
            if size and (size == "*" or int(size) > _MAX_WIDTH):
                bare = f"%{kind}"
        if kind == "c":
            value: object = "x"
        elif kind in "diouxXeEfFgG":
            value = 1
        else:
            value = values.get(name or "", name or "")
        try:
            return bare % value
        except (TypeError, ValueError, OverflowError):
            return spec

    return PYTHON_PLACEHOLDER.sub(replace, text)
