"""UTM tags on the campaign's own links, and links compared without them.

Campaign teams judge a call to action by its clicks per language and channel, so every link
to the campaign's own hosts (:attr:`outreach.campaign.Campaign.own_hosts`) leaves outreach
tagged the way Buffer, Hootsuite and Mailchimp tag theirs: ``utm_source`` the channel,
``utm_medium`` ``social`` or ``email``, ``utm_campaign`` from ``[tracking]``, ``utm_content``
``<message>-<locale>``. Links to anyone else's host are never touched, existing query
strings are kept (a ``utm_*`` the link already has wins), and a fragment stays last.

>>> pairs = [("utm_source", "x"), ("utm_medium", "social"), ("utm_campaign", "love")]
>>> tag_url("https://example.org/love?ref=a#film", pairs, {"example.org"})
'https://example.org/love?ref=a&utm_source=x&utm_medium=social&utm_campaign=love#film'
>>> tag_url("https://elsewhere.example/love", pairs, {"example.org"})
'https://elsewhere.example/love'
>>> untagged("https://example.org/love?ref=a&utm_source=x&utm_medium=social")
'https://example.org/love?ref=a'
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Sequence
from urllib.parse import quote, urlsplit, urlunsplit

from outreach.urls import LINK_IN_TEXT, is_http_link, trim_url

__all__ = ["links_in", "tag_html", "tag_text", "tag_url", "untagged", "url_key"]

#: An ``href`` or ``src`` attribute in double quotes, as our layouts and Jinja write them.
_HREF = re.compile(r'(\s(?:href|src)=")([^"]*)(")', re.IGNORECASE)


def _host(url: str) -> str:
    """The host a browser takes ``url`` to: it reads ``\\`` as ``/`` (WHATWG URL parsing),
    where ``urlsplit`` reads on to an ``@`` (``https://evil.com\\@example.org/``)."""
    try:
        host = urlsplit(url.replace("\\", "/")).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


def _own(url: str, hosts: Collection[str]) -> bool:
    host = _host(url)
    return bool(host) and (host in hosts or host.removeprefix("www.") in hosts)


def tag_url(url: str, pairs: Sequence[tuple[str, str]], hosts: Collection[str]) -> str:
    """``url`` with ``pairs`` appended to its query when its host is one of ``hosts``."""
    if not pairs or not _own(url, hosts):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    present = {piece.split("=", 1)[0].lower() for piece in parts.query.split("&") if piece}
    added = "&".join(
        f"{key}={quote(value, safe='-._~')}" for key, value in pairs if key not in present
    )
    if not added:
        return url
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def untagged(url: str) -> str:
    """``url`` without ``utm_*`` parameters (how the checks and the link test compare)."""
    if "utm_" not in url.lower():
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    kept = [p for p in parts.query.split("&") if p and not p.lower().startswith("utm_")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), parts.fragment))


def url_key(url: str) -> str:
    """What makes two links the same link: untagged, host in lower case, no trailing ``/``
    on the path.

    >>> url_key("https://Example.org/love/?utm_source=x") == url_key("https://example.org/love")
    True
    >>> url_key("https://example.org/lovely-gifts") == url_key("https://example.org/love")
    False
    """
    plain = untagged(url)
    try:
        parts = urlsplit(plain)
    except ValueError:
        return plain
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _links(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with each http(s) link ``replace``d: links as the checks find them
    (:data:`outreach.urls.LINK_IN_TEXT`), so that the ``https://`` inside another link
    (``www.elsewhere.example/?next=https://...``, a ``mailto:`` body) is part of that link,
    never a link of its own to tag."""

    def one(match: re.Match[str]) -> str:
        found = match.group()
        if not is_http_link(found):
            return found
        link = trim_url(found)  # as the checks cut it: "(see …/Pride_(film))." keeps one ")"
        return replace(link) + found[len(link) :]

    return LINK_IN_TEXT.sub(one, text)


def links_in(text: str) -> list[str]:
    """Every ``http(s)://`` link written in ``text``, trailing punctuation trimmed (not one
    inside another link).

    >>> links_in("Watch: https://example.org/love. Then https://example.org/a?b=1!")
    ['https://example.org/love', 'https://example.org/a?b=1']
    >>> links_in("Not www.elsewhere.example/?u=https://example.org/love, HTTP://example.org/x")
    ['HTTP://example.org/x']
    """
    found: list[str] = []
    _links(text, lambda link: found.append(link) or link)  # type: ignore[func-returns-value]
    return found


def tag_text(
    text: str,
    pairs: Sequence[tuple[str, str]],
    hosts: Collection[str],
    *,
    skip: Callable[[str], bool] = lambda url: False,
) -> str:
    """``text`` with each own-host link tagged (a post, a plain-text email), but those
    ``skip`` names.

    >>> tag_text("Sign: https://example.org/love.", [("utm_source", "x")], {"example.org"})
    'Sign: https://example.org/love?utm_source=x.'
    """
    if not pairs or "://" not in text:
        return text
    return _links(text, lambda link: link if skip(link) else tag_url(link, pairs, hosts))


def tag_html(
    markup: str,
    pairs: Sequence[tuple[str, str]],
    hosts: Collection[str],
    *,
    skip: Callable[[str], bool] = lambda url: False,
) -> str:
    """``markup`` with each own-host ``href`` tagged (``src`` of images is left alone;
    ``skip`` says which links to leave, such as the unsubscribe link).

    >>> tag_html('<a href="https://example.org/love?a=1&amp;b=2">', [("utm_source", "email")],
    ...          {"example.org"})
    '<a href="https://example.org/love?a=1&amp;b=2&amp;utm_source=email">'
    """
    if not pairs:
        return markup

    def one(match: re.Match[str]) -> str:
        if match.group(1).strip().lower().startswith("src"):
            return match.group()
        url = html.unescape(match.group(2))
        if skip(url):
            return match.group()
        tagged = tag_url(url, pairs, hosts)
        if tagged == url:
            return match.group()
        return match.group(1) + html.escape(tagged, quote=True) + match.group(3)

    return _HREF.sub(one, markup)
