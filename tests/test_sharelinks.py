"""outreach.sharelinks: share-intent URLs that decode back to exactly what went in."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from outreach.sharelinks import share_link, share_links

URL = "https://example.org/love?ref=share&lang=pt#sign"
TRICKY = "Ação: é, ã, ñ & # + % 100% ; = ? /\nsecond line\r\nthird\rfourth"

KEYS = ["x", "whatsapp", "telegram", "facebook", "linkedin", "mailto", "bluesky", "threads"]


def _query(link: str) -> dict[str, str]:
    parts = urlsplit(link)
    parsed = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values())
    return {key: values[0] for key, values in parsed.items()}


def _mailto(link: str) -> dict[str, str]:
    assert link.startswith("mailto:?")
    fields: dict[str, str] = {}
    for pair in link[len("mailto:?") :].split("&"):
        key, _, value = pair.partition("=")
        fields[key] = unquote(value, errors="strict")
    return fields


def test_keys_in_stable_order() -> None:
    assert list(share_links(text="hi", url=URL)) == KEYS


def test_bases() -> None:
    links = share_links(text="hi", url=URL)
    assert links["x"].startswith("https://x.com/intent/post?")
    assert links["whatsapp"].startswith("https://wa.me/?text=")
    assert links["telegram"].startswith("https://t.me/share/url?")
    assert links["facebook"].startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert links["linkedin"].startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    assert links["mailto"].startswith("mailto:?")
    assert links["bluesky"].startswith("https://bsky.app/intent/compose?text=")
    assert links["threads"].startswith("https://www.threads.com/intent/post?text=")


def test_tricky_text_round_trips() -> None:
    links = share_links(text=TRICKY, url=URL, subject="Olá & adiós + 100%")
    assert _query(links["x"]) == {"text": TRICKY, "url": URL}
    assert _query(links["whatsapp"]) == {"text": TRICKY + " " + URL}
    assert _query(links["telegram"]) == {"url": URL, "text": TRICKY}
    assert _query(links["facebook"]) == {"u": URL}
    assert _query(links["linkedin"]) == {"url": URL}
    assert _query(links["bluesky"]) == {"text": TRICKY + " " + URL}
    assert _query(links["threads"]) == {"text": TRICKY, "url": URL}
    mail = _mailto(links["mailto"])
    assert mail["subject"] == "Olá & adiós + 100%"
    crlf = "Ação: é, ã, ñ & # + % 100% ; = ? /\r\nsecond line\r\nthird\r\nfourth"
    assert mail["body"] == crlf + "\r\n\r\n" + URL


def test_raw_urls_carry_no_unsafe_characters() -> None:
    links = share_links(text=TRICKY, url=URL, subject="a b")
    for link in links.values():
        query = link.split("?", 1)[1]
        assert " " not in query and "+" not in query and "\n" not in query
        assert "#" not in query  # a raw '#' would start a fragment


def test_mailto_encoding() -> None:
    link = share_links(text="Sign now\nplease", url=URL, subject="Love always wins")["mailto"]
    assert "+" not in link
    assert "subject=Love%20always%20wins" in link
    assert "body=Sign%20now%0D%0Aplease%0D%0A%0D%0Ahttps%3A%2F%2Fexample.org" in link


def test_mailto_without_subject_and_with_a_broken_subject() -> None:
    assert _mailto(share_links(text="hi", url=URL)["mailto"]) == {"body": "hi\r\n\r\n" + URL}
    mail = _mailto(share_links(text="hi", url=URL, subject="Line one\r\nline two")["mailto"])
    assert mail["subject"] == "Line one line two"


def test_x_hashtags() -> None:
    links = share_links(text="Love wins", url=URL, hashtags=["#LoveAlwaysWins", "AmorVence"])
    assert _query(links["x"])["hashtags"] == "LoveAlwaysWins,AmorVence"


def test_x_does_not_repeat_hashtags_in_the_text() -> None:
    text = "Love wins #lovealwayswins"
    query = _query(share_links(text=text, url=URL, hashtags=["#LoveAlwaysWins"])["x"])
    assert "hashtags" not in query
    query = _query(
        share_links(text=text, url=URL, hashtags=["#LoveAlwaysWins", "#AmorVence", "AmorVence"])[
            "x"
        ]
    )
    assert query["hashtags"] == "AmorVence"
    # a longer tag that merely starts the same way is another tag
    query = _query(
        share_links(text="#LoveAlwaysWinsToday", url=URL, hashtags=["#LoveAlwaysWins"])["x"]
    )
    assert query["hashtags"] == "LoveAlwaysWins"


def test_a_hashtag_is_present_as_has_hashtag_says() -> None:
    cases = [
        ("Sign ＃LoveAlwaysWins", None),  # the full-width spelling is the tag
        ("Sign #lovealwayswins", None),  # X compares tags case-insensitively
        ("Sign ##LoveAlwaysWins", "LoveAlwaysWins"),
        ("Sign #LoveAlwaysWins_2026", "LoveAlwaysWins"),
        ("https://example.org/#LoveAlwaysWins", "LoveAlwaysWins"),  # a link's fragment
    ]
    for text, missing in cases:
        query = _query(share_links(text=text, url=URL, hashtags=["#LoveAlwaysWins"])["x"])
        assert query.get("hashtags") == missing, text


def test_non_ascii_hashtags() -> None:
    links = share_links(text="Любовь", url=URL, hashtags=["#ЛюбовьПобеждает"])
    assert _query(links["x"])["hashtags"] == "ЛюбовьПобеждает"
    assert _query(links["bluesky"])["text"] == "Любовь #ЛюбовьПобеждает " + URL


def test_bluesky_adds_missing_hashtags() -> None:
    links = share_links(text="Love wins #AmorVence", url=URL, hashtags=["AmorVence", "#Pride"])
    assert _query(links["bluesky"])["text"] == "Love wins #AmorVence #Pride " + URL


def test_url_already_in_text_is_not_repeated() -> None:
    text = f"Sign now: {URL}"
    links = share_links(text=text, url=URL)
    assert _query(links["x"]) == {"text": text}
    assert _query(links["whatsapp"]) == {"text": text}
    assert _query(links["bluesky"]) == {"text": text}
    assert _mailto(links["mailto"]) == {"body": text}
    assert _query(links["facebook"]) == {"u": URL}


def test_empty_text() -> None:
    links = share_links(text="", url=URL)
    assert _query(links["whatsapp"]) == {"text": URL}
    assert _query(links["x"]) == {"text": "", "url": URL}


text_strategy = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from("&#+%=?; \n\r\téãñç😀"),
    ),
    max_size=60,
)
one_line = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
        st.sampled_from("&#+%=?; éãñ"),
    ),
    max_size=40,
)
url_strategy = st.builds(
    lambda path: "https://example.org/" + path,
    st.text(
        alphabet=st.one_of(
            st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
            st.sampled_from("&#+%=?;/éãñ"),
        ),
        max_size=30,
    ),
)


@settings(max_examples=300)
@given(text=text_strategy, url=url_strategy, subject=one_line)
def test_every_link_decodes_to_its_inputs(text: str, url: str, subject: str) -> None:
    assume(url not in text)
    links = share_links(text=text, url=url, subject=subject)
    assert list(links) == KEYS
    assert _query(links["x"]) == {"text": text, "url": url}
    assert _query(links["whatsapp"]) == {"text": f"{text} {url}" if text else url}
    assert _query(links["telegram"]) == {"url": url, "text": text}
    assert _query(links["facebook"]) == {"u": url}
    assert _query(links["linkedin"]) == {"url": url}
    assert _query(links["bluesky"]) == {"text": f"{text} {url}" if text else url}
    assert _query(links["threads"]) == {"text": text, "url": url}
    mail = _mailto(links["mailto"])
    assert mail["subject"] == subject
    body = "\r\n".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert mail["body"] == (f"{body}\r\n\r\n{url}" if text else url)
    assert "+" not in links["mailto"] and " " not in links["mailto"]


def test_telegram_takes_the_url_out_of_the_text() -> None:
    """Telegram shows the ``url`` above the text: a URL left in the text is shown twice."""
    link = share_link("telegram", text=f"Watch the film: {URL} #LoveAlwaysWins", url=URL)
    assert _query(link) == {"url": URL, "text": "Watch the film: #LoveAlwaysWins"}


def test_threads_intent_is_metas_documented_one() -> None:
    link = share_link("threads", text=f"Watch {URL}", url=URL)
    assert link.startswith("https://www.threads.com/intent/post?")
    assert _query(link) == {"text": f"Watch {URL}"}  # the URL is in the text already
