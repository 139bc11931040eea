"""``outreach bounces``: each format classified (fixtures after their documentation, see
tests/fixtures/bounces/README.md), mbox and Maildir sources, soft bounces on different days,
idempotent re-reads, and hostile input (bounded, listed, never a traceback)."""

from __future__ import annotations

import csv
import email.utils
import json
import mailbox
import time
from pathlib import Path

import pytest
from conftest import run_cli

from outreach.bounces import MAX_MESSAGE, classify, collect_bounces

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rfc3464-postfix.eml", ("bounce", "Ana.Lima@Example.NET", "5.1.1")),
        ("rfc3464-delayed.eml", ("soft", "joao.silva@example.net", "4.4.1")),
        ("arf-abuse.eml", ("complaint", "marie.dupont@example.com", "abuse")),
        ("exim.eml", ("bounce", "carlos.garcia@example.net", "5.2.1")),
        ("qmail.eml", ("bounce", "lucia.fernandez@example.net", "5.1.1")),
        ("gmail.eml", ("bounce", "pierre.martin@example.com", "5.1.1")),
        ("exchange2003.eml", ("bounce", "sophie.bernard@example.com", "5.0.0")),
    ],
)
def test_each_format_is_classified(name: str, expected: tuple[str, str, str]) -> None:
    found = classify((FIXTURES / name).read_bytes())
    assert not isinstance(found, str), found
    assert [(v.kind, v.address, v.status) for v in found] == [expected]
    assert all(v.source and v.date for v in found)


def test_exim_takes_only_the_failed_address_not_the_copy() -> None:
    found = classify((FIXTURES / "exim.eml").read_bytes())
    assert not isinstance(found, str)
    assert [v.address for v in found] == ["carlos.garcia@example.net"]  # not someone.else@


def _with_date(raw: bytes, day: int, message_id: str) -> bytes:
    when = email.utils.format_datetime(
        email.utils.parsedate_to_datetime(f"Wed, {day:02d} Dec 2026 08:00:00 +0000")
    )
    text = raw.decode()
    text = text.replace("Date: Wed, 02 Dec 2026 08:00:00 +0000", f"Date: {when}")
    text = text.replace("Arrival-Date: Wed,  2 Dec 2026 03:00:00 +0000 (UTC)\n", "")
    return text.replace("<20261202080000.DDDD1@mx.example.org>", message_id).encode()


def test_soft_bounces_suppress_after_the_limit_on_different_days(tmp_path: Path) -> None:
    delayed = (FIXTURES / "rfc3464-delayed.eml").read_bytes()
    box = mailbox.mbox(tmp_path / "soft.mbox")
    for n, day in enumerate((2, 2, 3)):  # two on one day, one the next
        box.add(_with_date(delayed, day, f"<d{n}@mx.example.org>"))
    box.close()
    out = tmp_path / "bounces.csv"
    report = collect_bounces([tmp_path / "soft.mbox"], out, soft_limit=3)
    assert (report.soft, report.soft_suppressed) == (3, 0)
    assert not out.exists()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(_with_date(delayed, 4, "<d3@mx.example.org>"))
    report = collect_bounces([tmp_path / "soft.mbox", tmp_path / "Maildir"], out, soft_limit=3)
    assert (report.soft, report.soft_suppressed, report.already) == (1, 1, 3)
    with open(out, encoding="utf-8", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert row["email"] == "joao.silva@example.net" and row["reason"] == "bounce"
    assert "3 soft bounces on different days (2026-12-02 to 2026-12-04)" in row["diagnostic"]
    again = collect_bounces([tmp_path / "soft.mbox", tmp_path / "Maildir"], out, soft_limit=3)
    assert (again.soft, again.soft_suppressed) == (0, 0)
    assert len(out.read_text().splitlines()) == 2


def test_cli_lists_what_it_cannot_classify(tmp_path: Path, campaign: Path) -> None:
    out = tmp_path / "b.csv"
    code, text, err = run_cli(campaign, "bounces", str(FIXTURES), "--out", str(out))
    assert code == 2 and "not a Maildir" in err  # a folder of .eml is no source
    sources = [str(p) for p in sorted(FIXTURES.glob("*.eml"))]
    code, text, err = run_cli(campaign, "bounces", *sources, "--out", str(out))
    assert (code, err) == (0, ""), err
    assert "added to" in text and "bounce 5, complaint 1" in text
    assert f"unclassified: {FIXTURES / 'not-a-bounce.eml'}: not a bounce" in text


def test_hostile_messages_are_listed_in_bounded_time(tmp_path: Path) -> None:
    out = tmp_path / "b.csv"
    huge = tmp_path / "huge.eml"
    huge.write_bytes(b"Subject: x\n\n" + b"a" * (MAX_MESSAGE + 10))
    deep = tmp_path / "deep.eml"
    nested = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (n, n) for n in range(2000)
    )
    deep.write_bytes(b"MIME-Version: 1.0\n" + nested)
    forged = tmp_path / "forged.eml"  # a report for something that is no address
    forged.write_bytes(
        (FIXTURES / "rfc3464-postfix.eml")
        .read_bytes()
        .replace(
            b"Final-Recipient: rfc822; Ana.Lima@Example.NET",
            b"Final-Recipient: rfc822; x\r\nBcc: y",
        )
    )
    text = tmp_path / "long.eml"
    text.write_bytes(
        b"Subject: failure\n\nThe following address(es) failed:\n\n" + b"@" * 3_000_000 + b"\n"
    )
    started = time.monotonic()
    report = collect_bounces([huge, deep, forged, text], out)
    assert time.monotonic() - started < 20
    reasons = [line.split(": ", 1)[1] for line in report.unclassified]
    assert reasons[0].startswith("larger than")
    assert len(reasons) == 4
    assert not out.exists()


def test_json_format(tmp_path: Path, campaign: Path) -> None:
    out = tmp_path / "b.csv"
    code, text, err = run_cli(
        campaign, "bounces", str(FIXTURES / "arf-abuse.eml"), "--out", str(out), "--format", "json"
    )
    assert (code, err) == (0, "")
    found = json.loads(text)
    assert found["added"] == {"bounce": 0, "complaint": 1} and found["out"] == str(out)
