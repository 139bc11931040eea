"""Suppression lists end to end: real bounce and complaint messages -> ``outreach bounces``
-> the suppression file -> ``outreach merge`` skips exactly those addresses (an mbox read
back with the stdlib, and SMTP to aiosmtpd on 127.0.0.1); lists given by ``--suppress`` and
``[merge] suppress``; journals' 5xx recipients; language preferences."""

from __future__ import annotations

import csv
import json
import mailbox
import os
import shutil
from pathlib import Path

import pytest
from conftest import run_cli
from merge_support import SECRET, Behaviour, Server, merge_campaign, parse, write_csv

from outreach.suppression import SUPPRESS_COLUMNS, append_rows, load_suppression

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"
ROWS = [
    ("Ana.Lima@Example.net", "Ana", "pt-BR", "Rio"),  # bounced (RFC 3464, another case)
    ("marie.dupont@example.com", "Marie", "fr", "Lyon"),  # complained (ARF)
    ("carlos.garcia@example.net", "Carlos", "es", "Madrid"),  # bounced (Exim)
    ("lucia.fernandez@example.net", "Lucía", "es", "Sevilla"),  # bounced (qmail)
    ("joao.silva@example.net", "João", "pt", "Recife"),  # one soft bounce: still sent
    ("sam@example.net", "Sam", "en", "Leeds"),
]


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)


@pytest.fixture
def love(tmp_path: Path) -> Path:
    return merge_campaign(tmp_path / "love")


def _mbox_recipients(path: Path) -> list[str]:
    box = mailbox.mbox(path)
    try:
        return sorted(parse(m.as_bytes())["To"].addresses[0].addr_spec for m in box)
    finally:
        box.close()


def _bounces(love: Path, *sources: Path) -> dict[str, object]:
    code, out, err = run_cli(love, "bounces", *map(str, sources), "--format", "json")
    assert (code, err) == (0, ""), err
    result: dict[str, object] = json.loads(out)
    return result


def test_bounces_to_merge_mbox(love: Path, tmp_path: Path) -> None:
    report = _bounces(love, *sorted(FIXTURES.glob("*.eml")))
    assert report["added"] == {"bounce": 5, "complaint": 1}
    assert [u.split(": ", 1)[1] for u in report["unclassified"]] == [  # type: ignore[union-attr]
        "not a bounce or complaint outreach recognises"
    ]
    with open(love / "suppress" / "bounces.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0]) == SUPPRESS_COLUMNS
    by_address = {row["email"]: row for row in rows}
    assert by_address["Ana.Lima@Example.NET"]["status"] == "5.1.1"
    assert by_address["marie.dupont@example.com"]["reason"] == "complaint"
    assert by_address["carlos.garcia@example.net"]["source"] == "<E1tAAAA-000001-00@mx.example.org>"
    # re-reading the same messages adds nothing
    again = _bounces(love, *sorted(FIXTURES.glob("*.eml")))
    assert again["added"] == {"bounce": 0, "complaint": 0}
    assert len((love / "suppress" / "bounces.csv").read_text().splitlines()) == 7

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    out_mbox = tmp_path / "out.mbox"
    code, out, err = run_cli(
        love, "merge", str(supporters), "hello", "--out", str(out_mbox), "--format", "json"
    )
    assert (code, err) == (0, ""), err
    summary = json.loads(out)
    assert summary["suppressed"] == {"bounce": 5 - 2, "complaint": 1}  # Gmail, Exchange: not here
    assert _mbox_recipients(out_mbox) == ["joao.silva@example.net", "sam@example.net"]
    # the same over SMTP, and with --jobs: exactly those two
    with Server() as server:
        code, out, err = run_cli(
            love, "merge", str(supporters), "hello", "--smtp", server.address, "--tls", "none"
        )
    assert (code, err) == (0, ""), err
    assert "suppressed: 4 (bounce 3, complaint 1), not written or sent" in out
    assert sorted(m.rcpt[0] for m in server.messages) == [
        "joao.silva@example.net",
        "sam@example.net",
    ]
    code, out, err = run_cli(
        love,
        "merge",
        str(supporters),
        "hello",
        "--out-dir",
        str(tmp_path / "eml"),
        "--jobs",
        "2",
        "--format",
        "json",
    )
    assert (code, err) == (0, ""), err
    assert json.loads(out)["suppressed"] == {"bounce": 3, "complaint": 1}
    assert len(list((tmp_path / "eml").glob("*.eml"))) == 2


def test_merge_over_smtp_skips_suppressed_and_earlier_5xx(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    listed = tmp_path / "left.txt"
    listed.write_text("# one a line\nSAM@example.NET\n", encoding="utf-8")
    args = ["--tls", "none", "--backoff", "0.05", "--suppress", str(listed)]
    with Server(Behaviour(refused={"joao.silva@example.net"})) as server:
        code, out, err = run_cli(
            love,
            "merge",
            str(supporters),
            "hello",
            "--smtp",
            server.address,
            *args,
            "--format",
            "json",
        )
    assert code == 1  # joao's 550 is this run's failure
    first = json.loads(out)
    assert first["suppressed"] == {"left": 1}
    sent = sorted(m.rcpt[0] for m in server.messages)
    assert "sam@example.net" not in sent and "joao.silva@example.net" not in sent
    assert len(sent) == 4
    # the next mailing of the campaign (another message) leaves joao out: bounced
    with Server() as server:
        code, out, err = run_cli(
            love, "merge", str(supporters), "share", "--smtp", server.address, *args
        )
    assert (code, err) == (0, ""), err
    assert "bounced 1" in out and "5xx in an earlier run" in out
    assert sorted(m.rcpt[0].lower() for m in server.messages) == sorted(
        a.lower() for a, *_ in ROWS if a not in ("sam@example.net", "joao.silva@example.net")
    )


def test_missing_or_broken_list_stops_before_anything(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    with Server() as server:
        code, _out, err = run_cli(
            love,
            "merge",
            str(supporters),
            "hello",
            "--smtp",
            server.address,
            "--tls",
            "none",
            "--suppress",
            str(tmp_path / "nope.csv"),
        )
        assert code == 2 and "nope.csv: no such suppression list" in err
        assert "Traceback" not in err
        (love / "suppress" / "bounces.csv").unlink()  # [merge] suppress names it
        code, _out, err = run_cli(
            love, "merge", str(supporters), "hello", "--smtp", server.address, "--tls", "none"
        )
        assert code == 2 and "bounces.csv: no such suppression list" in err
        shutil.copy(love / "suppress" / "unsubscribed.csv", love / "suppress" / "bounces.csv")
        bad = tmp_path / "bad.csv"
        bad.write_text("email,reason\nAna <ana@example.net>,x\n", encoding="utf-8")
        code, _out, err = run_cli(
            love,
            "merge",
            str(supporters),
            "hello",
            "--smtp",
            server.address,
            "--tls",
            "none",
            "--suppress",
            str(bad),
        )
        assert code == 2 and err.startswith(f"{bad}:2: ")
        assert len(err.strip().splitlines()) == 1
    assert server.messages == []


@pytest.mark.parametrize(
    "listed",
    ["ana.lima@example.net", "ANA.LIMA@EXAMPLE.NET", "Ana.Lima@Example.net "],
)
def test_matched_as_delivery_normalises(tmp_path: Path, listed: str) -> None:
    path = tmp_path / "l.csv"
    path.write_text(f"email\n{listed}\nJose\u0301@Bücher.example\n", encoding="utf-8")
    found = load_suppression([path])
    assert found.reason("ana.lima@example.net") == "l"
    assert found.reason("josé@xn--bcher-kva.example") == "l"


def test_preference_wins_over_csv_locale(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", [("sam@example.net", "Sam", "en", "Leeds")])
    append_rows(
        love / "suppress" / "preferences.csv",
        ("email", "locale", "date"),
        [{"email": "Sam@Example.net", "locale": "fr", "date": "2026-12-07"}],
    )
    out_mbox = tmp_path / "o.mbox"
    code, _out, err = run_cli(love, "merge", str(supporters), "hello", "--out", str(out_mbox))
    assert (code, err) == (0, ""), err
    box = mailbox.mbox(out_mbox)
    (key,) = box.keys()
    assert parse(box.get_bytes(key))["Content-Language"] == "fr"
    box.close()


def test_reasons_are_one_short_line_and_few(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    lines = ["email,reason"] + [f"p{n}@example.net,why {n}" for n in range(50)]
    lines.append('q@example.net,"a\nreason\x1b[31m over many lines and far longer than forty"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = load_suppression([path])
    reasons = {found.reason(f"p{n}@example.net") for n in range(50)}
    assert len(reasons) == 21 and "other" in reasons
    assert found.reason("q@example.net") == "other"
    single = tmp_path / "one.csv"
    single.write_text('email,reason\nq@example.net,"a\nb\x1bc"\n', encoding="utf-8")
    assert load_suppression([single]).reason("q@example.net") == "one"  # not printable


def test_reading_a_list_allocates_about_its_size(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "l.csv"
    path.write_text("email\nana@example.net\n", encoding="utf-8")
    tracemalloc.start()
    try:
        load_suppression([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # not the 512 MiB bound allocated up front


def test_a_key_index_follows_the_file(tmp_path: Path) -> None:
    from outreach.suppression import KeyIndex

    path = tmp_path / "u.csv"
    index = KeyIndex()
    row = {"email": "ana@example.net", "reason": "unsubscribed"}
    assert append_rows(path, SUPPRESS_COLUMNS, [row], unique=True, index=index) == 1
    assert append_rows(path, SUPPRESS_COLUMNS, [row], unique=True, index=index) == 0
    # another process (or an editor) rewrites the file: the index reads it again
    path.write_text("email\nbo@example.net\n", encoding="utf-8")
    assert append_rows(path, SUPPRESS_COLUMNS, [row], unique=True, index=index) == 1
    bo = {"email": "BO@example.net", "reason": "unsubscribed"}
    assert append_rows(path, SUPPRESS_COLUMNS, [bo], unique=True, index=index) == 0
    assert load_suppression([path]).reason("ana@example.net") == "u"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_folder_as_a_list_is_refused_at_once(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    fifo = tmp_path / "list.csv"
    os.mkfifo(fifo)
    code, _, err = run_cli(
        love, "merge", str(supporters), "hello", "--dry-run", "--suppress", str(fifo)
    )
    assert (code, err) == (2, f"{fifo}: is not a regular file\n")
    code, _, err = run_cli(
        love, "merge", str(supporters), "hello", "--dry-run", "--suppress", str(tmp_path)
    )
    assert code == 2 and "is a directory" in err


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.csv", "suppress/link.csv"])
def test_campaign_lists_stay_inside_the_campaign(love: Path, tmp_path: Path, name: str) -> None:
    (tmp_path / "outside.csv").write_text("root:x:0:0\n", encoding="utf-8")
    (love / "suppress" / "link.csv").symlink_to(tmp_path / "outside.csv")
    config = love / "messages" / "campaign.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('"suppress/bounces.csv"]', f'"suppress/bounces.csv", "{name}"]'),
        encoding="utf-8",
    )
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    code, _, err = run_cli(love, "merge", str(supporters), "hello", "--dry-run")
    assert code == 2 and "root:x" not in err and len(err.splitlines()) == 1
    assert "outside" in err or "symbolic link" in err


def _append_many(path: str, start: int) -> None:
    for n in range(start, start + 50):
        row = {"email": f"p{n % 120}@example.net", "reason": "unsubscribed"}
        append_rows(Path(path), SUPPRESS_COLUMNS, [row], unique=True)


def test_several_processes_append_each_address_once(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "u.csv"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(path), k * 30)) for k in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with open(path, encoding="utf-8", newline="") as stream:
        found = [row["email"] for row in csv.DictReader(stream)]
    expected = {f"p{n % 120}@example.net" for k in range(4) for n in range(k * 30, k * 30 + 50)}
    assert sorted(found) == sorted(expected)  # each once, every line whole
