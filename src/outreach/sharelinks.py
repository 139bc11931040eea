"""Ready-to-paste share links: a supporter clicks one and the platform opens a draft.

    >>> links = share_links(
    ...     text="Love always wins. Sign & share!",
    ...     url="https://example.org/love",
    ...     hashtags=["#LoveAlwaysWins"],
    ...     subject="Sign today",
    ... )
    >>> list(links)
    ['x', 'whatsapp', 'telegram', 'facebook', 'linkedin', 'mailto', 'bluesky', 'threads']
    >>> links["x"]
    'https://x.com/intent/post?text=Love%20always%20wins.%20Sign%20%26%20share%21&url=https%3A%2F%2Fexample.org%2Flove&hashtags=LoveAlwaysWins'
    >>> links["mailto"]
    'mailto:?subject=Sign%20today&body=Love%20always%20wins.%20Sign%20%26%20share%21%0D%0A%0D%0Ahttps%3A%2F%2Fexample.org%2Flove'

Every value is UTF-8 and percent-encoded with :func:`urllib.parse.quote` (``safe=""``), so
``&``, ``#``, ``+``, ``%`` and line breaks survive, and a space is ``%20``, never ``+``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

__all__ = ["TARGETS", "share_link", "share_links"]

#: Every share target, in a fixed order.
TARGETS: tuple[str, ...] = (
    "x",
    "whatsapp",
    "telegram",
    "facebook",
    "linkedin",
    "mailto",
    "bluesky",
    "threads",
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def share_links(
    *,
    text: str,
    url: str,
    hashtags: Sequence[str] = (),
    subject: str | None = None,
) -> dict[str, str]:
    """:func:`share_link` for every target in :data:`TARGETS`, with the same text."""
    return {
        target: share_link(target, text=text, url=url, hashtags=hashtags, subject=subject)
        for target in TARGETS
    }


def share_link(
    target: str,
    *,
    text: str,
    url: str,
    hashtags: Sequence[str] = (),
    subject: str | None = None,
) -> str:
    """The share-intent URL of ``target`` for ``text`` and ``url``:

    - ``x``: ``https://x.com/intent/post`` with ``text``, ``url`` and ``hashtags`` (names
      without ``#``, comma-separated; a hashtag the text already carries is not repeated).
    - ``whatsapp``: ``https://wa.me/?text=`` the text, a space and the URL.
    - ``telegram``: ``https://t.me/share/url`` with ``url`` and ``text``; Telegram shows
      the URL above the text, so the URL is taken out of the text.
    - ``facebook`` and ``linkedin``: their sharers take the URL only.
    - ``mailto``: RFC 6068 ``mailto:?subject=…&body=…``; the body is the text, a blank line
      and the URL, with every line break as ``%0D%0A``; line breaks in ``subject`` (a header)
      become spaces; no ``subject`` when it is ``None``.
    - ``bluesky``: ``https://bsky.app/intent/compose?text=`` the text, the hashtags it lacks
      and the URL, space-separated (Bluesky's intent has no separate fields).
    - ``threads``: ``https://www.threads.com/intent/post`` with ``text`` and ``url``
      (Meta's documented intent).

    Where the text already contains the URL, the URL is not added again (X, Threads and the
    compose-text targets); an empty URL is left out.

    >>> share_link("whatsapp", text="Olá", url="https://example.org/")
    'https://wa.me/?text=Ol%C3%A1%20https%3A%2F%2Fexample.org%2F'
    >>> share_link("telegram", text="Watch https://example.org/f now", url="https://example.org/f")
    'https://t.me/share/url?url=https%3A%2F%2Fexample.org%2Ff&text=Watch%20now'
    """
    add_url = url if url and url not in text else ""
    if target == "x":
        names = _missing_hashtags(text, hashtags)
        x_query = [("text", text)]
        if add_url:
            x_query.append(("url", add_url))
        if names:
            x_query.append(("hashtags", ",".join(names)))
        return "https://x.com/intent/post?" + _query(x_query)
    if target == "whatsapp":
        return "https://wa.me/?" + _query([("text", _join(text, add_url))])
    if target == "telegram":
        alone = _without(text, url)
        return "https://t.me/share/url?" + _query([("url", url), ("text", alone)])
    if target == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + _query([("u", url)])
    if target == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + _query([("url", url)])
    if target == "mailto":
        mail_query: list[tuple[str, str]] = []
        if subject is not None:
            mail_query.append(("subject", " ".join(_LINE_BREAK.split(subject))))
        body = "\r\n\r\n".join(part for part in (text, add_url) if part)
        mail_query.append(("body", _LINE_BREAK.sub("\r\n", body)))
        return "mailto:?" + _query(mail_query)
    if target == "bluesky":
        names = _missing_hashtags(text, hashtags)
        bluesky_text = _join(text, " ".join("#" + name for name in names), add_url)
        return "https://bsky.app/intent/compose?" + _query([("text", bluesky_text)])
    if target == "threads":
        query = [("text", text)] + ([("url", add_url)] if add_url else [])
        return "https://www.threads.com/intent/post?" + _query(query)
    raise ValueError(f"unknown share target {target!r} (targets: {', '.join(TARGETS)})")


def _without(text: str, url: str) -> str:
    """``text`` with ``url`` taken out, and the spaces around it closed up."""
    if not url or url not in text:
        return text
    lines = [" ".join(line.replace(url, " ").split()) for line in text.split("\n")]
    return re.sub(r" ([.,;:!?])", r"\1", "\n".join(lines)).strip()


def _query(pairs: Sequence[tuple[str, str]]) -> str:
    return "&".join(f"{key}={quote(value, safe='')}" for key, value in pairs)


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _missing_hashtags(text: str, hashtags: Sequence[str]) -> list[str]:
    """Hashtag names (no ``#``) that ``text`` does not carry, in order, without duplicates.

    "Carries" is :func:`~outreach.platforms.has_hashtag`: a whole hashtag, ``#`` or ``＃``,
    in any letter case (X compares hashtags case-insensitively), not inside a link.
    """
    names = [tag.strip().lstrip("#＃") for tag in hashtags]
    if not any(names):
        return []
    from outreach.platforms import has_hashtag

    seen: set[str] = set()
    missing: list[str] = []
    for name in names:
        if name and name.casefold() not in seen and not has_hashtag(text, name):
            seen.add(name.casefold())
            missing.append(name)
    return missing
