"""Unsubscribe links and headers (RFC 2369 ``List-Unsubscribe``, RFC 8058 one-click).

campaign.toml's ``[email]`` table sets them::

    unsubscribe_url = "https://example.org/leave?email={email}&token={token}"
    unsubscribe_mailto = "leave@example.org"          # or "mailto:leave@example.org?subject=x"

``{email}`` is the supporter's address, URL-encoded; ``{token}`` is an HMAC-SHA256 of the
address under a secret of the organizer's, given in the environment variable
``OUTREACH_UNSUBSCRIBE_SECRET`` (never in a file of the campaign), so that the page can tell
a real request from someone unsubscribing another person; ``{locale}`` is the language the
supporter's email was in (``pt-BR``), so that the page answers in it. All are filled per
recipient by ``outreach merge``.

The token, for a backend in any language: ``base64url(HMAC-SHA256(key=secret as UTF-8,
message=lowercase(address) as UTF-8))`` without ``=`` padding, 43 characters, where the
address is the one the link carries (the local part in Unicode NFC, the domain in ASCII as
IDNA 2008 writes it). :func:`verify` checks one in constant time. The locale is not signed:
it only chooses the language of a page, and the page accepts only the campaign's locales.
The rules:

* ``List-Unsubscribe`` lists ``<mailto:...>`` then ``<https://...>``, each per recipient;
* ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` is added only for an ``https:`` URL:
  never for ``http:``, never for a ``mailto:`` alone;
* a URL without ``{token}`` or ``{email}`` is the same for everyone, so a one-click request
  cannot say who is leaving: ``outreach check`` warns about it (RFC 8058 section 3);
* without a recipient (``outreach render``, a preview) a link that needs one is left out of
  the headers, and the body shows it as written, placeholders included.

>>> links = Unsubscribe("https://example.org/leave?e={email}&t={token}", "leave@example.org",
...                     secret="correct horse battery staple")
>>> url, headers = links.for_recipient("Ana@Example.net")
>>> url
'https://example.org/leave?e=Ana%40Example.net&t=_zVlfy8SKTmRw7X3ydpoIBsvpl4VAPvd9YTakqn4Y6A'
>>> [name for name, _ in headers]
['List-Unsubscribe', 'List-Unsubscribe-Post']
>>> Unsubscribe("https://example.org/leave?t={token}", None).preview()
('https://example.org/leave?t={token}', ())
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
from urllib.parse import quote

from outreach.urls import is_http_url

__all__ = [
    "SECRET_ENV",
    "Unsubscribe",
    "campaign_wide_one_click",
    "link_problem",
    "token",
    "verify",
]

#: The environment variable that holds the secret of ``{token}``.
SECRET_ENV = "OUTREACH_UNSUBSCRIBE_SECRET"
_MIN_SECRET = 16
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KNOWN = ("email", "token", "locale")
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+")  # quote() changes only the @
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def token(secret: str, address: str) -> str:
    """The ``{token}`` of ``address``: HMAC-SHA256 of the address in lower case (UTF-8)
    under ``secret``, base64url without padding (43 characters).

    >>> token("correct horse battery staple", "ana@example.net")
    '_zVlfy8SKTmRw7X3ydpoIBsvpl4VAPvd9YTakqn4Y6A'
    """
    inner, outer = _keyed(secret)
    mac = inner.copy()  # the key's pads hashed once, not once an address
    mac.update(address.lower().encode("utf-8"))
    last = outer.copy()
    last.update(mac.digest())
    return base64.urlsafe_b64encode(last.digest())[:43].decode("ascii")  # 32 bytes: 43 + "="


def verify(address: str, given: str, secret: str) -> bool:
    """Whether ``given`` is the ``{token}`` of ``address`` under ``secret``, compared in
    constant time (:func:`hmac.compare_digest`): what a page behind ``unsubscribe_url``
    asks before it unsubscribes anyone. ``address`` is the ``{email}`` of the link,
    URL-decoded; its letter case does not matter. A secret shorter than 16 characters
    verifies nothing.

    >>> secret = "correct horse battery staple"
    >>> verify("Ana@Example.net", "_zVlfy8SKTmRw7X3ydpoIBsvpl4VAPvd9YTakqn4Y6A", secret)
    True
    >>> verify("bo@example.net", "_zVlfy8SKTmRw7X3ydpoIBsvpl4VAPvd9YTakqn4Y6A", secret)
    False
    >>> verify("ana@example.net", "", secret), verify("ana@example.net", "x" * 43, "short")
    (False, False)
    """
    if len(secret) < _MIN_SECRET or not given or len(given) > 128:
        return False
    try:
        expected = token(secret, address).encode("ascii")
        offered = given.encode("ascii")
    except UnicodeError:  # a token is ASCII: anything else is no token (never an error)
        return False
    return hmac.compare_digest(expected, offered)


_ONE_CLICK = ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")  # RFC 8058
_INNER = bytes(b ^ 0x36 for b in range(256))  # RFC 2104's ipad, as a translation table
_OUTER = bytes(b ^ 0x5C for b in range(256))  # and its opad


@functools.lru_cache(maxsize=4)
def _keyed(secret: str) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256 under ``secret`` (RFC 2104) as its two SHA-256 states with the key's pads
    already hashed: a token copies them. Written out rather than :mod:`hmac` because a
    merge makes one token a supporter and copying an ``hmac.HMAC`` (OpenSSL's HMAC context)
    then finishing it took 4.2 us against 2.8 us for two ``hashlib`` copies (measured,
    timeit, 50,000 tokens); the result is the same HMAC (the doctest of :func:`token`, and
    ``tests/test_web.py`` checks it against :func:`hmac.digest`).

    >>> inner, outer = _keyed("k" * 20)
    >>> mac = inner.copy(); mac.update(b"ana@example.net")
    >>> last = outer.copy(); last.update(mac.digest())
    >>> last.digest() == hmac.digest(b"k" * 20, b"ana@example.net", "sha256")
    True
    """
    key = secret.encode("utf-8")
    if len(key) > 64:  # SHA-256's block: a longer key is hashed first
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_INNER)), hashlib.sha256(key.translate(_OUTER))


def link_problem(key: str, value: str) -> str | None:
    """Why ``value`` cannot be ``[email] key`` (``unsubscribe_url`` or
    ``unsubscribe_mailto``), or ``None``.

    >>> link_problem("unsubscribe_url", "https://example.org/u?id={id}")
    'unsubscribe_url has the placeholder {id}: only {email}, {token} and {locale} are filled'
    >>> link_problem("unsubscribe_mailto", "leave@example.org") is None
    True
    """
    for match in _PLACEHOLDER.finditer(value):
        if match.group(1) not in _KNOWN:
            return (
                f"{key} has the placeholder {{{match.group(1)}}}: only {{email}}, {{token}} "
                "and {locale} are filled"
            )
    bare = _PLACEHOLDER.sub("x", value)
    if "{" in bare or "}" in bare:
        return f"{key} has an unmatched brace: write placeholders as {{email}} or {{token}}"
    if key == "unsubscribe_url":
        if not is_http_url(bare, ascii_only=True):
            return f"{key} must be a whole http(s) link in ASCII, without spaces or < >"
    elif not (_ADDRESS.fullmatch(bare) or re.fullmatch(r"mailto:[!-~]+", bare)) or any(
        c in bare for c in '<>"\\'
    ):
        return f"{key} must be an address or a mailto: link in ASCII, without spaces or < >"
    return None


def _needs_recipient(value: str | None) -> bool:
    return value is not None and _PLACEHOLDER.search(value) is not None


def campaign_wide_one_click(url: str | None) -> bool:
    """Whether ``url`` gets one-click headers but names nobody (no ``{token}``/``{email}``).

    >>> campaign_wide_one_click("https://example.org/leave"), campaign_wide_one_click(None)
    (True, False)
    """
    return url is not None and url.startswith("https:") and not _needs_recipient(url)


class Unsubscribe:
    """The unsubscribe links of a campaign, filled per recipient.

    ``secret`` defaults to ``$OUTREACH_UNSUBSCRIBE_SECRET``; it is needed only when a link
    has ``{token}`` and only when filling it (:meth:`check_secret` says so up front).
    """

    def __init__(self, url: str | None, mailto: str | None, *, secret: str | None = None) -> None:
        self.url = url
        self.mailto = None
        if mailto:
            self.mailto = mailto if mailto.startswith("mailto:") else f"mailto:{mailto}"
        self.secret = secret if secret is not None else os.environ.get(SECRET_ENV)
        self._pieces = {link: _PLACEHOLDER.split(link) for link in (url, self.mailto) if link}

    @property
    def needs_recipient(self) -> bool:
        """Whether any link changes with the recipient."""
        return _needs_recipient(self.url) or _needs_recipient(self.mailto)

    @property
    def needs_token(self) -> bool:
        return any("{token}" in (link or "") for link in (self.url, self.mailto))

    def check_secret(self) -> str | None:
        """Why the links cannot be filled (a missing or short secret), or ``None``."""
        if not self.needs_token:
            return None
        if not self.secret:
            return f"the unsubscribe link has {{token}}: set the secret in ${SECRET_ENV}"
        if len(self.secret) < _MIN_SECRET:
            return (
                f"${SECRET_ENV} is shorter than {_MIN_SECRET} characters: use a long random secret"
            )
        return None

    @property
    def url_pieces(self) -> tuple[str, ...]:
        """The URL's text around its placeholders (one more piece than placeholders).

        >>> Unsubscribe("https://example.org/u?e={email}&t={token}", None).url_pieces
        ('https://example.org/u?e=', '&t=', '')
        """
        return tuple(self._pieces[self.url][::2]) if self.url else ()

    def _fill(self, link: str, address: str, locale: str) -> str:
        return "".join(self._filled(link, address, locale))

    def _filled(self, link: str, address: str, locale: str) -> list[str]:
        pieces = self._pieces[link]
        filled = pieces.copy()
        for index in range(1, len(pieces), 2):  # the placeholders' names
            if pieces[index] == "email":
                if _URL_SAFE.fullmatch(address):
                    filled[index] = address.replace("@", "%40")
                else:
                    filled[index] = quote(address, safe="")
            elif pieces[index] == "locale":
                filled[index] = quote(locale, safe="")
            else:
                if not self.secret:
                    raise ValueError(f"${SECRET_ENV} is not set")
                filled[index] = token(self.secret, address)
        return filled

    @staticmethod
    def _headers(mailto: str | None, url: str | None) -> tuple[tuple[str, str], ...]:
        """``List-Unsubscribe`` (the mailto link first), and RFC 8058's one-click header
        for an https link (written out case by case: it runs once a supporter).

        >>> Unsubscribe._headers("mailto:u@example.org", "https://example.org/u")[0][1]
        '<mailto:u@example.org>, <https://example.org/u>'
        >>> Unsubscribe._headers(None, "http://example.org/u"), Unsubscribe._headers("", "")
        ((('List-Unsubscribe', '<http://example.org/u>'),), ())
        """
        if not url:
            return (("List-Unsubscribe", f"<{mailto}>"),) if mailto else ()
        value = f"<{mailto}>, <{url}>" if mailto else f"<{url}>"
        if url.startswith("https:"):
            return (("List-Unsubscribe", value), _ONE_CLICK)
        return (("List-Unsubscribe", value),)

    def for_recipient(
        self, address: str, locale: str = ""
    ) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        """``(the body's unsubscribe URL, the headers)`` for ``address``, whose email is in
        ``locale`` (a tag, ``pt-BR``)."""
        link, headers, _ = self.filled(address, locale)
        return link, headers

    def filled(
        self, address: str, locale: str = ""
    ) -> tuple[str | None, tuple[tuple[str, str], ...], tuple[str, ...]]:
        """:meth:`for_recipient`, and what the URL's placeholders became (in order).

        >>> u = Unsubscribe("https://example.org/u?e={email}&l={locale}", None)
        >>> u.filled("ana@example.net", "pt-BR")[::2]
        ('https://example.org/u?e=ana%40example.net&l=pt-BR', ('ana%40example.net', 'pt-BR'))
        """
        parts = self._filled(self.url, address, locale) if self.url else []
        url = "".join(parts) if self.url else None
        mailto = self._fill(self.mailto, address, locale) if self.mailto else None
        return url or mailto, self._headers(mailto, url), tuple(parts[1::2])

    def preview(self) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        """Without a recipient: the body's link as written; headers only for links that
        are the same for everyone (never a one-click header that would name nobody it
        should)."""
        url = None if _needs_recipient(self.url) else self.url
        mailto = None if _needs_recipient(self.mailto) else self.mailto
        return self.url or self.mailto, self._headers(mailto, url)
