"""What a reader copies or relies on as written: command lines, options, code, and numbers.

``code``: a shell command (a line that starts with ``$ ``) and a long option (``--recipient``)
are typed by whoever reads the message; translated, the command fails. Code in backticks
(```` ``x`` ```` or `` `x` ``) or in ``<code>``, ``<kbd>``, ``<samp>`` is usually the same, but
sometimes a label or an example value that a translator rightly translates.

``numbers``: a number in the translation that its source does not have (an amount, a
percentage, a date) changes what the message says or asks: "a 1% fee" that the source never
mentions. Numbers are compared as values, in any digits (``٣٠٠``, ``３００``) and with any
grouping (``300,000`` = ``300.000`` = ``300 000``).

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> info = CatalogInfo(locale="ar", file="ar.po")
>>> def unit(source, text):
...     return Unit(source, None, None, (text,), frozenset(), 5, False, info)
>>> messages(code(unit("Run gpg --recipient KEY", "شغّل gpg --المستلم KEY")))
... # doctest: +ELLIPSIS
['--recipient is not in the translation, which writes “--المستلم” where the source has...']
>>> messages(numbers(unit("Donate today", "تبرع اليوم (رسوم 1%)")))
... # doctest: +ELLIPSIS
['1 is not in the source: the translation says a number the source does not (check the...)']
>>> messages(numbers(unit("Join 300,000 people", "انضم إلى ٣٠٠٬٠٠٠ شخص")))
[]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from outreach.checks.registry import Problem, Unit, entry_check, problem
from outreach.tokens import strip_tokens

__all__ = ["code", "numbers"]

#: A long option as command-line parsers read it: ``--`` and a lower-case name (``--dry-run``,
#: ``--no-cache``), which the words of a language written without spaces may touch on either
#: side (``--full이``, ``詳細は--verboseを使用``); ``--Select--``, ``a--b`` or ``-- note --``
#: are prose.
_OPTION = re.compile(r"(?<![A-Za-z0-9_-])--[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*(?![A-Za-z0-9_-])")
#: A command line: a line that starts with a ``$`` prompt and a program's name (ASCII letters,
#: digits, ``._+/~-``, not ending as a sentence does), with no ``$`` standing alone after it.
#: A TeX fragment opens or closes math the same way (``$ est $``, ``$ racines.``, ``$ élève(s)
#: pour``, which a program joins to math it writes): a lone ``$`` closes math, never a shell
#: word, and prose follows where a program's name would.
#: The name may run into a shell operator (``ls|wc -l``, ``make&&make install``), be a
#: variable (``$EDITOR file``, ``${EDITOR:-vi} file``) or the dot command before a path
#: (``. venv/bin/activate``), which prose never is.
_COMMAND = re.compile(
    r"(?m)^[ \t]*\$ (?=(?:[A-Za-z0-9_+/~.-]*[A-Za-z0-9_+/~-]|\$[A-Za-z_][A-Za-z0-9_]*"
    r"|\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:#%/?=+-][^\s{}]{0,40})?\})(?:[ \t;|&]|$)"
    r"|\.[ \t]+(?:[~./$\"']|[^\s/]{1,100}/))"
    r"(?![^\n]*[ \t]\$(?:[ \t]|$))([^\n]{1,500})$"
)
#: Inline code: reStructuredText's double backticks, Markdown's single ones (not the old
#: ```quote'`` style, which closes with an apostrophe), HTML's code tags.
_CODE = re.compile(
    r"``(?P<rst>[^`\n]{1,200})``|(?<!`)`(?P<md>[^`'\n<>]{1,80})`(?!`)"
    r"|<(?P<tag>code|kbd|samp)(?:\s[^<>]*)?>(?P<html>[^<]{1,200})</(?P=tag)>",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def _code_spans(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(options, commands, code spans)`` of ``text``, each once, in order."""
    if "-" not in text and "$" not in text and "`" not in text and "<" not in text:
        return (), (), ()
    options = tuple(dict.fromkeys(m.group() for m in _OPTION.finditer(text)))
    commands = tuple(dict.fromkeys(m.group(1).strip() for m in _COMMAND.finditer(text)))
    spans = tuple(
        dict.fromkeys(
            (m.group("rst") or m.group("md") or m.group("html") or "").strip()
            for m in _CODE.finditer(text)
        )
    )
    return options, commands, tuple(s for s in spans if s)


@entry_check("code", "error", trigger="[-$`<]")
def code(unit: Unit) -> Iterator[str | Problem]:
    """A command line, an option or code of the source not kept verbatim.

    Errors (certain from the catalog): a ``--option`` of the source that the translation
    does not have and writes something else in its place (``--fájl`` for ``--file``,
    ``-list`` or ``-- membro`` for ``--list`` and ``--member``, ``full--`` in visual order,
    the name without its dashes): an option no program knows, which a reader copies; and a
    ``$ command`` line changed (a ``$`` prompt and a program's name: a TeX fragment's ``$``
    that opens or closes math, ``$ est $``, is no prompt, :data:`_COMMAND`).
    Warnings (a judgement): a ``--option`` left out with nothing
    in its place, which a rephrasing may do rightly (the help of ``--list`` saying "this
    option can be given several times") or wrongly (a clause dropped): the reader types
    nothing wrong, and only a reader of both languages can tell; code in backticks or
    ``<code>`` changed, which is sometimes a label or an example a translator should translate; a
    command line whose only changes are its metavariables (``NAME``, ``<file>``: names the
    reader replaces anyway, which translators may translate; an example's lower-case name,
    ``oldrepo``, written wholly in another script, ``旧リポジトリ``, which no package index,
    host or path reads, among the line's last words; never the program or the word after it,
    a subcommand), or quoted free text (``git
    commit -m "fix the typo"`` with the message translated: several words in the same quotes
    after an option that takes a message or a title, which the shell passes as they are: no
    ``$``, backtick, backslash, ``!``, control character or ``;&|<>``; a quoted word with no
    space, a path or an address, is an argument, and quoted code, ``bash -c "…"``, ``ssh host
    "…"``, is a command: both stay errors). One
    cause, one finding: code that holds a lost option is not reported again, and code that
    is one placeholder (``{cmd}``) yields to the placeholders check's error.

    Precondition ``-``, ``$``, a backtick or ``<``: an option, a command line and a code span
    of the source each start with one of them.
    """
    for index, text in unit.filled_forms():
        options, commands, spans = _code_spans(unit.source_for(index))
        if not (options or commands or spans):
            continue
        lost = [option for option in options if not _has_option(text, option)]
        substitutes = _substitutes(unit.source_for(index), text, lost) if lost else ()
        for option in lost:
            if substitutes:
                yield problem(
                    unit,
                    index,
                    f"{option} is not in the translation, which writes "
                    + ", ".join(f"“{written}”" for written in substitutes)
                    + " where the source has options: a reader who copies the command types an "
                    "option that does not exist; keep it as written",
                )
                continue
            yield problem(
                unit,
                index,
                f"{option} is not in the translation: fine if it refers to the option "
                "otherwise (“this option”), but a reader loses its name; keep it as written",
                "warning",
            )
        for command in commands:
            if command not in text and not any(option in command for option in lost):
                quoted = _free_text_translated(command, text)
                if quoted:
                    yield problem(
                        unit,
                        index,
                        f"the command “$ {command}” is written with its quoted text {quoted} "
                        "translated: fine for free text the reader writes anyway (a message, "
                        "a title), but keep the rest verbatim",
                        "warning",
                    )
                    continue
                renamed = _metavariables_renamed(command, text)
                if renamed:
                    yield problem(
                        unit,
                        index,
                        f"the command “$ {command}” is written with {renamed} translated: fine "
                        "for a name the reader replaces anyway, but keep the rest verbatim",
                        "warning",
                    )
                    continue
                yield problem(
                    unit,
                    index,
                    f"the command “$ {command}” is not in the translation as written: a "
                    "reader who copies it runs something else; keep it verbatim",
                )
        for span in spans:
            if span in text or any(option in span for option in lost):
                continue
            if any(span in command for command in commands):
                continue  # the command line says it
            yield problem(
                unit,
                index,
                f"the code “{span}” is not in the translation as written: keep code "
                "verbatim (fine if it is a label or an example meant to be translated)",
                "warning",
                # ``{cmd}`` renamed or lost: the placeholders check's error says it
                yields_to="placeholders" if _PLACEHOLDER_ONLY.fullmatch(span) else None,
            )


#: A code span that is one placeholder and nothing else (``{cmd}``, ``%(name)s``, ``%s``):
#: the placeholders check owns it, and the code check's warning yields to its error.
_PLACEHOLDER_ONLY = re.compile(r"\{[^{}\s]*\}|%(?:\([^()\s]+\))?[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]")

#: A command line's metavariable, a name the reader replaces: ``NAME``, ``FILE_PATH``,
#: ``<name>``, ``{name}``, ``[name]`` (the conventions of usage lines and man pages).
_METAVARIABLE = re.compile(r"[A-Z][A-Z0-9_]*|<[^<>\s]+>|\{[^{}\s]+\}|\[[^\[\]\s]+\]")


def _metavariables_renamed(command: str, text: str) -> str:
    """The source command's metavariables that a ``$`` line of ``text`` writes otherwise,
    every other word kept in place (``$ manage.py createsuperuser --username NOM`` for
    ``... --username NAME``), joined for a message; empty when no such line is there.

    The translation's word must be a metavariable too, as a reader sees one: capitals
    (``CLÉ``), a bracketed name, or a word of a script without capitals (``パッケージ``), and
    no shell or path characters. ``PACKAGE`` written ``evilpkg`` is another command. An
    argument's lower-case example name may be written wholly in another script
    (:func:`_named_in_script`).

    >>> _metavariables_renamed("gpg --recipient KEY", "$ gpg --recipient CLÉ")
    'KEY'
    >>> _metavariables_renamed("git commit FILE", "$ git confirmer FICHIER")
    ''
    >>> _metavariables_renamed("pip install PACKAGE", "$ pip install evilpkg")
    ''
    """
    words = command.split()
    for match in _COMMAND.finditer(text):
        other = match.group(1).split()
        if len(other) != len(words):
            continue
        pairs = [(at, a, b) for at, (a, b) in enumerate(zip(words, other, strict=True)) if a != b]
        named = [at for at, a, b in pairs if not _METAVARIABLE.fullmatch(a)]
        # an example name in another script: the command's last words, never the program
        # or the word after it (a subcommand: 'git commit' written 'git コミット')
        trailing = named == list(range(len(words) - len(named), len(words)))
        if pairs and all(
            (_METAVARIABLE.fullmatch(a) and _reads_as_metavariable(b))
            or (at > 1 and trailing and _named_in_script(a, b))
            for at, a, b in pairs
        ):
            return ", ".join(a for _, a, _ in pairs)
    return ""


#: An example's name in lower case: a repository, a directory (``oldrepo``, ``my-project``).
_EXAMPLE_NAME = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")


def _named_in_script(word: str, written: str) -> bool:
    """Whether ``written`` gives the example name ``word`` (``oldrepo``) in another script:
    letters of no ASCII at all, with ``_`` or ``-`` (``旧リポジトリ``, ``старое_хранилище``),
    which no package index, host or path reads (nothing to install or reach). A word with
    one ASCII letter (``reqυests``), a dot or a slash is another argument, and so is one of
    full-width or mathematical Latin letters (``ｅｖｉｌ``), which IDNA and NFKC read as
    ASCII.

    >>> _named_in_script("oldrepo", "старое_хранилище"), _named_in_script("oldrepo", "旧リポジトリ")
    (True, True)
    >>> _named_in_script("requests", "reqυests"), _named_in_script("repo", "пример.рф")
    (False, False)
    >>> _named_in_script("oldrepo", "ｅｖｉｌ")
    False
    """
    return (
        _EXAMPLE_NAME.fullmatch(word) is not None
        and any(c.isalpha() for c in written)
        and all(c in "_-" or (c.isalnum() and not c.isascii()) for c in written)
        and re.search(r"[A-Za-z0-9]", unicodedata.normalize("NFKC", written)) is None
    )


#: A quoted argument of a command line, in double or single quotes.
_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")
#: What the shell reads inside quotes (double quotes: ``$``, backticks, ``\\``; ``!`` in an
#: interactive bash), what ends them, what a terminal takes for the end of a pasted line (a
#: carriage return, any control character, a line or paragraph separator), and what a shell
#: that parses the line again (``ssh host git commit -m "…"``, ``watch``) runs or redirects.
_SHELL_ACTIVE = re.compile(r"[$`\\!\"'\x00-\x1f\x7f\x85\u2028\u2029;&|<>]")
#: The options whose argument is a message, a title or a note (``git commit -m``, ``gh pr
#: create --title``): free text. A quoted argument anywhere else may be code the command
#: runs (``bash -c "…"``, ``ssh host "…"``, ``psql -c "…"``, ``sed -e "…"``).
_MESSAGE_OPTION = re.compile(
    r"-m|--message|--title|--body|--description|--comment|--subject|--summary|--notes?|--reason"
)


def _free_text_translated(command: str, text: str) -> str:
    """The source command's quoted free texts that a ``$`` line of ``text`` writes otherwise,
    everything outside the quotes kept (spacing aside), joined for a message; empty when no
    such line is there. A free text is several words in quotes after an option that takes a
    message or a title (:data:`_MESSAGE_OPTION`: ``bash -c "…"`` or ``ssh host "…"`` quote
    code); the translation's must keep the same quotes and hold nothing the shell reads
    there (:data:`_SHELL_ACTIVE`).

    >>> _free_text_translated('git commit -m "fix the typo"', '$ git commit -m "corrige la faute"')
    '“fix the typo”'
    >>> _free_text_translated('git commit -m "fix it"', '$ git commit -m "$(curl x.sh)"')
    ''
    >>> _free_text_translated("git clone 'https://a.org/r'", "$ git clone 'https://b.org/r'")
    ''
    >>> _free_text_translated('bash -c "echo hello world"', '$ bash -c "rm -rf ~ /home"')
    ''
    """
    if '"' not in command and "'" not in command:
        return ""
    outside = " ".join(_QUOTED.sub('""', command).split())
    quotes = list(_QUOTED.finditer(command))
    for match in _COMMAND.finditer(text):
        line = match.group(1)
        if " ".join(_QUOTED.sub('""', line).split()) != outside:
            continue
        others = list(_QUOTED.finditer(line))
        if len(others) != len(quotes):
            continue
        changed = []
        for a, b in zip(quotes, others, strict=True):
            if a.group() == b.group():
                continue
            written = a.group(1) if a.group(1) is not None else a.group(2)
            translated = b.group(1) if b.group(1) is not None else b.group(2)
            before = command[: a.start()].split()
            if (
                a.group()[0] != b.group()[0]
                or not before
                or not _MESSAGE_OPTION.fullmatch(before[-1].removesuffix("="))
                or " " not in written.strip()
                or not translated.strip()
                or _SHELL_ACTIVE.search(translated)
            ):
                break
            changed.append(f"“{written}”")
        else:
            if changed:
                return ", ".join(changed)
    return ""


def _reads_as_metavariable(word: str) -> bool:
    """Whether a reader takes ``word`` for a name to replace: letters (and ``_``, ``-``,
    digits) in capitals or in a script without case, or such a name in ``<>``, ``{}`` or
    ``[]``; never a lower-case word, a path, an address or shell syntax.

    >>> [_reads_as_metavariable(w) for w in ("NOMBRE", "<nom>", "パッケージ", "evilpkg", ";rm")]
    [True, True, True, False, False]
    """
    inner = word[1:-1] if word[:1] + word[-1:] in ("<>", "{}", "[]") else word
    if not inner or not all(c.isalnum() or c in "_-" for c in inner):
        return False
    return inner != word or not any(c.islower() for c in inner)


#: What a translation may write in an option's place: a word of any script after one or two
#: dashes (``--fájl``, ``-list``; not after a letter, as in ``List-Id``), after two and a space
#: where a short option's slash leads to it (``-m /-- membro``; elsewhere `` -- `` is a dash
#: of prose), or before two (``full--``, typed in visual order in a right-to-left line).
_OPTION_LIKE = re.compile(
    r"(?<![\w-])--?[^\W\d_][\w-]*|(?<=/)-- [^\W\d_][\w-]*"
    r"|(?<![\w-])[^\W\d_][\w-]*--(?![\w-])"
)


def _substitutes(source: str, text: str, lost: list[str]) -> tuple[str, ...]:
    """What ``text`` writes in place of the ``lost`` options of ``source``: option-like words
    the source does not have, and a lost option's name without its dashes
    (``»allow-source-mismatch«``)."""
    own = {m.group() for m in _OPTION_LIKE.finditer(source)}
    found = [m.group() for m in _OPTION_LIKE.finditer(text) if m.group() not in own]
    for option in lost:
        name = option[2:]
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) and name not in source.replace(
            option, ""
        ):
            found.append(name)
    return tuple(dict.fromkeys(found))


def _has_option(text: str, option: str) -> bool:
    return any(m.group() == option for m in _OPTION.finditer(text))


#: A number as people write it: digits of any script, grouped by a comma, a full stop, an
#: apostrophe, a (no-break or thin) space or the Arabic separators, with a decimal part.
_NUMBER = re.compile(r"\d+(?:[,.'’\u00a0\u202f\u2009\u066b\u066c ]\d+)*")
#: English words a translation may write as a number: small numbers and ordinals ("one",
#: "first" as 1), months ("March", "Mar" as 3: 3月 in Japanese, Chinese and Korean), noon and
#: midnight (12時, 0時).
_WORDS: dict[str, tuple[str, ...]] = {
    **{
        word: (str(number),)
        for number, word in enumerate(
            [
                "zero",
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
            ]
        )
    },
    **{
        word: (str(number),)
        for number, word in enumerate(
            [
                "first",
                "second",
                "third",
                "fourth",
                "fifth",
                "sixth",
                "seventh",
                "eighth",
                "ninth",
                "tenth",
            ],
            start=1,
        )
    },
    **{
        word: (str(number),)
        for number, names in enumerate(
            [
                ("january", "jan"),
                ("february", "feb"),
                ("march", "mar"),
                ("april", "apr"),
                ("may",),
                ("june", "jun"),
                ("july", "jul"),
                ("august", "aug"),
                ("september", "sep", "sept"),
                ("october", "oct"),
                ("november", "nov"),
                ("december", "dec"),
            ],
            start=1,
        )
        for word in names
    },
    "noon": ("12",),
    "midnight": ("0", "12", "24"),
}


def _value(written: str) -> str:
    """A number as a comparable value: its digits in ASCII, separators and leading zeros
    dropped (``300,000``, ``300.000``, ``٣٠٠٬٠٠٠`` and ``300 000`` are one value).

    >>> _value("300 000"), _value("٣٠٠٬٠٠٠"), _value("３００"), _value("07")
    ('300000', '300000', '300', '7')
    """
    if written.isascii():  # the common case, in C: an ASCII decimal is one of 0-9
        digits = _NOT_ASCII_DIGITS.sub("", written)
    else:
        digits = "".join(str(unicodedata.decimal(c)) for c in written if c.isdecimal())
    return digits.lstrip("0") or "0"


_NOT_ASCII_DIGITS = re.compile(r"[^0-9]+")
#: What separates two numbers in a run :data:`_NUMBER` finds: a comma or space followed by
#: other than 3 digits ("1, 2 and 3"); and what separates a source number's parts ("1.5").
_BETWEEN_NUMBERS = re.compile(r"[,\s\u00a0\u202f\u2009](?!\d{3}(?!\d))")
_NOT_DIGITS = re.compile(r"\D+")
_LOWER_WORD = re.compile(r"[a-z]+")


#: Any decimal digit: ``\d`` is Unicode category Nd, as :meth:`str.isdecimal` (the same on
#: every code point); searched in C, where ``any(c.isdecimal() for c in text)`` called Python
#: once a character (0.3 s of a cold check of 5,000 entries).
_DIGIT = re.compile(r"\d")


#: The argument number of a printf directive (``%2$s``), which a translation reorders.
_ARGUMENT_NUMBER = re.compile(r"%[1-9]\d{0,2}\$")


@functools.lru_cache(maxsize=8192)
def _values(text: str, source: bool) -> frozenset[str]:
    """The numbers of ``text``'s prose (placeholders, links, markup, mentions and hashtags
    left out, a printf argument number too: ``%2$s``); for a source, also the English number
    words it spells out.

    >>> sorted(_values("%2$s sur %1$s: 300 000", False))
    ['300000']
    """
    prose = strip_tokens(_ARGUMENT_NUMBER.sub("%", text) if "$" in text else text)
    found = set()
    for match in _NUMBER.finditer(prose):
        # "1, 2 and 3" is three numbers: a comma or space followed by other than 3 digits
        # separates numbers, not groups
        for part in _BETWEEN_NUMBERS.split(match.group()):
            if part:
                found.add(_value(part))
                if source:  # "1.5" may be written "1,5" or as its parts
                    found.update(_value(p) for p in _NOT_DIGITS.split(part) if p)
    if source:
        for word in _WORDS.keys() & set(_LOWER_WORD.findall(prose.lower())):
            found.update(_WORDS[word])
    return frozenset(found)


@functools.lru_cache(maxsize=256)
def _as_written(numbers: frozenset[int]) -> frozenset[str]:
    """The numbers that select a plural form, as :func:`_value` writes them: worked out
    once a formula and form (about 1,000 numbers each), not once a plural entry.

    >>> sorted(_as_written(frozenset({1, 21})))
    ['1', '21']
    """
    return frozenset(str(n) for n in numbers)


@entry_check("numbers", "warning", trigger=r"\d")
def numbers(unit: Unit) -> Iterator[str | Problem]:
    """A number in the translation that the source does not have (added, or changed).

    A warning: numbers are sometimes rightly localised (a 12-hour time written as 17 h, a
    date written another way), which only a reader can judge. A plural form's own numbers
    ("1 book" for the one-form) and the source's spelled-out numbers ("one") are fine.

    Precondition: a digit (``\\d``, as the check looks for them), without which a form says
    no number.
    """
    for index, text in unit.filled_forms():
        if _DIGIT.search(text) is None:  # no number at all: the common case
            continue
        have = _values(text, False)
        want = _values(unit.source_for(index), True)
        if unit.is_plural:
            want |= _values(unit.source_text, True)
            numbers_of_form = unit.catalog.numbers_by_form
            if index < len(numbers_of_form):
                want |= _as_written(numbers_of_form[index])
        added = sorted(have - want, key=lambda v: (len(v), v))
        if added:
            shown = ", ".join(added)
            verb = "is" if len(added) == 1 else "are"
            yield problem(
                unit,
                index,
                f"{shown} {verb} not in the source: the translation says a number the source "
                "does not (check the amount, date or percentage)",
            )
