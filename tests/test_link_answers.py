"""Where twitter-text finds a post's links is remembered in the authenticated cache
(:func:`outreach.platforms.remembering_links`): a recalled answer is the one twitter-text
gives, a text counted before needs no twitter-text, and a value no one sealed with the
machine's secret, or one of the wrong shape, is never used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from outreach.cache import CheckCache, code_fingerprint
from outreach.platforms import (
    LINK_ANSWERS,
    entities,
    find_hashtags,
    has_hashtag,
    measure,
    remembering_links,
)

TEXTS = [
    "Love always wins: https://example.org/love?utm_source=x #LoveAlwaysWins",
    "See example.org and www.example.com/path, then sign. #Amor",
    "No link here, just words… and an emoji 🏳️‍🌈 #LoveWins",
    "http://a.b https://exa-mple.co.uk/x_(y) t.co/abc mailto:x@example.org",
    "日本語のテキスト example.jp/愛 https://例え.テスト/パス",
    "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.com",
]
CHANNELS = ("x", "mastodon", "bluesky", "threads", "instagram")


def _answers(text: str) -> object:
    return (
        [measure(c, text) for c in CHANNELS],
        find_hashtags(text),
        has_hashtag(text, "#LoveAlwaysWins"),
        [entities(c, text) for c in ("x", "mastodon")],
    )


def _store(root: Path) -> CheckCache:
    return CheckCache.open(root, "links-test")


def test_recalled_answers_are_twitter_texts(tmp_path: Path) -> None:
    plain = [_answers(t) for t in TEXTS]
    for _ in range(2):  # remembered, then recalled from the file
        store = _store(tmp_path)
        with remembering_links(store):
            assert [_answers(t) for t in TEXTS] == plain
        store.save()
    document = json.loads((store.path(LINK_ANSWERS) or Path()).read_text())
    assert len(document["values"]) >= len(TEXTS) - 1  # the text with no dot asks nothing


def test_a_forged_or_misshapen_answer_is_not_used(tmp_path: Path) -> None:
    text = TEXTS[0]
    expected = _answers(text)
    store = _store(tmp_path)
    with remembering_links(store):
        _answers(text)
    store.save()
    path = store.path(LINK_ANSWERS)
    assert path is not None
    document = json.loads(path.read_text())
    for key, (mac, _) in document["values"].items():
        document["values"][key] = [mac, "[]"]  # "no link": the MAC no longer matches
    path.write_text(json.dumps(document))
    with remembering_links(_store(tmp_path)):
        assert _answers(text) == expected
    sealed = _store(tmp_path)  # sealed with the secret, but not spans of this text
    key = sealed.key("twitter-text links", code_fingerprint(), True, text)
    for wrong in ([[5, 2]], [[0, len(text) + 1]], [["0", 3]], {"a": 1}, [[1, 2, 3]]):
        sealed.put(LINK_ANSWERS, key, wrong)
        with remembering_links(sealed):
            assert _answers(text) == expected


def test_the_answer_is_keyed_by_the_text_and_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outreach.cache

    store = _store(tmp_path)
    with remembering_links(store):
        measure("x", TEXTS[0])
    keys = set(store.namespaces[LINK_ANSWERS])
    with remembering_links(store):
        measure("x", TEXTS[0] + " ")
    assert len(store.namespaces[LINK_ANSWERS]) > len(keys)
    keys = set(store.namespaces[LINK_ANSWERS])
    monkeypatch.setattr(outreach.cache, "code_fingerprint", lambda: "another twitter-text")
    with remembering_links(store):
        measure("x", TEXTS[0])
    assert len(store.namespaces[LINK_ANSWERS]) > len(keys)


PROBE = """
import json, sys
from outreach.cache import CheckCache
from outreach.platforms import measure, remembering_links
store = CheckCache.open({root!r}, "links-test")
with remembering_links(store):
    length = measure("x", {text!r}).length
store.save()
print(json.dumps([length, "twitter_text.extract_urls" in sys.modules]))
"""


def test_a_post_counted_before_needs_no_twitter_text_pattern(tmp_path: Path) -> None:
    import outreach

    env = {"PYTHONPATH": str(Path(outreach.__file__).resolve().parents[1])}
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", PROBE.format(root=str(tmp_path), text=TEXTS[0])],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout
        )
        for _ in range(2)
    ]
    assert runs == [[measure("x", TEXTS[0]).length, True], [measure("x", TEXTS[0]).length, False]]
