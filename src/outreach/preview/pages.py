"""The preview's pages: HTML from :class:`~outreach.preview.model.Model`, as bytes by path.

Every page comes from a Jinja2 template of this package with autoescaping on, so any text
that reaches a page -- translator text above all -- is HTML-escaped; the few fragments built
here in Python (highlighted posts, visible control characters, the SVG chart) escape every
piece of text they take with :func:`markupsafe.escape` before they mark the result safe.
The rendered email goes into a sandboxed ``<iframe srcdoc>`` (no ``allow-scripts``), and
each page's Content Security Policy (inherited by ``srcdoc`` frames) allows no script, no
connection and no remote font or image: nothing in the site reaches the network.

>>> text = 'Firma <script>alert(1)</script> #AmorVence https://example.org/love'
>>> str(highlight(text, "x"))  # doctest: +NORMALIZE_WHITESPACE
'Firma &lt;script&gt;alert(1)&lt;/script&gt; <mark class="tag">#AmorVence</mark>
 <mark class="link">https://example.org/love</mark>'
>>> truncate("Dites au CIO : pas de discrimination", 12)
'Dites au CI…'
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable, Sequence
from email.utils import parseaddr
from functools import cache
from html import unescape
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

from outreach.items import Email
from outreach.urls import is_http_link

if TYPE_CHECKING:
    from jinja2 import Environment

    from outreach.findings import Finding
    from outreach.preview.model import Cell, LocaleData, Model

__all__ = [
    "CSP",
    "CSP_META",
    "MARKER",
    "highlight",
    "isolated",
    "render_pages",
    "truncate",
    "visible",
]

#: The policy of every page, as written: no script, no connection, nothing remote. ``srcdoc``
#: frames inherit it, so the email cannot load a remote image either.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
#: What ``--serve`` puts in its place: the page may load the reload script and poll the
#: server it came from (127.0.0.1), and nothing else.
SERVE_CSP_META = (
    f'<meta http-equiv="Content-Security-Policy" content="{CSP}; '
    "script-src 'self'; connect-src 'self'\">"
)
#: A file in the output directory that says it is a preview (and may be replaced whole).
MARKER = ".outreach-preview"
MARKER_TEXT = b"This directory is written by 'outreach preview' and replaced whole by each build.\n"

#: How many graphemes inbox lines show (approximate: clients differ and depend on width).
INBOX = {
    # Gmail on the web: the sender column, then subject and preheader on one line.
    "desktop": {"from": 20, "line": 100},
    # A phone's mail app at 375 px: the sender, one line of subject, two of preheader.
    "phone": {"from": 26, "subject": 34, "preheader": 84},
}


@cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    templates = str(resources.files("outreach.preview") / "templates")
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        {
            "visible": visible,
            "isolated": isolated,
            "highlight": highlight,
            "truncate_text": truncate,
            "thousands": lambda n: f"{int(n):,}",
        }
    )
    env.globals.update({"css": _css(), "csp_meta": Markup(CSP_META)})
    return env


@cache
def _css() -> Markup:
    text = (resources.files("outreach.preview") / "static" / "preview.css").read_text("utf-8")
    return Markup(text.replace("</", "<\\/"))


# -- text helpers ---------------------------------------------------------------------------
@cache
def _grapheme_pattern() -> Any:
    import importlib

    return importlib.import_module("regex").compile(r"\X")  # untyped: no stubs


def _graphemes(text: str) -> list[str]:
    return [str(g) for g in _grapheme_pattern().findall(text)]


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` graphemes, the last one an ellipsis, as a mail client cuts
    a line (never inside a grapheme: an emoji or an accented letter stays whole)."""
    clusters = _graphemes(text)
    if len(clusters) <= limit:
        return text
    return "".join(clusters[: max(limit - 1, 0)]).rstrip() + "…"


def _control_name(char: str) -> str:
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    return f"{code} {name}" if name else code


def _show(char: str) -> Markup:
    code = f"U+{ord(char):04X}"
    return Markup('<span class="ctl" title="{}">{}</span>').format(_control_name(char), code)


@cache
def _hidden() -> Any:
    # Format and control characters but line breaks, tabs and the zero-width joiner that
    # emoji sequences need; the regex module knows the Unicode categories.
    import importlib

    rx = importlib.import_module("regex")  # untyped: no stubs
    return rx.compile(r"((?![\n\t\u200d])[\p{Cf}\p{Cc}])")


_BIDI = re.compile("([\u202a-\u202e\u2066-\u2069])")


def _marked(text: str, pattern: Any) -> str:
    parts = pattern.split(text)  # the characters to show sit at the odd indices
    return "".join(str(_show(p)) if i % 2 else str(escape(p)) for i, p in enumerate(parts))


def visible(text: str) -> Markup:
    """``text`` escaped, with invisible format and control characters (bidi overrides, zero-
    width spaces, ...) shown as their code points: a translator's hidden character is seen,
    and cannot reorder the page around it. Line breaks and tabs stay.

    >>> str(visible("abc\\u202edef<b>"))
    'abc<span class="ctl" title="U+202E RIGHT-TO-LEFT OVERRIDE">U+202E</span>def&lt;b&gt;'
    """
    return Markup(_marked(text, _hidden()))


def isolated(text: str) -> Markup:
    """A translation as :func:`visible` shows it, each placeholder (``%(count)s``, ``%s``,
    ``{name}``) isolated left-to-right in a ``<bdi>``: in a right-to-left translation the
    bidi algorithm would otherwise show ``%(count)s`` as ``s(count)%`` and move it about,
    and a reviewer could not check it.

    >>> str(isolated("لديك %(count)s رسائل"))
    'لديك <bdi dir="ltr" class="ph">%(count)s</bdi> رسائل'
    """
    from outreach.placeholders import BRACE_PLACEHOLDER, PYTHON_PLACEHOLDER

    if "%" not in text and "{" not in text:
        return visible(text)
    spans = sorted(
        (m.start(), m.end())
        for pattern in (PYTHON_PLACEHOLDER, BRACE_PLACEHOLDER)
        for m in pattern.finditer(text)
        if m.group() != "%%"
    )
    pieces: list[str] = []
    index = 0
    for start, end in spans:
        if start < index:
            continue  # inside one already isolated
        pieces.append(str(visible(text[index:start])))
        pieces.append(f'<bdi dir="ltr" class="ph">{visible(text[start:end])}</bdi>')
        index = end
    pieces.append(str(visible(text[index:])))
    return Markup("".join(pieces))


def highlight(text: str, channel: str) -> Markup:
    """A post's text escaped, with the hashtags and links ``channel`` would make of it
    marked (:func:`outreach.platforms.entities`) and bidi controls made visible."""
    from outreach.platforms import entities

    def plain(part: str) -> str:
        return _marked(part, _BIDI)

    pieces: list[str] = []
    index = 0
    for start, end, kind in entities(channel, text):
        pieces.append(plain(text[index:start]))
        css = "tag" if kind == "hashtag" else "link"
        pieces.append(f'<mark class="{css}">{plain(text[start:end])}</mark>')
        index = end
    pieces.append(plain(text[index:]))
    return Markup("".join(pieces))


def safe_href(url: str | None) -> str | None:
    """``url`` if it is an ``https:`` or ``mailto:`` link, else ``None`` (never a
    ``javascript:`` or ``data:`` link in an ``href``)."""
    if not url:
        return None
    scheme = urlsplit(url).scheme.lower()
    return url if scheme in ("https", "mailto") else None


def page_href(path: str, root: str) -> str:
    """A link from a page at depth ``root`` (``../../../``) to ``path`` in the site."""
    return root + quote(path, safe="/#")


def channel_title(channel: str) -> str:
    if channel == "email":
        return "Email"
    from outreach.platforms import platform

    return platform(channel).title


# -- the SVG chart ---------------------------------------------------------------------------
def progress_chart(locales: Sequence[LocaleData], *, chart_id: str = "progress") -> Markup:
    """Stacked bars, one a locale: translated, fuzzy (hatched), untranslated, with the
    numbers written beside each bar. The figures are also in the table the pages put next
    to it; the SVG's title and description say them too."""
    width, label_w, bar_w, row_h, top = 760, 120, 400, 30, 8
    height = top * 2 + row_h * max(len(locales), 1)
    parts: list[str] = []
    summary: list[str] = []
    for index, data in enumerate(locales):
        stats = data.stats
        total = stats.total or 1
        y = top + index * row_h
        x = float(label_w)
        label = f"{data.label} · {stats.percent:g}%"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>'
        )
        for value, fill in (
            (stats.translated, "#1f7a3a"),
            (stats.fuzzy, "url(#hatch)"),
            (stats.untranslated, "#e6e9ed"),
        ):
            if value:
                w = bar_w * value / total
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 6}" width="{w:.1f}" height="{row_h - 12}" '
                    f'fill="{fill}"/>'
                )
                x += w
        parts.append(
            f'<rect x="{label_w}" y="{y + 6}" width="{bar_w}" height="{row_h - 12}" '
            'fill="none" stroke="#57606a"/>'
        )
        numbers = f"{stats.translated} / {stats.fuzzy} / {stats.untranslated}"
        parts.append(f'<text x="{label_w + bar_w + 10}" y="{y + 19}">{escape(numbers)}</text>')
        summary.append(
            f"{data.label}: {stats.translated} translated, {stats.fuzzy} fuzzy, "
            f"{stats.untranslated} untranslated of {stats.total}"
        )
    desc = "; ".join(summary) or "no locales"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'font-family="system-ui, sans-serif" font-size="14" fill="#1d1d1f">'
        f'<title id="{chart_id}-title">Translation progress per locale '
        "(translated / fuzzy / untranslated)</title>"
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f5c08a"/>'
        '<rect width="3" height="6" fill="#b35c00"/></pattern></defs>' + "".join(parts) + "</svg>"
    )
    return Markup(svg)


# -- pages -----------------------------------------------------------------------------------
def render_pages(
    model: Model,
    cells: Iterable[tuple[str, str, str]] | None = None,
    locales: Iterable[str] | None = None,
) -> dict[str, bytes]:
    """The pages of ``cells`` and of ``locales`` (default: all of them), and the index,
    keyed by their path in the site."""
    from outreach.items import Email

    env = _environment()
    keys = list(model.cells) if cells is None else [k for k in cells if k in model.cells]
    wanted = list(model.locales) if locales is None else [x for x in locales if x in model.locales]
    pages: dict[str, bytes] = {"index.html": _index(env, model), MARKER: MARKER_TEXT}
    for key in keys:
        cell = model.cells[key]
        template = "email.html.j2" if isinstance(cell.item, Email) else "post.html.j2"
        pages[cell.page] = _cell_page(env, model, cell, template)
    for locale in wanted:
        pages[f"l/{locale}.html"] = _locale_page(env, model, model.locales[locale])
    return pages


def _common(model: Model, root: str) -> dict[str, Any]:
    return {
        "campaign_name": model.campaign.name,
        "root": root,
        "href": lambda path: page_href(path, root),
        "channel_title": channel_title,
    }


def _entry_link(
    model: Model, label: str, msgctxt: str | None, msgid: str | None, root: str
) -> str | None:
    """The link to an entry on its locale's page (to the page's findings when the entry is
    not listed there); ``None`` for a locale the campaign does not have."""
    from outreach.errors import LocaleError
    from outreach.preview.model import entry_anchor

    try:
        locale = model.campaign.resolve_locale(label)
    except LocaleError:
        return None
    data = model.locales.get(locale)
    if data is None:
        return None
    anchor = "findings"
    if msgid is not None:
        candidate = entry_anchor(msgctxt, msgid)
        if candidate in data.anchors:
            anchor = candidate
    return page_href(f"l/{locale}.html#{anchor}", root)


def _findings(model: Model, findings: Iterable[Finding], root: str) -> list[dict[str, Any]]:
    return [
        {"f": f, "link": _entry_link(model, f.locale, f.msgctxt, f.msgid, root)} for f in findings
    ]


def _index(env: Environment, model: Model) -> bytes:
    campaign = model.campaign
    locales = [model.locales[loc] for loc in campaign.locales]
    tables = []
    for message in model.messages:
        channels = model.channels.get(message, [])
        rows = [
            {"data": data, "cells": [model.cells.get((message, data.locale, c)) for c in channels]}
            for data in locales
        ]
        tables.append({"name": message, "channels": channels, "rows": rows})
    cells = list(model.cells.values())
    problems = sum(1 for cell in cells if not cell.ok)
    context = {
        **_common(model, ""),
        "crumbs": [("Preview", None)],
        "locales": locales,
        "tables": tables,
        "chart": progress_chart(locales),
        "pages": len(cells),
        "problems": problems,
        "findings": {d.locale: _findings(model, d.findings, "") for d in locales},
        "channel_count": len({c for chans in model.channels.values() for c in chans}),
    }
    return env.get_template("index.html.j2").render(context).encode("utf-8")


def _sender(model: Model) -> tuple[str, str]:
    email = model.campaign.email
    name, address = parseaddr(email.sender or "")
    if not (name or address):
        return model.campaign.name, "noreply@localhost"
    return name or address, address


def _cell_page(env: Environment, model: Model, cell: Cell, template: str) -> bytes:
    from outreach.platforms import platform

    root = "../../../"
    data = model.locales[cell.locale]
    sender, address = _sender(model)
    siblings = [
        (model.campaign.label(loc), f"m/{cell.message}/{loc}/{cell.channel}.html")
        for loc in model.campaign.locales
    ]
    others = [
        (channel_title(c), f"m/{cell.message}/{cell.locale}/{c}.html")
        for c in model.channels.get(cell.message, [])
    ]
    context: dict[str, Any] = {
        **_common(model, root),
        "crumbs": [
            ("Preview", page_href("index.html", root)),
            (cell.message, page_href(f"index.html#msg-{cell.message}", root)),
            (data.label, page_href(f"l/{cell.locale}.html", root)),
            (channel_title(cell.channel), None),
        ],
        "cell": cell,
        "item": cell.item,
        "data": data,
        "siblings": siblings,
        "others": others,
        "errors": _findings(model, cell.errors, root),
        "fallbacks": [
            {"fb": fb, "link": _entry_link(model, cell.locale, fb.msgctxt, fb.msgid, root)}
            for fb in cell.fallbacks
        ],
        "sender": sender,
        "address": address,
        "reply_to": model.campaign.email.reply_to,
        "inbox": INBOX,
    }
    if template == "post.html.j2":
        spec = platform(cell.channel)
        item = cell.item
        length, limit = int(getattr(item, "length", 0)), int(getattr(item, "limit", 1))
        context.update(
            {
                "platform": spec,
                "share_href": safe_href(getattr(item, "share_url", None)),
                # The bar spans the limit, or the length when over it: green up to the
                # limit, red beyond.
                "fill": f"{100.0 * min(length, limit) / max(length, limit, 1):.1f}",
                "beyond": f"{100.0 * max(length - limit, 0) / max(length, limit, 1):.1f}",
                "left": limit - length,
                "entities": _entity_list(cell),
            }
        )
    else:
        html, remote = local_images(str(getattr(cell.item, "html", "")))
        context["remote_images"] = remote
        context["email_html"] = html
        context["private"] = cell.private
        if cell.private is not None:
            privacy = model.campaign.privacy
            context["private_html"] = local_images(inline_shown(cell.private))[0]
            context["private_sender"] = privacy.sender or f"{sender} <{address}>"
            context["private_who"] = _private_who(model, cell.locale)
    return env.get_template(template).render(context).encode("utf-8")


def _private_who(model: Model, locale: str) -> str:
    """Who gets the private variant of an email in ``locale``, in words."""
    privacy = model.campaign.privacy
    label = model.campaign.label(locale)
    parts = []
    if locale in privacy.locales:
        parts.append(f"every supporter in {label}")
    if privacy.column is not None:
        parts.append(f"every supporter whose '{privacy.column}' column says so")
    return " and ".join(parts)


#: An ``<img>`` and its ``src`` (our layouts write attributes in double quotes).
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")', re.IGNORECASE)


def inline_shown(mail: Email) -> str:
    """``mail``'s HTML with the image it carries inside itself (``cid:``, a private email
    with ``[privacy] inline_images``) shown as a ``data:`` URI: a browser cannot resolve
    ``cid:``, and the page's policy allows ``data:`` images.

    >>> from outreach.items import InlineImage
    >>> still = InlineImage("a.gif", "image/gif", b"GIF89a", "a1@example.org")
    >>> mail = Email("share", "pt", "S", "", "", '<img src="cid:a1@example.org">', "pt", "ltr",
    ...              inline=still)
    >>> inline_shown(mail)
    '<img src="data:image/gif;base64,R0lGODlh">'
    """
    image = mail.inline
    if image is None:
        return mail.html
    data = f"data:{image.media_type};base64,{base64.b64encode(image.data).decode('ascii')}"

    def one(match: re.Match[str]) -> str:
        if unescape(match.group(2)).strip() != image.url:
            return match.group()
        return match.group(1) + data + match.group(3)

    return _IMG_SRC.sub(one, mail.html)


def local_images(html: str) -> tuple[str, int]:
    """``html`` with each remote image replaced by a local placeholder (a grey SVG as a
    ``data:`` URI, which the page's policy allows), and how many there were: the preview
    makes no request, yet shows where the picture goes and how big it is.

    A ``src`` is remote when a browser would fetch it over http(s)
    (:func:`outreach.urls.is_http_link`: any letter case, spaces or a tab in the scheme, or
    a scheme-relative ``//host/``), read once HTML character references are decoded.

    >>> local_images('<img src="https://example.org/a.jpg" alt="A">')[1]
    1
    >>> local_images('<img src=" &#104;ttps://example.org/a.jpg"><img src="//x.example/b.png">')[1]
    2
    """
    count = 0

    def one(match: re.Match[str]) -> str:
        nonlocal count
        if not is_http_link(unescape(match.group(2))):
            return match.group()
        count += 1
        return match.group(1) + _PLACEHOLDER + match.group(3)

    return _IMG_SRC.sub(one, html), count


_PLACEHOLDER = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300">'
    '<rect width="600" height="300" fill="#d9d4cc"/><text x="300" y="158" font-size="24" '
    'text-anchor="middle" fill="#4a4a4a" font-family="sans-serif">remote image</text></svg>',
    safe="",
)


def _entity_list(cell: Cell) -> list[tuple[str, str]]:
    from outreach.platforms import entities

    text = str(getattr(cell.item, "text", ""))
    return [(kind, text[s:e]) for s, e, kind in entities(cell.channel, text)]


def _locale_page(env: Environment, model: Model, data: LocaleData) -> bytes:
    root = "../"
    used = model.used_in(data.locale)
    by_entry: dict[tuple[str | None, str], list[Finding]] = {}
    for finding in data.findings:
        if finding.msgid is not None:
            by_entry.setdefault((finding.msgctxt, finding.msgid), []).append(finding)
    context = {
        **_common(model, root),
        "crumbs": [("Preview", page_href("index.html", root)), (data.label, None)],
        "data": data,
        "chart": progress_chart([data], chart_id="progress-one"),
        "findings": _findings(model, data.findings, root),
        "used": {
            key: [
                (f"{c.message} · {channel_title(c.channel)}", page_href(c.page, root))
                for c in cells
            ]
            for key, cells in used.items()
        },
        "by_entry": by_entry,
    }
    return env.get_template("locale.html.j2").render(context).encode("utf-8")
