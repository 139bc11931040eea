"""outreach.mail: the email as bytes, its header written from untrusted text (a translated
subject, a supporter's name) as text, never as an encoding or a new header line.

Holds the untrusted-input tests of the email writer (the red team's first round).
"""

from __future__ import annotations

import re

import pytest

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
