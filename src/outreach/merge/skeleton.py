"""Each locale's message built once, then personalised per supporter.

A skeleton is the message rendered with a marker in place of every per-recipient field (the
CSV's columns and the supporter's own ``unsubscribe_url``). The subject, the text part and
the HTML part are cut at the markers (one skeleton per locale and per set of non-empty
fields: emptiness decides ``{% if %}`` and the white space that rendering tidies); the
static text is encoded once (:mod:`outreach.merge.compose`); each supporter's values go
where the markers were: as they are in the subject and the text, HTML-escaped in the HTML
(as Jinja's autoescape would), each encoded on its own.

A field whose value the template uses beyond writing it -- through a filter
(``{{ signatures|number }}``), as a plural's count, in a comparison
(:mod:`outreach.merge.fields`) -- has no marker: no probe string can stand for every value
a filter takes. Its value is part of the skeleton instead: the skeleton is keyed by the
values of those fields (each by its type and ``repr``, not by equality: ``-0.0 == 0.0``,
yet ``|number`` gives ``-0`` and ``0``; see :class:`Exact`), as by the non-empty ones, and
built the second time a combination
of them comes (the first supporter with it, and any combination past the cache's size,
get a full render). So does a column that overrides one of campaign.toml's ``[variables]``
that is not text: its cells are read as that variable's type
(:func:`~outreach.merge.fields.typed_value`), and a cell that is not one -- ``many`` for
``signatures = 300000`` -- or with which the template fails is that supporter's
:class:`~outreach.errors.FieldError`: their row is reported, the others are sent.

Before a skeleton is used it must prove itself: rendered in full with probe values (and
its own values for the fields it is keyed by), the message must come out the same as the
skeleton filled with those values -- the same subject, text and HTML, then the same header
block byte for byte as :func:`outreach.mail.email_bytes` writes (which parses its message
back with the stdlib), and the same parts when the stdlib parses both. A skeleton that
fails, or a value that full rendering would change (a line break, a tab, a run of spaces)
sends that supporter's email through the full path: :class:`~outreach.render.Renderer`
then ``email_bytes``. The summary counts both paths and says why.

A proved skeleton is kept in the check cache (:mod:`outreach.cache`: key and value MAC'd
under the machine's secret) and the next run recalls it instead of rendering and proving it
again (about two thirds of a merge's start-up). It is as trustworthy as one just proved
only because nothing else can write it and because its key holds everything the proof
depended on (:meth:`MessageMaker._cache_key`): a stored value that fails its MAC is a miss,
proved again and overwritten. Only a proved skeleton is kept (never a failure: that one is
built again, with a new marker nonce). The nonce lives only while a skeleton is cut (none of
it is in the skeleton); the MIME boundary is kept with it, so runs of one campaign share a
boundary, which MIME allows (it must only be absent from the message's own parts): it is
``=`` signs around digits, and every body part is quoted-printable, which always encodes
``=``, or base64, which has no run of ``=`` -- whatever a supporter's values are.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import escape

from outreach.display import NOT_ONE_LINE
from outreach.errors import CatalogError, FieldError, HeaderError, TemplateError
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
    dot_stuffed,
    frame,
    new_boundary,
    qp_static,
    qp_value,
    stuffed,
    to_line,
)
from outreach.merge.fields import FieldUse, analyse, column_types, shown, typed_value
from outreach.render import HTML_LAYOUT, TEXT_LAYOUT

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.findings import Finding
    from outreach.merge.audience import Supporter
    from outreach.render import Email, Renderer
    from outreach.unsubscribe import Unsubscribe

__all__ = ["MessageMaker", "Outgoing"]

#: The check cache's namespace of proved skeletons (:meth:`MessageMaker._build`).
SKELETONS = "skeletons"
_HTML_SPECIAL = re.compile(r"[&<>\"']")
Segments = list[str | int]


class Exact:
    """A fixed field's value in a skeleton's key: equal to another only if both are of the
    same type with the same ``repr``. Values that compare equal can render differently --
    ``-0.0 == 0.0`` but ``{{ ratio|number }}`` gives ``-0`` and ``0``; ``Decimal("1.0")``
    and ``Decimal("1")``; ``1``, ``1.0`` and ``True`` -- and must never share a skeleton.

    >>> Exact(0.0) == Exact(-0.0), Exact(0.0) == Exact(0.0)
    (False, True)
    >>> from decimal import Decimal
    >>> len({Exact(Decimal("1.0")), Exact(Decimal("1")), Exact(1), Exact(1.0), Exact(True)})
    5
    >>> Exact(float("nan")) == Exact(float("nan"))  # as they render: the same
    True
    """

    __slots__ = ("_identity", "value")

    def __init__(self, value: object) -> None:
        self.value = value
        self._identity = (type(value), repr(value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Exact) and self._identity == other._identity

    def __hash__(self) -> int:
        return hash(self._identity)

    def __repr__(self) -> str:
        return f"Exact({self.value!r})"


#: A skeleton's key: the locale, the fields that are not empty, the fixed fields' values.
Key = tuple[str, frozenset[str], tuple[Exact, ...]]
_SEEN = 4096  # combinations of fixed values remembered (seen once) before starting again
_SKELETONS = 256  # skeletons kept for one message


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
    #: the bytes are already as DATA sends them (dots doubled, CRLF), without the final
    #: dot: a :class:`MessageMaker` made for SMTP (``wire=True``) makes them so
    wire: bool = False

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


def _fill(
    skeleton: _Skeleton, ordered: Sequence[str], newline: bytes, wire: bool = False
) -> tuple[list[bytes], list[bytes]]:
    """The skeleton's text and HTML parts with each slot's value encoded in its place: as
    it is in the text, HTML-escaped in the HTML, each encoding made once (the HTML takes
    the text's when escaping changes nothing: a link's address and token, most names).
    One function for both parts, not an object with a method per part: with the
    List-Unsubscribe field built case by case (:meth:`Unsubscribe._headers
    <outreach.unsubscribe.Unsubscribe._headers>`) a supporter's message (made and written)
    went from 168,000 to 156,000 instructions (valgrind's count over 2,000 messages: a
    loaded machine's clock cannot tell 7% apart). ``wire``: each value dot-stuffed too (it
    starts a line: a soft line break is before it)."""
    encode = _stuffed_qp if wire else qp_value
    text = skeleton.text_parts.copy()
    done: dict[int, bytes] = {}
    for position, index in skeleton.text_slots:
        encoded = done.get(index)
        if encoded is None:
            encoded = done[index] = encode(ordered[index], newline)
        text[position] = encoded
    html = skeleton.html_parts.copy()
    for position, index in skeleton.html_slots:
        value = ordered[index]
        if _HTML_SPECIAL.search(value):
            html[position] = encode(str(escape(value)), newline)
            continue
        encoded = done.get(index)
        if encoded is None:
            encoded = done[index] = encode(value, newline)
        html[position] = encoded
    return text, html


def _lf(piece: bytes) -> bytes:
    return piece.replace(b"\r\n", b"\n")


def _stuffed_qp(value: str, newline: bytes) -> bytes:
    return dot_stuffed(qp_value(value, newline))


def _join(segments: Segments, values: Sequence[str]) -> str:
    return "".join(values[s] if isinstance(s, int) else s for s in segments)


def _escape(value: str) -> str:
    return str(escape(value)) if _HTML_SPECIAL.search(value) else value


class MessageMaker:
    """Builds every supporter's message of one campaign message.

    ``columns`` are the CSV's (their values are the fields); ``utf8`` whether non-ASCII
    local parts may be written (SMTPUTF8, or a file). ``stats`` counts skeleton and full
    renders; ``notes`` says why any email was rendered in full. :meth:`make` raises
    :class:`~outreach.errors.HeaderError` (:class:`~outreach.errors.FieldError` for a
    value the message cannot be made with) for one supporter's row.
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
        sender: str | None = None,
        wire: bool = False,
        use: FieldUse | None = None,
    ) -> None:
        self.campaign = campaign
        # ``wire``: the messages go to an SMTP server; they are made as DATA sends them
        # (:attr:`Outgoing.wire`), a skeleton's static text dot-stuffed once
        self.wire = wire and newline == b"\r\n"
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
        if use is None:  # ``use``: a recalled plan's (:mod:`outreach.merge.plan`)
            env = renderer.environment(campaign.source_locale, html=True)
            use = analyse(env, [f"{message}.j2", HTML_LAYOUT, TEXT_LAYOUT], self.fields)
        self.use: FieldUse = use
        # Columns that override a campaign variable that is not text and that a template
        # uses: read as the variable's type.
        used = self.use.plain | self.use.conditions | set(self.use.complex)
        self.typed = column_types([f for f in self.fields if f in used], campaign.variables)
        # Fields a skeleton holds the value of (no marker can stand for them): those used
        # beyond being written, and the typed ones (written as their type renders).
        self.fixed = tuple(f for f in self.fields if f in self.use.complex or f in self.typed)
        # A per-recipient unsubscribe URL goes into a skeleton as its static text with a
        # slot for each placeholder's value (an address, a token: URL-safe text that
        # encodes as itself), not as one slot for the whole link: its text is encoded once.
        self._link: int | None = None
        self._link_fields: list[str] = []
        if unsubscribe.needs_recipient and unsubscribe.url and "unsubscribe_url" not in self.fixed:
            self._link = self.fields.index("unsubscribe_url")
            count = len(unsubscribe.url_pieces) - 1
            self._link_fields = [f"\0unsubscribe_url {n}" for n in range(count)]
            self.fields.extend(self._link_fields)
        # The fields that have slots, by index (None: a fixed field, never in a slot).
        self._slots: list[str | None] = [None if f in self.fixed else f for f in self.fields]
        # ``sender``: another From than campaign.toml's (the [privacy] table's neutral one)
        self.sender = sender or campaign.email.sender or f"{campaign.name} <noreply@localhost>"
        self.reply_to = campaign.email.reply_to
        self.domain = idna_domain(sender_domain(self.sender))
        seed = "\0".join((campaign.name, campaign.url, message, ""))
        self._id_seed = hashlib.sha256(seed.encode("utf-8"))
        self._skeletons: dict[Key, _Skeleton | str] = {}
        self._seen: set[Key] = set()  # fixed values that came once (a second: a skeleton)
        self._worked: dict[str, Any] = {}  # fixed values a full render worked with
        # a skeleton's static text converted for an mbox or for DATA (:meth:`_converted`)
        self._converted_skeletons: dict[tuple[object, int], tuple[_Skeleton, _Skeleton]] = {}
        self._cache_bases: dict[str, tuple[object, ...]] = {}
        #: the check cache's key of each locale's skeleton :meth:`prepare` proved or
        #: recalled (what a merge's plan names: :mod:`outreach.merge.plan`)
        self.prepared: dict[str, str] = {}
        self.stats: Counter[str] = Counter()
        self.notes: dict[str, str] = {}
        self.refused: dict[str, tuple[Finding, ...]] = {}
        self._date = DateLine()
        self._date_here = DateLine(newline)
        self._static_unsubscribe = None if unsubscribe.needs_recipient else unsubscribe.preview()
        # Whether a field is empty changes more than the field: a condition, and the white
        # space that rendering tidies around it. One skeleton per set of non-empty fields.
        self._shaping = (self.use.plain | self.use.conditions) - set(self.fixed)
        for name, why in self.use.complex.items():
            self.notes[f"complex:{name}"] = (
                f"the field {name!r} is used in a way a skeleton cannot represent ({why}): "
                "an email is rendered in full unless its value came before (then from a "
                "skeleton for that value)"
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
    ) -> dict[str, Any]:
        """What the templates get for ``supporter``: their columns (the typed ones read as
        their type: :class:`~outreach.errors.FieldError` for a cell that is not one) and
        their own unsubscribe link."""
        values: dict[str, Any] = dict(supporter.fields)
        for name, like in self.typed.items():
            try:
                values[name] = typed_value(name, values.get(name, ""), like)
            except ValueError as exc:
                raise FieldError(str(exc)) from None
        return self._with_link(values, unsubscribe_url, link_values)

    def _with_link(
        self, values: dict[str, Any], unsubscribe_url: str | None, link_values: Sequence[str]
    ) -> dict[str, Any]:
        if self._static_unsubscribe is None:  # the link names the recipient
            values["unsubscribe_url"] = unsubscribe_url or ""
            values.update(zip(self._link_fields, link_values, strict=True))
        return values

    def _unsubscribe_for(
        self, spec: str, locale: str
    ) -> tuple[str | None, tuple[tuple[str, str], ...], tuple[str, ...]]:
        """The links of ``spec`` whose email is in the campaign locale ``locale``
        (``{locale}`` is its label, ``pt-BR``)."""
        if self._static_unsubscribe is not None:
            return (*self._static_unsubscribe, ())
        return self.unsubscribe.filled(spec, self.campaign.label(locale))

    # -- the paths ---------------------------------------------------------------------
    def prepare(self, locales: Sequence[str]) -> None:
        """Build (and prove) each locale's first skeleton now, so that a template error
        stops the run before anything is sent. Fixed fields take the campaign's value when
        it has one; a template that fails with a probe for one that has none is left to
        each row to judge (the probe may not be what a filter takes)."""
        defaults = self._defaults()
        for locale in locales:
            key: Key = (locale, frozenset(self._shaping), tuple(map(Exact, defaults)))
            built = self._build(key, prepared=True)
            if isinstance(built, TemplateError):
                probed = [f for f in self.fixed if f not in self.renderer.variables]
                if not probed:
                    raise built
                note = (
                    f"{built} (with a probe value for {', '.join(probed)}): each supporter's "
                    "values are judged as their message is made"
                )
                self.notes.setdefault(note, note)
                continue
            self._worked = dict(zip(self.fixed, defaults, strict=True))
            self._skeletons[key] = built  # a list's too: its key holds its repr
            if isinstance(built, str):
                self.notes.setdefault(built, built)

    def recall(self, skeletons: Mapping[str, str]) -> bool:
        """:meth:`prepare` each locale of ``skeletons`` (locale -> the check cache's key of
        its skeleton, as :attr:`prepared` had them) from the check cache alone, nothing
        rendered: ``False``, and nothing changed, when a skeleton is not there (or not
        one)."""
        cache = self.renderer.cache
        if cache is None:
            return False
        defaults = self._defaults()
        found: dict[Key, tuple[_Skeleton, tuple[Finding, ...]]] = {}
        for locale, stored in skeletons.items():
            recalled = _recalled(cache.get(SKELETONS, stored), len(self.fields))
            if recalled is None:
                return False
            found[(locale, frozenset(self._shaping), tuple(map(Exact, defaults)))] = recalled
        for key, (skeleton, refused) in found.items():
            self._skeletons[key] = skeleton
            self.refused.setdefault(key[0], refused)
        self.prepared = dict(skeletons)
        if found:
            self._worked = dict(zip(self.fixed, defaults, strict=True))
        return True

    def _defaults(self) -> tuple[Any, ...]:
        """The fixed fields' values before any row: the campaign's (or ``--var``'s), else a
        probe."""
        found = []
        for index, name in enumerate(self.fields):
            if name not in self.fixed:
                continue
            if name in self.renderer.variables:
                found.append(self.renderer.variables[name])
            elif name == "unsubscribe_url":
                found.append(
                    self._unsubscribe_for("zoe.probe@example.net", self.campaign.source_locale)[0]
                    or ""
                )
            else:
                found.append(_probe(index, name))
        return tuple(found)

    def make(self, supporter: Supporter, *, proof_to: str | None = None) -> Outgoing:
        """The message for ``supporter``; with ``proof_to``, a proof for that address
        (subject marked ``[PROOF]``, its own Message-ID and unsubscribe link)."""
        try:
            return self._make(supporter, proof_to)
        except FieldError as exc:
            if proof_to is None:
                raise
            raise FieldError(f"the proof's supporter (line {supporter.line}): {exc}") from None

    def _make(self, supporter: Supporter, proof_to: str | None) -> Outgoing:
        address = supporter.address
        if address.utf8 and not self.utf8:
            raise HeaderError(
                "the address has a non-ASCII local part and the server does not offer SMTPUTF8"
            )
        spec = proof_to or address.spec
        locale = supporter.choice.locale
        url, unsubscribe, link_values = self._unsubscribe_for(spec, locale)
        values = self._values(supporter, url, link_values)
        reason = self._full_reason(values)
        if proof_to is None and reason is None:
            truthy = frozenset(f for f in self._shaping if values.get(f))
            fixed = tuple(Exact(values.get(f)) for f in self.fixed) if self.fixed else ()
            built = self._skeleton((locale, truthy, fixed))
            if isinstance(built, _Skeleton):
                outgoing = self._fast(
                    built, supporter, values, unsubscribe, self.newline, wire=self.wire
                )
                self.stats["skeleton"] += 1
                return outgoing
            reason = built
        name = "" if proof_to else supporter.name
        outgoing = self._full(
            supporter, values, unsubscribe, locale, name, spec, proof_to is not None
        )
        self.stats["full"] += 1
        if reason:
            self.notes.setdefault(reason, reason)
        return outgoing

    def _full_reason(self, values: Mapping[str, Any]) -> str | None:
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
        if isinstance(rendered, TemplateError):
            raise FieldError(self._unusable(locale, values, rendered))
        if self.fixed:  # values the template works with, to tell a failing one by
            self._worked = {f: values.get(f) for f in self.fixed}
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
        if self.wire:
            data = stuffed(data)[: -len(b".\r\n")]
        head, _, tail = _cut_date(data)
        return Outgoing(
            supporter.address.key,
            supporter.line,
            locale,
            spec,
            supporter.address.utf8,
            head,
            (tail,),
            self.wire,
        )

    def _unusable(self, locale: str, values: Mapping[str, Any], error: TemplateError) -> str:
        """Why a supporter's message cannot be made: which of their values the template
        fails with (each tried back at a value it worked with, when there are several),
        then the template's error."""
        worked = self._worked
        own = [
            f
            for f in self.fixed
            if f != "unsubscribe_url" and (f not in worked or values.get(f) != worked[f])
        ]
        blamed = own
        if len(own) > 1:
            blamed = (
                [
                    f
                    for f in own
                    if f in worked
                    and not isinstance(
                        self._render(locale, {**values, f: worked[f]}), TemplateError
                    )
                ]
                or [f for f in own if f not in worked]
                or own
            )
        named = ", ".join(f"{f} {shown(values.get(f))}" for f in blamed)
        return f"{named or 'a value'}: the message cannot be made with it ({error})"

    def _render(self, locale: str, values: Mapping[str, Any]) -> Email | TemplateError:
        """The email rendered in full, or the error of a template that fails with these
        values (returned: the caller knows whose values they are). A problem with what it
        rendered (a translation's link hijack) is the campaign's: raised."""
        try:
            rendered = self.renderer.render_email(self.message, locale, values)
        except TemplateError as exc:
            return exc
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
        values: Mapping[str, Any],
        unsubscribe: tuple[tuple[str, str], ...],
        newline: bytes = b"\r\n",
        *,
        wire: bool = False,
    ) -> Outgoing:
        lf = newline == b"\n"
        if lf:
            skeleton = self._converted(skeleton, _lf)
        elif wire:
            skeleton = self._converted(skeleton, dot_stuffed)
        ordered = self._ordered(values)
        address = supporter.address
        subject = skeleton.subject_line
        if subject is None:
            subject = checked(text_header("Subject", _join(skeleton.subject, ordered)))
        text, html = _fill(skeleton, ordered, newline, wire)
        unsubscribe_lines = _one_field(*unsubscribe[0]) if unsubscribe else ""
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
            wire,
        )

    def _ordered(self, values: Mapping[str, Any]) -> list[str]:
        """Each field's value by index, for the slots (a fixed field, never in one: "")."""
        return [values.get(f, "") if f is not None else "" for f in self._slots]

    def _converted(self, skeleton: _Skeleton, convert: Callable[[bytes], bytes]) -> _Skeleton:
        """``skeleton`` with ``convert`` applied to each static piece of its bodies and its
        MIME frame, once a skeleton and conversion: LF line ends for an mbox
        (:func:`_lf`), or dot-stuffed for DATA (:func:`~outreach.merge.compose.dot_stuffed`:
        each static piece starts a line -- a part's first, or the one after a value's soft
        break -- so each is stuffed on its own; header lines never start with a dot;
        :meth:`_prove` checks the result against the whole message stuffed). The memo
        holds the skeleton itself, so that its ``id`` is never another's (one that failed
        its proof is dropped, and a new object may take its address)."""
        key = (convert, id(skeleton))
        held = self._converted_skeletons.get(key)
        if held is not None and held[0] is skeleton:
            return held[1]

        def parts(pieces: list[bytes | int]) -> list[bytes | int]:
            return [convert(p) if isinstance(p, bytes) else p for p in pieces]

        start, middle, end = skeleton.frame
        found = dataclasses.replace(
            skeleton,
            text=parts(skeleton.text),
            html=parts(skeleton.html),
            frame=(convert(start), convert(middle), convert(end)),
        )
        self._converted_skeletons[key] = (skeleton, found)
        return found

    # -- building and proving a skeleton -----------------------------------------------
    def _skeleton(self, key: Key) -> _Skeleton | str:
        """The skeleton for ``key``, or why there is none ("": not yet, render in full)."""
        found = self._skeletons.get(key)
        if found is not None:
            return found
        if key[2] and key not in self._seen:  # fixed values seen once: worth no skeleton yet
            if len(self._seen) >= _SEEN:
                self._seen.clear()
            self._seen.add(key)
            return ""
        if len(self._skeletons) > _SKELETONS:
            return "too many combinations of field values for skeletons: the rest rendered in full"
        built = self._build(key)
        if isinstance(built, TemplateError):  # these values fail: each row's full render says
            built = "a template failed with some supporters' values: their rows are reported"
        self._skeletons[key] = built
        if isinstance(built, str):
            self.notes.setdefault(built, built)
        return built

    def _values_for(self, key: Key, make: Callable[[int, str], str]) -> list[Any]:
        """A value for each field: the key's for a fixed field, "" for an empty one, else
        ``make(index, field)``."""
        _, truthy, fixed = key
        held = {f: exact.value for f, exact in zip(self.fixed, fixed, strict=True)}
        return [
            held[f] if f in held else "" if f in self._shaping and f not in truthy else make(i, f)
            for i, f in enumerate(self.fields)
        ]

    def _build(self, key: Key, *, prepared: bool = False) -> _Skeleton | str | TemplateError:
        """The skeleton for ``key`` proved by a full render (:meth:`_prove`), or one
        proved so before and kept in the check cache under everything it depends on
        (:meth:`_cache_key`), or why there is none. ``prepared``: :meth:`prepare`'s (its
        cache key is noted in :attr:`prepared`)."""
        cache = self.renderer.cache
        stored = self._cache_key(key)
        if stored is not None and cache is not None:
            recalled = _recalled(cache.get(SKELETONS, stored), len(self.fields))
            if recalled is not None:
                skeleton, refused = recalled
                self.refused.setdefault(key[0], refused)
                if prepared:
                    self.prepared[key[0]] = stored
                return skeleton
        built = self._built(key)
        if stored is not None and cache is not None and isinstance(built, _Skeleton):
            cache.put(SKELETONS, stored, _stored(built, self.refused.get(key[0], ())))
            if prepared:
                self.prepared[key[0]] = stored
        return built

    def _cache_key(self, key: Key) -> str | None:
        """The check cache's key of ``key``'s skeleton: what the locale's email depends on
        (:meth:`Renderer.fingerprint <outreach.render.Renderer.fingerprint>`: code,
        libraries, campaign.toml, every template's and catalog's bytes, variables, the
        low-trace variant and its image), then the maker's own settings (the CSV's columns
        in order, the fields a skeleton holds and their types, the unsubscribe links and
        their secret's digest, the sender and Reply-To, SMTPUTF8, the line end, whether it
        makes them for SMTP) and
        ``key`` itself (the locale, the non-empty fields, the fixed values by type and
        ``repr``); ``None`` without a cache, or when a catalog cannot be read or a folder of
        templates cannot be listed."""
        cache = self.renderer.cache
        if cache is None or not cache.enabled:
            return None
        locale, truthy, fixed = key
        base = self._cache_bases.get(locale)
        if base is None:
            try:
                rendered_by = self.renderer.fingerprint(self.message, locale)
            except (CatalogError, OSError):  # OSError: a folder of templates unlisted
                return None
            unsubscribe = self.unsubscribe
            secret = (unsubscribe.secret or "").encode("utf-8", "surrogatepass")
            base = self._cache_bases[locale] = (
                rendered_by,
                self.message,
                tuple(self.fields),
                self.fixed,
                tuple(sorted((n, type(v).__qualname__, repr(v)) for n, v in self.typed.items())),
                unsubscribe.url,
                unsubscribe.mailto,
                hashlib.sha256(secret).hexdigest(),
                self.sender,
                self.reply_to,
                self.utf8,
                self.newline,
                self.wire,  # proved in its DATA form too (a maker for SMTP)
            )
        values = tuple((type(e.value).__qualname__, repr(e.value)) for e in fixed)
        return cache.key(SKELETONS, 1, *base, locale, tuple(sorted(truthy)), values)

    def _built(self, key: Key) -> _Skeleton | str | TemplateError:
        locale = key[0]
        nonce = secrets.token_hex(4)
        # A field's marker is private-use characters around a number, which no filter or
        # escaping changes; inside a link, letters (u<nonce>v<n>v<nonce>u), so that the
        # link still reads as one to what renders and checks it.
        marker = re.compile(f"(?:\ue000{nonce}|u{nonce}v)(\\d+)(?:\ue001|v{nonce}u)")
        markers = self._values_for(key, lambda i, _: f"\ue000{nonce}{i}\ue001")
        if self._link is not None and markers[self._link]:
            first = len(self.fields) - len(self._link_fields)
            static = self.unsubscribe.url_pieces
            markers[self._link] = static[0] + "".join(
                f"u{nonce}v{first + n}v{nonce}u{piece}" for n, piece in enumerate(static[1:])
            )
        rendered = self._render(locale, dict(zip(self.fields, markers, strict=True)))
        if isinstance(rendered, TemplateError):
            return rendered
        subject = _split(rendered.subject, marker, nonce)
        text = _split(rendered.text, marker, nonce)
        html = _split(rendered.html, marker, nonce)
        if subject is None or text is None or html is None:
            return "a field came out altered in the rendered email: every email rendered in full"
        skeleton = self._assemble(rendered, subject, text, html)
        return self._prove(skeleton, key, subject, text, html)

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
            frame=frame(b"", b"", new_boundary(), rendered.inline),
        )

    def _post_headers(self) -> tuple[tuple[str, str], ...]:
        _, headers, _ = self._unsubscribe_for("probe@example.net", self.campaign.source_locale)
        return headers[1:]

    def _prove(
        self, skeleton: _Skeleton, key: Key, subject: Segments, text: Segments, html: Segments
    ) -> _Skeleton | str | TemplateError:
        """``skeleton`` if, filled with probe values (and the key's fixed values), it gives
        what a full render gives: the slow path, byte for byte in the headers and part for
        part in the bodies; else why not."""
        from outreach.merge.audience import Choice, Supporter
        from outreach.merge.supporters import parse_address

        locale = key[0]
        probe = self._values_for(key, _probe)
        values = dict(zip(self.fields, probe, strict=True))
        address = parse_address("zoe.probe@example.net")
        assert not isinstance(address, str)
        supporter = Supporter(0, address, "Zoë Próbé", Choice(locale, "first", locale), values)
        url, unsubscribe, link_values = self._unsubscribe_for(address.spec, locale)
        values = self._with_link(values, url, link_values)
        full = self._render(locale, values)
        if isinstance(full, TemplateError):
            return full
        failed = "the skeleton did not match a full render: every email rendered in full"
        ordered = self._ordered(values)
        escaped = [_escape(v) for v in ordered]
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
        if self.wire:  # the skeleton as DATA sends it: the whole message stuffed
            wired = self._fast(skeleton, supporter, values, unsubscribe, wire=True)
            if wired.data(date) + b".\r\n" != stuffed(data):
                return failed
        return skeleton

    def date(self) -> bytes:
        """The ``Date`` line for a message sent now (with the maker's line end)."""
        return self._date_here()


def _probe(index: int, name: str) -> str:
    """The probe value of a field: a name with a non-ASCII letter, numbered."""
    return f"Zoë Probe{index}-{name}"


def _one_field(name: str, value: str) -> str:
    """``ascii_header(name, value)``, checked to be one field when it was folded (on one
    line it is printable ASCII already: :func:`~outreach.mail.ascii_header` refuses the
    rest)."""
    line = ascii_header(name, value)
    return line if line.count("\n") == 1 else checked(line)


def _bodies(data: bytes) -> list[tuple[str, str]]:
    """Each part of ``data`` as the stdlib parser reads it, in order: a multipart's type
    (and its ``type`` parameter) with ``""``; a leaf's type and its decoded text -- an
    image's ``Content-ID``, file name and bytes (``compat32``, several times faster than
    the default policy's header objects, which a comparison of bodies does not need).

    >>> _bodies(b"Content-Type: text/plain; charset=utf-8\\r\\n"
    ...         b"Content-Transfer-Encoding: quoted-printable\\r\\n\\r\\nOl=C3=A1\\r\\n")
    [('text/plain', 'Olá\\r\\n')]
    """
    found = []
    for part in email.message_from_bytes(data).walk():
        if part.is_multipart():
            found.append((f"{part.get_content_type()} {part.get_param('type')}", ""))
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return []
        if part.get_content_maintype() == "image":
            about = f"{part.get_content_type()} {part['Content-ID']} {part.get_filename()}"
            found.append((about, payload.decode("latin-1")))
            continue
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


def _stored(skeleton: _Skeleton, refused: Sequence[Finding]) -> dict[str, Any]:
    """``skeleton`` (and the refusals of the render it was cut from) as the check cache
    keeps it: JSON, its bytes as Latin-1 text (each byte one character, exactly back).

    >>> bare = _Skeleton(["Hi ", 0], None, [b"a=\\r\\n", 0], [b"b"], "F", "", "L", "E",
    ...                  (b"1", b"2", b"3"))
    >>> again, found = _recalled(_stored(bare, ()), 1)
    >>> again == bare, found
    (True, ())
    """
    return {
        "subject": skeleton.subject,
        "subject_line": skeleton.subject_line,
        "text": [p if isinstance(p, int) else p.decode("latin-1") for p in skeleton.text],
        "html": [p if isinstance(p, int) else p.decode("latin-1") for p in skeleton.html],
        "headers": [skeleton.head, skeleton.middle, skeleton.language, skeleton.end],
        "frame": [part.decode("latin-1") for part in skeleton.frame],
        "refused": [f.to_json() for f in refused],
    }


def _recalled(value: Any, fields: int) -> tuple[_Skeleton, tuple[Finding, ...]] | None:
    """The skeleton :func:`_stored` wrote (and its refusals), or ``None`` when ``value`` is
    not one, or has a slot for a field past ``fields`` (the cache authenticates what it
    returns; this checks its shape)."""
    from outreach.findings import Finding

    def slot(item: object) -> bool:
        return type(item) is int and 0 <= item < fields

    def segments(items: object) -> list[str | int] | None:
        if not isinstance(items, list) or not all(isinstance(i, str) or slot(i) for i in items):
            return None
        return items

    def encoded(items: object) -> list[bytes | int] | None:
        found = segments(items)
        if found is None:
            return None
        try:
            return [i if isinstance(i, int) else i.encode("latin-1") for i in found]
        except UnicodeEncodeError:
            return None

    if not isinstance(value, dict):
        return None
    subject, text, html = (
        segments(value.get("subject")),
        encoded(value.get("text")),
        encoded(value.get("html")),
    )
    line, headers, frame_parts = value.get("subject_line"), value.get("headers"), value.get("frame")
    refused = value.get("refused")
    if (
        subject is None
        or text is None
        or html is None
        or not (line is None or isinstance(line, str))
        or not (isinstance(headers, list) and len(headers) == 4)
        or not all(isinstance(h, str) for h in headers)
        or not (isinstance(frame_parts, list) and len(frame_parts) == 3)
        or not isinstance(refused, list)
    ):
        return None
    try:
        start, middle, end = (part.encode("latin-1") for part in frame_parts)
    except (AttributeError, UnicodeEncodeError):
        return None
    findings = []
    for item in refused:
        finding = Finding.from_json(item)
        if finding is None:
            return None
        findings.append(finding)
    head, between, language, last = headers
    skeleton = _Skeleton(
        subject, line, text, html, head, between, language, last, (start, middle, end)
    )
    return skeleton, tuple(findings)
