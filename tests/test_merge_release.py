"""A broken catalog holds only its own locale (outreach.merge.release, and the commands that
produce outputs): a syntax error in one of five catalogs leaves the other four rendered,
exported and merged (mbox, and a real SMTP server), exit 1 with the broken locale named at
its line; the same merge command, run again after the fix, sends exactly the held
supporters. And ``msgstr[99999999999]`` is an error at its line in every command."""

from __future__ import annotations

import json
import mailbox
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import po_path, run_cli
from merge_support import SECRET, Server, merge_campaign, parse, write_csv

ROWS = [
    ("ana@example.net", "Ana Lima", "pt-BR", "Recife"),
    ("maria@example.net", "María García", "es-MX", ""),
    ("lucia@example.net", "Lucía Pérez", "es", "Madrid"),
    ("pierre@example.net", "Pierre Martin", "fr-CA", "Lyon"),
    ("sam@example.net", "Sam Taylor", "en", "Leeds"),
    ("anna@example.net", "Anna Schmidt", "de", ""),
]
HELD = {"maria@example.net", "lucia@example.net"}  # es: the broken catalog's supporters


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)


@pytest.fixture
def five(tmp_path: Path) -> Path:
    """The merge campaign with a fifth catalog (de): en, es, fr, pt, de."""
    root = merge_campaign(tmp_path / "love")
    code, _, err = run_cli(root, "add-locale", "de")
    assert code == 0, err
    return root


def _break(root: Path, locale: str = "es") -> tuple[bytes, int]:
    """An unescaped ``"`` in one translation, as a translator's editor might leave it: the
    good bytes, and the line of the error."""
    po = po_path(root, locale)
    good = po.read_bytes()
    lines = good.decode("utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith('msgstr "') and i > 20)
    lines[index] = 'msgstr "dice "hola" a todos"'
    po.write_bytes("\n".join(lines).encode("utf-8"))
    return good, index + 1


def test_render_and_export_produce_every_other_locale(five: Path, tmp_path: Path) -> None:
    _, line = _break(five)
    where = f"es/LC_MESSAGES/messages.po:{line}: unterminated or malformed string"
    out = tmp_path / "rendered"
    code, stdout, err = run_cli(five, "render", "share", "--all-locales", "--out", str(out))
    assert code == 1 and "Traceback" not in err
    assert where in err and "held back: es" in err
    index = json.loads((out / "index.json").read_text("utf-8"))
    assert {i["locale"] for i in index["items"]} == {"en", "fr", "pt", "de"}
    assert not (out / "share" / "es").exists() and (out / "share" / "de" / "x.txt").exists()

    code, stdout, err = run_cli(
        five, "export", "-c", "x", "--format", "json", "--start", "2099-01-01T09:00"
    )
    assert code == 1 and where in err and "held back: es" in err
    assert {post["locale"] for post in json.loads(stdout)} == {"en", "fr", "pt", "de"}

    code, stdout, err = run_cli(five, "stats", "--format", "json")
    assert code == 1 and where in err
    rows = {row["locale"]: row for row in json.loads(stdout)["locales"]}
    assert rows["es"]["broken"] is True and rows["es"]["translated"] == 0
    assert not any(rows[loc]["broken"] for loc in ("en", "fr", "pt", "de"))


def test_merge_to_an_mbox_holds_or_falls_back(five: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    _, line = _break(five)
    box = tmp_path / "held.mbox"
    code, out, err = run_cli(five, "merge", str(supporters), "hello", "--out", str(box))
    assert code == 1 and f"locales/es/LC_MESSAGES/messages.po:{line}: " in err
    assert "held: es 2 supporters, not sent" in out
    written = {parse(m.as_bytes())["To"].addresses[0].addr_spec for m in mailbox.mbox(box)}
    assert written == {r[0] for r in ROWS} - HELD

    box = tmp_path / "fallback.mbox"
    code, out, err = run_cli(
        five, "merge", str(supporters), "hello", "--out", str(box), "--broken-locales",
        "fallback", "--format", "json",
    )  # fmt: skip
    assert code == 1 and f"messages.po:{line}: " in err
    summary = json.loads(out)
    assert summary["fell_back"] == {"es -> en": 2}
    assert summary["held"]["es"]["supporters"] == 0
    languages = {
        parse(m.as_bytes())["To"].addresses[0].addr_spec: parse(m.as_bytes())["Content-Language"]
        for m in mailbox.mbox(box)
    }
    assert set(languages) == {r[0] for r in ROWS}
    assert {languages[a] for a in HELD} == {"en"}  # the fallback chain's language
    assert languages["pierre@example.net"] == "fr"


def test_merge_over_smtp_sends_exactly_the_held_after_the_fix(five: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    good, line = _break(five)
    args = ("merge", str(supporters), "hello", "--tls", "none", "--backoff", "0.05")
    with Server() as server:
        code, out, err = run_cli(five, *args, "--smtp", server.address)
    assert code == 1 and f"locales/es/LC_MESSAGES/messages.po:{line}: " in err
    assert "held: es 2 supporters" in out
    first = Counter(m.rcpt[0] for m in server.messages)
    assert set(first) == {r[0] for r in ROWS} - HELD and set(first.values()) == {1}
    code, status, _ = run_cli(
        five, "merge", str(supporters), "hello", "--status", "--format", "json"
    )
    assert code == 0 and json.loads(status)["locales"]["es"] == {"pending": 2}

    po_path(five, "es").write_bytes(good)  # the translator's fix
    with Server() as again:
        code, out, err = run_cli(five, *args, "--smtp", again.address)
    assert (code, err) == (0, ""), err
    second = [m.rcpt[0] for m in again.messages]
    assert sorted(second) == sorted(HELD)  # exactly the held supporters, once each
    assert {parse(m.data)["Content-Language"] for m in again.messages} == {"es"}
    assert "accepted earlier 4" in out


def test_error_findings_hold_their_locale_in_merge(five: Path, tmp_path: Path) -> None:
    from conftest import edit_po

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    edit_po(po_path(five, "es"), {"Watch the film": "Mira https://evil.com"})
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(five, "merge", str(supporters), "hello", "--out", str(box))
    assert code == 1 and "evil.com" in err and "held: es 2 supporters" in out
    written = {parse(m.as_bytes())["To"].addresses[0].addr_spec for m in mailbox.mbox(box)}
    assert written == {r[0] for r in ROWS} - HELD
    assert b"evil.com" not in box.read_bytes()


# -- a catalog built to exhaust memory -------------------------------------------------------
_COMMANDS = [
    ["check", "--no-cache"],
    ["compile"],  # stops (exit 2): it writes every catalog or none
    ["render", "share", "--all-locales"],
    ["merge", "SUPPORTERS", "hello", "--dry-run"],
]


@pytest.mark.parametrize("command", _COMMANDS, ids=lambda c: c[0])
def test_a_huge_plural_index_is_an_error_at_its_line(
    five: Path, tmp_path: Path, command: list[str]
) -> None:
    """``msgstr[99999999999]`` was ``internal error: MemoryError``; now one line at its
    line, with the address space capped (a list that long could never be built)."""
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    po = po_path(five, "es")
    text = po.read_text("utf-8")
    anchor = text.index("msgstr[1] ")
    line = text.count("\n", 0, anchor) + 2
    end = text.index("\n", anchor) + 1
    po.write_text(text[:end] + 'msgstr[99999999999] "x"\n' + text[end:], "utf-8")
    argv = [str(supporters) if part == "SUPPORTERS" else part for part in command]
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))\n"
        "from outreach.cli import main\n"
        "sys.argv = ['outreach'] + sys.argv[1:]\n"
        "main()\n"
    )
    src = Path(__file__).parent.parent / "src"
    result = subprocess.run(
        [sys.executable, "-c", code, "-C", str(five), *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(src), "OUTREACH_UNSUBSCRIBE_SECRET": SECRET, "PATH": "/usr/bin"},
        check=False,
    )
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr
    expected = f"locales/es/LC_MESSAGES/messages.po:{line}: "
    assert expected in result.stdout + result.stderr, result.stderr
    assert "no language has that many plural forms" in result.stdout + result.stderr
    assert result.returncode == (2 if command == ["compile"] else 1), result.stderr
    assert resource  # the cap is set in the child, not here


# -- release gates: --ready-only, then ready, then past the deadline ---------------------------
def _release(root: Path, deadline: str, at_deadline: str = "fallback") -> None:
    config = root / "messages" / "campaign.toml"
    text = config.read_text("utf-8").split("\n[release]\n")[0]
    config.write_text(
        text + f'\n[release]\ndeadline = {deadline}\nat_deadline = "{at_deadline}"\n', "utf-8"
    )


def test_ready_only_sends_each_supporter_once_in_the_right_language(
    five: Path, tmp_path: Path
) -> None:
    """es is incomplete and de untranslated: --ready-only sends en, fr and pt; es once it is
    complete; de, past the deadline with at_deadline = "fallback", in English. Each supporter
    gets exactly one email, and a last run sends nothing."""
    from conftest import WATCH, edit_po

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    es = po_path(five, "es")
    good = es.read_bytes()
    edit_po(es, {WATCH: ""})
    _release(five, "2099-12-10T09:00:00+01:00")
    args = ("merge", str(supporters), "share", "--ready-only", "--tls", "none")
    got: dict[str, list[str]] = {}

    def run(stage: str) -> tuple[str, list[str]]:
        with Server() as server:
            code, out, err = run_cli(five, *args, "--smtp", server.address, "--format", "json")
        assert (code, err) == (0, ""), (stage, err)
        sent = []
        for message in server.messages:
            (address,) = message.rcpt
            got.setdefault(address, []).append(str(parse(message.data)["Content-Language"]))
            sent.append(address)
        return out, sorted(sent)

    out, sent = run("es and de not ready")
    assert sent == sorted(["ana@example.net", "pierre@example.net", "sam@example.net"])
    summary = json.loads(out)
    assert summary["held"]["es"]["supporters"] == 2 and summary["held"]["de"]["supporters"] == 1
    assert "1 string(s) untranslated or fuzzy" in summary["held"]["es"]["why"]
    code, status, _ = run_cli(five, "merge", str(supporters), "share", "--status")
    assert code == 0 and "es: pending 2 (held by the last run: not ready: share: 1" in status

    es.write_bytes(good)  # the translator completes es
    assert run("es ready")[1] == sorted(HELD)

    _release(five, "2001-01-01T00:00:00+00:00")  # the deadline has passed: fallback
    out, sent = run("past the deadline")
    assert sent == ["anna@example.net"] and json.loads(out)["fell_back"] == {"de -> en": 1}
    assert run("nothing left")[1] == []
    assert got == {
        "ana@example.net": ["pt"],
        "pierre@example.net": ["fr"],
        "sam@example.net": ["en"],
        "maria@example.net": ["es"],
        "lucia@example.net": ["es"],
        "anna@example.net": ["en"],
    }


def test_at_deadline_hold_keeps_them_held(five: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    _release(five, "2001-01-01T00:00:00Z", "hold")
    box = tmp_path / "out.mbox"
    args = ("merge", str(supporters), "share", "--ready-only", "--out", str(box))
    code, out, err = run_cli(five, *args, "--format", "json")
    assert (code, err) == (0, ""), err
    assert json.loads(out)["held"]["de"]["supporters"] == 1
    assert "anna@example.net" not in box.read_text("utf-8")
