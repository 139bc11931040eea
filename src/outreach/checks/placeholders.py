"""The ``placeholders`` check: a translation uses exactly the placeholders of its source.

Anything else fails at render time (a missing key, a ``%`` that Python cannot format) or
drops the link. The parsing is :mod:`outreach.placeholders`.

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> info = CatalogInfo(locale="es", file="es.po")
>>> unit = Unit("Sign now: %(url)s", None, None, ("Firma: %(link)s",), frozenset(), 3, False, info)
>>> messages(placeholders(unit))
['placeholder %(url)s was renamed to %(link)s']
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Set
from dataclasses import dataclass

from outreach.checks.registry import Problem, Unit, entry_check, problem
from outreach.placeholders import (
    BRACE_PLACEHOLDER,
    PYTHON_PLACEHOLDER,
    TEMPLATE_VARIABLE,
    Placeholders,
    brace_placeholders,
    python_placeholders,
)
from outreach.urls import is_http_link

__all__ = ["placeholders"]


#: A percent sign in prose that ``%`` would read as a directive with a space flag: a space,
#: then a conversion letter, after a length modifier ``%`` ignores or not, that begins a
#: word (``50% off``, ``100 % des``, ``10% larger``: ``% la``).
_PROSE_PERCENT = re.compile(r"% +[hlL]?[diouxXeEfFgGcrsa](?=[^\W\d_])")


def _prose_only(text: str) -> bool:
    """Whether every directive ``%`` would read in ``text`` is a percent sign in prose
    (:data:`_PROSE_PERCENT`): a string written so is never formatted (formatting it would
    fail, or print ``50ff`` for ``50% off``), whatever an extractor's ``python-format`` flag
    guessed from it.

    >>> _prose_only("50% off"), _prose_only("100 % des %(count)s"), _prose_only("50%% off")
    (True, False, False)
    >>> _prose_only("about 10% larger"), _prose_only("% ld files")
    (True, False)
    """
    found = python_placeholders(text)
    if found.named or found.invalid or "%%" in text or not found.positional:
        return False
    return _all_prose(found, text)


def _all_prose(found: Placeholders, text: str) -> bool:
    """Whether every positional directive ``found`` in ``text`` is a percent sign in prose
    (:data:`_PROSE_PERCENT`): as many of them as of those."""
    return sum(found.positional.values()) == len(_PROSE_PERCENT.findall(text))


#: Where a directive may have a space flag (``% s``, ``%(time) s``, ``%- d``), or another
#: flag with a letter glued after its conversion (``%-ige``): a quick test before
#: :func:`_space_flagged` reads them.
_SPACE_FLAG = re.compile(r"%(?:\([^)]{0,100}\))?[#0+' -]{0,9}(?: |[#0+'-][hlL]?[A-Za-z][^\W\d_])")
#: The Latin letters after a directive's conversion letter (``ur`` of ``% sur``): the rest
#: of the word that letter began. A letter of another script is no part of that word
#: (``% sرا``: an ``s`` typed after a space flag, glued to nothing it took).
_LATIN_REST = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")


@dataclass(frozen=True)
class _Spaced:
    """A directive with a space flag that the source's directives do not have."""

    #: as ``%`` reads it: ``% s``, ``%(time) s``
    written: str
    #: without the space flag: ``%s``, ``%(time)s``
    bare: str
    #: the Latin letters glued after its conversion letter (``ur`` of ``est% sur``), or ""
    rest: str
    named: bool


def _space_flagged(source: str, text: str, directive: re.Pattern[str]) -> list[_Spaced]:
    """The directives of ``text`` (read with ``directive``: Python's or C's) with a space
    flag, or another flag and glued to the letters after them (``100%-ige``: ``%-i``),
    that no directive of ``source`` writes as they are.

    A space flag pads a positive number with a space and changes nothing else, so ``% s``
    followed by a space prints what ``%s`` prints. But the flag is most often the
    translator's space between a placeholder and the next word, fallen inside it when the
    conversion letter was lost: in ``est% sur`` (for ``has been%s on``) ``%`` reads
    ``% s`` and takes the ``s`` of ``sur`` as its conversion, so the reader sees the value
    run into ``ur``. :attr:`_Spaced.rest` is what follows such a directive.

    >>> [(s.written, s.bare, s.rest) for s in _space_flagged(
    ...     "%s has been%s on %s", "%s est% sur % s", PYTHON_PLACEHOLDER)]
    [('% s', '%s', 'ur'), ('% s', '%s', '')]
    >>> [(s.bare, s.rest) for s in _space_flagged("%(time)s ago", "%(time) sitten",
    ...                                           PYTHON_PLACEHOLDER)]
    [('%(time)s', 'itten')]
    >>> _space_flagged("% d items", "% d éléments", PYTHON_PLACEHOLDER)  # the source's own
    []
    >>> [(s.bare, s.rest) for s in _space_flagged("%dpx", "% dpx", PYTHON_PLACEHOLDER)]
    [('%d', '')]
    """
    if not _SPACE_FLAG.search(text):
        return []
    own = {m.group() for m in directive.finditer(source) if m.group("flags")}
    # a source that glues a placeholder to letters ("%(count)sx", "%dpx") may be glued so
    # in its translation: the letters after a conversion are then no word's rest
    glues = any(
        _LATIN_REST.match(source, m.end())
        for m in directive.finditer(source)
        if m.group("type") != "%"
    )
    found = []
    for m in directive.finditer(text):
        flags = m.group("flags")
        if m.group("type") == "%" or not flags or m.group() in own:
            continue
        rest = None if glues else _LATIN_REST.match(text, m.end())
        if " " not in flags and rest is None:
            continue  # "%-5s", "%+d": a flag that pads or signs, as the translator chose
        start, end = m.start("flags") - m.start(), m.end("flags") - m.start()
        written = m.group()
        kept = flags.replace(" ", "") if " " in flags else ""
        bare = written[:start] + kept + written[end:]
        named = m.groupdict().get("name") is not None
        found.append(_Spaced(written, bare, rest.group() if rest else "", named))
    return found


def _glued_message(spaced: _Spaced, fix: str | None, *, percent: bool) -> str:
    """What to say of a directive with a space flag glued to the letters after it
    (:func:`_space_flagged`): ``fix`` is the placeholder to write, when it is known;
    ``percent``: the ``%`` may be a percent sign in prose (``50 % sur``)."""
    written, rest = spaced.written, spaced.rest
    kind = written[-1]
    flag = "a space flag" if " " in written else "a flag"
    said = (
        f"“{written}{rest}” is read as the placeholder “{written}” ({flag}, then the "
        f"conversion {kind}) followed by “{rest}”: the {kind} of “{kind}{rest}” is taken as "
        f"the conversion, so readers see the value run into “{rest}”"
    )
    if fix is not None and not percent:
        return f"{said}; write {fix}: the placeholder, then a space and the word"
    sign = f"“%%{written[1:]}{rest}”"
    if fix is None:
        return (
            f"{said}; if it is a placeholder, write it as the source does, then a space; "
            f"if it is a percent sign, write {sign}"
        )
    return f"{said}, a placeholder the source does not pass; for a percent sign, write {sign}"


def _space_flag_problems(
    unit: Unit,
    index: int,
    spaced: list[_Spaced],
    want: Placeholders,
    have: Placeholders,
    respaced: Set[str],
) -> Iterator[tuple[Problem, bool]]:
    """``(problem, accounted)`` for each directive of form ``index`` with a space flag the
    source lacks (:func:`_space_flagged`); ``accounted``: it explains why the form has more
    or other positional placeholders than the source, so that difference is not a finding
    of its own (one cause, one finding).

    Glued to the letters after it (``est% sur``, ``%(time) sitten``), an error: the word
    loses its first letter and the value runs into the rest, certain from the catalog (the
    placeholder is the source's and the letter begins a word of the translation). Followed
    by a space, punctuation or the end (``% s``, ``%(email) s``), a warning: it prints
    what the source's placeholder prints (a number gets a space before it).
    """
    glued = [s for s in spaced if not s.named and s.rest]
    kinds = Counter("d" if s.written[-1] == "i" else s.written[-1] for s in glued)
    base = have.positional - kinds
    for item in spaced:
        kind = item.written[-1]
        if item.named and item.written not in respaced:
            continue  # another name: the placeholder's rename is the finding
        if item.rest and item.named:
            fix = f"“{item.bare} {kind}{item.rest}”"
            yield problem(unit, index, _glued_message(item, fix, percent=False)), False
        elif item.rest:
            lost = want.positional - base
            if have.positional == want.positional:
                fix = f"“{item.bare} {kind}{item.rest}”"
                yield problem(unit, index, _glued_message(item, fix, percent=False)), False
            elif base == want.positional:
                yield problem(unit, index, _glued_message(item, "%%", percent=True)), True
            elif len(glued) == 1 and sum(lost.values()) == 1 and base + lost == want.positional:
                (other,) = lost
                fix = f"“%{other} {kind}{item.rest}”"
                yield problem(unit, index, _glued_message(item, fix, percent=False)), True
            else:
                yield problem(unit, index, _glued_message(item, None, percent=True)), False
        elif item.named or have.positional == want.positional:
            yield problem(unit, index, _spaced_message(item), "warning"), False


def _spaced_message(spaced: _Spaced) -> str:
    """What to say of a directive with a space flag the source lacks, followed by no letter
    (``% s``, ``%(email) s``): untidy, harmless."""
    return (
        f"“{spaced.written}” has a space flag (a space inside the placeholder) that the "
        f"source's {spaced.bare} does not: it prints the same text (a number gets a space "
        f"before it); write {spaced.bare}"
    )


#: A placeholder of a replace-style syntax: a name between two percent signs (``%user%``,
#: ``%num%``), which a program fills with ``replace`` (OpenSlides' client, Symfony's
#: translator), not with ``%``: a letter, then one to forty letters, digits or ``_``, one
#: of them lower case (``%PATHEXT%``, a Windows variable named in help text, is text),
#: with no percent sign beside either end (``%%`` is an escaped one) and no URL's
#: percent-encoding (``%C3%A9``: two hex digits).
_PERCENT_NAME = re.compile(r"(?<!%)%(?![0-9A-Fa-f]{2}%)([A-Za-z][A-Za-z0-9_]{1,40})%(?!%)")
_LOWER = re.compile(r"[a-z]")


def _percent_names(text: str) -> Counter[str]:
    """The ``%name%`` placeholders of ``text`` (:data:`_PERCENT_NAME`), as written; not one
    whose closing percent sign begins a directive with no space (``%dm%02ds``: ``%d``,
    ``m``, ``%02d``; ``%num% E-Mails`` is a name and text).

    >>> _percent_names("The users %user% have no email (%num% sent)")
    Counter({'%user%': 1, '%num%': 1})
    >>> _percent_names("caf%C3%A9 %d%% %s%s 50% %dm%02ds %s.%s %PATHEXT%")
    Counter()
    """
    found: Counter[str] = Counter()
    for m in _PERCENT_NAME.finditer(text):
        if not _LOWER.search(m.group(1)):
            continue
        after = m.end() - 1
        directive = PYTHON_PLACEHOLDER.match(text, after)
        if directive and directive.group("type") != "%" and " " not in directive.group("flags"):
            continue  # "%dm%02ds": the closing sign begins a directive, with no space
        found[m.group(0)] += 1
    return found


def _percent_named(source: str) -> bool:
    """Whether ``source``'s placeholders are ``%name%`` ones only (:data:`_PERCENT_NAME`):
    it has one, and without them ``%`` would read no directive but a percent sign in prose.
    Read as ``printf``, ``%user% has`` is ``%u`` and ``% ha``; the program replaces the
    names, so they are compared as names, and the rest of the text holds no directive.

    >>> _percent_named("The user %user% has no email"), _percent_named("%user% has %s")
    (True, False)
    >>> _percent_named("100% base for %name%"), _percent_named("%(count)s %total%")
    (True, False)
    """
    names = _percent_names(source)
    if not names:
        return False
    rest = _without_names(source, names.keys())
    found = python_placeholders(rest)
    return not found.named and _all_prose(found, rest)


def _without_names(text: str, names: Set[str]) -> str:
    """``text`` with each of the ``%name%`` placeholders ``names`` replaced by a space."""
    for name in names:
        text = text.replace(name, " ")
    return text


def _percent_name_problems(unit: Unit) -> Iterator[Problem]:
    """A source whose placeholders are ``%name%`` ones (:func:`_percent_named`): each form
    writes the same names (one missing, renamed or added is an error: it prints as typed,
    or the value is lost; a warning in a form used for one number), and no ``printf`` or
    named Python directive besides (``%s``, ``%(user)s``: never filled, printed as typed)."""
    for index, text in unit.filled_forms():
        want, have = _percent_names(unit.source_for(index)), _percent_names(text)
        if want != have:
            missing, extra = set(want - have), set(have - want)
            if not missing and not extra:  # the same names, another number of times
                missing = {n for n in want if have[n] < want[n]}
                extra = {n for n in have if have[n] > want[n]}
            yield from _differences(
                unit, index, missing, extra, single=_serves_one_number(unit, index)
            )
        rest = _without_names(text, have.keys())
        written = [m.group() for m in _ADDED_DIRECTIVE.finditer(rest)]
        written += sorted(python_placeholders(rest).named)
        for directive in dict.fromkeys(written):
            yield problem(
                unit,
                index,
                f"placeholder {directive} is not in the source, whose placeholders are "
                f"%name% ones ({', '.join(sorted(want)) or 'none here'}): it would print "
                "as typed; delete it",
            )


def _uses_python_format(unit: Unit) -> bool:
    """Whether the string is formatted with ``%``. The renderer formats every string with
    variables, whatever its flags say, so a translator's ``no-python-format`` flag (text in
    the ``.po``, like any other) is not believed; a source whose only ``%`` are percent
    signs in prose (:func:`_prose_only`) is not formatted, whatever its flag says."""
    if _prose_only(unit.source_text):
        return any(python_placeholders(form).named for form in unit.forms if "%(" in form)
    if "python-format" in unit.flags:
        return True
    source = python_placeholders(unit.source_text)
    if source.named or source.positional or "%%" in unit.source_text:
        return True
    # A named placeholder in a translation of plain text: Jinja's i18n formats every
    # string, so it would fail; report it.
    return any(python_placeholders(form).named for form in unit.forms if "%(" in form)


#: A directive added to a string that has none, which then prints as typed (``%s``,
#: ``%d``, ``%1$s``; an added ``%(name)s`` is an extra placeholder): after a space,
#: punctuation or the start, before anything but a letter or digit (``100%s`` stays text).
_ADDED_DIRECTIVE = re.compile(r"(?<![\w%])%(?:\d\$)?[sdif@](?!\w)")
#: A placeholder typed with the full-width percent sign of a CJK keyboard.
_FULL_WIDTH = re.compile(
    r"％(?:\([^)]{0,100}\))?[#0 +-]{0,10}\d{0,20}(?:\.\d{1,20})?[diouxXeEfFgGcrsa]"
)


@entry_check("placeholders", "error", structural=True, trigger="[%{％]")
def placeholders(unit: Unit) -> Iterator[str | Problem]:
    """Missing, extra, renamed or malformed placeholders, in every plural form.

    Errors (certain from the catalog: the message fails to render, or prints the directive
    as typed): a placeholder of the source missing, renamed or mistyped (a full-width
    ``％(count)s`` is named as such), one the source lacks (``%s`` appended to a string
    that has none prints literally; a brace field reading an attribute or item,
    ``{user.password}``, added to a source without brace fields: :func:`_added_field_access`),
    a repeated one; where the source has a template's
    variables, ``{{ order.shop }}``, one translated or broken (:func:`_template_variables`:
    it renders empty, or as typed). ``%i`` and ``%d`` are one conversion
    (:func:`_same_integers`). Warnings (a judgement): a conversion
    that takes any value swapped for another (``%(value)r`` written ``%(value)s``: the
    same value, quoted otherwise; ``msgfmt -c`` accepts it, and translators quote in their
    own way, ``« %(value)s »``); a named number given another padding, sign or precision
    (``%(mins)d`` written ``%(mins)02d``, two digits at most: :func:`_number_respecified`);
    a plural form
    that serves a single number (Arabic's zero and dual, a one-form used for 1 alone) and
    leaves a placeholder out, which is usually the count said in words ("كتابان" is "two
    books" without a 2; "the only one"): a named or brace one, or a positional one that
    JavaScript formats (:func:`_ignores_unused`: an entry flagged ``javascript-format``, or
    any entry of a catalog whose references name JavaScript sources and no Python one,
    whatever format flag an extractor guessed); Python's ``%`` raises on a positional
    argument left unused, so there it stays an error. Where every brace of the source is a
    TeX command's argument (``\\date{}``, a LaTeX document translated line by line; Babel
    flags any ``{}`` ``python-brace-format``, so the flag tells nothing), a brace the
    translation adds after a TeX command (``\\usepackage[catalan]{babel}``,
    :func:`_tex_arguments`), or one of the source's left out; one translated, an argument for
    an argument (``\\textbf{maximum}`` written ``\\textbf{máximo}``, ``\\rput(0,-1){Effectif}``
    written ``\\rput(0,-1){Total}``: :func:`_tex_kept`), is nothing to say.
    A brace field after anything else stays an error, as does one
    after an escape (``\\n{evil}``) or one reading an argument's attribute
    (``{0.__class__}``); in such a LaTeX line, a command that reads or writes a file, runs a
    program or redefines one (``\\input``, ``\\write18``, ``\\def``: :func:`_tex_danger`),
    with or without a brace, is an error when the source does not write it.

    A flag the source's placeholder lacks, glued to the letters after the conversion
    (``est% sur`` for ``has been%s on``; ``%(time) sitten``; :func:`_space_flagged`), is an
    error: ``%`` takes the next word's first letter as the conversion and the reader sees
    the value run into the rest ("estur le serveur"); where that directive is one more than
    the source passes, it is a percent sign in prose (``100%-ige``), to be written ``%%``
    (one finding, not also a count). A space flag followed by no letter (``% s``,
    ``%(email) s``) prints what the source's placeholder prints: a warning.

    A named placeholder that is the whole link of an ``href`` or ``src``
    (``<a href="%(PST_url)s">``) written as a literal web link is a warning when the urls
    check reports that link as an error (a host the source does not link to: the danger is
    its finding, one cause, one finding: the finding yields to it); on a host the urls
    check accepts it stays an error (:func:`_link_written_out`).

    A source whose placeholders are names between percent signs (``%user%``, filled by
    ``replace``: :func:`_percent_named`) is compared by those names, not as ``printf``
    reads them (``%u``, ``% ha``): one lost, renamed or added, or a directive written
    beside them (``%s``, ``%(user)s``), is an error. A source whose only ``%`` are percent
    signs in prose (``50% off``, ``% of exp. shared``: :func:`_prose_only`) is never
    formatted, whatever its ``c-format`` or ``python-format`` flag guessed: the
    translation's percent signs are text, and a directive it adds prints as typed (an
    error).

    Precondition ``%``, ``{`` or ``％``: every placeholder, and every full-width look-alike
    of one, has one of them.
    """
    if not any(c in text for text in (unit.source_text, *unit.forms) for c in "%{％"):
        return  # nothing that could be a placeholder on either side
    named_by_percent = _percent_named(unit.source_text)
    if named_by_percent:
        # %user%, filled by replace: compared as names, whatever a format flag guessed
        yield from _percent_name_problems(unit)
        if "{" not in unit.source_text:
            return
    # Babel adds python-format to any string with a %s; a flag is text a translator may
    # edit, so a source with %(name)s is compared as Python reads it, whatever the flags
    if (
        "c-format" in unit.flags
        and not named_by_percent
        and not python_placeholders(unit.source_text).named
        and not _prose_only(unit.source_text)  # "% of exp. shared": a caption, never formatted
    ):
        yield from _c_format(unit)
        return
    if unit.msgid_plural is None and "python-brace-format" not in unit.flags:
        text = unit.forms[0] if unit.forms else ""
        if "{" not in unit.msgid and "{" not in text:
            have = python_placeholders(text)
            if (
                not have.invalid
                and have == python_placeholders(unit.msgid)
                and not _repeated(text, python=True, brace=False)
                and not _SPACE_FLAG.search(text)
            ):
                return  # the common case: the same placeholders on both sides
    python = not named_by_percent and _uses_python_format(unit)
    all_named = _python_fields(unit.source_text).named if python else set()
    all_brace = brace_placeholders(unit.source_text)
    # a LaTeX document's line (``\\date{}``): every brace of the source a TeX argument, and
    # one at least, as a field (``{}``) or as words (``\\currentpdfbookmark{Le corrigé}``)
    tex = all_brace == _tex_arguments(unit.source_text) and (
        bool(all_brace) or _TEX_BRACED.search(unit.source_text) is not None
    )
    # a source with no directive, or only percent signs in prose ("% of", "50% off"),
    # prints a directive its translation adds as typed
    plain = "%" not in unit.source_text or _prose_only(unit.source_text)
    added = _added_directives(unit) if plain and not python and not named_by_percent else {}
    if not all_brace:
        yield from _added_to_plain(unit, added)
        yield from _added_field_access(unit)
    plural_only = _plural_only(unit, python)
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        single = _serves_one_number(unit, index)
        if python:
            want = _python_fields(source)
            have = _python_fields(text)
            # A source that % cannot format (a strftime format, "%Y", a help text naming
            # codes; named placeholders beside unnamed ones, "%(n)s % complete", which %
            # refuses with a mapping or a tuple alike) is not formatted: its translation's
            # codes are text (a prose percent sign, "%(n)s%"), and so is a count.
            formatted = not want.invalid and not (want.named and want.positional)
            for bad in have.invalid if formatted else ():
                yield problem(
                    unit, index, f"invalid placeholder {bad!r}; write %% for a literal percent sign"
                )
            optional = all_named - want.named  # e.g. %(num)s in a form used only for n == 1
            missing: Set[str] = want.named - have.named - (plural_only if single else set())
            if "%(hashtag)s" in missing and _written_hashtag(text, unit):
                missing = missing - {"%(hashtag)s"}  # the hashtag, written out: the
                # hashtags check judges it (a localized variant is how translators do it)
            if "%(url)s" in missing and _written_link(text):
                missing = missing - {"%(url)s"}  # a link written in its place: the urls
                # check says whose it is (one cause, one finding)
            linked = _link_written_out(source, text, missing)
            for name in sorted(linked):
                yield problem(
                    unit,
                    index,
                    f"placeholder {name}, the whole link of an href or src, is written as a "
                    "literal link: fine only if the program always passes that very link (a "
                    "constant of the template); a link made for each reader (to reset a "
                    "password, to unsubscribe) is lost",
                    yields_to="urls",
                )
            missing = missing - linked
            spaced = _space_flagged(source, text, PYTHON_PLACEHOLDER) if formatted else []
            # "%(time) sitten": the source's %(time)s with a space flag, not another name
            respaced = {s.written for s in spaced if s.named and s.bare in want.named}
            have_named = (have.named - respaced) | {s.bare for s in spaced if s.written in respaced}
            missing = missing - have_named
            extra = have_named - want.named - optional
            wide = _full_width(text, missing)
            for name, written in wide.items():
                yield problem(
                    unit,
                    index,
                    f"placeholder {name} is typed with a full-width percent sign “{written}” "
                    "(U+FF05 ％, from a Chinese or Japanese keyboard): type the ASCII % so "
                    "that it is filled in",
                )
            missing = missing - wide.keys()
            yield from _differences(unit, index, missing, extra, single=single)
            counted = True
            for spaced_problem, accounted in _space_flag_problems(
                unit, index, spaced, want, have, respaced
            ):
                yield spaced_problem
                counted = counted and not accounted
            if (
                formatted
                and counted
                and want.positional != have.positional
                and not (want.named or have.named)
            ):
                expected = sum(want.positional.values())
                got = sum(have.positional.values())
                quoted = _positional_conversions(want.positional, have.positional)
                unused = single and _ignores_unused(unit) and have.positional < want.positional
                yield problem(
                    unit,
                    index,
                    f"the source has {expected} positional placeholder(s) "
                    f"({_describe(want.positional)}), the translation {got} "
                    f"({_describe(have.positional)})"
                    + (
                        ": the same values, shown with another of %s, %r, %a (quotes may "
                        "change); fine if the translation quotes them its own way"
                        if quoted
                        else ": fine if the words say it (a form used for one number only, "
                        "and JavaScript's interpolate leaves an argument unused)"
                        if unused
                        else ""
                    ),
                    "warning" if quoted or unused else "error",
                )
        for name, written in _repeated(text, python=python, brace=bool(all_brace)):
            if written not in source:
                yield problem(
                    unit,
                    index,
                    f"placeholder {name} is repeated (“{written}”): the supporter would read "
                    "its value twice; write it once",
                )
        if "{{" in source and _template_variables(unit.source_text):
            want_vars, have_vars = _template_variables(source), _template_variables(text)
            yield from _differences(
                unit, index, want_vars - have_vars, have_vars - want_vars, single=single
            )
        if all_brace or "python-brace-format" in unit.flags:
            want_brace, have_brace = _numbered(source, text)
            optional_brace = all_brace - want_brace
            missing = want_brace - have_brace - (plural_only if single else set())
            # "{}" typed as "%s": one placeholder renamed, not one missing and one added
            brace_extra = (have_brace - want_brace - optional_brace) | set(added.get(index, ()))
            if tex:
                for name in sorted(_tex_danger(text) - _tex_danger(source)):
                    yield problem(
                        unit,
                        index,
                        f"TeX {name} is not in the source: it reads or writes a file, runs a "
                        "program or redefines a command (^^ spells any of them): injected "
                        "markup; keep the source's commands",
                    )
                # the source's TeX arguments are its words (``\textbf{maximum}``): one
                # translated (``\textbf{máximo}``) is an argument for an argument, nothing
                # to say; one left out, or added to a command the source does not give as
                # many, is a warning
                # a field that reads a value (``{user.password}``) is str.format's, never
                # TeX words, whatever command it follows
                dropped = {n for n in missing & _tex_arguments(source) if not _reads_value(n)}
                argued = {n for n in _tex_arguments(text) if not _reads_value(n)}
                for name in sorted(n for n in dropped if not _tex_kept(n, source, text)):
                    yield problem(
                        unit,
                        index,
                        f"{name} follows a TeX command, as the source's braces all do: a TeX "
                        "argument left out, no placeholder (fine unless the program formats "
                        "this text)",
                        "warning",
                    )
                for name in sorted(
                    n for n in brace_extra & argued if not _tex_kept(n, text, source)
                ):
                    yield problem(
                        unit,
                        index,
                        f"{name} is not in the source, but follows a TeX command, as the "
                        "source's braces all do: a TeX argument, no placeholder (fine unless "
                        "the program formats this text)",
                        "warning",
                    )
                missing = missing - dropped
                brace_extra = brace_extra - argued
            for written, other, how in _respecified(missing, brace_extra):
                missing = missing - {written}
                brace_extra = brace_extra - {other}
                message = f"placeholder {written} is written {other}: {how}"
                yield problem(unit, index, message, "warning")
            # str.format leaves an argument unused without a word, as % does a mapping's
            yield from _differences(unit, index, missing, brace_extra, single=single)


#: One argument a TeX command is given before the brace of a field: an optional one,
#: ``\usepackage[catalan]{babel}``, PSTricks' coordinates, ``\rput(0,-1){Effectif}``, or an
#: earlier brace argument, ``\currentpdfbookmark{Le corrigé}{Corrigé}``.
_TEX_GROUP = r"\[[^\]\[{}]*\]|\([^(){}\n]{0,40}\)|\{[^{}\n]{0,200}\}"
#: What may stand between a TeX command's name and a brace argument: a star,
#: ``\section*{Intro}``, then any of :data:`_TEX_GROUP`.
_TEX_OPTIONS = r"\*?(?:" + _TEX_GROUP + ")*"
#: A TeX command given a brace argument, anywhere in a text.
_TEX_BRACED = re.compile(r"\\[A-Za-z]{2,}" + _TEX_OPTIONS + r"\{")
#: A TeX command and all its optional and earlier arguments, read in one pass
#: (:func:`_tex_argument_starts`), and one of those arguments. Two letters at least:
#: ``\n{count}`` is an escaped line break before a field, in a string a program formats.
_TEX_RUN = re.compile(r"\\([A-Za-z]{2,})(" + _TEX_OPTIONS + ")")
_TEX_OPTION = re.compile(r"\*|" + _TEX_GROUP)


def _tex_argument_starts(text: str) -> dict[int, str]:
    r"""Where each brace argument of a TeX command in ``text`` opens, and the command's name:
    each ``{`` among its arguments (:data:`_TEX_RUN`'s) and the one right after them.
    One pass over the text: a search for the command before each brace field, from the
    text's start, took seconds on a long one.

    >>> _tex_argument_starts(r"\rput(0,-1){A} \frac{1}{2} \n{x}")
    {11: 'rput', 20: 'frac', 23: 'frac'}
    """
    starts: dict[int, str] = {}
    for run in _TEX_RUN.finditer(text):
        name = run.group(1)
        for option in _TEX_OPTION.finditer(run.group(2)):
            if option.group().startswith("{"):
                starts[run.start(2) + option.start()] = name
        if text.startswith("{", run.end()):
            starts[run.end()] = name
    return starts


def _reads_value(field: str) -> bool:
    """Whether the brace field ``field`` reads an attribute or item of its argument or
    converts it (``{user.password}``, ``{count[secret]}``, ``{count!r}``): what str.format
    does with a value, never a TeX command's words.

    >>> _reads_value("{user.password}"), _reads_value("{count!r}"), _reads_value("{Total}")
    (True, True, False)
    """
    m = BRACE_PLACEHOLDER.fullmatch(field)
    return m is not None and (
        any(c in m.group("name") for c in ".[") or "!" in field[len(m.group("name")) + 1 :][:1]
    )


def _tex_arguments(text: str) -> set[str]:
    r"""The brace fields of ``text`` that follow a TeX command (:func:`_tex_commands`): the
    command's arguments in a LaTeX document translated line by line, not placeholders.

    >>> sorted(_tex_arguments(r"\date{}\n\usepackage[catalan]{babel} {user}"))
    ['{babel}', '{}']
    >>> sorted(_tex_arguments(r"\input{secret} \write18{ls} \href{x}"))
    []
    """
    if "\\" not in text:
        return set()
    return {
        field
        for field, commands in _tex_commands(text)[0].items()
        # {0.__init__.__globals__}: str.format's walk to a value, no TeX argument
        if not _FORMAT_ACCESS.match(field[1:]) and commands - _TEX_DANGER
    }


def _tex_kept(argument: str, source: str, text: str) -> bool:
    r"""Whether ``text`` gives each TeX command that takes ``argument`` in ``source`` an
    argument of its own as often: the argument translated, maybe in words a brace field
    cannot name (``\textbf{maximum}`` written ``\textbf{máximo}``, ``\textsc{pgcd}``
    ``\textsc{MCD}``); read the other way round, for an argument the translation adds.

    >>> _tex_kept("{maximum}", r"le \textbf{maximum} de", r"el \textbf{máximo} de")
    True
    >>> _tex_kept("{maximum}", r"le \textbf{maximum} de", r"el máximo de")
    False
    """
    commands = _tex_commands(source)[0].get(argument, ())
    # each argument a command is given counts, not each command: ``\textbf{x}{y}`` gives
    # ``\textbf`` two where ``\textbf{x}`` gives it one
    given, taken = _tex_commands(text)[1], _tex_commands(source)[1]
    return bool(commands) and all(given[name] >= taken[name] for name in commands)


@functools.lru_cache(maxsize=64)
def _tex_commands(text: str) -> tuple[dict[str, set[str]], Counter[str]]:
    """The TeX commands each brace field of ``text`` is an argument of, and how many brace
    arguments each command is given (:func:`_tex_argument_starts`): read once per text, not
    once per field (a text of thousands of fields)."""
    starts = _tex_argument_starts(text)
    commands: dict[str, set[str]] = {}
    for m in BRACE_PLACEHOLDER.finditer(text):
        if m.start() in starts:
            commands.setdefault(m.group(0), set()).add(starts[m.start()])
    return commands, Counter(starts.values())


#: A brace field reading an attribute or item of a positional argument (``{0.__class__}``,
#: ``{[key]}``): what str.format does with a value, never a TeX command's argument.
_FORMAT_ACCESS = re.compile(r"\d*[.\[]")
#: A TeX control word, a control symbol ``\\`` (a line break, skipped: ``\\input`` is one
#: and the word ``input``) or TeX's ``^^`` notation, which writes any character (``\inp^^75t``
#: is ``\input``).
_TEX_TOKEN = re.compile(r"\\\\|\\([A-Za-z@]+)|\^\^")


def _tex_danger(text: str) -> Counter[str]:
    r"""The commands of :data:`_TEX_DANGER` ``text`` writes, with or without a brace
    (``\input secret`` reads a file as ``\input{secret}`` does; ``\@@input``, LaTeX's name
    for the primitive, is ``\input``), and TeX's ``^^`` notation, which can spell any of them.

    >>> sorted(_tex_danger(r"\title{} \@@input /etc/passwd \immediate\write18\bgroup ls\egroup"))
    ['\\immediate', '\\input', '\\write']
    >>> _tex_danger(r"\date{}\\include \usepackage[catalan]{babel}")
    Counter()
    >>> sorted(_tex_danger(r"\inp^^75t"))
    ['^^']
    """
    found: Counter[str] = Counter()
    for m in _TEX_TOKEN.finditer(text):
        if m.group(0) == "^^":
            found["^^"] += 1
        elif m.group(1) is not None and (name := m.group(1).strip("@")) in _TEX_DANGER:
            found[f"\\{name}"] += 1
    return found


#: TeX commands whose argument reads or writes files, runs a shell, links or redefines
#: (``\input{/etc/passwd}``, ``\write18{…}``, ``\href{https://evil.com}``): never a
#: harmless argument, an error as any brace the source lacks.
_TEX_DANGER = frozenset(
    {
        "input",
        "include",
        "includeonly",
        "InputIfFileExists",
        "openin",
        "openout",
        "read",
        "write",
        "immediate",
        "href",
        "url",
        "special",
        "def",
        "gdef",
        "edef",
        "xdef",
        "newcommand",
        "renewcommand",
        "providecommand",
        "catcode",
        "csname",
        "directlua",
        "lstinputlisting",
        "verbatiminput",
        "includegraphics",
        "usetikzlibrary",
        "ShellEscape",
        "endcsname",
        "scantokens",
        "filecontents",
        "import",
        "subimport",
        "subfile",
        "includepdf",
        "inputminted",
        "VerbatimInput",
        "pdffiledump",
        "luaexec",
        "newenvironment",
        "renewenvironment",
        "DeclareRobustCommand",
        "NewDocumentCommand",
        "RenewDocumentCommand",
        "let",
        "futurelet",
        "latelua",
        "pdfstartlink",
        "DeclareDocumentCommand",
        "ProvideDocumentCommand",
    }
)


def _numbered(source: str, text: str) -> tuple[set[str], set[str]]:
    """The brace fields of ``source`` and ``text``, with automatic numbering written out
    where one side numbers its fields automatically and the other by hand: ``{}`` is ``{0}``
    for ``str.format`` (the second ``{}`` is ``{1}``). Where the source numbers automatically,
    a translation that reorders fields must number them (``{1} … {0}``). Where the source
    numbers by hand, its translation's ``{}`` are written out only if the source's numbers
    are the automatic ones, ``{0}`` … ``{n-1}`` in order, each once (``Environment type {0}
    is unknown`` written ``… {} inconnu``): then both read the same arguments in the same
    order; a source that reorders (``{1} by {0}``) or repeats a field keeps the translation's
    ``{}`` as they are, an error. A translation that mixes both kinds keeps its ``{}``:
    ``str.format`` refuses such a string.

    >>> sorted(_numbered("Unsupported state: {}", "מצב לא נתמך: {0}")[1])
    ['{0}']
    >>> sorted(_numbered("{} of {:d}", "{1:d} de {0}")[0])
    ['{0}', '{1:d}']
    >>> sorted(_numbered("{} of {}", "{} de {1}")[1])
    ['{1}', '{}']
    >>> sorted(_numbered("Type {0} of {1:d}", "Type {} de {:d}")[1])
    ['{0}', '{1:d}']
    >>> sorted(_numbered("{1} by {0}", "{} par {}")[1])
    ['{}']
    """
    want, have = brace_placeholders(source), brace_placeholders(text)
    fields = list(BRACE_PLACEHOLDER.finditer(source))
    written = list(BRACE_PLACEHOLDER.finditer(text))
    if not fields or not written:
        return want, have
    if all(not m.group("name") for m in fields):  # the source numbers automatically
        if not all(m.group("name").isdigit() for m in written):
            return want, have
        return {f"{{{i}{m.group(0)[1:]}" for i, m in enumerate(fields)}, have
    in_order = [m.group("name") for m in fields] == [str(i) for i in range(len(fields))]
    if in_order and all(not m.group("name") for m in written):
        return want, {f"{{{i}{m.group(0)[1:]}" for i, m in enumerate(written)}
    return want, have


#: A brace field taken apart: the argument it reads (``0``, ``name``, ``0[key]``), its
#: conversion (``!r``) and its format spec (what follows the colon).
_BRACE_PARTS = re.compile(
    r"\{(?P<field>(?:\[[^\]]*\]|[^!:\[\]])*)(?P<conversion>![rsa])?(?::(?P<spec>.*))?\}", re.S
)
#: A strftime directive (``%B``, ``%-d``, ``%Y``): a format spec with one formats a date or
#: time, whose ``__format__`` is ``strftime``.
_STRFTIME = re.compile(r"%[-_0^#]?[A-Za-z]")


def _respecified(missing: Set[str], extra: Set[str]) -> list[tuple[str, str, str]]:
    """``(source's field, translation's field, why it is fine)`` for each brace field of the
    source that the translation writes with the same argument and conversion and another
    format spec, of two kinds only, both of which format any value the source's field
    formats:

    - a date's format localised: the source's spec has a strftime directive (``{0:%B %Y}``:
      the value is a date, or the source itself would fail), and so has the translation's,
      or it has none (``{0:%Y %B}``, ``{2:%-d %B}``: the day before the month, as French
      writes it);
    - the spec left out (``{1:0>2}`` written ``{1}``): ``format(value, "")`` is
      ``str(value)``, the same value shown plainly, never cut.

    Any other change of spec stays an error: ``{url}`` written ``{url:.19}`` cuts a link
    (``{url:.19}.evil.com``), ``{0:d}`` written ``{0:s}`` raises on a number.

    >>> [pair[:2] for pair in _respecified({"{0:%B %Y}", "{1:0>2}"}, {"{0:%Y %B}", "{1}"})]
    [('{0:%B %Y}', '{0:%Y %B}'), ('{1:0>2}', '{1}')]
    >>> _respecified({"{url}", "{0:d}"}, {"{url:.19}", "{0:s}"})
    []
    """
    found = []
    taken: set[str] = set()
    for written in sorted(missing):
        want = _BRACE_PARTS.fullmatch(written)
        if want is None or not want["spec"]:
            continue
        for other in sorted(extra - taken):
            have = _BRACE_PARTS.fullmatch(other)
            if have is None or (have["field"], have["conversion"]) != (
                want["field"],
                want["conversion"],
            ):
                continue
            date = _STRFTIME.search(want["spec"]) is not None
            if date and (not have["spec"] or _STRFTIME.search(have["spec"])):
                how = (
                    "the same date, its format localised (strftime's %A, %B, %d...: fine if it "
                    "reads right)"
                )
            elif not have["spec"]:
                how = (
                    f"the same value without its format spec ({want['spec']}: padding, "
                    "precision or a number style): fine if it reads right"
                )
            else:
                continue
            taken.add(other)
            found.append((written, other, how))
            break
    return found


def _template_variables(text: str) -> set[str]:
    """The template variables of ``text``
    (:data:`outreach.placeholders.TEMPLATE_VARIABLE`), written ``{{ name }}`` whatever the
    spacing: a string with them is rendered as a template, and a
    variable renamed (translated: ``{{ pedido.tienda }}`` for ``{{ order.shop }}``) renders
    empty or fails.

    >>> sorted(_template_variables("{{order.shop}} - {{ order.identifier|upper }}"))
    ['{{ order.identifier|upper }}', '{{ order.shop }}']
    """
    if "{{" not in text:
        return set()
    return {
        "{{ " + re.sub(r"\s+", "", m.group(1)) + " }}"
        for m in TEMPLATE_VARIABLE.finditer(text)
        if re.split(r"[.|\s]", m.group(1), maxsplit=1)[0] not in _TEMPLATE_KEYWORDS
    }


#: Words no template looks up as a variable (Jinja's and Django's operators and literals):
#: ``{{ and }}`` is the two braces named in prose ("use {{ and }} literally").
_TEMPLATE_KEYWORDS = frozenset(
    {"and", "or", "not", "in", "is", "if", "else", "true", "false", "none"}
    | {"True", "False", "None"}
)


_INTEGER_ALIAS = re.compile(r"i$")


def _python_fields(text: str) -> Placeholders:
    """``text``'s Python placeholders as the check compares them (:func:`_same_integers`)."""
    return _same_integers(python_placeholders(text))


def _same_integers(found: Placeholders) -> Placeholders:
    """``found`` with each ``%i`` written ``%d``: Python's ``%`` formats both alike (a signed
    decimal), as ``printf`` does, so ``%(count)i`` translated ``%(count)d`` renames nothing
    (``msgfmt -c`` accepts it too).

    >>> sorted(_python_fields("%(count)i of %i").named)
    ['%(count)d']
    >>> _python_fields("%(count)i of %i").positional
    Counter({'d': 1})
    """
    if not any(name.endswith("i") for name in found.named) and "i" not in found.positional:
        return found
    positional = Counter(found.positional)
    if "i" in positional:
        positional["d"] += positional.pop("i")
    return Placeholders(
        frozenset(_INTEGER_ALIAS.sub("d", name) for name in found.named),
        positional,
        found.invalid,
    )


def _repeated(text: str, *, python: bool, brace: bool) -> list[tuple[str, str]]:
    """``(placeholder, as written)`` for each placeholder written twice in a row, with
    nothing but white space between (``%(email)s%(email)s``, ``{name} {name}``).

    >>> _repeated("Escribe a %(email)s%(email)s", python=True, brace=False)
    [('%(email)s', '%(email)s%(email)s')]
    """
    spans: list[tuple[int, int, str]] = []
    if python and "%" in text:
        spans += [(m.start(), m.end(), m.group()) for m in PYTHON_PLACEHOLDER.finditer(text)]
    if brace and "{" in text:
        spans += [(m.start(), m.end(), m.group()) for m in BRACE_PLACEHOLDER.finditer(text)]
    spans.sort()
    found: dict[tuple[str, str], None] = {}
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        if first == second and _names_one_value(first) and not text[end:start].strip():
            found[(first, f"{first}{text[end:start]}{second}")] = None
    return list(found)


def _names_one_value(placeholder: str) -> bool:
    """Whether two of ``placeholder`` in a row show one value twice: a named one
    (``%(email)s``, ``{name}``, ``{0}``), not positional ones (``%s%s``, ``{}{}`` are two
    values)."""
    if placeholder.startswith("%"):
        return placeholder.startswith("%(")
    return not placeholder.startswith(("{}", "{:", "{!"))


def _written_hashtag(text: str, unit: Unit) -> bool:
    """The translation writes a hashtag out where the source has ``%(hashtag)s``: the
    ``hashtags`` check says whether it is an accepted one, misspelled, or another tag."""
    from outreach.platforms import find_hashtags

    info = unit.catalog
    return bool((info.hashtags or info.accepted_hashtags) and find_hashtags(text))


def _full_width(text: str, missing: Set[str]) -> dict[str, str]:
    """Each missing placeholder that ``text`` types with a full-width ``％``, as typed.

    >>> _full_width("残り％(count)s件", {"%(count)s"})
    {'%(count)s': '％(count)s'}
    """
    if "％" not in text:
        return {}
    found = {}
    for match in _FULL_WIDTH.finditer(text):
        name = "%" + match.group()[1:]
        if name in missing:
            found[name] = match.group()
    return found


def _added_directives(unit: Unit) -> dict[int, list[str]]:
    """For a source with no ``%`` directive: the directives each form adds (``%s``)."""
    found = {}
    for index, text in unit.filled_forms():
        if "%" in text:
            written = list(dict.fromkeys(m.group() for m in _ADDED_DIRECTIVE.finditer(text)))
            if written:
                found[index] = written
    return found


def _added_to_plain(unit: Unit, added: dict[int, list[str]]) -> Iterator[Problem]:
    """A source with no placeholder at all: a directive in its translation is never filled,
    and prints as typed (``… %s``); a full-width one is only text."""
    for index, written in added.items():
        for directive in written:
            yield problem(
                unit,
                index,
                f"placeholder {directive} is not in the source, which has none: supporters "
                f"would read “{directive}” as typed; delete it",
            )


#: A brace field that reads an attribute or an item of its argument (``{user.password}``,
#: ``{0.__globals__[SECRET]}``): never a word, and never a Jinja ``{{ … }}``.
_FIELD_ACCESS = re.compile(
    r"(?<!\{)\{(?:[A-Za-z_]\w{0,99}|\d{1,3})(?:\.[A-Za-z_]\w{0,99}|\[[^\]{}]{0,100}\]){1,20}"
    r"(?:![rsa])?(?::[^{}]{0,100})?\}(?!\})"
)


def _added_field_access(unit: Unit) -> Iterator[Problem]:
    """A source without brace fields: a field its translation adds that reads an attribute
    or an item (``{user.password}``, ``{0.__class__}``) is an error whatever the flags say.
    If the program formats the string (``_("Hello").format(user=user)``, which a source
    without fields leaves harmless), ``str.format`` reads what the field names: a secret,
    an object's internals; if it does not, the reader sees the field as typed.

    >>> from outreach.checks.registry import CatalogInfo, Unit
    >>> info = CatalogInfo(locale="es", file="es.po")
    >>> entry = Unit("Hello", None, None, ("Hola {u.pw}",), frozenset(), 1, False, info)
    >>> [p.message[:30] for p in _added_field_access(entry)]
    ['{u.pw} is not in the source, w']
    """
    for index, text in unit.filled_forms():
        if "{" not in text:
            continue
        for written in dict.fromkeys(m.group() for m in _FIELD_ACCESS.finditer(text)):
            if written not in unit.source_text:
                yield problem(
                    unit,
                    index,
                    f"{written} is not in the source, which has no brace field: if the "
                    "program formats this string, str.format reads the attribute or item "
                    "it names (a secret, an object's internals); if not, it shows as "
                    "typed; delete it",
                )


def _written_link(text: str) -> bool:
    """The translation writes a link out where the source has ``%(url)s``."""
    from outreach.tokens import find_urls

    return bool(find_urls(text))


#: A named placeholder that is the whole value of a link attribute: ``href="%(link)s"``.
_LINK_ATTRIBUTE = re.compile(
    r"""\b(?:href|src)\s*=\s*(["']?)(%\([^()]{1,100}\)s)\1""", re.IGNORECASE
)
#: A link attribute's value as written (its quote may be escaped: ``\"``); whether it is a
#: web link is :func:`outreach.urls.is_http_link`'s to say.
_LINK_VALUE = re.compile(r"""\b(?:href|src)\s*=\s*\\?["']?([^\s"'\\>]+)""", re.IGNORECASE)


def _link_written_out(source: str, text: str, missing: Set[str]) -> set[str]:
    """The missing placeholders that are the whole link of an ``href`` or ``src`` in the
    source (``<a href="%(PST_url)s">``) where the translation writes a literal web link in
    such an attribute instead. Their finding yields to the urls check's
    (:attr:`~outreach.checks.registry.Problem.yields_to`): where that reports the link (a
    host the source does not link to), the placeholder's is a warning, one cause, one
    finding; on a host it accepts (the campaign's own, one the source links to), the
    placeholder's stays an error, since a per-reader link (to unsubscribe, to reset a
    password) may have been swapped for a fixed page.

    >>> src = 'Built with <a href="%(u)s">X</a>'
    >>> sorted(_link_written_out(src, '<a href="https://x.example.net/">X</a>で構築', {"%(u)s"}))
    ['%(u)s']
    >>> _link_written_out(src, '<a href="/local">X</a>で構築', {"%(u)s"})
    set()
    """
    names = {m.group(2) for m in _LINK_ATTRIBUTE.finditer(source)} & missing
    if not names or not any(is_http_link(m.group(1)) for m in _LINK_VALUE.finditer(text)):
        return set()
    return names


def _differences(
    unit: Unit, index: int, missing: Set[str], extra: Set[str], *, single: bool = False
) -> Iterator[Problem]:
    swapped = {a: b for a in missing for b in extra if _string_conversions(a, b)}
    for written, other in swapped.items():
        yield problem(
            unit,
            index,
            f"placeholder {written} is written {other}: the same value, shown with "
            f"{_CONVERSION[other[-1]]} instead of {_CONVERSION[written[-1]]} (quotes or "
            "escapes may change); fine if the translation quotes it its own way",
            "warning",
        )
    missing = missing - swapped.keys()
    extra = extra - set(swapped.values())
    for written in sorted(missing):
        padded = next((b for b in sorted(extra) if _number_respecified(written, b)), None)
        if padded is None:
            continue
        missing = missing - {written}
        extra = extra - {padded}
        yield problem(
            unit,
            index,
            f"placeholder {written} is written {padded}: the same number, with another "
            "padding, sign or precision (“05” for “5”); fine if it reads right",
            "warning",
        )
    if len(missing) == 1 and len(extra) == 1:
        renamed = f"placeholder {next(iter(missing))} was renamed to {next(iter(extra))}"
        yield problem(unit, index, renamed)
        return
    for name in sorted(missing):
        if single:
            yield problem(
                unit,
                index,
                f"placeholder {name} is missing from a form used for one number only: fine "
                "if the words say it (“two books”, “the only one”)",
                "warning",
            )
            continue
        yield problem(unit, index, f"placeholder {name} is missing from the translation")
    for name in sorted(extra):
        yield problem(unit, index, f"placeholder {name} is not in the source")


#: Python's conversions that take any value: ``%s`` (str), ``%r`` (repr), ``%a`` (ascii).
_CONVERSION = {"s": "str()", "r": "repr()", "a": "ascii()"}
_NAMED_CONVERSION = re.compile(
    r"%\((?P<name>[^)]*)\)(?P<spec>[#0 +-]*\d*(?:\.\d+)?)(?P<type>[sra])"
)


def _string_conversions(written: str, other: str) -> bool:
    """Whether two named Python placeholders differ only in a conversion that takes any
    value (``%(value)r`` and ``%(value)s``): both format the same value, as ``msgfmt -c``
    accepts, only its quoting differs (a judgement, where another type is an error:
    ``%(days)d`` -> ``%(days)s``).

    Only towards ``%s``: a translation that drops the quotes of ``%r`` quotes its own way;
    one that adds them (``%(url)s`` written ``%(url)r``) puts quotes or escapes into a link or
    an attribute (``href="'https://…'"``), and that stays an error.

    >>> _string_conversions("%(value)r", "%(value)s"), _string_conversions("%(n)d", "%(n)s")
    (True, False)
    >>> _string_conversions("%(url)s", "%(url)r"), _string_conversions("%(v)r", "%(v)a")
    (False, False)
    """
    a, b = _NAMED_CONVERSION.fullmatch(written), _NAMED_CONVERSION.fullmatch(other)
    return (
        a is not None
        and b is not None
        and a["name"] == b["name"]
        and a["spec"] == b["spec"]
        and a["type"] != b["type"]
        and b["type"] == "s"
    )


#: A named conversion of a number, its spec in parts: flags, width, precision.
_NAMED_NUMBER = re.compile(
    r"%\((?P<name>[^)]*)\)(?P<flags>[#0 +-]*)(?P<width>\d*)(?:\.(?P<precision>\d*))?"
    r"(?P<type>[diouxXeEfFgG])"
)


def _number_respecified(written: str, other: str) -> bool:
    """Whether two named Python placeholders format the same number alike but for its
    padding, sign or precision (``%(mins)d`` written ``%(mins)02d``: 5 shown ``05``): the
    same name and conversion (``%i``, ``%u`` are ``%d``), so ``%`` formats every value the
    source's formats (a judgement, a warning). A width or precision of three digits or more
    stays an error (``%(n)999999999d`` builds a string of a billion spaces), as do ``*``
    (it takes an argument of its own) and another conversion (``%(n)x`` raises on a float,
    ``%(n).3s`` cuts a text).

    >>> _number_respecified("%(mins)d", "%(mins)02d"), _number_respecified("%(p).2f", "%(p).1f")
    (True, True)
    >>> _number_respecified("%(n)d", "%(n)999d"), _number_respecified("%(n)d", "%(n)*d")
    (False, False)
    >>> _number_respecified("%(n)d", "%(n)02x"), _number_respecified("%(n)d", "%(m)02d")
    (False, False)
    """
    a, b = _NAMED_NUMBER.fullmatch(written), _NAMED_NUMBER.fullmatch(other)
    if a is None or b is None or a["name"] != b["name"]:
        return False
    integers = str.maketrans("iu", "dd")
    return (
        a["type"].translate(integers) == b["type"].translate(integers)
        and len(b["width"]) <= 2
        and len(b["precision"] or "") <= 2
    )


def _positional_conversions(want: Counter[str], have: Counter[str]) -> bool:
    """Whether positional placeholders differ only in conversions that take any value, as
    many of them (``%r`` written ``%s``).

    >>> _positional_conversions(Counter({"r": 1, "d": 1}), Counter({"s": 1, "d": 1}))
    True
    >>> _positional_conversions(Counter({"d": 1}), Counter({"s": 1}))
    False
    >>> _positional_conversions(Counter({"s": 1}), Counter({"r": 1}))
    False
    """
    rest = {k: v for k, v in want.items() if k not in _CONVERSION}
    other = {k: v for k, v in have.items() if k not in _CONVERSION}
    strings = sum(v for k, v in want.items() if k in _CONVERSION)
    quoting = all(have.get(k, 0) <= want.get(k, 0) for k in ("r", "a"))  # towards %s only
    return (
        rest == other and quoting and strings == sum(v for k, v in have.items() if k in _CONVERSION)
    )


_COUNT_NAMES = frozenset({"n", "num", "number", "count", "total", "amount"})


def _plural_only(unit: Unit, python: bool) -> Set[str]:
    """The placeholders that stand for the count: those only the plural source has, and
    numeric or count-named ones (``%(num)d``, ``%(count)s``, ``{n}``)."""
    if unit.msgid_plural is None:
        return set()
    plural: Set[str]
    singular: Set[str]
    count: Set[str]
    if python:
        plural = _python_fields(unit.msgid_plural).named
        singular = _python_fields(unit.msgid).named
        count = {
            p
            for p in plural | singular
            if p[-1] in "diu" or p[2 : p.index(")")].strip() in _COUNT_NAMES
        }
    else:
        plural, singular, count = set(), set(), set()
    plural_braces = brace_placeholders(unit.msgid_plural)
    braces = plural_braces - brace_placeholders(unit.msgid)
    braces |= {b for b in plural_braces if b[1:-1].split(":")[0].split("!")[0] in _COUNT_NAMES}
    return (plural - singular) | count | braces


def _ignores_unused(unit: Unit) -> bool:
    """Whether the string is formatted by JavaScript (Django's ``interpolate``), which leaves
    an argument the translation does not use unused, where Python's ``%`` raises
    ``TypeError`` ("not all arguments converted"): the ``javascript-format`` flag that
    xgettext and Django's makemessages write for a JS catalog, or a catalog whose references
    name JavaScript sources and no Python one (:attr:`~outreach.checks.registry.
    CatalogInfo.javascript`: Pootle's ``pootle_js.po`` flags ``%s word`` ``python-format``,
    an extractor's guess from the ``%s``). A tool writes one format flag; a
    ``python-format`` beside it is Babel's guess from the ``%s`` (as for ``c-format``,
    :func:`_c_format`). The templates of a campaign pass named values only (Jinja's
    ``trans``), so no positional argument of theirs is ever judged by this flag, and a
    catalog outreach renders or compiles is never a JavaScript one.

    >>> from types import SimpleNamespace as Entry
    >>> plain, script = Entry(javascript=False), Entry(javascript=True)
    >>> [_ignores_unused(Entry(flags=f, catalog=plain)) for f in ({"javascript-format"},
    ...                                                          {"python-format"})]
    [True, False]
    >>> _ignores_unused(Entry(flags={"python-format"}, catalog=script))
    True
    """
    return "javascript-format" in unit.flags or unit.catalog.javascript


def _serves_one_number(unit: Unit, index: int) -> bool:
    if not unit.is_plural:
        return False
    numbers = unit.catalog.numbers_by_form
    return index < len(numbers) and len(numbers[index]) == 1


def _describe(counter: Counter[str]) -> str:
    return ", ".join(f"%{kind}×{count}" for kind, count in sorted(counter.items())) or "none"


#: A printf directive as C (and msgfmt's c-format check) reads it: an optional argument
#: number (``%2$s``, how a translation reorders arguments), flags (``'`` groups thousands),
#: width and precision (``*`` takes an argument), a length modifier, a conversion.
_C_DIRECTIVE = re.compile(
    r"%(?:(?P<arg>[1-9]\d{0,2})\$)?(?P<flags>[-+ #0']{0,10})"
    r"(?P<width>\d{1,20}|\*(?:[1-9]\d{0,2}\$)?)?"
    r"(?:\.(?P<precision>\d{1,20}|\*(?:[1-9]\d{0,2}\$)?))?"
    r"(?P<length>hh|h|ll|l|L|q|j|z|Z|t)?(?P<type>[diouxXeEfFgGaAcspn%])"
)


def c_arguments(text: str) -> tuple[dict[int, str], list[str]]:
    """``({argument number: directive kind}, malformed directives)`` of a c-format string,
    the kind being the length and conversion that C reads the argument as (``%5d`` and
    ``%d`` read an ``int`` alike; ``%ld`` a ``long``; ``%i`` is ``%d``).

    >>> c_arguments("%2$s sur %1$d, %%")
    ({2: 's', 1: 'd'}, [])
    >>> c_arguments("%s de %lu %y")
    ({1: 's', 2: 'lu'}, ['%y'])
    """
    arguments: dict[int, str] = {}
    invalid: list[str] = []
    following = 1
    position = 0
    for match in _PERCENT_SIGN.finditer(text):
        if match.start() < position:
            continue
        spec = _C_DIRECTIVE.match(text, match.start())
        if spec is None:
            invalid.append(text[match.start() : match.start() + 2])
            position = match.end()
            continue
        position = spec.end()
        if spec.group("type") == "%":
            continue
        for part in ("width", "precision"):
            if spec.group(part) == "*":
                arguments.setdefault(following, "d")
                following += 1
        kind = (spec.group("length") or "") + spec.group("type").replace("i", "d")
        number = int(spec.group("arg")) if spec.group("arg") else following
        following = number + 1
        arguments.setdefault(number, kind)
    return arguments, invalid


_PERCENT_SIGN = re.compile("%")


def _c_format(unit: Unit) -> Iterator[Problem]:
    """A ``c-format`` string, compared as msgfmt's ``-c`` does (its ``python-format`` flag is
    Babel's guess from a ``%s``, not the file's; gettext writes one format flag): the
    translation reads the source's arguments, each as the same kind, in any order
    (``%2$s … %1$s``). Errors: an argument missing (a warning in a plural form used for one
    number, which may say it in words), one added, read as another kind, or a malformed
    directive; each is certain, as C reads the wrong memory or prints it as typed."""
    for index, text in unit.filled_forms():
        want, _ = c_arguments(unit.source_for(index))
        have, invalid = c_arguments(text)
        for bad in invalid:
            yield problem(
                unit, index, f"invalid placeholder {bad!r}; write %% for a literal percent sign"
            )
        single = _serves_one_number(unit, index)
        for number in sorted(want.keys() - have.keys()):
            yield problem(
                unit,
                index,
                f"argument {number} (%{want[number]}) of the source is missing from the "
                "translation" + (": fine if the words say it" if single else ""),
                "warning" if single else "error",
            )
        for number in sorted(have.keys() - want.keys()):
            yield problem(
                unit,
                index,
                f"argument {number} (%{have[number]}) is not in the source, which passes "
                f"{len(want)}",
            )
        if _SPACE_FLAG.search(text):
            same = want == have
            for spaced in _space_flagged(unit.source_for(index), text, _C_DIRECTIVE):
                if spaced.rest:
                    fix = f"“{spaced.bare} {spaced.written[-1]}{spaced.rest}”" if same else None
                    yield problem(unit, index, _glued_message(spaced, fix, percent=not same))
                elif same:
                    yield problem(unit, index, _spaced_message(spaced), "warning")
        for number in sorted(want.keys() & have.keys()):
            if want[number] != have[number]:
                yield problem(
                    unit,
                    index,
                    f"argument {number} is %{want[number]} in the source, "
                    f"%{have[number]} in the translation",
                )
