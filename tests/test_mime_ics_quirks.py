"""Two quirks of the outputs (issue 11, item 9), checked on what is written.

* The stdlib's ``add_alternative`` copies ``MIME-Version`` onto the part it adds; outreach
  removes it, so an ``.eml`` has exactly one, in the message header, none in its parts.
* An ICS ``SUMMARY`` is the post's first words, cut on grapheme boundaries: a ZWJ emoji
  sequence (a family, a flag) is never split into pieces.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import re
from email.parser import BytesParser
from pathlib import Path

import html5lib
import pytest
import regex
from conftest import run_cli

MESSAGES = ("petition", "share", "tweet-along")
LOCALES = ("en", "es", "fr", "pt")


def test_every_eml_has_one_mime_version_header(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, err = run_cli(example, "render", "--all-locales", "-c", "email", "--out", str(out))
    assert code == 0, err
    emls = sorted(out.rglob("*.eml"))
    assert len(emls) == len(MESSAGES) * len(LOCALES)
    for path in emls:
        data = path.read_bytes()
        message = BytesParser(policy=email.policy.default).parsebytes(data)
        assert message.get_all("MIME-Version") == ["1.0"]
        parts = list(message.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        for part in parts:
            assert part.get_all("MIME-Version") is None, (path, part.get_content_type())
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert len(re.findall(rb"(?im)^MIME-Version:", data)) == 1
        html = parts[1].get_content()
        parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
        parser.parse(html)  # the HTML that travels parses cleanly too
        assert parser.errors == []


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦


@pytest.mark.parametrize(
    "text",
    [
        FAMILY * 70,
        "Love " + FAMILY * 70,
        ("a" * 57) + FAMILY + "🏳️‍🌈" * 5,
        "ok " * 18 + "🏳️‍⚧️" * 10,
        "Ama " + "e\u0301" * 80,
    ],
)
def test_ics_summary_never_splits_a_grapheme(text: str) -> None:
    from icalendar import Calendar

    from outreach.export.ics import ics_bytes
    from outreach.export.schedule import ScheduledPost
    from outreach.render import Post

    when = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    post = Post("share", "es", "x", text, 0, 280)
    item = ScheduledPost(post, when, "UTC", "https://example.org/love", "es", "uid-1")
    data = ics_bytes([item], calendar_name="Test", now=when)
    [event] = Calendar.from_ical(data).walk("VEVENT")
    summary = str(event["SUMMARY"])
    head = "x · es · share: "
    assert summary.startswith(head) and summary.endswith("…")
    shown = summary[len(head) : -1]
    whole = set(regex.findall(r"\X", text))
    assert set(regex.findall(r"\X", shown)) <= whole, summary
    assert text.startswith(shown)
    assert len(regex.findall(r"\X", shown)) <= 60
