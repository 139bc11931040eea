"""docs/tutorial.md, run: every command of the page in an empty directory, in order.

The page is read with markdown-it (the parser MyST builds on). Its blocks are steps:

- a ``console`` block: each ``$ `` line is a shell command, run by bash with ``set -e`` in
  the directory and environment the earlier commands left (``cd`` and ``export`` carry
  over); every command must succeed. A command ending in ``--serve`` is a server: it is
  started on a free port, its page fetched, then stopped with Ctrl-C (SIGINT) as the reader
  would.
- a ``po`` block with a caption: the entries a translator leaves in the captioned catalog;
  they are filled in with polib, as an editor would, and each must match an entry there.
- any other block with a caption: a file the reader writes, as shown.

``smtp.example.org:587``, the provider's relay in the page, is an aiosmtpd server on
127.0.0.1 that requires the page's login and password. Then the results are checked: the
proof mbox, what the server received, and what git tracks.
"""

from __future__ import annotations

import mailbox
import os
import shlex
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from merge_support import Server, free_port, wait_until

pytest.importorskip("markdown_it")
polib = pytest.importorskip("polib")

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "tutorial.md"
RELAY = "smtp.example.org:587"


@dataclass
class Step:
    kind: str  # "shell", "serve", "po", "file"
    text: str
    path: str = ""


def steps(page: Path = PAGE) -> list[Step]:
    """The page's steps, in order."""
    from markdown_it import MarkdownIt

    found: list[Step] = []
    for token in MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8")):
        if token.type != "fence":
            continue
        info = token.info.strip()
        body = token.content
        caption = ""
        if info.startswith("{code-block}"):
            lines = body.splitlines(keepends=True)
            while lines and lines[0].startswith(":"):
                key, _, value = lines.pop(0)[1:].partition(":")
                if key.strip() == "caption":
                    caption = value.strip()
            body = "".join(lines).lstrip("\n")
            info = info.removeprefix("{code-block}").strip()
        if info == "console":
            for line in body.splitlines():
                if line.startswith("$ "):
                    command = line[2:]
                    kind = "serve" if command.endswith("--serve") else "shell"
                    found.append(Step(kind, command))
        elif caption:
            found.append(Step("po" if info == "po" else "file", body, caption))
    return found


def _fill(catalog: Path, entries: str) -> None:
    """Fill ``entries`` (a .po fragment) into ``catalog`` as an editor would."""
    wanted = polib.pofile(entries, wrapwidth=0)
    po = polib.pofile(str(catalog), wrapwidth=0)
    for entry in wanted:
        found = po.find(entry.msgid, msgctxt=entry.msgctxt)
        assert found, (
            f"{catalog} has no entry {entry.msgctxt!r} {entry.msgid!r} (the page is stale)"
        )
        found.msgstr = entry.msgstr
        if "fuzzy" in found.flags:
            found.flags.remove("fuzzy")
    po.save()


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"campaigns@example.org",
        b"your relay password",
    )
    return AuthResult(success=ok, handled=False)


def _sigint_default() -> None:
    """Ctrl-C as at a terminal: a shell without job control (make, CI, ``cmd &``) starts its
    children with SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Reader:
    """The reader's shell: a directory and an environment that commands change."""

    def __init__(self, home: Path, relay: str) -> None:
        self.cwd = home
        self.relay = relay
        self.state = home.parent / "shell-state"
        self.state.mkdir()
        (self.state / "env").write_text("")
        bin_dir = Path(sys.executable).parent
        self.env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(home.parent),
            "PYTHONPATH": str(ROOT / "src"),  # this checkout's outreach
            "OUTREACH_CACHE_DIR": str(home.parent / "cache"),
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        self.log: list[str] = []

    def shell(self, command: str) -> None:
        command = command.replace(RELAY, self.relay)
        script = (
            f"set -euo pipefail\nsource {shlex.quote(str(self.state / 'env'))}\n"
            f"cd {shlex.quote(str(self.cwd))}\n{command}\n"
            f"export -p > {shlex.quote(str(self.state / 'env'))}\n"
            f"pwd > {shlex.quote(str(self.state / 'cwd'))}\n"
        )
        done = subprocess.run(
            ["bash", "-c", script], env=self.env, capture_output=True, text=True, timeout=300
        )
        self.log.append(f"$ {command}\n{done.stdout}{done.stderr}")
        assert done.returncode == 0, "\n".join(self.log)
        assert "Traceback" not in done.stderr, done.stderr
        self.cwd = Path((self.state / "cwd").read_text().strip())

    def serve(self, command: str) -> str:
        """Start the server, fetch its page, stop it as Ctrl-C does; the page."""
        port = free_port()
        argv = [*shlex.split(command), "--port", str(port)]
        env = {**self.env, **self._exported()}
        server = subprocess.Popen(
            argv,
            cwd=self.cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_sigint_default,
        )
        page = ""

        def up() -> bool:
            nonlocal page
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    page = reply.read().decode("utf-8")
            except OSError:
                return server.poll() is not None
            return True

        try:
            assert wait_until(up, 60), "preview --serve did not answer"
        finally:
            server.send_signal(signal.SIGINT)
            out, _ = server.communicate(timeout=30)
        assert server.returncode in (0, 130), out
        assert b"Traceback" not in out, out
        return page

    def _exported(self) -> dict[str, str]:
        done = subprocess.run(
            ["bash", "-c", f"source {shlex.quote(str(self.state / 'env'))}; env -0"],
            env=self.env,
            capture_output=True,
            check=True,
        )
        pairs = (item.split(b"=", 1) for item in done.stdout.split(b"\0") if b"=" in item)
        return {k.decode(): v.decode() for k, v in pairs}


def test_the_page_has_the_steps_the_issue_asks_for() -> None:
    commands = " ".join(s.text for s in steps() if s.kind in ("shell", "serve"))
    for step in ("outreach init", "outreach add-locale", "outreach check", "outreach render"):
        assert step in commands
    assert "outreach preview --serve" in commands
    assert "--to you@example.org" in commands and f"--smtp {RELAY}" in commands
    assert any(s.kind == "po" for s in steps())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    home = tmp_path / "work"
    home.mkdir()
    options = {"authenticator": _authenticator, "auth_required": True, "auth_require_tls": False}
    with Server(**options) as relay:
        reader = Reader(home, relay.address)
        served = ""
        for step in steps():
            if step.kind == "shell":
                reader.shell(step.text)
            elif step.kind == "serve":
                served = reader.serve(step.text)
            elif step.kind == "po":
                _fill(reader.cwd / step.path, step.text)
            else:
                (reader.cwd / step.path).write_text(step.text, encoding="utf-8")
        received = relay.messages
    campaign = home / "pride"
    assert reader.cwd == campaign
    assert "Pride 2027" in served

    # the proof: one email a locale, all to the organizer, each in its language
    parse = BytesParser(policy=policy.default).parsebytes
    proofs = [parse(m.as_bytes()) for m in mailbox.mbox(campaign / "proof.mbox")]
    assert sorted(p["Content-Language"] for p in proofs) == ["en", "es"]
    assert {p["To"] for p in proofs} == {"you@example.org"}
    assert all(p["Subject"].startswith("[PROOF] ") for p in proofs)
    subjects = {p["Content-Language"]: p["Subject"].removeprefix("[PROOF] ") for p in proofs}
    assert subjects == {"en": "Welcome to Pride 2027", "es": "Te damos la bienvenida a Pride 2027"}

    # the real merge: every supporter, once, in their language
    sent = {tuple(m.rcpt): parse(m.data) for m in received}
    assert set(sent) == {("ana@example.net",), ("sam@example.net",), ("lucia@example.net",)}
    assert sent[("ana@example.net",)]["Subject"] == subjects["es"]
    assert sent[("lucia@example.net",)]["Subject"] == subjects["es"]
    assert sent[("sam@example.net",)]["Subject"] == subjects["en"]
    text = sent[("ana@example.net",)].get_body(("plain",)).get_content()
    assert "Actúa ahora: https://example.org/pride" in text

    # git holds the campaign, not the people
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=campaign, capture_output=True, text=True, check=True
    ).stdout.split()
    assert {"messages/campaign.toml", "messages/welcome.j2", ".gitignore"} <= set(tracked)
    assert "locales/es/LC_MESSAGES/messages.po" in tracked
    assert (campaign / "supporters.welcome.journal").exists()
    leaked = [
        name
        for name in tracked
        if name.startswith(("supporters", "preview/", "out/")) or name.endswith((".mbox", ".mo"))
    ]
    assert leaked == []
