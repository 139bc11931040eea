"""The red team's third round: what a translator (a .po, or any file a pull request adds) can
do with the surfaces that came with links and images: translated alt text, UTM tagging,
``[handles.<name>]``, share links per channel, the bulletproof email button and layout, the
preview's remote-image placeholders.

Each test pins an attack that got harmful output out before its fix, and the fix. The
attacks that held are listed in the report of issue 9's third round; a few of them are
pinned here too, so that they keep holding.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import edit_po, po_path, run_cli

from outreach.tokens import host_scripts, url_host
from outreach.tracking import tag_text, tag_url

SHARE_POST = (
    "Love always wins. Watch our two-minute film and share it with the people you love: "
    "%(url)s %(hashtag)s"
)
IOC_POST = (
    "The Olympic Charter rejects discrimination of any kind. %(handle)s, stand by your own "
    "charter in Sochi: %(url)s %(hashtag)s"
)
ALT = "Two hands joined in the snow, under a rainbow"
PAIRS = [("utm_source", "x"), ("utm_medium", "social")]


def _errors(campaign: Path, *args: str) -> list[dict[str, object]]:
    code, out, _ = run_cli(campaign, "check", "--no-cache", "--format", "json", *args)
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert (code == 1) == bool(errors)
    return errors


def _post(campaign: Path, message: str, channel: str) -> tuple[int, str]:
    code, out, _ = run_cli(
        campaign, "render", message, "-l", "es", "-c", channel, "--format", "json"
    )
    data = json.loads(out)
    item = data[0] if isinstance(data, list) else data
    return code, str(item["text"])


def _with_handles(campaign: Path) -> None:
    """The organizer gives the IOC its own account on Bluesky and Mastodon too."""
    path = campaign / "messages" / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    handles = 'x = "@iocmedia"\n'
    assert handles in text
    extra = 'bluesky = "@olympics.example"\nmastodon = "@iocmedia@mastodon.example"\n'
    path.write_text(text.replace(handles, handles + extra), encoding="utf-8")


# -- 1. a handle is every account it names, on every channel ------------------------------------
@pytest.mark.parametrize("channel", ["mastodon", "bluesky", "threads"])
def test_an_at_before_a_handle_that_is_a_name_elsewhere_is_a_new_mention(
    example: Path, channel: str
) -> None:
    """``@%(handle)s`` reads ``@@iocmedia`` on X (no new mention there) but ``@COI`` on
    every channel that gets the IOC's name: it would notify whoever ``COI`` is."""
    edit_po(po_path(example, "es"), {IOC_POST: "Carta: @%(handle)s, cumple: %(url)s %(hashtag)s"})
    errors = _errors(example, "-l", "es", "--no-render")
    assert any(e["check"] == "mentions" and "@COI" in str(e["message"]) for e in errors), errors
    code, text = _post(example, "tweet-along", channel)
    assert code == 1 and "@COI" not in text and "@@" not in text


@pytest.mark.parametrize(
    ("translation", "channel", "account"),
    [
        ("%(handle)s-x, cumple: %(url)s %(hashtag)s", "bluesky", "@olympics.example-x"),
        ("%(handle)s.evil, cumple: %(url)s %(hashtag)s", "mastodon", "@mastodon.example.evil"),
    ],
)
def test_a_tail_on_a_handle_of_another_channel_is_a_new_mention(
    example: Path, translation: str, channel: str, account: str
) -> None:
    """On X, ``@iocmedia-x`` and ``@iocmedia.evil`` still mention @iocmedia; on Bluesky
    (domain handles) and Mastodon (``@user@instance``) they are other accounts."""
    _with_handles(example)
    edit_po(po_path(example, "es"), {IOC_POST: f"Carta: {translation}"})
    assert any(e["check"] == "mentions" for e in _errors(example, "-l", "es", "--no-render"))
    code, text = _post(example, "tweet-along", channel)
    assert code == 1 and account not in text


def test_each_channels_handle_as_the_source_writes_it_is_fine(example: Path) -> None:
    _with_handles(example)
    edit_po(po_path(example, "es"), {IOC_POST: "Carta: %(handle)s, cumple: %(url)s %(hashtag)s"})
    assert not _errors(example, "-l", "es", "--no-render")
    for channel, account in (("bluesky", "@olympics.example,"), ("mastodon", "@mastodon.example")):
        code, text = _post(example, "tweet-along", channel)
        assert code == 0 and account in text


# -- 2. a backslash ends a link's host, as browsers read it -------------------------------------
@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example\\x:y@example.org/love/film",
        "https://evil.example\\@example.org/love/film",
        "https://EVIL.example\\\\@example.org/",
    ],
)
def test_a_backslash_ends_the_host_as_in_a_browser(link: str) -> None:
    """WHATWG URL parsing (every browser) reads ``\\`` as ``/`` in an http(s) link, so the
    host is what comes before it; Python's urlsplit reads on to the ``@``."""
    assert url_host(link) == "evil.example"
    assert host_scripts(link) == {"Latin"}
    assert tag_url(link, PAIRS, {"example.org"}) == link
    assert tag_text(f"Mira {link} ya", PAIRS, {"example.org"}) == f"Mira {link} ya"


def test_a_backslash_in_the_path_keeps_the_host() -> None:
    assert url_host("https://example.org\\love\\film") == "example.org"
    assert tag_url("https://example.org\\love", PAIRS, {"example.org"}).endswith(
        "?utm_source=x&utm_medium=social"
    )


def test_a_foreign_host_before_a_backslash_is_a_link_hijack_and_is_not_sent(example: Path) -> None:
    """The link reads as example.org's to Python, and goes to evil.example in a browser (and
    on X, which links ``https://evil.example``); it used to pass every check, tagged."""
    hijack = "Mira https://evil.example\\x:y@example.org/love/film ya: %(url)s %(hashtag)s"
    watch = "Mira la película: https://evil.example\\x:y@example.org/love/film %(url)s"
    edit_po(po_path(example, "es"), {SHARE_POST: hijack, "Watch the film: %(url)s": watch})
    errors = _errors(example, "-l", "es", "--no-render")
    assert any(e["check"] == "urls" and "evil.example" in str(e["message"]) for e in errors)
    code, text = _post(example, "share", "x")
    assert code == 1 and "evil.example" not in text
    code, out, _ = run_cli(
        example, "render", "share", "-l", "es", "-c", "email", "--format", "json"
    )
    email = json.loads(out)[0]
    assert code == 1 and "evil.example" not in email["text"] + email["html"]


# -- what held: pinned so that it keeps holding -------------------------------------------------
def test_alt_text_stays_text_in_every_output(example: Path) -> None:
    """Quotes and entities in alt text stay inside the ``alt`` attribute, the CSV cell, the
    Mastodon description; line breaks become spaces."""
    edit_po(po_path(example, "es"), {ALT: 'Dos manos" onerror="x()\r\nDESCRIPTION:&quot;'})
    code, out, _ = run_cli(
        example, "render", "share", "-l", "es", "-c", "email", "--format", "json"
    )
    email = json.loads(out)[0]
    assert code == 0
    images: list[dict[str, str | None]] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img":
                images.append(dict(attrs))

    Images().feed(email["html"])
    assert [set(i) for i in images] == [{"src", "width", "alt", "style"}]
    assert images[0]["alt"] == 'Dos manos" onerror="x() DESCRIPTION:&quot;'
    args = ("--start", "2030-12-01T09:00", "-l", "es", "-m", "share")
    code, out, _ = run_cli(example, "export", "-c", "mastodon", "--format", "mastodon", *args)
    media = json.loads(out)[0]["media"]
    assert code == 0 and media[0]["description"] == 'Dos manos" onerror="x() DESCRIPTION:&quot;'


@pytest.mark.parametrize("label", ["Mira --> <b>x", "Mira --!> ya", "Mira -- ->"])
def test_a_button_label_cannot_end_outlooks_conditional_comment(example: Path, label: str) -> None:
    edit_po(po_path(example, "es"), {"Watch the film": label})
    _, out, _ = run_cli(example, "render", "share", "-l", "es", "-c", "email", "--format", "json")
    html = json.loads(out)[0]["html"]
    comments: list[str] = []
    parser = HTMLParser()
    parser.handle_comment = comments.append  # type: ignore[method-assign]
    parser.feed(html)
    vml = [c for c in comments if "v:roundrect" in c]
    assert len(vml) == 1 and vml[0].endswith("</v:roundrect><![endif]")
