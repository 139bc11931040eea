"""SafeTranslations: translator text is data, sanitised for HTML, never able to break output;
a plural formula that fails falls back to the source."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from conftest import SIGNED, SIGNED_PLURAL, po_path, rewrite

from outreach.campaign import load_campaign
from outreach.pofile import write_mo
from outreach.render import Renderer
from outreach.sanitize import SafeTranslations


def translations(locale: str, entries: dict[object, object]) -> gettext.GNUTranslations:
    catalog = Catalog(locale=locale, fuzzy=False)
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(catalog, buffer)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def html() -> SafeTranslations:
    return SafeTranslations(gettext.NullTranslations(), html=True)


def test_plain_source_makes_the_translation_escaped_text() -> None:
    # Inside alt="..." a translator's quote must not open new attributes.
    out = html().sanitize('logo" onerror="alert(1)" x="', "Campaign logo")
    assert '"' not in out and "onerror=&#34;" in out


def test_markup_is_limited_to_the_sources_tags_attributes_and_values() -> None:
    out = html().sanitize(
        '<a href="https://evil.com/x">aquí</a> <a href="%(url)s" title="t">allí</a> '
        '<script>alert(1)</script><img src=x onerror=y> "citado"',
        'Sign <a href="%(url)s">here</a>',
    )
    assert out == '<a>aquí</a> <a href="%(url)s">allí</a>  &#34;citado&#34;'


def test_text_env_keeps_translations_as_written() -> None:
    safe = SafeTranslations(translations("es", {"Hi": 'Hola "<b>"'}), html=False)
    assert safe.gettext("Hi") == 'Hola "<b>"'


def test_unsafe_translation_falls_back_to_the_right_plural_source() -> None:
    # Russian: n=1 and n=21 share form 0. A translation that would break formatting falls
    # back to the source; the cache must not hand n=21 the singular source cached for n=1.
    tr = translations(
        "ru", {("One signature", "%(num)s signatures"): ("%(nope)s", "%(nope)s", "%(nope)s")}
    )
    safe = SafeTranslations(tr, html=True)
    assert safe.ngettext("One signature", "%(num)s signatures", 1) == "One signature"
    assert safe.ngettext("One signature", "%(num)s signatures", 21) == "%(num)s signatures"


def test_translation_using_a_variable_the_source_lacks_falls_back() -> None:
    safe = SafeTranslations(
        translations("fr", {"Sign: %(url)s": "Signez : %(secret)s"}), html=False
    )
    assert safe.gettext("Sign: %(url)s") == "Sign: %(url)s"
    ok = SafeTranslations(translations("fr", {"Sign: %(url)s": "Signez : %(url)s"}), html=False)
    assert ok.gettext("Sign: %(url)s") == "Signez : %(url)s"


# -- a plural formula that fails ----------------------------------------------------------------
def test_a_plural_formula_that_fails_gives_the_source_form() -> None:
    class Failing(gettext.NullTranslations):
        def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
            raise ZeroDivisionError("integer division or modulo by zero")

        def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
            raise ZeroDivisionError("integer division or modulo by zero")

    safe = SafeTranslations(Failing(), html=False)
    assert safe.ngettext("one", "many", 1) == "one"
    assert safe.npgettext("c", "one", "many", 5) == "many"


def test_a_broken_formula_never_reaches_the_in_memory_mo(example: Path) -> None:
    es = po_path(example, "es")
    rewrite(es, "nplurals=2; plural=(n != 1);", "nplurals=2; plural=n % 0;")
    loaded = Renderer(load_campaign(example)).translations("es")
    assert loaded.mo is not None
    translations = gettext.GNUTranslations(io.BytesIO(loaded.mo))
    assert translations.ngettext(SIGNED, SIGNED_PLURAL, 5) == SIGNED_PLURAL  # no division
    assert any(f.check == "plural-forms" for f in loaded.refused)
