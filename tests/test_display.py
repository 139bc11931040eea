"""outreach.display: what reaches the organizer's terminal is shown, never obeyed -- JSON
and documents on standard output, check's reports, render's output -- and still means the
same (a file gets the text as it is).

Holds the untrusted-input tests of the terminal output (the red team's first and second rounds).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import edit_po, po_path, run_cli

from outreach.display import json_text, terminal_document

ESCAPES = "\x1b]8;;https://evil.com\x07x\x1b]8;;\x07 \x9b2J \u202e \u2066"


def test_json_on_stdout_escapes_what_a_terminal_obeys_and_means_the_same() -> None:
    text = json_text({"text": f"Hola {ESCAPES} \u200f"})
    assert text.isprintable() or all(c in "\n" or c.isprintable() for c in text)
    assert not any(c in text for c in "\x1b\x07\x9b\u202e\u2066\u200f")
    assert json.loads(text) == {"text": f"Hola {ESCAPES} \u200f"}


def test_a_document_on_stdout_shows_controls_and_keeps_line_ends() -> None:
    shown, count = terminal_document(f"a,\u200fb {ESCAPES}\r\n".encode())
    assert count == 7 and shown.endswith(b"\r\n") and "\u200f".encode() in shown
    assert not any(c.encode() in shown for c in "\x1b\x07\x9b\u202e\u2066")


def _template_with_controls(example: Path) -> None:
    share = example / "messages" / "share.j2"
    text = share.read_text(encoding="utf-8")
    # the organizer's own text (templates are trusted): the only way left to reach a post
    share.write_text(text.replace("{% block post %}", "{% block post %}\x9b2J\u202e ", 1))


def test_render_json_and_export_on_stdout_carry_no_raw_controls(example: Path) -> None:
    _template_with_controls(example)
    code, out, _ = run_cli(example, "render", "share", "-c", "x", "--format", "json")
    assert "\x9b" not in out and "\u202e" not in out
    assert json.loads(out)[0]["text"].startswith("\x9b2J\u202e")
    start = ("--start", "2099-01-01T09:00", "-m", "share")
    code, out, err = run_cli(example, "export", "-c", "x", "--format", "csv", *start)
    assert code == 0 and "\x9b" not in out and "\u202e" not in out and "<U+202E>" in out
    assert "written as visible escapes" in err
    out = example.parent / "posts.csv"
    code, _, _ = run_cli(example, "export", "-c", "x", "--format", "csv", *start, "--out", str(out))
    assert code == 0 and "\u202e".encode() in out.read_bytes()  # the file as it is


@pytest.mark.parametrize(
    "escape", ["\x1b[8m", "\x1bc", "\x1b]8;;https://evil.com\x07here\x1b]8;;\x07", "\x9b2J"]
)
def test_escape_sequences_are_shown_never_obeyed(example: Path, escape: str) -> None:
    # in a link, so that check's message quotes the translator's text
    edit_po(po_path(example, "es"), {"Watch the film": f"Mira https://evil.com/{escape}x"})
    for fmt in ("text", "github"):
        _, out, _ = run_cli(example, "check", "--no-cache", "--format", fmt, "-l", "es")
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
        assert "\\x1b" in out or "\\x9b" in out
    _, out, err = run_cli(example, "render", "share", "-l", "es", "-c", "email")
    assert "\x1b" not in out + err and "\x9b" not in out + err and "\x07" not in out + err
