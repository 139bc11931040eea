"""The one-thread SMTP loop (:class:`outreach.merge.delivery.Delivery`) against hostile and
broken servers: scripted raw servers on 127.0.0.1 that split, repeat, pre-send or withhold
replies, stop reading, close at the worst moment, or flood; every supporter is accounted
for (accepted only when the server had the whole message, never lost, never sent twice
beyond what a lost session allows)."""

from __future__ import annotations

import queue
import socket
import ssl
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
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
    """Whole messages the server took, by recipient (RawServer also keeps what it read
    of a message when the connection closed mid-way)."""
    return Counter(m.rcpt[0] for m in server.messages if m.rcpt and m.data.endswith(b"x\r\n"))


def accepted_were_taken(results: dict[str, Result], server: RawServer) -> None:
    """Nobody is reported accepted whose whole message the server did not take."""
    whole = set(taken(server))
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
    big = outgoing(1, 6 * 1024 * 1024)  # more than every socket buffer on the way
    with EarlyAnswer() as server:
        results, _, _ = deliver(server, big, timeout=2.0)
    accepted_were_taken(results, server)
    assert states(results) == {"h0@example.net": "accepted"}
    assert taken(server) == {"h0@example.net": 1}


# -- replies split and merged ------------------------------------------------------------
class Dripping(RawServer):
    """Offers PIPELINING (or not) and sends every reply a byte a packet."""

    def __init__(self, extensions: tuple[str, ...] = PIPELINING) -> None:
        super().__init__()
        self.extensions = extensions

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        class Drip:
            def sendall(self, data: bytes) -> None:
                for i in range(len(data)):
                    conn.sendall(data[i : i + 1])

            def __getattr__(self, name: str) -> Any:
                return getattr(conn, name)

        super().session(Drip(), reader, number, state)


def test_replies_a_byte_a_packet() -> None:
    for extensions in (PIPELINING, ("8BITMIME",)):
        with Dripping(extensions) as server:
            results, notes, _ = deliver(server, outgoing(6), connections=2, timeout=2.0)
        assert set(states(results).values()) == {"accepted"} and len(results) == 6
        assert taken(server) == {f"h{i}@example.net": 1 for i in range(6)}
        assert notes == []


class PreAnswering(RawServer):
    """Offers PIPELINING and answers MAIL, RCPT and DATA together as soon as MAIL comes
    (before it has read RCPT and DATA): a client that wrote them together may take it."""

    extensions = PIPELINING

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        conn.sendall(b"220 raw.test ESMTP\r\n")
        rcpt: list[str] = []
        while line := reader.readline(100_000):
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.ehlo(conn, number)
            elif verb == b"MAIL":
                conn.sendall(b"250 OK\r\n250 OK\r\n354 go on\r\n")
                rcpt = []
            elif verb == b"RCPT":
                rcpt.append(line.decode().split(":", 1)[1].strip().strip("<>"))
            elif verb == b"DATA":
                chunks = []
                while (chunk := reader.readline(100_000)) not in (b".\r\n", b""):
                    chunks.append(chunk)
                self.after_data(conn, number, Received(rcpt, b"".join(chunks), [], number))
            elif verb == b"QUIT":
                self.leave(state)
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 OK\r\n")


def test_replies_together_before_the_commands_were_read() -> None:
    with PreAnswering() as server:
        results, notes, _ = deliver(server, outgoing(6), connections=2)
    assert set(states(results).values()) == {"accepted"} and len(results) == 6
    assert taken(server) == {f"h{i}@example.net": 1 for i in range(6)}
    assert notes == []


class Extra(RawServer):
    """Answers every MAIL twice (a reply nothing asked for) on its first session."""

    def __init__(self, extensions: tuple[str, ...]) -> None:
        super().__init__()
        self.extensions = extensions

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        if number == 1:

            class Twice:
                def sendall(self, data: bytes) -> None:
                    conn.sendall(data * 2 if data == b"250 2.1.0 OK\r\n" else data)

                def __getattr__(self, name: str) -> Any:
                    return getattr(conn, name)

            return super().session(Twice(), reader, number, state)
        return super().session(conn, reader, number, state)


def test_an_extra_reply_loses_the_session_and_nobody() -> None:
    for extensions in (PIPELINING, ("8BITMIME",)):
        with Extra(extensions) as server:
            results, _, _ = deliver(server, outgoing(4), timeout=1.0)
        accepted_were_taken(results, server)
        assert states(results) == {f"h{i}@example.net": "accepted" for i in range(4)}
        assert set(taken(server).values()) == {1}


# -- sessions that end at the worst moment -----------------------------------------------
class Ending(RawServer):
    """On its first session, after ``moment`` (``354``: closes after saying 354;
    ``421``: says 421 after the final dot, having read the message; ``deaf``: says 354 and
    reads nothing more, nor answers)."""

    extensions = PIPELINING

    def __init__(self, moment: str) -> None:
        super().__init__()
        self.moment = moment

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        if number > 1:
            return super().session(conn, reader, number, state)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        conn.sendall(b"220 raw.test ESMTP\r\n")
        while line := reader.readline(100_000):
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.ehlo(conn, number)
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                if self.moment == "354":
                    return
                if self.moment == "deaf":
                    time.sleep(2)
                    return
                while reader.readline(100_000) not in (b".\r\n", b""):
                    pass
                conn.sendall(b"421 4.3.2 shutting down\r\n")
                return
            else:
                conn.sendall(b"250 OK\r\n")


def test_a_session_that_ends_mid_message_sends_it_again() -> None:
    for moment in ("354", "421", "deaf"):
        messages = outgoing(3)
        if moment == "deaf":  # more than every socket buffer on the way: the write blocks
            messages[0] = outgoing(1, 6 * 1024 * 1024)[0]
        with Ending(moment) as server:
            results, _, seconds = deliver(server, messages, timeout=1.5)
        accepted_were_taken(results, server)
        assert states(results) == {f"h{i}@example.net": "accepted" for i in range(3)}, moment
        assert results["h0@example.net"].tries == 2, moment
        assert taken(server) == {f"h{i}@example.net": 1 for i in range(3)}, moment
        assert seconds < 3, moment


# -- 4xx before the message: attempts counted over runs ----------------------------------
class Putting(RawServer):
    """Offers PIPELINING; says 451 to ``verb`` (MAIL, RCPT or DATA) in each transaction
    for h0@example.net (known from RCPT, which comes in the same write as MAIL)."""

    extensions = PIPELINING

    def __init__(self, verb: bytes, reply: bytes = b"451 4.3.0 not now\r\n") -> None:
        super().__init__()
        self.verb = verb
        self.reply = reply  # b"": the connection is closed instead

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        conn.sendall(b"220 raw.test ESMTP\r\n")
        rcpt: list[str] = []
        putting = False
        while line := reader.readline(100_000):
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.ehlo(conn, number)
                continue
            if verb == b"MAIL":
                conn.setblocking(False)  # what has arrived, without waiting for more
                try:
                    ahead = reader.peek(65536)
                finally:
                    conn.settimeout(20)
                putting = b"<h0@" in ahead.split(b"DATA")[0]
                rcpt = []
            elif verb == b"RCPT":
                rcpt.append(line.decode().split(":", 1)[1].strip().strip("<>"))
            if verb == self.verb and putting:
                if not self.reply:
                    return
                conn.sendall(self.reply)
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                chunks = []
                while (chunk := reader.readline(100_000)) not in (b".\r\n", b""):
                    chunks.append(chunk)
                self.after_data(conn, number, Received(rcpt, b"".join(chunks), [], number))
            elif verb == b"QUIT":
                self.leave(state)
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 OK\r\n")


def _attempts(path: Path) -> dict[str, tuple[str, int]]:
    import sqlite3

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT key, state, attempts FROM recipients").fetchall()
    return {key: (state, attempts) for key, state, attempts in rows}


def test_4xx_before_the_message_counts_over_runs_then_fails(tmp_path: Path) -> None:
    """451 to MAIL, RCPT or DATA (pipelined, so the other commands of the group are
    answered too): three tries a run; the next run fails it once ``attempts`` are used.
    The others are sent once each all along."""
    for verb in (b"MAIL", b"RCPT", b"DATA"):
        path = tmp_path / f"{verb.decode()}.journal"
        seen = []
        with Putting(verb) as server:
            for _ in range(2):
                journal = Journal.open(path, {"message": "hello"})
                for n, message in enumerate(outgoing(3)):
                    if journal.see(message.key, n + 2, "en")[0] == "pending":
                        seen.append(message)
                results, _, _ = deliver(server, seen, journal, attempts=4, timeout=2.0)
                journal.commit()
                journal.close()
                seen = []
                first = results["h0@example.net"]
                if first.state == "deferred":
                    assert first.attempts == 3 and first.reply == "451 4.3.0 not now", verb
                    assert _attempts(path)["h0@example.net"] == ("pending", 3), verb
        assert first.state == "failed", verb
        assert first.reply == "451 4.3.0 not now (4 attempts)", verb
        assert _attempts(path)["h0@example.net"] == ("failed", 4), verb
        assert taken(server) == {"h1@example.net": 1, "h2@example.net": 1}, verb


# -- servers that talk too much ------------------------------------------------------------
class Flooding(RawServer):
    """Answers MAIL with ``flood`` for ever (until the client hangs up)."""

    extensions = PIPELINING

    def __init__(self, flood: bytes) -> None:
        super().__init__()
        self.flood = flood

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        conn.sendall(b"220 raw.test ESMTP\r\n")
        while line := reader.readline(100_000):
            if line[:4].upper() in (b"EHLO", b"HELO"):
                self.ehlo(conn, number)
            elif line[:4].upper() == b"MAIL":
                while True:
                    conn.sendall(self.flood * 1000)
            else:
                conn.sendall(b"250 OK\r\n")


def test_a_server_that_floods_loses_its_sessions_and_nobody() -> None:
    """Endless continuation lines, endless replies, an endless line: each session ends
    (within the bounds of one reply), every message is tried its three times and stays
    for the next run."""
    for flood in (b"250-more\r\n", b"250 OK\r\n", b"x" * 100):
        with Flooding(flood) as server:
            results, _, seconds = deliver(server, outgoing(2), connections=2)
        assert states(results) == {"h0@example.net": "deferred", "h1@example.net": "deferred"}
        assert {r.tries for r in results.values()} == {3}
        assert seconds < 3, flood


# -- PIPELINING offered, not done ----------------------------------------------------------
class DropsAfterTheDot(RawServer):
    """Offers PIPELINING but drops whatever came after a message's final dot in the same
    read (the next MAIL, RCPT and DATA)."""

    extensions = PIPELINING

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        server = self

        class Reader:
            def __init__(self) -> None:
                self.buffer = b""
                self.message = False

            def readline(self, limit: int = -1) -> bytes:
                while b"\n" not in self.buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return b""
                    self.buffer += chunk
                line, _, self.buffer = self.buffer.partition(b"\n")
                line += b"\n"
                if self.message and line == b".\r\n":
                    if self.buffer:
                        with server.lock:
                            server.dropped += 1
                    self.buffer = b""
                    self.message = False
                elif line.upper() == b"DATA\r\n":
                    self.message = True
                return line

        super().session(conn, Reader(), number, state)

    dropped = 0


def test_a_server_that_drops_the_envelope_behind_a_message() -> None:
    with DropsAfterTheDot() as server:
        results, notes, seconds = deliver(server, outgoing(12), connections=2, timeout=0.5)
    assert set(states(results).values()) == {"accepted"} and len(results) == 12
    assert taken(server) == {f"h{i}@example.net": 1 for i in range(12)}
    assert notes == [
        f"127.0.0.1:{server.port}: PIPELINING did not work: sending one command at a time"
    ]
    assert 1 <= server.dropped <= 2
    assert seconds < 3


# -- TLS through the loop ------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    cafile = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return context, str(cafile)


class Secure(RawServer):
    """Offers PIPELINING over implicit TLS (``implicit``) or after STARTTLS; reads with a
    small receive buffer, so that the client's TLS writes block part-way."""

    def __init__(self, context: ssl.SSLContext, implicit: bool) -> None:
        super().__init__()
        self.context = context
        self.implicit = implicit
        self.secured: set[int] = set()  # the sessions after STARTTLS

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        if not self.implicit:
            conn.sendall(b"220 raw.test ESMTP\r\n")
            while (line := reader.readline(1000)).upper() != b"STARTTLS\r\n":
                if not line:
                    return
                self.ehlo(conn, number)
            conn.sendall(b"220 2.0.0 go ahead\r\n")
            with self.lock:
                self.secured.add(number)
        secure = self.context.wrap_socket(conn, server_side=True)
        super().session(secure, secure.makefile("rb"), number, state)

    def greet(self, conn: Any, number: int) -> bool:
        return not self.implicit or super().greet(conn, number)  # none after STARTTLS

    def ehlo(self, conn: Any, number: int) -> None:
        with self.lock:
            plain = not self.implicit and number not in self.secured
        lines = ["raw.test", *PIPELINING, *(["STARTTLS"] if plain else [])]
        conn.sendall("".join(f"250-{x}\r\n" for x in lines[:-1]).encode())
        conn.sendall(f"250 {lines[-1]}\r\n".encode())


def test_tls_with_big_messages_through_the_loop(
    certificates: tuple[ssl.SSLContext, str],
) -> None:
    context, cafile = certificates
    for implicit in (True, False):
        messages = outgoing(4)
        messages[1] = outgoing(2, 5 * 1024 * 1024)[1]  # TLS writes that block part-way
        with Secure(context, implicit) as server:
            results, notes, _ = deliver(
                server,
                messages,
                tls="implicit" if implicit else "starttls",
                cafile=cafile,
                connections=2,
                timeout=2.0,
            )
        assert states(results) == {f"h{i}@example.net": "accepted" for i in range(4)}
        assert taken(server) == {f"h{i}@example.net": 1 for i in range(4)}
        assert notes == []


# -- --rate through the loop -------------------------------------------------------------
def test_the_rate_is_kept_over_every_connection() -> None:
    """11 messages at 20 a second over 3 connections: the first at once, then one every
    50 ms whichever connection is free, so about half a second (not a third of it)."""
    with RawServer() as server:
        server.extensions = PIPELINING
        results, _, seconds = deliver(server, outgoing(11), connections=3, rate=20.0)
    assert set(states(results).values()) == {"accepted"} and len(results) == 11
    assert taken(server) == {f"h{i}@example.net": 1 for i in range(11)}
    assert 0.45 <= seconds < 2.5


# -- a bug in the loop -----------------------------------------------------------------------
def test_an_error_in_the_loop_is_one_line_and_the_message_goes_again(tmp_path: Path) -> None:
    """The Date line cannot be made once (a bug, as far as the loop knows): one note, the
    message goes again on a new connection at once (not after the loop's idle second: the
    session was dropped after the loop had looked for connections to open), and the
    journal never holds more messages ``sending`` than there are connections."""
    calls = {"n": 0}

    def date() -> bytes:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValueError("no date today")
        return b"Date: x\r\n"

    path = tmp_path / "j.journal"
    journal = Journal.open(path, {"message": "hello"})
    messages = outgoing(4)
    for n, message in enumerate(messages):
        journal.see(message.key, n + 2, "en")
    with RawServer() as server:
        server.extensions = PIPELINING
        delivery = Delivery(
            SmtpSettings(
                "127.0.0.1",
                server.port,
                tls="none",
                envelope_from="love@example.org",
                timeout=1.0,
                connections=1,
            ),
            date,
        )
        started = time.monotonic()
        delivery.start(journal)
        sending = []
        for message in messages:
            delivery.submit(message)
            sending.append(sum(s == "sending" for s, _ in _attempts(path).values()))
        delivery.close()
        seconds = time.monotonic() - started
    journal.commit()
    journal.close()
    assert seconds < 0.9  # 1.2 s when the new connection waited for the idle second
    notes = list(delivery.notes.queue)
    assert len(notes) == 1 and "internal error: ValueError: no date today" in notes[0]
    results = {r.key: r.state for r in delivery.results.queue}
    assert results == {m.key: "accepted" for m in messages}
    assert taken(server) == {m.key: 1 for m in messages}
    assert max(sending) <= 1
    assert {state for state, _ in _attempts(path).values()} == {"accepted"}


# -- 354 after a refused recipient, with the next envelope behind the message --------------
class RefusingThen(RawServer):
    """Offers PIPELINING, refuses h1@example.net's RCPT, answers its DATA 354 all the same
    (not as RFC 2920 asks) and, for the empty message that follows, says ``end``: then
    the session goes on (250) or ends (421, or a close without a word)."""

    extensions = PIPELINING

    def __init__(self, end: bytes) -> None:
        super().__init__()
        self.end = end

    def rcpt(self, address: str) -> bytes:
        if address == "h1@example.net":
            return b"550 5.1.1 no such user here\r\n"
        return super().rcpt(address)

    def after_data(self, conn: Any, number: int, message: Received) -> bool:
        if message.rcpt:
            return super().after_data(conn, number, message)
        conn.sendall(self.end)
        return self.end.startswith(b"250")


def test_354_after_a_refused_recipient_whatever_follows() -> None:
    for end in (b"250 2.0.0 queued (nothing)\r\n", b"421 4.3.0 bye\r\n", b""):
        with RefusingThen(end) as server:
            results, notes, _ = deliver(server, outgoing(4), timeout=1.0)
        assert results["h1@example.net"].state == "failed", end
        assert results["h1@example.net"].reply == "550 5.1.1 no such user here", end
        assert results["h1@example.net"].tries == 1, end
        others = {k: r.state for k, r in results.items() if k != "h1@example.net"}
        assert others == {f"h{i}@example.net": "accepted" for i in (0, 2, 3)}, end
        assert taken(server) == {f"h{i}@example.net": 1 for i in (0, 2, 3)}, end
        assert notes == [], end


def test_a_session_always_lost_on_a_recipient_counts_over_runs_then_fails(
    tmp_path: Path,
) -> None:
    """The server hangs up (or says 421) whenever h0@example.net's MAIL comes: those tries
    count over runs, as a 451 would, and h0 is failed once ``attempts`` are used (the
    threaded Delivery counted them: it marked a message before MAIL). The others, sent on
    new connections, go once each and never pay for h0."""
    for reply in (b"", b"421 4.7.0 closing\r\n"):
        path = tmp_path / f"{len(reply)}.journal"
        with Putting(b"MAIL", reply) as server:
            for _ in range(2):
                journal = Journal.open(path, {"message": "hello"})
                seen = [
                    message
                    for n, message in enumerate(outgoing(3))
                    if journal.see(message.key, n + 2, "en")[0] == "pending"
                ]
                results, notes, _ = deliver(server, seen, journal, attempts=4, timeout=2.0)
                journal.commit()
                journal.close()
                if "h1@example.net" in results:
                    assert _attempts(path)["h0@example.net"] == ("pending", 3), reply
                    assert results["h0@example.net"].state == "deferred", reply
        assert results["h0@example.net"].state == "failed", reply
        assert results["h0@example.net"].reply.endswith("(4 attempts)"), reply
        assert _attempts(path)["h0@example.net"] == ("failed", 4), reply
        assert {k: v for k, v in _attempts(path).items() if k != "h0@example.net"} == {
            "h1@example.net": ("accepted", 1),
            "h2@example.net": ("accepted", 1),
        }, reply
        assert taken(server) == {"h1@example.net": 1, "h2@example.net": 1}, reply
        assert notes == [], reply
