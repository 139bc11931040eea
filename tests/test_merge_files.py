"""``outreach merge`` into files: the mbox read back, bad rows at their lines, encodings,
merge fields as data, the skeleton against a full render, shards, proofs, dry runs."""

from __future__ import annotations

import datetime
import json
import mailbox
from pathlib import Path

import pytest
from conftest import REPOSITORY, run_cli
from merge_support import (
    SECRET,
    check_message,
    declare_columns,
    merge_campaign,
    parse,
    write_csv,
)

ROWS = [
    ("ana.lima@example.net", "Ana Lima", "pt-BR", "São Paulo"),
    ("maria@example.net", "María García", "es-MX", "Ciudad de México"),
    ("pierre@example.net", "Pierre Martin", "fr-CA", ""),
    ("sam@example.net", "Sam Taylor", "en-GB,en;q=0.9", "Leeds"),
    ("anna@example.net", "Anna Schmidt", "de-DE", "Berlin"),
    ("joao@example.net", "João Silva", "pt-BR,pt;q=0.9,en;q=0.5", "Recife"),
    ("zoe@example.net", "Zoë O'Connor", "", ""),
]
LOCALES = {
    "ana.lima@example.net": "pt",
    "maria@example.net": "es",
    "pierre@example.net": "fr",
    "sam@example.net": "en",
    "anna@example.net": "en",
    "joao@example.net": "pt",
    "zoe@example.net": "en",
}


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)


@pytest.fixture
def love(tmp_path: Path) -> Path:
    return merge_campaign(tmp_path / "love")


def messages(box: Path) -> list[bytes]:
    """The messages of an mbox as stored (``mailbox.mbox`` reads it)."""
    mbox = mailbox.mbox(box)
    return [mbox.get_bytes(key) for key in mbox.keys()]  # noqa: SIM118 (a mailbox, not a dict)


def by_address(box: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for data in messages(box):
        address = parse(data)["To"].addresses[0].addr_spec
        # the stdlib reads raw UTF-8 header bytes (SMTPUTF8, RFC 6532) as surrogate escapes
        address = address.encode("ascii", "surrogateescape").decode("utf-8")
        assert address not in found
        found[address] = data
    return found


@pytest.mark.parametrize("message", ["share", "hello"])
def test_mbox_every_message_is_right(love: Path, tmp_path: Path, message: str) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), message, "--out", str(box))
    assert (code, err) == (0, ""), err
    found = by_address(box)
    assert set(found) == set(LOCALES)
    for email_, name, _, city in ROWS:
        fields = {"email": email_, "name": name, "city": city}
        check_message(
            found[email_],
            locale=LOCALES[email_],
            name=name,
            address=email_,
            campaign=love,
            message=message,
            fields=fields,
        )
    assert "locales: pt 2, es 1, fr 1, en 3" in out
    assert "fell back: 1 (de-DE -> en (1))" in out
    assert "no locale given: 1" in out


def test_message_id_is_stable_and_date_is_now(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS[:3])
    ids = []
    for name in ("a.mbox", "b.mbox"):
        code, _, err = run_cli(
            love, "merge", str(supporters), "share", "--out", str(tmp_path / name)
        )
        assert code == 0, err
        ids.append({a: parse(m)["Message-ID"] for a, m in by_address(tmp_path / name).items()})
        for data in messages(tmp_path / name):
            sent = parse(data)["Date"].datetime  # the moment of writing, to the second
            assert abs((sent - datetime.datetime.now(datetime.UTC)).total_seconds()) < 300
    assert ids[0] == ids[1]
    assert len(set(ids[0].values())) == 3
    code, _, _ = run_cli(love, "merge", str(supporters), "hello", "--out", str(tmp_path / "c.mbox"))
    other = {a: parse(m)["Message-ID"] for a, m in by_address(tmp_path / "c.mbox").items()}
    assert not set(other.values()) & set(ids[0].values())  # another message: other IDs


VARS = """\
{% block subject %}{{ film_minutes }} minutes for love{% endblock %}
{% block body %}<p>{{ film_minutes }} minutes: <a href="{{ url }}">watch</a></p>{% endblock %}
{% block text %}{{ film_minutes }} minutes: {{ url }}{% endblock %}
"""


def test_var_and_columns_over_campaign_variables(love: Path, tmp_path: Path) -> None:
    """``--var`` wins over campaign.toml's [variables]; a column of the same name gives
    each supporter their own value, over both."""
    (love / "messages" / "vars.j2").write_text(VARS, encoding="utf-8")
    plain = write_csv(
        tmp_path / "a.csv", [("a@example.net", "A", "en")], ("email", "name", "locale")
    )
    own = write_csv(
        tmp_path / "b.csv",
        [("b@example.net", "B", "es", "7"), ("c@example.net", "C", "fr", "9")],
        ("email", "name", "locale", "film_minutes"),
    )
    subjects = {}
    for supporters, extra in ((plain, ()), (plain, ("--var", "film_minutes=5")), (own, ())):
        box = tmp_path / f"{supporters.stem}{len(extra)}.mbox"
        args = ("--var", "url=https://example.org/love/petition", *extra)
        code, _, err = run_cli(love, "merge", str(supporters), "vars", "--out", str(box), *args)
        assert code == 0, err
        for data in messages(box):
            message = parse(data)
            subjects[(box.stem, message["To"].addresses[0].addr_spec)] = message["Subject"]
            text = message.get_body(("plain",))
            assert text is not None
            assert "https://example.org/love/petition?utm_source=email" in text.get_content()
    assert subjects == {
        ("a0", "a@example.net"): "2 minutes for love",  # campaign.toml: film_minutes = 2
        ("a2", "a@example.net"): "5 minutes for love",
        ("b0", "b@example.net"): "7 minutes for love",
        ("b0", "c@example.net"): "9 minutes for love",
    }


def test_merge_fields_are_data(love: Path, tmp_path: Path) -> None:
    rows = [
        ("a@example.net", "{{ 7*7 }}", "en", "{% if 1 %}x{% endif %}"),
        ("b@example.net", "<script>alert(1)</script>", "en", 'Q"u&o<te>'),
        ("c@example.net", "=?utf-8?b?QmNjOiB4QGV4YW1wbGUubmV0?=", "fr", "%(url)s"),
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(supporters), "hello", "--out", str(box))
    assert code == 0, err
    found = by_address(box)
    first = parse(found["a@example.net"])
    assert first["Subject"].startswith("{{ 7*7 }}")
    text = first.get_body(("plain",))
    assert text is not None and "{{ 7*7 }}" in text.get_content() and "49" not in text.get_content()
    second = parse(found["b@example.net"])
    html = second.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert "<script>" not in content and "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "Q&#34;u&amp;o&lt;te&gt;" in content
    third = parse(found["c@example.net"])
    assert third["Bcc"] is None
    assert third["To"].addresses[0].display_name == "=?utf-8?b?QmNjOiB4QGV4YW1wbGUubmV0?="
    body = third.get_body(("plain",))
    assert body is not None and "%(url)s" in body.get_content()
    for address, name, locale, city in rows:
        check_message(
            found[address],
            locale=locale,
            name=name,
            address=address,
            campaign=love,
            message="hello",
            fields={"email": address, "name": name, "city": city},
        )


def test_hosts_in_fields_are_the_supporters_but_a_translation_may_not_add_one(
    love: Path, tmp_path: Path
) -> None:
    """A post or email that links where its source does not never goes out.
    A supporter's own fields are not the translation's doing: the source email for the same
    supporter has them too (skeleton or full render alike). The column is declared to hold
    links (issue 18 item 7: an undeclared one may not)."""
    from conftest import edit_po, po_path

    declare_columns(love, city="text")
    rows = [
        ("h@example.net", "Hana", "fr", "see  evil.io now"),  # two spaces: rendered in full
        ("k@example.net", "Kai", "fr", "evil.com"),  # a skeleton
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), "hello", "--out", str(box))
    assert (code, err) == (0, ""), err
    assert "rendered: 1 from skeletons, 1 in full" in out
    assert sorted(by_address(box)) == ["h@example.net", "k@example.net"]
    assert run_cli(love, "extract")[0] == 0 and run_cli(love, "update")[0] == 0
    edit_po(po_path(love, "fr"), {"Dear %(name)s,": "Cher %(name)s, voir evil.io"})
    box.unlink()
    code, _, err = run_cli(love, "merge", str(supporters), "hello", "--out", str(box))
    assert code == 2 and "links to evil.io" in err and "link hijack" in err, err
    assert not box.exists()


def test_a_filter_over_a_field_renders_in_full(tmp_path: Path) -> None:
    upper = HELLO_UPPER = (
        '{% block subject %}{{ pgettext("subject", "Hello") }}{% endblock %}'
        "{% block body %}<p>{{ name|upper }}</p>{% endblock %}"
        "{% block text %}{{ name|upper }}{% endblock %}"
    )
    assert upper is HELLO_UPPER
    love = merge_campaign(tmp_path / "love", {"loud.j2": upper})
    supporters = write_csv(tmp_path / "s.csv", ROWS[:2])
    code, out, err = run_cli(
        love, "merge", str(supporters), "loud", "--out", str(tmp_path / "o.mbox")
    )
    assert code == 0, err
    assert "rendered: 0 from skeletons, 2 in full" in out
    assert "'name' is used in a way a skeleton cannot represent" in out and "loud.j2:1" in out
    texts = [parse(m).get_body(("plain",)) for m in messages(tmp_path / "o.mbox")]
    assert sorted(t.get_content().split("\n")[0] for t in texts if t) == [
        "ANA LIMA",
        "MARÍA GARCÍA",
    ]


def test_a_multiline_value_renders_in_full(love: Path, tmp_path: Path) -> None:
    declare_columns(love, city="text")  # issue 18 item 7: an undeclared column is one line
    rows = [
        ("a@example.net", "Ana", "en", "Line one\nLine two"),
        ("b@example.net", "Bo", "en", "Oslo"),
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)
    code, out, err = run_cli(
        love, "merge", str(supporters), "hello", "--out", str(tmp_path / "o.mbox")
    )
    assert code == 0, err
    assert "rendered: 1 from skeletons, 1 in full" in out
    found = by_address(tmp_path / "o.mbox")
    for address, name, locale, city in rows:
        check_message(
            found[address],
            locale=locale,
            name=name,
            address=address,
            campaign=love,
            message="hello",
            fields={"email": address, "name": name, "city": city},
        )


def test_bad_rows_are_reported_at_their_lines(love: Path, tmp_path: Path) -> None:
    supporters = tmp_path / "s.csv"
    supporters.write_text(
        "email,name,locale\n"
        "ok@example.net,Ok,en\n"  # 2
        ",No Address,en\n"  # 3
        "not-an-address,Bad,en\n"  # 4
        'ana@example.net,"Ana\nBcc: victim@example.net",en\n'  # 5-6: a line break in the name
        "bo@example.net,Bo,../../etc/passwd\n"  # 7
        "OK@Example.net,Again,fr\n"  # 8: a duplicate of line 2
        "x@example.net,X,en,extra\n"  # 9
        "\n"
        "last@example.net,Last,pt\n",  # 11
        encoding="utf-8",
    )
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), "share", "--out", str(box))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == [
        f"{supporters}:3: no email address",
        f"{supporters}:4: the address has no @",
        f"{supporters}:5: the 'name' field has a line break or control character "
        "(it reaches a header)",
        f"{supporters}:7: unusable locale '../../etc/passwd': write a language tag such as "
        "pt-BR, or a list such as pt-BR,pt;q=0.9",
        f"{supporters}:8: duplicate: OK@Example.net is also on line 2",
        f"{supporters}:9: the row has 4 values but the header has 3 columns",
    ]
    assert sorted(by_address(box)) == ["last@example.net", "ok@example.net"]
    assert "6 bad rows (skipped)" in out


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("a b@example.net", "spaces, quotes"),
        ("<a@example.net>", "spaces, quotes"),
        ('"a"@example.net', "spaces, quotes"),
        ("a@example", "domain that is not valid"),
        ("a..b@example.net", "local part"),
        ("a@-bad.example", "domain that is not valid"),
        ("x" * 65 + "@example.net", "longer than 64"),
    ],
)
def test_addresses_that_are_refused(love: Path, tmp_path: Path, raw: str, why: str) -> None:
    supporters = write_csv(tmp_path / "s.csv", [(raw, "X", "en", "")])
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--dry-run")
    assert code == 1 and why in err and f"{supporters}:2:" in err


def test_addresses_as_mail_systems_read_them(love: Path, tmp_path: Path) -> None:
    """Issue 18 item 5: IDNA 2008, not Python's IDNA 2003 codec (which sent straße.de to
    strasse.de and dropped the real strasse.de supporter as a duplicate); a local part in NFC
    and in NFD is one supporter."""
    rows = [
        ("ana@straße.de", "Ana", "de", ""),  # 2
        ("ana@strasse.de", "Ana S", "de", ""),  # 3: another domain, another supporter
        ("josé@example.net", "José", "pt", ""),  # 4: NFC
        ("jose\u0301@example.net", "José", "pt", ""),  # 5: NFD, the same address
        ("bo@☃.example", "Bo", "en", ""),  # 6: IDNA 2008 has no symbols
        ("cy@xn--zz.example", "Cy", "en", ""),  # 7: not an A-label
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), "share", "--out", str(box))
    assert code == 1
    assert err.strip().splitlines() == [
        f"{supporters}:5: duplicate: josé@example.net is also on line 4",
        f"{supporters}:6: 'bo@☃.example' has a domain that is not valid (IDNA 2008 refuses it)",
        f"{supporters}:7: 'cy@xn--zz.example' has a domain that is not valid "
        "(IDNA 2008 refuses it)",
    ]
    assert sorted(by_address(box)) == ["ana@strasse.de", "ana@xn--strae-oqa.de", "josé@example.net"]
    assert "3 bad rows (skipped)" in out


def test_names_that_could_inject(love: Path, tmp_path: Path) -> None:
    rows = [
        ("a@example.net", 'Ana "The Boss" <boss@evil.com>', "en", ""),
        ("b@example.net", "x" * 190 + " Ünïcødé", "en", ""),
        ("c@example.net", "Bcc: victim@example.net", "en", ""),
        ("d@example.net", "Name\u2028Bcc: victim@example.net", "en", ""),
        ("e@example.net", "Tab\there", "en", ""),
        ("zoë@bücher.example", "Zoë", "en", ""),
        ("f@example.net", 'Ana "The Boss" <boss>', "en", ""),  # 8
        ("g@example.net", "Bcc: victim", "en", ""),  # 9
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--out", str(box))
    assert code == 1
    assert f"{supporters}:5: the 'name' field has a line break" in err
    assert f"{supporters}:6: the 'name' field has a line break" in err
    # issue 18 item 7: an address in a name is a link in a header (rows 2 and 4 were sent)
    assert f"{supporters}:2: the 'name' field holds a link, 'boss@evil.com'" in err
    assert f"{supporters}:4: the 'name' field holds a link, 'victim@example.net'" in err
    found = by_address(box)
    assert sorted(found) == [
        "b@example.net",
        "f@example.net",
        "g@example.net",
        "zoë@xn--bcher-kva.example",
    ]
    for address, data in found.items():
        parsed = parse(data)
        assert parsed["Bcc"] is None and len(parsed.get_all("To")) == 1
        spec = parsed["To"].addresses[0].addr_spec
        assert spec.encode("ascii", "surrogateescape").decode("utf-8") == address
        head = data.split(b"\n\n", 1)[0]
        assert all(len(line) <= 998 for line in head.split(b"\n"))
    assert parse(found["f@example.net"])["To"].addresses[0].display_name == 'Ana "The Boss" <boss>'
    assert parse(found["g@example.net"])["Bcc"] is None


# A message whose subject and To use the name, and whose body has a note (undeclared: one
# line of plain text), a petition link (declared "url") and a story (declared "text").
SIGN = """\
{% block subject %}{{ pgettext("subject", "%(name)s, two minutes for love", name=name) }}
{%- endblock %}
{% block body %}<p>{{ name }}: {{ note }}</p>
{% if petition_url %}<p><a href="{{ petition_url }}">{{ petition_url }}</a></p>{% endif %}
<p>{{ story }}</p>{% endblock %}
{% block text %}{{ name }}: {{ note }}
{{ petition_url }}
{{ story }}
{% endblock %}
"""
SIGN_UPS = [  # (email, name, note, petition_url, story), why refused (None: sent)
    (
        (
            "ok@example.net",
            "Ana Lima",
            "Thanks!",
            "https://example.org/sign?ref=ana",
            "Line one\nLine two: https://example.org/story",
        ),
        None,
    ),
    (
        ("p1@example.net", "Your account is locked: https://evil.com/reset", "", "", ""),
        "the 'name' field holds a link, 'https://evil.com/reset' (it reaches a header)",
    ),
    (
        ("p2@example.net", "\u202eAna", "", "", ""),
        "the 'name' field has an invisible or control character, U+202E RIGHT-TO-LEFT "
        "OVERRIDE (it reaches a header)",
    ),
    (
        (
            "p3@example.net",
            "Ana",
            "Thanks!\n\n-- \nThe Love Always Wins team\nUnsubscribe: https://evil.com/u",
            "",
            "",
        ),
        "the 'note' field has a line break or control character (declare the column \"text\" "
        "in [merge.columns] of campaign.toml if it may)",
    ),
    (
        ("p4@example.net", "Ana", "verify at paypal.com", "", ""),
        "the 'note' field holds a link, 'paypal.com' (declare the column \"url\", or \"text\", "
        "in [merge.columns] of campaign.toml if it may)",
    ),
    (
        ("p5@example.net", "Ana", "evil\u200b.io", "", ""),
        "the 'note' field holds a link, 'evil.io' (declare the column \"url\", or \"text\", in "
        "[merge.columns] of campaign.toml if it may)",
    ),
    (
        ("p6@example.net", "Ana", "\u2067Ana\u2069", "", ""),
        "the 'note' field has a control character, U+2067 RIGHT-TO-LEFT ISOLATE",
    ),
    (
        ("p7@example.net", "Ana", "", "https://evil.com/reset and more", ""),
        "the 'petition_url' field is not one http(s) URL, as [merge.columns] declares it: "
        "'https://evil.com/reset and more'",
    ),
    (
        ("p8@example.net", "Ana", "", "javascript:alert(1)", ""),
        "the 'petition_url' field is not one http(s) URL, as [merge.columns] declares it: "
        "'javascript:alert(1)'",
    ),
    (
        ("p9@example.net", "Ana", "", "", "Hi \u202egro.elpmaxe"),
        "the 'story' field has a control character, U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    (
        ("q1@example.net", "Pay\u200cPal", "", "", ""),
        "the 'name' field has an invisible or control character, U+200C ZERO WIDTH NON-JOINER "
        "(it reaches a header)",
    ),
    (
        ("q2@example.net", "Bcc: x@evil.com", "", "", ""),
        "the 'name' field holds a link, 'x@evil.com' (it reaches a header)",
    ),
    (("ok2@example.net", "می\u200cخواهم 👩\u200d💻", "Recife", "", ""), None),
]


def test_sign_up_text_cannot_make_a_phishing_sender(tmp_path: Path) -> None:
    """Issue 18 item 7: a field that reaches a header holds no line break, bidi or other
    invisible control, link or domain; one that reaches the body no line break or link
    unless [merge.columns] declares the column may hold them. Each refused row is one line,
    at its line, and the summary counts them."""
    love = declare_columns(
        merge_campaign(tmp_path / "love", {"sign.j2": SIGN}), petition_url="url", story="text"
    )
    rows = [fields for fields, _ in SIGN_UPS]
    lines = [2]  # each record's first line: a line break in a quoted value moves the next
    for fields in rows:
        lines.append(lines[-1] + 1 + sum(value.count("\n") for value in fields))
    header = ("email", "name", "note", "petition_url", "story")
    supporters = write_csv(tmp_path / "s.csv", rows, header)
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), "sign", "--out", str(box))
    assert code == 1
    assert err.splitlines() == [
        f"{supporters}:{line}: {why}"
        for line, (_, why) in zip(lines, SIGN_UPS, strict=False)
        if why is not None
    ]
    refused = sum(why is not None for _, why in SIGN_UPS)
    assert f"{refused} bad rows (skipped)" in out
    assert f"sign-up text refused: {refused} of the bad rows (see above)" in out
    found = by_address(box)
    assert sorted(found) == ["ok2@example.net", "ok@example.net"]
    sent = parse(found["ok@example.net"])
    text = sent.get_body(("plain",))
    html = sent.get_body(("html",))
    assert text is not None and html is not None
    lines = text.get_content().splitlines()  # the campaign's own links get its UTM tags
    assert lines[0] == "Ana Lima: Thanks!"
    assert lines[1].startswith("https://example.org/sign?ref=ana&utm_")  # declared "url"
    assert lines[2] == "Line one"  # declared "text": line breaks and links
    assert lines[3].startswith("Line two: https://example.org/story?utm_")
    assert '<a href="https://example.org/sign?ref=ana&amp;utm_' in html.get_content()
    joined = parse(found["ok2@example.net"])["To"].addresses[0].display_name
    assert joined == "می\u200cخواهم 👩\u200d💻"  # joiners a script and an emoji need
    code, out, _ = run_cli(love, "merge", str(supporters), "sign", "--dry-run", "--format", "json")
    summary = json.loads(out)
    assert (code, summary["bad_rows"], summary["unsafe_rows"]) == (1, refused, refused)


# Links a reader or browser would follow that the link finders of the checks do not see: a
# full stop IDNA reads as a dot, a scheme whatever its host, an IPv4 address (the reviewer's
# bypasses, each of which reached the Subject, To and both parts). (email, name, note), why.
FOLLOWED = [
    (
        ("r1@example.net", "https://evil。com/reset", ""),
        "the 'name' field holds a link, 'https://evil.com/reset' (it reaches a header)",
    ),
    (
        ("r2@example.net", "evil。com", ""),
        "the 'name' field holds a link, 'evil.com' (it reaches a header)",
    ),
    (
        ("r3@example.net", "evil｡com", ""),
        "the 'name' field holds a link, 'evil.com' (it reaches a header)",
    ),
    (
        ("r4@example.net", "support@evil。com", ""),
        "the 'name' field holds a link, 'support@evil.com' (it reaches a header)",
    ),
    (
        ("r5@example.net", "例子。中国", ""),
        "the 'name' field holds a link, '例子.中国' (it reaches a header)",
    ),
    (
        ("r6@example.net", "https://2130706433/reset", ""),
        "the 'name' field holds a link, 'https://2130706433/reset' (it reaches a header)",
    ),
    (
        ("r7@example.net", "https://evil", ""),
        "the 'name' field holds a link, 'https://evil' (it reaches a header)",
    ),
    (
        ("r8@example.net", "Ana", "reset at https://evil。com/reset"),
        "the 'note' field holds a link, 'https://evil.com/reset' (declare the column \"url\", or "
        '"text", in [merge.columns] of campaign.toml if it may)',
    ),
    (
        ("r9@example.net", "Ana", "javascript:alert(1)"),
        "the 'note' field holds a link, 'javascript:alert(1)' (declare the column \"url\", or "
        '"text", in [merge.columns] of campaign.toml if it may)',
    ),
    (
        ("s1@example.net", "Ana", "https://10.0.0.1/admin"),
        "the 'note' field holds a link, 'https://10.0.0.1/admin' (declare the column \"url\", or "
        '"text", in [merge.columns] of campaign.toml if it may)',
    ),
    (("t1@example.net", "J.R.R. Tolkien", "St. Louis"), None),
    (("t2@example.net", "Zoë O'Connor", "Dr. Ana"), None),
    (("t3@example.net", "Ana.María", "Re: 10:30, Data: 12/03"), None),
    (("t4@example.net", "محمد علي", "王小明。ありがとう。"), None),
]


def test_a_link_with_an_ideographic_dot_or_any_scheme_is_refused(tmp_path: Path) -> None:
    """Each bypass is refused at its line; the names around them (initials, titles, dots
    between names, other scripts, colons that start no link) are sent as written."""
    love = merge_campaign(tmp_path / "love", {"sign.j2": SIGN})
    header = ("email", "name", "note", "petition_url", "story")
    rows = [(*fields, "", "") for fields, _ in FOLLOWED]
    supporters = write_csv(tmp_path / "s.csv", rows, header)
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), "sign", "--out", str(box))
    assert code == 1
    assert err.splitlines() == [
        f"{supporters}:{line}: {why}"
        for line, (_, why) in enumerate(FOLLOWED, start=2)
        if why is not None
    ]
    refused = sum(why is not None for _, why in FOLLOWED)
    assert f"sign-up text refused: {refused} of the bad rows (see above)" in out
    found = by_address(box)
    assert sorted(found) == [fields[0] for fields, why in FOLLOWED if why is None]
    for (address, name, note), _ in FOLLOWED[-4:]:
        sent = parse(found[address])
        assert sent["To"].addresses[0].display_name == name
        assert sent["Subject"].startswith(name)
        text = sent.get_body(("plain",))
        assert text is not None and text.get_content().startswith(f"{name}: {note}\n")


def test_a_column_the_subject_uses_is_a_header_whatever_it_declares(tmp_path: Path) -> None:
    subject = (
        '{% block subject %}{{ pgettext("subject", "Sign: %(link)s", link=petition_url) }}'
        "{% endblock %}{% block body %}<p>{{ petition_url }}</p>{% endblock %}"
        "{% block text %}{{ petition_url }}{% endblock %}"
    )
    love = declare_columns(
        merge_campaign(tmp_path / "love", {"ask.j2": subject}), petition_url="url"
    )
    supporters = write_csv(
        tmp_path / "s.csv",
        [("a@example.net", "https://example.org/sign"), ("b@example.net", "")],
        ("email", "petition_url"),
    )
    code, _, err = run_cli(love, "merge", str(supporters), "ask", "--dry-run")
    assert code == 1
    assert err.splitlines() == [
        f"{supporters}:2: the 'petition_url' field holds a link, 'https://example.org/sign' "
        "(it reaches a header)"
    ]


INCLUDES_THE_CITY = """\
{% block subject %}News for {% include "_subj.j2" %}{% endblock %}
{% block body %}<p>{{ city }}</p>{% endblock %}
{% block text %}{{ city }}{% endblock %}
"""


@pytest.mark.parametrize("declared", [None, "text"])
def test_a_column_the_subject_reaches_through_an_include_is_a_header(
    tmp_path: Path, declared: str | None
) -> None:
    """The subject includes a template that writes the city: the city reaches the
    Subject, so header rules hold it, whatever [merge.columns] says."""
    love = merge_campaign(
        tmp_path / "love", {"news.j2": INCLUDES_THE_CITY, "_subj.j2": "{{ city }}"}
    )
    if declared is not None:
        declare_columns(love, city=declared)
    supporters = write_csv(
        tmp_path / "s.csv",
        [
            ("a@example.net", "Rio\u200fX"),
            ("b@example.net", "https://evil.com/reset"),
            ("c@example.net", "São Paulo"),
        ],
        ("email", "city"),
    )
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(supporters), "news", "--out", str(box))
    assert code == 1
    assert err.splitlines() == [
        f"{supporters}:2: the 'city' field has an invisible or control character, U+200F "
        "RIGHT-TO-LEFT MARK (it reaches a header)",
        f"{supporters}:3: the 'city' field holds a link, 'https://evil.com/reset' (it "
        "reaches a header)",
    ]
    found = by_address(box)
    assert list(found) == ["c@example.net"]
    assert parse(found["c@example.net"])["Subject"] == "News for São Paulo"


def test_encodings(love: Path, tmp_path: Path) -> None:
    text = "email;name;locale\nana@example.net;Anaïs;fr\n"
    for name, data in (
        ("bom.csv", "\ufeff" + text),
        ("utf16.csv", text),
    ):
        path = tmp_path / name
        path.write_bytes(data.encode("utf-8") if name == "bom.csv" else data.encode("utf-16"))
        code, out, err = run_cli(love, "merge", str(path), "share", "--dry-run")
        assert code == 0, err
        assert "locales: fr 1" in out
    latin = tmp_path / "latin.csv"
    latin.write_bytes("email,name\nok@example.net,Ok\nana@example.net,Anaïs\n".encode("cp1252"))
    code, out, err = run_cli(love, "merge", str(latin), "share", "--out", str(tmp_path / "x.mbox"))
    assert code == 2
    assert err.startswith(f"{latin}:3: not utf-8 (byte 0xef): save it as UTF-8")
    assert not (tmp_path / "x.mbox").exists()
    code, out, err = run_cli(
        love,
        "merge",
        str(latin),
        "share",
        "--encoding",
        "cp1252",
        "--out",
        str(tmp_path / "x.mbox"),
    )
    assert code == 0, err
    names = sorted(parse(m)["To"].addresses[0].display_name for m in messages(tmp_path / "x.mbox"))
    assert names == ["Anaïs", "Ok"]


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("name,locale", "no 'email' column"),
        ("email,url", "would hide outreach's template variable 'url'"),
        ("email,Handles", "would hide outreach's template variable 'handles'"),
        ("email,message", "would hide outreach's template variable 'message'"),
        ("email,Name,NAME", "two columns are named 'name'"),
    ],
)
def test_bad_headers_stop_the_run(love: Path, tmp_path: Path, header: str, why: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(f"{header}\na@example.net,x,y\n", encoding="utf-8")
    code, _, err = run_cli(love, "merge", str(path), "share", "--dry-run")
    assert code == 2 and err.startswith(f"{path}:1: ") and why in err


def test_dry_run_writes_nothing_and_counts(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    code, out, err = run_cli(
        love, "merge", str(supporters), "share", "--dry-run", "--format", "json"
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["locales"] == {"pt": 2, "es": 1, "fr": 1, "en": 3}
    assert summary["outcome"] == {"checked": 7}
    assert summary["fallbacks"] == {"de-DE -> en": 1}
    assert list(tmp_path.glob("*.journal*")) == []


def test_out_dir_and_limit(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    out = tmp_path / "emails"
    code, _, err = run_cli(
        love, "merge", str(supporters), "share", "--out-dir", str(out), "--limit", "3"
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["0000002.eml", "0000003.eml", "0000004.eml"]
    assert parse((out / "0000003.eml").read_bytes())["Content-Language"] == "es"
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--out-dir", str(out))
    assert code == 2 and "not an empty directory" in err


def test_shards_are_disjoint_and_cover_everyone(love: Path, tmp_path: Path) -> None:
    rows = [(f"p{i}@example.net", f"P {i}", "en", "") for i in range(40)]
    supporters = write_csv(tmp_path / "s.csv", [*rows, ("bad", "B", "en", "")])
    seen: list[str] = []
    bad_reports = 0
    for k in range(3):
        box = tmp_path / f"{k}.mbox"
        code, _, err = run_cli(
            love, "merge", str(supporters), "share", "--shard", f"{k}/3", "--out", str(box)
        )
        assert code in (0, 1), err
        bad_reports += err.count(":42: the address has no @")
        part = list(by_address(box))
        assert part, "every shard gets someone with 40 supporters"
        seen.extend(part)
    assert sorted(seen) == sorted(r[0] for r in rows)  # disjoint (no repeats) and complete
    assert bad_reports == 1  # one shard reports the bad row
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--shard", "3/3", "--dry-run")
    assert code == 2 and "0 <= K < N" in err


def test_proof_run_one_message_per_locale(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    box = tmp_path / "proof.mbox"
    code, out, err = run_cli(
        love, "merge", str(supporters), "hello", "--to", "organizer@example.org", "--out", str(box)
    )
    assert code == 0, err
    proofs = [parse(m) for m in messages(box)]
    assert sorted(m["Content-Language"] for m in proofs) == ["en", "es", "fr", "pt"]
    for message in proofs:
        assert message["To"] == "organizer@example.org"
        assert message["Subject"].startswith("[PROOF] ")
        assert "organizer%40example.org" in message["List-Unsubscribe"]
    assert "proofs 4" in out


def test_a_message_without_email_blocks(love: Path, tmp_path: Path) -> None:
    (love / "messages" / "postonly.j2").write_text(
        "{% block post %}Hi {{ url }} {{ hashtag }}{% endblock %}", encoding="utf-8"
    )
    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    code, _, err = run_cli(love, "merge", str(supporters), "postonly", "--dry-run")
    assert code == 2 and "has no email" in err


def test_token_needs_the_secret(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTREACH_UNSUBSCRIBE_SECRET")
    supporters = write_csv(tmp_path / "s.csv", ROWS[:1])
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--dry-run")
    assert code == 2 and "OUTREACH_UNSUBSCRIBE_SECRET" in err


def test_the_example_supporters_csv(tmp_path: Path) -> None:
    love = merge_campaign(tmp_path / "love")
    box = tmp_path / "demo.mbox"
    code, out, err = run_cli(
        love, "merge", str(REPOSITORY / "supporters.csv"), "share", "--out", str(box)
    )
    assert code == 0, err
    found = by_address(box)
    assert len(found) >= 10 and all(a.endswith("@example.net") for a in found)
    assert {parse(m)["Content-Language"] for m in found.values()} == {"en", "es", "fr", "pt"}
    assert "fell back" in out


def test_make_demo_merges_the_example_supporters_into_an_mbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merge line of ``make demo``, run as the Makefile writes it, on a copy of the
    example campaign: every fictional supporter's email in out/supporters.mbox."""
    import shlex
    import shutil

    recipe = (REPOSITORY / "Makefile").read_text(encoding="utf-8").split("\ndemo:", 1)[1]
    recipe = recipe.split("\n\n", 1)[0].replace("\\\n", " ")
    words = shlex.split(next(line for line in recipe.splitlines() if "outreach merge" in line))
    start = next(i for i, word in enumerate(words) if word.endswith("/outreach"))
    for word in words[:start]:  # the environment the Makefile gives it
        name, _, value = word.partition("=")
        monkeypatch.setenv(name, value)
    assert words[start + 1 :] == [
        "merge",
        "supporters.csv",
        "share",
        "--out",
        "out/supporters.mbox",
    ]
    campaign = merge_campaign(tmp_path / "love")
    shutil.copy(REPOSITORY / "supporters.csv", campaign / "supporters.csv")
    monkeypatch.chdir(campaign)
    code, out, err = run_cli(None, *words[start + 1 :])
    assert (code, err) == (0, ""), err
    found = by_address(campaign / "out" / "supporters.mbox")
    rows = (REPOSITORY / "supporters.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(found) == len([row for row in rows if row.strip()]) >= 10
    assert {parse(m)["Content-Language"] for m in found.values()} == {"en", "es", "fr", "pt"}
    assert "fell back" in out


def test_a_csv_that_breaks_midway_leaves_nothing(love: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('email,name\na@example.net,A\nb@example.net,"unterminated\n', encoding="utf-8")
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(path), "share", "--out", str(box))
    assert code == 2 and "not a CSV file this can read" in err
    assert not box.exists()
    # over SMTP the whole file is parsed before anything is sent (or even connected)
    code, _, err = run_cli(
        love, "merge", str(path), "share", "--smtp", "127.0.0.1:1", "--tls", "none"
    )
    assert code == 2 and "not a CSV file this can read" in err and "connect" not in err


def test_an_oversized_field_is_its_rows_error(love: Path, tmp_path: Path) -> None:
    """A 200 KB value (past Python's own CSV limit of 131,072) stops neither the run nor the
    other supporters: its row is reported at its line."""
    path = tmp_path / "s.csv"
    huge = "x" * 200_000
    path.write_text(
        f"email,name,city\na@example.net,A,Rio\nb@example.net,B,{huge}\nc@example.net,C,Lima\n",
        encoding="utf-8",
    )
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(path), "share", "--out", str(box))
    assert code == 1
    assert f"{path}:3: the city value is 200,000 characters long" in err
    assert len(by_address(box)) == 2


def test_a_csv_error_names_its_line(love: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        'email,name\na@example.net,A\nb@example.net,"B\nc@example.net,C\n', encoding="utf-8"
    )
    code, _, err = run_cli(love, "merge", str(path), "share", "--dry-run")
    assert code == 2
    assert err.startswith(f"{path}:3: not a CSV file this can read")


# -- issue 18 item 6: supporter columns are per-row data, checked per row ----------------------
SIGNATURES = [  # the petition: {% trans count=signatures, num=signatures|number %}
    ("ana@example.net", "Ana", "pt-BR", "1234"),  # 2
    ("bob@example.net", "Bob", "en", "1"),  # 3: the singular
    ("cleo@example.net", "Cléo", "fr", "1234"),  # 4
    ("dan@example.net", "Dan", "en", "many"),  # 5: not a number
    ("eva@example.net", "Eva", "pt", "1234"),  # 6: a value seen before (pt): a skeleton
    ("fe@example.net", "Fe", "es", ""),  # 7: blank: campaign.toml's 300000
    ("gus@example.net", "Gus", "en", "2500000"),  # 8
]


def _petition_expected(love: Path, address: str, locale: str, signatures: int) -> str:
    """The text part a full render gives this supporter (signatures as a number)."""
    from outreach.campaign import load_campaign
    from outreach.render import Renderer
    from outreach.unsubscribe import Unsubscribe

    campaign = load_campaign(love)
    links = Unsubscribe(campaign.email.unsubscribe_url, None, secret=SECRET)
    url, _ = links.for_recipient(address)
    fields = {"email": address, "signatures": signatures, "unsubscribe_url": url}
    return Renderer(campaign).render_email("petition", locale, fields).text


def test_a_signatures_column_gives_each_supporter_their_own_number(
    love: Path, tmp_path: Path
) -> None:
    """A column that overrides campaign.toml's ``signatures = 300000`` is a number per row:
    ``|number`` formats each supporter's own in their language and ``count=`` picks the
    plural for it; ``many`` is that row's problem, at its line, and the rest are written.
    (Before: the probe made every row fail, and nobody was emailed.)"""
    supporters = write_csv(
        tmp_path / "s.csv", SIGNATURES, ("email", "name", "locale", "signatures")
    )
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), "petition", "--out", str(box))
    assert code == 1, err
    assert err.strip().splitlines() == [
        f"{supporters}:5: signatures 'many' is not a whole number "
        "(campaign.toml: signatures = 300000)"
    ]
    assert "1 bad row (skipped)" in out and "messages: written 6" in out
    # Eva: Ana's value in pt again; Fe: campaign.toml's value, whose skeleton came first
    assert "rendered: 2 from skeletons, 4 in full" in out
    found = by_address(box)
    assert sorted(found) == sorted(a for a, *_ in SIGNATURES if a != "dan@example.net")
    texts = {}
    for address, _, asked, cell in SIGNATURES:
        if address == "dan@example.net":
            continue
        parsed = parse(found[address])  # the stdlib's parser
        body = parsed.get_body(("plain",))
        assert body is not None
        texts[address] = body.get_content().replace("\r\n", "\n")
        locale = asked[:2]
        expected = _petition_expected(love, address, locale, int(cell or 300000))
        assert texts[address] == expected
    assert "1.234 pessoas já assinaram" in texts["ana@example.net"]
    assert "1.234 pessoas já assinaram" in texts["eva@example.net"]
    assert "One person has already signed. Will you be next?" in texts["bob@example.net"]
    assert "1\u202f234 personnes ont déjà signé" in texts["cleo@example.net"]
    assert "300.000 personas ya han firmado" in texts["fe@example.net"]
    assert "2,500,000 people have already signed" in texts["gus@example.net"]


def test_a_bad_number_is_one_row_and_the_others_are_sent(love: Path, tmp_path: Path) -> None:
    """Over SMTP: the bad row is reported at its line (exit 1), every other supporter gets
    their message with their own number."""
    from merge_support import Server

    supporters = write_csv(
        tmp_path / "s.csv", SIGNATURES, ("email", "name", "locale", "signatures")
    )
    with Server() as server:
        code, out, err = run_cli(
            love, "merge", str(supporters), "petition", "--smtp", server.address, "--tls", "none"
        )
        received = {m.rcpt[0]: m.data for m in server.messages}
    assert code == 1, err
    assert f"{supporters}:5: signatures 'many' is not a whole number" in err
    assert "1 bad row (skipped)" in out
    assert sorted(received) == sorted(a for a, *_ in SIGNATURES if a != "dan@example.net")
    text = parse(received["gus@example.net"]).get_body(("plain",))
    assert text is not None and "2,500,000 people have already signed" in text.get_content()


AMOUNT = """\
{% block subject %}{{ pgettext("subject", "Thank you") }}{% endblock %}
{% block body %}<p>{{ name }}: {{ amount|number }} {{ city|upper }}</p>{% endblock %}
{% block text %}{{ name }}: {{ amount|number }} {{ city|upper }}{% endblock %}
"""


def test_a_filtered_column_the_campaign_does_not_have(tmp_path: Path) -> None:
    """A column under ``|number`` that campaign.toml does not define: no probe string is a
    number, so the template is judged row by row; each row gets its value through the
    filter, a value the filter refuses is that row's problem, and values that come again
    are made from a skeleton (proven against a full render)."""
    love = merge_campaign(tmp_path / "love", {"amount.j2": AMOUNT})
    rows = [
        ("a@example.net", "Ana", "en", "Leeds", "5"),
        ("b@example.net", "Bo", "en", "Leeds", "5"),  # Ana's values again: a skeleton
        ("c@example.net", "Cy", "en", "York", "12.5"),
        ("d@example.net", "Di", "en", "York", "lots"),  # 5
        ("e@example.net", "Ed", "fr", "Lyon", "1234"),
    ]
    supporters = write_csv(tmp_path / "s.csv", rows, ("email", "name", "locale", "city", "amount"))
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(supporters), "amount", "--out", str(box))
    assert code == 1, err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"{supporters}:5: amount 'lots': the message cannot be made with it (")
    assert "amount.j2:2" in line and "Traceback" not in err + out
    assert "rendered: 1 from skeletons, 3 in full" in out
    contents = {}
    for address, data in by_address(box).items():
        text = parse(data).get_body(("plain",))
        assert text is not None
        contents[address] = text.get_content().split("\n")[0]
    assert contents == {
        "a@example.net": "Ana: 5 LEEDS",
        "b@example.net": "Bo: 5 LEEDS",
        "c@example.net": "Cy: 12.5 YORK",
        "e@example.net": "Ed: 1\u202f234 LYON",
    }


def test_a_typed_column_over_a_date(love: Path, tmp_path: Path) -> None:
    """``deadline = 2014-02-06`` in campaign.toml: a column of dates, each row's own under
    ``|date("long")``; a date that does not exist is its row's problem."""
    rows = [
        ("a@example.net", "Ana", "en", "2014-03-01"),
        ("b@example.net", "Bo", "fr", "2014-02-30"),  # 3
        ("c@example.net", "Cy", "pt", ""),  # campaign.toml's
    ]
    supporters = write_csv(tmp_path / "s.csv", rows, ("email", "name", "locale", "deadline"))
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(supporters), "petition", "--out", str(box))
    assert code == 1
    assert err.strip() == (
        f"{supporters}:3: deadline '2014-02-30' is not a date (2014-02-06) "
        "(campaign.toml: deadline = 2014-02-06)"
    )
    found = by_address(box)
    subjects = {a: parse(m)["Subject"] for a, m in found.items()}
    texts = {}
    for address, data in found.items():
        text = parse(data).get_body(("plain",))
        assert text is not None
        texts[address] = text.get_content()
    assert "Please sign by March 1, 2014." in texts["a@example.net"]
    assert "6 de fevereiro de 2014" in texts["c@example.net"]
    assert set(subjects) == {"a@example.net", "c@example.net"}


def test_a_column_no_template_uses_is_not_judged(love: Path, tmp_path: Path) -> None:
    """``signatures`` in a CSV merged with a message that does not use it: its cells are
    nobody's problem (and cost no skeleton)."""
    rows = [("a@example.net", "Ana", "en", "Leeds", "many"), ("b@example.net", "Bo", "fr", "", "3")]
    header = ("email", "name", "locale", "city", "signatures")
    supporters = write_csv(tmp_path / "s.csv", rows, header)
    code, out, err = run_cli(love, "merge", str(supporters), "hello", "--dry-run")
    assert (code, err) == (0, ""), err
    assert "messages: checked 2" in out and "note:" not in out


def test_a_header_past_the_column_limit_is_one_line_at_once(love: Path, tmp_path: Path) -> None:
    """Review item 4: a 100,000-column header took 57 s (the duplicate check searched a
    list). More than 1,000 columns is the file's error at line 1, one line, exit 2; 1,000
    are read."""
    import time

    from outreach.merge.supporters import MAX_COLUMNS

    path = tmp_path / "s.csv"
    extra = [f"c{n}" for n in range(100_000)]
    path.write_text(",".join(["email", *extra]) + "\na@example.net\n", encoding="utf-8")
    started = time.monotonic()
    code, out, err = run_cli(love, "merge", str(path), "share", "--dry-run")
    assert time.monotonic() - started < 10
    assert (code, out) == (2, "")
    assert err == (
        f"{path}:1: the header has 100,001 columns: a supporters file may have at most 1,000 "
        "(is it the right file?)\n"
    )
    path.write_text(",".join(["email", *extra[: MAX_COLUMNS - 1]]) + "\na@example.net\n")
    code, _, err = run_cli(love, "merge", str(path), "share", "--dry-run")
    assert code == 0, err


def test_the_duplicate_column_check_takes_linear_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the column limit, 100,000 columns and a duplicate at the end: the same error
    at the same line, found in well under a second (57 s when each name searched a list)."""
    import time

    import outreach.merge.supporters
    from outreach.errors import InputError
    from outreach.merge.supporters import open_supporters

    monkeypatch.setattr(outreach.merge.supporters, "MAX_COLUMNS", 1_000_000)
    path = tmp_path / "s.csv"
    header = ["email", *(f"c{n}" for n in range(100_000)), "C99999"]
    path.write_text(",".join(header) + "\na@example.net\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        open_supporters(path)
    assert time.monotonic() - started < 10
    assert str(caught.value) == f"{path}:1: two columns are named 'c99999'"
