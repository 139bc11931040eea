"""``[privacy]``: a low-trace email for supporters at risk (outreach.merge.privacy, the
renderer's private variant, check's ``privacy`` warning and the preview's private section).

A privacy supporter's email, parsed back, has no ``utm_``, nothing a mail client loads by
itself (``src``, ``background``, CSS ``url()``), no view-in-browser link, no image; the
normal supporter's email is unchanged."""

from __future__ import annotations

import email.policy
import json
import mailbox
import re
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from conftest import run_cli
from merge_support import SECRET, Server, merge_campaign, write_csv

from outreach.emailhtml import remote_loads

ROWS = [
    ("ana@example.net", "Ana Lima", "pt-BR", "Recife", ""),
    ("maria@example.net", "María García", "es-MX", "", "yes"),
    ("pierre@example.net", "Pierre Martin", "fr-CA", "Lyon", "no"),
    ("sam@example.net", "Sam Taylor", "en", "Leeds", ""),
    ("anna@example.net", "Anna Schmidt", "de", "", "maybe"),  # unsure: at risk
]
HEADER = ("email", "name", "locale", "city", "at_risk")
PRIVATE = {"ana@example.net", "maria@example.net", "anna@example.net"}
PRIVACY = (
    '\n[privacy]\nlocales = ["pt"]\ncolumn = "at_risk"\nfrom = "Newsletter <news@example.org>"\n'
)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)


@pytest.fixture
def love(tmp_path: Path) -> Path:
    return merge_campaign(tmp_path / "love")


def _with_privacy(root: Path, table: str = PRIVACY) -> None:
    config = root / "messages" / "campaign.toml"
    config.write_text(config.read_text("utf-8") + table, "utf-8")


def _parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def _mbox(root: Path, supporters: Path, out: Path) -> dict[str, EmailMessage]:
    code, _, err = run_cli(root, "merge", str(supporters), "share", "--out", str(out))
    assert (code, err) == (0, ""), err
    found = {}
    for entry in mailbox.mbox(out):
        message = _parse(entry.as_bytes())
        found[message["To"].addresses[0].addr_spec] = message
    return found


def _parts(message: EmailMessage) -> tuple[str, str]:
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    return html.get_content(), text.get_content()


def _comparable(message: EmailMessage) -> tuple[list[tuple[str, str]], tuple[str, str]]:
    """The message's headers but the Date, and its parts' content (the MIME boundaries
    are random: what differs from run to run)."""
    headers = [(k, str(v)) for k, v in message.items() if k.lower() not in ("date",)]
    headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
    return headers, _parts(message)


def test_a_private_email_reports_nothing_back(love: Path, tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", ROWS, HEADER)
    before = _mbox(love, supporters, tmp_path / "before.mbox")
    _with_privacy(love)
    after = _mbox(love, supporters, tmp_path / "after.mbox")
    assert set(after) == {row[0] for row in ROWS}
    for address, message in after.items():
        html, text = _parts(message)
        if address in PRIVATE:
            assert "utm_" not in html and "utm_" not in text
            assert remote_loads(html) == []
            assert not re.search(r"""(?i)\b(src|background)\s*=|url\(""", html)
            assert "/email/share/" not in html + text  # the view-in-browser link
            assert "film-still" not in html and "<img" not in html.lower()
            assert message["From"] == "Newsletter <news@example.org>"
            assert "https://example.org/love" in text  # the call to action is still there
        else:
            assert _comparable(message) == _comparable(before[address])  # unchanged
            assert "utm_" in html and "film-still" in html
    summary = json.loads(
        run_cli(love, "merge", str(supporters), "share", "--dry-run", "--format", "json")[1]
    )
    assert summary["private"] == {"pt": 1, "es": 1, "en": 1}


def test_a_private_subject_block_and_smtp(love: Path, tmp_path: Path) -> None:
    share = love / "messages" / "share.j2"
    share.write_text(
        share.read_text("utf-8")
        + '\n{% block subject_private %}{{ pgettext("subject", "News from us") }}'
        + "{% endblock %}\n",
        "utf-8",
    )
    _with_privacy(love, '\n[privacy]\nlocales = ["pt", "fr"]\n')
    supporters = write_csv(tmp_path / "s.csv", [r[:4] for r in ROWS])
    with Server() as server:
        code, _, err = run_cli(
            love, "merge", str(supporters), "share", "--smtp", server.address, "--tls", "none"
        )
    assert (code, err) == (0, ""), err
    got = {m.rcpt[0]: _parse(m.data) for m in server.messages}
    assert got["ana@example.net"]["Subject"] == "News from us"
    assert got["pierre@example.net"]["Subject"] == "News from us"
    assert got["sam@example.net"]["Subject"] != "News from us"
    assert got["ana@example.net"]["From"] == "Love Always Wins <love@example.org>"  # no from


def test_a_privacy_column_the_csv_lacks_stops_the_run(love: Path, tmp_path: Path) -> None:
    _with_privacy(love)
    supporters = write_csv(tmp_path / "s.csv", [r[:4] for r in ROWS])
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--out", str(box))
    assert code == 2 and "[privacy] column 'at_risk' is not a column" in err
    assert len(err.splitlines()) == 1 and not box.exists()


def test_check_warns_when_a_private_email_still_loads_something(love: Path) -> None:
    _with_privacy(love, '\n[privacy]\nlocales = ["pt"]\n')
    _, out, _ = run_cli(love, "check", "--no-cache", "--format", "json")
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "privacy"]
    share = love / "messages" / "share.j2"
    share.write_text(
        share.read_text("utf-8").replace(
            "{% block body %}", '{% block body %}<p style="background:url(//t.example/b.png)">'
        ),
        "utf-8",
    )
    _, out, _ = run_cli(love, "check", "--no-cache", "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["check"] == "privacy"]
    assert [(f["locale"], f["file"], f["severity"]) for f in found] == [
        ("pt", "messages/share.j2", "warning")
    ]
    assert "//t.example/b.png" in found[0]["message"]


def test_preview_shows_the_private_variant_beside_the_normal_one(example: Path) -> None:
    _with_privacy(example, '\n[privacy]\nlocales = ["pt"]\n')
    code, _, err = run_cli(example, "preview")
    assert code == 0, err
    site = example / "preview"
    page = (site / "m" / "share" / "pt" / "email.html").read_text("utf-8")
    assert "the private variant" in page and "every supporter in pt" in page
    assert "the private variant" not in (site / "m" / "share" / "fr" / "email.html").read_text(
        "utf-8"
    )


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('[privacy]\nlocales = ["de"]\n', "does not ship"),
        ('[privacy]\ncolumn = "At Risk"\n', "column is a supporters CSV column"),
        ("[privacy]\ninline_images = true\n", "not supported yet"),
        ('[privacy]\nfrom = "a\\nBcc: b@example.org"\n', "one-line string"),
        ("[privacy]\nwho = 1\n", "unknown keys: who"),
    ],
)
def test_bad_privacy_settings_name_their_line(love: Path, table: str, fragment: str) -> None:
    _with_privacy(love, "\n" + table)
    code, _, err = run_cli(love, "stats")
    assert code == 2 and fragment in err and "campaign.toml:" in err, err
