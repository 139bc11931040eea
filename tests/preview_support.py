"""A campaign with everything the preview must show, for the preview tests.

:func:`messy_campaign` copies the example campaign (#LoveAlwaysWins) and adds

* ``ar``: Arabic (right to left), with the ``share`` message translated, the rest not, and
  one fuzzy entry;
* in ``es``, translator text that attacks the pages: ``<script>``, ``"><img onerror>``,
  ``javascript:`` links, a bidi override (all refused by the checks), and a post full of
  ``& < > " '`` that the checks let through; and a post too long for X and Bluesky;
* in ``fr``, a post that lost its hashtag placeholder (refused: it falls back to English);
* a message ``signup`` whose post has no hashtag in the template (the renderer appends it).

Every attack either is refused by the checks (so it falls back and appears only on the
locale page, escaped) or passes as plain text; none may run.
"""

from __future__ import annotations

from pathlib import Path

from conftest import SHARE_POST, TWEET_ALONG_POST, copy_example, edit_po, po_path, run_cli

#: Text of an edited msgstr that the ``--serve`` test looks for.
ATTACKS = {
    "Watch the film": "<script>alert('script')</script>Mira el corto",
    ("subject", "Two minutes that show why love always wins"): (
        "\"><img src=x onerror=alert('img')>Dos minutos"
    ),
    ("preheader", "Watch our new film, then pass it on to the people you love."): (
        "Mira \u202eeht\u202c nuestro corto"
    ),
    "Sign the petition": "Firma</a><a href=\"javascript:alert('js')\">aquí</a>",
    "Sign the petition: %(url)s": "javascript:alert('text') %(url)s",
    TWEET_ALONG_POST: ("Ça & « ça » <3 \"x\" 'y' : %(handle)s, la Carta: %(url)s %(hashtag)s"),
    SHARE_POST: "El amor siempre gana. " * 14 + "%(url)s %(hashtag)s",
}
#: Markup from the attacks that must never appear in a page as markup (as escaped text it
#: may: ``onerror=alert`` is harmless between ``&lt;`` and ``&gt;``).
RAW_ATTACKS = (
    "<script>alert",
    "<img src=x",
    '"><img',
    'href="javascript:',
    "\u202e",
)
ARABIC = {
    "Two hands joined in the snow, under a rainbow": "يدان متشابكتان في الثلج، تحت قوس قزح",
    ("subject", "Two minutes that show why love always wins"): (
        "دقيقتان تظهران لماذا ينتصر الحب دائمًا"
    ),
    ("preheader", "Watch our new film, then pass it on to the people you love."): (
        "شاهد فيلمنا الجديد، ثم شاركه مع من تحب."
    ),
    "Love always wins. Watch the film.": "الحب ينتصر دائمًا. شاهد الفيلم.",
    "Watch the film": "شاهد الفيلم",
    SHARE_POST: "الحب ينتصر دائمًا. شاهد فيلمنا ومدته دقيقتان وشاركه مع من تحب: %(url)s %(hashtag)s",
    "Post now": "انشر الآن",
}
SIGNUP = """\
{#- A message whose post has no hashtag: the renderer appends the campaign's. -#}
{% block subject %}{{ pgettext("subject", "Stay in touch") }}{% endblock %}
{% block preheader %}{{ pgettext("preheader", "One email a month, no more.") }}{% endblock %}
{% block body %}<p>{% trans %}Stay in touch{% endtrans %}</p>{% endblock %}
{% block text %}{% trans %}Stay in touch{% endtrans %}{% endblock %}
{% block post %}{% trans %}Stay in touch: {{ url }}{% endtrans %}{% endblock %}
"""


def messy_campaign(target: Path) -> Path:
    """The example campaign at ``target`` with Arabic, attacks, an over-long post, a
    refused post and a message whose hashtag is appended (see the module's description)."""
    copy_example(target)
    (target / "messages" / "signup.j2").write_text(SIGNUP, encoding="utf-8")
    for args in (("extract",), ("update",), ("add-locale", "ar")):
        code, _, err = run_cli(target, *args)
        assert code == 0, err
    edit_po(po_path(target, "ar"), ARABIC)
    _fuzzy(po_path(target, "ar"), "Post now")
    edit_po(po_path(target, "es"), ATTACKS)
    edit_po(po_path(target, "fr"), {SHARE_POST: "L’amour gagne toujours : %(url)s"})
    return target


def _fuzzy(path: Path, msgid: str) -> None:
    from outreach.pofile import read_catalog, write_catalog

    catalog = read_catalog(path.read_bytes(), path=str(path))
    message = catalog.get(msgid)
    assert message is not None
    message.flags.add("fuzzy")
    path.write_bytes(write_catalog(catalog))


def set_msgstr(campaign: Path, locale: str, key: object, text: str) -> None:
    """Edit one translation as a translator's editor would (the file rewritten in place)."""
    edit_po(po_path(campaign, locale), {key: text})
