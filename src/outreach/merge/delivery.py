"""SMTP delivery: a few long-lived connections, every reply read, retries that end.

:class:`Delivery` keeps ``connections`` SMTP connections open and drives them all from the
thread that reads the rows (a :mod:`selectors` loop over non-blocking sockets): while the
server answers one message, the next rows are read and built, and no message changes hands
between threads. Each message is one transaction -- MAIL, RCPT, DATA, the message, the
reply after the final dot (and RSET when the transaction stops half-way) -- and every reply
is read and judged by :func:`verdict`, in that one place:

* 2xx after the final dot: ``accepted``, with the server's reply;
* 5xx to RCPT, DATA or after the dot: ``failed``, with the server's reply, never retried
  by this run (``--retry-failed`` asks a later one);
* 4xx: ``deferred``. The message is tried again after ``backoff`` seconds (then twice
  that, ... at most five minutes) while the other messages go on, at most
  :data:`TRIES_PER_RUN` times in a run; the recipient stays pending for the next run, and
  once ``attempts`` tries are used, counted over every run in the journal, it is
  ``failed`` with the last reply;
* ``421``, no reply within ``timeout`` seconds, a dropped connection, a reply that is no
  SMTP reply or one that comes before its command was all written (a server that answers
  what it has not read): the session is lost. The message is tried again at once on a
  new connection (it counts as a try: the server may have had it).

When the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one write, and a
message's body and final dot go in one write with the next message's MAIL, RCPT and DATA
(the RFC lets message content start a group): one round trip and one write a message. The
replies are still judged one by one; a refusal stands even when the session is lost after
it. A server that offers PIPELINING but answers only part of such a group is sent one
command at a time for the rest of the run (one note says so).

A 5xx to ``MAIL FROM`` for a plain message is about the sender, not the recipient: the run
stops (:attr:`Delivery.fatal`), and so it does for a refused login. A connection that
cannot be made (refused, a ``421`` greeting, a timeout) makes one connection fewer while
another is up; the run stops only when no connection can be made ``attempts`` times in a
row (with the backoff between tries).

Before any message's body is written, one commit tells the :class:`Ledger` (the journal)
every outcome read so far and that this message is on the wire (:meth:`Ledger.steps`; one
commit serves every connection ready at that moment): a crash repeats at most one message
a connection. Connections are opened (connect, STARTTLS, AUTH, with smtplib) by a short
thread each, so that a slow greeting holds no other connection up.

Every reply is read in bounded time and memory (:class:`Client`): ``timeout`` seconds for
the whole reply, lines of at most :data:`MAX_LINE` bytes, at most :data:`MAX_LINES` lines.

TLS: ``implicit`` (SMTPS, port 465), ``starttls`` (required), ``auto`` (STARTTLS when the
server offers it; implicit TLS on port 465) or ``none``. Certificates are verified against
the system's CAs or ``cafile``. AUTH (:func:`authenticate`: PLAIN, LOGIN or CRAM-MD5, in
UTF-8 as RFC 4616 says) sends ``user`` and the password from an environment variable, and
only over TLS or to this machine (unless ``plaintext_auth``).

``rate`` messages a second are spread over every connection (one token bucket). Non-ASCII
local parts are sent with SMTPUTF8, which :meth:`Delivery.probe` tells whether the server
offers.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import heapq
import hmac
import ipaddress
import itertools
import queue
import selectors
import smtplib
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from outreach.errors import OutreachError, RunError, SessionLost, UsageError
from outreach.merge.compose import stuffed
from outreach.merge.skeleton import Outgoing

__all__ = [
    "MAX_LINE",
    "MAX_LINES",
    "TRIES_PER_RUN",
    "Client",
    "Delivery",
    "Ledger",
    "Result",
    "SmtpSettings",
    "authenticate",
    "envelope",
    "parse_rate",
    "replies",
    "stuffed",
    "verdict",
]

_LOCAL = {"localhost", "localhost.localdomain"}
#: the longest reply line read (RFC 5321 says 512; smtplib reads 8192)
MAX_LINE = 8192
#: the most lines a reply may have (an EHLO reply has a dozen)
MAX_LINES = 100
#: tries of one message in one run; later runs try again until ``--attempts`` are used
TRIES_PER_RUN = 3
_BACKOFF_CAP = 300.0
#: while the queue has room, the connections are looked at this often (seconds)
_GLANCE = 0.002


def parse_rate(text: str) -> float:
    """``10/s``, ``600/min``, ``5000/h`` (or a bare number a second) -> messages a second.

    >>> parse_rate("600/min"), parse_rate("5")
    (10.0, 5.0)
    """
    number, _, unit = text.strip().partition("/")
    seconds = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600}.get(
        unit.strip().lower()
    )
    try:
        value = float(number)
    except ValueError:
        value = -1
    if seconds is None or value <= 0:
        raise UsageError(f"--rate expects N/s, N/min or N/h (600/min), not {text!r}")
    return value / seconds


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str = "auto"  # auto, starttls, implicit, none
    user: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 30.0
    envelope_from: str = ""
    connections: int = 4
    rate: float | None = None
    attempts: int = 5
    backoff: float = 2.0
    helo: str | None = None
    plaintext_auth: bool = False  # AUTH without TLS to another machine: only when asked

    @property
    def local(self) -> bool:
        """Whether the server is this machine (a loopback address, or ``localhost``).

        >>> SmtpSettings("127.0.0.2", 25).local, SmtpSettings("::1", 25).local
        (True, True)
        >>> SmtpSettings("smtp.example.org", 25).local
        False
        """
        if self.host.lower() in _LOCAL:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def where(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Result:
    """The outcome of one message: ``accepted``, ``failed``, ``deferred`` (pending for the
    next run) or ``unsent`` (the run stopped first), the server's reply (or why there is
    none), and the tries it took (this run's and every run's)."""

    key: str
    line: int
    state: str
    reply: str
    address: str = ""
    tries: int = 0
    attempts: int = 0


class Ledger(Protocol):
    """Where outcomes are kept (:class:`outreach.merge.journal.Journal`)."""

    def steps(self, done: Sequence[tuple[str, str, str]], sending: Sequence[str]) -> list[int]:
        """Commit ``done`` (key, state, reply), then each of ``sending`` as on the wire,
        together; the attempts of each of ``sending`` over every run, this one included."""
        ...

    def tried(self, key: str, reply: str) -> int:
        """Commit a try of ``key`` put off before its message went (still pending); its
        attempts over every run."""
        ...


#: a cut that ends in the first this many characters of a secret (or more) hides them too
_PARTIAL = 3


def _text(text: bytes | str, limit: int = 300, secrets: Sequence[str] = ()) -> str:
    """``text`` on one line of at most ``limit`` characters, with each of ``secrets``
    hidden wherever it is, before the cut (so that the cut cannot leave a part of one), and
    where the cut ends in the start of one (:data:`_PARTIAL` characters or more: a secret
    that came cut short already).

    >>> _text("535 5.7.8 bad\\n password: hunter2-Zq7", secrets=["hunter2-Zq7"])
    '535 5.7.8 bad password: [hidden]'
    >>> _text("!! " + "y" * 20 + "hunter2-Zq7", 30, ["hunter2-Zq7"])
    '!! yyyyyyyyyyyyyyyyyyyy[hidde…'
    >>> _text("echo: hunter2-Zq (cut short by the server)", 15, ["hunter2-Zq7"])
    'echo: [hidden]…'
    """
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    forms = sorted({f for s in secrets for f in (s, " ".join(s.split())) if f}, key=len)[::-1]
    message = _hidden(" ".join(_hidden(message, forms).split()), forms)
    if len(message) <= limit:
        return message
    kept, tail = message[: limit - 1], "…"
    while True:
        start = max(
            (
                k
                for form in forms
                for k in range(_PARTIAL, min(len(form), len(kept)) + 1)
                if kept.endswith(form[:k])
            ),
            default=0,
        )
        if not start:
            return kept + tail
        tail = "[hidden]…"
        kept = kept[:-start][: limit - len(tail)]


def _reply(code: int, text: bytes | str, secrets: Sequence[str] = ()) -> str:
    """A server's reply on one line (``secrets`` hidden, as :func:`_text` does).

    >>> _reply(451, b"4.3.0 try\\n again later")
    '451 4.3.0 try again later'
    """
    return f"{code} {_text(text, secrets=secrets)}".strip()


def _why(exc: BaseException, timeout: float) -> str:
    """What went wrong with a connection, in a few words.

    >>> _why(smtplib.SMTPConnectError(421, b"4.7.0 too many connections"), 30)
    '421 4.7.0 too many connections'
    >>> _why(TimeoutError("timed out"), 2.5)
    'no answer within 2.5 s'
    """
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _text(str(exc)) or type(exc).__name__


# -- the client: replies in bounded time and memory, AUTH in UTF-8 ---------------------------
class Client(smtplib.SMTP):
    """:class:`smtplib.SMTP` whose replies are read in bounded time and memory: the whole
    reply within ``timeout`` seconds (a server that drips a byte at a time gets no more),
    parsed by :func:`replies` (the send loop's parser: lines of at most :data:`MAX_LINE`
    bytes, at most :data:`MAX_LINES` lines), else the connection is closed
    (:class:`smtplib.SMTPServerDisconnected`, saying why). Bytes read past a reply wait for
    the next one (:class:`Delivery` takes them over with the connection); bytes read before
    STARTTLS are dropped with the plain connection."""

    _reading: object = None
    _buffer = b""

    def getreply(self) -> tuple[int, bytes]:
        sock = self.sock
        if sock is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        if sock is not self._reading:
            self._reading, self._buffer = sock, b""
        timeout = float(self.timeout)
        deadline = time.monotonic() + timeout
        texts: list[bytes] = []
        try:
            while True:
                try:
                    found, used = replies(self._buffer, texts, most=1)
                except SessionLost as exc:
                    raise self._lost(exc.why) from None
                self._buffer = self._buffer[used:]
                if found:
                    return found[0]
                self._buffer += self._receive(sock, deadline, timeout)
        finally:
            if self.sock is not None:
                self.sock.settimeout(timeout)

    def _receive(self, sock: socket.socket, deadline: float, timeout: float) -> bytes:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            chunk = sock.recv(65536)
        except TimeoutError:
            raise self._lost(f"no complete reply within {timeout:g} s") from None
        except OSError as exc:
            raise self._lost(f"the connection failed: {_why(exc, timeout)}") from None
        if not chunk:
            raise self._lost("the server closed the connection")
        return chunk

    def _lost(self, why: str) -> smtplib.SMTPServerDisconnected:
        self.close()
        return smtplib.SMTPServerDisconnected(why)

    def close(self) -> None:
        self._reading, self._buffer = None, b""
        super().close()


class ClientSSL(Client, smtplib.SMTP_SSL):
    """:class:`Client` over implicit TLS (SMTPS)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _hidden(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[hidden]")
    return text


def _b64_forms(data: bytes) -> list[str]:
    """``data`` in base64, and the characters of it that ``data`` alone decides wherever
    it starts in what is encoded (after 0, 1 or 2 other bytes, modulo 3), when there are 4
    or more: whatever base64 a server echoes ``data`` in, they are in it.

    >>> _b64_forms(b"hunter2-Zq7")
    ['aHVudGVyMi1acTc=', 'aHVudGVyMi1acT', 'h1bnRlcjItWnE3', 'odW50ZXIyLVpxN']
    >>> import base64
    >>> all(form in base64.b64encode(b"~" * n + b"hunter2-Zq7~").decode()
    ...     for n, form in enumerate(_b64_forms(b"hunter2-Zq7")[1:]))
    True
    """
    forms = [_b64(data)]
    for before in range(3):
        encoded = _b64(bytes(before) + data)
        core = encoded[-(-8 * before // 6) : 8 * (before + len(data)) // 6]
        if len(core) >= 4 and core not in forms:
            forms.append(core)
    return forms


def authenticate(smtp: smtplib.SMTP, user: str, password: str, where: str) -> None:
    """Log in with the first of PLAIN, LOGIN and CRAM-MD5 that the server offers, the user
    and password in UTF-8 (RFC 4616; smtplib sends ASCII only). A refusal (5xx) or a
    challenge that is not base64 is a :class:`~outreach.errors.RunError` of one line that
    names the server and the mechanism, and never the password nor its base64, whole or
    cut (:func:`_text`); a 4xx is :class:`smtplib.SMTPConnectError` (try again later). A
    mechanism the server turns down (504, 534, 538) gives way to the next one."""
    secret = password.encode("utf-8")
    name = user.encode("utf-8")
    plain = _b64(b"\0" + name + b"\0" + secret)
    secrets = [password, plain, *_b64_forms(secret)]
    offered = set((smtp.esmtp_features.get("auth") or "").upper().split())
    if not offered:
        raise RunError(
            f"{where} does not offer AUTH: check --smtp, --tls and --user (or send without --user)"
        )
    refusal = ""
    for mechanism in ("PLAIN", "LOGIN", "CRAM-MD5"):
        if mechanism not in offered:
            continue
        if mechanism == "PLAIN":
            code, text = smtp.docmd("AUTH", f"PLAIN {plain}")
        else:
            code, text = smtp.docmd("AUTH", mechanism)
        challenges = 0
        while code == 334:
            challenges += 1
            try:
                challenge = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise RunError(
                    f"{where} sent a challenge for AUTH {mechanism} that is not base64 "
                    f"({_text(text, 60, secrets)!r}): not a server outreach can log in to"
                ) from None
            if mechanism == "PLAIN" or challenges > 2:
                raise RunError(
                    f"{where} asked for more than AUTH {mechanism} needs "
                    f"({_text(text, 60, secrets)!r}): not a server outreach can log in to"
                )
            if mechanism == "LOGIN":
                answer = name if challenges == 1 else secret
            else:  # CRAM-MD5 (RFC 2195): one challenge
                digest = hmac.new(secret, challenge, "md5").hexdigest().encode("ascii")
                answer = name + b" " + digest
            code, text = smtp.docmd(_b64(answer))
        if code in (235, 503):  # 503: already logged in
            return
        refusal = _reply(code, text, secrets)
        if code in (504, 534, 538):  # not this mechanism: the next one
            continue
        if 400 <= code < 500:
            raise smtplib.SMTPConnectError(code, f"AUTH {mechanism}: {refusal}")
        raise RunError(f"{where} refused the login of {user!r} (AUTH {mechanism}): {refusal}")
    if refusal:
        raise RunError(f"{where} refused the login of {user!r}: {refusal}")
    raise RunError(
        f"{where} offers no AUTH mechanism outreach speaks (it offers "
        f"{' '.join(sorted(offered))[:80]}; outreach speaks PLAIN, LOGIN, CRAM-MD5)"
    )


# -- one message ---------------------------------------------------------------------------
def verdict(code: int, expected: int) -> str:
    """What a reply means: ``ok`` when its class is the one the command expects (2 for MAIL,
    RCPT, RSET and the final dot; 3 for DATA), ``deferred`` for a 4xx, ``failed`` for a
    5xx, ``lost`` for ``421`` (the server is closing the connection) and for anything else
    (a 1xx, a 3xx where a 2xx was due, no code at all): the session cannot go on.

    >>> [verdict(code, 2) for code in (250, 251, 451, 452, 554, 421, 354, -1)]
    ['ok', 'ok', 'deferred', 'deferred', 'failed', 'lost', 'lost', 'lost']
    >>> verdict(354, 3), verdict(250, 3)
    ('ok', 'lost')
    """
    if code == 421:
        return "lost"
    kind = code // 100 if code > 0 else 0
    if kind == expected:
        return "ok"
    return {4: "deferred", 5: "failed"}.get(kind, "lost")


def envelope(sender: str, job: Outgoing) -> list[tuple[str, bytes, int]]:
    """MAIL, RCPT and DATA for ``job``: ``(command, line, reply class expected)``, built
    from the addresses the row loop already checked (no parsing again).

    >>> from outreach.merge.skeleton import Outgoing
    >>> job = Outgoing("ana@example.net", 2, "es", "ana@example.net", False, b"", ())
    >>> [line for _, line, _ in envelope("love@example.org", job)]
    [b'MAIL FROM:<love@example.org>\\r\\n', b'RCPT TO:<ana@example.net>\\r\\n', b'DATA\\r\\n']
    """
    options = " SMTPUTF8 BODY=8BITMIME" if job.utf8 else ""
    return [
        ("MAIL", f"MAIL FROM:<{sender}>{options}\r\n".encode(), 2),
        ("RCPT", f"RCPT TO:<{job.recipient}>\r\n".encode(), 2),
        ("DATA", b"DATA\r\n", 3),
    ]


def replies(
    buffer: bytes, texts: list[bytes], most: int | None = None
) -> tuple[list[tuple[int, bytes]], int]:
    """The complete replies at the start of ``buffer`` (``(code, text)``; ``-1`` for a
    line that is no SMTP reply; at most ``most`` of them), and how many bytes they took.
    ``texts`` holds the lines of a multi-line reply that is not complete yet (from one call
    to the next). A line of :data:`MAX_LINE` bytes or more, or a reply of more than
    :data:`MAX_LINES` lines, is :class:`SessionLost`: memory stays bounded whatever the
    server sends.

    >>> replies(b"250 2.1.0 Ok\\r\\n354 End data\\r\\n25", [])
    ([(250, b'2.1.0 Ok'), (354, b'End data')], 28)
    >>> replies(b"250 2.1.0 Ok\\r\\n354 End data\\r\\n", [], most=1)
    ([(250, b'2.1.0 Ok')], 14)
    >>> texts = []
    >>> replies(b"250-first\\r\\n", texts), texts
    (([], 11), [b'first'])
    >>> replies(b"250 last\\r\\n", texts)
    ([(250, b'first\\nlast')], 10)
    """
    found: list[tuple[int, bytes]] = []
    pos = 0
    while most is None or len(found) < most:
        end = buffer.find(b"\n", pos)
        if end < 0:
            if len(buffer) - pos >= MAX_LINE:
                raise SessionLost(f"a reply line longer than {MAX_LINE} bytes")
            return found, pos
        if end - pos >= MAX_LINE:
            raise SessionLost(f"a reply line longer than {MAX_LINE} bytes")
        line = buffer[pos : end + 1]
        pos = end + 1
        code = line[:3]
        texts.append(line[4:].strip(b" \t\r\n"))
        if not (code.isdigit() and len(code) == 3):
            found.append((-1, b"\n".join(texts)))  # no SMTP reply: the session ends
            texts.clear()
        elif line[3:4] != b"-":
            found.append((int(code), b"\n".join(texts)))
            texts.clear()
        elif len(texts) >= MAX_LINES:
            raise SessionLost(f"a reply of more than {MAX_LINES} lines")
    return found, pos


# -- the token bucket ------------------------------------------------------------------------
class _Bucket:
    def __init__(self, rate: float | None) -> None:
        self.interval = 1 / rate if rate else 0.0
        self.next = time.monotonic()

    def due(self, now: float) -> float:
        """0 (a token taken) when a message may start now; else the seconds to wait.

        >>> bucket = _Bucket(10.0)
        >>> now = bucket.next
        >>> bucket.due(now), round(bucket.due(now), 2), bucket.due(now + 0.1)
        (0.0, 0.1, 0.0)
        """
        if not self.interval:
            return 0.0
        if self.next > now:
            return self.next - now
        self.next = now + self.interval
        return 0.0


@dataclass
class _Job:
    out: Outgoing
    tries: int = 0  # in this run
    attempts: int = 0  # in every run, from the ledger
    faults: int = 0  # internal errors


@dataclass
class _Tx:
    """One message's transaction on a connection."""

    job: _Job
    commands: deque[tuple[str, bytes, int]]  # not written yet (one command at a time)
    first: tuple[str, str, str] | None = None  # the first refusal: (judged, reply, command)
    marked: bool = False  # journaled as on the wire: its body may go


class _Connection:
    """One of the ``connections`` slots: its session (when open), what it has written and
    not yet had answered (``expect``, in order), and the bytes it has yet to write."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.smtp: Client | None = None
        self.sock: socket.socket | None = None
        self.pipelining = False
        self.inbox = b""
        self.texts: list[bytes] = []
        self.outbox = b""
        self.expect: deque[tuple[str, _Tx | None, int]] = deque()
        # where each command of ``expect`` ends in what this session writes, and how much
        # of that is written: a reply to a command not all written is no reply to it
        self.ends: deque[int] = deque()
        self.queued = 0
        self.written = 0
        self.deadline = 0.0
        self.group = (0, 0)  # commands written together, replies to them read so far
        self.envelope: _Tx | None = None  # MAIL/RCPT/DATA written, DATA not yet answered
        self.body: _Tx | None = None  # the message written, the final reply not yet read
        self.ready: _Tx | None = None  # DATA answered 354: the body waits for the journal
        self.opening = False
        self.reopen_at: float | None = None
        self.retired = False

    def idle(self) -> bool:
        return not self.expect and self.envelope is None and self.ready is None

    def jobs(self) -> list[_Job]:
        found = [tx.job for tx in (self.body, self.ready, self.envelope) if tx is not None]
        return list({id(job): job for job in found}.values())


class Delivery:
    """``start``, ``submit`` messages, read outcomes from ``results`` (and one-line notes
    about connections from ``notes``); ``close`` sends the rest.

    One thread drives every connection (a :mod:`selectors` loop, non-blocking sockets): no
    hand-over between threads under one GIL. :meth:`submit` queues a message and lets the
    loop run without waiting while there is room in the queue (the next rows are built
    while the messages before them are on the wire), and waits for the loop while the
    queue is full. Connections are opened (connect, STARTTLS, AUTH: smtplib's) by a short
    thread each, so a slow greeting holds nobody up.

    With PIPELINING, MAIL, RCPT and DATA go in one write, and a message's body and final
    dot go in one write with the next message's MAIL, RCPT and DATA (RFC 2920 lets the
    message content start a group): one round trip a message. Without it, one command at a
    time. Before any body is written, one :meth:`Ledger.steps` commit records every
    outcome read so far and marks that message as on the wire."""

    def __init__(self, settings: SmtpSettings, date: Callable[[], bytes]) -> None:
        self.settings = settings
        self.date = date
        self.results: queue.Queue[Result] = queue.Queue()
        self.notes: queue.Queue[str] = queue.Queue()
        self.stop = threading.Event()
        self.fatal: OutreachError | None = None
        self.ledger: Ledger | None = None
        self.bucket = _Bucket(settings.rate)
        self.helo = settings.helo or socket.getfqdn()  # once, not per connection
        self.where = settings.where
        self._ready: deque[_Job] = deque()
        self._later: list[tuple[float, int, _Job]] = []
        self._order = itertools.count()
        self._done: list[tuple[str, str, str]] = []  # outcomes read, not yet committed
        self._failures = 0  # connections that could not be made in a row
        self._one_at_a_time = False  # the server's PIPELINING did not work
        self._glanced = 0.0  # when the loop last looked at the connections
        self._slots = [_Connection(f"connection {n + 1}") for n in range(settings.connections)]
        self._opened: queue.Queue[tuple[_Connection, Client | None, BaseException | None]]
        self._opened = queue.Queue()
        # made by start(), in the process that sends (--jobs forks after __init__)
        self._selector: selectors.BaseSelector | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None

    # -- connections ---------------------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def connect(self) -> Client:
        """An open, greeted, (if asked) encrypted and authenticated connection. A refused
        login, a required STARTTLS that is not offered and a password that would cross the
        network in the clear are a :class:`RunError`; anything else that fails is
        :class:`OSError` or :class:`smtplib.SMTPException`."""
        s = self.settings
        if s.tls == "implicit" or (s.tls == "auto" and s.port == 465):
            smtp: Client = ClientSSL(
                s.host, s.port, local_hostname=self.helo, timeout=s.timeout, context=self._context()
            )
            encrypted = True
        else:
            smtp = Client(s.host, s.port, local_hostname=self.helo, timeout=s.timeout)
            encrypted = False
        try:
            _hello(smtp)
            if not encrypted and s.tls in ("auto", "starttls"):
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self._context())
                    _hello(smtp)
                    encrypted = True
                elif s.tls == "starttls":
                    raise RunError(f"{self.where} does not offer STARTTLS (--tls starttls)")
            if s.user:
                if not encrypted and not s.local and not s.plaintext_auth:
                    raise RunError(
                        f"refusing to send the password for {s.user!r} to {s.host} without "
                        "TLS (--plaintext-auth allows it)"
                    )
                authenticate(smtp, s.user, s.password or "", self.where)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def probe(self) -> Client:
        """Connect once before anything is sent (``RunError`` when that cannot work). A
        4xx greeting or login reply (``421`` too busy) is tried again after the backoff,
        ``attempts`` times in all; anything else is said at once."""
        s = self.settings
        for attempt in range(1, s.attempts + 1):
            try:
                return self.connect()
            except ssl.SSLError as exc:
                raise RunError(f"TLS with {self.where} failed: {exc}") from None
            except smtplib.SMTPResponseException as exc:
                if not 400 <= exc.smtp_code < 500 or attempt == s.attempts:
                    tries = f" ({attempt} tries)" if attempt > 1 else ""
                    raise RunError(
                        f"cannot connect to {self.where}{tries}: {_why(exc, s.timeout)}"
                    ) from None
            except (OSError, smtplib.SMTPException, UnicodeError) as exc:
                raise RunError(f"cannot connect to {self.where}: {_why(exc, s.timeout)}") from None
            time.sleep(min(s.backoff * 2.0 ** (attempt - 1), _BACKOFF_CAP))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the row loop's side -------------------------------------------------------------
    def share(self, parts: int) -> None:
        """Make this Delivery one of ``parts`` that send at once (``--jobs N`` over SMTP):
        ``--rate`` is for the whole run, so each keeps ``1/parts`` of it.

        >>> delivery = Delivery(SmtpSettings("127.0.0.1", 25, rate=50.0), lambda: b"")
        >>> delivery.share(4)
        >>> round(1 / delivery.bucket.interval, 1)
        12.5
        """
        if self.settings.rate:
            self.bucket = _Bucket(self.settings.rate / parts)

    def start(self, ledger: Ledger | None = None) -> None:
        """Open the connections; ``ledger`` keeps each outcome (none for proofs)."""
        self.ledger = ledger
        self._selector = selectors.DefaultSelector()
        self._wake = socket.socketpair()
        self._wake[0].setblocking(False)
        self._selector.register(self._wake[0], selectors.EVENT_READ, None)
        for conn in self._slots:
            self._open(conn)

    def submit(self, job: Outgoing) -> None:
        """Queue ``job``; while the queue is full (memory stays flat), run the connections
        until there is room again.

        While there is room, the connections are looked at only every :data:`_GLANCE`
        seconds: a connection whose reply has come then finds the next message waiting, so
        its body and the next envelope go in one write (looking after every row left the
        queue nearly empty, and one message in five went in two writes)."""
        if self.stop.is_set() or not self._live_slots():
            self._give_up(_Job(job))
            return
        self._ready.append(_Job(job))
        limit = 2 * self.settings.connections

        def room() -> bool:
            return len(self._ready) < limit or self.stop.is_set() or not self._live_slots()

        if not room():
            self._pump(room, wait=True)
        elif time.monotonic() - self._glanced >= _GLANCE:
            self._pump(room, wait=False)

    def close(self) -> None:
        """Send what is queued (retries included), then end the sessions; what is left
        when the run stopped is reported ``unsent`` (it stays pending)."""
        if self._selector is not None:
            self._pump(self._finished, wait=True)
        self._commit()
        left = list(self._ready) + [job for _, _, job in sorted(self._later)]
        for conn in self._slots:
            left.extend(conn.jobs())
            self._end(conn)
        self._ready.clear()
        self._later.clear()
        for job in left:
            self._give_up(job)
        self.discard()

    def discard(self) -> None:
        """Release the loop's selector and wake-up sockets."""
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        if self._wake is not None:
            for end in self._wake:
                end.close()
            self._wake = None

    def halt(self, error: OutreachError | None = None) -> None:
        """Stop sending (the row loop failed): what is on the wire is finished."""
        if error is not None and self.fatal is None:
            self.fatal = error
        self.stop.set()

    # -- the loop ------------------------------------------------------------------------
    def _live_slots(self) -> bool:
        return any(not conn.retired for conn in self._slots)

    def _finished(self) -> bool:
        busy = any(conn.jobs() for conn in self._slots)
        if not self._live_slots() or self.stop.is_set():
            return not busy
        return not (self._ready or self._later or busy)

    def _pump(self, enough: Callable[[], bool], *, wait: bool) -> None:
        """Run the connections until ``enough()``, or once without waiting (``wait``
        false)."""
        selector = self._selector
        assert selector is not None
        while True:
            now = time.monotonic()
            self._schedule(now)
            self._commit()
            if wait and enough():
                return
            for key, events in selector.select(self._timeout(now) if wait else 0.0):
                conn = key.data
                if conn is None:
                    self._adopt()
                    continue
                try:
                    if events & selectors.EVENT_WRITE:
                        self._write(conn)
                    if events & selectors.EVENT_READ and conn.sock is not None:
                        self._read(conn)
                except SessionLost as exc:
                    self._lose(conn, exc)
                except Exception as exc:  # a bug: one line; the messages are tried again
                    self._fault(conn, exc)
            self._glanced = time.monotonic()
            self._expire(self._glanced)
            if not wait:
                self._schedule(time.monotonic())
                self._commit()
                return

    def _timeout(self, now: float) -> float:
        if self._due(now):
            return 0.0
        times = [conn.deadline for conn in self._slots if conn.expect]
        times += [conn.reopen_at for conn in self._slots if conn.reopen_at is not None]
        if self._later:
            times.append(self._later[0][0])
        if self.bucket.interval and self._ready:
            times.append(self.bucket.next)
        return max(0.0, min(times) - now) if times else 1.0

    def _due(self, now: float) -> bool:
        """Whether :meth:`_schedule` has something to do now: a session lost, or a message
        put back, after it ran (in :meth:`_commit`, say) is not left for the next event."""
        if self.stop.is_set() or not (self._ready or self._later):
            return False
        token = not self.bucket.interval or self.bucket.next <= now
        for conn in self._slots:
            if conn.retired or conn.opening:
                continue
            if conn.smtp is None:
                if conn.reopen_at is None:
                    return True
            elif self._ready and token and self._takes(conn):
                return True
        return False

    def _schedule(self, now: float) -> None:
        """Retries that are due back in line; closed connections reopened; idle ones given
        their next message."""
        while self._later and self._later[0][0] <= now:
            self._ready.appendleft(heapq.heappop(self._later)[2])
        waiting = self._ready or self._later
        for conn in self._slots:
            if conn.retired or conn.opening or self.stop.is_set():
                continue
            if conn.smtp is None:
                if waiting and (conn.reopen_at is None or conn.reopen_at <= now):
                    self._open(conn)
                continue
            if self._ready and self._takes(conn):
                self._begin(conn, now)

    def _takes(self, conn: _Connection, *, body: bool = False) -> bool:
        """Whether ``conn`` may start its next message now (``body``: its last one's body
        is about to be written)."""
        if conn.envelope is not None or conn.ready is not None or (conn.outbox and not body):
            return False
        return conn.pipelining or (conn.body is None and not conn.expect)

    def _begin(self, conn: _Connection, now: float) -> None:
        """The next message's MAIL, RCPT and DATA on ``conn`` (when ``--rate`` allows)."""
        if self.bucket.due(now):
            return
        job = self._ready.popleft()
        smtp = conn.smtp
        assert smtp is not None
        if job.out.utf8 and not smtp.has_extn("smtputf8"):
            reason = "the address needs SMTPUTF8, which the server does not offer"
            self._settle(job, "failed", reason)
            return
        job.tries += 1
        tx = conn.envelope = _Tx(job, deque())
        try:
            tx.commands.extend(envelope(self.settings.envelope_from, job.out))
            self._next_command(conn, tx)
        except SessionLost as exc:
            self._lose(conn, exc)
        except Exception as exc:
            self._fault(conn, exc)

    def _next_command(self, conn: _Connection, tx: _Tx) -> None:
        """Write ``tx``'s commands: all at once with PIPELINING, else the next one."""
        if conn.pipelining:
            commands = list(tx.commands)
            tx.commands.clear()
        else:
            commands = [tx.commands.popleft()]
        for command, _, expected in commands:
            conn.expect.append((command, tx, expected))
        self._send(conn, [line for _, line, _ in commands])

    def _send(self, conn: _Connection, parts: Sequence[bytes], *, flush: bool = True) -> None:
        """Write ``parts`` (each a command, whose reply is due: its entry is the last of
        ``expect`` but for those after it), now or, when not ``flush``, with what is
        written next."""
        commands = len(parts)
        for part in parts:
            conn.queued += len(part)
            conn.ends.append(conn.queued)
        data = b"".join(parts)
        if len(conn.expect) == commands:  # the first of a group: its replies are timed
            conn.deadline = time.monotonic() + self.settings.timeout
            conn.group = (commands, 0)
        else:
            conn.group = (conn.group[0] + commands, conn.group[1])
        conn.outbox += data
        if flush:
            self._write(conn)

    def _write(self, conn: _Connection) -> None:
        sock = conn.sock
        if sock is None:
            return
        try:
            while conn.outbox:
                sent = sock.send(conn.outbox)
                conn.outbox = conn.outbox[sent:]
                conn.written += sent
        except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
            pass
        except OSError as exc:
            raise SessionLost(
                f"the connection failed: {_why(exc, self.settings.timeout)}"
            ) from None
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.outbox else 0)
        selector = self._selector
        assert selector is not None
        if selector.get_key(sock).events != events:
            selector.modify(sock, events, conn)

    def _read(self, conn: _Connection) -> None:
        """What the server sent, as replies: one read (TLS: with the rest of its record),
        so a server that never stops talking gets no more memory than :func:`replies`
        allows before it loses the connection."""
        sock = conn.sock
        assert sock is not None
        chunks: list[bytes] = []
        try:
            chunk = sock.recv(65536)
            if not chunk:
                raise SessionLost("the server closed the connection")
            chunks.append(chunk)
            if isinstance(sock, ssl.SSLSocket) and sock.pending():
                chunks.append(sock.recv(sock.pending()))
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            if not chunks:
                return
        except OSError as exc:
            raise SessionLost(
                f"the connection failed: {_why(exc, self.settings.timeout)}"
            ) from None
        buffer = conn.inbox + b"".join(chunks) if conn.inbox else b"".join(chunks)
        found, used = replies(buffer, conn.texts)
        conn.inbox = buffer[used:]
        for code, text in found:
            if conn.sock is None:
                return  # the session ended after an earlier reply in this read
            self._reply(conn, code, text)

    def _reply(self, conn: _Connection, code: int, text: bytes) -> None:
        if not conn.expect:
            raise SessionLost(f"a reply nothing asked for: {_reply(code, text)}")
        command, tx, expected = conn.expect.popleft()
        if conn.written < conn.ends.popleft():
            # the server answers what it cannot have read (it stopped reading, or says
            # what it was never asked): whatever it says, the session is in no known state
            raise SessionLost(
                f"a reply to {'the message' if command == '.' else command} before it was "
                f"all sent: {_reply(code, text)}",
                answered=True,
            )
        size, got = conn.group
        conn.group = (size, got + 1)
        conn.deadline = time.monotonic() + self.settings.timeout
        judged = verdict(code, expected)
        # in words only where they are kept or shown (most replies are an expected 250)
        reply = _reply(code, text) if judged != "ok" or command == "." else ""
        if judged == "lost":
            where = "after the message" if command == "." else command
            raise SessionLost(f"{where}: {reply}", answered=True)
        if command == ".":
            assert tx is not None
            conn.body = None
            if judged == "ok":
                self._settle(tx.job, "accepted", reply)
            elif judged == "deferred":
                self._again(tx.job, reply, self._delay(tx.job))
            else:
                self._settle(tx.job, "failed", reply)
        elif command == "RSET":
            if judged != "ok":  # in no known state: the next message opens another connection
                raise SessionLost(f"RSET: {reply}", answered=True)
        elif command == "END":  # the final dot alone, after a 354 that followed a refusal
            assert tx is not None
            conn.envelope = None
            self._refused(conn, tx)
        else:
            assert tx is not None
            self._answered(conn, tx, command, judged, reply)

    def _answered(self, conn: _Connection, tx: _Tx, command: str, judged: str, reply: str) -> None:
        """A reply to MAIL, RCPT or DATA."""
        if judged != "ok" and tx.first is None:
            tx.first = (judged, reply, command)
            tx.commands.clear()  # one command at a time: nothing more is written
        if command != "DATA" and (tx.commands or tx.first is None):
            if tx.commands:
                self._next_command(conn, tx)
            return  # the rest of a pipelined group is on its way
        if command != "DATA" and any(t is tx for _, t, _ in conn.expect):
            return  # DATA's reply is still to come
        if command == "DATA" and judged == "ok" and tx.first is not None:
            # 354 although refused: an empty message's end (the envelope stays this
            # connection's until its reply: nothing else is written before the RSET)
            conn.expect.append(("END", tx, 2))
            self._send(conn, [b".\r\n"])
            return
        conn.envelope = None
        if tx.first is None:
            conn.ready = tx  # the body goes once the journal says so (_commit)
        else:
            self._refused(conn, tx)

    def _refused(self, conn: _Connection, tx: _Tx) -> None:
        """The transaction stopped before its message: the first refusal decides, then
        RSET (its reply read too)."""
        self._outcome_before_message(tx)
        if conn.sock is not None:
            conn.expect.append(("RSET", None, 2))
            self._send(conn, [b"RSET\r\n"])

    def _outcome_before_message(self, tx: _Tx) -> None:
        assert tx.first is not None
        judged, reply, command = tx.first
        job = tx.job
        if judged == "failed" and command == "MAIL" and not job.out.utf8:
            sender = self.settings.envelope_from
            self._fail_run(RunError(f"{self.where} refused the sender {sender}: {reply}"))
            self._done.append((job.out.key, "pending", reply))
            self._requeue(job)  # reported when the run ends, not sent
        elif judged == "deferred":
            attempts = self._tried(job, reply)
            if attempts is None:
                self._requeue(job)
            elif attempts >= self.settings.attempts:
                self._settle(job, "failed", f"{reply} ({attempts} attempts)")
            elif job.tries >= TRIES_PER_RUN:
                self._settle(job, "deferred", reply)
            else:
                heapq.heappush(
                    self._later, (time.monotonic() + self._delay(job), next(self._order), job)
                )
        else:
            self._settle(job, "failed", reply)

    def _tried(self, job: _Job, reply: str) -> int | None:
        """A try of ``job`` that ended before its message went, counted in the ledger on its
        own (no :meth:`_commit`: this runs inside reply handling and inside :meth:`_commit`
        itself, whose bodies must not be written twice); its attempts over every run
        (``None``: the ledger failed, and the run stops)."""
        if self.ledger is None:
            job.attempts += 1
            return job.attempts
        try:
            job.attempts = self.ledger.tried(job.out.key, reply)
        except OutreachError as exc:
            self._fail_run(exc)
            return None
        return job.attempts

    def _commit(self) -> None:
        """One commit: every outcome read so far, and each message whose body is next as on
        the wire; then those bodies are written (each followed, with PIPELINING, by the
        next message's MAIL, RCPT and DATA)."""
        waiting = [conn for conn in self._slots if conn.ready is not None]
        if self.stop.is_set():
            for conn in waiting:  # their bodies stay unsent: the session ends with them
                assert conn.ready is not None
                self._requeue(conn.ready.job)
                conn.ready = None
                self._drop(conn)
            waiting = []
        if not self._done and not waiting:
            return
        done, self._done = self._done, []
        txs = [conn.ready for conn in waiting if conn.ready is not None]
        if self.ledger is None:
            attempts = [tx.job.attempts + 1 for tx in txs]
        else:
            try:
                attempts = self.ledger.steps(done, [tx.job.out.key for tx in txs])
            except OutreachError as exc:
                self._fail_run(exc)
                for conn in waiting:
                    assert conn.ready is not None
                    self._requeue(conn.ready.job)
                    conn.ready = None
                    self._drop(conn)
                return
        now = time.monotonic()
        for conn, tx, count in zip(waiting, txs, attempts, strict=True):
            tx.job.attempts = count
            conn.ready = None
            conn.body = tx
            conn.expect.append((".", tx, 2))
            try:
                out = tx.job.out
                data = out.data(self.date())
                self._send(conn, [data + b".\r\n" if out.wire else stuffed(data)], flush=False)
                if self._ready and self._takes(conn, body=True) and not self.stop.is_set():
                    self._begin(conn, now)  # in the same write
                self._write(conn)
            except SessionLost as exc:
                self._lose(conn, exc)
            except Exception as exc:
                self._fault(conn, exc)

    def _expire(self, now: float) -> None:
        for conn in self._slots:
            if conn.expect and conn.deadline <= now and conn.sock is not None:
                self._lose(
                    conn,
                    SessionLost(
                        f"no complete reply within {self.settings.timeout:g} s", timed_out=True
                    ),
                )

    # -- outcomes ------------------------------------------------------------------------
    def _settle(self, job: _Job, state: str, reply: str) -> None:
        """A final outcome: committed before any connection writes another message,
        reported now."""
        out = job.out
        self._done.append((out.key, "pending" if state == "deferred" else state, reply))
        self.results.put(
            Result(out.key, out.line, state, reply, out.recipient, job.tries, job.attempts)
        )

    def _again(self, job: _Job, reply: str, delay: float | None = None) -> None:
        """A 4xx after the message (after ``delay``) or a lost session (at once): tried
        again while this run and ``--attempts`` allow, else settled."""
        if job.attempts >= self.settings.attempts:
            self._settle(job, "failed", f"{reply} ({job.attempts} attempts)")
        elif job.tries >= TRIES_PER_RUN:
            self._settle(job, "deferred", reply)
        else:
            self._done.append((job.out.key, "pending", reply))  # before its next try
            self._requeue(job, delay)

    def _requeue(self, job: _Job, delay: float | None = None) -> None:
        """Back in the queue: first in line, or after ``delay`` seconds."""
        if delay is None:
            self._ready.appendleft(job)
        else:
            heapq.heappush(self._later, (time.monotonic() + delay, next(self._order), job))

    def _delay(self, job: _Job) -> float:
        return min(self.settings.backoff * 2.0 ** max(job.tries - 1, 0), _BACKOFF_CAP)

    def _give_up(self, job: _Job) -> None:
        """``job`` is not sent: the run stopped (it stays pending in the journal)."""
        out = job.out
        why = f"not sent: the run stopped ({self.fatal})" if self.fatal else "not sent"
        self.results.put(
            Result(out.key, out.line, "unsent", why, out.recipient, job.tries, job.attempts)
        )

    def _fail_run(self, error: OutreachError) -> None:
        if self.fatal is None:
            self.fatal = error
        self.stop.set()

    # -- sessions that end ---------------------------------------------------------------
    def _lose(self, conn: _Connection, lost: SessionLost) -> None:
        """The session is lost: a refusal that came stands; the message whose body went is
        tried again (it counts: the server may have had it); one whose envelope only went,
        too, and when the session was lost on its own commands (no body before it waits
        for its reply) that try counts over every run as a 4xx to them would
        (:meth:`Ledger.tried`): a recipient whose RCPT always ends the session is failed
        once ``attempts`` are used, not tried by every run for ever. The connection is
        opened again when there is work."""
        size, got = conn.group
        refused = conn.envelope is not None and conn.envelope.first is not None
        if not lost.answered and 0 < got < size and (not refused or lost.timed_out):
            self._pipelining_failed()
        why = f"connection lost: {lost.why}"
        if conn.envelope is not None and conn.envelope.first is not None:
            self._outcome_before_message(conn.envelope)
            conn.envelope = None
        own = None if conn.body is not None else (conn.ready or conn.envelope)
        for tx in (conn.body, conn.ready, conn.envelope):
            if tx is None:
                continue
            if tx is own and self._tried(tx.job, why) is None:
                self._requeue(tx.job)  # the ledger failed: the run stops
                continue
            self._again(tx.job, why)
        conn.body = conn.ready = conn.envelope = None
        self._drop(conn)

    def _pipelining_failed(self) -> None:
        """The server offers PIPELINING but answered only part of a group: one note, and
        every later message on every connection is sent one command at a time."""
        if self._one_at_a_time:
            return
        self._one_at_a_time = True
        for conn in self._slots:
            conn.pipelining = False
        self.notes.put(f"{self.where}: PIPELINING did not work: sending one command at a time")

    def _fault(self, conn: _Connection, exc: Exception) -> None:
        """A bug: one line, a new connection, and the messages of this one tried again (at
        most :data:`TRIES_PER_RUN` times: then they stay for the next run)."""
        name = type(exc).__name__
        self.notes.put(
            f"{self.where}: {conn.name}: internal error: {name}: {_text(str(exc), 200)} "
            "(the message is tried again on a new connection; please report it)"
        )
        jobs = conn.jobs()
        conn.body = conn.ready = conn.envelope = None
        self._drop(conn)
        for job in jobs:
            job.faults += 1
            if job.faults < TRIES_PER_RUN:
                self._requeue(job)
                continue
            out = job.out
            reply = f"not sent: internal error: {name}"
            self._done.append((out.key, "pending", reply))
            self.results.put(
                Result(out.key, out.line, "deferred", reply, out.recipient, job.tries, job.attempts)
            )

    def _drop(self, conn: _Connection) -> None:
        """Close the session (without QUIT): it was lost, or is in no known state."""
        self._forget(conn)
        if conn.smtp is not None:
            conn.smtp.close()
        conn.smtp = conn.sock = None
        conn.inbox, conn.outbox = b"", b""
        conn.texts.clear()
        conn.expect.clear()
        conn.ends.clear()
        conn.queued = conn.written = 0
        conn.group = (0, 0)

    def _end(self, conn: _Connection) -> None:
        """QUIT a session that is in a known state; close any other."""
        smtp = conn.smtp
        if smtp is None or conn.sock is None or conn.expect or conn.outbox:
            self._drop(conn)
            return
        self._forget(conn)
        try:
            conn.sock.settimeout(self.settings.timeout)
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
        conn.smtp = conn.sock = None

    def _forget(self, conn: _Connection) -> None:
        if conn.sock is not None and self._selector is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(conn.sock)

    # -- opening connections -------------------------------------------------------------
    def _open(self, conn: _Connection) -> None:
        """Open ``conn`` in a thread of its own; :meth:`_adopt` takes the result."""
        conn.opening = True
        conn.reopen_at = None
        threading.Thread(target=self._opener, args=(conn,), daemon=True).start()

    def _opener(self, conn: _Connection) -> None:
        smtp: Client | None = None
        error: BaseException | None = None
        try:
            smtp = self.connect()
        except BaseException as exc:  # told to the loop, which decides
            error = exc
        self._opened.put((conn, smtp, error))
        wake = self._wake
        if wake is not None:
            with contextlib.suppress(OSError):
                wake[1].send(b"\0")

    def _adopt(self) -> None:
        """Connections that were opened (or could not be)."""
        if self._wake is not None:
            with contextlib.suppress(OSError):
                self._wake[0].recv(4096)
        while True:
            try:
                conn, smtp, error = self._opened.get_nowait()
            except queue.Empty:
                return
            conn.opening = False
            if smtp is not None and self.stop.is_set():
                smtp.close()
            elif smtp is not None and smtp.sock is not None:
                self._failures = 0
                conn.smtp, conn.sock = smtp, smtp.sock
                conn.queued = conn.written = 0
                conn.pipelining = "pipelining" in smtp.esmtp_features and not self._one_at_a_time
                conn.inbox = smtp._buffer if smtp._reading is smtp.sock else b""
                conn.sock.setblocking(False)
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                assert self._selector is not None
                self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            elif isinstance(error, RunError):
                self._fail_run(error)
            elif isinstance(error, (OSError, smtplib.SMTPException, UnicodeError)):
                self._could_not_connect(conn, _why(error, self.settings.timeout))
            elif error is not None:
                self._fail_run(RunError(f"{self.where}: {conn.name}: internal error: {error!r}"))

    def _could_not_connect(self, conn: _Connection, why: str) -> None:
        """One connection fewer while another is up (or trying); else tried again after
        the backoff, and the run stops after ``attempts`` failures in a row."""
        others = [c for c in self._slots if c is not conn and not c.retired]
        if others:  # up, or trying
            conn.retired = True
            left = len(others)
            self.notes.put(
                f"{self.where}: {conn.name} could not connect ({why}): going on with "
                f"{left} connection{'s' if left != 1 else ''}"
            )
            return
        self._failures += 1
        if self._failures >= self.settings.attempts:
            self._fail_run(
                RunError(f"cannot connect to {self.where} ({self._failures} tries): {why}")
            )
            conn.retired = True
            return
        backoff = min(self.settings.backoff * 2.0 ** (self._failures - 1), _BACKOFF_CAP)
        conn.reopen_at = time.monotonic() + backoff


def _hello(smtp: smtplib.SMTP) -> None:
    code, text = smtp.ehlo()
    if code != 250:
        code, text = smtp.helo()
        if code != 250:
            raise smtplib.SMTPConnectError(code, text)
