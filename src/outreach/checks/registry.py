"""The check registry: what a check sees, what it reports, and how checks are declared.

A check is a small pure function with a name and a severity. An *entry check* looks at one
translated entry (a :class:`Unit`) and yields one message per problem; a *catalog check*
looks at the catalog as a whole and yields ``(line, message)`` pairs::

    @entry_check("template-injection", "error", structural=True)
    def template_injection(unit: Unit) -> Iterator[str]:
        for token in ("{{", "{%", "{#"):
            if any(token in form for form in unit.forms) and token not in unit.source_text:
                yield f"{token!r} is not in the source; translations are never templates"

Checks never raise for bad input and never print; the runner turns their messages into
:class:`Finding` objects.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from outreach.findings import CHECK_NAMES, Finding, Severity, summarize
from outreach.plurals import (
    GETTEXT_DEFAULT,
    PluralForms,
    constant_formula,
    known_with_fewer_forms,
)
from outreach.poheader import PoHeader

if TYPE_CHECKING:
    from outreach.campaign import Exemption
    from outreach.pofile import EntryLines
    from outreach.sources import Sources

__all__ = [
    "CATALOG_CHECKS",
    "ENTRY_CHECKS",
    "CatalogCheck",
    "CatalogInfo",
    "EntryCheck",
    "Finding",
    "Problem",
    "Severity",
    "Unit",
    "catalog_check",
    "entry_check",
    "messages",
    "problem",
    "summarize",
]


@dataclass(frozen=True)
class CatalogInfo:
    """What every check may know about the catalog and the campaign.

    ``plural_forms`` is the formula the catalog is used with (its own when it parses);
    ``header`` its header as written (:class:`~outreach.poheader.PoHeader`), and
    ``plural_counts`` how many forms each plural entry writes.
    """

    locale: str
    file: str
    plural_forms: PluralForms = GETTEXT_DEFAULT
    source_locale: str = "en"
    #: the campaign's call-to-action link: what ``%(url)s`` renders as
    url: str = "https://example.org/"
    hashtags: tuple[str, ...] = ()
    accepted_hashtags: tuple[str, ...] = ()
    header: PoHeader = field(default_factory=PoHeader)
    plural_counts: tuple[int, ...] = ()
    is_source: bool = False
    #: every locale's accepted hashtag variants (campaign.toml ``localized_hashtags``)
    hashtag_variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: langdetect's candidates for the text samples that the wrong-language check asked
    #: about (see :mod:`outreach.checks.language`); an empty tuple means "consistent with
    #: the catalog's language". Filled by the runner when a detector is available.
    detections: Mapping[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    #: the source strings as the templates (or the POT) give them, when the campaign has
    #: either (:mod:`outreach.sources`): what each entry translates, whatever its .po says
    sources: Sources | None = None
    #: the campaign's text variables by name (campaign.toml ``[variables]``)
    variables: Mapping[str, str] = field(default_factory=dict)
    #: outreach itself renders or compiles the catalog (a campaign's whose strings its
    #: templates give, or any catalog ``outreach compile`` and rendering gate): with
    #: :attr:`plural_forms`, which it writes into the .mo, so no other reading of a header
    #: without ``Plural-Forms`` applies (:attr:`gettext_reading` is ``None``)
    rendered: bool = False
    #: the campaign has templates (``messages/**/*.j2``) that gave no :attr:`sources` (one
    #: cannot be read or parsed, and there is no POT): its msgids are its templates'
    #: strings all the same, never message keys (:attr:`Unit.keyed`)
    unread_templates: bool = False
    #: JavaScript formats the catalog's strings: its references name JavaScript sources and
    #: no Python one (:func:`outreach.pofile.javascript_catalog`). Never a catalog outreach
    #: renders or compiles (:attr:`rendered`), nor one of a campaign with templates, read or
    #: not: outreach formats those itself
    javascript: bool = False
    #: the organizer's exceptions (campaign.toml ``[[checks.ignore]]``), which drop the
    #: findings they name once the checks have run: a finding that yields to another
    #: check's error (:attr:`Problem.yields_to`) yields only to one that is not excepted
    exemptions: tuple[Exemption, ...] = ()

    @property
    def num_plurals(self) -> int:
        return self.plural_forms.nplurals

    @cached_property
    def sample_values(self) -> dict[str, str]:
        """What the renderer puts in placeholders named after its variables (``%(url)s``,
        ``%(hashtag)s``, campaign.toml's ``[variables]``), for checks that look at a string
        as a supporter would read it."""
        hashtag = self.hashtags[0] if self.hashtags else "#Tag"
        return {**self.variables, "url": self.url, "hashtag": hashtag}

    @property
    def numbers_by_form(self) -> tuple[frozenset[int], ...]:
        """For each plural form, the numbers (0..1000 and round large ones) that select it."""
        return self.plural_forms.numbers_by_form

    @cached_property
    def gettext_reading(self) -> CatalogInfo | None:
        """This catalog as gettext's runtime reads it, where that differs from how outreach
        reads it; ``None`` where the two agree.

        A header that declares no ``Plural-Forms`` leaves outreach with the language's
        usual formula (:attr:`plural_forms`, the one it renders a campaign's catalog with),
        and every gettext runtime (msgfmt's, Python's ``gettext``, Django's, Jed in a
        browser) with ``nplurals=2; plural=(n != 1)``. Which of the two the program that
        ships the catalog uses is not in the catalog: a finding about a plural form that
        holds under one reading only is not certain from it
        (:func:`outreach.checks.runner.run_entry_checks`).

        >>> from outreach.plurals import usual_plural_forms
        >>> usual = usual_plural_forms("ja")  # a file without Plural-Forms, as read:
        >>> header = PoHeader(plural_forms=usual, language="ja")
        >>> ja = CatalogInfo("ja", "ja.po", usual, header=header)
        >>> ja.gettext_reading.plural_forms.header
        'nplurals=2; plural=(n != 1);'
        >>> print(replace(ja, header=PoHeader()).gettext_reading)  # built in memory: no file
        None
        >>> print(replace(ja, rendered=True).gettext_reading)  # outreach renders it: one reading
        None

        A catalog outreach renders or compiles (:attr:`rendered`) has one reading: the .mo
        it writes declares :attr:`plural_forms`, and its renderer uses that, so a form the
        usual formula shows for every number is shown so, whatever gettext would assume.
        """
        if not self.two_readings or self.plural_forms == GETTEXT_DEFAULT:
            return None
        return replace(self, plural_forms=GETTEXT_DEFAULT)

    @property
    def two_readings(self) -> bool:
        """Whether outreach and gettext's runtime read the plural forms otherwise: the header
        declares no ``Plural-Forms``, and the language's usual formula is not gettext's
        default (:attr:`gettext_reading`). The same in either reading."""
        head = self.header
        return not (
            self.rendered
            or head.declared_plural_forms is not None
            or head.language is None
            or head.plural_forms == GETTEXT_DEFAULT
        )

    @property
    def most_shown(self) -> int:
        """The most plural forms some reading of the catalog shows: ``nplurals``, or, with
        :attr:`two_readings`, the more of the usual formula's and gettext's default's (a
        form beyond it is never shown, whichever applies). The same in either reading."""
        if not self.two_readings:
            return self.num_plurals
        return max(self.header.plural_forms.nplurals, GETTEXT_DEFAULT.nplurals)

    @cached_property
    def catalog_wide_count(self) -> int | None:
        """The number of forms every plural entry writes, when there are several, they all
        agree with each other and not with ``nplurals`` (a header typo, reported once at
        the header rather than at every entry)."""
        counts = Counter(self.plural_counts)
        if len(counts) == 1 and len(self.plural_counts) > 1:
            (count,) = counts
            if count != self.num_plurals:
                return count
        return None


#: A translation is far too long past this many times its source's length, plus MAX_EXTRA
#: characters, or past MAX_CHARS (WhatsApp's 65,536, the longest any channel takes).
MAX_GROWTH, MAX_EXTRA, MAX_CHARS = 10, 1000, 65536


#: A message key used as a msgid (:attr:`Unit.keyed`): identifier characters, with an
#: underscore somewhere. Narrower than the blank check's key (``email.footer``, in
#: :mod:`outreach.checks.spacing`), on purpose: a key here turns link errors into warnings,
#: and a dotted name without an underscore may be a host (``example.org``).
_KEY = re.compile(r"(?=[^_]*_)[A-Za-z][A-Za-z0-9]*(?:[_.:-]+[A-Za-z0-9]+)+_*")

#: The msgids of the translators' credits (:attr:`Unit.credits`).
CREDITS = frozenset({"translator-credits", "translator_credits", "translation-credits"})
#: The msgctxts of KDE's credits (``Your names``, ``Your emails``).
CREDITS_CONTEXTS = frozenset({"NAME OF TRANSLATORS", "EMAIL OF TRANSLATORS"})


@dataclass(frozen=True)
class Unit:
    """One catalog entry as the checks see it."""

    msgid: str
    msgid_plural: str | None
    msgctxt: str | None
    forms: tuple[str, ...]
    flags: frozenset[str]
    line: int | None
    fuzzy: bool
    catalog: CatalogInfo
    comments: tuple[str, ...] = ()
    #: where the entry is written (``None`` for a catalog built in memory)
    lines: EntryLines | None = None
    #: the msgid_plural as the .po writes it (``None``: a singular entry); ``msgid_plural``
    #: is the source's, from the templates, when the campaign has them
    written_plural: str | None = None
    #: the msgid stands in for a source text the catalog does not hold: it is the
    #: translation itself, read as its own source (:func:`outreach.checks.runner.
    #: _without_source`), so a check reports what is a danger whatever the source says (a
    #: look-alike host) even where this "source" has it
    stand_in: bool = False

    def line_of(self, form: int | None) -> int | None:
        """The line a translator edits for ``form``: its ``msgstr[N]`` (the first form's, or
        the ``msgstr``, for the whole translation), as msgfmt reports it."""
        if self.lines is None:
            return self.line
        return self.lines.translation_line(form)

    @property
    def is_plural(self) -> bool:
        return self.msgid_plural is not None

    @cached_property
    def unshown_forms(self) -> frozenset[int]:
        """The plural forms of this entry that no whole number selects under the catalog's
        ``Plural-Forms`` (``nplurals=2; plural=0`` never picks form 1): gettext never shows
        them. Known only for a formula that does not read ``n``, or one a translation tool
        writes for the language with fewer forms than the header declares
        (:func:`~outreach.plurals.known_with_fewer_forms`): any other could pick a form for a
        number no sample tries (``n == 1234``), and the formula is the translator's. A form
        CLDR gives fractions (:func:`~outreach.plurals.cldr_fraction_forms`) is shown: a
        JavaScript catalog's ``ngettext`` passes ``1.5`` as it is.

        >>> from outreach.plurals import parse_plural_forms
        >>> def unit(formula: str) -> Unit:
        ...     forms = parse_plural_forms(formula)
        ...     info = CatalogInfo(locale="ja", file="ja.po", plural_forms=forms)
        ...     return Unit("a", "as", None, ("x", "y"), frozenset(), 1, False, info)
        >>> unit("nplurals=2; plural=0;").unshown_forms
        frozenset({1})
        >>> unit("nplurals=2; plural=(n == 1234 ? 1 : 0);").unshown_forms
        frozenset()
        """
        if self.msgid_plural is None:
            return frozenset()
        forms = self.catalog.plural_forms
        if not constant_formula(forms) and not (
            self.catalog.locale and known_with_fewer_forms(forms, self.catalog.locale)
        ):
            return frozenset()
        numbers = self.catalog.numbers_by_form
        return frozenset(i for i in range(len(self.forms)) if i < len(numbers) and not numbers[i])

    @cached_property
    def keyed(self) -> bool:
        """Whether the msgid is a message key, not the source text, in a catalog checked
        without the program's sources: one token of identifier characters with an
        underscore (``TLP_MSG_COLORS__ID_DESCRIPTION``, ``dialog.save_title``; no host
        name has one), translated by text that is not a key. Such a catalog's source text
        lives elsewhere (an English catalog, a resource file), so what a check finds by
        comparing the translation with its source is not certain from this catalog
        (:func:`outreach.checks.runner.run_entry_checks`). A campaign's catalogs have their
        templates' strings as sources, so none of their entries is keyed (nor where the
        templates gave none: :attr:`CatalogInfo.unread_templates`). Nor is one in a
        catalog outreach compiles (:attr:`CatalogInfo.rendered`): what it writes into the
        .mo ships, and no source vouches for a link the translation adds. Nor is a msgid
        in which the link finders find a link (a host may have an underscore:
        ``www.my_site.org``, ``foo_bar.com``): it is the source text that links it.

        >>> info = CatalogInfo(locale="fr", file="fr.po")
        >>> def unit(msgid: str, text: str) -> Unit:
        ...     return Unit(msgid, None, None, (text,), frozenset(), 1, False, info)
        >>> unit("TLP_MSG_COLORS__ID_DESCRIPTION", "Couleurs des messages").keyed
        True
        >>> [unit(m, "Voir x").keyed for m in ("Save", "example.org", "see_also", "a b_c")]
        [False, False, True, False]
        >>> unit("www.my_site.org", "Voir x").keyed  # a link
        False
        """
        info = self.catalog
        if info.sources is not None or info.rendered or info.unread_templates:
            return False
        if self.msgid_plural is not None:
            return False
        text = self.forms[0] if self.forms else ""
        if not _KEY.fullmatch(self.msgid) or _KEY.fullmatch(text.strip()):
            return False
        from outreach.tokens import find_urls

        return not find_urls(self.msgid)

    @property
    def credits(self) -> bool:
        """Whether this is the translators' credits: a message whose translation is, by
        convention, the translators' own names, addresses and pages, never the source's words
        (GNOME's and Launchpad's ``translator-credits``, KDE's ``NAME OF TRANSLATORS`` and
        ``EMAIL OF TRANSLATORS`` contexts, which Launchpad and Weblate fill in).

        >>> info = CatalogInfo(locale="fr", file="fr.po")
        >>> Unit("translator-credits", None, None, (), frozenset(), 1, False, info).credits
        True
        """
        return self.msgid in CREDITS or self.msgctxt in CREDITS_CONTEXTS

    @cached_property
    def oversize(self) -> tuple[int, int] | None:
        """``(form index, length)`` of the first form far longer than its source (more than
        ``MAX_GROWTH`` times plus ``MAX_EXTRA`` characters) or than any platform takes
        (``MAX_CHARS``): a mistake or an attack, and no check need read further. The
        translators' credits (:attr:`credits`) are measured against ``MAX_CHARS`` only: their
        source is a key (``translator-credits``), their translation a list of names that
        grows with every contributor (Launchpad's lists of 40 translators with their pages
        run past 2,000 characters).

        >>> info = CatalogInfo(locale="it", file="it.po")
        >>> names = "Launchpad Contributions:\\n" + "  Anna https://launchpad.net/~anna\\n" * 60
        >>> Unit("translator-credits", None, None, (names,), frozenset(), 1, False, info).oversize
        >>> Unit("Close", None, None, (names,), frozenset(), 1, False, info).oversize
        (0, 2125)
        """
        for index, text in enumerate(self.forms):
            limit = MAX_CHARS
            if not self.credits:
                limit = min(limit, MAX_GROWTH * len(self.source_for(index)) + MAX_EXTRA)
            if len(text) > limit:
                return index, len(text)
        return None

    @cached_property
    def values(self) -> dict[str, str]:
        """What each named placeholder renders as, where that is known: the campaign's
        values, and those the templates bind for this string (``handle=ioc_handle``)."""
        sources = self.catalog.sources
        source = sources.get((self.msgctxt, self.msgid)) if sources is not None else None
        if source is None or not source.values:
            return self.catalog.sample_values
        return {**self.catalog.sample_values, **source.values}

    @cached_property
    def value_sets(self) -> tuple[dict[str, str], ...]:
        """:attr:`values`, then the same with each other value a placeholder renders as
        somewhere (:attr:`outreach.sources.SourceString.variants`: a handle's account on
        another channel, its name in another locale), one placeholder at a time."""
        sources = self.catalog.sources
        source = sources.get((self.msgctxt, self.msgid)) if sources is not None else None
        base = self.values
        sets = [base]
        for name, variants in source.variants.items() if source is not None else ():
            sets.extend({**base, name: value} for value in variants if value != base.get(name))
        return tuple(sets)

    def shown(self, text: str) -> str:
        """``text`` as a supporter reads it: named placeholders filled with their values
        (:attr:`values`; :func:`outreach.placeholders.fill`). Kept per text: the checks ask
        for the same few (the source, each form) about three times an entry each."""
        found = self._shown.get(text)
        if found is None:
            from outreach.placeholders import fill

            found = self._shown[text] = fill(text, self.values)
        return found

    @cached_property
    def _shown(self) -> dict[str, str]:
        return {}

    @property
    def translated(self) -> bool:
        """At least one form has text."""
        return any(self.forms)

    @property
    def source_text(self) -> str:
        """Singular and plural source joined, for "does the source have X" questions."""
        return self.msgid if self.msgid_plural is None else f"{self.msgid}\n{self.msgid_plural}"

    def source_for(self, index: int) -> str:
        """The source string that plural form ``index`` translates.

        A form that only ever serves ``n == 1`` (or 0 and 1, as in French) translates the
        singular source; every other form translates the plural source.
        """
        if self.msgid_plural is None:
            return self.msgid
        numbers = self.catalog.numbers_by_form
        if index < len(numbers) and numbers[index] and numbers[index] <= {0, 1}:
            return self.msgid
        return self.msgid_plural

    def flag_value(self, name: str) -> str | None:
        """The value of a ``name:value`` flag (Weblate's ``max-length:80``), if present."""
        prefix = f"{name}:"
        for flag in self.flags:
            if flag.startswith(prefix):
                return flag[len(prefix) :].strip()
        return None

    def filled_forms(self) -> tuple[tuple[int, str], ...]:
        """``(index, text)`` for each non-empty form that can be shown: forms beyond the
        catalog's ``nplurals`` never are (the ``plurals`` check reports them)."""
        return self._filled_forms

    @cached_property
    def _filled_forms(self) -> tuple[tuple[int, str], ...]:
        """:meth:`filled_forms`, worked out once a unit: the checks ask for them about 23
        times an entry (115,000 generators in a check of one of bench_check.py's
        catalogs: 1.3 % of its instructions, callgrind)."""
        shown = self.forms[: self.catalog.num_plurals] if self.is_plural else self.forms
        return tuple((index, text) for index, text in enumerate(shown) if text)


@dataclass(frozen=True)
class Problem:
    """What an entry check reports: a message, the plural form at fault (``None``: the
    translation as a whole), so that the finding points at that ``msgstr[N]`` line, and its
    severity when it is lower than the check's (``None``: the check's own). A check that can
    report errors registers as ``"error"`` and marks each finding that is a judgement
    ``"warning"``: the severity principle (docs/guide/check.md) is per finding, not per check.

    ``yields_to`` names the check that owns the cause when two checks see it (one cause,
    one finding): where that check reports an error on the same form, this finding steps
    down one severity (an error is a warning, a warning is dropped). A check knows nothing
    of the others; the runner, which runs them all, applies it
    (:func:`outreach.checks.runner.run_entry_checks`)."""

    message: str
    form: int | None = None
    severity: Severity | None = None
    yields_to: str | None = None

    def __str__(self) -> str:
        return self.message


def messages(found: Iterable[str | Problem]) -> list[str]:
    """The messages of what a check found (for reading, as in the docstrings' examples)."""
    return [str(item) for item in found]


def problem(
    unit: Unit,
    index: int,
    message: str,
    severity: Severity | None = None,
    *,
    yields_to: str | None = None,
) -> Problem:
    """``message`` about form ``index`` of ``unit``, with " (plural form N)" appended for a
    plural entry, pointing at that form's line; ``severity`` when it is lower than the
    check's; ``yields_to`` the check that owns the cause (:class:`Problem`)."""
    if not unit.is_plural:
        return Problem(message, None, severity, yields_to)
    return Problem(f"{message} (plural form {index})", index, severity, yields_to)


EntryFunc = Callable[[Unit], Iterable[str | Problem]]
CatalogFunc = Callable[[CatalogInfo], Iterable[tuple[int | None, str]]]


@dataclass(frozen=True, eq=False)  # one object a check: hashed by identity, cheaply
class EntryCheck:
    name: str
    severity: Severity
    structural: bool
    func: EntryFunc
    needs_translation: bool = True
    #: the check's precondition (see :func:`entry_check`): a regular expression character
    #: class, or ``None`` (the check always runs)
    trigger: str | None = None
    #: whether the check also reads the texts with their placeholders filled
    #: (:meth:`Unit.shown`, :attr:`Unit.value_sets`)
    filled: bool = False


@dataclass(frozen=True)
class CatalogCheck:
    name: str
    severity: Severity
    structural: bool
    func: CatalogFunc


ENTRY_CHECKS: dict[str, EntryCheck] = {}
CATALOG_CHECKS: dict[str, CatalogCheck] = {}


def _known(name: str) -> None:
    """A check's name must be one campaign.toml may name (:data:`outreach.findings.
    CHECK_NAMES`): a new check is listed there, or it does not load."""
    if name not in CHECK_NAMES:
        raise AssertionError(f"check {name!r} is not in outreach.findings.CHECK_NAMES")


def entry_check(
    name: str,
    severity: Severity,
    *,
    structural: bool = False,
    needs_translation: bool = True,
    trigger: str | None = None,
    filled: bool = False,
) -> Callable[[EntryFunc], EntryFunc]:
    """Register an entry check.

    ``structural`` checks (placeholders, plurals, markup, injections) gate ``compile``;
    ``needs_translation`` checks run only on translated, non-fuzzy entries.

    ``trigger`` is the check's *precondition*: a character class (a :mod:`re` pattern that
    matches one character, ``"[<]"``) such that the check provably finds nothing in an
    entry none of whose texts -- the source, its plural, the plural the ``.po`` writes, each
    form -- holds one of those characters, as written or normalised (NFKC). ``filled``: the
    check also reads the texts with their placeholders filled (:meth:`Unit.shown`,
    :attr:`Unit.value_sets`), so that what filling can put in them counts too
    (:data:`outreach.placeholders.FILL_ADDS` and the values). The runner tests each entry
    once against the triggers of all the checks it runs and skips a check whose trigger
    cannot hold (:func:`outreach.checks.runner.run_entry_checks`); the check's docstring
    says why its trigger is sound, and ``tests/test_check_triggers.py`` tries it on random
    texts without those characters.
    """

    _known(name)

    def register(func: EntryFunc) -> EntryFunc:
        ENTRY_CHECKS[name] = EntryCheck(
            name, severity, structural, func, needs_translation, trigger, filled
        )
        return func

    return register


def catalog_check(
    name: str, severity: Severity, *, structural: bool = False
) -> Callable[[CatalogFunc], CatalogFunc]:
    """Register a check that looks at the whole catalog (its header, for instance)."""

    _known(name)

    def register(func: CatalogFunc) -> CatalogFunc:
        CATALOG_CHECKS[name] = CatalogCheck(name, severity, structural, func)
        return func

    return register
