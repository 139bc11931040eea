"""MIME messages from rendered emails (named so as not to shadow the stdlib ``email``).

>>> from outreach.render import Email
>>> rendered = Email("share", "fr", "Regardez le film", "Deux minutes.", "Bonjour\\n",
...                  "<p>Bonjour</p>", "fr", "ltr", (("Content-Language", "fr"),))
>>> message = build_message(rendered, sender="Love <love@example.org>", to="ana@example.org")
>>> message["Subject"], message["Content-Language"], message.get_content_type()
('Regardez le film', 'fr', 'multipart/alternative')
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from collections.abc import Iterable
from email.headerregistry import Address
from email.message import EmailMessage

from outreach.errors import UsageError
from outreach.render import Email

__all__ = ["build_message", "message_bytes", "sender_domain"]


def sender_domain(sender: str) -> str:
    """The domain of an address such as ``Love <love@example.org>`` (for Message-IDs)."""
    _, address = email.utils.parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


def build_message(
    rendered: Email,
    *,
    sender: str,
    to: str | Address | None = None,
    reply_to: str | None = None,
    date: dt.datetime | None = None,
    message_id: str | None = None,
    extra_headers: Iterable[tuple[str, str]] = (),
) -> EmailMessage:
    """An RFC 5322 multipart/alternative message: text part first, then HTML.

    Non-ASCII subjects become RFC 2047 encoded-words when serialised. Header values can
    never carry a line break (``UsageError`` if one would): translator text cannot inject
    headers.
    """
    message = EmailMessage(policy=email.policy.SMTP)
    try:
        message["From"] = sender
        if to is not None:
            message["To"] = to
        if reply_to:
            message["Reply-To"] = reply_to
        message["Subject"] = rendered.subject
        message["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
        message["Message-ID"] = message_id or email.utils.make_msgid(domain=sender_domain(sender))
        message["MIME-Version"] = "1.0"
        message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
        message.add_alternative(
            rendered.html, subtype="html", charset="utf-8", cte="quoted-printable"
        )
        # set_content/add_alternative drop Content-* headers: add them afterwards.
        for name, value in (*rendered.headers, *extra_headers):
            if name in message:
                del message[name]
            message[name] = value
    except ValueError as exc:  # a header value with a line break, or an invalid address
        raise UsageError(
            f"{rendered.message} ({rendered.locale}): cannot build email: {exc}"
        ) from None
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it travels over SMTP (CRLF line ends)."""
    return message.as_bytes(policy=email.policy.SMTP)
