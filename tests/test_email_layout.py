"""Emails that hold up in every inbox (issue 11, items 5-7).

The HTML is parsed as a browser parses it (html5lib, WHATWG): a ``role="presentation"``
table layout 600 px wide and fluid, bulletproof buttons (a table cell with ``bgcolor``, VML
for Outlook), ``lang``/``dir`` repeated inside ``<body>``, the preheader followed by
spacers, colour-scheme meta, the postal address and "view in browser" link from
campaign.toml (escaped), and ``check``'s warning when a campaign sends email without an
address; a translated button label cannot end Outlook's conditional comment.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import html5lib
import pytest
from conftest import copy_example, edit_po, po_path, run_cli

from outreach.campaign import load_campaign, parse_campaign
from outreach.errors import ConfigError
from outreach.render import Email, Renderer
from outreach.tracking import untagged

MESSAGES = ("petition", "share", "tweet-along")
LOCALES = ("en", "es", "fr", "pt")
BRAND = "#b0175a"
#: Gmail clips a message whose HTML passes 102 KB; the example's emails stay far below.
GMAIL_CLIP = 102 * 1024
SPACER = "\u034f\u200c\u00a0"


def parse(html: str) -> Any:
    """The document as a browser builds it; no parse error is allowed."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    document = parser.parse(html)
    assert parser.errors == [], parser.errors
    return document


def comments(document: Any) -> list[str]:
    """The text of every comment (Outlook's conditional comments), in document order."""
    found = []
    for element in document.iter():
        if not isinstance(element.tag, str) and element.text is not None:
            found.append(element.text)
    return found


def text_of(element: Any) -> str:
    return "".join(element.itertext())


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Email]:
    campaign = copy_example(tmp_path_factory.mktemp("layout") / "love")
    renderer = Renderer(load_campaign(campaign))
    return {(m, loc): renderer.render_email(m, loc) for m in MESSAGES for loc in LOCALES}


def arabic(example: Path) -> Email:
    code, _, err = run_cli(example, "add-locale", "ar")
    assert code == 0, err
    edit_po(
        po_path(example, "ar"),
        {
            "Love always wins. Watch the film.": "الحب ينتصر دائمًا. شاهدوا الفيلم.",
            "Watch the film": "شاهدوا الفيلم",
        },
    )
    return Renderer(load_campaign(example)).render_email("share", "ar")


def set_email_settings(campaign: Path, lines: str) -> None:
    """Replace the optional keys of ``[email]`` in campaign.toml with ``lines``."""
    config = campaign / "messages" / "campaign.toml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"^(postal_address|view_in_browser_url|brand_color) = .*\n", "", text, flags=re.M)
    config.write_text(text.replace("[email]\n", "[email]\n" + lines), encoding="utf-8")


#: Each message's link ([messages.share] url for the film; the campaign's for the rest).
LINKS = {
    "share": "https://example.org/love/film",
    "petition": "https://example.org/love",
    "tweet-along": "https://example.org/love",
}


# -- item 6: layout and button -----------------------------------------------------------
def test_every_email_parses_and_is_a_presentation_table_600_wide(
    emails: dict[tuple[str, str], Email],
) -> None:
    for (message, locale), mail in emails.items():
        document = parse(mail.html)
        tables = document.findall(".//table")
        assert tables and all(t.get("role") == "presentation" for t in tables), message
        card = document.find(".//table[@class='card']")
        assert card is not None and card.get("width") == "100%"
        assert "max-width: 600px" in card.get("style")  # fluid below 600 px
        content = card.find(".//td[@class='content']")
        assert content is not None and content.get("lang") == locale
        # Outlook for Windows ignores max-width: a fixed 600 px table, for it alone
        ghost = [c for c in comments(document) if c.startswith("[if mso]><table")]
        assert ghost and 'width="600"' in ghost[0] and 'role="presentation"' in ghost[0]
        assert document.find(".//div[@class='card']") is None  # no div layout left
        assert "@media only screen and (max-width: 620px)" in mail.html, (message, locale)


def test_every_button_is_bulletproof(emails: dict[tuple[str, str], Email]) -> None:
    for (message, locale), mail in emails.items():
        document = parse(mail.html)
        [table] = document.findall(".//table[@class='button']")
        assert table.get("role") == "presentation"
        [cell] = table.findall(".//td")
        assert cell.get("bgcolor") == BRAND and f"background-color:{BRAND}" in cell.get("style")
        [link] = cell.findall(".//a")
        assert link.get("class") == "button" and untagged(link.get("href")) == LINKS[message]
        assert "display: inline-block" in link.get("style") and "padding: 12px 24px" in (
            link.get("style")
        )
        label = text_of(link)
        assert label.strip()
        found = comments(document)
        at = next(i for i, c in enumerate(found) if "v:roundrect" in c)
        vml, not_mso, end = found[at : at + 3]
        assert vml.startswith("[if mso]><v:roundrect") and vml.endswith("</v:roundrect><![endif]")
        assert f'href="{LINKS[message]}?utm_source=email&amp;' in vml
        assert f'fillcolor="{BRAND}"' in vml
        assert f">{label}</center>" in vml  # the same label, in Outlook's drawing
        assert re.search(r"width:\d+px", vml) and "<w:anchorlock/>" in vml
        assert (not_mso, end) == ("[if !mso]><!", "<![endif]")
        # the button sits in the content, not inside a paragraph (html5lib would have
        # complained), and no hand-written button is left
        assert mail.html.count('class="button"') == 2, (message, locale)


def test_a_translated_label_stays_escaped_everywhere(example: Path) -> None:
    # markup the source does not have that can act: refused by the checks, the source label
    # is used (an added formatting tag, <b>, is only a warning: it changes no behaviour)
    edit_po(po_path(example, "es"), {"Watch the film": "Mira <img src=x>el corto"})
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert [f.check for f in mail.refused] == ["html"]
    document = parse(mail.html)
    assert document.find(".//a[@class='button']/img") is None
    assert [text_of(a) for a in document.findall(".//a[@class='button']")] == ["Watch the film"]
    # text that could close Outlook's conditional comment is accepted, and stays text
    edit_po(po_path(example, "es"), {"Watch the film": "Mira el corto & más --> ya"})
    mail = Renderer(load_campaign(example)).render_email("share", "es")
    assert mail.refused == ()
    document = parse(mail.html)
    [link] = document.findall(".//a[@class='button']")
    assert text_of(link) == "Mira el corto & más --> ya"
    [vml] = [c for c in comments(document) if "v:roundrect" in c]
    assert vml.endswith("Mira el corto &amp; más -&#45;&gt; ya</center></v:roundrect><![endif]")


def test_the_button_macro_escapes_and_takes_a_call_block() -> None:
    from jinja2 import Environment, StrictUndefined
    from markupsafe import Markup

    from outreach.emailhtml import button

    env = Environment(autoescape=True, undefined=StrictUndefined)
    env.globals["button"] = button
    html = env.from_string(
        '{{ button(url, label) }}|{% call button(url, color="#0a7d3b") %} Sign <strong>now</strong>'
        " {% endcall %}"
    ).render(url='https://example.org/?a=1&b="2"', label="<script>x</script>", dir="rtl")
    plain, called = html.split("|")
    assert "<script>" not in plain and "&lt;script&gt;x&lt;/script&gt;" in plain
    assert 'href="https://example.org/?a=1&amp;b=&#34;2&#34;"' in plain
    assert '<center dir="rtl"' in plain  # Outlook's label reads right to left too
    assert "Sign <strong>now</strong></a>" in called and 'bgcolor="#0a7d3b"' in called
    with pytest.raises(ValueError, match="#rrggbb"):
        env.from_string('{{ button(url, "x", color="red") }}').render(url="u")
    with pytest.raises(TypeError, match="needs a label"):
        env.from_string("{{ button(url) }}").render(url="u")
    wide = env.from_string("{{ button(url, label) }}").render(url="u", label=Markup("署名する" * 3))
    narrow = env.from_string("{{ button(url, label) }}").render(url="u", label="Sign")
    width = re.compile(r"width:(\d+)px")
    assert int(width.findall(wide)[0]) > int(width.findall(narrow)[0]) >= 120


def test_a_new_campaign_gets_the_same_layout_and_a_bulletproof_button(tmp_path: Path) -> None:
    code, _, err = run_cli(None, "init", str(tmp_path / "pride"))
    assert code == 0, err
    campaign = load_campaign(tmp_path / "pride")
    assert campaign.email.postal_address == ()
    written = (tmp_path / "pride" / "messages" / "_email.html.j2").read_text(encoding="utf-8")
    example = (Path(__file__).parent.parent / "messages" / "_email.html.j2").read_text("utf-8")
    assert written == example
    mail = Renderer(campaign).render_email("welcome", "en")
    document = parse(mail.html)
    assert document.find(".//table[@class='button']//a[@class='button']") is not None
    assert "# postal_address = " in (tmp_path / "pride" / "messages" / "campaign.toml").read_text()


def test_the_example_emails_are_far_below_gmails_clipping(
    emails: dict[tuple[str, str], Email],
) -> None:
    from outreach.mail import campaign_email

    campaign = load_campaign(Path(__file__).parent.parent)
    for mail in emails.values():
        size = len(mail.html.encode("utf-8"))
        assert size < 12 * 1024, size  # about 6.5 KB today; Gmail clips at 102 KB
        assert len(campaign_email(mail, campaign)) < GMAIL_CLIP // 4


def test_check_warns_about_an_email_gmail_would_clip(example: Path) -> None:

    path = example / "messages" / "share.j2"
    text = path.read_text(encoding="utf-8")
    filler = "{% for _ in range(4000) %}<p>Love always wins.</p>{% endfor %}"
    path.write_text(text.replace("{% block body %}", "{% block body %}" + filler))
    code, out, err = run_cli(example, "check", "--format", "json", "--locale", "fr")
    assert code == 0, err
    [finding] = [f for f in json.loads(out)["findings"] if f["check"] == "length"]
    assert finding["severity"] == "warning" and finding["locale"] == "fr"
    assert re.fullmatch(
        r"email 'share': the HTML is \d+ KB; Gmail clips .* 102 KB", finding["message"]
    )


# -- item 5: right to left where <html> attributes are dropped ----------------------------
def test_lang_and_dir_are_repeated_inside_the_body(example: Path) -> None:
    mail = arabic(example)
    document = parse(mail.html)
    body = document.find("body")
    holders = [
        body,
        body.find("./div[@class='preheader']"),
        body.find("./div[@role='article']"),
        body.find(".//td[@class='content']"),
        body.find(".//td[@class='footer']"),
    ]
    for element in holders:
        assert element is not None
        assert (element.get("lang"), element.get("dir")) == ("ar", "rtl"), element.tag
    content = body.find(".//td[@class='content']")
    assert content.get("align") == "right" and "text-align: right" in content.get("style")
    vml = next(c for c in comments(document) if "v:roundrect" in c)
    assert '<center dir="rtl"' in vml
    english = Renderer(load_campaign(example)).render_email("share", "en")
    content = parse(english.html).find(".//td[@class='content']")
    assert (content.get("dir"), content.get("align")) == ("ltr", "left")


# -- item 7: preheader, colours, footer -----------------------------------------------------
def test_the_preheader_is_hidden_and_followed_by_spacers(
    emails: dict[tuple[str, str], Email],
) -> None:
    for mail in emails.values():
        document = parse(mail.html)
        body = document.find("body")
        first = body[0]
        assert first.get("class") == "preheader"
        style = first.get("style").replace(" ", "")
        assert "display:none" in style and "mso-hide:all" in style and "max-height:0" in style
        hidden = text_of(first)
        assert hidden.startswith(mail.preheader)
        assert hidden[len(mail.preheader) :] == SPACER * 100
        assert SPACER not in mail.text and "\u034f" not in mail.text


def test_without_a_preheader_the_heading_is_the_preview(example: Path) -> None:
    path = example / "messages" / "share.j2"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"\{% block preheader %\}.*?\{% endblock %\}", "", text, flags=re.S))
    mail = Renderer(load_campaign(example)).render_email("share", "en")
    document = parse(mail.html)
    assert mail.preheader == "" and document.find(".//div[@class='preheader']") is None
    assert "\u034f" not in mail.html


def test_colour_scheme_meta_and_dark_mode_colours(emails: dict[tuple[str, str], Email]) -> None:
    from outreach.emailhtml import contrast, dark_variant

    for mail in emails.values():
        document = parse(mail.html)
        meta = {m.get("name"): m.get("content") for m in document.findall(".//meta")}
        assert meta["color-scheme"] == "light dark"
        assert meta["supported-color-schemes"] == "light dark"
        style = text_of(document.find(".//style"))
        assert "color-scheme: light dark" in style
        dark = style.split("@media (prefers-color-scheme: dark)", 1)[1]
        assert f"color: {dark_variant(BRAND)} !important" in dark
        assert ".content a.button { color: #ffffff !important; }" in dark
        footer_links = document.findall(".//td[@class='footer']//a")
        assert footer_links and all(f"color: {BRAND}" in a.get("style") for a in footer_links)
    assert contrast(dark_variant(BRAND), "#1c1c1e") >= 4.5  # readable on the dark card
    assert contrast("#ffffff", BRAND) >= 4.5  # the button's text


def test_postal_address_and_view_in_browser_are_rendered_escaped(example: Path) -> None:
    set_email_settings(
        example,
        'postal_address = """\nLove & <Wins> Inc.\n1 "Rue" d\'Example\n75000 Paris"""\n'
        'view_in_browser_url = "https://example.org/mail/{message}/{locale}.html?x=1&y=2"\n'
        'brand_color = "#0A7D3B"\n',
    )
    renderer = Renderer(load_campaign(example))
    mail = renderer.render_email("petition", "fr")
    document = parse(mail.html)
    [address] = document.findall(".//p[@class='address']")
    assert [text.strip() for text in address.itertext()] == [
        "Love & <Wins> Inc.",
        '1 "Rue" d\'Example',
        "75000 Paris",
    ]
    assert len(address.findall("br")) == 2
    assert "Love &amp; &lt;Wins&gt; Inc.<br>" in mail.html
    links = {text_of(a): a.get("href") for a in document.findall(".//td[@class='footer']//a")}
    assert links["Afficher dans le navigateur"] == (
        "https://example.org/mail/petition/fr.html?x=1&y=2"
    )
    assert all("color: #0a7d3b" in a.get("style") for a in document.findall(".//td//p/a"))
    [cell] = document.findall(".//td[@class='button-cell']")
    assert cell.get("bgcolor") == "#0a7d3b"
    assert mail.text.endswith(
        '-- \nLove Always Wins\nLove & <Wins> Inc.\n1 "Rue" d\'Example\n75000 Paris\n'
        "Afficher dans le navigateur\u202f: https://example.org/mail/petition/fr.html?x=1&y=2\n"
        # the example's link is per recipient: outreach merge fills {email} and {token}
        "Se désabonner\u202f: https://example.org/love/unsubscribe?email={email}&token={token}\n"
    )
    assert renderer.render_text("petition", "fr") == mail.text


def test_without_address_and_link_the_footer_has_neither(example: Path) -> None:
    set_email_settings(example, "")
    mail = Renderer(load_campaign(example)).render_email("share", "en")
    document = parse(mail.html)
    assert document.find(".//p[@class='address']") is None
    assert [text_of(a) for a in document.findall(".//td[@class='footer']//a")] == ["Unsubscribe"]
    assert "View in your browser" not in mail.text


@pytest.mark.parametrize(
    ("line", "wrong"),
    [
        ('view_in_browser_url = "https://x.org/{email}"', "nothing else in braces"),
        ('view_in_browser_url = "ftp://x.org/{message}"', "whole http(s) link"),
        ('view_in_browser_url = "https://x.org/{message"', "nothing else in braces"),
        ('brand_color = "red"', "#rrggbb"),
        ('postal_address = "1 Main St\\u0007"', "no control characters"),
        ('postal_address = "  "', "one or more lines"),
        ("postal_address = 12", "must be a string"),
    ],
)
def test_bad_email_settings_are_config_errors(line: str, wrong: str) -> None:
    text = (
        '[campaign]\nname = "X"\nsource_locale = "en"\nlocales = ["en"]\n'
        f'hashtags = ["#X"]\nurl = "https://example.org/"\n\n[email]\n{line}\n'
    )
    with pytest.raises(ConfigError, match=re.escape(wrong)) as caught:
        parse_campaign(text, root=".")
    assert caught.value.line == 9


def test_view_in_browser_fills_message_and_locale_quoted() -> None:
    text = (
        '[campaign]\nname = "X"\nsource_locale = "en"\nlocales = ["en", "pt-BR"]\n'
        'hashtags = ["#X"]\nurl = "https://example.org/"\n\n[email]\n'
        'view_in_browser_url = "https://example.org/{locale}/{message}/{message}"\n'
    )
    settings = parse_campaign(text, root=".").email
    assert settings.view_in_browser("a b", "pt-BR") == "https://example.org/pt-BR/a%20b/a%20b"


def test_check_warns_when_email_goes_out_without_a_postal_address(example: Path) -> None:

    code, out, _ = run_cli(example, "check", "--format", "json")
    assert code == 0
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "postal-address"]
    set_email_settings(example, "")
    code, out, _ = run_cli(example, "check", "--format", "json")
    assert code == 0  # a warning
    [finding] = [f for f in json.loads(out)["findings"] if f["check"] == "postal-address"]
    config = (example / "messages" / "campaign.toml").read_text(encoding="utf-8").split("\n")
    assert finding["file"] == "messages/campaign.toml"
    assert config[finding["line"] - 1] == "[email]"
    assert finding["severity"] == "warning" and "CAN-SPAM" in finding["message"]
    assert "postal_address" in finding["message"]
    code, out, _ = run_cli(example, "check")
    assert f"messages/campaign.toml:{finding['line']}: warning: postal-address:" in out


def test_no_warning_for_a_campaign_without_email(example: Path) -> None:

    set_email_settings(example, "")
    for name in MESSAGES:
        path = example / "messages" / f"{name}.j2"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{% block (body|text) %\}.*?\{% endblock %\}", "", text, flags=re.S)
        path.write_text(text, encoding="utf-8")
    code, out, err = run_cli(example, "check", "--format", "json")
    assert code == 0, err
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "postal-address"]


# -- the image the layout is ready for (wired by another item) -------------------------------
def test_the_layout_shows_an_image_above_the_body_only_when_given(example: Path) -> None:
    campaign = load_campaign(example)
    plain = Renderer(campaign).render_email("petition", "en")  # share has its film still
    assert parse(plain.html).find(".//img") is None
    variables = {
        "image_url": "https://example.org/film.jpg?w=600&h=300",
        "image_alt": 'Two men "kissing" <3',
        "image_height": 300,
    }
    mail = Renderer(campaign, variables).render_email("share", "en")
    document = parse(mail.html)
    card = document.find(".//table[@class='card']")
    rows = card.findall("./tbody/tr")
    assert [row[0].get("class") for row in rows] == ["image", "content"]
    [image] = rows[0].findall(".//img")
    assert image.get("src") == "https://example.org/film.jpg?w=600&h=300"
    assert image.get("alt") == 'Two men "kissing" <3'
    assert (image.get("width"), image.get("height")) == ("600", "300")
    assert "display:block" in image.get("style").replace(" ", "")
    assert 'alt="Two men &quot;kissing&quot; <3"' in mail.html  # as css-inline writes it
    no_alt = Renderer(campaign, {"image_url": "https://example.org/x.png"}).render_email(
        "petition", "en"
    )
    [image] = parse(no_alt.html).findall(".//img")
    assert image.get("alt") == "" and image.get("height") is None


# -- untrusted translations -------------------------------------------------------------------
@pytest.mark.parametrize("label", ["Mira --> <b>x", "Mira --!> ya", "Mira -- ->"])
def test_a_button_label_cannot_end_outlooks_conditional_comment(example: Path, label: str) -> None:
    edit_po(po_path(example, "es"), {"Watch the film": label})
    # the library's render (the command holds an email whose translation is refused)
    html = Renderer(load_campaign(example)).render_email("share", "es").html
    comments: list[str] = []
    parser = HTMLParser()
    parser.handle_comment = comments.append  # type: ignore[method-assign]
    parser.feed(html)
    vml = [c for c in comments if "v:roundrect" in c]
    assert len(vml) == 1 and vml[0].endswith("</v:roundrect><![endif]")
