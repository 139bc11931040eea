"""SMTP delivery: a few long-lived connections, every reply read, retries that end.

:class:`Delivery` runs ``connections`` sending threads, each with one SMTP connection it
keeps open. Each message is one :func:`transaction` -- MAIL, RCPT, DATA, the message, the
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
* ``421``, no reply within ``timeout`` seconds, a dropped connection or a reply that is no
  SMTP reply: the session is lost. The message is tried again at once on a new connection
  (it counts as a try: the server may have had it).

When the server offers PIPELINING, MAIL, RCPT and DATA go in one write, and their replies
are still judged one by one; a refusal stands even when the session is lost after it. A
server that offers PIPELINING but answers only the first command of such a group is sent
one command at a time for the rest of the run (one note says so).

A 5xx to ``MAIL FROM`` for a plain message is about the sender, not the recipient: the run
stops (:attr:`Delivery.fatal`), and so it does for a refused login. A connection that
cannot be made (refused, a ``421`` greeting, a timeout) makes one connection fewer while
another is up; the run stops only when no connection can be made ``attempts`` times in a
row (with the backoff between tries).

Each connection tells its :class:`Ledger` (the journal) the outcome of its message and that
its next one is on the wire, in one commit, before it sends that next one: a crash repeats
at most one message a connection.

Every reply is read in bounded time and memory (:class:`Client`): ``timeout`` seconds for
the whole reply, lines of at most :data:`MAX_LINE` bytes, at most :data:`MAX_LINES` lines.

TLS: ``implicit`` (SMTPS, port 465), ``starttls`` (required), ``auto`` (STARTTLS when the
server offers it; implicit TLS on port 465) or ``none``. Certificates are verified against
the system's CAs or ``cafile``. AUTH (:func:`authenticate`: PLAIN, LOGIN or CRAM-MD5, in
UTF-8 as RFC 4616 says) sends ``user`` and the password from an environment variable, and
only over TLS or to this machine (unless ``plaintext_auth``).

``rate`` messages a second are spread over every connection (a token bucket shared by the
threads). Non-ASCII local parts are sent with SMTPUTF8, which :meth:`Delivery.probe` tells
whether the server offers.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import hmac
import ipaddress
import itertools
import queue
import re
import smtplib
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from outreach.errors import OutreachError, RunError, UsageError
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
    "parse_rate",
    "stuffed",
    "transaction",
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

    def step(self, done: tuple[str, str, str] | None, sending: str | None) -> int:
        """Commit ``done`` (key, state, reply) and ``sending`` as on the wire, together;
        the attempts of ``sending`` over every run, this one included."""
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
    lines of at most :data:`MAX_LINE` bytes and at most :data:`MAX_LINES` lines, else the
    connection is closed (:class:`smtplib.SMTPServerDisconnected`, saying why). Bytes read
    past a reply wait for the next one; bytes read before STARTTLS are dropped with the
    plain connection.

    ``timed_out`` says a reply did not come in time (the connection is closed), and
    ``pipelining_failed`` that a pipelined group of commands (:func:`transaction`) got its
    first reply but not the others: the server offers PIPELINING but does not do it."""

    timed_out = False
    pipelining_failed = False
    _reading: object = None
    _buffer = b""
    _pos = 0

    def getreply(self) -> tuple[int, bytes]:
        sock = self.sock
        if sock is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        if sock is not self._reading:
            self._reading, self._buffer, self._pos = sock, b"", 0
        timeout = float(self.timeout)
        deadline = time.monotonic() + timeout
        texts: list[bytes] = []
        try:
            while True:
                line = self._line(sock, deadline, timeout)
                code = line[:3]
                texts.append(line[4:].strip(b" \t\r\n"))
                if not (code.isdigit() and len(code) == 3):
                    return -1, b"\n".join(texts)  # no SMTP reply: the caller gives up
                if line[3:4] != b"-":
                    return int(code), b"\n".join(texts)
                if len(texts) >= MAX_LINES:
                    raise self._lost(f"a reply of more than {MAX_LINES} lines")
        finally:
            if self.sock is not None:
                self.sock.settimeout(timeout)

    def _line(self, sock: socket.socket, deadline: float, timeout: float) -> bytes:
        buffer, pos = self._buffer, self._pos
        while True:
            end = buffer.find(b"\n", pos)
            if end >= 0:
                if end - pos >= MAX_LINE:
                    break
                self._pos = end + 1
                return buffer[pos : end + 1]
            if len(buffer) - pos >= MAX_LINE:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                self.timed_out = True
                raise self._lost(f"no complete reply within {timeout:g} s")
            try:
                sock.settimeout(left)
                chunk = sock.recv(65536)
            except TimeoutError:
                self.timed_out = True
                raise self._lost(f"no complete reply within {timeout:g} s") from None
            except OSError as exc:
                raise self._lost(f"the connection failed: {_why(exc, timeout)}") from None
            if not chunk:
                raise self._lost("the server closed the connection")
            buffer, pos = buffer[pos:] + chunk, 0
            self._buffer, self._pos = buffer, 0
        raise self._lost(f"a reply line longer than {MAX_LINE} bytes")

    def _lost(self, why: str) -> smtplib.SMTPServerDisconnected:
        self.close()
        return smtplib.SMTPServerDisconnected(why)

    def close(self) -> None:
        self._reading, self._buffer, self._pos = None, b"", 0
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
    data = data.replace(b"\r\n.", b"\r\n..")
    if data.startswith(b"."):
        data = b"." + data
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _ask(smtp: smtplib.SMTP, line: bytes) -> tuple[int, bytes]:
    smtp.send(line)
    return smtp.getreply()


def transaction(
    smtp: smtplib.SMTP, sender: str, job: Outgoing, data: bytes, *, pipelining: bool = True
) -> tuple[str, str, str]:
    """Send one message: ``(state, reply, command)`` -- ``accepted`` (the reply after the
    final dot), ``failed`` (a 5xx) or ``deferred`` (a 4xx), with the reply and the command
    it answered (``MAIL``, ``RCPT``, ``DATA`` or ``.``). A transaction that stops half-way is
    ended with RSET, whose reply is read too (a bad one closes the connection: the next
    message opens another). Raises :class:`smtplib.SMTPServerDisconnected` (or
    :class:`OSError`) when the session is lost: ``421``, a timeout, no SMTP reply.

    MAIL, RCPT and DATA go in one write when the server offers PIPELINING
    (:func:`_pipelined`), unless ``pipelining`` is false: then one command at a time, each
    reply awaited before the next command."""
    options = " SMTPUTF8 BODY=8BITMIME" if job.utf8 else ""
    steps = (
        ("MAIL", f"MAIL FROM:<{sender}>{options}\r\n", 2),
        ("RCPT", f"RCPT TO:<{job.recipient}>\r\n", 2),
        ("DATA", "DATA\r\n", 3),
    )
    if pipelining and "pipelining" in smtp.esmtp_features:
        stopped = _pipelined(smtp, steps)
        if stopped is not None:
            return stopped
    else:
        for command, line, expected in steps:
            code, text = _ask(smtp, line.encode("utf-8"))
            judged = verdict(code, expected)
            if judged != "ok":
                return _stopped(smtp, judged, _reply(code, text)), _reply(code, text), command
    code, text = _ask(smtp, stuffed(data))
    judged = verdict(code, 2)
    if judged == "lost":
        smtp.close()
        raise smtplib.SMTPServerDisconnected(f"after the message: {_reply(code, text)}")
    return ("accepted" if judged == "ok" else judged), _reply(code, text), "."


def _pipelined(
    smtp: smtplib.SMTP, steps: tuple[tuple[str, str, int], ...]
) -> tuple[str, str, str] | None:
    """MAIL, RCPT and DATA in one write, as a server that offers PIPELINING takes them
    (RFC 2920), then their three replies read in order: one round trip instead of three.
    ``None`` when all three are as expected (the message may follow); else the outcome the
    first unexpected reply decides, as :func:`transaction` returns it. Each reply is still
    read and judged on its own: a server that answers DATA with 354 although it refused the
    recipient gets an empty message's end (the final dot alone, which it must refuse: no
    valid recipient) before the RSET, never the message.

    A refusal stands once it came: when the session is lost after it (``421``, no reply in
    time, a dropped connection, before a later reply or the final dot's), the connection is
    closed (no RSET: the next message opens another) and the refusal is returned; a session
    lost before any refusal raises, as :func:`transaction` says.

    A group that gets its first reply but not the others (they do not come in time, or the
    connection is lost before a refusal: not a ``421``) is a server whose PIPELINING does
    not work: :attr:`Client.pipelining_failed` says so (:class:`Delivery` then sends one
    command at a time)."""
    smtp.send("".join(line for _, line, _ in steps).encode("utf-8"))
    first: tuple[str, str, str] | None = None
    for n, (command, _, expected) in enumerate(steps):
        try:
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPException):
            if n and isinstance(smtp, Client) and (first is None or smtp.timed_out):
                smtp.pipelining_failed = True  # answered the first command alone
            if first is None:
                raise
            smtp.close()  # the refusal that came first decides
            break
        judged = verdict(code, expected)
        if judged == "lost":  # 421, or no SMTP reply: nothing after it can be trusted
            smtp.close()
            if first is None:
                raise smtplib.SMTPServerDisconnected(f"{command}: {_reply(code, text)}")
            break
        if judged != "ok" and first is None:
            first = (judged, _reply(code, text), command)
        elif judged == "ok" and command == "DATA" and first is not None:  # 354 after a refusal
            try:
                code, text = _ask(smtp, b".\r\n")
                lost = verdict(code, 2) == "lost"
            except (OSError, smtplib.SMTPException):
                lost = True
            if lost:
                smtp.close()
    if first is None:
        return None
    judged, reply, command = first
    if smtp.sock is None:  # the session was lost after the refusal: no RSET
        return judged, reply, command
    return _stopped(smtp, judged, reply), reply, command


def _stopped(smtp: smtplib.SMTP, judged: str, reply: str) -> str:
    if judged == "lost":
        smtp.close()
        raise smtplib.SMTPServerDisconnected(reply)
    try:
        code, _ = _ask(smtp, b"RSET\r\n")
        reset = verdict(code, 2) == "ok"
    except (OSError, smtplib.SMTPException):  # the reply that came first still decides
        reset = False
    if not reset:
        smtp.close()  # in no known state: the next message opens another connection
    return judged


# -- the token bucket ------------------------------------------------------------------------
class _Bucket:
    def __init__(self, rate: float | None) -> None:
        self.interval = 1 / rate if rate else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(self.next, now)
            self.next = at + self.interval
        if at > now:
            stop.wait(at - now)


@dataclass
class _Job:
    out: Outgoing
    tries: int = 0  # in this run
    attempts: int = 0  # in every run, from the ledger
    faults: int = 0  # internal errors


class _Connection:
    """A sending thread's connection, and the outcome it has yet to commit."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.smtp: Client | None = None
        self.done: tuple[str, str, str] | None = None
        self.retired = False


class Delivery:
    """``start``, ``submit`` messages, read outcomes from ``results`` (and one-line notes
    about connections from ``notes``); ``close`` waits for the rest."""

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
        self._cond = threading.Condition()
        self._ready: deque[_Job] = deque()
        self._later: list[tuple[float, int, _Job]] = []
        self._order = itertools.count()
        self._busy = 0
        self._closing = False
        self._workers = 0
        self._live = 0
        self._failures = 0
        self._one_at_a_time = False  # the server's PIPELINING did not work
        self.threads = [
            threading.Thread(target=self._work, args=(f"connection {n + 1}",), daemon=True)
            for n in range(settings.connections)
        ]

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

    # -- the main thread's side ----------------------------------------------------------
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
        """Start the sending threads; ``ledger`` keeps each outcome (none for proofs)."""
        self.ledger = ledger
        with self._cond:
            self._workers = len(self.threads)
        for thread in self.threads:
            thread.start()

    def submit(self, job: Outgoing) -> None:
        """Queue ``job`` (blocks while every connection is busy: memory stays flat)."""
        with self._cond:
            while (
                len(self._ready) >= 2 * self.settings.connections
                and self._workers
                and not self.stop.is_set()
            ):
                self._cond.wait(0.5)
            if not self.stop.is_set() and self._workers:
                self._ready.append(_Job(job))
                self._cond.notify_all()
                return
        self._give_up(_Job(job))

    def close(self) -> None:
        """Let the threads finish what is queued (retries included), then end them; what
        is left when the run stopped is reported ``unsent`` (it stays pending)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for thread in self.threads:
            if thread.ident is not None:
                thread.join()
        with self._cond:
            left = list(self._ready) + [job for _, _, job in sorted(self._later)]
            self._ready.clear()
            self._later.clear()
        for job in left:
            self._give_up(job)

    def halt(self, error: OutreachError | None = None) -> None:
        """Stop sending (the main thread failed): the threads finish their message."""
        if error is not None and self.fatal is None:
            self.fatal = error
        self.stop.set()
        with self._cond:
            self._cond.notify_all()

    # -- the sending threads -------------------------------------------------------------
    def _fail_run(self, error: OutreachError) -> None:
        if self.fatal is None:
            self.fatal = error
        self.halt()

    def _give_up(self, job: _Job) -> None:
        """``job`` is not sent: the run stopped (it stays pending in the journal)."""
        out = job.out
        why = f"not sent: the run stopped ({self.fatal})" if self.fatal else "not sent"
        self.results.put(
            Result(out.key, out.line, "unsent", why, out.recipient, job.tries, job.attempts)
        )

    def _take(self, conn: _Connection) -> _Job | None:
        """The next message for ``conn``: a retry that is due, else the next in line;
        ``None`` when there is nothing left to send or the run stopped. While it waits,
        the connection's last outcome is committed rather than held."""
        while True:
            with self._cond:
                if self.stop.is_set():
                    return None
                now = time.monotonic()
                if self._later and self._later[0][0] <= now:
                    job = heapq.heappop(self._later)[2]
                elif self._ready:
                    job = self._ready.popleft()
                elif self._closing and not self._later and not self._busy:
                    return None
                else:
                    job = None
                    if conn.done is None:
                        wait = self._later[0][0] - now if self._later else 1.0
                        self._cond.wait(min(wait, 1.0))
                        continue
                if job is not None:
                    self._busy += 1
                    self._cond.notify_all()
                    return job
            self._flush(conn)

    def _flush(self, conn: _Connection) -> None:
        done, conn.done = conn.done, None
        if done is not None and self.ledger is not None:
            try:
                self.ledger.step(done, None)
            except OutreachError as exc:
                self._fail_run(exc)

    def _requeue(self, job: _Job, delay: float | None = None) -> None:
        """Back in the queue: first in line, or after ``delay`` seconds."""
        with self._cond:
            if delay is None:
                self._ready.appendleft(job)
            else:
                heapq.heappush(self._later, (time.monotonic() + delay, next(self._order), job))
            self._cond.notify_all()

    def _work(self, name: str) -> None:
        conn = _Connection(name)
        try:
            while True:
                job = self._take(conn)
                if job is None:
                    return
                try:
                    self._handle(conn, job)
                except Exception as exc:  # a bug: one line; the message is tried again
                    self._fault(conn, job, exc)
                finally:
                    with self._cond:
                        self._busy -= 1
                        self._cond.notify_all()
                if conn.retired or (conn.smtp is None and self.stop.is_set()):
                    return
        finally:
            self._finish(conn)

    def _handle(self, conn: _Connection, job: _Job) -> None:
        if conn.smtp is not None and conn.smtp.sock is None:
            self._drop(conn)  # closed after a bad reply
        if conn.smtp is None:
            conn.smtp = self._open(conn)
            if conn.smtp is None:  # one connection fewer, or the run stopped
                self._requeue(job)
                return
        self._send(conn, conn.smtp, job)

    def _send(self, conn: _Connection, smtp: Client, job: _Job) -> None:
        """One message over ``smtp``: its outcome decided by :func:`transaction`."""
        out = job.out
        if not self._mark(conn, job):
            self._requeue(job)
            return
        if out.utf8 and not smtp.has_extn("smtputf8"):
            reason = "the address needs SMTPUTF8, which the server does not offer"
            self._settle(conn, job, "failed", reason)
            return
        self.bucket.wait(self.stop)
        sender = self.settings.envelope_from
        pipelining = not self._one_at_a_time
        try:
            state, reply, command = transaction(
                smtp, sender, out, out.data(self.date()), pipelining=pipelining
            )
        except (OSError, smtplib.SMTPException) as exc:
            self._pipelining_failed(smtp)
            self._drop(conn)
            self._again(conn, job, f"connection lost: {_why(exc, self.settings.timeout)}")
            return
        self._pipelining_failed(smtp)
        if state == "failed" and command == "MAIL" and not out.utf8:
            self._fail_run(RunError(f"{self.where} refused the sender {sender}: {reply}"))
            self._commit(conn, (out.key, "pending", reply))
            self._requeue(job)  # reported when the run ends, not sent
            return
        if state == "deferred":
            self._again(conn, job, reply, self._delay(job))
            return
        self._settle(conn, job, state, reply)

    def _pipelining_failed(self, smtp: Client) -> None:
        """When ``smtp`` found that the server's PIPELINING does not work: one note, and
        every later message on every connection is sent one command at a time."""
        if not smtp.pipelining_failed or self._one_at_a_time:
            return
        with self._cond:
            if self._one_at_a_time:
                return
            self._one_at_a_time = True
        self.notes.put(f"{self.where}: PIPELINING did not work: sending one command at a time")

    def _delay(self, job: _Job) -> float:
        return min(self.settings.backoff * 2.0 ** max(job.tries - 1, 0), _BACKOFF_CAP)

    def _again(self, conn: _Connection, job: _Job, reply: str, delay: float | None = None) -> None:
        """A 4xx (after ``delay``) or a lost session (at once): tried again while this run
        and ``--attempts`` allow, else settled."""
        if job.attempts >= self.settings.attempts:
            self._settle(conn, job, "failed", f"{reply} ({job.attempts} attempts)")
        elif job.tries >= TRIES_PER_RUN:
            self._settle(conn, job, "deferred", reply)
        elif self._commit(conn, (job.out.key, "pending", reply)):
            # committed before another connection can take it up
            self._requeue(job, delay)
        else:
            self._requeue(job)  # the journal failed: the run is stopping

    def _settle(self, conn: _Connection, job: _Job, state: str, reply: str) -> None:
        """A final outcome: committed with this connection's next message (or when it
        ends), reported now."""
        out = job.out
        conn.done = (out.key, "pending" if state == "deferred" else state, reply)
        self.results.put(
            Result(out.key, out.line, state, reply, out.recipient, job.tries, job.attempts)
        )

    def _mark(self, conn: _Connection, job: _Job) -> bool:
        """The last outcome of ``conn`` and ``job`` on the wire, in one commit."""
        job.tries += 1
        if self.ledger is None:
            job.attempts += 1
            conn.done = None
            return True
        try:
            job.attempts = self.ledger.step(conn.done, job.out.key)
        except OutreachError as exc:
            job.tries -= 1
            self._fail_run(exc)
            return False
        conn.done = None
        return True

    def _commit(self, conn: _Connection, done: tuple[str, str, str]) -> bool:
        assert conn.done is None
        if self.ledger is None:
            return True
        try:
            self.ledger.step(done, None)
        except OutreachError as exc:
            self._fail_run(exc)
            return False
        return True

    def _open(self, conn: _Connection) -> Client | None:
        """A new connection for ``conn``; ``None`` when this thread should end: another
        connection is up (or trying) and this one cannot be made, or the run stopped."""
        s = self.settings
        while not self.stop.is_set():
            try:
                smtp = self.connect()
            except RunError as exc:
                self._fail_run(exc)
                return None
            except (OSError, smtplib.SMTPException, UnicodeError) as exc:
                why = _why(exc, s.timeout)
                with self._cond:
                    retire = self._live > 0 or self._workers > 1
                    if retire:
                        self._workers -= 1
                        left = self._workers
                    else:
                        self._failures += 1
                        failures = self._failures
                if retire:
                    self.notes.put(
                        f"{self.where}: {conn.name} could not connect ({why}): going on with "
                        f"{left} connection{'s' if left != 1 else ''}"
                    )
                    conn.retired = True  # counted out already
                    return None
                if failures >= s.attempts:
                    self._fail_run(
                        RunError(f"cannot connect to {self.where} ({failures} tries): {why}")
                    )
                    return None
                self.stop.wait(min(s.backoff * 2.0 ** (failures - 1), _BACKOFF_CAP))
                continue
            with self._cond:
                self._live += 1
                self._failures = 0
            return smtp
        return None

    def _drop(self, conn: _Connection) -> None:
        if conn.smtp is None:
            return
        conn.smtp.close()
        conn.smtp = None
        with self._cond:
            self._live -= 1

    def _fault(self, conn: _Connection, job: _Job, exc: Exception) -> None:
        """A bug in a sending thread: one line, a new connection, and the message tried
        again (at most :data:`TRIES_PER_RUN` times: then it stays for the next run)."""
        name = type(exc).__name__
        self.notes.put(
            f"{self.where}: {conn.name}: internal error: {name}: {_text(str(exc), 200)} "
            "(the message is tried again on a new connection; please report it)"
        )
        self._drop(conn)
        job.faults += 1
        if job.faults < TRIES_PER_RUN:
            self._requeue(job)
            return
        out = job.out
        reply = f"not sent: internal error: {name}"
        self.results.put(
            Result(out.key, out.line, "deferred", reply, out.recipient, job.tries, job.attempts)
        )

    def _finish(self, conn: _Connection) -> None:
        self._flush(conn)
        smtp, conn.smtp = conn.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        with self._cond:
            if smtp is not None:
                self._live -= 1
            if not conn.retired:
                self._workers -= 1
            self._cond.notify_all()


def _hello(smtp: smtplib.SMTP) -> None:
    code, text = smtp.ehlo()
    if code != 250:
        code, text = smtp.helo()
        if code != 250:
            raise smtplib.SMTPConnectError(code, text)
