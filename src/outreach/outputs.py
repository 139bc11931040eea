"""Writers for rendered messages: ``.eml`` bytes, and a directory of files with an index.

>>> from outreach.render import Post
>>> relative_path(Post("share", "pt_BR", "x", "Olá", 3, 280), "text")
'share/pt_BR/x.txt'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.files import atomic_write_bytes, json_document
from outreach.render import Email, Rendered

if TYPE_CHECKING:
    from outreach.campaign import Campaign

__all__ = ["eml_bytes", "relative_path", "write_rendered"]


def eml_bytes(item: Email, campaign: Campaign, *, to: str | None = None) -> bytes:
    """One rendered email as an RFC 5322 ``.eml`` file."""
    from outreach.mail import build_message, message_bytes

    sender = campaign.email.sender or f"{campaign.name} <noreply@localhost>"
    message = build_message(item, sender=sender, to=to, reply_to=campaign.email.reply_to)
    return message_bytes(message)


def relative_path(item: Rendered, fmt: str) -> str:
    """``<message>/<locale>/<channel>.<ext>``: ``.json`` in JSON, ``.eml`` for emails,
    ``.txt`` for posts."""
    if fmt == "json":
        ext = "json"
    elif isinstance(item, Email):
        ext = "eml"
    else:
        ext = "txt"
    return f"{item.message}/{item.locale}/{item.channel}.{ext}"


def _payload(item: Rendered, fmt: str, campaign: Campaign) -> bytes:
    if fmt == "json":
        return json_document(item.to_json())
    if isinstance(item, Email):
        return eml_bytes(item, campaign)
    return (item.text + "\n").encode("utf-8")


def write_rendered(
    items: Iterable[Rendered],
    out_dir: str | os.PathLike[str],
    campaign: Campaign,
    fmt: str,
    share_links: Callable[[str, str], dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Write one file per message x locale x channel and ``index.json``; return the index.

    With ``share_links`` (``Renderer.share_links``), each message x locale also gets
    ``share-links.json``. Every file is written atomically; the index is written last, so a
    complete index means a complete directory.
    """
    root = Path(out_dir)
    index: list[dict[str, Any]] = []
    linked: set[tuple[str, str]] = set()
    for item in items:
        key = (item.message, item.locale)
        if share_links is not None and key not in linked and not isinstance(item, Email):
            linked.add(key)
            links = share_links(item.message, campaign.resolve_locale(item.locale))
            atomic_write_bytes(
                root / item.message / item.locale / "share-links.json",
                json_document(links),
            )
        relative = relative_path(item, fmt)
        atomic_write_bytes(root / relative, _payload(item, fmt, campaign))
        entry: dict[str, Any] = {
            "message": item.message,
            "locale": item.locale,
            "channel": item.channel,
            "file": relative,
            "ok": item.ok,
            "problems": list(item.problems),
        }
        if isinstance(item, Email):
            entry["subject"] = item.subject
        else:
            entry["length"] = item.length
            entry["limit"] = item.limit
        index.append(entry)
    document = {"campaign": campaign.name, "items": index}
    atomic_write_bytes(
        root / "index.json",
        json_document(document),
    )
    return index
