"""Bounces and complaints: delivery status notifications and feedback reports, read into
the suppression list.

What is read:

* RFC 3464 delivery status notifications (``multipart/report;
  report-type=delivery-status``): each recipient block of the ``message/delivery-status``
  part, by its ``Action``, ``Status`` (RFC 3463: ``5.x.x`` permanent, ``4.x.x``
  temporary), ``Final-Recipient`` (or ``Original-Recipient``) and ``Diagnostic-Code``;
* RFC 5965 feedback reports (``report-type=feedback-report``): a ``Feedback-Type`` of
  ``abuse``, ``fraud``, ``virus`` or ``other`` is a complaint by the ``Original-Rcpt-To``
  (else the ``To`` of the returned message); ``not-spam`` and ``auth-failure`` are not;
* the plain-text bounces that predate or ignore RFC 3464, by their fixed wording: qmail's
  (QSBMF, "This is the qmail-send program"), Exim's ("The following address(es)
  failed", and its delay warnings), Postfix's without DSN ("This is the mail system at
  host", ``<address>: ... said: 550 ...``), Gmail's ("Delivery to the following
  recipient failed permanently" / "has been delayed") and Exchange's ("did not reach the
  following recipient(s)", "Delivery has failed to these recipients or groups"); an
  ``X-Failed-Recipients`` header (Exim, Gmail) names the addresses when the text does not.

A message that is none of these, or names no address it failed for, is *unclassified*:
listed for a person to read, never guessed at. Anyone can send a bounce, so a forged one
can only stop mail to an address (the list only ever suppresses; nothing here sends).
Reading is bounded: a message over :data:`MAX_MESSAGE` bytes is unclassified unread, only
the first :data:`MAX_TEXT` characters of a text part are searched, and a report's first
:data:`MAX_RECIPIENTS` recipients are taken.

>>> raw = (b"From: MAILER-DAEMON@mx.example.net\\nMessage-ID: <b1@mx.example.net>\\n"
...        b"Date: Tue, 01 Dec 2026 10:00:00 +0000\\nMIME-Version: 1.0\\n"
...        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\\n\\n'
...        b"--B\\nContent-Type: text/plain\\n\\nUndeliverable.\\n--B\\n"
...        b"Content-Type: message/delivery-status\\n\\nReporting-MTA: dns; mx.example.net\\n\\n"
...        b"Final-Recipient: rfc822; Ana@Example.net\\nAction: failed\\nStatus: 5.1.1\\n"
...        b"Diagnostic-Code: smtp; 550 5.1.1 no such user\\n\\n--B--\\n")
>>> [(v.kind, v.address, v.status, v.date) for v in classify(raw)]
[('bounce', 'Ana@Example.net', '5.1.1', '2026-12-01')]
"""

from __future__ import annotations

import contextlib
import datetime
import email
import email.policy
import email.utils
import hashlib
import mailbox
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from outreach.addresses import Address, parse_address
from outreach.errors import InputError
from outreach.suppression import SUPPRESS_COLUMNS, append_rows, read_rows

__all__ = [
    "MAX_MESSAGE",
    "BounceReport",
    "Verdict",
    "classify",
    "collect_bounces",
    "read_messages",
]

#: The largest message read (bounces are small; a larger one is listed, unread).
MAX_MESSAGE = 4 << 20
#: Characters of a text part searched for a plain-text bounce.
MAX_TEXT = 64 << 10
#: Recipients taken from one report.
MAX_RECIPIENTS = 1000
_COMPLAINTS = {"abuse", "fraud", "virus", "other"}
_NOT_FAILURES = ("a delivery status report that reports no", "a feedback report of type")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY = re.compile(r"(?<![\d.])([245])\d\d(?![\d.])")
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"'@]{1,64}@[A-Za-z0-9\u00a0-\uffff.-]{1,253}")


@dataclass(frozen=True)
class Verdict:
    """What one message says of one address: ``bounce`` (permanent), ``soft``
    (temporary) or ``complaint``."""

    kind: str
    address: str
    status: str
    diagnostic: str
    date: str
    source: str


@dataclass
class BounceReport:
    """What ``outreach bounces`` did; :meth:`to_json` for ``--format json``."""

    messages: int = 0
    added: dict[str, int] = field(default_factory=lambda: {"bounce": 0, "complaint": 0})
    soft: int = 0
    soft_suppressed: int = 0
    already: int = 0
    #: reports read and understood that call for nothing (a success, a not-spam report)
    ignored: list[str] = field(default_factory=list)
    unclassified: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "added": self.added,
            "soft_bounces": self.soft,
            "soft_suppressed": self.soft_suppressed,
            "already_known": self.already,
            "ignored": self.ignored,
            "unclassified": self.unclassified,
        }


def _one_line(value: object, limit: int = 200) -> str:
    text = " ".join(str(value or "").split())
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:limit]


def _source(message: Message, raw: bytes) -> str:
    found = _one_line(message.get("Message-ID", ""), 250)
    return found or f"sha256:{hashlib.sha256(raw).hexdigest()[:32]}"


def _day(message: Message, fields: Message | None = None) -> str:
    for header in (fields.get("Arrival-Date") if fields else None, message.get("Date")):
        if header:
            with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
                when = email.utils.parsedate_to_datetime(str(header))
                if when.tzinfo is not None:
                    when = when.astimezone(datetime.UTC)
                return when.date().isoformat()
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def _address(value: str) -> str | None:
    """The address of a report field (``rfc822; ana@example.net``) or a header, as
    delivery writes it, or ``None``."""
    value = value.rpartition(";")[2] if ";" in value[:20] else value
    value = email.utils.parseaddr(value.strip())[1] or value.strip().strip("<>")
    found = parse_address(value)
    return found.spec if isinstance(found, Address) else None


def _status_kind(status: str, action: str) -> str | None:
    if action in ("delivered", "relayed", "expanded"):
        return None
    if status.startswith("5") and action in ("failed", ""):
        return "bounce"
    if status.startswith("4") or action == "delayed":
        return "soft"
    if action == "failed":
        return "bounce"
    return None


def _parts(message: Message) -> list[Message]:
    return [part for part in message.walk()][:200]


def _fields(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = part.get_payload(decode=True) or b""
    blocks = re.split(rb"\r?\n\s*\r?\n", bytes(text)[:MAX_TEXT])
    return [email.message_from_bytes(block + b"\n\n") for block in blocks if block.strip()]


def _dsn(message: Message, raw: bytes, status_part: Message) -> list[Verdict] | str:
    blocks = _fields(status_part)
    if not blocks:
        return "a delivery status report without fields"
    per_message, recipients = blocks[0], blocks[1:] or blocks[:1]
    found = []
    for block in recipients[:MAX_RECIPIENTS]:
        target = block.get("Final-Recipient") or block.get("Original-Recipient")
        if not target:
            continue
        action = str(block.get("Action", "")).strip().lower()
        match = _STATUS.search(str(block.get("Status", "")))
        status = match.group() if match else ""
        kind = _status_kind(status, action)
        if kind is None:
            continue
        address = _address(str(target))
        if address is None:
            return f"a delivery status report for {_one_line(target, 80)!r}, which is no address"
        found.append(
            Verdict(
                kind,
                address,
                status or ("5.0.0" if kind == "bounce" else "4.0.0"),
                _one_line(block.get("Diagnostic-Code", "")),
                _day(message, per_message),
                _source(message, raw),
            )
        )
    return found or "a delivery status report that reports no failure or delay"


def _arf(message: Message, raw: bytes, report: Message) -> list[Verdict] | str:
    blocks = _fields(report)
    fields = blocks[0] if blocks else Message()
    kind = str(fields.get("Feedback-Type", "")).strip().lower()
    if kind not in _COMPLAINTS:
        return f"a feedback report of type {_one_line(kind, 40)!r}, which is no complaint"
    target = fields.get("Original-Rcpt-To")
    if not target:
        for part in _parts(message):
            if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
                inner = part.get_payload()
                original = inner[0] if isinstance(inner, list) and inner else None
                if original is None:
                    text = part.get_payload(decode=True) or b""
                    original = email.message_from_bytes(bytes(text)[:MAX_TEXT])
                target = original.get("To") if isinstance(original, Message) else None
                break
    address = _address(str(target)) if target else None
    if address is None:
        return "a complaint that names no recipient (redacted?)"
    user_agent = _one_line(fields.get("User-Agent", ""), 80)
    return [
        Verdict(
            "complaint",
            address,
            kind,
            f"feedback report ({user_agent})" if user_agent else "feedback report",
            _day(message, fields),
            _source(message, raw),
        )
    ]


# Plain-text bounces: the wording that starts the part about the failed addresses, whether
# it is permanent (True), temporary (False) or says by its status codes (None), and the
# wording that ends it (the returned message follows).
_BANNERS: tuple[tuple[re.Pattern[str], bool | None], ...] = (
    (re.compile(r"This is the qmail-send program", re.I), True),
    (re.compile(r"has not yet been delivered to one or more of its", re.I), False),
    (re.compile(r"The following address\(es\) failed:", re.I), True),
    (re.compile(r"Delivery to the following recipients? failed permanently", re.I), True),
    (re.compile(r"Delivery to the following recipients? has been delayed", re.I), False),
    (re.compile(r"did not reach the following recipient\(s\)", re.I), True),
    (re.compile(r"Delivery has failed to these recipients or groups", re.I), True),
    (re.compile(r"This is the mail system at host", re.I), None),
    (re.compile(r"could not be delivered to one or more recipients", re.I), None),
)
_DELAYED = re.compile(r"\b(?:delayed|not yet been delivered|will retry)\b", re.I)
_END = re.compile(
    r"^(?:-+ ?Below this line is a copy of the message|-+ ?This is a copy of the message"
    r"|-+ ?Original message|-+ ?The header of the original message|Original message headers:"
    r"|-+ ?Forwarded message)",
    re.I | re.M,
)


def _text_of(message: Message) -> str:
    for part in _parts(message):
        if part.get_content_type() == "text/plain" and not part.get_filename():
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    return data[: MAX_TEXT * 4].decode(charset, "replace")[:MAX_TEXT]
                except LookupError:
                    return data[: MAX_TEXT * 4].decode("utf-8", "replace")[:MAX_TEXT]
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            break
    return ""


def _plain(message: Message, raw: bytes) -> list[Verdict] | str:
    text = _text_of(message)
    banner = next(((m, p) for pattern, p in _BANNERS if (m := pattern.search(text))), None)
    failed = [a for v in message.get_all("X-Failed-Recipients", []) for a in str(v).split(",")]
    if banner is None and not failed:
        return "not a bounce or complaint outreach recognises"
    start = banner[0].end() if banner else 0
    permanent = banner[1] if banner else True
    end = _END.search(text, start)
    region = text[start : end.start() if end else len(text)]
    if permanent is None:
        permanent = not re.search(
            r"\b(?:delayed|not yet been delivered|will retry)\b", region, re.I
        )
    spots = [(m.start(), m.group().rstrip(".")) for m in _ADDRESS.finditer(region)]
    named = {a for raw_address in failed if (a := _address(raw_address)) is not None}
    found: dict[str, Verdict] = {}
    spots = spots[:MAX_RECIPIENTS]
    for index, (at, candidate) in enumerate(spots):
        address = _address(candidate)
        if address is None or address in found:
            continue
        if named and address not in named:
            continue
        # its text runs to the next address that is another one (Exim repeats it)
        upto = next(
            (s for s, other in spots[index + 1 :] if other.lower() != candidate.lower()),
            len(region),
        )
        after = region[at + len(candidate) : upto]
        found[address] = _verdict(message, raw, address, after[:2000], permanent)
    for address in sorted(named - set(found)):
        found[address] = _verdict(message, raw, address, region[:2000], permanent)
    if not found:
        return "a bounce that names no address it failed for"
    return list(found.values())


def _verdict(message: Message, raw: bytes, address: str, text: str, permanent: bool) -> Verdict:
    status = _STATUS.search(text)
    code = status.group() if status else ""
    if not code:
        reply = _REPLY.search(text)
        code = f"{reply.group(1)}.0.0" if reply else ("5.0.0" if permanent else "4.0.0")
    if code.startswith("2"):
        code = "5.0.0" if permanent else "4.0.0"
    kind = "bounce" if code.startswith("5") else "soft"
    return Verdict(
        kind,
        address,
        code,
        _one_line(text.lstrip(" <>:\n").rstrip(), 200),
        _day(message),
        _source(message, raw),
    )


def classify(raw: bytes) -> list[Verdict] | str:
    """The verdicts of one message (as bytes), or why it cannot be classified."""
    if len(raw) > MAX_MESSAGE:
        return f"larger than {MAX_MESSAGE >> 20} MiB: not read"
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the parser is lenient; anything it still raises is this message's
        return f"cannot be parsed as a message: {type(exc).__name__}"
    parts = _parts(message)
    report_type = str(message.get_param("report-type", "") or "").lower()
    for part in parts:
        if part.get_content_type() == "message/feedback-report":
            return _arf(message, raw, part)
    for part in parts:
        if part.get_content_type() == "message/delivery-status":
            return _dsn(message, raw, part)
    if report_type == "feedback-report":
        return "a feedback report without its message/feedback-report part"
    return _plain(message, raw)


def read_messages(source: Path) -> Iterator[tuple[str, bytes]]:
    """``(where, raw)`` of each message of ``source``: a Maildir folder (``cur``/``new``),
    an mbox file, or a single message file (``.eml``, or any file that does not start as an
    mbox does). ``where`` names the message for the report (``box.mbox#3``)."""
    if source.is_dir():
        if not (source / "cur").is_dir() and not (source / "new").is_dir():
            raise InputError("is a folder but not a Maildir (no cur/ or new/)", path=source)
        box: mailbox.Mailbox[Any] = mailbox.Maildir(source, factory=None, create=False)
        for key in sorted(box.keys()):
            yield f"{source}/{key}", _bounded(box, key)
        return
    try:
        with open(source, "rb") as stream:
            head = stream.read(5)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", path=source) from None
    if head == b"From ":
        mbox = mailbox.mbox(source, factory=None, create=False)
        try:
            for number, key in enumerate(mbox.keys(), 1):
                yield f"{source}#{number}", _bounded(mbox, key)
        finally:
            mbox.close()
        return
    with open(source, "rb") as stream:
        yield str(source), _read_at_most(stream)


def _bounded(box: mailbox.Mailbox[Any], key: str) -> bytes:
    with contextlib.closing(box.get_file(key)) as stream:
        return _read_at_most(stream)


def _read_at_most(stream: Any) -> bytes:
    """At most :data:`MAX_MESSAGE` + 1 bytes of ``stream``, in 64 KiB reads (one
    ``read(MAX_MESSAGE + 1)`` would allocate the whole bound for every message)."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_MESSAGE:
        chunk = bytes(stream.read(65536))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _soft_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.soft{out.suffix or '.csv'}")


def collect_bounces(sources: Sequence[Path], out: Path, *, soft_limit: int = 3) -> BounceReport:
    """Read every message of ``sources`` and add permanent failures and complaints to the
    suppression file ``out`` (:data:`~outreach.suppression.SUPPRESS_COLUMNS`); temporary
    failures go to ``<out>.soft.csv`` (beside it: ``bounces.soft.csv``), and an address
    whose soft bounces fall on ``soft_limit`` different days is added to ``out`` as a
    bounce. An address ``out`` lists, or a soft bounce of a message read before, is not
    added again: reading the same messages twice adds nothing."""
    if soft_limit < 1:
        raise InputError("--soft-limit must be at least 1", path=out)
    report = BounceReport()
    verdicts: list[Verdict] = []
    for source in sources:
        for where, raw in read_messages(source):
            report.messages += 1
            found = classify(raw)
            if isinstance(found, str):
                if found.startswith(_NOT_FAILURES):
                    report.ignored.append(f"{where}: {found}")
                else:
                    report.unclassified.append(f"{where}: {found}")
                continue
            verdicts.extend(found)
    hard = [v for v in verdicts if v.kind != "soft"]
    soft = [v for v in verdicts if v.kind == "soft"]
    soft_file = _soft_path(out)
    seen_soft: dict[str, set[str]] = {}
    days: dict[str, set[str]] = {}
    if soft_file.exists():
        for _, row in read_rows(soft_file):
            address = parse_address(row.get("email", ""))
            if isinstance(address, Address):
                seen_soft.setdefault(address.key, set()).add(row.get("source", ""))
                days.setdefault(address.key, set()).add(row.get("date", ""))
    new_soft = []
    for verdict in soft:
        key = parse_address(verdict.address)
        assert isinstance(key, Address)
        if verdict.source in seen_soft.get(key.key, set()):
            report.already += 1
            continue
        seen_soft.setdefault(key.key, set()).add(verdict.source)
        days.setdefault(key.key, set()).add(verdict.date)
        new_soft.append(_row(verdict, "soft-bounce"))
        report.soft += 1
    if new_soft:
        append_rows(soft_file, SUPPRESS_COLUMNS, new_soft)
    for verdict in soft:
        key = parse_address(verdict.address)
        assert isinstance(key, Address)
        if len(days.get(key.key, ())) >= soft_limit:
            spread = sorted(days[key.key])
            hard.append(
                Verdict(
                    "bounce",
                    verdict.address,
                    verdict.status,
                    f"{len(spread)} soft bounces on different days ({spread[0]} to {spread[-1]})",
                    verdict.date,
                    verdict.source,
                )
            )
            days[key.key] = set()  # once
    rows = [_row(v, v.kind) for v in hard]
    written = append_rows(out, SUPPRESS_COLUMNS, rows, unique=True) if rows else 0
    report.already += len(rows) - written
    if written:
        _count_added(report, out, hard, written)
    return report


def _count_added(report: BounceReport, out: Path, hard: list[Verdict], written: int) -> None:
    """Count by reason the rows just appended (the last ``written`` rows of ``out``)."""
    rows = [row for _, row in read_rows(out)][-written:]
    for row in rows:
        reason = row.get("reason", "bounce")
        report.added[reason] = report.added.get(reason, 0) + 1
        if reason == "bounce" and "soft bounces on different days" in row.get("diagnostic", ""):
            report.soft_suppressed += 1


def _row(verdict: Verdict, reason: str) -> dict[str, str]:
    return {
        "email": verdict.address,
        "reason": reason,
        "status": verdict.status,
        "diagnostic": verdict.diagnostic,
        "date": verdict.date,
        "source": verdict.source,
    }
