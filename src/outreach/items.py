"""What rendering produces: a social post or an email, with what is wrong with it.

:class:`Post` and :class:`Email` are plain values (``to_json`` gives the shape of
``outreach render --format json``); :func:`parse_variables` reads ``--var KEY=VALUE``.

>>> Post("share", "es", "x", "El amor siempre gana.", 21, 280).ok
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from outreach.errors import UsageError

if TYPE_CHECKING:
    from outreach.findings import Finding

__all__ = ["EMAIL", "Email", "InlineImage", "Post", "Rendered", "parse_variables"]

EMAIL = "email"


@dataclass(frozen=True)
class Post:
    """A social post as the platform will count it."""

    message: str
    locale: str
    channel: str
    text: str
    length: int
    limit: int
    problems: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # what the renderer appended (a missing hashtag or link)
    share_url: str | None = None  # the platform's share-intent link, prefilled with the text
    #: the error findings of translations this post would have used, which were left out
    #: (the post fell back to another language for those strings)
    refused: tuple[Finding, ...] = ()
    url: str | None = None  # the message's link as this channel gets it (tagged)
    image: str | None = None  # the message's image (an http(s) URL or a campaign path)
    image_alt: str = ""  # its alt text, translated (the template's image_alt block)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.refused

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "locale": self.locale,
            "channel": self.channel,
            "text": self.text,
            "length": self.length,
            "limit": self.limit,
            "ok": self.ok,
            "problems": list(self.problems),
            "refused": [f.to_json() for f in self.refused],
            "share_url": self.share_url,
            "url": self.url,
            "image": self.image,
            "image_alt": self.image_alt if self.image else None,
        }


@dataclass(frozen=True)
class InlineImage:
    """An image an email carries inside itself (RFC 2387 ``multipart/related``): its HTML
    shows it as ``cid:`` + :attr:`content_id`, so that opening the email fetches nothing.

    >>> still = InlineImage("film-still.png", "image/png", b"\\x89PNG...", "abc@example.org")
    >>> still.url, still.message_id
    ('cid:abc@example.org', '<abc@example.org>')
    """

    filename: str  # the file's name, without its directories
    media_type: str  # image/png, image/jpeg, image/gif or image/webp (by its magic bytes)
    data: bytes = field(repr=False)
    content_id: str  # ``<hex digest>@<campaign host>``, without angle brackets

    @property
    def url(self) -> str:
        """What the HTML's ``src`` says (RFC 2392)."""
        return f"cid:{self.content_id}"

    @property
    def message_id(self) -> str:
        """The ``Content-ID`` header's value."""
        return f"<{self.content_id}>"


@dataclass(frozen=True)
class Email:
    """A localized email: subject, preheader, plain text and inlined HTML."""

    message: str
    locale: str
    subject: str
    preheader: str
    text: str
    html: str
    lang: str
    direction: str
    headers: tuple[tuple[str, str], ...] = ()
    channel: str = field(default=EMAIL)
    problems: tuple[str, ...] = ()
    refused: tuple[Finding, ...] = ()
    #: the message's image (an http(s) URL or a campaign path; an inlined one's ``cid:``)
    image: str | None = None
    image_alt: str = ""
    #: the low-trace variant for supporters at risk (``[privacy]``): no tracking tags, no
    #: remote image, no "view in browser" link
    private: bool = False
    #: the image it carries inside itself (a private email, ``[privacy] inline_images``)
    inline: InlineImage | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.refused

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "locale": self.locale,
            "channel": self.channel,
            "private": self.private,
            "text": self.text,
            "subject": self.subject,
            "preheader": self.preheader,
            "html": self.html,
            "lang": self.lang,
            "dir": self.direction,
            "headers": dict(self.headers),
            "ok": self.ok,
            "problems": list(self.problems),
            "refused": [f.to_json() for f in self.refused],
            "image": self.image,
            "image_alt": self.image_alt if self.image else None,
        }


Rendered = Post | Email


def parse_variables(pairs: Iterable[str]) -> dict[str, Any]:
    """``["signatures=301000", "deadline=2014-02-06"]`` -> typed template variables.

    Integers and decimals become numbers; everything else, a leading zero included, stays a
    string (the date filters accept ISO 8601 strings).

    >>> parse_variables(["signatures=301000", "name=Ana", "zip=01234"])
    {'signatures': 301000, 'name': 'Ana', 'zip': '01234'}
    """
    variables: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise UsageError(f"--var expects KEY=VALUE with an identifier as KEY, not {pair!r}")
        if re.fullmatch(r"-?(?:0|[1-9]\d*)", value):  # 01234 (a postcode) stays text
            variables[key] = int(value)
        elif re.fullmatch(r"-?(?:0|[1-9]\d*)\.\d+", value):
            variables[key] = float(value)
        else:
            variables[key] = value
    return variables
