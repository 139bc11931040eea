"""The one place where outreach uses other libraries' private APIs.

Each function below wraps one private (underscored or patched) API of the standard library
or of Babel, says why no public API does the job, and what breaks if the library changes
it. ``tests/test_private.py`` pins every one of them with literal expectations, so that an
upgrade that changes one fails there, by name, before it changes a catalog.

A wrapper that finds its API gone raises :class:`PrivateAPIChanged` (a ``RuntimeError``:
outreach needs updating, the user's files are not at fault) naming the library and the API.

This module is a leaf: it imports the standard library and, inside its functions only, the
library concerned, so importing it costs nothing at start-up (``outreach --help`` loads
no Babel).

>>> plural_tokens("n%10==1 ? 0 : 1")
['n', '%', '10', '==', '1', '?', '0', ':', '1']
"""

from __future__ import annotations

import contextlib
import gettext
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from outreach.errors import PrivateAPIChanged

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog, Message

__all__ = [
    "PrivateAPIChanged",
    "add_message_if_absent",
    "declare_plural_forms",
    "declared_plural_forms",
    "plural_tokens",
    "replaced_po_normalize",
]


# -- Python's gettext ----------------------------------------------------------------------


def plural_tokens(expression: str) -> list[str]:
    """The tokens of a C plural expression, as :func:`gettext.c2py` reads it.

    Wraps ``gettext._tokenize`` (CPython 3.7+), without the empty end marker it yields.

    No public API: ``gettext.c2py`` only returns the compiled function, and Python's
    :mod:`tokenize` reads Python, not C (``&&`` would be two ``&``, ``?`` an error). A copy
    of gettext's token pattern could drift from the grammar ``c2py`` accepts, and the point
    of reading the tokens (:func:`outreach.plurals.parse_plural_forms` refuses a formula
    that divides by an expression of ``n``) is to reason about exactly what ``c2py`` runs.

    If Python removes or renames it: :class:`PrivateAPIChanged` on reading any
    ``Plural-Forms``. If its tokens change shape (whitespace kept, operators split or
    joined): a formula dividing by ``n`` could pass the check and divide by zero at render
    time, or a sound one be refused.
    """
    tokenize: Callable[[str], Iterator[str]] | None = getattr(gettext, "_tokenize", None)
    if tokenize is None:
        raise PrivateAPIChanged("Python", "gettext._tokenize", "is gone")
    return [token for token in tokenize(expression) if token]


# -- Babel's Catalog -----------------------------------------------------------------------


def declared_plural_forms(catalog: Catalog) -> tuple[int | None, str | None]:
    """The ``(nplurals, expression)`` a catalog declares (its ``Plural-Forms``) or was
    given, each ``None`` when it has none of its own.

    Wraps Babel's ``Catalog._num_plurals`` and ``Catalog._plural_expr``.

    No public API: ``Catalog.num_plurals``, ``plural_expr`` and ``plural_forms`` fall back
    to the installed Babel's CLDR guess for the locale (``Catalog(locale="es").num_plurals``
    is 3 with Babel 2.19, 2 with 2.18), and nothing public tells a declared formula from
    that guess; outreach's formulas must not depend on the Babel version.

    If Babel renames them: :class:`PrivateAPIChanged` on every catalog read or written.
    """
    try:
        nplurals, expression = catalog._num_plurals, catalog._plural_expr
    except AttributeError:
        raise PrivateAPIChanged(
            "babel", "Catalog._num_plurals/Catalog._plural_expr", "is gone"
        ) from None
    return nplurals, expression


def declare_plural_forms(catalog: Catalog, nplurals: int, expression: str) -> None:
    """Give ``catalog`` its plural formula, as if it had declared it in ``Plural-Forms``.

    Sets Babel's ``Catalog._num_plurals`` and ``Catalog._plural_expr``.

    No public setter. The one public route, assigning
    ``catalog.mime_headers = [("Plural-Forms", header)]``, sets the same two attributes
    from text re-parsed by email's header-parameter parser (values stripped, unquoted,
    RFC 2231-decoded), about 20 µs against 0.04 µs, so the catalog would hold what that
    parser makes of the formula rather than the formula outreach validated; and reading
    the formula back needs the private attributes anyway (:func:`declared_plural_forms`).

    If Babel renames them: :class:`PrivateAPIChanged`. If Babel stops reading them in
    ``num_plurals``/``plural_expr``/``plural_forms``: the formula given would be ignored,
    catalogs would be read and written with the installed Babel's guess (a Spanish
    catalog's ``msgstr[N]`` count changing with the Babel version), and
    ``tests/test_private.py`` fails.
    """
    if not (hasattr(catalog, "_num_plurals") and hasattr(catalog, "_plural_expr")):
        raise PrivateAPIChanged("babel", "Catalog._num_plurals/Catalog._plural_expr", "is gone")
    catalog._num_plurals = nplurals  # type: ignore[assignment]
    catalog._plural_expr = expression  # type: ignore[assignment]


def add_message_if_absent(catalog: Catalog, key: object, message: Message) -> None:
    """Put ``message`` into ``catalog`` under ``key`` (a key of ``catalog.obsolete``: the
    msgid, or ``(msgid, msgctxt)``), unless the catalog has a message under that key.

    Wraps Babel's ``Catalog._messages`` (the dict of messages by key).

    No public API: ``key in catalog`` ignores the context (``(msgid, msgctxt)`` is read as
    a plural msgid, so it looks up ``msgid``), and ``catalog[msgid] = message`` is no plain
    insert: it merges into an existing entry, and an empty msgid is taken as the header and
    re-parsed into the catalog's headers.

    If Babel renames it: :class:`PrivateAPIChanged` when catalogs are merged. If its keys
    change form: revived obsolete entries would be keyed wrongly, and a merge could
    duplicate or drop an old translation.
    """
    messages: dict[object, Message] | None = getattr(catalog, "_messages", None)
    if not isinstance(messages, dict):
        raise PrivateAPIChanged("babel", "Catalog._messages", "is gone or no longer a dict")
    messages.setdefault(key, message)


# -- Babel's PO writer ---------------------------------------------------------------------

_WRAPPING = threading.Lock()  # one write_po at a time runs with the replacement
_NORMALIZE = "babel.messages.pofile.normalize"


@contextlib.contextmanager
def replaced_po_normalize(replacement: Callable[[str, str, int], str]) -> Iterator[None]:
    """Within the block, Babel's PO writer wraps strings with ``replacement(string, prefix,
    width)`` instead of its own ``normalize``; the block must write a PO file with
    ``babel.messages.pofile.write_po`` (with its header).

    Patches ``babel.messages.pofile.normalize``, the module global that ``generate_po``
    calls for every msgid, msgstr and msgctxt, under a lock (the patch is process-wide).

    No public API: ``write_po`` takes only a ``width``; the wrapping itself is fixed, and
    Babel's adds a second ``\\n`` to a string whose wrapped line ends in white space just at
    the width (and is quadratic on long runs of punctuation).

    Robust to a changed signature: it is checked when patching. Babel's today is
    ``normalize(string, prefix='', width=76)``; parameters added after those with defaults
    (Babel's open pull request #1270 adds ``first_line_offset=0`` and passes it from
    ``generate_po``) are accepted and ignored, so outreach's output does not change with
    the Babel version. Renamed, reordered or new required parameters, or no ``normalize``
    at all, raise :class:`PrivateAPIChanged` before anything is written; so does a block
    after which Babel never called the replacement (``generate_po`` no longer uses the
    module global), rather than writing Babel's wrapping silently.
    """
    import babel.messages.pofile as babel_pofile

    with _WRAPPING:
        original = getattr(babel_pofile, "normalize", None)
        if original is None:
            raise PrivateAPIChanged("babel", _NORMALIZE, "is gone")
        prefix_default, width_default = _normalize_defaults(original)
        calls = 0

        def normalize(
            string: str,
            prefix: str = prefix_default,
            width: int = width_default,
            *_extra: object,
            **_options: object,
        ) -> str:
            nonlocal calls
            calls += 1
            return replacement(string, prefix, width)

        babel_pofile.normalize = normalize
        try:
            yield
        finally:
            babel_pofile.normalize = original
        if calls == 0:
            raise PrivateAPIChanged(
                "babel", _NORMALIZE, "was not called by write_po (outreach's wrapping was lost)"
            )


def _normalize_defaults(function: Callable[..., str]) -> tuple[str, int]:
    """The defaults of ``prefix`` and ``width`` of Babel's ``normalize``, after checking
    that its signature is ``(string, prefix, width, <optional>...)``."""
    import inspect

    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        raise PrivateAPIChanged("babel", _NORMALIZE, "has no readable signature") from None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    head = [p.name for p in parameters[:3] if p.kind in positional]
    required = [
        p.name
        for p in parameters[3:]
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    if head != ["string", "prefix", "width"] or required:
        shown = ", ".join(str(p) for p in parameters)
        raise PrivateAPIChanged(
            "babel",
            _NORMALIZE,
            f"is normalize({shown}), not normalize(string, prefix='', width=76, <optional>...)",
        )
    prefix, width = parameters[1].default, parameters[2].default
    return (
        prefix if isinstance(prefix, str) else "",
        width if isinstance(width, int) else 76,
    )
