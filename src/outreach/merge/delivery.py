"""SMTP delivery: a few long-lived connections, retries that end, and limits kept.

:class:`Delivery` runs ``connections`` worker threads, each with one SMTP connection it
keeps open (reconnecting when the server drops it). A message's outcome is one of:

* ``accepted`` -- the server said 250; its reply is kept;
* ``failed`` -- a 5xx for this recipient (550 no such user, ...): recorded with the reply,
  never retried by this run;
* ``deferred`` -- a 4xx, or a connection that dropped or timed out, still so after
  ``attempts`` tries with exponential backoff (``backoff``, then twice that, ... at most
  five minutes): it stays pending and the next run tries again.

A 5xx to ``MAIL FROM`` or to AUTH, or a server that cannot be reached ``attempts`` times in
a row, is about the run, not a recipient: the run stops (:attr:`Delivery.fatal`).

TLS: ``implicit`` (SMTPS, port 465), ``starttls`` (required), ``auto`` (STARTTLS when the
server offers it; implicit TLS on port 465) or ``none``. Certificates are verified against
the system's CAs or ``cafile``. AUTH sends ``user`` and the password from an environment
variable, and only over TLS (or to this machine).

``rate`` messages a second are spread over every connection (a token bucket shared by the
threads). Non-ASCII local parts are sent with SMTPUTF8, which :meth:`probe` tells whether the
server offers.
"""

from __future__ import annotations

import queue
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from outreach.errors import OutreachError, RunError, UsageError
from outreach.merge.skeleton import Outgoing

__all__ = ["Delivery", "Result", "SmtpSettings", "parse_rate"]

_LOCAL = {"127.0.0.1", "::1", "localhost"}


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
    timeout: float = 60.0
    envelope_from: str = ""
    connections: int = 4
    rate: float | None = None
    attempts: int = 5
    backoff: float = 2.0
    helo: str | None = None

    @property
    def local(self) -> bool:
        return self.host in _LOCAL


@dataclass(frozen=True)
class Result:
    key: str
    line: int
    state: str  # accepted, failed, deferred
    reply: str


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}".strip()


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
class Delivery:
    """``submit`` messages, read outcomes from ``results``; ``close`` waits for the rest."""

    settings: SmtpSettings
    date: Callable[[], bytes]
    results: queue.Queue[Result] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        self.jobs: queue.Queue[Outgoing | None] = queue.Queue(maxsize=2 * self.settings.connections)
        self.stop = threading.Event()
        self.fatal: OutreachError | None = None
        self.bucket = _Bucket(self.settings.rate)
        self.helo = self.settings.helo or socket.getfqdn()  # once, not per connection
        self.threads = [
            threading.Thread(target=self._work, name=f"smtp-{n}", daemon=True)
            for n in range(self.settings.connections)
        ]

    # -- connections ---------------------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def connect(self) -> smtplib.SMTP:
        """An open, greeted, (if asked) encrypted and authenticated connection."""
        s = self.settings
        if s.tls == "implicit" or (s.tls == "auto" and s.port == 465):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host,
                s.port,
                local_hostname=self.helo,
                timeout=s.timeout,
                context=self._context(),
            )
            encrypted = True
        else:
            smtp = smtplib.SMTP(s.host, s.port, local_hostname=self.helo, timeout=s.timeout)
            encrypted = False
        try:
            smtp.ehlo()
            if not encrypted and s.tls in ("auto", "starttls"):
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                    encrypted = True
                elif s.tls == "starttls":
                    raise RunError(f"{s.host}:{s.port} does not offer STARTTLS (--tls starttls)")
            if s.user:
                if not encrypted and not s.local:
                    raise RunError(
                        f"refusing to send the password for {s.user!r} to {s.host} without TLS"
                    )
                smtp.login(s.user, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise RunError(
                f"{s.host}:{s.port} refused the login: {_reply(exc.smtp_code, exc.smtp_error)}"
            ) from None
        except BaseException:
            smtp.close()
            raise
        return smtp

    def probe(self) -> smtplib.SMTP:
        """Connect once before anything is sent (``RunError`` when that cannot work)."""
        try:
            return self.connect()
        except ssl.SSLError as exc:
            raise RunError(
                f"TLS with {self.settings.host}:{self.settings.port} failed: {exc}"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise RunError(
                f"cannot connect to {self.settings.host}:{self.settings.port}: {exc}"
            ) from None

    # -- the workers ---------------------------------------------------------------------
    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def submit(self, job: Outgoing) -> None:
        """Queue ``job`` (blocks while every connection is busy: memory stays flat)."""
        while not self.stop.is_set():
            try:
                self.jobs.put(job, timeout=0.2)
                return
            except queue.Full:
                continue
        self.results.put(Result(job.key, job.line, "deferred", "the run stopped before sending"))

    def close(self) -> None:
        """Let the workers finish what is queued, then end them."""
        for _ in self.threads:
            while True:
                try:
                    self.jobs.put(None, timeout=0.2)
                    break
                except queue.Full:
                    if not any(t.is_alive() for t in self.threads):
                        break
        for thread in self.threads:
            thread.join()

    def _fail_run(self, error: OutreachError) -> None:
        if self.fatal is None:
            self.fatal = error
        self.stop.set()

    def _work(self) -> None:
        smtp: smtplib.SMTP | None = None
        try:
            while True:
                job = self.jobs.get()
                if job is None:
                    return
                if self.stop.is_set():
                    self.results.put(
                        Result(job.key, job.line, "deferred", "the run stopped before sending")
                    )
                    continue
                smtp = self._deliver(smtp, job)
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()

    def _transaction(self, smtp: smtplib.SMTP, job: Outgoing) -> Result:
        """One SMTP transaction: ``accepted``; ``failed`` on a 5xx to the recipient or the
        data; ``deferred`` on a 4xx, which may work later (:meth:`_deliver` tries again). A
        5xx to the sender raises :class:`~outreach.errors.RunError`."""
        options = ["SMTPUTF8", "BODY=8BITMIME"] if job.utf8 else []
        code, text = smtp.mail(self.settings.envelope_from, options)
        if code != 250:
            _reset(smtp)
            if code >= 500:
                raise RunError(
                    f"the server refused the sender {self.settings.envelope_from}: "
                    f"{_reply(code, text)}"
                )
            return Result(job.key, job.line, "deferred", _reply(code, text))
        code, text = smtp.rcpt(job.recipient)
        if code not in (250, 251):
            _reset(smtp)
            if code >= 500:
                return Result(job.key, job.line, "failed", _reply(code, text))
            return Result(job.key, job.line, "deferred", _reply(code, text))
        try:
            code, text = smtp.data(job.data(self.date()))
        except smtplib.SMTPDataError as exc:
            _reset(smtp)
            if exc.smtp_code >= 500:
                return Result(job.key, job.line, "failed", _reply(exc.smtp_code, exc.smtp_error))
            return Result(job.key, job.line, "deferred", _reply(exc.smtp_code, exc.smtp_error))
        return Result(job.key, job.line, "accepted", _reply(code, text))

    def _deliver(self, smtp: smtplib.SMTP | None, job: Outgoing) -> smtplib.SMTP | None:
        s = self.settings
        last = "not tried"
        unreachable = 0
        for attempt in range(s.attempts):
            if attempt and self.stop.wait(min(s.backoff * 2 ** (attempt - 1), 300.0)):
                last = f"{last} (the run stopped)"
                break
            if smtp is not None and getattr(smtp, "sock", None) is None:
                smtp = None  # closed after an error
            try:
                if smtp is None:
                    smtp = self.connect()
                unreachable = 0
                if job.utf8 and not smtp.has_extn("smtputf8"):
                    reason = "the address needs SMTPUTF8, which the server does not offer"
                    self.results.put(Result(job.key, job.line, "failed", reason))
                    return smtp
                self.bucket.wait(self.stop)
                result = self._transaction(smtp, job)
                if result.state != "deferred":
                    self.results.put(result)
                    return smtp
                last = result.reply  # a 4xx: try again after the backoff
            except RunError as exc:
                self._fail_run(exc)
                self.results.put(Result(job.key, job.line, "deferred", exc.message))
                return smtp
            except (OSError, smtplib.SMTPException) as exc:
                if smtp is None:
                    unreachable += 1
                    last = f"cannot connect: {exc}"
                else:
                    last = f"connection lost: {exc}"
                    smtp.close()
                smtp = None
        if unreachable >= s.attempts:
            self._fail_run(RunError(f"cannot reach {s.host}:{s.port}: {last}"))
        self.results.put(Result(job.key, job.line, "deferred", last))
        return smtp


def _reset(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.rset()
    except (OSError, smtplib.SMTPException):
        smtp.close()
