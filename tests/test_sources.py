"""outreach.sources: the source strings as the templates say them, their plurals and the
values of their placeholders; the checks judge translations against these, never against
the source a ``.po`` claims (which a translator's pull request can write).

Holds the untrusted-input tests of the source strings (the red team's second round).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SIGNED, SIGNED_PLURAL, WATCH, check_errors, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.pofile import read_catalog, write_catalog
from outreach.render import Renderer
from outreach.sources import template_sources

ASKED = "One person has asked the IOC"  # the petition post's plural (its msgid starts so)
START = ("--start", "2099-01-01T09:00")


def test_the_sources_are_the_templates_strings_with_their_plurals(example: Path) -> None:
    from outreach.catalogs import extract_catalog
    from outreach.pofile import iter_messages

    sources = template_sources(load_campaign(example))
    assert sources is not None and sources.origin == "templates"
    extracted = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in iter_messages(extract_catalog(load_campaign(example)))
    }
    assert set(sources.strings) == extracted
    assert sources.strings[(None, SIGNED)].msgid_plural == SIGNED_PLURAL
    assert sources.strings[(None, WATCH)].msgid_plural is None


def test_a_template_binding_gives_a_placeholder_its_real_value(example: Path) -> None:
    sources = template_sources(load_campaign(example))
    assert sources is not None
    (tweet,) = [s for (_, msgid), s in sources.strings.items() if "%(handle)s" in msgid]
    assert tweet.values["handle"] == "@iocmedia"  # {% trans handle=ioc_handle %}
    assert tweet.values["url"] == "https://example.org/love"


def test_the_templates_strings_are_remembered_by_the_check_cache(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach import sources as module
    from outreach.cache import CheckCache

    campaign = load_campaign(example)
    store = CheckCache.open(tmp_path, "campaign")
    module._PARSED.clear()
    first = template_sources(campaign, store)

    def no_extraction(campaign: object) -> None:
        raise AssertionError("extracted again")

    module._PARSED.clear()
    monkeypatch.setattr(module, "_extracted", no_extraction)
    assert template_sources(campaign, store) == first
    other = CheckCache.open(tmp_path / "elsewhere", "campaign")  # another secret: no hit
    module._PARSED.clear()
    with pytest.raises(AssertionError, match="extracted again"):
        template_sources(campaign, other)


def test_without_templates_the_pot_is_the_source(example: Path) -> None:
    for template in (example / "messages").glob("*.j2"):
        template.unlink()
    sources = template_sources(load_campaign(example))
    assert sources is not None and sources.origin == "POT"
    assert sources.strings[(None, SIGNED)].msgid_plural == SIGNED_PLURAL


# -- a msgid_plural in a .po is never the source --------------------------------------------
def _swap_plural_source(path: Path, msgid_start: str, extra: str) -> None:
    """What a translator's editor can do: add ``extra`` to an entry's msgid_plural (which
    gettext never looks up) and to its plural translation: before the link where there is
    one, else at the end (the petition email's plural has no link)."""
    catalog = read_catalog(path.read_bytes(), path=str(path))
    (message,) = [m for m in catalog if isinstance(m.id, tuple) and m.id[0].startswith(msgid_start)]
    singular, plural = (str(part) for part in message.id)
    one, other = (str(part) for part in message.string or ("", ""))

    def add(text: str) -> str:
        changed = text.replace(" %(url)s", f" {extra} %(url)s")
        return changed if changed != text else f"{text} {extra}"

    message.id = (singular, add(plural))
    message.string = (one, add(other))
    path.write_bytes(write_catalog(catalog))


@pytest.mark.parametrize(
    "extra",
    [
        "https://evil.com/x",  # a link hijack
        "@evilacct",  # a new mention
        "\u202e",  # a bidi override
        "\x1b]8;;https://evil.com\x07aquí\x1b]8;;\x07\x1b[8m",  # terminal escapes
    ],
)
def test_a_translator_written_msgid_plural_is_not_the_source(example: Path, extra: str) -> None:
    _swap_plural_source(po_path(example, "es"), ASKED, extra)
    code, errors = check_errors(example, "-l", "es")
    assert code == 1 and errors, "check must not judge a translation against the .po's own source"
    post = Renderer(load_campaign(example)).render_post("petition", "es", "x")
    assert extra not in post.text and post.refused
    code, out, _ = run_cli(example, "export", "-c", "x", "--format", "csv", *START, "-l", "es")
    assert extra not in out and "\x1b" not in out


def test_a_translator_written_msgid_plural_never_reaches_an_email(example: Path) -> None:
    _swap_plural_source(po_path(example, "es"), SIGNED, "https://evil.com/x @evilacct")
    mail = Renderer(load_campaign(example)).render_email("petition", "es")
    assert "evil" not in mail.text and mail.refused
