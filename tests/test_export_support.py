"""A small campaign for the export tests, written to disk with its translations.

:func:`make_campaign` writes ``messages/campaign.toml``, one template per message (a social
post only) and a ``.po`` per translated locale, so that tests control every text, zone and
translation -- formula-bearing ones included -- without touching the example campaign.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

#: A fixed "now" for the library: every schedule in these tests is after it.
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)

SHARE = "Love always wins. Watch the film: {{ url }} {{ hashtag }}"
PETITION = "Add your name to the petition: {{ url }} {{ hashtag }}"

SPANISH = {
    "share": "El amor siempre gana.\nMira el corto: %(url)s %(hashtag)s",
    "petition": "Firma la petición, «ya»: %(url)s %(hashtag)s",
}


def _po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def msgid(source: str) -> str:
    """The msgid Babel extracts from a ``{% trans %}`` body (placeholders as ``%(x)s``)."""
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", source)
    return " ".join(text.split())


def make_campaign(
    root: Path,
    *,
    locales: Sequence[str] = ("en", "es"),
    zones: Mapping[str, str] | None = None,
    posts: Mapping[str, str] | None = None,
    translations: Mapping[str, Mapping[str, str]] | None = None,
    name: str = "Export Test",
) -> Path:
    """Write a campaign under ``root`` and return ``root``.

    ``posts`` maps message names to the English post (Jinja, with ``{{ url }}`` and
    ``{{ hashtag }}``); ``translations`` maps locales to ``{message: translated post}`` with
    ``%(url)s``/``%(hashtag)s`` placeholders.
    """
    posts = {"share": SHARE, "petition": PETITION} if posts is None else posts
    translations = {"es": SPANISH} if translations is None else translations
    zones = {"en": "America/New_York", "es": "Europe/Madrid"} if zones is None else zones
    messages = root / "messages"
    messages.mkdir(parents=True, exist_ok=True)
    quoted = ", ".join(f'"{loc}"' for loc in locales)
    config = [
        "[campaign]",
        f'name = "{name}"',
        'source_locale = "en"',
        f"locales = [{quoted}]",
        'hashtags = ["#LoveWins"]',
        'url = "https://example.org/love"',
    ]
    if zones:
        config.append("[campaign.timezones]")
        config += [f'{loc} = "{zone}"' for loc, zone in zones.items()]
    (messages / "campaign.toml").write_text("\n".join(config) + "\n", encoding="utf-8")
    for message, text in posts.items():
        template = f"{{% block post %}}{{% trans %}}{text}{{% endtrans %}}{{% endblock %}}\n"
        (messages / f"{message}.j2").write_text(template, encoding="utf-8")
    for locale, table in translations.items():
        lines = [
            'msgid ""',
            'msgstr ""',
            '"Content-Type: text/plain; charset=UTF-8\\n"',
            f'"Language: {locale}\\n"',
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
            "",
        ]
        for message, translated in table.items():
            if message not in posts:
                continue  # a translation for a message this campaign does not have
            source = _po_string(msgid(posts[message]))
            lines += [f"msgid {source}", f"msgstr {_po_string(translated)}", ""]
        po = root / "locales" / locale / "LC_MESSAGES" / "messages.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_text("\n".join(lines), encoding="utf-8")
    return root


def test_the_test_campaign_renders_its_translations(tmp_path: Path) -> None:
    from outreach.campaign import load_campaign
    from outreach.render import Renderer

    campaign = load_campaign(make_campaign(tmp_path))
    post = Renderer(campaign).render_post("share", "es", "x")
    assert post.text == "El amor siempre gana.\nMira el corto: https://example.org/love #LoveWins"
    assert post.ok and not post.added
