"""What an http(s) URL is (outreach/urls.py), asked of two things: a whole setting that must
be one absolute http(s) URL, and links written in text. Every caller uses the one home, and
these are its verdicts, literally: a hostile URL (a translator's or a pull request's) is
refused wherever a setting is one, and links are found alike by the checks and the tagger."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from outreach.campaign import parse_campaign
from outreach.errors import ConfigError
from outreach.preview.pages import local_images
from outreach.tokens import find_urls
from outreach.tracking import links_in, tag_text
from outreach.unsubscribe import link_problem
from outreach.urls import MAX_URL_LENGTH, ascii_domain, is_http_link, is_http_url

PACKAGE = Path(__file__).parent.parent / "src" / "outreach"
LONGEST = "https://example.org/" + "a" * (MAX_URL_LENGTH - len("https://example.org/"))


# (value, a whole http(s) URL, and one in ASCII as a mail header needs)
WHOLE = [
    ("https://example.org/love", True, True),
    ("http://localhost:8000/a?b=c#d", True, True),
    ("https://example.org:8080/", True, True),
    ("https://example.org./love", True, True),
    ("http://127.0.0.1/", True, True),
    ("http://[::1]:8080/a", True, True),
    ("https://example.org/{x}|^", True, True),
    (LONGEST, True, True),
    # an internationalised host: a real one is a whole URL, not a header's
    ("https://ex.org/ü?q=1", True, False),
    ("https://bücher.example/", True, False),
    ("https://xn--bcher-kva.example/", True, True),
    ("https://ехаmple.org/", True, False),  # a homograph: the checks compare scripts
    ("https://☃.example/", False, False),  # IDNA refuses a symbol
    ("https://xn--zz.example/", False, False),  # not an A-label
    # user information: the host a reader sees is not where the link goes
    ("https://a@evil.com", False, False),
    ("https://example.org@evil.com/", False, False),
    ("https://example.org:443@evil.com/", False, False),
    ("https://evil.com\\@example.org/", False, False),  # browsers read \ as /
    ("https://evil.com\\example.org/", False, False),
    # the scheme: http or https, in lower case as the code compares it
    ("HTTPS://example.org/", False, False),
    ("Https://example.org/", False, False),
    ("javascript:alert(1)", False, False),
    ("javascript://example.org/%0Aalert(1)", False, False),
    ("data:text/html,hi", False, False),
    ("ftp://example.org/", False, False),
    ("//example.org/", False, False),
    ("example.org", False, False),
    # no host
    ("https://", False, False),
    ("https:///love", False, False),
    ("https://:443/", False, False),
    ("https://?q=1", False, False),
    # white space, control and format characters, anywhere
    (" https://example.org", False, False),
    ("https://example.org/love\n", False, False),
    ("https://example.org/a b", False, False),
    ("https://exa mple.org", False, False),
    ("https://example.org/\t", False, False),
    ("https://example.org/\x00", False, False),
    ("https://example.org/\x7f", False, False),
    ("https://example.org/\x85", False, False),
    ("https://example.org/\x9b", False, False),
    ("https://example.org/\xa0", False, False),
    ("https://example.org/\u2028", False, False),
    ("https://exa\u200bmple.org/", False, False),
    ("https://example.org/\u202egpj.exe", False, False),
    # characters that end a link in text, an attribute or a header
    ("https://example.org/<script>", False, False),
    ('https://example.org/"onmouseover=x', False, False),
    ("https://example.org/`x`", False, False),
    # hosts and ports that are none
    ("https://example.org:99999/", False, False),
    ("https://example.org:8o/", False, False),
    ("https://example.org:80:80/", False, False),
    ("http://[::1]x/", False, False),
    ("http://[1.2.3.4]/", False, False),
    ("http://[fe80::1%25eth0]/", False, False),
    ("https://exa%6dple.org/", False, False),
    ("https://ex_ample.org/", False, False),
    ("https://a..example/", False, False),
    ("https://-a.example/", False, False),
    ("https://" + "a" * 64 + ".example/", False, False),
    # overlong
    (LONGEST + "a", False, False),
    ("https://example.org/" + "a" * 100_000, False, False),
]


@pytest.mark.parametrize(("value", "whole", "ascii"), WHOLE, ids=lambda v: repr(v)[:40])
def test_whole_http_url(value: str, whole: bool, ascii: bool) -> None:
    assert is_http_url(value) is whole
    assert is_http_url(value, ascii_only=True) is ascii
    assert ascii <= whole


CAMPAIGN = """\
[campaign]
name = "X"
source_locale = "en"
locales = ["en"]
hashtags = ["#X"]
url = {url}

[email]
from = "X <x@example.org>"
view_in_browser_url = {view}
unsubscribe_url = {unsubscribe}

[messages.share]
url = {share}
image = {image}
"""
GOOD = {
    "url": "https://example.org/love",
    "view": "https://example.org/mail/{message}/{locale}",
    "unsubscribe": "https://example.org/u?e={email}&t={token}",
    "share": "https://example.org/share",
    "image": "https://example.org/film.png",
}
LINES = {"url": 6, "view": 10, "unsubscribe": 11, "share": 14, "image": 15}
HOSTILE = [
    "https://example.org@evil.com/a.png",
    "https://evil.com\\@example.org/a.png",
    "HTTPS://example.org/a.png",
    "javascript:alert(1)//a.png",
    "https://example.org/\u202egnp.png",
    "https://example.org/\x9b.png",
    "https://exa\u200bmple.org/a.png",
    "https:///a.png",
    "https://example.org/" + "a" * MAX_URL_LENGTH + ".png",
]


def _toml(**values: str) -> str:
    """campaign.toml with ``values`` for GOOD's, each a TOML string (JSON's escapes are
    TOML's: the value arrives as written, control characters and all)."""
    return CAMPAIGN.format(**{k: json.dumps(v) for k, v in (GOOD | values).items()})


def test_the_good_settings_parse() -> None:
    campaign = parse_campaign(_toml(), root=".", path="messages/campaign.toml")
    assert campaign.url == GOOD["url"]


@pytest.mark.parametrize("key", sorted(LINES))
@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v)[:40])
def test_a_hostile_url_is_refused_by_every_setting(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_campaign(_toml(**{key: value}), root=".", path="messages/campaign.toml")
    assert caught.value.line == LINES[key], str(caught.value)
    assert "http(s)" in caught.value.message


@pytest.mark.parametrize("key", sorted(LINES))
def test_an_internationalised_host_is_a_setting_but_no_header(key: str) -> None:
    value = GOOD[key].replace("example.org", "bücher.example")
    toml = _toml(**{key: value})
    if key == "unsubscribe":  # List-Unsubscribe is an ASCII header
        with pytest.raises(ConfigError, match="in ASCII"):
            parse_campaign(toml, root=".", path="messages/campaign.toml")
    else:
        parse_campaign(toml, root=".", path="messages/campaign.toml")


def test_unsubscribe_url_refuses_what_it_said_it_would() -> None:
    # its message always said "without spaces or < >"; its own pattern let < > " through
    for value in ("https://example.org/u?e={email}&x=<b>", 'https://example.org/u"x'):
        assert link_problem("unsubscribe_url", value) == (
            "unsubscribe_url must be a whole http(s) link in ASCII, without spaces or < >"
        )


# -- links in text, and references a browser fetches ---------------------------------------
@pytest.mark.parametrize(
    ("ref", "http"),
    [
        ("https://example.org/a.jpg", True),
        ("HTTPS://example.org/a.jpg", True),
        ("  https://x.example/", True),
        ("\x01https://x.example/", True),
        ("ht\ttps://x.example/", True),
        ("ht\ntps://x.example/", True),
        ("//x.example/a.png", True),
        ("\\\\x.example/a.png", True),
        ("http:x.example", True),
        ("img/a.png", False),
        ("/img/a.png", False),
        ("data:image/png;base64,AA", False),
        ("cid:logo", False),
        ("mailto:a@example.org", False),
        ("www.example.org/love", False),
        ("javascript:alert(1)", False),
        ("ftp://example.org/", False),
        ("", False),
    ],
    ids=repr,
)
def test_is_http_link(ref: str, http: bool) -> None:
    assert is_http_link(ref) is http


@pytest.mark.parametrize(
    ("html", "remote"),
    [
        ('<img src="https://x.example/a.png">', 1),
        ('<img src="HTTPS://x.example/a.png">', 1),
        ('<img src="//x.example/a.png">', 1),
        ('<img src=" https://x.example/a.png">', 1),
        ('<img src="&#104;ttps://x.example/a.png">', 1),
        ('<img alt="" src="ht&#9;tps://x.example/a.png">', 1),
        ('<img src="cid:logo">', 0),
        ('<img src="data:image/png;base64,AA">', 0),
        ('<img src="img/a.png">', 0),
    ],
)
def test_the_preview_fetches_no_remote_image(html: str, remote: int) -> None:
    shown, count = local_images(html)
    assert count == remote
    assert shown == html if not remote else "x.example" not in shown


TEXTS = [
    "Sign: https://example.org/love. Then HTTP://example.org/a?b=1!",
    "Mira https://example.org/wiki/Pride_(film) y https://example.org/love…",
    "Go to www.elsewhere.example/?next=https://example.org/love now",
    "Write mailto:a@example.org?body=https://example.org/love or ftp://x.example/https://y",
    "<https://example.org/love> 'https://example.org/a' \"https://example.org/b\"",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_tagger_finds_the_links_the_checks_find(text: str) -> None:
    assert links_in(text) == [url for url in find_urls(text) if is_http_link(url)]


def test_a_link_inside_another_is_never_tagged() -> None:
    pairs, own = [("utm_source", "x")], {"example.org"}
    for text in TEXTS[2:4]:
        assert tag_text(text, pairs, own) == text
    assert links_in(TEXTS[2]) == []
    assert tag_text(TEXTS[0], pairs, own) == (
        "Sign: https://example.org/love?utm_source=x. Then http://example.org/a?b=1&utm_source=x!"
    )


def test_only_urls_py_writes_a_pattern_for_http_urls() -> None:
    """The five regexes that each said what an http(s) URL is are one home now."""
    found = []
    patterns = ("https?", "http[s]", "https|http", "http|https")
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "urls.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and any(p in text for p in patterns):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


@pytest.mark.parametrize(
    ("name", "ascii"),
    [
        ("straße.de", "xn--strae-oqa.de"),  # IDNA 2003 would make it strasse.de: another domain
        ("Straße.DE", "xn--strae-oqa.de"),
        ("strasse.de", "strasse.de"),  # the other domain
        ("bu\u0308cher.example", "xn--bcher-kva.example"),  # NFD: one domain with NFC
        ("bücher。example", "xn--bcher-kva.example"),  # an ideographic full stop is a dot
        ("ＢÜＣＨＥＲ.example", "xn--bcher-kva.example"),  # full-width letters, mapped
        ("ελληνικά.ελ", "xn--hxargifdar.xn--qxam"),
        ("Example.ORG", "Example.ORG"),  # ASCII: as written
        ("xn--strae-oqa.de", "xn--strae-oqa.de"),
        ("1.2.3.4", "1.2.3.4"),
        ("☃.example", None),  # a symbol: IDNA 2008 has none
        ("xn--zz.de", None),  # not an A-label
        ("r3---sn.example", None),  # "--" in the 3rd and 4th place outside xn--
        ("-bad.example", None),
        ("a..b", None),
        ("a" * 64 + ".de", None),
        ("", None),
    ],
)
def test_ascii_domain_is_idna_2008(name: str, ascii: str | None) -> None:
    assert ascii_domain(name) == ascii


def test_only_urls_py_asks_idna() -> None:
    """A domain is read by IDNA 2008 in one place (urls.ascii_domain), never by Python's
    IDNA 2003 codec (``.encode("idna")``), which sends ``straße.de`` to ``strasse.de``.
    ``tokens.url_host`` still uses the codec to compare the hosts of links between a source
    and its translation (both sides alike); no address goes through it."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == PACKAGE and path.name in ("urls.py", "tokens.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant):
                names = [node.value]  # "idna": the codec's name
            elif isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            else:
                continue
            if "idna" in names:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []
