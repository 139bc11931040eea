"""Message bytes for one recipient, fast: headers of outreach's own, and quoted-printable
that encodes what it substitutes.

A message is the header block :func:`outreach.mail.email_bytes` writes -- ``From``, ``To``,
``Reply-To``, ``Subject``, ``Date``, ``Message-ID``, ``Content-Language``,
``List-Unsubscribe``, ``List-Unsubscribe-Post``, ``MIME-Version`` -- then a
``multipart/alternative`` of the text and the HTML part, both UTF-8 quoted-printable (the
HTML part in a ``multipart/related`` with an inlined image: :func:`frame`).

The static text of a skeleton is encoded once (:func:`qp_static`); a supporter's value is
encoded on its own (:func:`qp_value`) and sits between two soft line breaks (``=`` at the end
of a line, which decoding removes), so a value can never join, split or escape the encoding
of the text around it: ``=``, non-ASCII, a very long name are encoded like any other text, and
``From `` at the start of a line is written ``=46rom `` so that an mbox needs no mangling.
The boundary is made of ``=`` signs, which quoted-printable always encodes: no body can
contain it.

Each per-recipient header line is built by :mod:`outreach.mail`'s writers (which refuse a
line break or control character in a value) and checked again (:func:`checked`): one field,
folded only with CRLF and a space.

>>> qp_static("Olá =\\nFrom here ", before_slot=True)
b'Ol=C3=A1 =3D\\r\\n=46rom here =\\r\\n'
>>> qp_value("Zoë"), qp_value("Ana")
(b'Zo=C3=AB=\\r\\n', b'Ana=\\r\\n')
"""

from __future__ import annotations

import binascii
import datetime as dt
import email.utils
import re
import secrets
import time
from typing import TYPE_CHECKING

from outreach.display import NOT_ONE_LINE
from outreach.errors import HeaderError

if TYPE_CHECKING:
    from outreach.items import InlineImage

__all__ = [
    "DateLine",
    "checked",
    "dot_stuffed",
    "frame",
    "qp_static",
    "qp_value",
    "stuffed",
    "to_line",
]

_TABLE = [chr(b) if (33 <= b <= 126 and b != 61) or b == 32 else f"={b:02X}" for b in range(256)]
_PLAIN = re.compile(r"[ !-<>-~]{0,73}")  # printable ASCII without "=": encodes as itself
_WIDTH = 73  # characters of data a line; "=" (soft break) and "=46" for "From " fit in 76
_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+\-/^_`{|}~ ]{1,60}")
_PLAIN_SPEC = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,120}")


def _wrap(tokens: list[str], soft: str = "=\r\n") -> str:
    """Tokens (each one encoded octet) as physical lines joined by soft line breaks."""
    lines: list[str] = []
    current: list[str] = []
    width = 0
    for token in tokens:
        if width + len(token) > _WIDTH:
            lines.append("".join(current))
            current, width = [], 0
        current.append(token)
        width += len(token)
    lines.append("".join(current))
    return soft.join("=46" + line[1:] if line.startswith("From ") else line for line in lines)


_EOL = re.compile(rb"\r\n|\r|\n")


def stuffed(data: bytes) -> bytes:
    """``data`` as DATA sends it: every line ending CRLF, a dot doubled where a line starts
    with one (RFC 5321 4.5.2), the final dot.

    >>> stuffed(b".one\\r\\ntwo\\r\\n.three")
    b'..one\\r\\ntwo\\r\\n..three\\r\\n.\\r\\n'
    >>> stuffed(b"bare\\nline\\r\\n.end\\r\\n")
    b'bare\\r\\nline\\r\\n..end\\r\\n.\\r\\n'
    """
    crlf = data.count(b"\r\n")
    if data.count(b"\n") != crlf or data.count(b"\r") != crlf:
        data = _EOL.sub(b"\r\n", data)
    data = dot_stuffed(data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def dot_stuffed(piece: bytes) -> bytes:
    """``piece`` -- CRLF line ends, starting at the start of a line -- with a dot doubled
    where a line starts with one: what :func:`stuffed` does to it, done once for a
    skeleton's static text (stuffing a whole 10 KB message each time cost about a fifth of
    the sending loop's CPU: three ``count`` scans and a ``replace``).

    >>> dot_stuffed(b".a\\r\\n.b\\r\\nc.")
    b'..a\\r\\n..b\\r\\nc.'
    """
    if b"\n." in piece:
        piece = piece.replace(b"\r\n.", b"\r\n..")
    return b"." + piece if piece[:1] == b"." else piece


def qp_static(text: str, *, before_slot: bool) -> bytes:
    """Static text as quoted-printable with CRLF line ends; a soft line break at the end
    when a supporter's value follows."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    hard = text.split("\n")
    out = []
    for index, line in enumerate(hard):
        tokens = [_TABLE[b] for b in line.encode("utf-8")]
        last = index == len(hard) - 1
        if tokens and tokens[-1] == " " and not (last and before_slot):
            tokens[-1] = "=20"  # white space at the end of a line would be lost
        out.append(_wrap(tokens))
    encoded = "\r\n".join(out) + ("=\r\n" if before_slot else "")
    return encoded.encode("ascii")


def qp_value(value: str, newline: bytes = b"\r\n") -> bytes:
    """One supporter's value, encoded on lines of its own, then a soft line break; lines
    end with ``newline`` (CRLF; LF for an mbox).

    >>> qp_value("Zoë", b"\\n")
    b'Zo=C3=AB=\\n'
    """
    soft = b"=" + newline
    if _PLAIN.fullmatch(value) and not value.startswith("From "):
        return value.encode("ascii") + soft
    text = value.replace("=", "=3D")
    if value.isascii() and value.isprintable() and "From " not in text:
        # a link: only "=" needs encoding, and no line can start "From "
        pieces, start, end_of_text = [], 0, len(text)
        while end_of_text - start > _WIDTH:
            end = start + _WIDTH  # never cut an =3D
            end -= 1 if text[end - 1] == "=" else 2 if text[end - 2] == "=" else 0
            pieces.append(text[start:end])
            start = end
        pieces.append(text[start:])
        return soft.join([p.encode("ascii") for p in pieces]) + soft
    raw = value.encode("utf-8")
    if b"\n" not in raw and b"\r" not in raw:
        encoded = binascii.b2a_qp(raw)  # C, with "=\n" soft breaks
        lines = encoded.split(b"\n")  # 76 at most, and the last gets our "=" too
        if b"From " not in encoded and max(map(len, lines)) <= 76 and len(lines[-1]) <= 75:
            if newline != b"\n":
                encoded = encoded.replace(b"=\n", soft)
            return encoded + soft
    return (_wrap([_TABLE[b] for b in raw], soft.decode("ascii")) + soft.decode("ascii")).encode(
        "ascii"
    )


def frame(
    text: bytes, html: bytes, boundary: str, image: InlineImage | None = None
) -> tuple[bytes, bytes, bytes]:
    """The MIME frame around the two encoded parts: ``(before text, between, after html)``;
    each part must end with CRLF. With ``image`` (a private email's inlined picture), the
    HTML part and the image are a ``multipart/related`` (with a boundary of its own, of
    which neither is the start of the other), as :func:`outreach.mail.email_bytes` nests
    them; the image part is the stdlib's (:func:`outreach.mail.image_part`), encoded once
    per skeleton.

    >>> from outreach.items import InlineImage
    >>> still = InlineImage("a.gif", "image/gif", b"GIF89a", "a1@example.org")
    >>> _, middle, end = frame(b"", b"", new_boundary(), still)
    >>> middle.split(b"\\r\\n")[2][:50]
    b'Content-Type: multipart/related; type="text/html";'
    >>> end.split(b"\\r\\n")[-6:-4]
    [b'R0lGODlh', b'']
    """
    head = (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii")
    related, end = "", f"\r\n--{boundary}--\r\n".encode("ascii")
    if image is not None:
        import email.policy

        from outreach.mail import image_part

        inner = new_boundary()
        while inner == boundary:  # same length: only an equal one could start the other
            inner = new_boundary()
        related = (
            f'Content-Type: multipart/related; type="text/html"; boundary="{inner}"\r\n\r\n'
            f"--{inner}\r\n"
        )
        part = image_part(image).as_bytes(policy=email.policy.SMTP)
        end = (
            f"\r\n--{inner}\r\n".encode("ascii")
            + part
            + f"\r\n--{inner}--\r\n".encode("ascii")
            + end
        )
    middle = (
        f"\r\n--{boundary}\r\n" + related + 'Content-Type: text/html; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii")
    return head, middle, end


def new_boundary() -> str:
    """``===============<19 digits>==``, as the stdlib makes them (``=`` never appears
    unencoded in quoted-printable)."""
    return "=" * 15 + f"{secrets.randbelow(10**19):019d}" + "=="


def checked(lines: str) -> str:
    """``lines`` (one header field, CRLF at the end) after checking that it is one field:
    no line break but the folding CRLF + space, no control character.

    >>> checked("To: Ana <ana@example.net>\\r\\n")
    'To: Ana <ana@example.net>\\r\\n'
    >>> checked("To: a@example.net\\r\\nBcc: b@example.net\\r\\n")
    Traceback (most recent call last):
    ...
    outreach.errors.HeaderError: a header did not come out as one field: 'To: a@example.net...
    """
    if not lines.endswith("\r\n") or NOT_ONE_LINE.search(lines[:-2].replace("\r\n ", "  ")):
        raise HeaderError(f"a header did not come out as one field: {lines!r}")
    return lines


def to_line(name: str, spec: str, *, utf8: bool) -> str:
    """The ``To`` field for one supporter, exactly as :func:`outreach.mail.address_header`
    writes it (plain names and addresses take a short cut that gives the same bytes).

    >>> to_line("Ana Lima", "ana@example.net", utf8=False)
    'To: Ana Lima <ana@example.net>\\r\\n'
    >>> to_line('Ana "Lima"', "ana@example.net", utf8=False)
    'To: "Ana \\\\"Lima\\\\"" <ana@example.net>\\r\\n'
    """
    if _PLAIN_SPEC.fullmatch(spec) and (not name or _PLAIN_NAME.fullmatch(name)):
        if name and " " not in (name[0], name[-1]) and "  " not in name:
            return f"To: {name} <{spec}>\r\n"
        if not name:
            return f"To: {spec}\r\n"
    from outreach.mail import address_header

    return checked(address_header("To", [(name, spec)], utf8=utf8))


class DateLine:
    """``Date:`` at the moment of sending, formatted once a second, ending in ``newline``."""

    def __init__(self, newline: bytes = b"\r\n") -> None:
        self.newline = newline
        self._second = -1
        self._line = b""

    def __call__(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            now = dt.datetime.fromtimestamp(second, dt.UTC)
            self._line = f"Date: {email.utils.format_datetime(now)}".encode("ascii") + self.newline
            self._second = second
        return self._line
