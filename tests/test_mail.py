"""outreach.mail: the email as bytes, its header written from untrusted text (a translated
subject, a supporter's name) as text, never as an encoding or a new header line.

Holds the untrusted-input tests of the email writer (the red team's first round).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.mail import email_bytes, parse
from outreach.render import Email

PAYLOADS = [
    # "Dos minutos\r\nBcc: victim@evil-example.com"
    "=?utf-8?b?RG9zIG1pbnV0b3MNCkJjYzogdmljdGltQGV2aWwtZXhhbXBsZS5jb20=?=",
    # "Hola\r\nX-Mailer: evil"
    "=?utf-8?q?Hola=0D=0AX-Mailer:_evil?=",
    # "Hi\r\n\r\nContent-Type: text/html" (a blank line, then a new body)
    "=?utf-8?b?SGkNCg0KQ29udGVudC1UeXBlOiB0ZXh0L2h0bWw=?=",
    "Hola =?ISO-8859-1?Q?=0D=0ABcc:_a@b.example?= adiós",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_encoded_word_subject_is_written_as_text(payload: str) -> None:
    rendered = Email("share", "es", payload, "", "Hola\n", "<p>Hola</p>", "es", "ltr")
    data = email_bytes(rendered, sender="Love <love@example.org>", to="ana@example.org")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"\r(?!\n)|(?<!\r)\n", head)
    names = [line.split(b":")[0] for line in head.split(b"\r\n") if not line[:1].isspace()]
    assert names == [
        b"From", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type"
    ]  # fmt: skip
    message = parse(data)
    assert message["Subject"] == payload  # the encoded-word is text, not an encoding
    assert message["Bcc"] is None and message["X-Mailer"] is None
    assert message.get_content_type() == "multipart/alternative"


def test_a_display_name_is_never_parsed_as_an_encoding() -> None:
    rendered = Email("share", "es", "Hola", "", "Hola\n", "<p>Hola</p>", "es", "ltr")
    name = "=?utf-8?b?QW5hDQpCY2M6IGFAYi5leGFtcGxl?="  # "Ana\r\nBcc: a@b.example"
    message = parse(email_bytes(rendered, sender="Love <love@example.org>",
                                to=[(name, "ana@example.org")]))  # fmt: skip
    assert message["To"].addresses[0].display_name.replace(" ", "") == name
    assert message["Bcc"] is None


# -- an image carried inside the email (a private email, [privacy] inline_images) -----------

_KINDS = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "image/gif": b"GIF89a",
}


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(sorted(_KINDS)),
    body=st.binary(max_size=3000),
    stem=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
        lambda s: "/" not in s and s.strip() == s
    ),
)
def test_an_inline_image_round_trips(kind: str, body: bytes, stem: str) -> None:
    """Whatever its bytes and file name, the image part parses back exactly, and both
    writers -- the stdlib's (email_bytes) and the merge skeleton's frame -- nest it the
    same way: alternative(text, related(html, image))."""
    from outreach.items import InlineImage
    from outreach.merge.compose import frame, new_boundary, qp_static
    from outreach.merge.skeleton import _bodies

    data = _KINDS[kind] + body
    image = InlineImage(f"{stem}.img", kind, data, "0123abcd@example.org")
    html = f'<p><img src="{image.url}" alt="still"></p>'
    rendered = Email("share", "pt", "Olá", "", "Olá\n", html, "pt", "ltr", inline=image)
    slow = email_bytes(rendered, sender="Love <love@example.org>", to="ana@example.org")
    message = parse(slow)
    _, related = message.iter_parts()
    assert related.get_content_type() == "multipart/related"
    part_html, part_image = related.iter_parts()
    assert part_image.get_content() == data and part_image.get_content_type() == kind
    assert part_image.get_filename() == image.filename
    assert part_image["Content-ID"] == image.message_id
    assert part_html.get_content() == html + "\r\n"
    head, middle, end = frame(b"", b"", new_boundary(), image)
    fast = (
        slow.split(b"Content-Type: multipart/alternative", 1)[0]
        + head
        + qp_static("Olá\n", before_slot=False)
        + middle
        + qp_static(html + "\n", before_slot=False)
        + end
    )
    assert _bodies(fast) == _bodies(slow) != []
