"""``render --out DIR``: one file per message x locale x channel, and an index.

Every file is written atomically and inside ``DIR`` only: a symbolic link already in the
directory (``DIR/share`` pointing at ``/etc``) is refused, never followed.

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
from outreach.items import Email, Rendered

if TYPE_CHECKING:
    from outreach.campaign import Campaign

__all__ = ["relative_path", "write_rendered"]


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
        from outreach.mail import campaign_email

        return campaign_email(item, campaign)
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
                inside=root,
            )
        relative = relative_path(item, fmt)
        atomic_write_bytes(root / relative, _payload(item, fmt, campaign), inside=root)
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
    atomic_write_bytes(root / "index.json", json_document(document), inside=root)
    return index
