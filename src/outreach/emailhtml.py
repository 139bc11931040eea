"""What the HTML email layout gives templates: a bulletproof button and safe colours.

Outlook for Windows draws HTML with Word, which ignores ``max-width``, ``display:
inline-block`` and padding on links. A *bulletproof* button therefore is a one-cell
``role="presentation"`` table whose cell carries the colour (``bgcolor``, which every client
paints), holding the link; Outlook gets a VML ``v:roundrect`` instead (inside
``<!--[if mso]>``), the usual way (Campaign Monitor's buttons.cm, Litmus), so that the whole
button is clickable there too. Templates write::

    {{ button(url, _("Sign the petition")) }}

or, for a label with markup of its own::

    {% call button(url) %}{% trans %}Sign <strong>now</strong>{% endtrans %}{% endcall %}

The label is escaped unless it is already safe markup (a translation, which the renderer
has sanitised to its source's tags); the link is always escaped. The colour is the
campaign's ``[email] brand_color`` unless ``color=`` says otherwise.

>>> from jinja2 import Environment
>>> env = Environment(autoescape=True)
>>> env.globals["button"] = button
>>> html = env.from_string('{{ button("https://example.org/?a=1&b=2", "Go <now>") }}').render()
>>> 'href="https://example.org/?a=1&amp;b=2"' in html, "Go &lt;now&gt;" in html
(True, True)
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jinja2 import pass_context
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from jinja2.runtime import Context

__all__ = ["BRAND_COLOR", "button", "contrast", "dark_variant", "remote_loads"]

#: The default brand colour (the example campaign's); ``[email] brand_color`` replaces it.
BRAND_COLOR = "#b0175a"
#: The card's background in dark mode, which links must stay readable on.
DARK_CARD = "#1c1c1e"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_TAG = re.compile(r"<[^>]*>")
#: The button's text box in Outlook: the card's content width (600 - 2 x 32 padding).
_MAX_WIDTH = 536
_FONT = "Helvetica,Arial,sans-serif"


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _luminance(color: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21).

    >>> round(contrast("#ffffff", "#000000"), 1), round(contrast("#b0175a", "#ffffff"), 1)
    (21.0, 6.7)
    """
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@lru_cache(maxsize=64)
def dark_variant(color: str, background: str = DARK_CARD, minimum: float = 4.5) -> str:
    """``color`` mixed with white just enough to read on ``background`` (WCAG AA, 4.5:1):
    the link colour for dark mode.

    >>> dark_variant("#b0175a"), round(contrast(dark_variant("#b0175a"), DARK_CARD), 1)
    ('#cc6894', 4.8)
    >>> dark_variant("#ffcc00")                      # already readable: unchanged
    '#ffcc00'
    """
    r, g, b = _rgb(color)
    for step in range(0, 101, 5):
        mix = step / 100
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c + (255 - c) * mix) for c in (r, g, b)))
        if contrast(candidate, background) >= minimum:
            return candidate
    return "#ffffff"


def _label_width(label: str) -> int:
    """About how wide ``label`` is in 16 px bold Helvetica: 10 px a character, 16 px for
    wide (CJK) ones. VML needs a width; erring wide costs only some colour."""
    import importlib

    text = html.unescape(_TAG.sub("", label))
    if all(ord(c) < 0x300 for c in text):
        # Below the combining marks (U+0300) every character is a grapheme of its own but
        # CR LF, and none is wide: the usual label, without loading ``regex``
        return 10 * (len(text) - text.count("\r\n"))
    regex: Any = importlib.import_module("regex")  # untyped; Unicode's grapheme rules
    width = 0.0
    for grapheme in regex.findall(r"\X", text):
        wide = unicodedata.east_asian_width(grapheme[0]) in ("W", "F")
        width += 16 if wide else 10
    return math.ceil(width)


@pass_context
def button(
    context: Context,
    href: Any,
    label: Any = None,
    *,
    color: str | None = None,
    text_color: str = "#ffffff",
    caller: Callable[[], str] | None = None,
) -> Markup:
    """A bulletproof call-to-action button linking to ``href`` (see the module's
    description). ``label`` or the ``{% call %}`` block's content is its text."""
    if label is None:
        if caller is None:
            raise TypeError("button() needs a label: button(url, _('Sign the petition'))")
        label = Markup(caller().strip())
    brand = color or context.get("brand_color") or BRAND_COLOR
    for value in (brand, text_color):
        if not _HEX.fullmatch(str(value)):
            raise ValueError(f"button(): a colour is #rrggbb, not {value!r}")
    text = escape(label)
    link = escape(str(href))
    direction = context.get("dir")
    text_width = _label_width(str(text))
    lines = max(1, math.ceil(text_width / (_MAX_WIDTH - 48)))
    width = min(_MAX_WIDTH, max(120, text_width + 48))
    height = 24 * lines + 24
    center_dir = ' dir="rtl"' if direction == "rtl" else ""
    # Inside a comment, "--" is a parse error (and ends the comment for old parsers): Word
    # reads the comment's content as HTML, so a character reference does the same there.
    vml_text, vml_link = (str(v).replace("--", "-&#45;") for v in (text, link))
    font = f"font-family:{_FONT};font-size:16px;font-weight:bold;"
    return Markup(
        '<table role="presentation" class="button" cellpadding="0" cellspacing="0" border="0"'
        ' style="margin:24px 0;border-collapse:separate;">'
        f'<tr><td class="button-cell" align="center" bgcolor="{brand}"'
        f' style="background-color:{brand};border-radius:4px;">'
        "<!--[if mso]>"
        '<v:roundrect xmlns:v="urn:schemas-microsoft-com:vml"'
        ' xmlns:w="urn:schemas-microsoft-com:office:word"'
        f' href="{vml_link}" style="height:{height}px;v-text-anchor:middle;width:{width}px;"'
        f' arcsize="9%" stroke="f" fillcolor="{brand}"><w:anchorlock/>'
        f'<center{center_dir} style="color:{text_color};{font}">{vml_text}</center>'
        "</v:roundrect><![endif]-->"
        "<!--[if !mso]><!-->"
        f'<a class="button" href="{link}" style="display:inline-block;padding:12px 24px;'
        f"{font}line-height:24px;color:{text_color};text-decoration:none;"
        f'background-color:{brand};border-radius:4px;">{text}</a>'
        "<!--<![endif]-->"
        "</td></tr></table>"
    )


#: Attributes whose URL a mail client loads by itself, without a click.
_LOADING_ATTRIBUTES = frozenset({"src", "srcset", "background", "poster", "data", "lowsrc"})
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I | re.S)


def remote_loads(document: str) -> list[str]:
    """Every URL an email's HTML makes a mail client load by itself (an image, a background,
    a style sheet, a CSS ``url()`` or ``@import``): what tells a sender the email was
    opened. ``cid:`` (a part of the email) and ``data:`` URLs load nothing; links that
    need a click (``<a href>``) are not loads. In document order, each once.

    Parsed with the standard library's HTML parser, which reads attributes and ``<style>``
    as a mail client does (quoted or not, any case, entities decoded); Outlook's conditional
    comments (``<!--[if mso]>``) are read too.

    >>> remote_loads('<img src="cid:still"><a href="https://x.example/">read</a>')
    []
    >>> remote_loads('<td background="//t.example/b.gif" style="background:url(\\'http://t.example/c.png\\')">'
    ...              '<style>@import "https://t.example/s.css";</style><IMG SRC=https://t.example/p.gif>')
    ['//t.example/b.gif', 'http://t.example/c.png', 'https://t.example/s.css', 'https://t.example/p.gif']
    """
    from html.parser import HTMLParser

    found: dict[str, None] = {}

    def note(url: str) -> None:
        url = url.strip()
        if url and not url.lower().startswith(("cid:", "data:", "#")):
            found.setdefault(url)

    def css(text: str) -> None:
        for match in _CSS_URL.finditer(text):
            note(match.group(2) if match.group(2) is not None else match.group(4) or "")

    class Loads(HTMLParser):
        in_style = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                if value is None:
                    continue
                if name in _LOADING_ATTRIBUTES:
                    parts = value.split(",") if name == "srcset" else [value]
                    for part in parts:
                        note(part.strip().split(" ")[0])
                elif name == "style":
                    css(value)
                elif name == "href" and tag == "link":
                    note(value)
            self.in_style = tag == "style"

        def handle_endtag(self, tag: str) -> None:
            self.in_style = False

        def handle_data(self, data: str) -> None:
            if self.in_style:
                css(data)

        def handle_comment(self, data: str) -> None:
            # Outlook's conditional comments (<!--[if mso]>) hold markup it loads
            if data.lstrip().startswith("[if"):
                inner = Loads(convert_charrefs=True)
                inner.feed(data.split("]>", 1)[-1])
                inner.close()

    parser = Loads(convert_charrefs=True)
    parser.feed(document)
    parser.close()
    return list(found)
