"""Links campaigns can measure, posts with images, handles per platform (issue 11, 1-4, 10).

Every output is parsed back: posts and share links with ``urllib.parse``, emails with the
stdlib ``email`` parser, exports with ``csv``, ``json`` and ``icalendar``.

The last section holds the untrusted-input tests of these surfaces (the red team's third
round): a handle is every account it names, a backslash ends a link's host as in a browser,
alt text stays text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import SHARE_POST, TWEET_ALONG_POST, check_errors, edit_po, po_path, run_cli

from outreach.campaign import load_campaign
from outreach.mail import campaign_email, parse
from outreach.render import Renderer
from outreach.tokens import host_scripts, url_host
from outreach.tracking import links_in, tag_text, tag_url, untagged, url_key

START = "2030-12-02T09:00"
UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def _tags(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items() if k.startswith("utm_")}


def _config(root: Path, extra: str) -> None:
    path = root / "messages" / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


# -- links and tracking -----------------------------------------------------------------------
def test_every_post_link_is_tagged_for_its_channel_and_parses_back(example: Path) -> None:
    renderer = Renderer(load_campaign(example))
    for post in renderer.render_all(locales=["en", "es", "fr", "pt"]):
        links = [
            u
            for u in links_in(post.text)
            if urlsplit(u).hostname == "example.org"
            and "unsubscribe" not in u
            and "/love/email/" not in u  # the view-in-browser link: never tagged
        ]
        assert links, post
        for link in links:
            tags = _tags(link)
            medium = "email" if post.channel == "email" else "social"
            source = post.channel
            assert tags == {
                "utm_source": source,
                "utm_medium": medium,
                "utm_campaign": "lovealwayswins",
                "utm_content": f"{post.message}-{post.locale}",
            }, (post.message, post.locale, post.channel, link)


def test_share_has_its_own_link_and_gets_no_campaign_link(example: Path) -> None:
    renderer = Renderer(load_campaign(example))
    post = renderer.render_post("share", "es", "x")
    assert post.added == ()
    assert [untagged(u) for u in links_in(post.text)] == ["https://example.org/love/film"]
    assert untagged(post.url or "") == "https://example.org/love/film"
    petition = renderer.render_post("petition", "es", "x")
    assert [untagged(u) for u in links_in(petition.text)] == ["https://example.org/love"]


def test_var_url_is_the_message_link(example: Path) -> None:
    code, out, err = run_cli(
        example, "render", "share", "-c", "mastodon", "--format", "json",
        "--var", "url=https://example.org/love/live",
    )  # fmt: skip
    assert code == 0, err
    (post,) = json.loads(out)
    assert [untagged(u) for u in links_in(post["text"])] == ["https://example.org/love/live"]


def test_the_link_test_is_exact(example: Path) -> None:
    """A post that links another page of the same site does not carry the message's link:
    the message's link is appended."""
    (example / "messages" / "gifts.j2").write_text(
        "{% block post %}{% trans %}Gifts: https://example.org/lovely-gifts {{ hashtag }}"
        "{% endtrans %}{% endblock %}\n",
        encoding="utf-8",
    )
    post = Renderer(load_campaign(example)).render_post("gifts", "en", "mastodon")
    assert post.added == ("https://example.org/love",)
    assert [untagged(u) for u in links_in(post.text)] == [
        "https://example.org/lovely-gifts",
        "https://example.org/love",
    ]
    assert url_key("https://example.org/love/?utm_source=x") == url_key("https://Example.org/love")


def test_third_party_links_are_never_tagged(example: Path) -> None:
    pairs = [("utm_source", "x")]
    own = {"example.org"}
    assert tag_url("https://www.olympic.org/charter", pairs, own) == (
        "https://www.olympic.org/charter"
    )
    assert tag_url("https://example.org.evil.com/x", pairs, own) == (
        "https://example.org.evil.com/x"
    )
    assert tag_url("https://example.org/a?utm_source=mine", pairs, own) == (
        "https://example.org/a?utm_source=mine"
    )  # a tag the link already has wins
    body = (example / "messages" / "tweet-along.j2").read_text(encoding="utf-8")
    body = body.replace("{% block post %}", "{% block post %}https://olympics.com/charter ")
    (example / "messages" / "tweet-along.j2").write_text(body, encoding="utf-8")
    post = Renderer(load_campaign(example)).render_post("tweet-along", "en", "x")
    assert "https://olympics.com/charter " in post.text


def test_email_links_are_tagged_for_email_but_not_the_unsubscribe_link(example: Path) -> None:
    campaign = load_campaign(example)
    item = Renderer(campaign).render_email("share", "fr")
    message = parse(campaign_email(item, campaign))
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]
    film = [h for h in hrefs if urlsplit(h).path == "/love/film"]
    assert film and all(_tags(h)["utm_medium"] == "email" for h in film)
    assert _tags(film[0]) == {
        "utm_source": "email",
        "utm_medium": "email",
        "utm_campaign": "lovealwayswins",
        "utm_content": "share-fr",
    }
    unsubscribe = [h for h in hrefs if "unsubscribe" in h]
    assert unsubscribe and all(not _tags(h) for h in unsubscribe)
    plain = [u for u in links_in(text) if urlsplit(u).path == "/love/film"]
    assert plain and _tags(plain[0])["utm_source"] == "email"


def test_without_tracking_links_stay_as_written(example: Path) -> None:
    path = example / "messages" / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('[tracking]\nutm_campaign = "lovealwayswins"\n', ""), "utf-8")
    post = Renderer(load_campaign(example)).render_post("share", "en", "x")
    assert "https://example.org/love/film " in post.text and "utm_" not in post.text


def test_tracking_values_can_be_configured(example: Path) -> None:
    path = example / "messages" / "campaign.toml"
    text = path.read_text(encoding="utf-8").replace(
        'utm_campaign = "lovealwayswins"\n',
        'utm_campaign = "sochi"\nutm_source = "outreach-{channel}"\nutm_content = "{locale}"\n',
    )
    path.write_text(text, encoding="utf-8")
    post = Renderer(load_campaign(example)).render_post("share", "pt", "bluesky")
    assert _tags(post.url or "") == {
        "utm_source": "outreach-bluesky",
        "utm_medium": "social",
        "utm_campaign": "sochi",
        "utm_content": "pt",
    }


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ('[tracking]\nutm_source = "x"\n', "needs utm_campaign"),
        ('[tracking]\nutm_campaign = "{who}"\n', "may use only {channel}"),
        ('[messages.share]\nurl = "not a link"\n', "whole http(s) link"),
        ('[messages.share]\nimage = "../../etc/passwd.png"\n', "inside the campaign"),
        ('[messages.share]\nimage = "film.tiff"\n', ".gif, .jpeg"),
        # a browser would fetch these from a host: neither a URL setting nor a path
        ('[messages.share]\nimage = " //example.org@evil.com/p.png"\n', "inside the campaign"),
        ('[messages.share]\nimage = "//evil.com/p.png"\n', "inside the campaign"),
        ('[messages.share]\nimage = "img/p.png "\n', "inside the campaign"),
        ("[platforms.myspace]\nmax_characters = 1\n", "not a post channel"),
        ("[platforms.mastodon]\nmax_characters = 0\n", "positive whole number"),
        ('[handles.ioc]\nx = "@iocmedia"\n', "needs default"),
    ],
)
def test_bad_settings_are_one_line_errors_at_their_line(
    example: Path, extra: str, error: str
) -> None:
    path = example / "messages" / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    for table in ("[tracking]", "[messages.share]", "[handles.ioc]"):  # replace, not duplicate
        text = re.sub(rf"(?ms)^{re.escape(table)}\n.*?(?=^\[|\Z)", "", text)
    path.write_text(text + extra, encoding="utf-8")
    code, _, err = run_cli(example, "check")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("messages/campaign.toml:") or "campaign.toml:" in line
    assert error in line
    number = int(line.split("campaign.toml:", 1)[1].split(":", 1)[0])
    assert number > len(text.splitlines()) - 3  # the line of the new table or key


# -- share links ----------------------------------------------------------------------------
def test_share_links_use_each_platforms_post(example: Path, tmp_path: Path) -> None:
    body = (example / "messages" / "share.j2").read_text(encoding="utf-8")
    body += (
        "\n{% block post_bluesky %}{% trans %}Watch on Bluesky: {{ url }} {{ hashtag }}"
        "{% endtrans %}{% endblock %}\n"
    )
    (example / "messages" / "share.j2").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(example, "render", "share", "--out", str(out))
    assert code == 0, err
    links = json.loads((out / "share" / "en" / "share-links.json").read_text("utf-8"))
    bluesky = parse_qs(urlsplit(links["bluesky"]).query)["text"][0]
    assert bluesky.startswith("Watch on Bluesky: https://example.org/love/film?")
    assert _tags(links_in(bluesky)[0])["utm_source"] == "bluesky"
    x = parse_qs(urlsplit(links["x"]).query)
    assert x["text"][0].startswith("Love always wins.")
    assert _tags(links_in(x["text"][0])[0])["utm_source"] == "x"
    threads = parse_qs(urlsplit(links["threads"]).query)
    assert links["threads"].startswith("https://www.threads.com/intent/post?")
    assert _tags(links_in(threads["text"][0])[0])["utm_source"] == "threads"
    telegram = parse_qs(urlsplit(links["telegram"]).query)
    assert _tags(telegram["url"][0])["utm_source"] == "telegram"
    assert "https://" not in telegram["text"][0]  # the URL once, in url=
    facebook = parse_qs(urlsplit(links["facebook"]).query)
    assert _tags(facebook["u"][0])["utm_source"] == "facebook"
    mail = parse_qs(urlsplit(links["mailto"]).query)
    assert mail["subject"] == ["Two minutes that show why love always wins"]
    post = Renderer(load_campaign(example)).render_post("share", "en", "bluesky")
    assert post.share_url == links["bluesky"]


# -- handles --------------------------------------------------------------------------------
def test_each_platform_gets_its_own_handle(example: Path) -> None:
    renderer = Renderer(load_campaign(example))
    assert "@iocmedia," in renderer.render_post("tweet-along", "fr", "x").text
    mastodon = renderer.render_post("tweet-along", "fr", "mastodon").text
    assert "@iocmedia" not in mastodon and "CIO," in mastodon
    assert "COI," in renderer.render_post("tweet-along", "es", "bluesky").text
    code, out, _ = run_cli(example, "check", "--format", "json")
    assert code == 0
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "handles"]


def test_an_x_handle_on_mastodon_is_a_warning(example: Path) -> None:
    path = example / "messages" / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        'default = { en = "IOC", es = "COI", fr = "CIO", pt = "COI" }', 'default = "@iocmedia"'
    )
    path.write_text(text, encoding="utf-8")
    code, out, _ = run_cli(example, "check", "--format", "json")
    assert code == 0
    found = [f for f in json.loads(out)["findings"] if f["check"] == "handles"]
    assert {(f["locale"], f["severity"]) for f in found} == {("en", "warning")}  # once
    assert {m for f in found for m in re.findall(r"on (mastodon|bluesky):", f["message"])} == {
        "mastodon",
        "bluesky",
    }
    assert all("[handles.<name>]" in f["message"] for f in found)


# -- images ---------------------------------------------------------------------------------
ALT_EN = "Two hands joined in the snow, under a rainbow"
IMAGE = "https://example.org/love/film-still.jpg"


def _export(root: Path, tmp_path: Path, channel: str, fmt: str) -> bytes:
    out = tmp_path / f"{channel}.{fmt}"
    code, _, err = run_cli(
        root, "export", "-c", channel, "--format", fmt, "--start", START, "--every", "1h",
        "--message", "share", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    return out.read_bytes()


def test_image_and_alt_text_reach_every_export_format(example: Path, tmp_path: Path) -> None:
    from icalendar import Calendar

    rows = list(csv.DictReader(io.StringIO(_export(example, tmp_path, "x", "csv").decode())))
    assert {(r["locale"], r["image"]) for r in rows} == {
        (loc, IMAGE) for loc in ("en", "es", "fr", "pt")
    }
    alts = {r["locale"]: r["image_alt"] for r in rows}
    assert (
        alts["en"] == ALT_EN
        and alts["fr"] == "Deux mains jointes dans la neige, sous un arc-en-ciel"
    )
    assert all(_tags(r["url"])["utm_source"] == "x" for r in rows)
    data = json.loads(_export(example, tmp_path, "mastodon", "json"))
    assert {d["image_alt"] for d in data} == set(alts.values()) - {""} | {alts["en"]}
    buffer = list(csv.DictReader(io.StringIO(_export(example, tmp_path, "x", "buffer").decode())))
    assert {r["Image URL"] for r in buffer} == {IMAGE}
    events = Calendar.from_ical(_export(example, tmp_path, "x", "ics")).walk("VEVENT")
    for event in events:
        assert str(event["ATTACH"]) == IMAGE
        assert event["ATTACH"].params["FMTTYPE"] == "image/jpeg"
        assert _tags(str(event["URL"]))["utm_source"] == "x"
    descriptions = {str(e["DESCRIPTION"]) for e in events}
    assert any(d.endswith(f"{IMAGE} ({ALT_EN})") for d in descriptions)
    bodies = json.loads(_export(example, tmp_path, "mastodon", "mastodon"))
    assert {b["media"][0]["url"] for b in bodies} == {IMAGE}
    assert {b["media"][0]["description"] for b in bodies} == set(alts.values())


def test_a_file_image_is_refused_where_only_a_url_works(example: Path, tmp_path: Path) -> None:
    path = example / "messages" / "campaign.toml"
    text = path.read_text(encoding="utf-8").replace(IMAGE, "images/still.png")
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "b.csv"
    code, _, err = run_cli(
        example, "export", "-c", "x", "--format", "buffer", "--start", START, "--every", "1h",
        "--message", "share", "--out", str(out),
    )  # fmt: skip
    assert code == 1 and "imports images by URL" in err and not out.exists()
    bodies = json.loads(_export(example, tmp_path, "mastodon", "mastodon"))
    assert bodies[0]["media"] == [{"file": "images/still.png", "description": ALT_EN}]


def test_alt_text_is_checked(example: Path) -> None:
    edit_po(po_path(example, "es"), {ALT_EN: ""})  # untranslated: read out in English
    code, out, _ = run_cli(example, "check", "--format", "json")
    on_alt = [f for f in json.loads(out)["findings"] if f["msgid"] == ALT_EN]
    # one cause, one finding: the catalog's "untranslated", not also "images"
    assert code == 0 and [(f["locale"], f["check"]) for f in on_alt] == [("es", "untranslated")]
    edit_po(po_path(example, "fr"), {ALT_EN: "Deux mains. " * 100})  # 1,200 characters
    code, out, _ = run_cli(example, "check", "--format", "json")
    found = [
        f for f in json.loads(out)["findings"] if f["check"] == "images" and f["locale"] == "fr"
    ]
    assert code == 1 and [f["severity"] for f in found] == ["error"]
    assert "over the 1,000 that x takes" in found[0]["message"]
    body = (example / "messages" / "share.j2").read_text(encoding="utf-8")
    body = re.sub(r"\{% block image_alt %\}.*?\{% endblock %\}", "", body)
    (example / "messages" / "share.j2").write_text(body, encoding="utf-8")
    code, out, _ = run_cli(example, "check", "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["check"] == "images"]
    assert code == 1 and found[0]["locale"] == "en" and "has no alt text" in found[0]["message"]
    # at the template line where the block goes: before the post it describes
    lines = body.splitlines()
    assert found[0]["file"] == "messages/share.j2"
    assert "{% block post %}" in lines[found[0]["line"] - 1]


# -- platform rules -------------------------------------------------------------------------
def test_a_campaign_overrides_mastodons_limit(example: Path) -> None:
    long_post = "Love always wins. " * 35 + "%(url)s %(hashtag)s"  # about 650 characters
    body = (example / "messages" / "share.j2").read_text(encoding="utf-8")
    body += (
        "\n{% block post_mastodon %}"
        + long_post.replace("%(url)s", "{{ url }}").replace("%(hashtag)s", "{{ hashtag }}")
        + "{% endblock %}\n"
    )
    (example / "messages" / "share.j2").write_text(body, encoding="utf-8")
    post = Renderer(load_campaign(example)).render_post("share", "en", "mastodon")
    assert post.limit == 500 and not post.ok
    _config(example, "\n[platforms.mastodon]\nmax_characters = 1000\n")
    post = Renderer(load_campaign(example)).render_post("share", "en", "mastodon")
    assert post.limit == 1000 and post.ok


def test_instagram_takes_five_hashtags_in_a_rendered_post(example: Path) -> None:
    body = (example / "messages" / "share.j2").read_text(encoding="utf-8")
    tags = "{{ hashtag }} #Sochi #Love #Wins #Pride #Olympics"
    body += "\n{% block post_instagram %}" + tags + "{% endblock %}\n"
    (example / "messages" / "share.j2").write_text(body, encoding="utf-8")
    post = Renderer(load_campaign(example)).render_post("share", "en", "instagram")
    assert "6 hashtags, more than the 5 Instagram allows" in post.problems


def test_buffer_checks_its_own_stricter_limits(example: Path, tmp_path: Path) -> None:
    words = "Love always wins, and we will say so until the Games. " * 100  # 5,400 characters
    body = (example / "messages" / "share.j2").read_text(encoding="utf-8")
    body += "\n{% block post_facebook %}" + words + "{{ url }} {{ hashtag }}{% endblock %}\n"
    (example / "messages" / "share.j2").write_text(body, encoding="utf-8")
    post = Renderer(load_campaign(example)).render_post("share", "en", "facebook")
    assert post.ok  # Facebook itself takes 63,206
    out = tmp_path / "fb.csv"
    code, _, err = run_cli(
        example, "export", "-c", "facebook", "--format", "buffer", "--start", START,
        "--every", "1h", "--message", "share", "-l", "en", "--out", str(out),
    )  # fmt: skip
    assert code == 1 and not out.exists()
    assert "Buffer takes at most 5,000 for facebook" in err


def test_a_word_glued_to_a_handle_from_handles_is_a_hijack(example: Path) -> None:
    """``{% trans handle=handles.ioc %}``: the checks fill %(handle)s with the X handle, so
    a translation that glues a word to it (``@iocmedia_fake``) is a mention of another
    account, refused like any other."""
    charter = (
        "The Olympic Charter rejects discrimination of any kind. %(handle)s, stand by your "
        "own charter in Sochi: %(url)s %(hashtag)s"
    )
    edit_po(
        po_path(example, "es"), {charter: "Carta: %(handle)s_fake, cumple: %(url)s %(hashtag)s"}
    )
    code, out, _ = run_cli(example, "check", "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["msgid"] == charter]
    assert code == 1 and any(f["check"] == "mentions" and f["severity"] == "error" for f in found)


def test_a_one_name_domain_in_a_translation_never_goes_out_as_fine(
    example: Path, tmp_path: Path
) -> None:
    """``evil.io`` is only a warning as an entry (it looks like an abbreviation), but X and
    Bluesky link it: the rendered post links where its source does not, so render exits 1
    and export writes nothing, as check reports it."""
    share = (
        "Love always wins. Watch our two-minute film and share it with the people you love: "
        "%(url)s %(hashtag)s"
    )
    edit_po(po_path(example, "es"), {share: "Mira el corto en evil.io: %(url)s %(hashtag)s"})
    post = Renderer(load_campaign(example)).render_post("share", "es", "x")
    assert not post.ok and any("links to evil.io" in p for p in post.problems)
    code, _, err = run_cli(example, "render", "share", "-l", "es", "-c", "x")
    assert code == 1 and "evil.io" in err
    out = tmp_path / "posts.csv"
    code, _, err = run_cli(
        example, "export", "-c", "x", "--format", "csv", "--start", START, "--out", str(out)
    )
    assert code == 1 and not out.exists() and "evil.io" in err
    code, out_json, _ = run_cli(example, "check", "--format", "json")
    urls = [f for f in json.loads(out_json)["findings"] if f["check"] == "urls"]
    assert code == 1 and len(urls) == 1 and "evil.io" in urls[0]["message"]  # once
    assert not [
        f
        for f in json.loads(out_json)["findings"]
        if "evil.io" in f["message"] and f["check"] != "urls" and f["severity"] == "error"
    ]


def test_links_are_cut_where_the_checks_cut_them() -> None:
    """Tagging finds a link's end as the link checks do (urls.trim_url): a ``)`` the link
    opened stays in it, a closing ``…`` does not."""
    pairs, own = [("utm_source", "x")], {"example.org"}
    assert links_in("Mira https://example.org/wiki/Pride_(film) y https://example.org/love…") == [
        "https://example.org/wiki/Pride_(film)",
        "https://example.org/love",
    ]
    assert tag_text("(https://example.org/a_(b)).", pairs, own) == (
        "(https://example.org/a_(b)?utm_source=x)."
    )
    assert tag_text("Mira https://example.org/love…", pairs, own) == (
        "Mira https://example.org/love?utm_source=x…"
    )


# -- untrusted translations: handles, links, alt text (the red team's third round) ------------
def _post(campaign: Path, message: str, channel: str) -> tuple[int, str]:
    """The command's exit code and the item's text; an item the command holds (it would
    use a refused translation) is not printed: then the library's render, which falls back
    string by string, shows what the refused translation became."""
    code, out, err = run_cli(
        campaign, "render", message, "-l", "es", "-c", channel, "--format", "json"
    )
    if not out:
        assert code == 1 and "held back: es" in err, err
        return code, Renderer(load_campaign(campaign)).render(message, "es", channel).text
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


# a handle is every account it names, on every channel
@pytest.mark.parametrize("channel", ["mastodon", "bluesky", "threads"])
def test_an_at_before_a_handle_that_is_a_name_elsewhere_is_a_new_mention(
    example: Path, channel: str
) -> None:
    """``@%(handle)s`` reads ``@@iocmedia`` on X (no new mention there) but ``@COI`` on
    every channel that gets the IOC's name: it would notify whoever ``COI`` is."""
    edit_po(
        po_path(example, "es"),
        {TWEET_ALONG_POST: "Carta: @%(handle)s, cumple: %(url)s %(hashtag)s"},
    )
    errors = check_errors(example, "-l", "es", "--no-render")[1]
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
    edit_po(po_path(example, "es"), {TWEET_ALONG_POST: f"Carta: {translation}"})
    assert any(
        e["check"] == "mentions" for e in check_errors(example, "-l", "es", "--no-render")[1]
    )
    code, text = _post(example, "tweet-along", channel)
    assert code == 1 and account not in text


def test_each_channels_handle_as_the_source_writes_it_is_fine(example: Path) -> None:
    _with_handles(example)
    edit_po(
        po_path(example, "es"), {TWEET_ALONG_POST: "Carta: %(handle)s, cumple: %(url)s %(hashtag)s"}
    )
    assert not check_errors(example, "-l", "es", "--no-render")[1]
    for channel, account in (("bluesky", "@olympics.example,"), ("mastodon", "@mastodon.example")):
        code, text = _post(example, "tweet-along", channel)
        assert code == 0 and account in text


# a backslash ends a link's host, as browsers read it
PAIRS = [("utm_source", "x"), ("utm_medium", "social")]


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.com\\x:y@example.org/love/film",
        "https://evil.com\\@example.org/love/film",
        "https://EVIL.com\\\\@example.org/",
    ],
)
def test_a_backslash_ends_the_host_as_in_a_browser(link: str) -> None:
    """WHATWG URL parsing (every browser) reads ``\\`` as ``/`` in an http(s) link, so the
    host is what comes before it; Python's urlsplit reads on to the ``@``."""
    assert url_host(link) == "evil.com"
    assert host_scripts(link) == {"Latin"}
    assert tag_url(link, PAIRS, {"example.org"}) == link
    assert tag_text(f"Mira {link} ya", PAIRS, {"example.org"}) == f"Mira {link} ya"


def test_a_backslash_in_the_path_keeps_the_host() -> None:
    assert url_host("https://example.org\\love\\film") == "example.org"
    assert tag_url("https://example.org\\love", PAIRS, {"example.org"}).endswith(
        "?utm_source=x&utm_medium=social"
    )


def test_a_foreign_host_before_a_backslash_is_a_link_hijack_and_is_not_sent(example: Path) -> None:
    """The link reads as example.org's to Python, and goes to evil.com in a browser (and
    on X, which links ``https://evil.com``); it used to pass every check, tagged."""
    hijack = "Mira https://evil.com\\x:y@example.org/love/film ya: %(url)s %(hashtag)s"
    watch = "Mira la película: https://evil.com\\x:y@example.org/love/film %(url)s"
    edit_po(po_path(example, "es"), {SHARE_POST: hijack, "Watch the film: %(url)s": watch})
    errors = check_errors(example, "-l", "es", "--no-render")[1]
    assert any(e["check"] == "urls" and "evil.com" in str(e["message"]) for e in errors)
    code, text = _post(example, "share", "x")
    assert code == 1 and "evil.com" not in text
    code, out, err = run_cli(
        example, "render", "share", "-l", "es", "-c", "email", "--format", "json"
    )
    assert code == 1 and out == "" and "held back: es" in err  # never produced
    email = Renderer(load_campaign(example)).render_email("share", "es")
    assert "evil.com" not in email.text + email.html


# alt text
def test_alt_text_stays_text_in_every_output(example: Path) -> None:
    """Quotes and entities in alt text stay inside the ``alt`` attribute, the CSV cell, the
    Mastodon description; line breaks become spaces."""
    edit_po(po_path(example, "es"), {ALT_EN: 'Dos manos" onerror="x()\r\nDESCRIPTION:&quot;'})
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
