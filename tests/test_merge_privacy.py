"""``[privacy]``: a low-trace email for supporters at risk (outreach.merge.privacy, the
renderer's private variant, check's ``privacy`` warning and the preview's private section).

A privacy supporter's email, parsed back, has no ``utm_``, nothing a mail client loads by
itself (``src``, ``background``, CSS ``url()``), no view-in-browser link, no image -- or,
with ``inline_images = true``, the message's ``image_file`` inside it as a ``cid:`` part
(RFC 2387/2392); the normal supporter's email is unchanged."""

from __future__ import annotations

import email.policy
import json
import mailbox
import os
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
        ('[privacy]\ninline_images = "yes"\n', "inline_images is true or false"),
        ('[privacy]\nfrom = "a\\nBcc: b@example.org"\n', "one-line string"),
        ("[privacy]\nwho = 1\n", "unknown keys: who"),
    ],
)
def test_bad_privacy_settings_name_their_line(love: Path, table: str, fragment: str) -> None:
    _with_privacy(love, "\n" + table)
    code, _, err = run_cli(love, "stats")
    assert code == 2 and fragment in err and "campaign.toml:" in err, err


INLINE = '\n[privacy]\nlocales = ["pt"]\ncolumn = "at_risk"\ninline_images = true\n'


def _image_parts(message: EmailMessage) -> tuple[EmailMessage, EmailMessage]:
    """The related part's HTML and image, after checking the nesting:
    ``alternative(text, related(html, image))``."""
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    html, image = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert image.get_content_disposition() == "inline"
    return html, image


def _assert_inlined(message: EmailMessage, still: bytes) -> None:
    html_part, image = _image_parts(message)
    html = html_part.get_content()
    assert image.get_content_type() == "image/jpeg"
    assert image.get_content() == still
    assert image.get_filename() == "film-still.jpg"
    content_id = image["Content-ID"]
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", content_id)
    sources = re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', html)
    assert sources == ["cid:" + content_id[1:-1]]
    alt = re.findall(r'<img\b[^>]*\balt="([^"]*)"', html)
    assert alt and alt[0].strip()  # the alt text stays
    assert remote_loads(html) == []
    assert not re.search(r"""(?i)\b(src|background)\s*=\s*["']?(https?:)?//|url\(""", html)
    assert "utm_" not in html and "/email/share/" not in html


def test_inline_images_carry_the_image_file_as_a_cid_part(love: Path, tmp_path: Path) -> None:
    still = (love / "images" / "film-still.jpg").read_bytes()
    supporters = write_csv(tmp_path / "s.csv", ROWS, HEADER)
    before = _mbox(love, supporters, tmp_path / "before.mbox")
    _with_privacy(love, INLINE)
    after = _mbox(love, supporters, tmp_path / "after.mbox")
    assert set(after) == {row[0] for row in ROWS}
    for address, message in after.items():
        if address in PRIVATE:
            _assert_inlined(message, still)
        else:
            assert message.get_content_type() == "multipart/alternative"
            assert [p.get_content_type() for p in message.iter_parts()] == [
                "text/plain",
                "text/html",
            ]
            assert _comparable(message) == _comparable(before[address])  # unchanged
    # The private alt text is the normal email's, in the same language.
    alt = re.compile(r'<img\b[^>]*\balt="([^"]*)"')
    private_alt = alt.findall(_image_parts(after["ana@example.net"])[0].get_content())
    normal_alt = alt.findall(_parts(before["ana@example.net"])[0])
    assert private_alt == normal_alt


def test_private_inline_emails_come_from_proven_skeletons(love: Path, tmp_path: Path) -> None:
    _with_privacy(love, '\n[privacy]\nlocales = ["pt"]\ninline_images = true\n')
    rows = [(f"p{n}@example.net", f"Pê {n}", "pt", "Recife" if n % 2 else "") for n in range(12)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    out = tmp_path / "out.mbox"
    code, summary, err = run_cli(
        love, "merge", str(supporters), "share", "--out", str(out), "--format", "json"
    )
    assert (code, err) == (0, ""), err
    found = json.loads(summary)
    assert found["rendered"] == {"skeleton": 12} and found["notes"] == []
    still = (love / "images" / "film-still.jpg").read_bytes()
    for entry in mailbox.mbox(out):
        _assert_inlined(_parse(entry.as_bytes()), still)


def test_inline_images_over_smtp(love: Path, tmp_path: Path) -> None:
    _with_privacy(love, INLINE)
    supporters = write_csv(tmp_path / "s.csv", ROWS, HEADER)
    with Server() as server:
        code, _, err = run_cli(
            love, "merge", str(supporters), "share", "--smtp", server.address, "--tls", "none"
        )
    assert (code, err) == (0, ""), err
    got = {m.rcpt[0]: _parse(m.data) for m in server.messages}
    assert set(got) == {row[0] for row in ROWS}
    still = (love / "images" / "film-still.jpg").read_bytes()
    for address, message in got.items():
        if address in PRIVATE:
            _assert_inlined(message, still)
        else:
            html = _parts(message)[0]
            assert "https://example.org/love/film-still.jpg" in html and "cid:" not in html
            assert "multipart/related" not in message.as_string()


def test_check_accepts_an_inlined_image(love: Path) -> None:
    share = love / "messages" / "share.j2"
    _with_privacy(love, '\n[privacy]\nlocales = ["pt"]\ninline_images = true\n')
    code, out, err = run_cli(love, "check", "--no-cache", "--format", "json")
    assert code in (0, 1), err
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "privacy"]
    share.write_text(  # a remote load beside the inlined image is still found
        share.read_text("utf-8").replace(
            "{% block body %}", '{% block body %}<img src="https://t.example/p.gif" alt="">'
        ),
        "utf-8",
    )
    _, out, _ = run_cli(love, "check", "--no-cache", "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["check"] == "privacy"]
    assert len(found) == 1 and "https://t.example/p.gif" in found[0]["message"]
    assert "film-still" not in found[0]["message"]


def test_preview_shows_the_inlined_image(example: Path) -> None:
    _with_privacy(example, '\n[privacy]\nlocales = ["pt"]\ninline_images = true\n')
    code, _, err = run_cli(example, "preview")
    assert code == 0, err
    page = (example / "preview" / "m" / "share" / "pt" / "email.html").read_text("utf-8")
    assert "its picture travels inside the email, film-still.jpg" in page
    import base64
    import html as html_module

    still = base64.b64encode((example / "images" / "film-still.jpg").read_bytes()).decode()
    assert f"data:image/jpeg;base64,{still}" in html_module.unescape(page)
    assert "cid:" not in html_module.unescape(page)


def _image_line(root: Path) -> int:
    lines = (root / "messages" / "campaign.toml").read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("image_file"))


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda r: (r / "images" / "film-still.jpg").unlink(), "does not exist in the campaign"),
        (lambda r: (r / "images" / "film-still.jpg").write_bytes(PNG), "holds image/png, not"),
        (
            lambda r: (r / "images" / "film-still.jpg").write_bytes(b"<svg onload=x>"),
            "is not a JPEG, PNG, GIF or WebP image",
        ),
        (
            lambda r: (r / "images" / "film-still.jpg").write_bytes(b"\xff\xd8\xff" * 400_000),
            "is over 1,000,000 bytes",
        ),
        (lambda r: _swap(r, "link"), "is a symbolic link"),
        (lambda r: _swap(r, "dir"), "not a regular file"),
        (lambda r: _swap(r, "fifo"), "not a regular file"),
    ],
    ids=["missing", "wrong-type", "not-an-image", "too-big", "symlink", "directory", "fifo"],
)
def test_bad_image_files_are_refused_at_their_line(
    love: Path, tmp_path: Path, setup: object, fragment: str
) -> None:
    _with_privacy(love, '\n[privacy]\nlocales = ["pt"]\ninline_images = true\n')
    setup(love)  # type: ignore[operator]
    supporters = write_csv(tmp_path / "s.csv", [r[:4] for r in ROWS])
    box = tmp_path / "out.mbox"
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--out", str(box))
    line = _image_line(love)
    assert code == 2 and fragment in err, err
    assert err.startswith(f"{love / 'messages' / 'campaign.toml'}:{line}: image_file ")
    assert len(err.splitlines()) == 1 and not box.exists()
    code, _, err = run_cli(love, "check", "--no-cache")
    assert code == 2 and f"campaign.toml:{line}: " in err and fragment in err, err


def _swap(root: Path, kind: str) -> None:
    """The image file replaced by a symbolic link (to a real JPEG outside the campaign), a
    directory, or a FIFO (a read of which would block)."""
    path = root / "images" / "film-still.jpg"
    outside = root.parent / "outside.jpg"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    if kind == "link":
        path.symlink_to(outside)
    elif kind == "dir":
        path.mkdir()
    else:
        os.mkfifo(path)


def test_an_image_only_as_a_url_cannot_be_inlined(love: Path, tmp_path: Path) -> None:
    config = love / "messages" / "campaign.toml"
    config.write_text(
        config.read_text("utf-8").replace('image_file = "images/film-still.jpg"\n', ""), "utf-8"
    )
    _with_privacy(love, '\n[privacy]\nlocales = ["pt"]\ninline_images = true\n')
    supporters = write_csv(tmp_path / "s.csv", [r[:4] for r in ROWS])
    code, _, err = run_cli(love, "merge", str(supporters), "share", "--out", str(tmp_path / "o"))
    lines = config.read_text("utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("inline_images"))
    assert code == 2 and f"campaign.toml:{line}: " in err and "image_file" in err, err
    assert "nothing is downloaded" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("../outside.jpg", "must be a path inside the campaign"),
        ("/etc/passwd.png", "must be a path inside the campaign"),
        ("https://example.org/a.jpg", "must be a path inside the campaign"),
        ("images/still.svg", "must be a .gif, .jpeg, .jpg, .png, .webp file"),
    ],
)
def test_image_file_settings_name_their_line(love: Path, value: str, fragment: str) -> None:
    config = love / "messages" / "campaign.toml"
    config.write_text(config.read_text("utf-8").replace("images/film-still.jpg", value), "utf-8")
    code, _, err = run_cli(love, "stats")
    assert code == 2 and fragment in err, err
    assert f"campaign.toml:{_image_line(love)}: " in err and len(err.splitlines()) == 1


def test_another_image_format_is_inlined_as_its_own_type(love: Path, tmp_path: Path) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0\0\xff\0"))
        + chunk(b"IEND", b"")
    )
    (love / "images" / "still.png").write_bytes(png)
    config = love / "messages" / "campaign.toml"
    config.write_text(
        config.read_text("utf-8").replace("images/film-still.jpg", "images/still.png"), "utf-8"
    )
    _with_privacy(love, '\n[privacy]\nlocales = ["pt"]\ninline_images = true\n')
    supporters = write_csv(tmp_path / "s.csv", [r[:4] for r in ROWS])
    found = _mbox(love, supporters, tmp_path / "out.mbox")
    _, image = _image_parts(found["ana@example.net"])
    assert image.get_content_type() == "image/png" and image.get_content() == png
    assert image.get_filename() == "still.png"


@pytest.mark.parametrize("inline", ["true", "false"])
def test_var_image_url_adds_no_remote_image_to_a_private_email(
    love: Path, tmp_path: Path, inline: str
) -> None:
    _with_privacy(love, f'\n[privacy]\nlocales = ["pt"]\ninline_images = {inline}\n')
    supporters = write_csv(tmp_path / "s.csv", [r[:4] for r in ROWS])
    out = tmp_path / "out.mbox"
    code, _, err = run_cli(
        love, "merge", str(supporters), "share", "--out", str(out),
        "--var", "image_url=https://t.example/p.gif",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    found = {}
    for entry in mailbox.mbox(out):
        message = _parse(entry.as_bytes())
        found[message["To"].addresses[0].addr_spec] = _parts(message)[0]
    assert "t.example" not in found["ana@example.net"]
    assert remote_loads(found["ana@example.net"]) == []
    assert ("cid:" in found["ana@example.net"]) == (inline == "true")
    assert "https://t.example/p.gif" in found["sam@example.net"]  # the organiser's choice
