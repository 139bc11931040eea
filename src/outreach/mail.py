"""Email messages from rendered emails (named so as not to shadow the stdlib ``email``).

The body -- a ``multipart/alternative`` of the text part then the HTML part, quoted-printable
(the HTML in a ``multipart/related`` with the image a private email carries inside itself)
-- is built by the stdlib. The header block is written here, field by field, because the
stdlib cannot be trusted with translator text: Python 3.11 and 3.12 read an RFC 2047
encoded-word in a subject as already encoded and, when folding, write the line break it
decodes to raw, so ``=?utf-8?b?...DQpCY2M6...?=`` becomes a ``Bcc:`` header.

outreach encodes every value that is not plain printable ASCII, or that looks like an
encoded-word, as encoded-words of its own (UTF-8, base64), so translator text is always text;
then it parses the finished message with the stdlib and refuses to return it unless the
header fields are exactly the ones it meant to write, with exactly their values, and no line
ends anywhere but where it put one.

>>> from outreach.render import Email
>>> rendered = Email("share", "fr", "Regardez le film", "Deux minutes.", "Bonjour\\n",
...                  "<p>Bonjour</p>", "fr", "ltr", (("Content-Language", "fr"),))
>>> data = email_bytes(rendered, sender="Love <love@example.org>", to="ana@example.org")
>>> message = parse(data)
>>> message["Subject"], message["Content-Language"], message.get_content_type()
('Regardez le film', 'fr', 'multipart/alternative')
"""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import email.utils
import re
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING

from outreach.display import NOT_ONE_LINE
from outreach.errors import HeaderError, UsageError
from outreach.items import Email, InlineImage
from outreach.urls import ascii_domain

if TYPE_CHECKING:
    from outreach.campaign import Campaign

__all__ = [
    "address_header",
    "ascii_header",
    "campaign_email",
    "email_bytes",
    "encode_words",
    "idna_domain",
    "image_part",
    "parse",
    "sender_domain",
    "text_header",
]

_LINE = 78  # RFC 5322: lines SHOULD be at most 78 characters
_PLAIN = re.compile(r"[ -~]*")  # printable ASCII and the space
_WORD_BYTES = 39  # a base64 encoded-word of 39 UTF-8 bytes is 64 characters long


def sender_domain(sender: str) -> str:
    """The domain of an address such as ``Love <love@example.org>`` (for Message-IDs)."""
    _, address = email.utils.parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


def encode_words(text: str) -> list[str]:
    """``text`` as RFC 2047 encoded-words (UTF-8, base64), cut on character boundaries so
    that each word fits a header line.

    >>> encode_words("Olá")
    ['=?utf-8?b?T2zDoQ==?=']
    """
    words: list[str] = []
    piece = ""
    for char in text:
        if len((piece + char).encode("utf-8", "surrogatepass")) > _WORD_BYTES:
            words.append(piece)
            piece = ""
        piece += char
    if piece or not words:
        words.append(piece)
    return [
        "=?utf-8?b?" + base64.b64encode(w.encode("utf-8", "surrogatepass")).decode("ascii") + "?="
        for w in words
    ]


def _needs_encoding(text: str) -> bool:
    """Not plain printable ASCII, or like an encoded-word, or a word too long to fold."""
    return (
        not _PLAIN.fullmatch(text)
        or "=?" in text
        or any(len(word) > _LINE - 10 for word in text.split(" "))
    )


def _fold(name: str, tokens: Sequence[str]) -> str:
    """``Name: token token ...``, folded (CRLF and a space) before a token that would pass
    78 characters; a CRLF at the end. Tokens never contain a line break."""
    lines: list[str] = []
    current = f"{name}:"
    for index, token in enumerate(tokens):
        if index and len(current) + 1 + len(token) > _LINE:
            lines.append(current)
            current = ""
        current += f" {token}"
    lines.append(current)
    return "\r\n".join(lines) + "\r\n"


def _no_breaks(name: str, value: str) -> None:
    if NOT_ONE_LINE.search(value):
        raise HeaderError(f"the {name} header would contain a line break or control character")


def text_header(name: str, value: str) -> str:
    """An unstructured header (``Subject``): plain printable ASCII as it is, anything else
    (non-ASCII, or text that looks like an encoded-word) as encoded-words of outreach's
    own; folded at 78 characters; CRLF at the end.

    >>> text_header("Subject", "=?utf-8?b?SGk=?=")
    'Subject: =?utf-8?b?PT91dGYtOD9iP1NHaz0/PQ==?=\\r\\n'
    """
    _no_breaks(name, value)
    if _needs_encoding(value):
        return _fold(name, encode_words(value))
    return _fold(name, value.split(" ") if value else [""])


def _display_name(name: str) -> str:
    if _needs_encoding(name):
        return " ".join(encode_words(name))
    if re.fullmatch(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def address_header(name: str, addresses: Iterable[tuple[str, str]], *, utf8: bool = False) -> str:
    """An address header (``From``, ``To``, ``Reply-To``) from ``(display name, address)``
    pairs. Display names are quoted or encoded as needed; a domain in another script is
    written as IDNA 2008 writes it (``straße.de`` as ``xn--strae-oqa.de``); a non-ASCII
    local part needs ``utf8`` (SMTPUTF8), else :class:`HeaderError`.

    >>> address_header("To", [("Zoë", "zoe@example.org")])
    'To: =?utf-8?b?Wm/Dqw==?= <zoe@example.org>\\r\\n'
    """
    tokens = []
    items = list(addresses)
    for index, (display, address) in enumerate(items):
        _no_breaks(name, display)
        _no_breaks(name, address)
        local, at, domain = address.rpartition("@")
        if not at or not local or not domain or re.search(r"[\s<>(),;:\"\[\]\\]", address):
            raise HeaderError(f"{address!r} is not an email address")
        ascii_name = ascii_domain(domain)
        if ascii_name is None:
            raise HeaderError(f"{address!r} has a domain that is not valid")
        domain = ascii_name
        if not local.isascii() and not utf8:
            raise HeaderError(f"{address!r} has a non-ASCII local part: it needs SMTPUTF8")
        spec = f"{local}@{domain}"
        comma = "," if index < len(items) - 1 else ""
        tokens.append((f"{_display_name(display)} <{spec}>" if display else spec) + comma)
    return _fold(name, tokens)


_ONE_TOKEN = re.compile(r"[!-~]+")


def ascii_header(name: str, value: str) -> str:
    """A header whose value must be ASCII (``Message-ID``, ``List-Unsubscribe``), folded
    at its spaces; CRLF at the end.

    >>> ascii_header("Content-Language", "pt-BR")
    'Content-Language: pt-BR\\r\\n'
    """
    if _ONE_TOKEN.fullmatch(value):  # printable ASCII without a space: never folded
        return f"{name}: {value}\r\n"
    _no_breaks(name, value)
    if not value.isascii():
        raise HeaderError(f"the {name} header must be ASCII, not {value!r}")
    return _fold(name, value.split(" "))


_ascii_header = ascii_header


def _parts(rendered: Email) -> bytes:
    """The MIME body (``Content-Type`` header onwards) as the stdlib serialises it.

    An email with an :class:`~outreach.items.InlineImage` (a private one, ``[privacy]
    inline_images``) has its HTML part in a ``multipart/related`` with the image (RFC 2387,
    ``type="text/html"``): ``alternative(text, related(html, image))``, the image base64
    with ``Content-ID``, ``inline`` and its file name, as clients that show it expect.
    """
    body = EmailMessage(policy=email.policy.SMTP)
    body.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    body.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if rendered.inline is not None:
        html = list(body.iter_parts())[1]
        assert isinstance(html, EmailMessage)
        html.make_related()
        html.attach(image_part(rendered.inline))
        html.set_param("type", "text/html")
    for part in body.walk():
        if part is not body:
            del part["MIME-Version"]  # add_alternative and add_related copy it onto parts
    del body["MIME-Version"]
    return body.as_bytes(policy=email.policy.SMTP)


def image_part(image: InlineImage) -> EmailMessage:
    """The MIME part of an image an email carries inside itself: base64, ``inline`` with
    its file name, and its ``Content-ID`` (what the HTML's ``cid:`` names).

    >>> from outreach.items import InlineImage
    >>> part = image_part(InlineImage("still.gif", "image/gif", b"GIF89a", "a1@example.org"))
    >>> part["Content-ID"], part.get_filename(), part.get_content()
    ('<a1@example.org>', 'still.gif', b'GIF89a')
    """
    part = EmailMessage(policy=email.policy.SMTP)
    maintype, subtype = image.media_type.split("/")
    part.set_content(
        image.data,
        maintype,
        subtype,
        cid=image.message_id,
        disposition="inline",
        filename=image.filename,
    )
    del part["MIME-Version"]
    return part


def _addresses(value: str) -> list[tuple[str, str]]:
    pairs = email.utils.getaddresses([value])
    if not pairs or any(not address for _, address in pairs):
        raise UsageError(f"{value!r} is not an email address")
    return pairs


def email_bytes(
    rendered: Email,
    *,
    sender: str,
    to: str | Sequence[tuple[str, str]] | None = None,
    reply_to: str | None = None,
    date: dt.datetime | None = None,
    message_id: str | None = None,
    extra_headers: Iterable[tuple[str, str]] = (),
    utf8: bool = False,
) -> bytes:
    """The RFC 5322 message for ``rendered``, as it travels over SMTP (CRLF line ends).

    ``sender`` and ``reply_to`` are addresses as campaign.toml writes them; ``to`` an address
    string or ``(display name, address)`` pairs; ``extra_headers`` and the email's own
    headers (``Content-Language``, ``List-Unsubscribe``) must be ASCII. Raises
    :class:`HeaderError` for a header that cannot be written, or that did not serialise as
    meant.
    """
    fields: list[tuple[str, str, str]] = []  # (name, line(s), value as meant)
    addresses: dict[str, list[tuple[str, str]]] = {"From": _addresses(sender)}
    fields.append(("From", address_header("From", addresses["From"], utf8=utf8), sender))
    recipients = _addresses(to) if isinstance(to, str) else list(to or [])
    if recipients:
        addresses["To"] = recipients
        fields.append(("To", address_header("To", recipients, utf8=utf8), ""))
    if reply_to:
        addresses["Reply-To"] = _addresses(reply_to)
        fields.append(("Reply-To", address_header("Reply-To", addresses["Reply-To"]), ""))
    fields.append(("Subject", text_header("Subject", rendered.subject), rendered.subject))
    moment = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    fields.append(("Date", _ascii_header("Date", moment), moment))
    identifier = message_id or email.utils.make_msgid(domain=idna_domain(sender_domain(sender)))
    fields.append(("Message-ID", _ascii_header("Message-ID", identifier), identifier))
    for name, value in (*rendered.headers, *extra_headers):
        fields.append((name, _ascii_header(name, value), value))
    fields.append(("MIME-Version", "MIME-Version: 1.0\r\n", "1.0"))
    data = "".join(line for _, line, _ in fields).encode("utf-8") + _parts(rendered)
    _verify(data, fields, rendered.subject, addresses)
    return data


def campaign_email(item: Email, campaign: Campaign, *, to: str | None = None) -> bytes:
    """One rendered email of ``campaign`` as an ``.eml`` file: its sender and reply-to
    from campaign.toml (``[email]``)."""
    sender = campaign.email.sender or f"{campaign.name} <noreply@localhost>"
    return email_bytes(item, sender=sender, to=to, reply_to=campaign.email.reply_to)


def _spec(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{idna_domain(domain)}"


def idna_domain(domain: str) -> str:
    """``domain`` in ASCII as IDNA 2008 writes it (:func:`outreach.urls.ascii_domain`), for
    a Message-ID; ``localhost`` if IDNA 2008 refuses it.

    >>> idna_domain("bücher.example"), idna_domain("straße.de"), idna_domain("a..b")
    ('xn--bcher-kva.example', 'xn--strae-oqa.de', 'localhost')
    """
    return ascii_domain(domain) or "localhost"


def parse(data: bytes) -> EmailMessage:
    """``data`` parsed by the stdlib (``email.policy.default``)."""
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def _verify(
    data: bytes,
    fields: Sequence[tuple[str, str, str]],
    subject: str,
    addresses: dict[str, list[tuple[str, str]]],
) -> None:
    """Raise :class:`HeaderError` unless ``data``'s header block is exactly ``fields``:
    the same fields in the same order, every line ending in CRLF, the subject and every
    address coming back as meant (a display name split over several encoded-words may come
    back with spaces between them, which some decoders add)."""
    head, separator, _ = data.partition(b"\r\n\r\n")
    if not separator:
        raise HeaderError("the message has no end of header")
    if re.search(rb"\r(?!\n)|(?<!\r)\n", head) or any(
        len(line) > 998 for line in head.split(b"\r\n")
    ):
        raise HeaderError("a header line break is not CRLF, or a line is too long")
    for line in head.split(b"\r\n"):
        if not line[:1].isspace() and b":" not in line:
            raise HeaderError("a header line is neither a field nor a continuation")
    names = [
        line.split(b":", 1)[0].decode("ascii", "replace")
        for line in head.split(b"\r\n")
        if line and not line[:1].isspace()
    ]
    expected = [name for name, _, _ in fields] + ["Content-Type"]
    if [n.lower() for n in names] != [n.lower() for n in expected]:
        raise HeaderError(f"the header fields came out as {names}, not {expected}")
    message = parse(data)
    if str(message["Subject"]) != subject:
        raise HeaderError("the subject did not come back as written")
    for name, meant in addresses.items():
        got = [
            (re.sub(r"\s", "", a.display_name), a.addr_spec)
            for a in getattr(message[name], "addresses", ())
        ]
        wanted = [(re.sub(r"\s", "", d), _spec(a)) for d, a in meant]
        if got != wanted:
            raise HeaderError(f"the {name} header did not come back as written")
    for name, _, value in fields:
        if name in ("From", "To", "Reply-To", "Subject") or not value:
            continue
        if str(message[name]) != value:
            raise HeaderError(f"the {name} header did not come back as written")
