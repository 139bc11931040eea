"""The .po reader (syntax errors at their real line), the writer (stable bytes), the .mo writer.

The last section holds the reader's untrusted-input tests: a header's charset (decoys,
encodings that do not round-trip) and header tricks are one clear error.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from conftest import SHARE_POST, check_errors, edit_po, po_path, rewrite, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.campaign import load_campaign
from outreach.errors import CatalogError
from outreach.plurals import parse_plural_forms
from outreach.pofile import (
    TEXT_CHARSETS,
    header_charset,
    is_complete,
    iter_messages,
    message_forms,
    parse_po,
    read_catalog,
    write_catalog,
    write_mo,
)
from outreach.render import Renderer

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: es\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
    "\n"
)  # 6 lines: the first entry below starts on line 7


def _read(body: str, header: str = HEADER) -> Catalog:
    return read_catalog((header + body).encode("utf-8"), path="es.po")


# -- syntax errors, each at its line ------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ('msgid "Watch the film\nmsgstr "Mira"\n', 7, "unterminated"),
        ('msgid "a"\nmsgstr "say "hi""\n', 8, "unterminated or malformed"),
        ('msgid "a\\"\nmsgstr "b"\n', 7, "unterminated"),
        ('msgid "a"\nmsgstr "b"\n\nthis is junk\n', 10, "not PO syntax"),
        ('msgid "a"\nmsgstr "b"\n"continues" junk\n', 9, "malformed"),
        ('msgid "a"\n\nmsgid "b"\nmsgstr "c"\n', 7, "msgid has no msgstr"),
        ('msgid "a"\nmsgstr "b"\n\nmsgid "c"\n', 10, "msgid has no msgstr"),
        ('msgid "a"\nmsgstr "b"\n\nmsgstr "c"\n', 10, "without a msgid"),
        ('msgid "a"\nmsgstr "b"\nmsgstr "c"\n', 9, "without a msgid"),
        ('msgctxt "subject"\nmsgstr "b"\n', 8, "without a msgid"),
        ('msgid_plural "b"\nmsgstr "c"\n', 7, "msgid_plural must follow a msgid"),
        ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', 10, "duplicate message definition"),
        (
            'msgctxt "subject"\nmsgid "a"\nmsgstr "b"\n\n'
            'msgctxt "subject"\nmsgid "a"\nmsgstr "c"\n',
            12,
            "duplicate message definition (first defined at line 8)",
        ),
    ],
)
def test_syntax_errors_name_their_line(body: str, line: int, fragment: str) -> None:
    with pytest.raises(CatalogError) as info:
        _read(body)
    error = info.value
    assert error.path == "es.po"
    assert error.line == line
    assert fragment in error.message
    assert str(error).startswith(f"es.po:{line}: ")


def test_every_syntax_error_of_a_file_is_listed_in_line_order() -> None:
    """A file with a duplicate entry early and a msgstr without its opening quote later (as
    a Japanese catalog of Apache Superset has it) names both, not only the first, so that a
    translator fixes the file in one pass."""
    body = (
        'msgid "a"\nmsgstr "b"\n\n'  # 7
        'msgid "c"\nmsgstr "d"\n\n'  # 10
        'msgid "a"\nmsgstr "again"\n\n'  # 13: duplicate of line 7
        'msgid "e"\nmsgstr 日本語"\n\n'  # 16, its msgstr unreadable at 17
        'msgid "f"\nmsgstr "g"\n'  # 19
    )
    with pytest.raises(CatalogError) as info:
        _read(body)
    error = info.value
    assert (error.line, error.message) == (
        13,
        "duplicate message definition (first defined at line 7)",
    )
    assert [line for line, _ in error.others] == [17]
    assert "unterminated or malformed" in error.others[0][1]


@pytest.mark.parametrize(
    "body",
    [
        'msgid "e"\nmsgstr 日本語"\n\nmsgid "f"\nmsgstr "g"\n',  # no "msgid has no msgstr"
        'msgid "e"\nmsgstr 日本語"\n',  # nor at the end of the file
        'msgid "say "hi""\nmsgstr "b"\n',  # no "msgstr without a msgid"
        'msgid "a"\nmsgid_plural "as\nmsgstr[0] "x"\nmsgstr[1] "y"\n',  # nor for msgstr[0]
    ],
)
def test_a_line_that_cannot_be_read_is_one_error_not_a_cascade(body: str) -> None:
    """The keyword an unreadable line held is what the next lines miss: one cause, one error."""
    with pytest.raises(CatalogError) as info:
        _read(body)
    assert "malformed" in info.value.message or "unterminated" in info.value.message
    assert info.value.others == ()


@pytest.mark.parametrize("index", ["16", "99999999999", "9" * 5000])
def test_a_huge_plural_index_is_an_error_at_its_line(index: str) -> None:
    """No language has more than 6 plural forms: ``msgstr[N]`` past 15 is a syntax error at
    its line, found before anything sized by N is built (it was a MemoryError), and also when
    syntax errors are collected rather than raised (a few forms too many are the ``plurals``
    check's to judge)."""
    import tracemalloc

    body = f'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\nmsgstr[{index}] "y"\n'
    tracemalloc.start()
    try:
        with pytest.raises(CatalogError, match="no language has that many plural forms") as info:
            _read(body)
        lenient = None
        with contextlib.suppress(CatalogError):
            lenient = parse_po((HEADER + body).encode(), path="es.po", check_syntax=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.line == 10
    assert peak < 10_000_000  # constant memory: a few catalogs' worth, never N of anything
    assert lenient is None or all(e.written_forms <= 16 for e in lenient.entries.values())


def test_a_string_before_any_keyword() -> None:
    with pytest.raises(CatalogError, match="continues nothing") as info:
        read_catalog(b'"orphan"\n', path="x.po")
    assert info.value.line == 1


def test_invalid_utf8_names_its_line() -> None:
    data = (HEADER + 'msgid "a"\nmsgstr "').encode() + b"\xff" + b'"\n'
    with pytest.raises(CatalogError, match="not valid UTF-8") as info:
        read_catalog(data, path="x.po")
    assert info.value.line == 8


def test_unknown_charset() -> None:
    data = HEADER.replace("UTF-8", "no-such-charset").encode()
    with pytest.raises(CatalogError, match="unknown charset"):
        read_catalog(data, path="x.po")


def test_a_same_msgid_with_and_without_context_is_not_a_duplicate() -> None:
    catalog = _read('msgctxt "subject"\nmsgid "a"\nmsgstr "A"\n\nmsgid "a"\nmsgstr "b"\n')
    assert catalog.get("a", context="subject").string == "A"
    assert catalog.get("a").string == "b"


def test_obsolete_entries_do_not_count_as_duplicates() -> None:
    catalog = _read('msgid "a"\nmsgstr "b"\n\n#~ msgid "a"\n#~ msgstr "old"\n')
    assert catalog.get("a").string == "b"


def test_msgmerge_previous_lines_of_obsolete_entries_are_accepted() -> None:
    # what GNU msgmerge --previous writes for an obsolete fuzzy entry
    body = (
        'msgid "Sign"\nmsgstr "Firma"\n\n'
        '#, fuzzy\n#~| msgid "Watch the film"\n'
        '#~ msgid "Watch the short film"\n#~ msgstr "Mira la película"\n'
    )
    catalog = _read(body)
    assert [m.id for m in catalog.obsolete.values()] == ["Watch the short film"]


def test_line_separators_inside_strings_are_not_line_ends() -> None:
    # U+2028, U+0085 and form feed are line breaks for str.splitlines(), not for gettext
    for text in ("a\u2028b", "a\x85b", "a\x0cb", "a\u2029b", "a\x1cb"):
        catalog = Catalog(locale="es", fuzzy=False)
        catalog.add("Share", text, user_comments=[f"note{text}note"])
        data = write_catalog(catalog)
        again = read_catalog(data, path="es.po")
        assert again.get("Share").string == text
        assert write_catalog(again) == data


# -- the writer: stable bytes ---------------------------------------------------------------
def _sample() -> Catalog:
    catalog = Catalog(locale="ru", project="Mini", version="1.0", fuzzy=False)
    catalog.add("Watch the film", "Смотрите фильм", [("messages/share.j2", 7)])
    catalog.add(
        "Share the film with %(name)s",
        "Поделитесь фильмом с %(name)s",
        [("messages/share.j2", 2)],
        context="subject",
        user_comments=["keep it short"],
        flags=["max-length:60"],
    )
    catalog.add(
        ("%(num)d friend has shared it.", "%(num)d friends have shared it."),
        ("%(num)d друг поделился.", "%(num)d друга поделились.", "%(num)d друзей поделились."),
        [("messages/share.j2", 10)],
    )
    long = " ".join(["Russia has made it a crime to speak openly about gay people."] * 3)
    catalog.add(long, "Россия " * 30, [("messages/share.j2", 12)], auto_comments=["a long one"])
    catalog.add(
        "Love always wins. Share the film now",
        "Любовь всегда побеждает.",
        flags=["fuzzy"],
        previous_id=[long + " and a previous msgid long enough to be wrapped"],
    )
    catalog.add(
        ("One person", "%(count)s people"),
        ("Один", "", ""),
        flags=["fuzzy"],
        previous_id=["One person has signed.", "%(count)s people have signed."],
    )
    catalog.obsolete["Gone"] = catalog["Watch the film"].clone()
    catalog.obsolete["Gone"].id = "Gone"
    return catalog


def test_write_read_write_is_byte_identical() -> None:
    data = write_catalog(_sample())
    once = read_catalog(data, path="ru.po")
    assert write_catalog(once) == data
    assert write_catalog(read_catalog(write_catalog(once), path="ru.po")) == data


def test_previous_msgids_survive_as_previous_msgids() -> None:
    data = write_catalog(_sample())
    text = data.decode()
    assert '#| msgid ""\n#| "Russia has made it' in text
    assert '#| msgid "One person has signed."\n#| msgid_plural "%(count)s people have' in text
    assert "# |" not in text
    catalog = read_catalog(data, path="ru.po")
    fuzzy = catalog.get("Love always wins. Share the film now")
    assert fuzzy.previous_id[0].endswith("and a previous msgid long enough to be wrapped")
    assert fuzzy.user_comments == []
    plural = catalog.get("One person")
    assert plural.previous_id == ["One person has signed.", "%(count)s people have signed."]


def test_written_strings_are_wrapped_at_76_columns() -> None:
    text = write_catalog(_sample()).decode()
    lines = [line for line in text.splitlines() if line.startswith(('"', "msg"))]
    assert any(line == 'msgid ""' for line in lines)  # long strings were wrapped
    for line in lines:
        assert len(line) <= 76 or " " not in line[:76], line


def test_flags_comments_contexts_and_plurals_round_trip() -> None:
    catalog = read_catalog(write_catalog(_sample()), path="ru.po")
    subject = catalog.get("Share the film with %(name)s", context="subject")
    assert subject.flags == {"max-length:60", "python-format"}
    assert subject.user_comments == ["keep it short"]
    plural = catalog.get("%(num)d friend has shared it.")
    assert plural.id == ("%(num)d friend has shared it.", "%(num)d friends have shared it.")
    assert len(message_forms(plural)) == 3
    assert catalog.num_plurals == 3
    assert [m.id for m in catalog.obsolete.values()] == ["Gone"]


def test_a_file_babel_wrote_does_not_churn() -> None:
    # pybabel writes with Babel's write_po at width 76; outreach must not rewrap it
    catalog = _sample()
    for message in iter_messages(catalog):
        message.previous_id = []
    stream = io.BytesIO()
    write_po(stream, catalog, width=76)
    data = stream.getvalue()
    assert write_catalog(read_catalog(data, path="ru.po")) == data


# -- completeness ---------------------------------------------------------------------------
RU = parse_plural_forms(
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
RU_TRANSIFEX = parse_plural_forms(
    "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || "
    "n%100>14) ? 1 : n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3);"
)


def test_is_complete() -> None:
    catalog = _sample()
    assert is_complete(catalog.get("Watch the film"), RU)
    assert is_complete(catalog.get("%(num)d friend has shared it."), RU)
    assert not is_complete(
        catalog.get("%(num)d friend has shared it."),
        parse_plural_forms("nplurals=4; plural=n==1 ? 0 : n==2 ? 1 : n<5 ? 2 : 3;"),
    )
    assert not is_complete(catalog.get("Love always wins. Share the film now"), RU)
    assert not is_complete(catalog.get("One person"), RU)


def test_a_form_no_whole_number_selects_may_stay_empty() -> None:
    # Transifex's Russian has a 4th form for fractions; gettext never passes a fraction.
    catalog = _sample()
    assert RU_TRANSIFEX.reachable == {0, 1, 2}
    assert is_complete(catalog.get("%(num)d friend has shared it."), RU_TRANSIFEX)


# -- the .mo writer -------------------------------------------------------------------------
def _mo_catalog() -> Catalog:
    catalog = Catalog(locale="es", project="Mini", fuzzy=False)
    catalog.add("Watch the film", "Mira la película")
    catalog.add("Sign the petition", "Firma la petición", context="subject")
    catalog.add("Sign the petition", "Firma la petición (cuerpo)")
    catalog.add(("%(num)d friend", "%(num)d friends"), ("%(num)d amigo", "%(num)d amigos"))
    catalog.add(("One person", "%(count)s people"), ("Una persona", ""))  # incomplete
    catalog.add("Fuzzy one", "Borrosa", flags=["fuzzy"])
    catalog.add("Untranslated", "")
    catalog.add("Ünïcödé → ✓", "Unicode ✓")
    return catalog


def _mo_bytes(catalog: Catalog) -> tuple[int, bytes]:
    stream = io.BytesIO()
    count = write_mo(catalog, stream)
    return count, stream.getvalue()


def test_mo_is_read_by_gnu_translations() -> None:
    count, data = _mo_bytes(_mo_catalog())
    assert count == 5
    t = gettext.GNUTranslations(io.BytesIO(data))
    assert t.gettext("Watch the film") == "Mira la película"
    assert t.pgettext("subject", "Sign the petition") == "Firma la petición"
    assert t.gettext("Sign the petition") == "Firma la petición (cuerpo)"
    assert t.ngettext("%(num)d friend", "%(num)d friends", 1) == "%(num)d amigo"
    assert t.ngettext("%(num)d friend", "%(num)d friends", 5) == "%(num)d amigos"
    assert t.gettext("Ünïcödé → ✓") == "Unicode ✓"
    # left out: they fall back to the source
    assert t.gettext("Fuzzy one") == "Fuzzy one"
    assert t.gettext("Untranslated") == "Untranslated"
    assert t.ngettext("One person", "%(count)s people", 2) == "%(count)s people"
    assert t.info()["language"] == "es"
    assert t.info()["plural-forms"] == "nplurals=2; plural=(n != 1);"


def test_mo_layout_is_gnu() -> None:
    _, data = _mo_bytes(_mo_catalog())
    magic, revision, count, orig_at, trans_at, hash_size, _ = struct.unpack("<7I", data[:28])
    assert (magic, revision, hash_size) == (0x950412DE, 0, 0)
    keys = []
    for i in range(count):
        length, offset = struct.unpack("<2I", data[orig_at + 8 * i : orig_at + 8 * i + 8])
        keys.append(data[offset : offset + length])
        assert data[offset + length] == 0
    assert keys == sorted(keys)  # gettext's binary search needs sorted originals
    assert keys[0] == b""  # the header
    assert b"subject\x04Sign the petition" in keys
    assert b"%(num)d friend\x00%(num)d friends" in keys
    assert trans_at == orig_at + 8 * count


def test_empty_catalog_gives_a_valid_mo() -> None:
    count, data = _mo_bytes(Catalog(locale="ja", fuzzy=False))
    assert count == 0
    t = gettext.GNUTranslations(io.BytesIO(data))
    assert t.gettext("x") == "x"


@pytest.mark.skipif(shutil.which("msgunfmt") is None, reason="GNU msgunfmt is not installed")
def test_msgunfmt_reads_the_mo(tmp_path: Path) -> None:
    _, data = _mo_bytes(_mo_catalog())
    mo = tmp_path / "es.mo"
    mo.write_bytes(data)
    result = subprocess.run(
        ["msgunfmt", str(mo)], capture_output=True, text=True, check=True, encoding="utf-8"
    )
    back = read_catalog(result.stdout.encode(), path="msgunfmt")
    assert back.get("Watch the film").string == "Mira la película"
    assert back.get("Sign the petition", context="subject").string == "Firma la petición"
    assert back.get("%(num)d friend").string == ("%(num)d amigo", "%(num)d amigos")
    assert back.get("Fuzzy one") is None
    assert back.get("One person") is None


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU msgfmt is not installed")
def test_same_translations_as_msgfmt(tmp_path: Path) -> None:
    catalog = _mo_catalog()
    catalog.delete("One person")  # msgfmt keeps incomplete plurals; outreach leaves them out
    po = tmp_path / "es.po"
    po.write_bytes(write_catalog(catalog))
    subprocess.run(["msgfmt", "-o", str(tmp_path / "gnu.mo"), str(po)], check=True)
    with (tmp_path / "gnu.mo").open("rb") as stream:
        gnu = gettext.GNUTranslations(stream)
    _, data = _mo_bytes(catalog)
    ours = gettext.GNUTranslations(io.BytesIO(data))
    strip = {k: v for k, v in ours._catalog.items() if k != ""}  # type: ignore[attr-defined]
    assert strip == {k: v for k, v in gnu._catalog.items() if k != ""}  # type: ignore[attr-defined]


def _header_only(plural_forms: str, locale: str = "es") -> bytes:
    return (
        f'msgid ""\nmsgstr ""\n"Language: {locale}\\n"\n"Plural-Forms: {plural_forms}\\n"\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "Uno"\nmsgstr[1] "Muchos"\n'
    ).encode()


@pytest.mark.parametrize(
    "value",
    [
        "nplurals=INTEGER; plural=EXPRESSION;",
        "nplurals=2; plural=n +* 1;",
        "nplurals=20000000; plural=n;",
        "nplurals=2",
    ],
)
def test_a_plural_formula_that_does_not_parse_never_makes_the_catalog_unreadable(
    value: str,
) -> None:
    po = parse_po(_header_only(value), path="es.po", locale="es")
    assert po.header.plural_forms_error is not None
    assert po.header.declared_plural_forms is not None
    assert po.header.declared_plural_forms.line == 4
    # the catalog is used with Spanish's usual formula, whichever Babel is installed
    assert po.plural_forms.header == "nplurals=2; plural=(n != 1);"
    assert po.catalog.num_plurals == 2
    assert po.catalog.get("One").string == ("Uno", "Muchos")


def test_entries_with_more_forms_than_nplurals_keep_every_form() -> None:
    po = parse_po(_header_only("nplurals=1; plural=0;", "de"), path="de.po", locale="de")
    assert po.catalog.num_plurals == 1
    assert po.catalog.get("One").string == ("Uno", "Muchos")
    entry = po.lines_of(po.catalog.get("One"))
    assert entry is not None
    assert entry.written_forms == 2 and entry.msgstr == {0: 8, 1: 9}


# -- wrapping ---------------------------------------------------------------------------------
@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list('ab0 \t\n\\"-é')), max_size=200),
    st.sampled_from(["", "#~ "]),
)
def test_wrapping_keeps_the_string_and_matches_babel_where_babel_is_right(
    text: str, prefix: str
) -> None:
    from babel.messages.pofile import denormalize
    from babel.messages.pofile import normalize as babel_normalize

    from outreach.pofile import normalize

    def strip(written: str) -> str:
        return "\n".join(line.removeprefix(prefix) for line in written.split("\n"))

    ours = normalize(text, prefix=prefix)
    assert denormalize(strip(ours)) == text
    theirs = babel_normalize(text, prefix=prefix, width=76)
    if denormalize(strip(theirs)) == text:
        assert ours == theirs


# -- untrusted headers: charsets, decoys, header tricks ----------------------------------------
def test_an_escape_codec_charset_cannot_smuggle_text(example: Path) -> None:
    es = po_path(example, "es")
    # as written in the .po (and as check reads it): a backslash, "u0040" -- no "@", no "."
    edit_po(es, {SHARE_POST: "Mira \\u0040evilacct y evil\\u002ecom/x %(url)s %(hashtag)s"})
    text = es.read_text(encoding="utf-8")
    es.write_bytes(text.replace("charset=utf-8", "charset=raw_unicode_escape", 1).encode())
    code, _ = check_errors(example, "-l", "es")
    assert code == 1, "a charset outreach cannot write back as it read is an error"
    post = Renderer(load_campaign(example)).render_post("share", "es", "x")
    assert "@evilacct" not in post.text and "evil.com" not in post.text


@pytest.mark.parametrize(
    "header",
    [
        # a decoy Content-Type in a comment decides how the file is read; the real one how
        # Babel (and the in-memory .mo) encodes it
        '# "Content-Type: text/plain; charset=utf-8\\n"\nCT:ascii',
        '# "Content-Type: text/plain; charset=utf-8\\n"\nCT:utf-16',
        "nplurals=²",  # str.isdigit() says yes, int() says no
    ],
)
def test_a_header_trick_is_one_clear_error(example: Path, header: str) -> None:
    es = po_path(example, "es")
    text = es.read_text(encoding="utf-8")
    if header.startswith("nplurals="):
        text = text.replace("nplurals=2;", f"{header};")
    else:
        decoy, charset = header.split("\nCT:")
        text = decoy + "\n" + text.replace("charset=utf-8", f"charset={charset}", 1)
    es.write_text(text, encoding="utf-8")
    # the petition's post is a plural string: a broken Plural-Forms changes nothing in a post
    # without one (the share post), where exiting 0 is right
    for command in (["check", "--no-cache"], ["render", "petition", "-l", "es", "-c", "x"]):
        code, _, err = run_cli(example, *command)
        assert "internal error" not in err and code in (1, 2), (command, err)


def test_a_lone_surrogate_is_one_clear_error(example: Path) -> None:
    es = po_path(example, "es")
    edit_po(es, {SHARE_POST: "Mira \\ud800 %(url)s %(hashtag)s"})
    text = es.read_text(encoding="utf-8")
    es.write_bytes(text.replace("charset=utf-8", "charset=raw_unicode_escape", 1).encode())
    for command in (["check", "--no-cache"], ["render", "share", "-l", "es", "-c", "x"]):
        code, _, err = run_cli(example, *command)
        assert "internal error" not in err and code in (1, 2), (command, err)


@pytest.mark.parametrize(
    "charset", ["raw_unicode_escape", "unicode_escape", "UTF-7", "UTF-16", "utf_32", "idna"]
)
def test_a_charset_that_is_no_text_encoding_is_one_error_and_nothing_is_used(
    example: Path, charset: str
) -> None:
    es = po_path(example, "es")
    rewrite(es, "charset=utf-8", f"charset={charset}")
    line = es.read_text().split("\n").index(f'"Content-Type: text/plain; charset={charset}\\n"')
    code, errors = check_errors(example, "-l", "es", "--no-render")
    assert code == 1
    assert [(f["check"], f["line"]) for f in errors] == [("charset", line + 1)], errors
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert "Mira" not in mail.text and mail.refused  # the whole catalog falls back
    code, _, err = run_cli(example, "compile", "-l", "es")
    assert code == 1 and "charset" in err and not es.with_suffix(".mo").exists()


def test_every_accepted_charset_is_an_ascii_compatible_text_encoding() -> None:
    for name in TEXT_CHARSETS:
        assert "ascii text, a = b;".encode(name) == b"ascii text, a = b;", name


def test_the_charset_is_the_real_headers_not_a_decoy() -> None:
    decoy = (
        b'msgctxt "x"\nmsgid ""\nmsgstr "Content-Type: text/plain; charset=utf-16\\n"\n\n'
        b'# "Content-Type: text/plain; charset=utf-16\\n"\n'
        b'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=latin-1\\n"\n'
    )
    assert header_charset(decoy) == ("latin-1", 9)


def test_a_second_content_type_cannot_disagree_with_how_the_file_is_read() -> None:
    data = (
        b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        b'"Content-Type: text/plain; charset=latin-1\\n"\n'
    )
    po = parse_po(data, path="es.po")  # the last field wins, for the bytes and the header
    assert po.catalog.charset.lower() in ("latin-1", "iso-8859-1")


def test_a_byte_order_mark_before_the_header_is_fine() -> None:
    data = '\ufeffmsgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'.encode()
    assert header_charset(data) == ("UTF-8", 2)
    assert parse_po(data, path="es.po").catalog.charset.lower() == "utf-8"


def test_an_unknown_charset_is_still_unreadable() -> None:
    with pytest.raises(CatalogError, match="unknown charset"):
        parse_po(b'msgid ""\nmsgstr "Content-Type: text/plain; charset=nope\\n"\n', path="x.po")


def test_a_po_without_a_creation_date_compiles_to_the_same_bytes() -> None:
    """Babel dates a header without ``POT-Creation-Date`` at the minute it reads it; given
    the header as written, the ``.mo`` leaves the field out: the same ``.po`` compiled
    in another minute gives the same bytes."""
    import gettext

    data = (
        b'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        b'"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\nmsgid "Sign"\nmsgstr "Firma"\n'
    )

    def compiled() -> bytes:
        po = parse_po(data, path="es.po", locale="es")
        stream = io.BytesIO()
        write_mo(po.catalog, stream, header=po.header)
        return stream.getvalue()

    first = compiled()
    assert compiled() == first
    translations = gettext.GNUTranslations(io.BytesIO(first))
    assert translations.gettext("Sign") == "Firma"
    assert "pot-creation-date" not in translations.info()


_REPEATS = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: fr\\n"\n\n'
    'msgid "Hello"\nmsgstr "Bonjour"\n\n'
    'msgctxt "button"\nmsgid ""\n"Sign "\n"now"\nmsgstr "Signer"\n\n'
    '#~ msgid "Hello"\n#~ msgstr "Salut"\n\n'
    '#~ msgctxt "button"\n#~ msgid ""\n#~ "Sign "\n#~ "now"\n#~ msgstr "Signez"\n\n'
    '#~ msgctxt "link"\n#~ msgid "Hello"\n#~ msgstr "Coucou"\n\n'
    '#~ msgid "Gone"\n#~ msgstr "Parti"\n'
)


def test_an_obsolete_entry_repeating_an_active_one_is_noted_at_msgfmts_lines() -> None:
    """msgfmt refuses a file whose obsolete entry has an active entry's msgctxt and msgid
    (even written over several lines); another context or msgid is no repeat."""
    po = parse_po(_REPEATS.encode(), path="fr.po")
    assert po.repeats == ((15, 6), (19, 10))


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU msgfmt is not installed")
def test_repeats_are_what_msgfmt_refuses(tmp_path: Path) -> None:
    path = tmp_path / "fr.po"
    path.write_text(_REPEATS, encoding="utf-8")
    done = subprocess.run(
        ["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True, check=False
    )
    refused = [
        int(line.split(":")[1])
        for line in done.stderr.splitlines()
        if line.endswith("duplicate message definition...")
    ]
    assert done.returncode != 0
    assert refused == [line for line, _ in parse_po(_REPEATS.encode(), path="fr.po").repeats]


def test_a_tab_between_keyword_and_string_reads_as_msgfmt_reads_it() -> None:
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    spaced = parse_po((header + 'msgid "tab"\nmsgstr "onglet"\n').encode(), path="fr.po")
    tabbed = parse_po((header + 'msgid\t"tab"\nmsgstr \t "onglet"\n').encode(), path="fr.po")
    assert [(m.id, m.string, m.lineno) for m in tabbed.catalog] == [
        (m.id, m.string, m.lineno) for m in spaced.catalog
    ]


def test_a_catalog_whose_references_are_javascript_sources_is_a_javascript_one() -> None:
    """Pootle's ``pootle_js.po`` (round 7): references to ``.js`` files and to Underscore
    templates (``.html``), none to a Python source; a Python module or a Jinja template
    anywhere in the file, as an active entry's reference, makes it a Python catalog."""
    from outreach.pofile import javascript_catalog

    head = b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    js = b'#: static/js/admin/components/AdminController.js:136\nmsgid "Save"\nmsgstr "x"\n\n'
    html = b'#: templates/admin/xhr_language_user_activity.html:20\nmsgid "Word"\nmsgstr "y"\n'
    assert parse_po(head + js + html, path="ar.po").javascript
    assert javascript_catalog((head + js + html).replace(b"\n", b"\r\n"))  # CRLF lines
    assert javascript_catalog(b"#: src/App.VUE:3 src/i18n.ts\n")  # any case, no line number
    assert not parse_po(head + html, path="ar.po").javascript  # no JavaScript source
    assert not parse_po(head, path="ar.po").javascript  # no reference at all
    for python in (b"pootle/apps/views.py:239", b"C:\\src\\app.py:3", b"templates/row.jinja2:3"):
        assert not javascript_catalog(head + js + b"#: " + python + b"\n" + html)
    # an obsolete entry's reference is not the file's: its strings are never formatted
    assert javascript_catalog(head + js + b'#~ #: old/views.py:3\n#~ msgid "Old"\n#~ msgstr "z"\n')
