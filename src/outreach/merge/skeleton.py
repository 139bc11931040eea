"""Each locale's message built once, then personalised per supporter.

A skeleton is the message rendered with a marker in place of every per-recipient field (the
CSV's columns and the supporter's own ``unsubscribe_url``). The subject, the text part and
the HTML part are cut at the markers (one skeleton per locale and per set of non-empty
fields: emptiness decides ``{% if %}`` and the white space that rendering tidies); the
static text is encoded once (:mod:`outreach.merge.compose`); each supporter's values go
where the markers were: as they are in the subject and the text, HTML-escaped in the HTML
(as Jinja's autoescape would), each encoded on its own.

Before a skeleton is used it must prove itself: rendered in full with probe values, the
message must come out the same as the skeleton filled with those values -- the same
subject, text and HTML, then the same header block byte for byte as
:func:`outreach.mail.email_bytes` writes (which parses its message back with the stdlib),
and the same parts when the stdlib parses both. A skeleton that fails, a template that uses
a field in a way a skeleton cannot represent (:mod:`outreach.merge.fields`), or a value that
full rendering would change (a line break, a tab, a run of spaces) sends that supporter's
email through the full path: :class:`~outreach.render.Renderer` then ``email_bytes``. The
summary counts both paths and says why.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import escape

from outreach.display import NOT_ONE_LINE
from outreach.errors import HeaderError, TemplateError
from outreach.mail import (
    address_header,
    ascii_header,
    email_bytes,
    idna_domain,
    sender_domain,
    text_header,
)
from outreach.merge.compose import (
    DateLine,
    checked,
    frame,
    new_boundary,
    qp_static,
    qp_value,
    to_line,
)
from outreach.merge.fields import FieldUse, analyse
from outreach.render import HTML_LAYOUT, TEXT_LAYOUT

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.findings import Finding
    from outreach.merge.audience import Supporter
    from outreach.render import Email, Renderer
    from outreach.unsubscribe import Unsubscribe

__all__ = ["MessageMaker", "Outgoing"]

_HTML_SPECIAL = re.compile(r"[&<>\"']")
Segments = list[str | int]


class Outgoing(NamedTuple):
    """One message ready to go: the envelope recipient, whether it needs SMTPUTF8, and its
    bytes around the ``Date`` line (written when it is sent)."""

    key: str
    line: int
    locale: str
    recipient: str
    utf8: bool
    head: bytes
    tail: tuple[bytes, ...]

    def data(self, date: bytes) -> bytes:
        return b"".join((self.head, date, *self.tail))


@dataclass
class _Skeleton:
    subject: Segments
    subject_line: str | None  # the Subject field when no field reaches it
    text: list[bytes | int]
    html: list[bytes | int]
    head: str  # From (To follows)
    middle: str  # Reply-To (Subject, Date, Message-ID follow)
    language: str  # Content-Language (List-Unsubscribe follows)
    end: str  # List-Unsubscribe-Post, MIME-Version
    frame: tuple[bytes, bytes, bytes]

    def __post_init__(self) -> None:
        # Where the values go: the static pieces with a gap at each slot, and the slots.
        self.text_parts = [b"" if isinstance(p, int) else p for p in self.text]
        self.text_slots = [(i, p) for i, p in enumerate(self.text) if isinstance(p, int)]
        self.html_parts = [b"" if isinstance(p, int) else p for p in self.html]
        self.html_slots = [(i, p) for i, p in enumerate(self.html) if isinstance(p, int)]


def _split(text: str, marker: re.Pattern[str], nonce: str) -> Segments | None:
    pieces = marker.split(text)
    segments: Segments = [int(p) if i % 2 else p for i, p in enumerate(pieces)]
    if any(isinstance(s, str) and nonce in s for s in segments):
        return None  # a marker came out cut or altered
    return segments


def _encoded(segments: Segments) -> list[bytes | int]:
    out: list[bytes | int] = []
    for index, segment in enumerate(segments):
        if isinstance(segment, int):
            out.append(segment)
        else:
            text = segment
            if index == len(segments) - 1 and not text.endswith("\n"):
                text += "\n"  # the stdlib ends every part with a line break
            out.append(qp_static(text, before_slot=index < len(segments) - 1))
    return out


class _Values:
    """One supporter's values, each encoded once for the text part and (HTML-escaped)
    once for the HTML part: the same bytes when escaping changes nothing."""

    def __init__(self, ordered: Sequence[str], newline: bytes) -> None:
        self.ordered = ordered
        self.newline = newline
        self.done: dict[int, bytes] = {}  # the text's encodings (-1 - index: the HTML's)

    def fill(self, parts: list[bytes], slots: list[tuple[int, int]], html: bool) -> list[bytes]:
        """``parts`` with each slot's encoded value in its place."""
        filled = parts.copy()
        done = self.done
        for position, index in slots:
            key = -1 - index if html else index
            encoded = done.get(key)
            if encoded is None:
                value = self.ordered[index]
                escaped = _escape(value) if html else value
                if escaped is value and html:
                    encoded = done.get(index)
                if encoded is None:
                    encoded = qp_value(escaped, self.newline)
                done[key] = encoded
            filled[position] = encoded
        return filled


def _join(segments: Segments, values: Sequence[str]) -> str:
    return "".join(values[s] if isinstance(s, int) else s for s in segments)


def _escape(value: str) -> str:
    return str(escape(value)) if _HTML_SPECIAL.search(value) else value


class MessageMaker:
    """Builds every supporter's message of one campaign message.

    ``columns`` are the CSV's (their values are the fields); ``utf8`` whether non-ASCII
    local parts may be written (SMTPUTF8, or a file). ``stats`` counts skeleton and full
    renders; ``notes`` says why any email was rendered in full.
    """

    def __init__(
        self,
        campaign: Campaign,
        renderer: Renderer,
        message: str,
        columns: Sequence[str],
        unsubscribe: Unsubscribe,
        *,
        utf8: bool = True,
        newline: bytes = b"\r\n",
    ) -> None:
        self.campaign = campaign
        # CRLF for SMTP and .eml files; LF for an mbox (built so, not converted: a 5 KB
        # replace costs more than the rest of the message)
        self.newline = newline
        self.renderer = renderer
        self.message = message
        self.unsubscribe = unsubscribe
        self.utf8 = utf8
        self.fields = [c for c in columns if c != "locale"]
        if unsubscribe.needs_recipient:
            self.fields.append("unsubscribe_url")
        env = renderer.environment(campaign.source_locale, html=True)
        self.use: FieldUse = analyse(env, [f"{message}.j2", HTML_LAYOUT, TEXT_LAYOUT], self.fields)
        # A per-recipient unsubscribe URL goes into a skeleton as its static text with a
        # slot for each placeholder's value (an address, a token: URL-safe text that
        # encodes as itself), not as one slot for the whole link: its text is encoded once.
        self._link: int | None = None
        self._link_fields: list[str] = []
        if unsubscribe.needs_recipient and unsubscribe.url:
            self._link = self.fields.index("unsubscribe_url")
            count = len(unsubscribe.url_pieces) - 1
            self._link_fields = [f"\0unsubscribe_url {n}" for n in range(count)]
            self.fields.extend(self._link_fields)
        self.sender = campaign.email.sender or f"{campaign.name} <noreply@localhost>"
        self.reply_to = campaign.email.reply_to
        self.domain = idna_domain(sender_domain(self.sender))
        seed = "\0".join((campaign.name, campaign.url, message, ""))
        self._id_seed = hashlib.sha256(seed.encode("utf-8"))
        self._skeletons: dict[tuple[str, frozenset[str]], _Skeleton | str] = {}
        self._lf: dict[int, _Skeleton] = {}
        self.stats: Counter[str] = Counter()
        self.notes: dict[str, str] = {}
        self.refused: dict[str, tuple[Finding, ...]] = {}
        self._date = DateLine()
        self._date_here = DateLine(newline)
        self._static_unsubscribe = None if unsubscribe.needs_recipient else unsubscribe.preview()
        # Whether a field is empty changes more than the field: a condition, and the white
        # space that rendering tidies around it. One skeleton per set of non-empty fields.
        self._shaping = self.use.plain | self.use.conditions
        for name, why in self.use.complex.items():
            self.notes[f"complex:{name}"] = (
                f"the field {name!r} is used in a way a skeleton cannot represent ({why}): "
                "every email is rendered in full"
            )

    # -- identity ----------------------------------------------------------------------
    def message_id(self, key: str) -> str:
        """``<hash@sender-domain>``: the same for the same campaign (name and URL), message
        and recipient, so that a message sent twice is recognisably the same message."""
        digest = self._id_seed.copy()
        digest.update(key.encode("utf-8"))
        return f"<{digest.hexdigest()[:32]}@{self.domain}>"

    def _values(
        self, supporter: Supporter, unsubscribe_url: str | None, link_values: Sequence[str]
    ) -> dict[str, str]:
        values = dict(supporter.fields)
        if self._static_unsubscribe is None:  # the link names the recipient
            values["unsubscribe_url"] = unsubscribe_url or ""
            values.update(zip(self._link_fields, link_values, strict=True))
        return values

    def _unsubscribe_for(
        self, spec: str
    ) -> tuple[str | None, tuple[tuple[str, str], ...], tuple[str, ...]]:
        if self._static_unsubscribe is not None:
            return (*self._static_unsubscribe, ())
        return self.unsubscribe.filled(spec)

    # -- the paths ---------------------------------------------------------------------
    def prepare(self, locales: Sequence[str]) -> None:
        """Build (and prove) each locale's first skeleton now, so that a template error
        stops the run before anything is sent."""
        for locale in locales:
            self._skeleton(locale, frozenset(self._shaping))

    def make(self, supporter: Supporter, *, proof_to: str | None = None) -> Outgoing:
        """The message for ``supporter``; with ``proof_to``, a proof for that address
        (subject marked ``[PROOF]``, its own Message-ID and unsubscribe link)."""
        address = supporter.address
        if address.utf8 and not self.utf8:
            raise HeaderError(
                "the address has a non-ASCII local part and the server does not offer SMTPUTF8"
            )
        spec = proof_to or address.spec
        url, unsubscribe, link_values = self._unsubscribe_for(spec)
        values = self._values(supporter, url, link_values)
        locale = supporter.choice.locale
        reason = self._full_reason(values)
        if proof_to is None and reason is None:
            truthy = frozenset(f for f in self._shaping if values.get(f))
            built = self._skeleton(locale, truthy)
            if isinstance(built, _Skeleton):
                self.stats["skeleton"] += 1
                return self._fast(built, supporter, values, unsubscribe, self.newline)
            reason = built
        self.stats["full"] += 1
        if reason:
            self.notes.setdefault(reason, reason)
        name = "" if proof_to else supporter.name
        return self._full(supporter, values, unsubscribe, locale, name, spec, proof_to is not None)

    def _full_reason(self, values: Mapping[str, str]) -> str | None:
        if self.use.complex:
            return next(iter(self.notes.values()))
        for name in self._shaping:
            value = values.get(name, "")
            if "  " in value or NOT_ONE_LINE.search(value):
                return (
                    "a value with a line break, a control character or a run of spaces is "
                    "rendered in full (rendering would reshape it)"
                )
        return None

    def _full(
        self,
        supporter: Supporter,
        values: Mapping[str, Any],
        unsubscribe: tuple[tuple[str, str], ...],
        locale: str,
        name: str,
        spec: str,
        proof: bool,
    ) -> Outgoing:
        rendered = self._render(locale, values)
        if proof:
            rendered = dataclasses.replace(rendered, subject=f"[PROOF] {rendered.subject}")
        identifier = (
            email.utils.make_msgid(domain=self.domain)
            if proof
            else self.message_id(supporter.address.key)
        )
        data = email_bytes(
            rendered,
            sender=self.sender,
            to=[(name, spec)],
            reply_to=self.reply_to,
            message_id=identifier,
            extra_headers=unsubscribe,
            utf8=self.utf8,
        )
        if self.newline == b"\n":
            data = data.replace(b"\r\n", b"\n")
            # Only a quoted-printable body line can start so (header lines are "From:"):
            # =46 is its own "F", so an mbox needs no ">" mangling and reads back exactly.
            data = data.replace(b"\nFrom ", b"\n=46rom ")
        head, _, tail = _cut_date(data)
        return Outgoing(
            supporter.address.key,
            supporter.line,
            locale,
            spec,
            supporter.address.utf8,
            head,
            (tail,),
        )

    def _render(self, locale: str, values: Mapping[str, Any]) -> Email:
        rendered = self.renderer.render_email(self.message, locale, values)
        if rendered.problems:
            where = self.campaign.messages_dir / f"{self.message}.j2"
            raise TemplateError(
                f"{self.message} ({locale}): {'; '.join(rendered.problems)}", path=where
            )
        self.refused.setdefault(locale, rendered.refused)
        return dataclasses.replace(rendered, headers=(("Content-Language", rendered.lang),))

    def _fast(
        self,
        skeleton: _Skeleton,
        supporter: Supporter,
        values: Mapping[str, str],
        unsubscribe: tuple[tuple[str, str], ...],
        newline: bytes = b"\r\n",
    ) -> Outgoing:
        lf = newline == b"\n"
        if lf:
            skeleton = self._lf_skeleton(skeleton)
        ordered = [values.get(f, "") for f in self.fields]
        address = supporter.address
        subject = skeleton.subject_line
        if subject is None:
            subject = checked(text_header("Subject", _join(skeleton.subject, ordered)))
        encoder = _Values(ordered, newline)
        text = encoder.fill(skeleton.text_parts, skeleton.text_slots, False)
        html = encoder.fill(skeleton.html_parts, skeleton.html_slots, True)
        unsubscribe_lines = "".join(_one_field(n, v) for n, v in unsubscribe[:1])
        head = (
            skeleton.head
            + to_line(supporter.name, address.spec, utf8=self.utf8)
            + skeleton.middle
            + subject
        )
        tail = (
            f"Message-ID: {self.message_id(address.key)}\r\n"
            + skeleton.language
            + unsubscribe_lines
            + skeleton.end
        )
        if lf:
            head, tail = head.replace("\r\n", "\n"), tail.replace("\r\n", "\n")
        start, middle, end = skeleton.frame
        return Outgoing(
            address.key,
            supporter.line,
            supporter.choice.locale,
            address.spec,
            address.utf8,
            head.encode("utf-8"),
            (tail.encode("ascii"), start, *text, middle, *html, end),
        )

    def _lf_skeleton(self, skeleton: _Skeleton) -> _Skeleton:
        """The skeleton with LF line ends (its static parts converted once)."""
        found = self._lf.get(id(skeleton))
        if found is None:

            def bytes_lf(parts: list[bytes | int]) -> list[bytes | int]:
                return [p.replace(b"\r\n", b"\n") if isinstance(p, bytes) else p for p in parts]

            found = dataclasses.replace(
                skeleton,
                subject_line=skeleton.subject_line,  # joined into the head, converted there
                text=bytes_lf(skeleton.text),
                html=bytes_lf(skeleton.html),
                frame=(
                    skeleton.frame[0].replace(b"\r\n", b"\n"),
                    skeleton.frame[1].replace(b"\r\n", b"\n"),
                    skeleton.frame[2].replace(b"\r\n", b"\n"),
                ),
            )
            self._lf[id(skeleton)] = found
        return found

    # -- building and proving a skeleton -----------------------------------------------
    def _skeleton(self, locale: str, truthy: frozenset[str]) -> _Skeleton | str:
        found = self._skeletons.get((locale, truthy))
        if found is None:
            if len(self._skeletons) > 256:
                return "too many combinations of empty and non-empty fields for skeletons"
            found = self._skeletons[(locale, truthy)] = self._build(locale, truthy)
            if isinstance(found, str):
                self.notes.setdefault(found, found)
        return found

    def _values_for(self, truthy: frozenset[str], make: Any) -> list[str]:
        return [
            "" if f in self._shaping and f not in truthy else make(i, f)
            for i, f in enumerate(self.fields)
        ]

    def _build(self, locale: str, truthy: frozenset[str]) -> _Skeleton | str:
        if self.use.complex:
            self._render(locale, dict(zip(self.fields, self._probe(truthy), strict=True)))
            return next(iter(self.notes.values()))
        nonce = secrets.token_hex(4)
        # A field's marker is private-use characters around a number, which no filter or
        # escaping changes; inside a link, letters (u<nonce>v<n>v<nonce>u), so that the
        # link still reads as one to what renders and checks it.
        marker = re.compile(f"(?:\ue000{nonce}|u{nonce}v)(\\d+)(?:\ue001|v{nonce}u)")
        markers = self._values_for(truthy, lambda i, _: f"\ue000{nonce}{i}\ue001")
        if self._link is not None and markers[self._link]:
            first = len(self.fields) - len(self._link_fields)
            static = self.unsubscribe.url_pieces
            markers[self._link] = static[0] + "".join(
                f"u{nonce}v{first + n}v{nonce}u{piece}" for n, piece in enumerate(static[1:])
            )
        rendered = self._render(locale, dict(zip(self.fields, markers, strict=True)))
        subject = _split(rendered.subject, marker, nonce)
        text = _split(rendered.text, marker, nonce)
        html = _split(rendered.html, marker, nonce)
        if subject is None or text is None or html is None:
            return "a field came out altered in the rendered email: every email rendered in full"
        skeleton = self._assemble(rendered, subject, text, html)
        return self._prove(skeleton, locale, truthy, subject, text, html)

    def _assemble(
        self, rendered: Email, subject: Segments, text: Segments, html: Segments
    ) -> _Skeleton:
        reply = ""
        if self.reply_to:
            reply = address_header("Reply-To", email.utils.getaddresses([self.reply_to]))
        post = "".join(ascii_header(n, v) for n, v in self._post_headers())
        subject_line = None
        if not any(isinstance(s, int) for s in subject):
            subject_line = text_header("Subject", _join(subject, []))
        return _Skeleton(
            subject=subject,
            subject_line=subject_line,
            text=_encoded(text),
            html=_encoded(html),
            head=address_header("From", email.utils.getaddresses([self.sender])),
            middle=reply,
            language=ascii_header("Content-Language", rendered.lang),
            end=post + "MIME-Version: 1.0\r\n",
            frame=frame(b"", b"", new_boundary()),
        )

    def _post_headers(self) -> tuple[tuple[str, str], ...]:
        _, headers, _ = self._unsubscribe_for("probe@example.net")
        return headers[1:]

    def _probe(self, truthy: frozenset[str]) -> list[str]:
        return self._values_for(truthy, lambda i, f: f"Zoë Probe{i}-{f}")

    def _prove(
        self,
        skeleton: _Skeleton,
        locale: str,
        truthy: frozenset[str],
        subject: Segments,
        text: Segments,
        html: Segments,
    ) -> _Skeleton | str:
        from outreach.merge.audience import Choice, Supporter
        from outreach.merge.supporters import parse_address

        probe = self._probe(truthy)
        values = dict(zip(self.fields, probe, strict=True))
        address = parse_address("zoe.probe@example.net")
        assert not isinstance(address, str)
        supporter = Supporter(0, address, "Zoë Próbé", Choice(locale, "first", locale), values)
        url, unsubscribe, link_values = self._unsubscribe_for(address.spec)
        values = self._values(supporter, url, link_values)
        full = self._render(locale, values)
        failed = "the skeleton did not match a full render: every email rendered in full"
        escaped = [_escape(v) for v in (values.get(f, "") for f in self.fields)]
        ordered = [values.get(f, "") for f in self.fields]
        if (
            _join(subject, ordered) != full.subject
            or _join(text, ordered) != full.text
            or _join(html, escaped) != full.html
        ):
            return failed
        fast = self._fast(skeleton, supporter, values, unsubscribe)
        date = self._date()
        slow = email_bytes(
            full,
            sender=self.sender,
            to=[(supporter.name, address.spec)],
            reply_to=self.reply_to,
            date=email.utils.parsedate_to_datetime(date.decode()[6:].strip()),
            message_id=self.message_id(address.key),
            extra_headers=unsubscribe,
            utf8=self.utf8,
        )
        data = fast.data(date)
        if data.split(b"\r\nContent-Type:", 1)[0] != slow.split(b"\r\nContent-Type:", 1)[0]:
            return failed
        mine = _bodies(data)
        if not mine or mine != _bodies(slow):
            return failed
        return skeleton

    def date(self) -> bytes:
        """The ``Date`` line for a message sent now (with the maker's line end)."""
        return self._date_here()


def _one_field(name: str, value: str) -> str:
    """``ascii_header(name, value)``, checked to be one field when it was folded (on one
    line it is printable ASCII already: :func:`~outreach.mail.ascii_header` refuses the
    rest)."""
    line = ascii_header(name, value)
    return line if line.count("\n") == 1 else checked(line)


def _bodies(data: bytes) -> list[tuple[str, str]]:
    """Each leaf part of ``data`` as the stdlib parser reads it: its type and its decoded
    text (``compat32``, several times faster than the default policy's header objects,
    which a comparison of bodies does not need).

    >>> _bodies(b"Content-Type: text/plain; charset=utf-8\\r\\n"
    ...         b"Content-Transfer-Encoding: quoted-printable\\r\\n\\r\\nOl=C3=A1\\r\\n")
    [('text/plain', 'Olá\\r\\n')]
    """
    found = []
    for part in email.message_from_bytes(data).walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return []
        try:
            text = payload.decode(part.get_content_charset() or "ascii")
        except (LookupError, UnicodeDecodeError):
            return []
        found.append((part.get_content_type(), text))
    return found


def _cut_date(data: bytes) -> tuple[bytes, bytes, bytes]:
    newline = b"\r\n" if b"\r\n" in data[:200] else b"\n"
    start = data.index(newline + b"Date: ") + len(newline)
    end = data.index(newline, start) + len(newline)
    return data[:start], data[start:end], data[end:]
