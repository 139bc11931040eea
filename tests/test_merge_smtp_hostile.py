"""The one-thread SMTP loop (:class:`outreach.merge.delivery.Delivery`) against hostile and
broken servers: scripted raw servers on 127.0.0.1 that split, repeat, pre-send or withhold
replies, stop reading, close at the worst moment, or flood; every supporter is accounted
for (accepted only when the server had the whole message, never lost, never sent twice
beyond what a lost session allows)."""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from merge_support import RawServer, Received

from outreach.merge.delivery import Delivery, Result, SmtpSettings
from outreach.merge.journal import Journal
from outreach.merge.skeleton import Outgoing

PIPELINING = ("8BITMIME", "SMTPUTF8", "PIPELINING")


def outgoing(n: int, size: int = 200) -> list[Outgoing]:
    """``n`` messages of about ``size`` bytes, to h0@example.net, h1@..."""
    found = []
    for i in range(n):
        head = f"From: love@example.org\r\nTo: h{i}@example.net\r\nSubject: {i}\r\n".encode()
        body = b"\r\n" + (b"x" * 70 + b"\r\n") * max(1, size // 72)
        found.append(
            Outgoing(f"h{i}@example.net", i + 2, "en", f"h{i}@example.net", False, head, (body,))
        )
    return found


def deliver(
    server: RawServer,
    messages: list[Outgoing],
    journal: Journal | None = None,
    **settings: Any,
) -> tuple[dict[str, Result], list[str], float]:
    """Send ``messages`` to ``server`` through one Delivery: each recipient's last result,
    the notes, and the seconds it took."""
    options: dict[str, Any] = {
        "tls": "none",
        "envelope_from": "love@example.org",
        "timeout": 0.5,
        "backoff": 0.01,
        "connections": 1,
        **settings,
    }
    delivery = Delivery(SmtpSettings("127.0.0.1", server.port, **options), lambda: b"Date: x\r\n")
    started = time.monotonic()
    delivery.start(journal)
    for message in messages:
        delivery.submit(message)
    delivery.close()
    seconds = time.monotonic() - started
    results: dict[str, Result] = {}
    while True:
        try:
            result = delivery.results.get_nowait()
        except queue.Empty:
            break
        results[result.key] = result
    notes = []
    while True:
        try:
            notes.append(delivery.notes.get_nowait())
        except queue.Empty:
            break
    return results, notes, seconds


def states(results: dict[str, Result]) -> dict[str, str]:
    return {key: result.state for key, result in results.items()}


def taken(server: RawServer) -> Counter[str]:
    return Counter(m.rcpt[0] for m in server.messages if m.rcpt)


def accepted_were_taken(results: dict[str, Result], server: RawServer) -> None:
    """Nobody is reported accepted whose whole message the server did not take."""
    whole = {m.rcpt[0] for m in server.messages if m.rcpt and m.data.endswith(b"x\r\n")}
    claimed = {k for k, r in results.items() if r.state == "accepted"}
    assert claimed <= whole, claimed - whole


# -- replies to the final dot before the message was all written ----------------------------
class EarlyAnswer(RawServer):
    """Answers 354, reads a little of the message, says 250 for it at once and reads no
    more of it (a server that answers before the final dot): on the first session only."""

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        if number > 1:
            return super().session(conn, reader, number, state)
        # a fixed receive buffer (no autotuning): with the client's send buffer (4 MiB at
        # most on Linux), far less than the message
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        conn.sendall(b"220 raw.test ESMTP\r\n")
        while line := reader.readline(100_000):
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.ehlo(conn, number)
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                reader.read(1000)  # the message has started to come
                conn.sendall(b"250 2.0.0 queued (not really)\r\n")
                time.sleep(3)  # and is never read to its end
                return
            else:
                conn.sendall(b"250 OK\r\n")
        return None


def test_a_reply_to_the_message_before_it_was_all_written_is_no_acceptance() -> None:
    """The server says 250 for a message while most of it is still unwritten (it stopped
    reading): that reply cannot be about the message; the session is lost and the message
    goes again on a new connection, where it is taken whole."""
    big = outgoing(1, 16 * 1024 * 1024)  # more than every socket buffer on the way
    with EarlyAnswer() as server:
        results, _, _ = deliver(server, big, timeout=2.0)
    accepted_were_taken(results, server)
    assert states(results) == {"h0@example.net": "accepted"}
    assert taken(server) == {"h0@example.net": 1}
