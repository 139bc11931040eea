"""outreach.platforms: counting posts per platform, hashtags, Bluesky facets."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

import outreach.platforms as platforms
from outreach.errors import UsageError
from outreach.platforms import (
    POST_CHANNELS,
    Measure,
    bluesky_facets,
    find_hashtags,
    has_hashtag,
    hashtag_problems,
    measure,
    platform,
)

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, 25 UTF-8 bytes
HEART_ON_FIRE = "❤️\u200d🔥"  # one grapheme, 13 UTF-8 bytes

# Text without lone surrogates (which no catalog can hold: they are not UTF-8).
unicode_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80)


# --- the platform table ----------------------------------------------------------------------


def test_post_channels_in_order() -> None:
    assert POST_CHANNELS == (
        "x",
        "mastodon",
        "bluesky",
        "threads",
        "facebook",
        "instagram",
        "linkedin",
        "whatsapp",
    )
    assert [platform(name).name for name in POST_CHANNELS] == list(POST_CHANNELS)


@pytest.mark.parametrize(
    ("name", "title", "limit"),
    [
        ("x", "X", 280),
        ("mastodon", "Mastodon", 500),
        ("bluesky", "Bluesky", 300),
        ("threads", "Threads", 500),
        ("facebook", "Facebook", 63206),
        ("instagram", "Instagram", 2200),
        ("linkedin", "LinkedIn", 3000),
        ("whatsapp", "WhatsApp", 65536),
    ],
)
def test_platform_limits(name: str, title: str, limit: int) -> None:
    spec = platform(name)
    assert (spec.title, spec.limit) == (title, limit)
    assert spec.unit


def test_platform_caps() -> None:
    assert platform("bluesky").max_bytes == 3000
    assert platform("instagram").max_hashtags == 5  # Instagram's cap since December 2025
    assert platform("threads").max_links == 5
    assert platform("x").max_hashtags is None


@pytest.mark.parametrize("name", ["email", "twitter", "X ", ""])
def test_unknown_channel_lists_the_known_ones(name: str) -> None:
    with pytest.raises(UsageError) as caught:
        platform(name)
    assert "x, mastodon, bluesky, threads, facebook, instagram, linkedin, whatsapp" in str(
        caught.value
    )
    with pytest.raises(UsageError):
        measure(name, "hello")
    with pytest.raises(UsageError):
        hashtag_problems("#hello", name)


def test_measure_properties() -> None:
    fine = Measure("x", 280, 280)
    assert fine.over == 0 and fine.ok
    over = Measure("x", 290, 280, ("290 weighted characters, 10 over the limit of 280",))
    assert over.over == 10 and not over.ok


# --- X -------------------------------------------------------------------------------------

X_TEXTS = [
    "Love always wins.",
    "L'amour gagne toujours. Ça y est, été à Zürich, niño, São Paulo.",
    "Cafe\u0301 decomposed e-acute",  # NFD: NFC first
    "愛は常に勝つ",
    "사랑은 언제나 이긴다",
    "Emoji 😷 and ❤️ and 🏳️‍🌈 and " + FAMILY,
    "Sign now: https://example.org/" + "a" * 200,
    "Visit example.org or www.example.com/path?q=1",
    "Mixed: русский, العربية, हिन्दी, עברית, ελληνικά",
    "Quotes “like these” – dashes — and … ellipsis ′ prime",
    "Line\nbreaks\r\nand\ttabs",
    "",
]


@pytest.mark.parametrize("text", X_TEXTS)
def test_x_matches_twitter_text(text: str) -> None:
    assert (
        measure("x", text).length == parse_tweet(unicodedata.normalize("NFC", text)).weightedLength
    )
    assert measure("x", text).limit == 280


@settings(max_examples=200)
@given(unicode_text)
def test_x_matches_twitter_text_on_any_text(text: str) -> None:
    expected = parse_tweet(unicodedata.normalize("NFC", text)).weightedLength
    assert measure("x", text).length == expected


def test_x_weights() -> None:
    assert measure("x", "abc").length == 3
    assert measure("x", "éàñ").length == 3
    assert measure("x", "日本語").length == 6  # CJK counts 2
    assert measure("x", "😷").length == 2
    assert measure("x", FAMILY).length == 2  # a ZWJ sequence is one emoji
    assert measure("x", "https://example.org/" + "a" * 100).length == 23
    assert measure("x", "example.org").length == 23  # bare domains too


def test_x_limit_boundary() -> None:
    at_limit = measure("x", "a" * 280)
    assert at_limit.ok and at_limit.over == 0 and at_limit.problems == ()
    over = measure("x", "a" * 281)
    assert not over.ok
    assert over.over == 1
    assert over.problems == ("281 weighted characters, 1 over the limit of 280",)
    cjk = measure("x", "日" * 206)  # 412 weighted
    assert cjk.problems == ("412 weighted characters, 132 over the limit of 280",)


def test_x_url_shortening_keeps_long_post_ok() -> None:
    text = "a" * 256 + " https://example.org/" + "x" * 500
    assert measure("x", text).length == 256 + 1 + 23
    assert measure("x", text).ok


def test_x_rejects_invalid_characters() -> None:
    result = measure("x", "hello\ufeff")
    assert any("U+FEFF" in problem for problem in result.problems)


# --- Mastodon ------------------------------------------------------------------------------


def test_mastodon_url_counts_23() -> None:
    url = "https://example.org/" + "a" * 80
    assert len(url) == 100
    assert measure("mastodon", "Sign: " + url).length == len("Sign: ") + 23
    assert measure("mastodon", url + " " + url).length == 23 + 1 + 23


def test_mastodon_bare_domain_counts_in_full() -> None:
    # Mastodon extracts URLs with extract_url_without_protocol: false.
    assert measure("mastodon", "example.org").length == len("example.org")


def test_mastodon_graphemes() -> None:
    assert measure("mastodon", FAMILY).length == 1
    assert measure("mastodon", "🏳️‍🌈").length == 1
    assert measure("mastodon", "नमस्ते").length == 3  # न म स्ते
    assert measure("mastodon", "क्षत्रिय").length == 3  # क्ष त्रि य
    assert measure("mastodon", "Cafe\u0301").length == 4


def test_mastodon_mentions_count_only_the_user() -> None:
    assert measure("mastodon", "Hi @alice@mastodon.social!").length == len("Hi @alice!")
    assert measure("mastodon", "Hi @alice").length == len("Hi @alice")
    # an e-mail address is not a mention
    assert measure("mastodon", "bob@example.org").length == len("bob@example.org")


def test_mastodon_limit_and_override() -> None:
    assert measure("mastodon", "a" * 500).ok
    over = measure("mastodon", "a" * 501)
    assert over.problems == ("501 graphemes, 1 over the limit of 500",)
    assert measure("mastodon", "a" * 501, limit=1000).ok
    assert measure("mastodon", "a" * 501, limit=1000).limit == 1000


# --- Bluesky -------------------------------------------------------------------------------


def test_bluesky_graphemes_and_full_urls() -> None:
    url = "https://example.org/" + "a" * 80
    assert measure("bluesky", url).length == 100
    assert measure("bluesky", FAMILY * 300).ok is False  # 7,500 bytes
    assert measure("bluesky", "a" * 300).ok
    assert measure("bluesky", "a" * 301).problems == ("301 graphemes, 1 over the limit of 300",)


def test_bluesky_byte_cap() -> None:
    text = HEART_ON_FIRE * 250
    assert len(text.encode()) == 3250
    result = measure("bluesky", text)
    assert result.length == 250 and result.over == 0
    assert not result.ok
    assert result.problems == ("3,250 UTF-8 bytes, 250 over the limit of 3,000",)


def test_bluesky_both_caps() -> None:
    result = measure("bluesky", HEART_ON_FIRE * 301)
    assert len(result.problems) == 2
    assert result.problems[0].startswith("301 graphemes, 1 over")


# --- Threads, Instagram and the rest -------------------------------------------------------


def test_threads_counts_emoji_as_utf8_bytes() -> None:
    assert measure("threads", "abc").length == 3
    assert measure("threads", "é").length == 1
    assert measure("threads", "😀").length == 4
    assert measure("threads", "a" + HEART_ON_FIRE).length == 1 + 13
    assert measure("threads", "🇧🇷").length == 8


def test_threads_links() -> None:
    five = " ".join(f"https://example.org/{i}" for i in range(5))
    six = " ".join(f"https://example.org/{i}" for i in range(6))
    assert measure("threads", five).ok
    result = measure("threads", six)
    assert result.problems == ("6 links, more than the 5 Threads allows in a post",)
    same = " ".join(["https://example.org/love"] * 6)  # unique URLs are counted
    assert measure("threads", same).ok


def test_instagram_takes_five_hashtags() -> None:
    """Instagram cut its cap from 30 to 5 hashtags a post (announced 2025-12-18)."""
    five = " ".join(f"#tag{chr(97 + i)}{i}" for i in range(5))
    assert measure("instagram", five).ok
    result = measure("instagram", five + " #one_more")
    assert result.problems == ("6 hashtags, more than the 5 Instagram allows",)


def test_a_campaign_may_set_its_own_caps() -> None:
    """``[platforms.<channel>]`` in campaign.toml: an instance or account that differs."""
    text = "a" * 700
    assert not measure("mastodon", text).ok
    assert measure("mastodon", text, limit=1000).ok
    assert measure("mastodon", text, limit=1000).limit == 1000
    tags = "#a1 #b2 #c3"
    assert measure("instagram", tags, max_hashtags=2).problems == (
        "3 hashtags, more than the 2 Instagram allows",
    )


@pytest.mark.parametrize("channel", ["facebook", "instagram", "linkedin", "whatsapp"])
def test_utf16_channels(channel: str) -> None:
    assert measure(channel, "abc").length == 3
    assert measure(channel, "😀").length == 2
    limit = platform(channel).limit
    assert measure(channel, "a" * limit).ok
    over = measure(channel, "a" * (limit + 1))
    assert over.over == 1
    assert over.problems == (f"{limit + 1:,} UTF-16 code units, 1 over the limit of {limit:,}",)


# --- hashtags ------------------------------------------------------------------------------


def test_find_hashtags_scripts() -> None:
    text = "#ЛюбовьПобеждает #الحب_ينتصر #愛は勝つ #사랑은이긴다 #प्यारजीतताहै #AmorVence"
    assert find_hashtags(text) == [
        "#ЛюбовьПобеждает",
        "#الحب_ينتصر",
        "#愛は勝つ",
        "#사랑은이긴다",
        "#प्यारजीतताहै",
        "#AmorVence",
    ]


def test_find_hashtags_rules() -> None:
    assert find_hashtags("#LoveAlwaysWins. #AmorSempreVence!") == [
        "#LoveAlwaysWins",
        "#AmorSempreVence",
    ]
    assert find_hashtags("＃全角") == ["＃全角"]
    assert find_hashtags("#2024 #1") == []
    assert find_hashtags("#2024Pride") == ["#2024Pride"]
    assert find_hashtags("https://example.org/#top") == []
    assert find_hashtags("example.org/#top") == []
    assert find_hashtags("C# and &#39; and a#b") == []
    assert find_hashtags("#L’Amour") == ["#L"]
    assert find_hashtags("#foo#bar") == []
    assert find_hashtags("") == []


@pytest.mark.parametrize("channel", ["x", "mastodon"])
def test_apostrophe_cuts_tag_on_x_and_mastodon(channel: str) -> None:
    problems = hashtag_problems("Vive #L’AmourGagneToujours !", channel)
    assert len(problems) == 1
    assert "#L’AmourGagneToujours" in problems[0]
    assert "cut to #L " in problems[0]
    assert platform(channel).title in problems[0]
    assert hashtag_problems("#L'AmourGagneToujours", channel) != []


def test_bluesky_keeps_apostrophes() -> None:
    assert hashtag_problems("Vive #L’AmourGagneToujours !", "bluesky") == []
    assert hashtag_problems("#Love-Wins", "bluesky") == []


@pytest.mark.parametrize("channel", ["x", "mastodon", "instagram", "facebook", "linkedin"])
def test_hyphen_cuts_tag(channel: str) -> None:
    problems = hashtag_problems("We say #Love-Wins today", channel)
    assert len(problems) == 1
    assert problems[0].startswith("#Love-Wins would be cut to #Love on")


@pytest.mark.parametrize("channel", ["x", "mastodon", "bluesky", "threads"])
def test_digits_only_is_no_tag(channel: str) -> None:
    problems = hashtag_problems("Pride #2024", channel)
    assert problems == [
        f"#2024 would not be linked on {platform(channel).title}: "
        "a hashtag needs at least one letter"
    ]


@pytest.mark.parametrize("channel", POST_CHANNELS)
@pytest.mark.parametrize(
    "text",
    [
        "#LoveAlwaysWins",
        "Sign now #ElAmorSiempreGana",
        "Love always wins #LoveAlwaysWins.",
        "Assine #AmorSempreVence!",
        "Read https://example.org/#top and https://example.org/page#section",
        "example.org/#top",
        "#ЛюбовьПобеждает, Любовь",
        "#愛は勝つ",
        "C# is a language; &#39; is an entity",
        "",
    ],
)
def test_good_hashtags_are_not_flagged(channel: str, text: str) -> None:
    assert hashtag_problems(text, channel) == []


def test_bluesky_needs_a_space_before_the_tag() -> None:
    problems = hashtag_problems("Join us (#LoveAlwaysWins)", "bluesky")
    assert problems == [
        "#LoveAlwaysWins would not be linked on Bluesky: Bluesky links a tag only at the "
        "start of the text or after a space"
    ]
    assert hashtag_problems("Join us (#LoveAlwaysWins)", "x") == []


def test_bluesky_tag_longer_than_written() -> None:
    problems = hashtag_problems("#Love+Wins", "bluesky")
    assert problems == ["#Love would be linked as #Love+Wins on Bluesky"]


def test_threads_only_first_tag() -> None:
    problems = hashtag_problems("#LoveAlwaysWins #ElAmorSiempreGana", "threads")
    assert problems == [
        "#ElAmorSiempreGana would not be linked on Threads: Threads makes only the first "
        "hashtag of a post a tag (here #LoveAlwaysWins)"
    ]


def test_tag_running_into_another_hash_on_x() -> None:
    problems = hashtag_problems("#Love#Wins", "x")
    assert problems == [
        "#Love would not be linked on X: a hashtag directly followed by “#” is not linked"
    ]


def test_whatsapp_links_no_hashtags() -> None:
    assert hashtag_problems("#L’Amour #2024", "whatsapp") == []


# --- Bluesky facets ------------------------------------------------------------------------


def _slices(text: str) -> list[tuple[str, dict[str, str]]]:
    data = text.encode()
    return [
        (
            data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(),
            f["features"][0],
        )
        for f in bluesky_facets(text)
    ]


def test_facets_example() -> None:
    text = "Ação já! Assine https://example.org/amor, e #AmorVence. Veja example.com"
    assert _slices(text) == [
        (
            "https://example.org/amor",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/amor"},
        ),
        ("#AmorVence", {"$type": "app.bsky.richtext.facet#tag", "tag": "AmorVence"}),
        ("example.com", {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com"}),
    ]
    facets = bluesky_facets(text)
    assert facets[0]["index"] == {"byteStart": 19, "byteEnd": 43}


def test_facets_skip_unknown_tlds_numbers_and_fragments() -> None:
    assert bluesky_facets("file.notatld #2024 https://example.org/#top") == [
        {
            "index": {"byteStart": 19, "byteEnd": 43},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/#top"}
            ],
        }
    ]
    assert bluesky_facets("no links here") == []


def test_facets_link_in_parentheses() -> None:
    assert _slices("(https://example.org/love)") == [
        (
            "https://example.org/love",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/love"},
        )
    ]


url_path = st.text(alphabet="abcxyz0123456789-_~/éü", max_size=20)
tag_name = st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo"]), min_size=1, max_size=20)


@settings(max_examples=200)
@given(prefix=unicode_text, path=url_path, tag=tag_name, suffix=unicode_text)
def test_facet_offsets_slice_back(prefix: str, path: str, tag: str, suffix: str) -> None:
    link = "https://example.org/" + path + "z"
    text = f"{prefix} {link} #{tag} {suffix}"
    slices = _slices(text)
    assert (link, {"$type": "app.bsky.richtext.facet#link", "uri": link}) in slices
    assert ("#" + tag, {"$type": "app.bsky.richtext.facet#tag", "tag": tag}) in slices


@settings(max_examples=200)
@given(unicode_text)
def test_every_facet_slices_cleanly(text: str) -> None:
    data = text.encode()
    previous_end = 0
    for facet in bluesky_facets(text):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert previous_end <= start < end <= len(data)
        previous_end = end
        piece = data[start:end].decode()  # never splits a character
        feature = facet["features"][0]
        if feature["$type"].endswith("#tag"):
            assert piece[1:] == feature["tag"]
        else:
            assert feature["uri"] in (piece, "https://" + piece)


# --- the module itself ---------------------------------------------------------------------


def test_import_is_light() -> None:
    code = (
        "import sys, outreach.platforms, outreach.sharelinks\n"
        "heavy = {'regex', 'twitter_text', 'langdetect', 'jinja2', 'babel'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- has_hashtag -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tag", "expected"),
    [
        ("Love always wins #LoveAlwaysWins", "#LoveAlwaysWins", True),
        ("#LoveAlwaysWins, sign now", "#LoveAlwaysWins", True),
        ("Sign! #LoveAlwaysWins.", "LoveAlwaysWins", True),  # the tag without its "#"
        ("Sign! ＃LoveAlwaysWins", "#LoveAlwaysWins", True),  # full-width, linked everywhere
        ("Sign! #LoveAlwaysWins", "＃LoveAlwaysWins", True),
        ("Sign! #lovealwayswins", "#LoveAlwaysWins", True),  # platforms ignore letter case
        ("#STRASSE", "#Straße", True),  # full case folding
        ("#Sa\u0303oPaulo", "#S\u00e3oPaulo", True),  # NFC on both sides
        ("#S\u00e3oPaulo", "#Sa\u0303oPaulo", True),
        ("\u2764\ufe0f#Love", "#Love", True),  # X links a tag after a variation selector
        ("#Love-Wins", "#Love", True),  # punctuation ends the tag (hashtag_problems warns)
        ("#LoveAlwaysWinsToo", "#LoveAlwaysWins", False),
        ("#LoveAlwaysWins_2026", "#LoveAlwaysWins", False),
        ("#LoveAlwaysWins·Too", "#LoveAlwaysWins", False),
        ("#Love\u200dWins", "#Love", False),
        ("#Amoré", "#Amor", False),
        ("#Amore\u0301", "#Amore", False),  # a combining mark continues the tag
        ("##LoveAlwaysWins", "#LoveAlwaysWins", False),
        ("＃#LoveAlwaysWins", "#LoveAlwaysWins", False),
        ("Rock#LoveAlwaysWins", "#LoveAlwaysWins", False),
        ("愛#LoveAlwaysWins", "#LoveAlwaysWins", False),
        ("LoveAlwaysWins", "#LoveAlwaysWins", False),
        ("https://example.org/#LoveAlwaysWins", "#LoveAlwaysWins", False),
        ("example.org/#LoveAlwaysWins", "#LoveAlwaysWins", False),
        ("https://example.org/ #LoveAlwaysWins", "#LoveAlwaysWins", True),
        ("#LoveAlwaysWins", "", False),
        ("#LoveAlwaysWins", "#", False),
        ("#a.b", "#a.b", True),  # the tag is matched literally, not as a pattern
        ("#axb", "#a.b", False),
    ],
)
def test_has_hashtag(text: str, tag: str, expected: bool) -> None:
    assert has_hashtag(text, tag) is expected


@given(
    st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=1, max_size=12),
    st.text(alphabet=st.characters(categories=["L", "Nd", "Zs", "P"]), max_size=12),
)
@settings(max_examples=200)
def test_has_hashtag_finds_a_tag_written_on_its_own(name: str, around: str) -> None:
    tag = "#" + name
    assert has_hashtag(f"{around} {tag} {around}", tag)
    assert has_hashtag(f"{around} ＃{name}", tag)
    assert not has_hashtag(f"{around} {tag}x", tag)


def test_has_hashtag_is_public() -> None:
    assert "has_hashtag" in platforms.__all__


# --- X's count, word by word -----------------------------------------------------------------
_PIECES = st.sampled_from(
    [
        "Love", "wins", "https://example.org/love", "example.org/x", "t.co/abc", "www.a.com",
        "日本語", "😀", "🏳️‍🌈", "👍🏽", "#LoveAlwaysWins", "@iocmedia", "(https://a.org/b)",
        "a.b", "no.lu", "—", "é", "\n", "\r\n", "x.com.", "http://x.org/?a=1&b=2", "Ünï",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30), st.sampled_from([" ", "", "  "]))
def test_x_length_is_twitter_texts_whatever_the_text(pieces: list[str], glue: str) -> None:
    from twitter_text import parse_tweet

    text = glue.join(pieces)
    assert measure("x", text).length == parse_tweet(text).weightedLength


def test_a_word_with_more_dots_than_any_link_counts_as_text() -> None:
    """twitter-text needs seconds for 800 characters of "a.a.a." (its URL pattern backtracks
    over every label); outreach counts such a word as text: over the limit, at once
    (benchmarks/bench_pathological.py measures the growth)."""
    result = measure("x", "a." * 50_000)
    assert result.length == 100_000 and not result.ok


# --- twitter-text, loaded in parts -------------------------------------------------------------


def test_emoji_pattern_is_twitter_texts() -> None:
    """outreach builds twitter-text's emoji pattern from the same file, without
    ``pkg_resources``: the same pattern, character for character."""
    from twitter_text.regexp.emoji import emoji

    assert platforms._emoji().pattern == emoji.pattern


def test_every_emoji_is_seen_by_the_precheck() -> None:
    """The emoji pattern is built only for a text where ``emoji_grapheme`` finds something:
    every emoji of twitter-text's list (so every match of its pattern) holds such a
    character."""
    from twitter_text.regexp.emoji import emoji_list

    pre = platforms._rx().emoji_grapheme
    missed = [
        e.codepoint
        for e in emoji_list
        if not pre.search("".join(chr(int(c, 16)) for c in e.codepoint.split()))
    ]
    assert missed == []


def test_twitter_text_loaded_in_parts_is_still_whole() -> None:
    """After outreach loaded twitter-text's parts without its ``__init__``, importing the
    package's own names in the same process works (and agrees)."""
    code = (
        "import sys\n"
        "from outreach.platforms import measure\n"
        "assert measure('x', 'Hola https://example.org/a é').length == 30\n"
        "assert 'twitter_text.parse_tweet' not in sys.modules\n"
        "assert 'pkg_resources' not in sys.modules\n"
        "from twitter_text import parse_tweet\n"
        "assert parse_tweet('Hola https://example.org/a é 😷').weightedLength == 33\n"
        "assert measure('x', 'Hola https://example.org/a é 😷').length == 33\n"
    )
    src = str(Path(platforms.__file__).resolve().parents[1])
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": src})
