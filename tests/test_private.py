"""Pins for the other libraries' private APIs that outreach uses (:mod:`outreach._private`).

Each test names the library and the API in its failure message: when one fails after an
upgrade, that library changed something outreach relies on; see the wrapper's docstring for
what breaks and update ``src/outreach/_private.py``.
"""

from __future__ import annotations

import gettext
import inspect
import io
import re
from pathlib import Path

import babel.messages.pofile as babel_pofile
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

import outreach
from outreach._private import (
    PrivateAPIChanged,
    add_message_if_absent,
    declare_plural_forms,
    declared_plural_forms,
    plural_tokens,
    replaced_po_normalize,
)
from outreach.pofile import write_catalog

# -- Python: gettext._tokenize -------------------------------------------------------------

TOKENIZE = "Python's gettext._tokenize (outreach._private.plural_tokens)"


def test_gettext_tokenize_tokenizes_a_plural_formula() -> None:
    assert hasattr(gettext, "_tokenize"), f"{TOKENIZE} is gone"
    tokens = list(gettext._tokenize("n%10==1 && n%100!=11 ? 0 : 1"))  # type: ignore[attr-defined]
    expected = ["n", "%", "10", "==", "1", "&&", "n", "%", "100", "!=", "11", "?", "0", ":", "1"]
    assert tokens == [*expected, ""], f"{TOKENIZE} changed: {tokens}"


def test_plural_tokens() -> None:
    found = plural_tokens("!n || 0/(n-312000) ? 1 :\t0")
    expected = ["!", "n", "||", "0", "/", "(", "n", "-", "312000", ")", "?", "1", ":", "0"]
    assert found == expected, f"{TOKENIZE} changed: {found}"


def test_plural_tokens_fails_loudly_without_tokenize(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(gettext, "_tokenize")
    with pytest.raises(PrivateAPIChanged, match=r"^Python 3\.\S+: gettext\._tokenize is gone"):
        plural_tokens("n != 1")


# -- Babel: Catalog._num_plurals, Catalog._plural_expr -------------------------------------

PLURALS = "Babel's Catalog._num_plurals/_plural_expr (outreach._private.declared_plural_forms)"

RUSSIAN = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: ru\\n"\n'
    '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && '
    '(n%100<10 || n%100>=20) ? 1 : 2);\\n"\n'
)
RUSSIAN_EXPRESSION = (
    "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
)


def test_catalog_plural_attributes_hold_the_declared_formula() -> None:
    catalog = read_po(io.StringIO(RUSSIAN))
    assert hasattr(catalog, "_num_plurals"), f"{PLURALS}: _num_plurals is gone"
    assert hasattr(catalog, "_plural_expr"), f"{PLURALS}: _plural_expr is gone"
    raw = (catalog._num_plurals, catalog._plural_expr)
    assert raw == (3, RUSSIAN_EXPRESSION), f"{PLURALS} changed: {raw}"
    assert declared_plural_forms(catalog) == (3, RUSSIAN_EXPRESSION)


def test_catalog_plural_attributes_are_none_without_a_formula() -> None:
    # None, not the installed Babel's guess: how outreach tells a declared formula from it
    assert declared_plural_forms(Catalog(locale="es")) == (None, None), f"{PLURALS} changed"
    assert declared_plural_forms(Catalog()) == (None, None), f"{PLURALS} changed"


def test_declared_plural_forms_are_what_babel_reads_and_writes() -> None:
    catalog = Catalog(locale="es", fuzzy=False)
    declare_plural_forms(catalog, 2, "(n != 1)")
    assert declared_plural_forms(catalog) == (2, "(n != 1)")
    used = (catalog.num_plurals, catalog.plural_expr, catalog.plural_forms)
    expected = (2, "(n != 1)", "nplurals=2; plural=(n != 1);")
    assert used == expected, f"{PLURALS}: Babel no longer reads them: {used}"
    stream = io.BytesIO()
    write_po(stream, catalog)
    written = stream.getvalue().decode()
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in written, f"{PLURALS}: {written}"


def test_catalog_plural_attributes_gone_fail_loudly() -> None:
    catalog = Catalog(locale="es")
    del catalog._num_plurals
    message = r"^babel \S+: Catalog\._num_plurals/Catalog\._plural_expr is gone"
    with pytest.raises(PrivateAPIChanged, match=message):
        declared_plural_forms(catalog)
    with pytest.raises(PrivateAPIChanged, match=message):
        declare_plural_forms(catalog, 2, "(n != 1)")


# -- Babel: Catalog._messages --------------------------------------------------------------

MESSAGES = "Babel's Catalog._messages (outreach._private.add_message_if_absent)"

OBSOLETE = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: es\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
    "\n"
    'msgid "Sign"\n'
    'msgstr "Firma"\n'
    "\n"
    '#~ msgctxt "button"\n'
    '#~ msgid "Sign"\n'
    '#~ msgstr "Firmar"\n'
    "\n"
    '#~ msgid "Share"\n'
    '#~ msgid_plural "Shares"\n'
    '#~ msgstr[0] "Comparte"\n'
    '#~ msgstr[1] "Comparten"\n'
)


def test_catalog_messages_are_a_dict_keyed_as_obsolete_is() -> None:
    catalog = read_po(io.StringIO(OBSOLETE))
    messages = getattr(catalog, "_messages", None)
    assert isinstance(messages, dict), f"{MESSAGES} is gone or no longer a dict"
    assert list(messages) == ["Sign"], f"{MESSAGES} changed its keys: {list(messages)}"
    keys = list(catalog.obsolete)
    assert keys == [("Sign", "button"), "Share"], f"{MESSAGES}: obsolete keys changed: {keys}"


def test_add_message_if_absent() -> None:
    catalog = read_po(io.StringIO(OBSOLETE))
    kept = catalog.get("Sign")
    for key, message in list(catalog.obsolete.items()):
        add_message_if_absent(catalog, key, message)
    add_message_if_absent(catalog, "Sign", Message("Sign", "Otra"))
    found = [(m.id, m.context, m.string) for m in catalog if m.id]
    assert found == [
        ("Sign", None, "Firma"),
        ("Sign", "button", "Firmar"),
        (("Share", "Shares"), None, ("Comparte", "Comparten")),
    ], f"{MESSAGES} changed: {found}"
    assert catalog.get("Sign") is kept
    assert catalog.get("Sign", "button") is catalog.obsolete[("Sign", "button")]


def test_catalog_messages_gone_fail_loudly() -> None:
    catalog = Catalog()
    del catalog._messages
    with pytest.raises(PrivateAPIChanged, match=r"^babel \S+: Catalog\._messages is gone"):
        add_message_if_absent(catalog, "x", Message("x"))


# -- Babel: the patched babel.messages.pofile.normalize ------------------------------------

NORMALIZE = "Babel's babel.messages.pofile.normalize (outreach._private.replaced_po_normalize)"

#: Babel's wrapping bug: a wrapped string whose last line ends in white space at the width.
BUGGY = "0 0 0 0000 0000 00000 000000000 0000000000 000000000000 0 \t0000000000\\ \n"


def test_normalize_signature_is_what_the_patch_expects() -> None:
    assert hasattr(babel_pofile, "normalize"), f"{NORMALIZE} is gone"
    parameters = [
        (p.name, p.kind.name, p.default)
        for p in inspect.signature(babel_pofile.normalize).parameters.values()
    ]
    assert parameters == [
        ("string", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty),
        ("prefix", "POSITIONAL_OR_KEYWORD", ""),
        ("width", "POSITIONAL_OR_KEYWORD", 76),
    ], (
        f"{NORMALIZE} changed its signature to {parameters}: the patch ignores added optional "
        "parameters and refuses anything else; check what write_po now passes"
    )


def test_write_po_calls_the_replacement_for_every_string() -> None:
    catalog = Catalog(locale="es", fuzzy=False)
    catalog.add("Sign", "Firma", context="button")
    catalog.obsolete["Old"] = Message("Old", "Viejo")
    calls: list[tuple[str, str, int]] = []

    def shout(string: str, prefix: str, width: int) -> str:
        calls.append((string, prefix, width))
        return f'"{string.upper()}"'

    stream = io.BytesIO()
    with replaced_po_normalize(shout):
        write_po(stream, catalog, width=76, omit_header=True)
    assert calls == [
        ("button", "", 76),
        ("Sign", "", 76),
        ("Firma", "", 76),
        ("Old", "#~ ", 76),
        ("Viejo", "#~ ", 76),
    ], f"{NORMALIZE}: write_po calls it differently: {calls}"
    assert stream.getvalue().decode() == (
        'msgctxt "BUTTON"\nmsgid "SIGN"\nmsgstr "FIRMA"\n\n#~ msgid "OLD"\n#~ msgstr "VIEJO"\n\n'
    )
    assert babel_pofile.normalize.__module__ == "babel.messages.pofile", "patch not undone"


def test_patched_writing_fixes_babels_wrapping() -> None:
    assert babel_pofile.normalize(BUGGY, prefix="#~ ") == (
        '""\n#~ "0 0 0 0000 0000 00000 000000000"\n'
        '#~ " 0000000000 000000000000 0 \\t0000000000\\\\ \\n\\n"'
    ), f"{NORMALIZE} no longer adds a second \\n: outreach's patch may be unnecessary now"
    catalog = Catalog(locale="es", fuzzy=False)
    catalog.obsolete["Gone"] = Message("Gone", BUGGY)
    entries = write_catalog(catalog).decode().split("\n\n", 1)[1]
    assert entries == (
        '#~ msgid "Gone"\n'
        '#~ msgstr ""\n'
        '#~ "0 0 0 0000 0000 00000 000000000"\n'
        '#~ " 0000000000 000000000000 0 \\t0000000000\\\\ \\n"\n\n'
    ), f"{NORMALIZE}: outreach's replacement was not used: {entries!r}"


def test_patch_ignores_added_optional_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    def normalize(
        string: str, prefix: str = "", width: int = 76, first_line_offset: int = 0
    ) -> str:
        raise AssertionError("the original must not run")

    monkeypatch.setattr(babel_pofile, "normalize", normalize)
    with replaced_po_normalize(lambda string, prefix, width: f"{string}|{prefix}|{width}"):
        patched = babel_pofile.normalize
        assert patched("a", prefix="#~ ", width=40, first_line_offset=7) == "a|#~ |40"
        assert patched("b", "", 76, 9) == "b||76"
        assert patched("c") == "c||76"
    assert babel_pofile.normalize is normalize


@pytest.mark.parametrize(
    "signature",
    [
        "text, prefix='', width=76",
        "string, width=76, prefix=''",
        "string, prefix='', width=76, *, x",
    ],
)
def test_patch_refuses_a_changed_signature(monkeypatch: pytest.MonkeyPatch, signature: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"def normalize({signature}):\n    return ''", namespace)
    original = namespace["normalize"]
    monkeypatch.setattr(babel_pofile, "normalize", original)
    message = r"^babel \S+: babel\.messages\.pofile\.normalize is normalize\(.*\), not normalize\("
    with pytest.raises(PrivateAPIChanged, match=message), replaced_po_normalize(lambda s, p, w: s):
        pass
    assert babel_pofile.normalize is original


def test_patch_refuses_a_missing_normalize(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(babel_pofile, "normalize")
    with (
        pytest.raises(PrivateAPIChanged, match=r"babel\.messages\.pofile\.normalize is gone"),
        replaced_po_normalize(lambda s, p, w: s),
    ):
        pass


def test_patch_that_babel_never_called_fails_loudly() -> None:
    original = babel_pofile.normalize
    with (
        pytest.raises(PrivateAPIChanged, match=r"normalize was not called by write_po"),
        replaced_po_normalize(lambda s, p, w: s),
    ):
        pass  # as if write_po no longer called the module's normalize
    assert babel_pofile.normalize is original


def test_patch_is_undone_after_an_error() -> None:
    original = babel_pofile.normalize
    with pytest.raises(KeyError), replaced_po_normalize(lambda s, p, w: s):
        raise KeyError("boom")
    assert babel_pofile.normalize is original


# -- the one place -------------------------------------------------------------------------

PRIVATE_USE = re.compile(
    r"gettext\._tokenize|\._num_plurals|\._plural_expr|\._messages\b|\._factory\b"
    r"|pofile\.normalize\s*=|\bsetattr\("
)


def test_only_private_module_touches_private_apis() -> None:
    package = Path(outreach.__file__).parent
    found = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "_private.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PRIVATE_USE.search(line)
    ]
    assert found == [], "use outreach._private for other libraries' private APIs"
