r"""What an http(s) URL is, in one place, for the two things outreach asks of one.

*A whole value that is one absolute http(s) URL* (campaign.toml's ``url`` settings, the
``[email]`` links, an image given as a URL): :func:`is_http_url`, strict, since the value
ends up in links, headers and posts that supporters trust::

    >>> is_http_url("https://example.org/love?ref=a#film"), is_http_url("http://localhost:8000/")
    (True, True)
    >>> is_http_url("https://example.org@evil.com/"), is_http_url("javascript:alert(1)")
    (False, False)

*Links as written in text* (the checks, UTM tagging, the preview's remote images):
:data:`LINK_IN_TEXT` finds them, :func:`trim_url` drops the sentence's punctuation after one,
and :func:`is_http_link` says whether a link (or an ``href``/``src`` value) goes over http(s),
as liberally as a browser reads it::

    >>> [trim_url(m.group()) for m in LINK_IN_TEXT.finditer("Sign: HTTPS://example.org/love.")]
    ['HTTPS://example.org/love']
    >>> is_http_link("HTTPS://example.org/love"), is_http_link("mailto:love@example.org")
    (True, False)

*A domain as IDNA 2008 reads it* (a URL's host, a supporter's or the sender's mail domain):
:func:`ascii_domain`, the one place outreach asks :mod:`idna` (never Python's IDNA 2003
codec, which sends ``straße.de`` to another domain, ``strasse.de``)::

    >>> ascii_domain("straße.de"), ascii_domain("Example.ORG"), ascii_domain("☃.example")
    ('xn--strae-oqa.de', 'Example.ORG', None)

*Anything a reader could follow*, whatever host it names (a supporter's sign-up text may hold
none): :func:`idna_view` reads text as IDNA reads the names in it, so that ``evil。com`` is
``evil.com``, and :func:`find_scheme_links` finds every ``scheme://``, ``javascript:`` or
``mailto:`` reference and bare IPv4 address::

    >>> find_scheme_links(idna_view("https://2130706433/reset or ｊａｖａｓｃｒｉｐｔ:alert(1)"))
    ['https://2130706433/reset', 'javascript:alert(1)']

Nothing here imports anything of outreach, nor anything heavy at import time (:mod:`idna`
is imported on the first host to check).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

__all__ = [
    "LINK_IN_TEXT",
    "MAX_URL_LENGTH",
    "ascii_domain",
    "find_scheme_links",
    "idna_view",
    "is_http_link",
    "is_http_url",
    "trim_url",
]

#: The longest URL :func:`is_http_url` accepts: the limit of sitemaps and of most tools that
#: handle links (a link a supporter clicks is far shorter; a longer "URL" is a payload).
MAX_URL_LENGTH = 2048

#: Characters no whole URL holds as written: white space and ASCII control characters, and
#: ``<>"`\`` -- RFC 3986 has them only percent-encoded; they end a link in text, an HTML
#: attribute or a ``List-Unsubscribe`` header, and browsers read ``\`` as ``/`` (so that
#: ``https://evil.com\@example.org/`` goes to evil.com).
_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f<>"`\\]')


def is_http_url(value: str, *, ascii_only: bool = False) -> bool:
    """Whether ``value``, whole, is one absolute http(s) URL that means what it shows:

    - it starts ``http://`` or ``https://``, in lower case (as the code that reads it
      compares it: one-click unsubscribe headers are for ``https:`` only);
    - it is at most :data:`MAX_URL_LENGTH` characters, with no white space, control or
      format character anywhere (no bidi override, no zero-width space) and none of
      ``<>"`\\``; in ASCII only when ``ascii_only`` (a mail header's URL);
    - its host is a domain name that IDNA accepts (an internationalised one too,
      ``https://bücher.example/``), ``localhost``, or an IP address, and there is no
      user information before it (``https://example.org@evil.com/`` goes to
      evil.com);
    - a port, if any, is a number up to 65535.

    :func:`urllib.parse.urlsplit` splits it and :mod:`idna` judges the host: no regex
    says what a URL is.

    >>> is_http_url("https://ex.org/ü?q=1"), is_http_url("https://bücher.example/")
    (True, True)
    >>> is_http_url("https://bücher.example/", ascii_only=True)
    False
    >>> is_http_url("HTTPS://example.org/"), is_http_url("https:///love")
    (False, False)
    >>> is_http_url("https://example.org/a b"), is_http_url("https://exa\\u202emple.org/")
    (False, False)
    >>> is_http_url("https://☃.example/"), is_http_url("http://[::1]:8080/a")
    (False, True)
    """
    if len(value) > MAX_URL_LENGTH or not value.startswith(("http://", "https://")):
        return False
    if _NOT_IN_URL.search(value):
        return False
    if not value.isascii() and (
        ascii_only or any(unicodedata.category(char)[0] in "CZ" for char in value)
    ):
        return False  # C: control, format, surrogate, private, unassigned; Z: separators
    try:
        netloc = urlsplit(value).netloc
    except ValueError:  # unbalanced [ ]
        return False
    return _is_authority(netloc)


@functools.lru_cache(maxsize=256)
def _is_authority(netloc: str) -> bool:
    """Whether ``netloc`` is a host and perhaps a port, and nothing else: :func:`urlsplit`
    splits it but checks little (its ``hostname`` reads ``[::1]x`` as ``::1``)."""
    if "@" in netloc or "%" in netloc:  # user information; an escape, an IPv6 zone
        return False
    if netloc.startswith("["):
        host, bracket, port = netloc[1:].partition("]")
        if not bracket or not _is_ipv6(host):
            return False
    else:
        host, colon, digits = netloc.partition(":")
        port = colon + digits
        if not host or not _is_domain(host):
            return False
    return _is_port(port)


def _is_port(text: str) -> bool:
    """Whether ``text`` is what may follow a host: nothing, ``:`` alone (RFC 3986 and
    browsers read ``example.org:`` as ``example.org``) or ``:`` and a port number."""
    digits = text[1:]
    return text in ("", ":") or (
        text[0] == ":"
        and len(digits) <= 5
        and digits.isascii()
        and digits.isdigit()
        and int(digits) < 65536
    )


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_domain(host: str) -> bool:
    """Whether IDNA (UTS #46 mapping, as browsers apply it) accepts ``host``: LDH labels
    of at most 63 characters, valid A-labels (``xn--``) and U-labels, 253 in all. An
    IPv4 address is one too (labels of digits)."""
    return ascii_domain(host) is not None


@functools.lru_cache(maxsize=1024)
def ascii_domain(name: str) -> str | None:
    """``name`` (a host, or the domain of an address) in ASCII as IDNA 2008 writes it,
    after the UTS #46 mapping that browsers and mail systems apply (non-transitional:
    ``ß`` and ``ς`` stay themselves, ``ＡＢＣ`` and ``。`` are mapped); ``None`` when IDNA
    2008 refuses it: a symbol (``☃``), an invalid A-label, a hyphen at either end of a label
    or in its 3rd and 4th place outside ``xn--``, an empty label, one over 63 characters,
    more than 253 in all.

    A name in ASCII comes back as written (IDNA compares labels without regard to case, so
    ``Example.ORG`` is not rewritten); any other in lower case, as its A-labels.

    >>> ascii_domain("Bücher。Example"), ascii_domain("XN--strae-oqa.de")
    ('xn--bcher-kva.example', 'XN--strae-oqa.de')
    >>> ascii_domain("xn--zz.de"), ascii_domain("r3---sn.example"), ascii_domain("a..b")
    (None, None, None)
    """
    import idna

    try:
        encoded = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    return name if name.isascii() else encoded


#: A link as written in text: ``http://``, ``https://``, ``ftp://``, ``www.`` or ``mailto:``,
#: in any letter case, up to white space or one of the characters text puts around a link
#: (``<``, ``>``, ``"``, ``'``, a backquote); :func:`trim_url` then drops the punctuation
#: that ends the sentence. A regex, because it finds links in text, which :mod:`urllib.parse`
#: does not do. Everything that finds links (the checks, UTM tagging) uses it, so that all
#: see the same links with the same ends: a tagger that found the ``https://`` inside
#: another link (``www.elsewhere.example/?next=https://...``) would change that link.
LINK_IN_TEXT = re.compile(r"""(?:(?:https?|ftp)://|www\.|mailto:)[^\s<>"'`]+""", re.IGNORECASE)

# Trailing characters that end a sentence rather than a link.
_TRAILING = ".,;:!?…'\"’”»)]}"


def trim_url(url: str) -> str:
    """``url`` without the punctuation that ends the sentence around it (a ``)`` stays when
    the link has an unclosed ``(``, as in Wikipedia links). Linear in the length.

    >>> trim_url("https://en.wikipedia.org/wiki/Pride_(film)."), trim_url("https://x.org/a…")
    ('https://en.wikipedia.org/wiki/Pride_(film)', 'https://x.org/a')
    """
    end = len(url)
    opened = url.count("(")
    closed = url.count(")")
    while end and url[end - 1] in _TRAILING:
        if url[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return url[:end]


#: What WHATWG URL parsing drops before it reads a URL: leading and trailing C0 control
#: characters and spaces; and tabs and line breaks anywhere.
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")  # RFC 3986's scheme


def is_http_link(ref: str) -> bool:
    """Whether a browser goes over http(s) for ``ref`` (a link found in text, an ``href`` or
    ``src`` value once HTML-unescaped) on an http(s) page: its scheme is ``http`` or
    ``https`` in any letter case, or it has none and starts ``//`` (a scheme-relative
    link), read as WHATWG URL parsing reads it (control characters and spaces around it and
    tabs and line breaks in it ignored, ``\\`` taken for ``/``). Not whether it is a
    *valid* URL (:func:`is_http_url` says that): whether it would be fetched or followed.

    >>> is_http_link("HTTPS://example.org/a.jpg"), is_http_link(" //evil.com/a.jpg")
    (True, True)
    >>> is_http_link("ht\\ttps://evil.com/"), is_http_link("img/a.jpg")
    (True, False)
    >>> is_http_link("data:image/png;base64,AA"), is_http_link("www.example.org/love")
    (False, False)
    """
    ref = _TAB_OR_NEWLINE.sub("", ref.strip(_C0_AND_SPACE)).replace("\\", "/")
    if ref.startswith("//"):
        return True
    scheme = _SCHEME.match(ref)
    return scheme is not None and scheme.group(1).lower() in ("http", "https")


#: The full stop that IDNA (UTS #46), and so browsers and mail systems, read as the "." between
#: two labels and that NFKC leaves as it is: U+3002 IDEOGRAPHIC FULL STOP. (NFKC makes the
#: half-width one, U+FF61, this one; and the full-width U+FF0E, the small U+FE52 and the
#: one-dot leader U+2024 a "."; UTS #46 maps no other character to a ".".)
_DOT_EQUIVALENTS = str.maketrans({"\u3002": "."})


def idna_view(text: str) -> str:
    """``text`` as IDNA reads a name written in it: in NFKC (full-width ``ｅｖｉｌ．ｃｏｍ`` is
    ``evil.com``, ``ｈｔｔｐｓ：／／`` is ``https://``) and with every full stop that
    separates labels written ``.`` -- ``https://evil。com/`` goes to evil.com. Read so before
    links are looked for in text that no one reviews (a supporter's sign-up fields); the
    link finders of the checks do not, as the ideographic full stop ends every Japanese and
    Chinese sentence.

    >>> idna_view("evil。com, evil｡com, ｅｖｉｌ．ｃｏｍ, 例子。中国")
    'evil.com, evil.com, evil.com, 例子.中国'
    >>> idna_view("J.R.R. Tolkien") == "J.R.R. Tolkien", idna_view("Zoë") == "Zoë"
    (True, True)
    """
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_DOT_EQUIVALENTS)


#: A reference a reader or a browser could follow, whatever host it names: any scheme before
#: "//" (or "\\", which browsers read as "/"): ``ftp://``, ``intent://``, ``https://evil``,
#: ``https://2130706433/`` (127.0.0.1 as a number); a special scheme of WHATWG URL before
#: anything (a browser reads ``https:evil`` as ``https://evil/``); a scheme that runs or
#: writes something before anything (``javascript:``, ``vbscript:``, ``mailto:``, ``blob:``);
#: ``data:`` before a media type, ``,`` or ``;`` (not the Portuguese "Data: 12/03"). A
#: lone word before a colon is no scheme here (``Re: hello``, ``Note:bring cake``).
_SCHEME_LINK = re.compile(
    r"""(?:[A-Za-z][A-Za-z0-9+.-]{0,31}:[/\\]{2}"""
    r"""|(?<![A-Za-z])(?:https?|ftp|wss?|file|javascript|vbscript|mailto|blob):(?=[^\s<>"'`])"""
    r"""|(?<![A-Za-z])data:(?=[A-Za-z][\w.+-]*/|[,;]))[^\s<>"'`]*""",
    re.IGNORECASE,
)
#: An IPv4 address as written in text, on its own: a host that names no domain (with a port
#: or a path, if any).
_IPV4_LINK = re.compile(
    r"""(?<![\w.])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?!\w|\.\w)(?::[0-9]{1,5})?(?:/[^\s<>"'`]*)?"""
)


def find_scheme_links(text: str) -> list[str]:
    """The references in ``text`` (read by :func:`idna_view` first, where the text is
    someone's free text) that name a scheme, or an IPv4 address as the host, in order, as
    written and without the punctuation that ends the sentence: what :data:`LINK_IN_TEXT`
    finds only for http(s), ftp and mailto and only with a domain's host, and more
    (see ``_SCHEME_LINK``).

    >>> find_scheme_links("https://evil, ftp://x, data:text/html,hi and javascript:alert(1).")
    ['https://evil', 'ftp://x', 'data:text/html,hi', 'javascript:alert(1)']
    >>> find_scheme_links("Call 10.0.0.1:8080/admin, not v1.2.3")
    ['10.0.0.1:8080/admin']
    >>> find_scheme_links("Re: hello, Data: 12/03, Note:bring cake, 10:30, J.R.R. Tolkien")
    []
    """
    if ":" not in text and "." not in text:
        return []
    found = [(m.start(), trim_url(m.group())) for m in _SCHEME_LINK.finditer(text)]
    if "." in text:
        taken = [(start, start + len(link)) for start, link in found]
        found += [
            (m.start(), trim_url(m.group()))
            for m in _IPV4_LINK.finditer(text)
            if not any(s <= m.start() < e for s, e in taken)  # not the host of one found
        ]
    return [link for _, link in sorted(found)]
