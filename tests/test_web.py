"""The one-click unsubscribe app under a real WSGI server (waitress on 127.0.0.1): RFC 8058
POST, the GET confirmation page in the supporter's language, bad tokens, concurrent
requests, a language change that the next merge picks up, and hostile requests."""

from __future__ import annotations

import base64
import csv
import hmac
import http.client
import mailbox
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st
from merge_support import SECRET, merge_campaign, parse, write_csv

from outreach.unsubscribe import token, verify
from outreach.web import unsubscribe_app

HOST = "example.org"  # the host of the example's unsubscribe_url
PATH = "/love/unsubscribe"


@pytest.fixture
def love(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)
    root = merge_campaign(tmp_path / "love")
    config = root / "messages" / "campaign.toml"
    text = config.read_text(encoding="utf-8").replace(
        "&token={token}", "&token={token}&lang={locale}"
    )
    config.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def server(love: Path) -> Iterator[int]:
    import waitress.server

    app = unsubscribe_app(love)
    served = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=8)
    stop = threading.Event()

    def run() -> None:  # waitress's run(), a turn at a time, so that the test can end it
        while not stop.is_set():
            served.asyncore.loop(timeout=0.05, map=served._map, count=1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield int(served.effective_port)  # type: ignore[union-attr]
    finally:
        stop.set()
        thread.join(5)
        served.close()


def link(address: str, lang: str = "es", secret: str = SECRET, given: str | None = None) -> str:
    signed = token(secret, address) if given is None else given
    return f"{PATH}?email={quote(address, safe='')}&token={signed}&lang={lang}"


def request(
    port: int, method: str, target: str, body: bytes = b"", host: str = HOST
) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Host": host}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


ONE_CLICK = b"List-Unsubscribe=One-Click"


def test_one_click_post_unsubscribes_once(love: Path, server: int) -> None:
    store = love / "suppress" / "unsubscribed.csv"
    status, _ = request(server, "POST", link("ana@example.net"), ONE_CLICK)
    assert status == 200
    status, _ = request(server, "POST", link("Ana@Example.net"), ONE_CLICK)  # twice: fine
    assert status == 200
    assert [(r["email"], r["reason"]) for r in rows(store)] == [("ana@example.net", "unsubscribed")]


def test_get_shows_the_page_in_the_language_and_writes_nothing(love: Path, server: int) -> None:
    store = love / "suppress" / "unsubscribed.csv"
    before = store.read_bytes()
    status, page = request(server, "GET", link("ana@example.net", lang="es"))
    assert status == 200
    assert '<html lang="es"' in page and "¿Quieres dejar de recibir estos correos?" in page
    assert '<form method="post"' in page and 'value="One-Click"' in page
    status, page = request(server, "GET", link("ana@example.net", lang="pt-BR"))
    assert "Você quer deixar de receber estes e-mails?" in page
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    "target",
    [
        link("ana@example.net", given="x" * 43),
        link("ana@example.net", given=""),
        link("ana@example.net", secret="another secret, also long enough"),
        link("bo@example.net", given=token(SECRET, "ana@example.net")),  # another's token
    ],
)
def test_bad_token_is_403_and_writes_nothing(love: Path, server: int, target: str) -> None:
    store = love / "suppress" / "unsubscribed.csv"
    before = store.read_bytes()
    status, page = request(server, "POST", target, ONE_CLICK)
    assert status == 403 and "no es válido" in page
    assert SECRET not in page and "ana@example.net" not in page
    assert store.read_bytes() == before


def test_hostile_requests_are_refused(love: Path, server: int) -> None:
    store = love / "suppress" / "unsubscribed.csv"
    before = store.read_bytes()
    good = link("ana@example.net")
    cases = [
        ("POST", good + "&pad=" + "a" * 5000, 414),
        ("POST", good.replace("email=ana", "email=%0d%0aBcc:%20x%40evil.com%0d%0aana"), 400),
        ("POST", good.replace("email=ana", "email=ana%00"), 400),
        ("POST", good.replace("email=ana", "email=an%0aa"), 400),
    ]
    for method, target, expected in cases:
        status, _ = request(server, method, target, ONE_CLICK)
        assert status == expected, target
    status, _ = request(server, "POST", good, ONE_CLICK, host="evil.com")
    assert status == 421
    status, _ = request(server, "DELETE", good)
    assert status == 405
    assert store.read_bytes() == before


def test_concurrent_posts_every_address_once(love: Path, server: int) -> None:
    store = love / "suppress" / "unsubscribed.csv"
    addresses = [f"person{n}@example.net" for n in range(40)]
    statuses: list[int] = []

    def hit(address: str) -> None:
        for _ in range(2):
            statuses.append(request(server, "POST", link(address), ONE_CLICK)[0])

    threads = [threading.Thread(target=hit, args=(a,)) for a in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses.count(200) == 80
    found = rows(store)
    assert sorted(r["email"] for r in found) == sorted(addresses)
    assert all(
        set(r) == {"email", "reason", "status", "diagnostic", "date", "source"} for r in found
    )


def test_language_change_is_picked_up_by_the_next_merge(
    love: Path, server: int, tmp_path: Path
) -> None:
    status, page = request(server, "POST", link("sam@example.net", lang="en"), b"language=fr")
    assert status == 200 and "vous recevrez ces e-mails en" in page
    status, _ = request(server, "POST", link("sam@example.net"), b"language=xx")
    assert status == 400
    supporters = write_csv(tmp_path / "s.csv", [("sam@example.net", "Sam", "en", "Leeds")])
    out = tmp_path / "o.mbox"
    code, _, err = run_cli(love, "merge", str(supporters), "hello", "--out", str(out))
    assert (code, err) == (0, ""), err
    box = mailbox.mbox(out)
    (key,) = box.keys()
    message = parse(box.get_bytes(key))
    box.close()
    assert message["Content-Language"] == "fr"
    assert "lang=fr" in message["List-Unsubscribe"]


def test_verify_is_the_inverse_of_the_token() -> None:
    assert verify("ana@example.net", token(SECRET, "ana@example.net"), SECRET)
    assert not verify("ana@example.net", token(SECRET, "bo@example.net"), SECRET)
    assert not verify("ana@example.net", "é" * 43, SECRET)


TEXT = st.characters(exclude_categories=["Cs"])  # text that UTF-8 can encode


@given(secret=st.text(TEXT, min_size=1, max_size=200), address=st.text(TEXT, max_size=80))
def test_the_token_is_hmac_sha256_base64url(secret: str, address: str) -> None:
    """The hand-written HMAC (two hashlib states) is the stdlib's, for any key length
    (a key past SHA-256's 64-byte block is hashed first) and any address."""
    mac = hmac.digest(secret.encode("utf-8"), address.lower().encode("utf-8"), "sha256")
    assert token(secret, address) == base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def test_serve_unsubscribe_refuses_what_it_cannot_serve(
    love: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_cli(love, "serve-unsubscribe", "--listen", "nowhere")
    assert code == 2 and err.startswith("outreach: --listen 'nowhere': write HOST:PORT")
    monkeypatch.delenv("OUTREACH_UNSUBSCRIBE_SECRET")
    code, _, err = run_cli(love, "serve-unsubscribe")
    assert code == 2 and "OUTREACH_UNSUBSCRIBE_SECRET" in err
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)
    config = love / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("&token={token}", ""), encoding="utf-8"
    )
    code, _, err = run_cli(love, "serve-unsubscribe")
    assert code == 2 and "has no {token}" in err


def test_a_broken_page_template_stops_the_start(love: Path) -> None:
    (love / "messages" / "_unsubscribe.html.j2").write_text("{% if %}", encoding="utf-8")
    code, _, err = run_cli(love, "serve-unsubscribe")
    assert code == 2 and "_unsubscribe.html.j2" in err and "Traceback" not in err


def test_mounted_under_a_prefix_the_whole_path_counts(love: Path) -> None:
    import io
    from wsgiref.util import setup_testing_defaults

    app = unsubscribe_app(love)
    target = link("ana@example.net")
    environ: dict[str, object] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/love",
        "PATH_INFO": "/unsubscribe",
        "QUERY_STRING": target.split("?", 1)[1],
        "HTTP_HOST": "example.org",
        "wsgi.input": io.BytesIO(),
    }
    setup_testing_defaults(environ)
    answers: list[str] = []
    body = b"".join(app(environ, lambda status, headers: answers.append(status)))
    assert answers == ["200 OK"] and b"<form" in body


def test_a_preferences_path_outside_the_campaign_is_refused(love: Path) -> None:
    config = love / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + 'preferences = "../../.profile"\n', encoding="utf-8"
    )
    code, _, err = run_cli(love, "serve-unsubscribe")
    assert code == 2 and "is outside" in err
