"""Helpers for the merge tests: campaigns, CSVs, a real SMTP server, message checks.

* :func:`merge_campaign` -- a copy of the example campaign plus ``hello.j2``, a message that
  uses merge fields every way a template can (plain, in a translation, in a condition, in
  the subject);
* :func:`declare_columns` -- ``[merge.columns]`` in its campaign.toml;
* :func:`edit_template`, :func:`edit_layout` -- a comment added to ``hello.j2`` or to the
  plain-text layout: an input of every render changes, its output does not;
* :func:`write_csv` -- a supporters CSV from rows;
* :class:`Server` -- aiosmtpd's ``Controller`` on 127.0.0.1 that keeps every message (and can
  be told to answer 451 or 550 for some recipients, to refuse some after the message, or to
  require TLS and AUTH);
* :class:`RawServer` -- a scripted SMTP server on plain sockets, for what no real server
  does: a connection limit, an endless or slow reply, a garbage AUTH challenge;
* :func:`check_message` -- a message parsed back by the stdlib and compared with what a full
  render gives for that supporter.
"""

from __future__ import annotations

import csv
import email.policy
import functools
import os
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from conftest import copy_example

SECRET = "a test secret that is long enough"

HELLO = """\
{% block subject %}{{ pgettext("subject", "%(name)s, two minutes for love", name=name) }}
{%- endblock %}
{% block preheader %}{{ pgettext("preheader", "A film from Love Always Wins.") }}{% endblock %}
{% block body %}
<p>{% trans %}Dear {{ name }},{% endtrans %}</p>
<p>{{ name }} &middot; {{ email }}</p>
{% if city %}<p>{% trans %}Greetings to {{ city }}.{% endtrans %}</p>{% endif %}
{% if not city %}<p>{% trans %}Greetings from all of us.{% endtrans %}</p>{% endif %}
<p><a href="{{ url }}">{% trans %}Watch the film{% endtrans %}</a></p>
{% endblock %}
{% block text %}
{% trans %}Dear {{ name }},{% endtrans %}

{{ name }} / {{ email }}
{% if city %}{% trans %}Greetings to {{ city }}.{% endtrans %}{% endif %}
{% trans %}Watch the film: {{ url }}{% endtrans %}
{% endblock %}
"""


def merge_campaign(root: Path, extra: dict[str, str] | None = None) -> Path:
    """The example campaign with ``messages/hello.j2`` (and ``extra`` templates)."""
    copy_example(root)
    (root / "messages" / "hello.j2").write_text(HELLO, encoding="utf-8")
    for name, text in (extra or {}).items():
        (root / "messages" / name).write_text(text, encoding="utf-8")
    return root


def declare_columns(root: Path, **kinds: str) -> Path:
    """``[merge.columns]`` in the campaign's campaign.toml: what each column may hold where
    it reaches the body (``city="text"``)."""
    config = root / "messages" / "campaign.toml"
    lines = "".join(f'{column} = "{kind}"\n' for column, kind in kinds.items())
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[merge.columns]\n" + lines, encoding="utf-8"
    )
    return root


def edit_template(root: Path) -> None:
    """A comment added to ``messages/hello.j2``: the message's template changes, its output
    does not."""
    path = root / "messages" / "hello.j2"
    path.write_text(path.read_text(encoding="utf-8") + "{# a comment #}\n", encoding="utf-8")


def edit_layout(root: Path) -> None:
    """A comment added to ``messages/_email.txt.j2``, the layout every email's plain text is
    placed into."""
    path = root / "messages" / "_email.txt.j2"
    path.write_text(path.read_text(encoding="utf-8") + "{# a comment #}\n", encoding="utf-8")


def write_csv(
    path: Path,
    rows: Iterable[Sequence[str]],
    header: Sequence[str] = ("email", "name", "locale", "city"),
) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    rcpt: list[str]
    data: bytes
    mail_options: list[str]
    peer: Any = None  # the client's (host, port): one per connection


@dataclass
class Behaviour:
    """How the test server answers: ``temporary`` addresses get 451 on their first
    ``count`` tries, ``refused`` addresses 550; for ``dropped`` addresses the server closes
    the connection instead of answering RCPT, on their first ``count`` tries; ``after_data``
    addresses get that reply after the message (which is then not kept)."""

    temporary: dict[str, int] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    dropped: dict[str, int] = field(default_factory=dict)
    after_data: dict[str, str] = field(default_factory=dict)


class Handler:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.messages: list[Received] = []
        self.refused_data: list[str] = []
        self.lock = threading.Lock()
        self.tries: dict[str, int] = {}

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        with self.lock:
            self.tries[address] = self.tries.get(address, 0) + 1
            tries = self.tries[address]
        if address in self.behaviour.refused:
            return "550 5.1.1 no such user here"
        if tries <= self.behaviour.dropped.get(address, 0):
            server.transport.close()  # no reply: the client sees the connection drop
            return "421 4.4.2 closing"
        if tries <= self.behaviour.temporary.get(address, 0):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            for address in envelope.rcpt_tos:
                if address in self.behaviour.after_data:
                    self.refused_data.append(address)
                    return self.behaviour.after_data[address]
            self.messages.append(
                Received(
                    list(envelope.rcpt_tos),
                    envelope.original_content,
                    list(envelope.mail_options),
                    session.peer,
                )
            )
            number = len(self.messages)
        return f"250 2.0.0 queued as {number}"


class Server:
    """An aiosmtpd server on 127.0.0.1 for one test; ``messages`` are what it accepted."""

    def __init__(self, behaviour: Behaviour | None = None, **controller: Any) -> None:
        from aiosmtpd.controller import Controller

        self.handler = Handler(behaviour or Behaviour())
        self.port = free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **controller
        )

    def __enter__(self) -> Server:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return list(self.handler.messages)


class RawServer:
    """A scripted SMTP server on 127.0.0.1, a thread a connection: enough SMTP for outreach
    (EHLO, AUTH, MAIL, RCPT, DATA, RSET, QUIT), every step a method a test overrides.
    ``messages`` are what it took (``peer`` is the session's number, from 1); ``sessions``
    counts connections, ``active`` those still open (a session that said QUIT is not)."""

    extensions: tuple[str, ...] = ("8BITMIME", "SMTPUTF8")

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.listener = socket.create_server((host, 0))
        self.port = int(self.listener.getsockname()[1])
        self.host = host
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.sessions = 0
        self.active = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.sessions += 1
                self.active += 1
                number = self.sessions
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        state = {"open": True}
        try:
            conn.settimeout(20)
            self.session(conn, conn.makefile("rb"), number, state)
        except OSError:
            pass
        finally:
            self.leave(state)
            conn.close()

    def leave(self, state: dict[str, bool]) -> None:
        with self.lock:
            if state["open"]:
                state["open"] = False
                self.active -= 1

    def session(
        self, conn: socket.socket, reader: Any, number: int, state: dict[str, bool]
    ) -> None:
        if not self.greet(conn, number):
            return
        rcpt: list[str] = []
        options: list[str] = []
        while True:
            line = reader.readline(100_000)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.ehlo(conn, number)
            elif verb == b"AUTH":
                if not self.auth(conn, reader, line.decode().split()[1:]):
                    return
            elif verb == b"MAIL":
                options = line.decode().split()[2:]
                rcpt = []
                conn.sendall(b"250 2.1.0 OK\r\n")
            elif verb == b"RCPT":
                address = line.decode().split(":", 1)[1].strip().strip("<>")
                reply = self.rcpt(address)
                if reply.startswith(b"250"):
                    rcpt.append(address)
                conn.sendall(reply)
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                chunks = []
                while (chunk := reader.readline(100_000)) not in (b".\r\n", b""):
                    chunks.append(chunk)
                data = b"".join(chunks).replace(b"\r\n..", b"\r\n.")
                if not self.after_data(conn, number, Received(list(rcpt), data, options, number)):
                    return
            elif verb == b"RSET":
                conn.sendall(self.rset())
            elif verb == b"QUIT":
                self.leave(state)
                conn.sendall(b"221 2.0.0 bye\r\n")
                return
            else:
                conn.sendall(b"500 5.5.1 what?\r\n")

    def greet(self, conn: socket.socket, number: int) -> bool:
        conn.sendall(b"220 raw.test ESMTP\r\n")
        return True

    def ehlo(self, conn: socket.socket, number: int) -> None:
        lines = ["raw.test", *self.extensions]
        conn.sendall(
            "".join(
                f"250{' ' if n == len(lines) - 1 else '-'}{x}\r\n" for n, x in enumerate(lines)
            ).encode()
        )

    def rcpt(self, address: str) -> bytes:
        return b"250 2.1.5 OK\r\n"

    def rset(self) -> bytes:
        return b"250 2.0.0 OK\r\n"

    def auth(self, conn: socket.socket, reader: Any, words: list[str]) -> bool:
        conn.sendall(b"235 2.7.0 OK\r\n")
        return True

    def after_data(self, conn: socket.socket, number: int, message: Received) -> bool:
        with self.lock:
            self.messages.append(message)
        conn.sendall(b"250 2.0.0 queued\r\n")
        return True


def wait_until(predicate: Any, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def env() -> dict[str, str]:
    return {**os.environ, "OUTREACH_UNSUBSCRIBE_SECRET": SECRET}


@functools.cache
def _renderer(campaign: Path) -> Any:
    from outreach.campaign import load_campaign
    from outreach.render import Renderer

    return Renderer(load_campaign(campaign))


def check_message(
    data: bytes,
    *,
    locale: str,
    name: str,
    address: str,
    campaign: Path,
    message: str,
    fields: dict[str, str],
) -> EmailMessage:
    """Parse ``data`` with the stdlib and compare it with a full render for this supporter:
    headers (no injected field), To, Content-Language, subject, unsubscribe headers, parts."""
    from urllib.parse import parse_qs, urlsplit

    from outreach.campaign import load_campaign
    from outreach.unsubscribe import Unsubscribe, token

    parsed = parse(data)
    head = data.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in data else data.split(b"\n\n", 1)[0]
    names = [
        line.split(b":", 1)[0].decode()
        for line in head.splitlines()
        if line and not line[:1].isspace()
    ]
    assert names == [
        "From",
        "To",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "Content-Language",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "MIME-Version",
        "Content-Type",
    ], names
    to = parsed["To"].addresses
    assert len(to) == 1
    assert to[0].addr_spec == address
    assert "".join(to[0].display_name.split()) == "".join(name.split())
    assert parsed["Content-Language"] == locale.replace("_", "-")
    loaded = load_campaign(campaign)
    links = Unsubscribe(
        loaded.email.unsubscribe_url, loaded.email.unsubscribe_mailto, secret=SECRET
    )
    url, _ = links.for_recipient(address)
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    query = parse_qs(urlsplit(str(url)).query)
    assert query["email"] == [address] and query["token"] == [token(SECRET, address)]
    expected = _renderer(campaign).render_email(message, locale, {**fields, "unsubscribe_url": url})
    assert parsed["Subject"] == expected.subject
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == expected.text
    from html import unescape

    assert unescape(html.get_content().replace("\r\n", "\n").strip()) == unescape(
        expected.html.strip()
    )
    return parsed
