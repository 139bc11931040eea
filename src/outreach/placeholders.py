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
from dataclasses import dataclass, field

__all__ = ["PYTHON_PLACEHOLDER", "Placeholders", "brace_placeholders", "python_placeholders"]

# %[(name)][flags][width][.precision][length]type, as Python's % operator reads it.
PYTHON_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<flags>[#0 +-]*)(?P<width>\*|\d+)?"
    r"(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
_PERCENT = re.compile(r"%")
_BRACE = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_][A-Za-z0-9_]*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


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
            bad = re.match(r"%(?:\([^)]*\)?)?.?", text[match.start() :], re.DOTALL)
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
    return {m.group(0) for m in _BRACE.finditer(text)}
