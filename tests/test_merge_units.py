"""The pieces of merge on their own: the fast header and encoder against the stdlib, the
skeleton against a full render for arbitrary names, the journal protocol, negotiation, and
the unsubscribe rules (issue 11 item 8)."""

from __future__ import annotations

import binascii
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from merge_support import SECRET, check_message, merge_campaign

from outreach.campaign import parse_campaign
from outreach.errors import ConfigError
from outreach.locales import negotiate_locale
from outreach.mail import address_header
from outreach.merge.audience import Negotiator
from outreach.merge.compose import qp_static, qp_value, to_line
from outreach.merge.journal import Journal
from outreach.unsubscribe import Unsubscribe, token

# Printable text of any script, no control characters or line breaks: what a name can be.
NAMES = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"),
    max_size=80,
).map(str.strip)


@given(NAMES, st.sampled_from(["ana@example.net", "a.b+c@sub.example.org", "zoë@example.net"]))
@settings(max_examples=300)
def test_the_fast_to_line_is_address_header(name: str, spec: str) -> None:
    assert to_line(name, spec, utf8=True) == address_header("To", [(name, spec)], utf8=True)


@given(st.text(max_size=300), st.booleans())
@settings(max_examples=300)
def test_quoted_printable_round_trips(text: str, before_slot: bool) -> None:
    encoded = qp_static(text, before_slot=before_slot)
    lines = encoded.split(b"\r\n")
    assert all(len(line) <= 76 for line in lines)
    assert not any(line.startswith(b"From ") for line in lines)
    assert b"\n" not in encoded.replace(b"\r\n", b"")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    decoded = binascii.a2b_qp(encoded.replace(b"\r\n", b"\n")).decode("utf-8")
    assert decoded == expected


# Links and other printable ASCII, "=" and "From " often: the encoder's fast path for them.
LINKS = st.lists(
    st.sampled_from([*"abcFmor/?&=.:%_- ", "From ", "=3D", "https://"]), max_size=60
).map("".join)


@given(st.one_of(NAMES, LINKS), st.sampled_from([b"\r\n", b"\n"]))
@settings(max_examples=500)
def test_a_value_is_encoded_on_its_own_lines(value: str, newline: bytes) -> None:
    encoded = qp_value(value, newline)
    assert encoded.endswith(b"=" + newline)  # a soft line break: the next text starts anew
    if newline == b"\n":
        assert b"\r" not in encoded
    lines = encoded.split(newline)
    assert all(len(line) <= 76 for line in lines)
    assert not any(line.startswith(b"From ") for line in lines)
    assert binascii.a2b_qp(encoded.replace(b"\r\n", b"\n")).decode("utf-8") == value


@pytest.fixture(scope="module")
def love(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return merge_campaign(tmp_path_factory.mktemp("units") / "love")


@pytest.fixture(scope="module")
def maker(love: Path) -> object:
    from outreach.campaign import load_campaign
    from outreach.merge.skeleton import MessageMaker
    from outreach.render import Renderer

    campaign = load_campaign(love)
    links = Unsubscribe(campaign.email.unsubscribe_url, None, secret=SECRET)
    return MessageMaker(
        campaign, Renderer(campaign), "hello", ["email", "name", "locale", "city"], links
    )


@given(name=NAMES, city=NAMES, locale=st.sampled_from(["en", "fr", "pt"]))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_skeleton_is_a_full_render(
    love: Path, maker: object, name: str, city: str, locale: str
) -> None:
    """Whatever the name and city, the fast message equals a full render, parsed back."""
    from outreach.merge.audience import Choice, Supporter
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import parse_address

    assert isinstance(maker, MessageMaker)
    address = parse_address("ana@example.net")
    assert not isinstance(address, str)
    fields = {"email": "ana@example.net", "name": name, "city": city}
    supporter = Supporter(2, address, name, Choice(locale, "first", locale), fields)
    data = maker.make(supporter).data(maker.date())
    check_message(
        data,
        locale=locale,
        name=name,
        address="ana@example.net",
        campaign=love,
        message="hello",
        fields=fields,
    )


@pytest.fixture(scope="module")
def wire_maker(love: Path) -> object:
    from outreach.campaign import load_campaign
    from outreach.merge.skeleton import MessageMaker
    from outreach.render import Renderer

    campaign = load_campaign(love)
    links = Unsubscribe(campaign.email.unsubscribe_url, None, secret=SECRET)
    columns = ["email", "name", "locale", "city"]
    return MessageMaker(campaign, Renderer(campaign), "hello", columns, links, wire=True)


# Dots where a line can start: a value's first character, and after a soft line break
# (a long value is cut every 73 characters).
DOTTED = st.one_of(
    NAMES,
    st.lists(st.sampled_from([".", "..", "a", "é", " ", "=", "From "]), max_size=120).map("".join),
)


@given(name=DOTTED, city=DOTTED, locale=st.sampled_from(["en", "fr", "pt"]))
@example(name=".Ana", city="." * 100, locale="en")
@example(name="  ", city=".", locale="en")  # rendered in full: the city starts no line
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_message_made_for_smtp_is_the_message_stuffed(
    maker: object, wire_maker: object, name: str, city: str, locale: str
) -> None:
    """A maker for SMTP dot-stuffs a skeleton's static text once and each value as it is
    encoded: what it makes is exactly the file message put through DATA's stuffing."""
    from outreach.merge.audience import Choice, Supporter
    from outreach.merge.compose import stuffed
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import parse_address

    assert isinstance(maker, MessageMaker) and isinstance(wire_maker, MessageMaker)
    address = parse_address("ana@example.net")
    assert not isinstance(address, str)
    fields = {"email": "ana@example.net", "name": name, "city": city}
    supporter = Supporter(2, address, name, Choice(locale, "first", locale), fields)
    date = b"Date: Mon, 07 Dec 2026 03:00:00 +0000\r\n"
    full = wire_maker.stats["full"]
    plain, wired = maker.make(supporter), wire_maker.make(supporter)
    assert not plain.wire and wired.wire
    from_skeleton = wire_maker.stats["full"] == full  # a value starts a line there

    def same_boundaries(data: bytes) -> bytes:  # each maker draws its own
        for n, found in enumerate(re.findall(rb'boundary="([^"]+)"', data)):
            data = data.replace(found, b"BOUNDARY-%d" % n)
        return data

    made = same_boundaries(wired.data(date) + b".\r\n")
    if city.startswith(".") and from_skeleton:
        assert b"\r\n.." in made
    assert made == same_boundaries(stuffed(plain.data(date)))


def test_journal_protocol(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal.open(path, {"message": "share"})
    assert journal.see("a@x.org", 2, "en") == ("pending", None)
    assert journal.see("b@x.org", 3, "es") == ("pending", None)
    assert journal.see("a@x.org", 9, "en") == ("duplicate", 2)
    journal.sending("a@x.org")
    journal.sending("b@x.org")
    journal.record("b@x.org", "accepted", "250 queued")
    journal.commit()
    journal.db.close()  # as if killed: no clean close
    journal._lock.close()  # type: ignore[union-attr]
    again = Journal.open(path, {"message": "share"})
    assert again.run == 2
    assert again.see("b@x.org", 3, "es") == ("accepted", "250 queued")
    assert again.see("a@x.org", 2, "en") == ("sending", None)  # in flight: sent again
    assert again.see("c@x.org", 4, "fr") == ("pending", None)  # appended to the CSV
    with pytest.raises(Exception, match="in use by another outreach merge"):
        Journal.open(path, {"message": "share"})
    again.close()
    with pytest.raises(Exception, match="is the journal of message 'share', not 'other'"):
        Journal.open(path, {"message": "other"})


def _states(path: Path) -> dict[str, str]:
    """The journal's states as another process reads the file (nothing in this one's cache)."""
    import sqlite3

    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT key, state FROM recipients"))
    finally:
        db.close()


def test_journal_step_is_one_commit_a_message(tmp_path: Path) -> None:
    """A connection's outcome and its next message's ``sending`` are on disk together,
    before that message leaves: at any moment at most one message of it is uncertain."""
    path = tmp_path / "j.sqlite"
    journal = Journal.open(path, {"message": "share"})
    for line, key in enumerate(("a@x.org", "b@x.org", "c@x.org"), 2):
        journal.see(key, line, "en")
    assert journal.step(None, "a@x.org") == 1
    assert _states(path) == {"a@x.org": "sending", "b@x.org": "pending", "c@x.org": "pending"}
    assert journal.step(("a@x.org", "accepted", "250 2.0.0 queued"), "b@x.org") == 1
    assert _states(path) == {"a@x.org": "accepted", "b@x.org": "sending", "c@x.org": "pending"}
    assert journal.step(("b@x.org", "pending", "451 4.7.1 greylisted"), None) == 0
    assert journal.step(None, "b@x.org") == 2  # attempts count every try, of every run
    journal.close()
    again = Journal.open(path, {"message": "share"})
    assert again.see("b@x.org", 3, "en") == ("sending", "451 4.7.1 greylisted")
    assert again.step(None, "b@x.org") == 3
    again.retry("b@x.org")  # --retry-failed: the attempts start again
    assert again.step(None, "b@x.org") == 1
    again.close()


def _foreign(path: Path) -> None:
    import sqlite3

    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('someone else''s data');"
    )
    db.close()


def _changed(path: Path) -> None:
    import sqlite3

    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE recipients (key TEXT PRIMARY KEY, state TEXT);"
    )
    db.close()


def _edited(path: Path) -> None:
    import sqlite3

    Journal.open(path, {"message": "share"}).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 'twelve' WHERE key = 'run'")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda path: path.write_bytes(b"not a database, a letter. " * 200),
            "is not a journal (not an SQLite database): pass another --journal, or move this "
            "file away if it is not needed",
        ),
        (
            _foreign,
            "is an SQLite database of something else (tables: users), not an outreach journal: "
            "outreach leaves it alone; pass another --journal",
        ),
        (
            _changed,
            "its tables were changed (recipients): restore it from a backup, or pass another "
            "--journal (a new journal sends to everyone again)",
        ),
        (
            _edited,
            "its meta table was edited (run = 'twelve', not a run number): restore it from a "
            "backup, or pass another --journal (a new journal sends to everyone again)",
        ),
    ],
)
def test_a_journal_that_is_not_one_is_one_line(tmp_path: Path, make: Any, message: str) -> None:
    from outreach.errors import JournalError

    path = tmp_path / "j.sqlite"
    make(path)
    before = path.read_bytes()
    for readonly in (False, True):  # a run, and --status
        with pytest.raises(JournalError) as caught:
            Journal.open(path, {"message": "share"}, readonly=readonly)
        assert str(caught.value) == f"{path}: {message}"
    assert path.read_bytes() == before  # left as it was
    code, out, err = run_cli(None, "merge", "s.csv", "share", "--status", "--journal", str(path))
    assert (code, out, err) == (2, "", f"{path}: {message}\n")


def _sent_some(path: Path) -> None:
    """A journal after one run: ana failed (line 2, es), bo on the wire (line 3, en)."""
    journal = Journal.open(path, {"message": "share", "campaign": "love"})
    journal.see("ana@example.net", 2, "es")
    journal.see("bo@example.net", 3, "en")
    journal.step(None, "ana@example.net")
    journal.step(("ana@example.net", "failed", "550 5.1.1 no such user"), "bo@example.net")
    journal.close()


def _tamper(path: Path, sql: str) -> None:
    import sqlite3

    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()


UNCERTAIN = "on the wire when a run stopped: the server may have it; the next run sends it again"


@pytest.mark.parametrize(
    ("sql", "lines"),
    [
        (
            "UPDATE recipients SET line = 'x'",
            [
                "states: failed 1, sending 1",
                "  en: sending 1",
                "  es: failed 1",
                "line ?: ana@example.net: failed: 550 5.1.1 no such user",
                f"line ?: bo@example.net: sending: {UNCERTAIN}",
            ],
        ),
        (
            "UPDATE recipients SET locale = X'00ff' WHERE key = 'ana@example.net'",
            [
                "states: failed 1, sending 1",
                "  ?: failed 1",
                "  en: sending 1",
                "line 2: ana@example.net: failed: 550 5.1.1 no such user",
                f"line 3: bo@example.net: sending: {UNCERTAIN}",
            ],
        ),
        (
            "UPDATE recipients SET line = 2.5, reply = X'00ff', key = X'01' "
            "WHERE key = 'ana@example.net'",
            [
                "states: failed 1, sending 1",
                "  en: sending 1",
                "  es: failed 1",
                f"line 3: bo@example.net: sending: {UNCERTAIN}",
                "line ?: ?: failed: ?",
            ],
        ),
    ],
)
def test_status_of_a_journal_edited_with_its_schema_intact(
    tmp_path: Path, sql: str, lines: list[str]
) -> None:
    """Review item 2: a text in ``line``, a blob in ``locale`` (bytes as JSON keys, bytes
    sorted with texts), ``reply`` or ``key`` was ``internal error: TypeError``. --status
    shows what it cannot read as ``?`` (``null`` for a line in JSON), as a run tolerates
    them (it writes the CSV's line and locale over the edited ones)."""
    import json

    path = tmp_path / "s.share.journal"
    _sent_some(path)
    _tamper(path, sql)
    status = ["merge", "s.csv", "share", "--status", "--journal", str(path)]
    code, out, err = run_cli(None, *status)
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{path}: share of love (shard all), 1 run(s)", *lines]
    code, out, err = run_cli(None, *status, "--format", "json")
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert all(p["line"] is None or type(p["line"]) is int for p in found["problems"])
    assert [p["line"] for p in found["problems"]] == [
        None if line.startswith("line ?") else int(line.split()[1].rstrip(":"))
        for line in lines
        if line.startswith("line ")
    ]
    # --jobs: the shards' problems sorted by line, the unreadable ones last
    shard = path.with_name(f"{path.name}.shard-1-of-2")
    _sent_some(path.with_name(f"{path.name}.shard-0-of-2"))
    shard.write_bytes(path.read_bytes())
    code, out, err = run_cli(None, *status, "--jobs", "2", "--format", "json")
    assert (code, err) == (0, "")
    lines_of = [p["line"] for p in json.loads(out)["problems"]]
    known = [line for line in lines_of if line is not None]
    assert known == sorted(known) and lines_of == known + [None] * (len(lines_of) - len(known))


def test_a_run_writes_the_csv_line_and_locale_over_edited_ones(tmp_path: Path) -> None:
    """What a run does with the values --status shows as ``?``: the next run that reads
    the recipient's row writes its line and locale again; the journal keeps its state."""
    path = tmp_path / "s.share.journal"
    _sent_some(path)
    _tamper(path, "UPDATE recipients SET line = 'x', locale = X'00ff'")
    journal = Journal.open(path, {"message": "share", "campaign": "love"})
    assert journal.see("ana@example.net", 2, "es") == ("failed", "550 5.1.1 no such user")
    journal.commit()
    assert journal.problems()[0] == ("ana@example.net", 2, "failed", "550 5.1.1 no such user")
    assert journal.by_locale() == {"es": {"failed": 1}, "?": {"sending": 1}}
    journal.close()


def test_a_full_journal_is_one_line_and_keeps_what_it_had(tmp_path: Path) -> None:
    """SQLite's page limit stands for a full disk: the write that does not fit is a
    JournalError; what was committed before is all there."""
    from outreach.errors import JournalError

    path = tmp_path / "j.sqlite"
    journal = Journal.open(path, {"message": "share"})
    journal.see("kept@x.org", 2, "en")
    journal.step(None, "kept@x.org")
    journal.step(("kept@x.org", "accepted", "250 2.0.0 queued"), None)
    pages = journal.db.execute("PRAGMA page_count").fetchone()[0]
    journal.db.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(JournalError) as caught:
        for line in range(3, 10_000):
            journal.see(f"someone-with-a-long-address-{line}@example.org", line, "en")
            journal.commit()
    assert str(caught.value) == (
        f"{path}: the disk (or the file system's quota) is full: free some space, then run the "
        "same command again"
    )
    journal.close()
    assert _states(path)["kept@x.org"] == "accepted"


@pytest.mark.parametrize(
    ("raw", "spec", "key"),
    [
        ("ana@straße.de", "ana@xn--strae-oqa.de", "ana@xn--strae-oqa.de"),
        ("Ana@Straße.DE", "Ana@xn--strae-oqa.de", "ana@xn--strae-oqa.de"),
        ("ana@strasse.de", "ana@strasse.de", "ana@strasse.de"),  # another domain
        ("ana@xn--strae-oqa.de", "ana@xn--strae-oqa.de", "ana@xn--strae-oqa.de"),
        ("José@Example.net", "José@Example.net", "josé@example.net"),
        ("Jose\u0301@Example.net", "José@Example.net", "josé@example.net"),  # NFD -> NFC
        ("zoë@bücher.example", "zoë@xn--bcher-kva.example", "zoë@xn--bcher-kva.example"),
    ],
)
def test_addresses_as_mail_systems_read_them(raw: str, spec: str, key: str) -> None:
    from outreach.merge.supporters import Address, parse_address

    address = parse_address(raw)
    assert isinstance(address, Address)
    assert (address.spec, address.key, address.utf8) == (spec, key, not spec.isascii())


@pytest.mark.parametrize(
    "raw", ["ana@☃.example", "ana@xn--zz.de", "ana@ab--cd.example", "ana@ex_ample.org"]
)
def test_a_domain_idna_2008_refuses_is_no_address(raw: str) -> None:
    from outreach.merge.supporters import parse_address

    assert "has a domain that is not valid" in str(parse_address(raw))


def test_the_journal_knows_a_supporter_by_the_normalised_address(tmp_path: Path) -> None:
    from outreach.merge.supporters import Address, parse_address

    def key(raw: str) -> str:
        address = parse_address(raw)
        assert isinstance(address, Address)
        return address.key

    journal = Journal.open(tmp_path / "j.sqlite", {"message": "share"})
    assert journal.see(key("josé@example.net"), 2, "pt") == ("pending", None)
    assert journal.see(key("JOSE\u0301@example.net"), 3, "pt") == ("duplicate", 2)
    assert journal.see(key("ana@straße.de"), 4, "de") == ("pending", None)
    assert journal.see(key("ana@strasse.de"), 5, "de") == ("pending", None)
    assert journal.see(key("ANA@STRAẞE.DE"), 6, "de") == ("duplicate", 4)
    journal.close()


@pytest.mark.parametrize(
    ("cell", "locale", "kind"),
    [
        ("pt-BR", "pt", "first"),
        ("pt_BR", "pt", "first"),
        ("es-MX", "es", "first"),
        ("fr-CA", "fr", "first"),
        ("PT-br", "pt", "first"),
        ("pt-BR,pt;q=0.9,en;q=0.5", "pt", "first"),
        ("de-DE,es;q=0.3", "es", "later"),
        ("en;q=0.1,fr;q=0.9", "fr", "first"),
        ("fr;q=0,es", "es", "first"),
        ("de", "en", "fallback"),
        ("xx", "en", "fallback"),
        ("*", "en", "first"),
        ("", "en", "none"),
    ],
)
def test_negotiation(cell: str, locale: str, kind: str) -> None:
    choice = Negotiator(("en", "es", "fr", "pt"), "en")(cell)
    assert not isinstance(choice, str)
    assert (choice.locale, choice.kind) == (locale, kind)


@pytest.mark.parametrize("cell", ["../x", "en;q=2", "en;x=1", "12", "pt BR", "e" * 300])
def test_unusable_locales(cell: str) -> None:
    assert isinstance(Negotiator(("en",), "en")(cell), str)


@pytest.mark.parametrize(
    "cell",
    [
        "pt-BR",
        "pt_br",
        "es-MX",
        "pt-BR,pt;q=0.9,en;q=0.5",
        "de-DE,es;q=0.3",
        "fr;q=0,es",
        "de",
        "*",
        "",
        " ",
        "ca-ES",
        "ca@valencia",
        "sr@latin",
        "sr-Latn-RS",
        "../x",
        "pt BR",
    ],
)
def test_merge_and_negotiate_locale_agree(cell: str) -> None:
    """One negotiation (outreach.locales.match_locale) for both: merge's choice for a cell is
    what ``negotiate_locale`` says, or the cell is unusable and it says the source locale."""
    locales = ("en", "es", "fr", "pt", "ca@valencia", "sr")
    choice = Negotiator(locales, "en")(cell)
    expected = negotiate_locale(cell, locales, "en")
    if isinstance(choice, str):  # merge reports the row; negotiate_locale says the source
        assert expected == "en"
    else:
        assert choice.locale == expected


def test_blank_and_modifier_cells_are_usable() -> None:
    choose = Negotiator(("en", "ca@valencia"), "en")
    assert choose("   ") == choose("")  # no locale given: not a row to refuse
    for cell in ("ca@valencia", "ca-ES"):
        choice = choose(cell)
        assert not isinstance(choice, str)
        assert (choice.locale, choice.kind) == ("ca@valencia", "first")


# -- unsubscribe (issue 11 item 8) ------------------------------------------------------------
def test_one_click_only_for_https() -> None:
    assert Unsubscribe("http://example.org/leave?t={token}", None, secret=SECRET).for_recipient(
        "a@x.org"
    )[1] == (("List-Unsubscribe", f"<http://example.org/leave?t={token(SECRET, 'a@x.org')}>"),)
    _, headers = Unsubscribe(None, "leave@example.org").for_recipient("a@x.org")
    assert headers == (("List-Unsubscribe", "<mailto:leave@example.org>"),)
    _, headers = Unsubscribe(None, "mailto:leave+{token}@example.org", secret=SECRET).for_recipient(
        "A@X.org"
    )
    assert headers == (
        ("List-Unsubscribe", f"<mailto:leave+{token(SECRET, 'a@x.org')}@example.org>"),
    )
    url, headers = Unsubscribe("https://e.org/u?e={email}", "u@e.org").for_recipient("a+b@x.org")
    assert url == "https://e.org/u?e=a%2Bb%40x.org"
    assert headers == (
        ("List-Unsubscribe", "<mailto:u@e.org>, <https://e.org/u?e=a%2Bb%40x.org>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


def test_render_without_a_recipient() -> None:
    links = Unsubscribe("https://e.org/u?t={token}", "u@e.org")
    assert links.preview() == (
        "https://e.org/u?t={token}",
        (("List-Unsubscribe", "<mailto:u@e.org>"),),
    )
    wide = Unsubscribe("https://e.org/u", None)
    assert wide.preview()[1] == (
        ("List-Unsubscribe", "<https://e.org/u>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


CAMPAIGN = """\
[campaign]
name = "X"
source_locale = "en"
locales = ["en"]
hashtags = ["#X"]
url = "https://example.org/x"

[email]
from = "X <x@example.org>"
{line}
"""


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('unsubscribe_url = "https://example.org/u?id={id}"', "the placeholder {id}"),
        ('unsubscribe_url = "https://example.org/u?t={token"', "unmatched brace"),
        ('unsubscribe_url = "ftp://example.org/u"', "whole http(s) link"),
        ('unsubscribe_mailto = "leave me <x@example.org>"', "an address or a mailto: link"),
    ],
)
def test_unsubscribe_settings_are_validated_at_their_line(line: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_campaign(CAMPAIGN.format(line=line), root=".", path="messages/campaign.toml")
    assert str(caught.value).startswith("messages/campaign.toml:10: ") and why in str(caught.value)


def test_check_warns_about_a_campaign_wide_one_click_url(tmp_path: Path) -> None:
    love = merge_campaign(tmp_path / "love")
    config = love / "messages" / "campaign.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("unsubscribe?email={email}&token={token}", "unsubscribe"), encoding="utf-8"
    )
    line = next(
        n
        for n, t in enumerate(config.read_text().splitlines(), 1)
        if t.startswith("unsubscribe_url")
    )
    code, out, _ = run_cli(love, "check", "--no-render", "--no-cache")
    assert code == 0
    assert (
        f"messages/campaign.toml:{line}: warning: unsubscribe: unsubscribe_url "
        "https://example.org/love/unsubscribe is the same for every recipient" in out
    )


def test_check_warns_about_a_link_without_token_and_a_merge_without_lists(tmp_path: Path) -> None:
    love = merge_campaign(tmp_path / "love")
    config = love / "messages" / "campaign.toml"
    text = config.read_text(encoding="utf-8").replace("&token={token}", "")
    text = text[: text.index("[merge]")]  # no suppression list
    config.write_text(text, encoding="utf-8")
    code, out, _ = run_cli(love, "check", "--no-render", "--no-cache")
    assert code == 0
    assert (
        "warning: unsubscribe: unsubscribe_url https://example.org/love/unsubscribe?email={email} "
        "has no {token}: anyone could unsubscribe anyone" in out
    )
    assert "warning: suppression: outreach merge would run with no suppression list" in out
    code, out, _ = run_cli(love, "check", "--no-render", "--no-cache", "--format", "json")
    names = [f["check"] for f in json.loads(out)["findings"]]
    assert names.count("unsubscribe") == 1 and names.count("suppression") == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    from outreach.merge.display import Progress

    terminal = _Terminal()
    bar = Progress(terminal)
    for done in (0, 500, 1000):
        bar(done, 1000)
    bar.write("s.csv:3: the address has no @")
    bar.close()
    shown = terminal.getvalue()
    assert "1000/1000" in shown and "row/s" in shown and "s.csv:3: the address has no @" in shown
    log = io.StringIO()
    lines = Progress(log, every=0)
    lines.last = 1.0  # as if a line was already printed
    lines(500, 1000)
    lines(1000, 1000)
    assert [line.split(" (")[0] for line in log.getvalue().splitlines()] == [
        "500/1,000 rows",
        "1,000/1,000 rows",
    ]
    assert "s left" in log.getvalue()


def test_the_mbox_writes_a_message_from_its_pieces_as_from_its_bytes(tmp_path: Path) -> None:
    import mailbox

    from outreach.merge.outputs import MboxWriter
    from outreach.merge.skeleton import Outgoing

    head = b"From: Love <love@example.org>\nTo: ana@example.net\nSubject: Hola\n"
    tail = (b"Message-ID: <1@example.org>\n", b"MIME-Version: 1.0\n\n", b"Mira el corto.\n")
    outgoing = Outgoing("ana@example.net", 2, "es", "ana@example.net", False, head, tail)
    date = b"Date: Tue, 01 Dec 2026 14:00:00 +0000\n"
    pieces, joined = tmp_path / "pieces.mbox", tmp_path / "joined.mbox"
    with MboxWriter(pieces, sender="love@example.org") as writer:
        writer.write_message(outgoing, date)
    with MboxWriter(joined, sender="love@example.org") as writer:
        writer.write(outgoing.data(date), outgoing.recipient, outgoing.line)

    def body(path: Path) -> bytes:
        return path.read_bytes().split(b"\n", 1)[1]  # after the From_ line (a timestamp)

    assert body(pieces) == body(joined)
    (message,) = mailbox.mbox(pieces)
    assert message["Subject"] == "Hola" and message.get_payload() == "Mira el corto.\n"


ADDRESSES = st.lists(
    st.sampled_from([*"abz09.-_+!#%'", "é", "@", " ", '"', "<", "example", ".net", "-x", ".."]),
    max_size=12,
).map("".join)


@given(ADDRESSES)
@settings(max_examples=800)
def test_the_usual_address_short_cut_is_the_full_parse(raw: str) -> None:
    import re

    from outreach import addresses

    fast = addresses.parse_address(raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(addresses, "_PLAIN_ADDRESS", re.compile(r"(?!)(x)(y)"))  # never
        assert addresses.parse_address(raw) == fast


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=200))
@settings(max_examples=300)
def test_a_one_token_ascii_header_is_what_folding_writes(value: str) -> None:
    from outreach.mail import _fold, ascii_header

    assert ascii_header("List-Unsubscribe", value) == _fold("List-Unsubscribe", [value])


# -- sign-up text where it goes (issue 18 item 7) ----------------------------------------------
@pytest.mark.parametrize(
    ("value", "kind", "refused"),
    [
        ("Ana Lima", "header", None),
        ("Zoë O'Connor", "header", None),
        ("محمد\u00a0علي", "header", None),  # a no-break space is a space, not a control
        ("می\u200cخواهم", "header", None),  # ZWNJ in Persian
        ("क्\u200dष", "header", None),  # ZWJ after a virama
        ("👩\u200d💻 🏳\ufe0f\u200d🌈", "header", None),  # emoji ZWJ sequences
        ("J.R.R. Tolkien", "header", None),
        ("Pay\u200cPal", "header", "U+200C ZERO WIDTH NON-JOINER"),  # between ASCII letters
        ("\u200dAna", "header", "U+200D ZERO WIDTH JOINER"),
        ("Ana\u200fLima", "header", "U+200F RIGHT-TO-LEFT MARK"),
        ("Ana\u200b", "header", "U+200B ZERO WIDTH SPACE"),
        ("Ana\u00adLima", "header", "U+00AD SOFT HYPHEN"),
        ("Ana\U000e0041", "header", "U+E0041 TAG LATIN CAPITAL LETTER A"),
        ("Ana\x9bLima", "header", "U+009B"),  # a C1 control (CSI)
        ("Ana\tLima", "header", "line break or control character (it reaches a header)"),
        ("www.evil.com", "header", "'www.evil.com'"),
        ("ＥＶＩＬ.ＣＯＭ/x", "header", "'EVIL.COM/x'"),  # full-width: clients that normalise
        ("bit.ly/x", "header", "'bit.ly/x'"),
        ("no.lu", "header", "'no.lu'"),  # a one-name country-code domain
        # a full stop IDNA reads as a dot is one: browsers and mail clients go to evil.com
        ("https://evil。com/reset", "header", "'https://evil.com/reset' (it reaches a header)"),
        ("evil。com", "header", "'evil.com'"),  # U+3002 IDEOGRAPHIC FULL STOP
        ("evil｡com", "header", "'evil.com'"),  # U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP
        ("evil．com", "header", "'evil.com'"),  # U+FF0E FULLWIDTH FULL STOP
        ("support@evil。com", "header", "'support@evil.com'"),
        ("例子。中国", "header", "'例子.中国'"),
        ("ｈｔｔｐｓ：／／ｅｖｉｌ", "header", "'https://evil'"),
        # a scheme is a link whatever its host: a number, a name without a dot, none
        ("https://2130706433/reset", "header", "'https://2130706433/reset'"),  # 127.0.0.1
        ("https://evil", "header", "'https://evil'"),
        ("Reset at HTTPS://evil/x now", "header", "'HTTPS://evil/x'"),
        ("https:evil", "header", "'https:evil'"),  # a browser reads https://evil/
        ("https:\\\\evil\\x", "header", "'https:\\\\\\\\evil\\\\x'"),  # "\\" is "/" to a browser
        ("ftp://files", "header", "'ftp://files'"),
        ("intent://x#Intent;end", "header", "'intent://x#Intent;end'"),
        ("javascript:alert(1)", "header", "'javascript:alert(1)'"),
        ("JavaScript:alert(1)", "header", "'JavaScript:alert(1)'"),
        ("vbscript:msgbox(1)", "header", "'vbscript:msgbox(1)'"),
        ("mailto:x", "header", "'mailto:x'"),
        ("data:text/html;base64,PGI+", "header", "'data:text/html;base64,PGI+'"),
        ("10.0.0.1", "header", "'10.0.0.1'"),  # an IPv4 address is a host
        ("Dr. Ana", "header", None),
        ("St. Louis", "header", None),
        ("Ana.María", "header", None),
        ("محمد علي", "header", None),
        ("王小明", "header", None),
        ("山田 太郎", "header", None),
        ("Washington D.C.", "header", None),
        ("Re: hello", "header", None),
        ("Rio", "body", None),
        ("https://evil。com/reset", "body", "'https://evil.com/reset' (declare the column \"url\""),
        ("see evil｡com", "body", "'evil.com'"),
        ("例子。中国", "body", "'例子.中国'"),
        ("https://2130706433/reset", "body", "'https://2130706433/reset'"),
        ("https://evil", "body", "'https://evil'"),
        ("ht\u200btps://evil", "body", "'https://evil'"),  # a zero-width space taken out
        ("javascript:alert(1)", "body", "'javascript:alert(1)'"),
        ("admin at 192.168.0.1:8080/admin.", "body", "'192.168.0.1:8080/admin'"),
        ("J.R.R. Tolkien", "body", None),
        ("Zoë O'Connor", "body", None),
        ("Dr. Ana", "body", None),
        ("St. Louis", "body", None),
        ("Ana.María", "body", None),
        ("ありがとう。よろしくお願いします。", "body", None),  # Japanese sentences
        ("谢谢。再见", "body", None),
        ("Note: 10:30, v1.2.3", "body", None),
        ("Data: 12/03", "body", None),  # Portuguese "date", not data:
        ("مرحبا\u200f!", "body", None),  # a bidi mark is text in the body
        ("Ana\tLima", "body", 'declare the column "text"'),
        ("Line\u2028two", "body", 'declare the column "text"'),
        ("see https://x.example/", "body", "'https://x.example/' (declare the column \"url\""),
        ("mail ana@example.org", "body", "'ana@example.org'"),
        ("a\u2066b", "body", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("Hi\r\nthere\tyou https://x.example/ \u200f", "text", None),
        ("lone\rreturn", "text", "U+000D"),
        ("bell\x07", "text", "U+0007"),
        ("a\u2029b", "text", "U+2029 PARAGRAPH SEPARATOR"),
        ("a\u202db", "text", "U+202D LEFT-TO-RIGHT OVERRIDE"),
        ("", "url", None),
        ("https://example.org/sign?ref=a", "url", None),
        ("HTTPS://example.org/", "url", "not one http(s) URL"),
        ("https://example.org/ https://evil.com/", "url", "not one http(s) URL"),
        ("https://exa\u202emple.org/", "url", "not one http(s) URL"),
        ("https://example.org@evil.com/", "url", "not one http(s) URL"),
        ("https://example.org/" + "a" * 3000, "url", "aaa…'"),  # shown cut short
    ],
)
def test_what_a_field_may_hold_where_it_goes(value: str, kind: str, refused: str | None) -> None:
    from outreach.merge.audience import Unsafe, field_problem

    problem = field_problem("col", value, kind)
    if refused is None:
        assert problem is None
    else:
        assert isinstance(problem, Unsafe) and refused in problem, problem
        assert "\n" not in problem and len(problem) < 300


def test_the_address_and_locale_are_not_searched_for_links() -> None:
    from outreach.merge.audience import field_problem

    assert field_problem("email", "ana@evil.io", "header") is None
    assert field_problem("locale", "en.io", "header") is None
    assert field_problem("email", "ana\u202e@example.org", "header") is not None


@given(st.text(max_size=60), st.sampled_from(["header", "body", "text", "url"]))
@settings(max_examples=500)
def test_every_value_gets_a_verdict_of_one_line(value: str, kind: str) -> None:
    from outreach.display import visible
    from outreach.merge.audience import field_problem

    problem = field_problem("col", value, kind)
    assert problem is None or "\n" not in visible(problem)


# -- a column that reaches the subject through other template code is a header's -------------
INCLUDED = {"_subj.j2": "{{ city }}", "_m.j2": "{% macro where() %}{{ city }}{% endmacro %}"}
BODY = "{% block body %}<p>{{ name }}: {{ city }}</p>{% endblock %}"


@pytest.mark.parametrize(
    ("subject", "via"),
    [
        (
            '{% block subject %}News for {% include "_subj.j2" %}{% endblock %}',
            "m.j2:1: the subject includes a template",
        ),
        (
            "{% block subject %}News for {{ self.where() }}{% endblock %}"
            "{% block where %}{{ city }}{% endblock %}",
            "m.j2:1: the subject calls a macro, a block or a function",
        ),
        (
            "{% block subject %}News for {{ super() }}{% endblock %}",
            "m.j2:1: the subject calls a macro, a block or a function",
        ),
        (
            '{% from "_m.j2" import where %}{% block subject %}{{ where() }}{% endblock %}',
            "m.j2:1: the subject calls a macro, a block or a function",
        ),
        (
            '{% block subject %}{% from "_m.j2" import where %}{{ where() }}{% endblock %}',
            "m.j2:1: the subject imports a template",
        ),
        (
            '{% import "_m.j2" as m %}{% block subject %}{{ m.where() }}{% endblock %}',
            "m.j2:1: the subject calls a macro, a block or a function",
        ),
        (
            "{% macro where() %}{{ city }}{% endmacro %}"
            "{% block subject %}{% call where() %}{% endcall %}{% endblock %}",
            "m.j2:1: the subject calls a macro",
        ),
        (
            "{% set where = city %}{% block subject %}News for {{ where }}{% endblock %}",
            "the subject shows 'where', which the templates set",
        ),
        (
            "{% set where %}{{ city }}{% endset %}{% block subject %}{{ where }}{% endblock %}",
            "the subject shows 'where', which the templates set",
        ),
        (
            "{% block subject %}News for {% block where %}{% endblock %}{% endblock %}",
            "m.j2:1: the subject has a block, 'where'",
        ),
        (
            '{% block subject %}{{ pgettext("subject", "News") ~ " " ~ "x".join([]) }}'
            "{% endblock %}",
            "m.j2:1: the subject calls a macro, a block or a function",
        ),
    ],
)
def test_a_subject_that_reaches_other_template_code_makes_every_column_a_header(
    subject: str, via: str
) -> None:
    """Only the columns the subject block writes itself can be told apart: a subject that
    includes, imports, calls a block, a macro or a function, nests a block, or shows a
    variable set elsewhere may show any column, so each column written counts as its."""
    from jinja2 import DictLoader, Environment

    from outreach.merge.fields import analyse

    env = Environment(
        loader=DictLoader({"m.j2": subject + BODY, **INCLUDED}), extensions=["jinja2.ext.i18n"]
    )
    use = analyse(env, ["m.j2"], {"email", "name", "city", "note"})
    assert use.subject_via == via
    assert use.subject == {"name", "city"}  # "note" is written nowhere


def test_a_subject_that_writes_its_columns_itself_has_only_those() -> None:
    from jinja2 import DictLoader, Environment

    from outreach.merge.fields import analyse

    subject = (
        '{% block subject %}{{ pgettext("subject", "%(n)s, for love", n=name) }} '
        "{{ signatures|number }}{% if city %}!{% endif %}{% endblock %}"
    )
    body = '{% block body %}{% include "_subj.j2" %}{{ self.subject() }}{% endblock %}'
    env = Environment(
        loader=DictLoader({"m.j2": subject + body, **INCLUDED}), extensions=["jinja2.ext.i18n"]
    )
    env.filters["number"] = str
    use = analyse(env, ["m.j2"], {"email", "name", "city", "signatures"})
    assert (use.subject_via, use.subject) == ("", {"name", "signatures", "city"})


# -- issue 18 item 6: a column under a filter, skeleton or not, is a full render -----------
FILTERED = """\
{% block subject %}{{ pgettext("subject", "%(name)s, two minutes for love", name=name) }}
{%- endblock %}
{% block body %}
<p>{% trans count=signatures, num=signatures|number %}One person has signed, {{ name }}.
{%- pluralize %}{{ num }} people have signed, {{ name }}.{% endtrans %}</p>
<p>{{ deadline|date("long") }} &middot; {{ city|upper }}</p>
{% endblock %}
{% block text %}
{% trans count=signatures, num=signatures|number %}One person has signed, {{ name }}.
{%- pluralize %}{{ num }} people have signed, {{ name }}.{% endtrans %}
{{ deadline|date("long") }} / {{ city|upper }}
{% endblock %}
"""


@pytest.fixture(scope="module")
def filtered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from outreach.campaign import load_campaign
    from outreach.merge.skeleton import MessageMaker
    from outreach.render import Renderer

    root = merge_campaign(tmp_path_factory.mktemp("filtered") / "love", {"f.j2": FILTERED})
    campaign = load_campaign(root)
    links = Unsubscribe(campaign.email.unsubscribe_url, None, secret=SECRET)
    columns = ["email", "name", "locale", "city", "signatures", "deadline"]
    maker = MessageMaker(campaign, Renderer(campaign), "f", columns, links)
    maker.prepare(campaign.locales)
    return root, maker


@given(
    name=NAMES,
    city=st.sampled_from(["", "Leeds", "São Paulo", "x" * 300]),
    signatures=st.one_of(st.integers(0, 10**12).map(str), st.sampled_from(["", "1", "+7", "-2"])),
    deadline=st.one_of(st.dates().map(dt.date.isoformat), st.just("")),
    locale=st.sampled_from(["en", "es", "fr", "pt"]),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_filtered_column_from_a_skeleton_is_the_slow_path(
    filtered: tuple[Path, object],
    name: str,
    city: str,
    signatures: str,
    deadline: str,
    locale: str,
) -> None:
    """Whatever each row's values of fields under filters (and a plural's count), the
    message equals a full render with those values (the slow path), parsed back: the
    first time (a full render) and the second (from a skeleton for those values, proven
    against a full render with probe names)."""
    from outreach.display import NOT_ONE_LINE
    from outreach.merge.audience import Choice, Supporter
    from outreach.merge.skeleton import MessageMaker
    from outreach.merge.supporters import parse_address

    root, maker = filtered
    assert isinstance(maker, MessageMaker)
    address = parse_address("ana@example.net")
    assert not isinstance(address, str)
    cells = {"email": "ana@example.net", "name": name, "city": city}
    cells |= {"signatures": signatures, "deadline": deadline}
    supporter = Supporter(2, address, name, Choice(locale, "first", locale), cells)
    typed: dict[str, Any] = {**cells, "signatures": int(signatures or 300000)}
    typed["deadline"] = dt.date.fromisoformat(deadline) if deadline else dt.date(2014, 2, 6)
    for _ in range(2):
        skeletons = maker.stats["skeleton"]
        data = maker.make(supporter).data(maker.date())
        check_message(
            data,
            locale=locale,
            name=name,
            address="ana@example.net",
            campaign=root,
            message="f",
            fields=typed,
        )
    if not (NOT_ONE_LINE.search(name) or "  " in name):  # else rendered in full: reshaped
        assert maker.stats["skeleton"] == skeletons + 1  # the second came from a skeleton


# -- review item 3: values that compare equal but render differently share no skeleton ------
RATIO = """\
{% block subject %}{{ pgettext("subject", "%(name)s, two minutes for love", name=name) }}
{%- endblock %}
{% block body %}
<p>{{ ratio }}{% if ratio is not sameas true %} = {{ ratio|number }}{% endif %}</p>
{% endblock %}
{% block text %}
{{ ratio }}{% if ratio is not sameas true %} = {{ ratio|number }}{% endif %}
{% endblock %}
"""

# Equal in pairs (or more), each rendered its own way: -0.0 == 0.0 ("-0" and "0" under
# |number), Decimal("1.0") == Decimal("1") == 1 == 1.0 == True ("1.0", "1", "True").
EQUAL_BUT_NOT_THE_SAME = {
    "0.0": 0.0,
    "-0.0": -0.0,
    "D0": Decimal("0"),
    "D-0": Decimal("-0"),
    "D1.0": Decimal("1.0"),
    "D1": Decimal("1"),
    "1": 1,
    "1.0": 1.0,
    "True": True,
}


def _ratio_maker(tmp_path: Path) -> tuple[Path, Any]:
    from outreach.campaign import load_campaign
    from outreach.merge.skeleton import MessageMaker
    from outreach.render import Renderer

    root = merge_campaign(tmp_path / "love", {"ratio.j2": RATIO})
    config = root / "messages" / "campaign.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[variables]\n", "[variables]\nratio = 0.0\n", 1), "utf-8")
    campaign = load_campaign(root)
    links = Unsubscribe(campaign.email.unsubscribe_url, None, secret=SECRET)
    columns = ["email", "name", "locale", "ratio"]
    maker = MessageMaker(campaign, Renderer(campaign), "ratio", columns, links)
    maker.prepare(campaign.locales)
    return root, maker


def _made_is_rendered(root: Path, maker: Any, locale: str, cell: str, value: object) -> None:
    from outreach.merge.audience import Choice, Supporter
    from outreach.merge.supporters import parse_address

    address = parse_address("ana@example.net")
    assert not isinstance(address, str)
    cells = {"email": "ana@example.net", "name": "Ana", "ratio": cell}
    supporter = Supporter(2, address, "Ana", Choice(locale, "first", locale), cells)
    data = maker.make(supporter).data(maker.date())
    typed: dict[str, Any] = {**cells, "ratio": value}
    check_message(
        data,
        locale=locale,
        name="Ana",
        address="ana@example.net",
        campaign=root,
        message="ratio",
        fields=typed,
    )


@pytest.mark.parametrize("order", [["0.0", "-0.0"], ["-0.0", "0.0"], ["", "-0.0"]])
def test_minus_zero_is_not_zero_in_a_skeleton(tmp_path: Path, order: list[str]) -> None:
    """``-0.0 == 0.0``, and a skeleton keyed by equality gave "0" under ``|number`` to the
    supporter whose ratio is -0.0, where a full render gives "-0". Each value twice (the
    second from its skeleton), then the other value: each message is its full render.
    A blank cell is campaign.toml's ``ratio = 0.0``, whose skeleton is made beforehand."""
    root, maker = _ratio_maker(tmp_path)
    for cell in order:
        for _ in range(2):
            value = float(cell) if cell else 0.0
            _made_is_rendered(root, maker, "fr", cell, value)
    assert maker.stats["skeleton"] >= 2


@given(st.lists(st.sampled_from(sorted(EQUAL_BUT_NOT_THE_SAME)), min_size=2, max_size=10))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_equal_values_that_render_differently_share_no_skeleton(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, cells: list[str]
) -> None:
    """Whatever the order of values that compare equal but render differently (the
    column's type is the campaign's float; here each cell stands for one of those values),
    every message, from a skeleton or in full, is its full render."""
    import outreach.merge.skeleton

    def typed(name: str, cell: str, like: object) -> object:
        return EQUAL_BUT_NOT_THE_SAME[cell] if cell else like

    monkeypatch.setattr(outreach.merge.skeleton, "typed_value", typed)
    root, maker = _ratio_maker(tmp_path_factory.mktemp("ratio"))
    for cell in cells + cells:  # each again: from its skeleton the second time
        _made_is_rendered(root, maker, "en", cell, EQUAL_BUT_NOT_THE_SAME[cell])
    assert maker.stats["skeleton"] >= 1
