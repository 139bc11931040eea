"""Format placeholders: python-format ``%(name)s``/``%s`` and brace ``{name}``.

A translation must use exactly the placeholders of the source it translates; anything else
fails at render time (a missing key, a ``%`` that Python cannot format) or drops the link.

>>> sorted(python_placeholders("Sign now: %(url)s (%(count)d)").named)
['%(count)d', '%(url)s']
>>> python_placeholders("Up 50%!").invalid
['%!']
>>> python_placeholders("Sign %(url),").invalid
['%(url),']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from outreach.checks.registry import Unit, entry_check

__all__ = ["Placeholders", "brace_placeholders", "python_placeholders"]

# %[(name)][flags][width][.precision][length]type, as Python's % operator reads it.
_PYTHON = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<flags>[#0 +-]*)(?P<width>\*|\d+)?"
    r"(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
_PERCENT = re.compile(r"%")
_BRACE = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_][A-Za-z0-9_]*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


@dataclass
class Placeholders:
    named: set[str] = field(default_factory=set)
    positional: Counter[str] = field(default_factory=Counter)
    invalid: list[str] = field(default_factory=list)


def python_placeholders(text: str) -> Placeholders:
    """The python-format directives in ``text`` (``%%`` is a literal percent sign)."""
    found = Placeholders()
    position = 0
    for match in _PERCENT.finditer(text):
        if match.start() < position:
            continue
        spec = _PYTHON.match(text, match.start())
        if spec is None:
            bad = re.match(r"%(?:\([^)]*\)?)?.?", text[match.start() :], re.DOTALL)
            found.invalid.append(bad.group(0) if bad else "%")
            position = match.end()
            continue
        position = spec.end()
        if spec.group("type") == "%" and spec.group(0) == "%%":
            continue
        if spec.group("name") is not None:
            found.named.add(spec.group(0))
        else:
            found.positional[spec.group("type")] += 1
    return found


def brace_placeholders(text: str) -> set[str]:
    """``{name}`` fields (``{{`` and ``}}`` are literal braces)."""
    return {m.group(0) for m in _BRACE.finditer(text)}


def _uses_python_format(unit: Unit) -> bool:
    if "no-python-format" in unit.flags:
        return False
    if "python-format" in unit.flags:
        return True
    source = python_placeholders(unit.source_text)
    return bool(source.named or source.positional)


@entry_check("placeholders", "error", structural=True)
def placeholders(unit: Unit) -> Iterator[str]:
    """Missing, extra, renamed or malformed placeholders, in every plural form."""
    python = _uses_python_format(unit)
    all_named = python_placeholders(unit.source_text).named if python else set()
    all_brace = brace_placeholders(unit.source_text)
    for index, text in unit.filled_forms():
        where = f" (plural form {index})" if unit.is_plural else ""
        source = unit.source_for(index)
        if python:
            want = python_placeholders(source)
            have = python_placeholders(text)
            for bad in have.invalid:
                yield f"invalid placeholder {bad!r}{where}; write %% for a literal percent sign"
            optional = all_named - want.named  # e.g. %(num)s in a form used only for n == 1
            for name in sorted(want.named - have.named):
                yield f"placeholder {name} is missing from the translation{where}"
            for name in sorted(have.named - want.named - optional):
                yield f"placeholder {name} is not in the source{where}"
            if want.positional != have.positional and not (want.named or have.named):
                expected = sum(want.positional.values())
                got = sum(have.positional.values())
                yield (
                    f"the source has {expected} positional placeholder(s) "
                    f"({_describe(want.positional)}), the translation {got} "
                    f"({_describe(have.positional)}){where}"
                )
        if all_brace or "python-brace-format" in unit.flags:
            want_brace = brace_placeholders(source)
            have_brace = brace_placeholders(text)
            optional_brace = all_brace - want_brace
            for name in sorted(want_brace - have_brace):
                yield f"placeholder {name} is missing from the translation{where}"
            for name in sorted(have_brace - want_brace - optional_brace):
                yield f"placeholder {name} is not in the source{where}"


def _describe(counter: Counter[str]) -> str:
    return ", ".join(f"%{kind}×{count}" for kind, count in sorted(counter.items())) or "none"
