"""``outreach merge --smtp``: a real SMTP server (aiosmtpd on 127.0.0.1) receives every
message; retries, refusals, TLS, AUTH, the journal, and ``kill -9`` mid-run."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from merge_support import (
    SECRET,
    Behaviour,
    RawServer,
    Received,
    Server,
    check_message,
    env,
    merge_campaign,
    parse,
    wait_until,
    write_csv,
)

from outreach.merge.journal import Journal

ROWS = [
    ("ana@example.net", "Ana Lima", "pt-BR", "Recife"),
    ("maria@example.net", "María García", "es-MX", ""),
    ("pierre@example.net", "Pierre Martin", "fr-CA", "Lyon"),
    ("sam@example.net", "Sam Taylor", "en", "Leeds"),
    ("anna@example.net", "Anna Schmidt", "de", ""),
]
LOCALES = {
    "ana@example.net": "pt",
    "maria@example.net": "es",
    "pierre@example.net": "fr",
    "sam@example.net": "en",
    "anna@example.net": "en",
}


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)


@pytest.fixture
def love(tmp_path: Path) -> Path:
    return merge_campaign(tmp_path / "love")


def received(server: Server) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for message in server.messages:
        assert len(message.rcpt) == 1
        found.setdefault(message.rcpt[0], []).append(message.data)
    return found


def send(
    love: Path, supporters: Path, address: str, *args: str, message: str = "hello"
) -> tuple[int, str, str]:
    """``outreach merge SUPPORTERS MESSAGE --smtp ADDRESS ARGS...``."""
    return run_cli(love, "merge", str(supporters), message, "--smtp", address, *args)


def smtp(love: Path, supporters: Path, server: Server, *args: str) -> tuple[int, str, str]:
    """:func:`send` to ``server`` in plain text, retrying fast."""
    return send(love, supporters, server.address, "--tls", "none", "--backoff", "0.05", *args)


def test_every_message_arrives_right(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server() as server:
        code, out, err = smtp(love, supporters, server)
    assert (code, err) == (0, ""), err
    found = received(server)
    assert set(found) == set(LOCALES)
    for address, name, _, city in ROWS:
        (data,) = found[address]
        check_message(
            data,
            locale=LOCALES[address],
            name=name,
            address=address,
            campaign=love,
            message="hello",
            fields={"email": address, "name": name, "city": city},
        )
        assert parse(data)["From"] == "Love Always Wins <love@example.org>"
    assert "accepted 5" in out and "journal: " in out
    # the same command again sends nothing: every recipient was accepted
    with Server() as again:
        code, out, _ = smtp(love, supporters, again)
    assert code == 0 and again.messages == [] and "accepted earlier 5" in out


def test_451_then_250_is_retried(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server(Behaviour(temporary={"maria@example.net": 2})) as server:
        code, _, err = smtp(love, supporters, server, "--connections", "2")
    assert code == 0, err
    found = received(server)
    assert len(found["maria@example.net"]) == 1 and server.handler.tries["maria@example.net"] == 3


def test_a_dropped_connection_is_retried_on_a_new_one(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server(Behaviour(dropped={"pierre@example.net": 2})) as server:
        code, out, err = smtp(love, supporters, server, "--connections", "1")
    assert (code, err) == (0, ""), err
    found = received(server)
    assert set(found) == set(LOCALES) and all(len(m) == 1 for m in found.values())
    assert server.handler.tries["pierre@example.net"] == 3  # dropped twice, then accepted
    # one connection (the option), replaced after each drop; the second one dropped before
    # any message got through, so the messages came over the first and the third
    assert len({m.peer for m in server.messages}) == 2
    assert "accepted 5" in out


def test_connections_are_kept_and_the_rate_is_kept(love: Path, tmp_path: Path) -> None:
    rows = [(f"r{i}@example.net", f"R {i}", "en", "") for i in range(13)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    with Server() as server:
        started = time.monotonic()
        code, _, err = smtp(love, supporters, server, "--connections", "2", "--rate", "20/s")
        seconds = time.monotonic() - started
    assert code == 0, err
    assert len(server.messages) == 13
    assert len({m.peer for m in server.messages}) <= 2  # 13 messages over at most 2 connections
    assert seconds >= 12 / 20 * 0.95  # 13 messages at 20/s: 12 intervals of 50 ms at least
    code, _, err = smtp(love, supporters, server, "--rate", "fast")
    assert code == 2 and "--rate expects N/s, N/min or N/h" in err


def test_451_for_ever_is_deferred_to_the_next_run(love: Path, tmp_path: Path) -> None:
    from outreach.merge.delivery import TRIES_PER_RUN

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server(Behaviour(temporary={"maria@example.net": 99})) as server:
        code, out, err = smtp(love, supporters, server)
    assert code == 1
    assert err == (
        f"{supporters}:3: maria@example.net: deferred: 451 4.3.0 try again later "
        f"(attempt {TRIES_PER_RUN} of 5: the next run tries again)\n"
    )
    assert "not accepted: 1 supporter" in out
    assert server.handler.tries["maria@example.net"] == TRIES_PER_RUN
    with Server() as server:
        code, _, err = smtp(love, supporters, server)
    assert code == 0, err
    assert list(received(server)) == ["maria@example.net"]


def test_451_is_failed_once_the_attempts_are_spent(love: Path, tmp_path: Path) -> None:
    """``--attempts`` counts the tries of every run: then the recipient is failed."""
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server(Behaviour(temporary={"maria@example.net": 99})) as server:
        code, _, err = smtp(love, supporters, server, "--attempts", "4")
        assert code == 1 and "maria@example.net: deferred: 451" in err
        assert server.handler.tries["maria@example.net"] == 3  # this run's share
        code, _, err = smtp(love, supporters, server, "--attempts", "4")
        assert code == 1
        assert err == (
            f"{supporters}:3: maria@example.net: failed: 451 4.3.0 try again later (4 attempts)\n"
        )
        assert server.handler.tries["maria@example.net"] == 4  # one more: the 4th
        code, out, err = smtp(love, supporters, server, "--attempts", "4")
        assert code == 1 and server.handler.tries["maria@example.net"] == 4
        assert "failed earlier 1" in out
        assert f"{supporters}:3: maria@example.net: failed earlier: 451" in err
    with Server() as server:  # --retry-failed gives her the attempts again
        code, _, err = smtp(love, supporters, server, "--retry-failed", "--attempts", "4")
    assert code == 0, err
    assert list(received(server)) == ["maria@example.net"]


def test_550_is_recorded_and_reported(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server(Behaviour(refused={"pierre@example.net"})) as server:
        code, out, err = smtp(love, supporters, server)
    assert code == 1
    assert err.strip() == f"{supporters}:4: pierre@example.net: failed: 550 5.1.1 no such user here"
    assert "pierre@example.net" not in received(server) and len(received(server)) == 4
    assert server.handler.tries["pierre@example.net"] == 1  # never retried
    code, out, err = run_cli(
        love, "merge", str(supporters), "hello", "--status", "--format", "json"
    )
    status = json.loads(out)
    assert status["states"] == {"accepted": 4, "failed": 1}
    assert status["problems"] == [
        {
            "key": "pierre@example.net",
            "line": 4,
            "state": "failed",
            "reply": "550 5.1.1 no such user here",
        }
    ]
    with Server() as server:  # not retried by the next run either, unless asked
        code, out, err = smtp(love, supporters, server)
        assert server.messages == [] and "failed earlier 1" in out
        assert code == 1  # still not accepted, and said so
        assert err == (
            f"{supporters}:4: pierre@example.net: failed earlier: 550 5.1.1 no such user here "
            "(--retry-failed sends it again)\n"
        )
        code, out, _ = smtp(love, supporters, server, "--retry-failed")
        assert list(received(server)) == ["pierre@example.net"]


def test_rows_appended_later_are_sent_by_the_next_run(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS[:3])
    with Server() as server:
        assert smtp(love, supporters, server)[0] == 0
        write_csv(supporters, ROWS)
        assert smtp(love, supporters, server)[0] == 0
    assert Counter(m.rcpt[0] for m in server.messages) == Counter({a: 1 for a in LOCALES})


def test_another_message_needs_another_journal(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    journal = tmp_path / "j.sqlite"
    with Server() as server:
        assert smtp(love, supporters, server, "--journal", str(journal))[0] == 0
        code, _, err = send(
            love,
            supporters,
            server.address,
            "--tls",
            "none",
            "--journal",
            str(journal),
            message="share",
        )
    assert code == 2 and "is the journal of message 'hello', not 'share'" in err


def test_smtputf8_when_offered(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", [("zoë@example.net", "Zoë", "fr", "")])
    with Server() as server:
        code, _, err = smtp(love, supporters, server)
    assert code == 0, err
    (message,) = server.messages
    assert message.rcpt == ["zoë@example.net"] and "SMTPUTF8" in message.mail_options
    with Server(enable_SMTPUTF8=False) as server:
        code, _, err = smtp(love, supporters, server, "--journal", str(tmp_path / "other.journal"))
    assert code == 1 and server.messages == []
    assert "non-ASCII local part and the server does not offer SMTPUTF8" in err


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    cafile = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return context, str(cafile)


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"organizer",
        b"s3cret",
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def test_starttls_and_auth(
    love: Path,
    tmp_path: Path,
    certificates: tuple[ssl.SSLContext, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context, cafile = certificates
    supporters = write_csv(tmp_path / "s.csv", ROWS[:2])
    options = {
        "tls_context": context,
        "require_starttls": True,
        "authenticator": _authenticator,
        "auth_required": True,
    }
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", "s3cret")
    with Server(**options) as server:
        code, _, err = send(
            love,
            supporters,
            server.address,
            "--tls",
            "starttls",
            "--cafile",
            cafile,
            "--user",
            "organizer",
        )
        assert code == 0, err
        assert len(server.messages) == 2
        # without the CA the certificate is not trusted: nothing is sent
        code, _, err = send(
            love,
            supporters,
            server.address,
            "--tls",
            "starttls",
            "--user",
            "organizer",
            "--journal",
            str(tmp_path / "j2"),
        )
        assert code == 2 and "CERTIFICATE_VERIFY_FAILED" in err
        monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", "wrong")
        code, _, err = send(
            love,
            supporters,
            server.address,
            "--tls",
            "starttls",
            "--cafile",
            cafile,
            "--user",
            "organizer",
            "--journal",
            str(tmp_path / "j3"),
        )
        assert code == 2 and "refused the login" in err
    monkeypatch.delenv("OUTREACH_SMTP_PASSWORD")
    code, _, err = send(love, supporters, "127.0.0.1:1", "--user", "x")
    assert code == 2 and "$OUTREACH_SMTP_PASSWORD" in err


def test_implicit_tls(love: Path, tmp_path: Path, certificates: tuple[ssl.SSLContext, str]) -> None:
    context, cafile = certificates
    supporters = write_csv(tmp_path / "s.csv", ROWS[:2])
    with Server(ssl_context=context) as server:
        code, _, err = send(
            love,
            supporters,
            server.address,
            "--tls",
            "implicit",
            "--cafile",
            cafile,
        )
    assert code == 0, err
    assert len(server.messages) == 2


def test_a_server_that_is_not_there(love: Path, tmp_path: Path) -> None:
    from merge_support import free_port

    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    code, _, err = send(
        love,
        supporters,
        f"127.0.0.1:{free_port()}",
        "--tls",
        "none",
    )
    assert code == 2 and "cannot connect" in err
    assert not list(tmp_path.glob("*.journal"))


def _merge_process(
    love: Path,
    supporters: Path,
    server: Server,
    connections: int = 3,
    rate: str = "400/s",
    *more: str,
) -> subprocess.Popen[bytes]:
    code = "import sys; from outreach.cli import main; sys.argv[0] = 'outreach'; main()"
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "-C",
            str(love),
            "merge",
            str(supporters),
            "hello",
            "--smtp",
            server.address,
            "--tls",
            "none",
            "--rate",
            rate,
            "--connections",
            str(connections),
            *more,
        ],
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_kill_9_loses_nobody(love: Path, tmp_path: Path) -> None:
    rows = [
        (f"p{i:03d}@example.net", f"Person {i}", ("en", "es", "fr", "pt-BR")[i % 4], f"City {i}")
        for i in range(360)
    ]
    supporters = write_csv(tmp_path / "s.csv", [*rows, ("bad-address", "Bad", "en", "")])
    with Server() as server:
        kills = 0
        for threshold in (60, 160):  # two kills, each once the server has some more messages
            process = _merge_process(love, supporters, server)
            deadline = time.monotonic() + 60
            while (
                len(server.messages) < threshold
                and process.poll() is None
                and time.monotonic() < deadline
            ):
                time.sleep(0.01)
            assert process.poll() is None, "the run ended before it could be killed"
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
        process = _merge_process(love, supporters, server)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 1, err  # the bad row
        assert f"{supporters}:362: the address has no @" in err.decode()
    counts = Counter(message.rcpt[0] for message in server.messages)
    assert set(counts) == {row[0] for row in rows}  # nobody lost
    in_flight = 3  # per kill: the message on the wire of each of the 3 connections
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= kills * in_flight, counts.most_common(5)
    last = {m.rcpt[0]: m.data for m in server.messages}
    for address, name, locale, city in rows[::37]:
        check_message(
            last[address],
            locale={"pt-BR": "pt"}.get(locale, locale),
            name=name,
            address=address,
            campaign=love,
            message="hello",
            fields={"email": address, "name": name, "city": city},
        )
    _, out, _ = run_cli(love, "merge", str(supporters), "hello", "--status", "--format", "json")
    assert json.loads(out)["states"] == {"accepted": 360}


def test_a_proof_over_smtp_writes_no_journal(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server() as server:
        code, out, err = smtp(love, supporters, server, "--to", "organizer@example.org")
    assert code == 0, err
    assert sorted(m.rcpt[0] for m in server.messages) == ["organizer@example.org"] * 4
    languages = sorted(parse(m.data)["Content-Language"] for m in server.messages)
    assert languages == ["en", "es", "fr", "pt"]
    assert all(parse(m.data)["Subject"].startswith("[PROOF] ") for m in server.messages)
    assert not list(tmp_path.glob("*.journal"))
    assert "proofs 4" in out


# -- every reply read: refusals after the message ------------------------------------------
def test_554_and_451_after_the_message(love: Path, tmp_path: Path) -> None:
    """A refusal after the final dot is the server's answer, not an acceptance: 554 is
    failed, 451 is deferred (tried again in the run, then left for the next one), and the
    next run sends only the deferred one."""
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    behaviour = Behaviour(
        after_data={
            "maria@example.net": "554 5.7.1 looks like spam to us",
            "pierre@example.net": "451 4.7.1 greylisted, come back later",
        }
    )
    with Server(behaviour) as server:
        code, out, err = smtp(love, supporters, server)
    assert code == 1
    assert err.splitlines() == [
        f"{supporters}:3: maria@example.net: failed: 554 5.7.1 looks like spam to us",
        f"{supporters}:4: pierre@example.net: deferred: 451 4.7.1 greylisted, come back later "
        "(attempt 3 of 5: the next run tries again)",
    ]
    assert "accepted 3" in out and "failed 1" in out and "deferred 1" in out
    assert sorted(received(server)) == ["ana@example.net", "anna@example.net", "sam@example.net"]
    assert Counter(server.handler.refused_data) == {"maria@example.net": 1, "pierre@example.net": 3}
    _, out, _ = run_cli(love, "merge", str(supporters), "hello", "--status", "--format", "json")
    status = json.loads(out)
    assert status["states"] == {"accepted": 3, "failed": 1, "pending": 1}
    assert [(p["key"], p["state"], p["reply"]) for p in status["problems"]] == [
        ("maria@example.net", "failed", "554 5.7.1 looks like spam to us"),
        ("pierre@example.net", "deferred", "451 4.7.1 greylisted, come back later"),
    ]
    _, out, _ = run_cli(love, "merge", str(supporters), "hello", "--status")
    assert "line 4: pierre@example.net: deferred: 451 4.7.1 greylisted" in out
    with Server() as server:
        code, out, err = smtp(love, supporters, server)
    assert list(received(server)) == ["pierre@example.net"]  # only the deferred one
    assert code == 1  # maria is still not accepted, and said so
    assert err == (
        f"{supporters}:3: maria@example.net: failed earlier: 554 5.7.1 looks like spam to us "
        "(--retry-failed sends it again)\n"
    )
    assert "accepted earlier 3" in out and "accepted 1" in out


def test_a_refused_sender_stops_the_run(love: Path, tmp_path: Path) -> None:
    class Refusing(RawServer):
        def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
            conn.sendall(b"220 raw.test\r\n")
            while line := reader.readline():
                if line[:4].upper() == b"MAIL":
                    conn.sendall(b"553 5.7.1 sender not allowed here\r\n")
                elif line[:4].upper() == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 raw.test\r\n")

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Refusing() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "1")
    assert code == 2
    assert (
        f"outreach: the run stopped: {server.address} refused the sender love@example.org: "
        "553 5.7.1 sender not allowed here" in err
    )
    assert "Traceback" not in err and "internal error" not in err


def test_a_bad_reply_to_rset_renews_the_connection(love: Path, tmp_path: Path) -> None:
    """RSET's reply is read too: one that is not 250 closes the connection (its state is
    unknown) and the next message goes over a new one; the refusal before it stands."""

    class BadReset(RawServer):
        def rcpt(self, address: str) -> bytes:
            if address == "pierre@example.net":
                return b"550 5.1.1 no such user here\r\n"
            return super().rcpt(address)

        def rset(self) -> bytes:
            return b"502 5.5.1 RSET? never heard of it\r\n"

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with BadReset() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "1")
    assert code == 1
    assert err == f"{supporters}:4: pierre@example.net: failed: 550 5.1.1 no such user here\n"
    assert sorted(m.rcpt[0] for m in server.messages) == sorted(
        set(LOCALES) - {"pierre@example.net"}
    )
    before = {
        m.peer for m in server.messages if m.rcpt[0] in ("ana@example.net", "maria@example.net")
    }
    after = {
        m.peer for m in server.messages if m.rcpt[0] in ("sam@example.net", "anna@example.net")
    }
    assert len(before) == len(after) == 1 and before != after


# -- ESMTP PIPELINING (RFC 2920): one round trip for MAIL, RCPT and DATA ---------------------
class Pipelining(RawServer):
    """Offers PIPELINING; notes, for each MAIL, whether RCPT and DATA had already arrived
    when it read it (so before it answered MAIL: the client did not wait)."""

    extensions = ("8BITMIME", "SMTPUTF8", "PIPELINING")

    def __init__(self) -> None:
        super().__init__()
        self.together: list[bool] = []

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        server = self

        class Watching:
            def readline(self, limit: int = -1) -> bytes:
                line: bytes = reader.readline(limit)
                if line.startswith(b"MAIL FROM:"):  # a command, not a line of a message
                    conn.settimeout(2)  # a client that waits for MAIL's reply sends no more
                    try:
                        ahead = reader.peek(65536)
                    except OSError:
                        ahead = b""
                    conn.settimeout(20)
                    server.together.append(b"RCPT TO:" in ahead and b"DATA\r\n" in ahead)
                return line

        super().session(conn, Watching(), number, state)


def test_pipelining_sends_the_envelope_in_one_write(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Pipelining() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "2")
    assert (code, err) == (0, "")
    assert set(received(server)) == set(LOCALES)
    assert server.together == [True] * len(ROWS)


class Following(RawServer):
    """Offers PIPELINING; notes, for each message's final dot, whether the next MAIL, RCPT
    and DATA had arrived with it (before the server answered the dot)."""

    extensions = ("8BITMIME", "SMTPUTF8", "PIPELINING")

    def __init__(self) -> None:
        super().__init__()
        self.followed: list[bool] = []

    def after_data(self, conn: Any, number: int, message: Received) -> bool:
        conn.setblocking(False)  # what has arrived, without waiting for more
        ahead = self.reader.peek(65536)
        conn.settimeout(20)
        self.followed.append(b"MAIL FROM:" in ahead and ahead.endswith(b"DATA\r\n"))
        return super().after_data(conn, number, message)

    reader: Any = None

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        self.reader = reader
        super().session(conn, reader, number, state)


def test_pipelining_sends_the_next_envelope_with_the_message(love: Path, tmp_path: Path) -> None:
    """One write a message: its final dot and the next message's MAIL, RCPT and DATA go
    together (RFC 2920 lets message content start a group), and each reply still counts."""
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Following() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "1")
    assert (code, err) == (0, "")
    assert sorted(received(server)) == sorted(LOCALES)
    # every message but the last had the next one's envelope behind it
    assert server.followed == [True] * (len(ROWS) - 1) + [False]


def test_pipelining_honours_each_reply(love: Path, tmp_path: Path) -> None:
    """A refused recipient decides, although DATA was already on its way: this server (not
    as RFC 2920 asks) answers that DATA with 354, and gets the final dot alone, never the
    message; the session goes on after RSET."""

    class Refusing(Pipelining):
        def rcpt(self, address: str) -> bytes:
            if address == "pierre@example.net":
                return b"550 5.1.1 no such user here\r\n"
            return super().rcpt(address)

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Refusing() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "1")
    assert code == 1
    assert err == f"{supporters}:4: pierre@example.net: failed: 550 5.1.1 no such user here\n"
    delivered = [m for m in server.messages if m.rcpt]
    assert sorted(m.rcpt[0] for m in delivered) == sorted(set(LOCALES) - {"pierre@example.net"})
    empty = [m for m in server.messages if not m.rcpt]
    assert [m.data for m in empty] == [b""]  # the dot alone: no part of pierre's message
    assert server.sessions == 2  # the check before sending, then one: RSET, and it went on


def test_pipelining_a_refusal_stands_when_the_session_is_lost_after_it(
    love: Path, tmp_path: Path
) -> None:
    """A refused recipient decides even when the session is lost after it: this server
    answers DATA with 354 although it refused the recipient, then never answers the final
    dot. The 550 is reported (not retried, not "connection lost"), and the next message
    goes over a new connection."""

    class Silent(Pipelining):
        def rcpt(self, address: str) -> bytes:
            if address == "pierre@example.net":
                return b"550 5.1.1 no such user here\r\n"
            return super().rcpt(address)

        def after_data(self, conn: Any, number: int, message: Any) -> bool:
            if not message.rcpt:  # the dot alone: no reply, ever
                return True
            return super().after_data(conn, number, message)

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Silent() as server:
        code, out, err = smtp(love, supporters, server, "--connections", "1", "--timeout", "0.5")
    assert code == 1
    assert err == f"{supporters}:4: pierre@example.net: failed: 550 5.1.1 no such user here\n"
    assert sorted(m.rcpt[0] for m in server.messages) == sorted(
        set(LOCALES) - {"pierre@example.net"}
    )
    assert "accepted 4" in out and "failed 1" in out
    assert server.sessions == 3  # the check, the one that lost its session, a new one


def test_pipelining_a_refused_sender_stops_the_run_when_the_session_is_lost_after_it(
    love: Path, tmp_path: Path
) -> None:
    """A 5xx to MAIL stops the run although the server hangs up before it answers RCPT
    and DATA: the refusal came first, and it stands."""

    class Refusing(Pipelining):
        def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
            conn.sendall(b"220 raw.test\r\n")
            while line := reader.readline():
                verb = line[:4].upper()
                if verb == b"MAIL":
                    conn.sendall(b"553 5.7.1 sender not allowed here\r\n")
                    return  # gone, with RCPT and DATA unanswered
                if verb in (b"EHLO", b"HELO"):
                    self.ehlo(conn, number)
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 raw.test\r\n")

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Refusing() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "1")
    assert code == 2
    assert err == (
        f"outreach: the run stopped: {server.address} refused the sender love@example.org: "
        "553 5.7.1 sender not allowed here (run the same command to resume)\n"
    )
    assert server.sessions == 2  # the check, then the one MAIL was refused on
    assert server.messages == []
    status = json.loads(
        run_cli(love, "merge", str(supporters), "hello", "--status", "--format", "json")[1]
    )
    assert list(status["states"]) == ["pending"]  # nobody is failed: the next run sends


class FirstLineOnly(RawServer):
    """Offers PIPELINING, but reads commands as a server that does not do it: a read at a
    time, the first line taken and the rest of that read dropped (a message's lines, after
    DATA, are all read). ``dropped`` counts the reads it dropped lines of."""

    extensions = ("8BITMIME", "SMTPUTF8", "PIPELINING")

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def session(self, conn: Any, reader: Any, number: int, state: dict[str, bool]) -> None:
        server = self

        class OneLineARead:
            def __init__(self) -> None:
                self.buffer = b""
                self.message = False

            def readline(self, limit: int = -1) -> bytes:
                while b"\n" not in self.buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return b""
                    self.buffer += chunk
                line, _, rest = self.buffer.partition(b"\n")
                line += b"\n"
                if self.message:
                    self.buffer = rest
                    self.message = line != b".\r\n"
                else:
                    if rest:
                        with server.lock:
                            server.dropped += 1
                    self.buffer = b""
                    self.message = line.upper() == b"DATA\r\n"
                return line

        super().session(conn, OneLineARead(), number, state)


def test_a_server_whose_pipelining_does_not_work_gets_one_command_at_a_time(
    love: Path, tmp_path: Path
) -> None:
    """The server offers PIPELINING but answers only MAIL of each group (the rest of the
    write is lost on it): the first group that gets no more than its first reply in time
    says so in one note, the message is tried again, and from then on every message is sent
    one command at a time: all are accepted, once each, in about one --timeout, not three
    for every message."""
    rows = [(f"r{i}@example.net", f"R {i}", "en", "") for i in range(20)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    with FirstLineOnly() as server:
        started = time.monotonic()
        code, out, err = smtp(love, supporters, server, "--connections", "2", "--timeout", "0.5")
        seconds = time.monotonic() - started
    assert (code, err) == (
        0,
        f"outreach: {server.address}: PIPELINING did not work: sending one command at a time\n",
    )
    assert Counter(m.rcpt[0] for m in server.messages) == {row[0]: 1 for row in rows}
    assert "accepted 20" in out
    assert 1 <= server.dropped <= 2  # a group a connection at most, before the note
    assert seconds < 5  # 20 messages x 3 tries x 0.5 s / 2 connections = 15 s before


# -- --jobs N over SMTP: N processes, each a shard with its own connections and journal ----------
MANY = [
    (f"p{i}@example.net", f"Person {i}", ("en", "es-MX", "fr-CA", "pt-BR")[i % 4], "")
    for i in range(40)
]


def test_jobs_over_smtp_send_every_supporter_once(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", [*MANY, ("bad-address", "X", "en", "")])
    behaviour = Behaviour(refused={"p7@example.net"})
    with Server(behaviour) as server:
        code, out, err = smtp(love, supporters, server, "--jobs", "2", "--connections", "2")
    assert code == 1
    found = received(server)
    assert sorted(found) == sorted({row[0] for row in MANY} - {"p7@example.net"})
    assert all(len(copies) == 1 for copies in found.values())
    lines = err.splitlines()
    assert lines[0] == f"{supporters}:42: the address has no @"
    assert lines[1] == f"{supporters}:9: p7@example.net: failed: 550 5.1.1 no such user here"
    assert "41 rows, 40 supporters" in out and "accepted 39" in out
    shards = [tmp_path / f"s.hello.shard-{k}-of-2.journal" for k in range(2)]
    assert all(path.exists() for path in shards)
    # the same command resumes: nobody is sent twice; --status adds the shards up
    with Server() as again:
        code, out, _ = smtp(love, supporters, again, "--jobs", "2")
    assert code == 1 and again.messages == [] and "accepted earlier 39" in out
    code, out, _ = run_cli(love, "merge", str(supporters), "hello", "--jobs", "2", "--status")
    assert code == 0 and "states: accepted 39, failed 1" in out


def test_another_number_of_jobs_is_refused_not_sent_again(love: Path, tmp_path: Path) -> None:
    """Each shard's journal knows only its own supporters: after --jobs 2, the same command
    with no --jobs, or --jobs 3, would email everyone again. It is refused, naming the
    journals and how to resume; --status says the same instead of "nothing was sent"."""
    supporters = write_csv(tmp_path / "s.csv", MANY)
    with Server() as server:
        assert smtp(love, supporters, server, "--jobs", "2")[0] == 0
        sent = len(server.messages)
        for other in ((), ("--jobs", "3")):
            code, _, err = smtp(love, supporters, server, *other)
            assert code == 2 and len(server.messages) == sent == len(MANY)
            (line,) = err.splitlines()
            assert line.startswith(f"{tmp_path / 's.hello.shard-0-of-2.journal'}: this command")
            assert "was run with --jobs 2 before" in line and "run it so again" in line
        code, _, err = run_cli(love, "merge", str(supporters), "hello", "--status")
        assert code == 2 and "was run with --jobs 2 before" in err
        # and the other way round: one process first, then --jobs 2
        (tmp_path / "t.csv").write_bytes(supporters.read_bytes())
        single = tmp_path / "t.csv"
        assert smtp(love, single, server)[0] == 0
        code, _, err = smtp(love, single, server, "--jobs", "2")
        assert code == 2 and "was run with one process (no --jobs, no --shard) before" in err
        assert len(server.messages) == 2 * len(MANY)


def test_a_killed_parent_takes_its_jobs_with_it(love: Path, tmp_path: Path) -> None:
    """kill -9 of the command ends its --jobs workers too (they would go on sending for a
    command that is gone); the same command then resumes every shard."""
    supporters = write_csv(tmp_path / "s.csv", MANY * 1 + [
        (f"q{i}@example.net", "Q", "en", "") for i in range(160)
    ])  # fmt: skip
    with Server() as server:
        process = _merge_process(love, supporters, server, 1, "40/s", "--jobs", "2")
        assert wait_until(lambda: len(server.messages) >= 10, 60)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        time.sleep(1.0)  # the workers' SIGTERM is immediate; anything left would go on
        after_kill = len(server.messages)
        time.sleep(1.0)
        assert len(server.messages) == after_kill < 200
        process = _merge_process(love, supporters, server, 2, "400/s", "--jobs", "2")
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    counts = Counter(message.rcpt[0] for message in server.messages)
    assert len(counts) == 200  # nobody lost
    assert sum(n - 1 for n in counts.values()) <= 2  # one a worker's connection, at most


def test_jobs_over_smtp_refuse_a_shard_of_their_own(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server() as server:
        code, _, err = smtp(love, supporters, server, "--jobs", "2", "--shard", "0/2")
    assert code == 2 and server.messages == []
    assert err == "outreach: --jobs over SMTP shards the supporters itself: leave out --shard\n"


# -- connections degrade; every reply is bounded -------------------------------------------
class Limited(RawServer):
    """Two sessions at a time; a third is greeted with 421. After the check before sending
    (session 1), sessions 2 and 3 are the two, by their number: counting the sessions open
    at each greeting would depend on how fast the connections come and go (a refused one
    that ended lets a later one in; four that arrive together all count)."""

    def greet(self, conn: Any, number: int) -> bool:
        with self.lock:
            full = number > 3
        if full:
            conn.sendall(b"421 4.7.0 too many connections from your address\r\n")
            return False
        return super().greet(conn, number)


def test_a_421_connection_limit_leaves_two_connections(love: Path, tmp_path: Path) -> None:
    rows = [(f"r{i}@example.net", f"R {i}", "en", "") for i in range(12)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    with Limited() as server:
        code, out, err = smtp(love, supporters, server, "--connections", "4")
    assert code == 0, err
    assert Counter(m.rcpt[0] for m in server.messages) == {row[0]: 1 for row in rows}
    assert len({m.peer for m in server.messages}) <= 2  # the first may have sent them all
    assert "accepted 12" in out
    # sessions 4 and 5 are refused; the run may end before the last of them is opened
    notes = err.splitlines()
    assert 1 <= len(notes) <= 2, err
    assert all("421 4.7.0 too many connections" in n for n in notes), err
    assert "going on with" in notes[0]


def test_a_busy_server_at_the_start_is_tried_again(love: Path, tmp_path: Path) -> None:
    class Busy(RawServer):
        def greet(self, conn: Any, number: int) -> bool:
            if number <= 2:
                conn.sendall(b"421 4.7.0 busy, try again in a moment\r\n")
                return False
            return super().greet(conn, number)

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Busy() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "1")
    assert (code, err) == (0, ""), err
    assert server.sessions == 2 + 1 + 1  # refused twice, the check, then the connection
    assert len(server.messages) == 5


def test_no_connection_for_attempts_tries_stops_the_run(love: Path, tmp_path: Path) -> None:
    """The server takes the first session (the check before sending), then greets every
    other with 421: the run tries --attempts times with the backoff, then stops (exit 2)."""

    class Once(RawServer):
        def greet(self, conn: Any, number: int) -> bool:
            if number > 1:
                conn.sendall(b"421 4.3.2 shutting down\r\n")
                return False
            return super().greet(conn, number)

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Once() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "2", "--attempts", "3")
        assert server.sessions == 1 + 1 + 3  # the check, one that gave way, 3 tries
    assert code == 2
    assert f"cannot connect to {server.address} (3 tries): 421 4.3.2 shutting down" in err
    status = json.loads(
        run_cli(love, "merge", str(supporters), "hello", "--status", "--format", "json")[1]
    )
    assert set(status["states"]) == {"pending"}  # nothing was sent (rows not read yet are
    with RawServer() as server:  # new to the next run): nobody is lost
        code, _, err = smtp(love, supporters, server)
    assert (code, err) == (0, "")
    assert sorted(m.rcpt[0] for m in server.messages) == sorted(LOCALES)


class Endless(RawServer):
    """EHLO is answered by ``250-`` lines for ever (as fast as they go, or one a ``pause``)."""

    pause = 0.0

    def ehlo(self, conn: Any, number: int) -> None:
        line = b"250-" + b"x" * 60 + b"\r\n"
        while True:
            conn.sendall(line * (1 if self.pause else 100))
            time.sleep(self.pause)


@pytest.mark.parametrize("pause", [0.0, 0.05])
def test_an_endless_reply_ends_cleanly(love: Path, tmp_path: Path, pause: float) -> None:
    import tracemalloc

    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    Endless.pause = pause
    tracemalloc.start()
    try:
        with Endless() as server:
            started = time.monotonic()
            code, _, err = smtp(love, supporters, server, "--timeout", "1")
            seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 2
    why = "a reply of more than 100 lines" if not pause else "no complete reply within 1 s"
    assert err == f"outreach: cannot connect to {server.address}: {why}\n"
    assert seconds < 6
    assert peak < 50 * 2**20  # a few lines, not the stream


def test_a_slow_server_ends_within_the_timeout(love: Path, tmp_path: Path) -> None:
    class Slow(RawServer):
        def greet(self, conn: Any, number: int) -> bool:
            time.sleep(3)
            return super().greet(conn, number)

    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    with Slow() as server:
        started = time.monotonic()
        code, _, err = smtp(love, supporters, server, "--timeout", "0.5")
        seconds = time.monotonic() - started
    assert (
        code == 2
        and err == f"outreach: cannot connect to {server.address}: no complete reply within 0.5 s\n"
    )
    assert seconds < 2.5


def test_a_session_lost_mid_run_is_replaced(love: Path, tmp_path: Path) -> None:
    """Session 2 answers its first message slowly (past --timeout), session 3 with a reply
    that never ends: each message is tried again on a new connection, and the run ends
    well. The slow one reached the server, so it is there twice: at most one message for
    each session lost."""

    class Troubled(RawServer):
        def after_data(self, conn: Any, number: int, message: Any) -> bool:
            with self.lock:
                first = not any(m.peer == number for m in self.messages)
                self.messages.append(message)
            if number == 2 and first:
                time.sleep(2)
            if number == 3 and first:
                conn.sendall(b"250-queued\r\n" * 200)
            conn.sendall(b"250 2.0.0 queued\r\n")
            return True

    rows = [(f"r{i}@example.net", f"R {i}", "en", "") for i in range(6)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    with Troubled() as server:
        code, out, err = smtp(love, supporters, server, "--connections", "1", "--timeout", "0.5")
    assert (code, err) == (0, ""), err
    counts = Counter(m.rcpt[0] for m in server.messages)
    assert set(counts) == {row[0] for row in rows}
    assert sum(counts.values()) - len(rows) <= 2 and "accepted 6" in out


def test_an_error_in_a_sending_thread_is_one_line(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outreach.merge.delivery as delivery

    real = delivery.envelope
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bug in a sending thread")
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, "envelope", flaky)
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server() as server:
        code, _, err = smtp(love, supporters, server, "--connections", "2")
    assert code == 0, err
    (line,) = err.splitlines()
    assert line.startswith(f"outreach: {server.address}: connection ")
    assert "internal error: RuntimeError: a bug in a sending thread (the message is tried" in line
    assert Counter(m.rcpt[0] for m in server.messages) == {a: 1 for a in LOCALES}


# -- AUTH -----------------------------------------------------------------------------------
MARKER = "Zq7xK2"
PASSWORD = f"pässwörd-Ωμέγα-{MARKER}-ß"


def _no_password_in(text: str) -> None:
    import base64

    assert MARKER not in text
    assert not [c for c in set(PASSWORD) if not c.isascii() and c in text]
    plain = base64.b64encode(b"\0organizer\0" + PASSWORD.encode()).decode()
    assert plain not in text and base64.b64encode(PASSWORD.encode()).decode() not in text


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_utf8_password_logs_in(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mechanism: str
) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    seen = []

    def authenticator(server: Any, session: Any, envelope: Any, how: str, data: Any) -> Any:
        seen.append(how)
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"organizer",
            PASSWORD.encode("utf-8"),
        )
        return AuthResult(success=ok, handled=False)

    other = "LOGIN" if mechanism == "PLAIN" else "PLAIN"
    supporters = write_csv(tmp_path / "s.csv", ROWS[:2])
    options = {
        "authenticator": authenticator,
        "auth_required": True,
        "auth_require_tls": False,
        "auth_exclude_mechanism": [other],
    }
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    with Server(**options) as server:
        code, _, err = smtp(love, supporters, server, "--user", "organizer")
        assert code == 0, err
        assert len(server.messages) == 2 and set(seen) == {mechanism}
        monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD + "!")
        code, _, err = smtp(love, supporters, server, "--user", "organizer", "--journal", "j2")
    assert code == 2
    assert err.startswith(
        f"outreach: {server.address} refused the login of 'organizer' (AUTH {mechanism}): 535"
    )
    assert len(err.splitlines()) == 1
    _no_password_in(err)


class Challenging(RawServer):
    """Offers AUTH LOGIN and answers it with ``challenge``."""

    extensions = ("AUTH LOGIN",)
    challenge = b"334 %%% this is not base64 %%%\r\n"

    def auth(self, conn: Any, reader: Any, words: list[str]) -> bool:
        conn.sendall(self.challenge)
        while line := reader.readline():  # whatever comes: more garbage
            conn.sendall(self.challenge)
            if line.startswith(b"QUIT"):
                return False
        return False


def test_a_garbage_auth_challenge_is_one_line(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    with Challenging() as server:
        started = time.monotonic()
        code, _, err = smtp(love, supporters, server, "--user", "organizer", "--timeout", "2")
        assert time.monotonic() - started < 5
        assert code == 2
        assert err == (
            f"outreach: {server.address} sent a challenge for AUTH LOGIN that is not base64 "
            "('%%% this is not base64 %%%'): not a server outreach can log in to\n"
        )
        # a challenge that is base64 but never ends: LOGIN needs two, not a third
        Challenging.challenge = b"334 VXNlcm5hbWU6\r\n"
        code, _, err = smtp(love, supporters, server, "--user", "organizer", "--timeout", "2")
    assert code == 2
    assert err == (
        f"outreach: {server.address} asked for more than AUTH LOGIN needs ('VXNlcm5hbWU6'): "
        "not a server outreach can log in to\n"
    )
    _no_password_in(err)


def test_a_refusal_that_echoes_the_password_is_not_printed(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Echo(RawServer):
        extensions = ("AUTH PLAIN",)

        def auth(self, conn: Any, reader: Any, words: list[str]) -> bool:
            conn.sendall(f"535 5.7.8 bad credentials: {' '.join(words)}\r\n".encode())
            return True

    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    with Echo() as server:
        code, _, err = smtp(love, supporters, server, "--user", "organizer")
    assert code == 2
    assert err == (
        f"outreach: {server.address} refused the login of 'organizer' (AUTH PLAIN): "
        "535 5.7.8 bad credentials: PLAIN [hidden]\n"
    )
    _no_password_in(err)


def _no_piece_of_password_in(text: str) -> None:
    """Nothing of the password in ``text``: no 4 characters of it, nor of its base64 as it
    shows wherever it starts (the characters it alone decides), nor of AUTH PLAIN's."""
    import base64

    _no_password_in(text)
    secret = PASSWORD.encode()
    forms = [PASSWORD, base64.b64encode(b"\0organizer\0" + secret).decode()[12:]]
    for before in range(3):
        encoded = base64.b64encode(bytes(before) + secret).decode()
        forms.append(encoded[-(-8 * before // 6) : 8 * (before + len(secret)) // 6])
    pieces = {form[i : i + 4] for form in forms for i in range(len(form) - 3)}
    assert not sorted(piece for piece in pieces if piece in text), text


def _server_text(start: str, echo: str, end: str = "", cut: int = 300) -> bytes:
    """``start``, filler, ``echo`` and ``end`` such that a cut at ``cut`` characters
    falls in the middle of ``echo``."""
    filler = "x" * (cut - 1 - len(start) - len(echo) // 2)
    return f"{start}{filler}{echo}{end}".encode()


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


PLAIN = _b64(f"\0organizer\0{PASSWORD}")


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        # a challenge that is not base64, the password in it at the cut (60 characters)
        (
            b"334 !! " + b"y" * 50 + PASSWORD.encode(),
            "sent a challenge for AUTH PLAIN that is not base64 ('!! " + "y" * 50 + "[hidde…')",
        ),
        # a challenge that is base64: the password's base64 at the 2nd byte, at the cut
        (b"334 " + _b64("x" * 40 + PASSWORD).encode(), "asked for more than AUTH PLAIN needs"),
        # refusals that echo at the cut (300 characters): the password, its base64, PLAIN's
        (_server_text("535 5.7.8 ", PASSWORD), "refused the login of 'organizer'"),
        (_server_text("535 5.7.8 ", _b64(PASSWORD), " and more"), "refused the login"),
        (_server_text("535 5.7.8 ", f"PLAIN {PLAIN}", " and more"), "refused the login"),
        # ... what the server cut short itself, at our cut: its start is hidden too
        (_server_text("535 5.7.8 ", PASSWORD[:14], " and more"), "refused the login"),
        (_server_text("535 5.7.8 ", PLAIN[:-8], " and more"), "refused the login"),
        # a 4xx: tried again, then said (after "AUTH PLAIN: 454 ": 16 characters more)
        (_server_text("454 4.7.0 ", PASSWORD, " and more", cut=284), "cannot connect to"),
    ],
    ids=[
        "challenge",
        "base64-challenge",
        "refusal",
        "refusal-base64",
        "refusal-plain",
        "refusal-cut-short",
        "refusal-plain-cut-short",
        "4xx",
    ],
)
def test_no_part_of_the_password_in_an_auth_error(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reply: bytes, said: str
) -> None:
    """Whatever the server echoes in a refusal or a challenge, cut to length or not, no
    part of the password (nor of its base64) is in the error: it is hidden before the cut,
    and a cut that ends in the start of one is hidden too."""

    class Echo(RawServer):
        extensions = ("AUTH PLAIN",)

        def auth(self, conn: Any, reader: Any, words: list[str]) -> bool:
            conn.sendall(reply + b"\r\n")
            return True

    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    with Echo() as server:
        code, _, err = smtp(love, supporters, server, "--user", "organizer", "--attempts", "2")
    assert code == 2 and server.messages == []
    assert err.startswith(f"outreach: {server.address}") or err.startswith(
        f"outreach: cannot connect to {server.address}"
    ), err
    assert said in err and len(err.splitlines()) == 1, err
    assert "[hid" in err  # "[hidden]", or cut itself
    _no_piece_of_password_in(err)


def _address_off_loopback() -> str | None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only the route is chosen
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_plaintext_auth_off_loopback_only_when_asked(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = _address_off_loopback()
    if address is None:
        pytest.skip("this machine has no address but loopback")

    class Plain(RawServer):
        extensions = ("AUTH PLAIN",)

    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    with Plain(host="0.0.0.0") as server:
        target = f"{address}:{server.port}"
        code, _, err = send(love, supporters, target, "--user", "organizer", "--backoff", "0")
        assert code == 2 and server.messages == []
        assert err == (
            f"outreach: refusing to send the password for 'organizer' to {address} without "
            "TLS (--plaintext-auth allows it)\n"
        )
        code, _, err = send(
            love, supporters, target, "--user", "organizer", "--plaintext-auth", "--tls", "none"
        )
    assert code == 0, err
    assert len(server.messages) == 1


# -- journal trouble is one line -------------------------------------------------------------
def test_a_foreign_journal_is_one_line_and_left_alone(love: Path, tmp_path: Path) -> None:
    import sqlite3

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    journal = tmp_path / "app.db"
    db = sqlite3.connect(journal)
    db.executescript("CREATE TABLE orders (id INTEGER); INSERT INTO orders VALUES (1);")
    db.close()
    before = journal.read_bytes()
    with Server() as server:
        code, _, err = smtp(love, supporters, server, "--journal", str(journal))
    assert (code, server.messages) == (2, [])
    assert err == (
        f"{journal}: is an SQLite database of something else (tables: orders), not an "
        "outreach journal: outreach leaves it alone; pass another --journal\n"
    )
    assert journal.read_bytes() == before


_OPEN = Journal.__dict__["open"]


def _full_after(monkeypatch: pytest.MonkeyPatch, pages: int | None) -> None:
    """Journals opened from now on take ``pages`` more pages, then are full (``None``: as
    much as the disk has)."""
    if pages is None:
        monkeypatch.setattr(Journal, "open", _OPEN)
        return
    real = _OPEN.__func__

    def open_small(cls: Any, *args: Any, **kwargs: Any) -> Any:
        journal = real(cls, *args, **kwargs)
        count = journal.db.execute("PRAGMA page_count").fetchone()[0]
        journal.db.execute(f"PRAGMA max_page_count = {count + pages}")
        return journal

    monkeypatch.setattr(Journal, "open", classmethod(open_small))


def _journal_keeps_what_the_server_has(journal: Path, server: Server, connections: int) -> None:
    """Everyone the server has is accepted in the journal, but for at most one message a
    connection that was on the wire (``sending``): nothing accepted is forgotten."""
    import sqlite3

    db = sqlite3.connect(f"{journal.resolve().as_uri()}?mode=ro", uri=True)
    states = dict(db.execute("SELECT key, state FROM recipients"))
    db.close()
    got = {m.rcpt[0] for m in server.messages}
    assert {states[key] for key in got} <= {"accepted", "sending"}
    assert sum(1 for key in got if states[key] == "sending") <= connections
    assert list(states.values()).count("sending") <= connections


def test_a_full_journal_stops_the_run_in_one_line(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [(f"someone-{i:03d}@example.net", f"Someone {i}", "en", "") for i in range(300)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    journal = tmp_path / "j.sqlite"
    _full_after(monkeypatch, 3)
    with Server() as server:
        code, out, err = smtp(love, supporters, server, "--journal", str(journal))
        assert (code, out) == (2, "")
        assert err == (
            f"{journal}: the disk (or the file system's quota) is full: free some space, then "
            "run the same command again\n"
        )
        assert 0 < len(server.messages) < len(rows)
        _journal_keeps_what_the_server_has(journal, server, 4)
        _full_after(monkeypatch, None)  # space again: the same command finishes the work
        code, _, err = smtp(love, supporters, server, "--journal", str(journal))
    assert (code, err) == (0, ""), err
    counts = Counter(m.rcpt[0] for m in server.messages)
    assert set(counts) == {row[0] for row in rows}
    assert sum(counts.values()) - len(rows) <= 4


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root"
)
def test_a_full_disk_under_the_journal(love: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        rows = [(f"someone-{i:03d}@example.net", f"Someone {i}", "en", "") for i in range(300)]
        supporters = write_csv(tmp_path / "s.csv", rows)
        journal = disk / "j.sqlite"
        with Server() as server:
            code, out, err = smtp(love, supporters, server, "--journal", str(journal))
            assert (code, out) == (2, "")
            assert err == (
                f"{journal}: the disk (or the file system's quota) is full: free some space, "
                "then run the same command again\n"
            )
            _journal_keeps_what_the_server_has(journal, server, 4)
            code, out, err = run_cli(
                love, "merge", str(supporters), "hello", "--status", "--journal", str(journal)
            )
            assert code == 0, err
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# -- the crash bound -------------------------------------------------------------------------
def test_kill_9_at_random_moments_repeats_at_most_one_message_a_connection(
    love: Path, tmp_path: Path
) -> None:
    import random

    rng = random.Random(18)
    connections = 2
    rows = [
        (f"k{i:03d}@example.net", f"Person {i}", ("en", "es", "fr", "pt-BR")[i % 4], "")
        for i in range(240)
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)
    kills = 0
    with Server() as server:
        for _ in range(5):
            process = _merge_process(love, supporters, server, connections, "300/s")
            target = len(server.messages) + rng.randint(0, 40)
            wait_until(
                lambda t=target, p=process: len(server.messages) >= t or p.poll() is not None
            )
            time.sleep(rng.uniform(0, 0.03))  # any moment: between replies, mid-message...
            if process.poll() is not None:
                break
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
            code, out, err = run_cli(
                love, "merge", str(supporters), "hello", "--status", "--format", "json"
            )
            if code == 2 and "no journal here" in err:
                continue  # killed before it opened the journal
            status = json.loads(out)
            uncertain = [p for p in status["problems"] if p["state"] == "sending"]
            assert len(uncertain) == status["states"].get("sending", 0) <= connections
            assert all("the server may have it" in p["reply"] for p in uncertain)
        process = _merge_process(love, supporters, server, connections, "300/s")
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert kills >= 3
    counts = Counter(message.rcpt[0] for message in server.messages)
    assert set(counts) == {row[0] for row in rows}  # nobody lost
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= kills * connections, counts.most_common(5)
    _, out, _ = run_cli(love, "merge", str(supporters), "hello", "--status", "--format", "json")
    assert json.loads(out)["states"] == {"accepted": 240}
