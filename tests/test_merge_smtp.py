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
    Server,
    check_message,
    env,
    merge_campaign,
    parse,
    write_csv,
)

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
            f"{supporters}:3: maria@example.net: failed: 451 4.3.0 try again later "
            "(4 attempts)\n"
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


def _merge_process(love: Path, supporters: Path, server: Server) -> subprocess.Popen[bytes]:
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
            "400/s",
            "--connections",
            "3",
        ],
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_kill_9_loses_nobody(love: Path, tmp_path: Path) -> None:
    from outreach.merge.run import BATCH

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
    in_flight = BATCH + 3 * 3  # per kill: the batch marked "sending", queued and being sent
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
