"""outreach.tokens: the fast tests that stand for its patterns find what the patterns find."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from outreach import tokens

# Text made of what the patterns look at (dots, @, colons, slashes, letters and digits in
# several scripts and cases, the letters of "www" and "mailto"), and of anything at all.
PIECES = st.sampled_from(
    [
        ".",
        "@",
        ":",
        "/",
        "://",
        "w",
        "W",
        "www",
        "WwW.",
        "mailto",
        "MAILTO:",
        "_",
        "-",
        " ",
        "a",
        "Z",
        "1",
        "٣",
        "é",
        "ß",
        "K",
        "İ",
        "ı",
        "ſ",
        "日",
        "\u0301",
        "\n",
        "x.org",
        "a.1",
        "1.a",
    ]
)
TEXT = st.one_of(st.lists(PIECES, max_size=12).map("".join), st.text(max_size=40))


@settings(max_examples=3000)
@given(TEXT)
@example("a.b")
@example(".a")
@example("a.")
@example("٣.a")
@example("a.٣")
@example("mailto:")
@example("wWw.")
def test_the_fast_tests_are_the_patterns(text: str) -> None:
    assert tokens._dotted(text) == bool(tokens._DOTTED.search(text))
    assert tokens._could_link(text) == bool(tokens._ANY_LINK.search(text))


def test_every_character_is_read_as_the_pattern_reads_it() -> None:
    """For every code point (but surrogates), the character tests ``_dotted`` makes are the
    pattern's classes: ``[^\\W_]`` is ``isalnum``, ``[^\\W\\d_]`` also not ``isdecimal``."""
    import re

    before, after = re.compile(r"[^\W_]"), re.compile(r"[^\W\d_]")
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert (before.match(char) is not None) == char.isalnum(), hex(code)
        assert (after.match(char) is not None) == (char.isalnum() and not char.isdecimal())


def test_a_dotted_name_that_x_does_not_read_notifies_no_one() -> None:
    """Issue 19, round 4: ``*@domain.com``, an address pattern's domain, is a mention only to
    Mastodon's pattern, and Mastodon has no local account with a dot in its name."""
    from outreach.tokens import silent_mention

    assert silent_mention("e.g. *@domain.com or postmaster@*.", "@domain.com")
    assert not silent_mention("Ask @ioc.media today", "@ioc.media")  # X reads @ioc
    assert not silent_mention("*@ioc", "@ioc")  # no dot: an account's name
    assert not silent_mention("x@a.b@c.org", "@a.b@c.org")  # an instance: an account
    assert not silent_mention("no mention here", "@domain.com")


@settings(max_examples=3000)
@given(TEXT)
@example("ｅｖｉｌ．ｃｏｍ")
@example("ｗｗｗ．")
@example("ｍａｉｌｔｏ：a")
@example("a＠b")
def test_no_finder_finds_a_link_where_may_link_says_none(text: str) -> None:
    if not tokens.may_link(text):
        assert tokens.find_urls(text) == []
        assert tokens.x_links(text) == []
        assert tokens.find_short_domains(text) == []
