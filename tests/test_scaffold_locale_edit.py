"""Review fixes: ``init`` never overwrites nor half-builds, ``add-locale`` edits campaign.toml
safely and first, and atomic writes respect the umask and symbolic links."""

from __future__ import annotations

import email.utils
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import po_path, run_cli, tree

from outreach.campaign import load_campaign
from outreach.files import atomic_write_bytes


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- init ---------------------------------------------------------------------------------
@pytest.mark.parametrize("existing", ["babel.cfg", "messages/welcome.j2", "locales/messages.pot"])
def test_init_never_overwrites_a_file(tmp_path: Path, existing: str) -> None:
    target = tmp_path / existing
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("mine\n")
    before = tree(tmp_path)
    code, out, err = run_cli(None, "init", str(tmp_path))
    assert code == 2
    assert out == ""
    message = _one_line(err)
    assert message.startswith(f"{target}: ")
    assert "already exists" in message
    assert tree(tmp_path) == before
    assert target.read_text() == "mine\n"


def test_init_leaves_an_existing_gitignore_alone(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    code, _, err = run_cli(None, "init", str(tmp_path))
    assert (code, err) == (0, "")
    assert (tmp_path / ".gitignore").read_text() == "node_modules/\n"
    assert po_path(tmp_path, "en").is_file()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--hashtag", "#2024"], "--hashtag: '#2024' is not a hashtag"),
        (["--hashtag", '#a"]'], "--hashtag: "),
        (["--url", "ftp://x"], "--url: url must be"),
        (["--url", "https://exa mple.org"], "--url: url must be"),
        (["--url", "https://example.org\n"], "--url: url must be"),
        (["--name", "Two\nLines"], "--name: 'name' must be one line"),
        (["--name", ""], "--name: 'name' must be a non-empty string"),
    ],
)
def test_init_writes_nothing_for_bad_settings(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    target = tmp_path / "c"
    code, out, err = run_cli(None, "init", str(target), *args)
    assert code == 2
    assert out == ""
    assert fragment in _one_line(err)
    assert tree(tmp_path) == set()
    assert run_cli(None, "init", str(target))[0] == 0  # nothing stands in the way after


@pytest.mark.parametrize("name", ['Back\\slash "Quoted"', "Pride, Inc. <2027>", "Ünïcode ☃"])
def test_init_escapes_the_name(tmp_path: Path, name: str) -> None:
    code, _, err = run_cli(None, "init", str(tmp_path), "--name", name)
    assert (code, err) == (0, "")
    campaign = load_campaign(tmp_path)
    assert campaign.name == name
    assert campaign.email.sender is not None
    assert email.utils.parseaddr(campaign.email.sender) == (name, "hello@example.org")


def test_init_removes_what_it_made_when_a_step_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outreach.catalogs
    from outreach.scaffold import init_campaign

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    (tmp_path / "notes.txt").write_text("mine\n")
    monkeypatch.setattr(outreach.catalogs, "update", fail)
    with pytest.raises(OSError, match="disk full"):
        init_campaign(tmp_path)
    assert tree(tmp_path) == {"notes.txt"}
    monkeypatch.undo()
    assert init_campaign(tmp_path).locales == ("en",)


# -- add-locale ---------------------------------------------------------------------------
@pytest.fixture
def commented(extracted: Path) -> Iterator[Path]:
    """The mini campaign with its locales listed one a line, with comments."""
    config = extracted / "messages/campaign.toml"
    text = config.read_text()
    listed = 'locales = [\n    "en",  # English\n    "es",  # Spanish [LatAm, Spain]\n]'
    config.write_text(text.replace('locales = ["en", "es"]', listed))
    yield extracted


def test_add_locale_with_comments_in_the_list(commented: Path) -> None:
    config = commented / "messages/campaign.toml"
    before = config.read_text()
    code, _, err = run_cli(commented, "add-locale", "ar")
    assert (code, err) == (0, "")
    after = config.read_text()
    assert '"es",  # Spanish [LatAm, Spain]\n    "ar",\n]' in after
    assert after.replace('    "ar",\n', "") == before
    assert load_campaign(commented).locales == ("en", "es", "ar")
    assert po_path(commented, "ar").is_file()


def test_add_locale_that_cannot_edit_the_list_writes_nothing(extracted: Path) -> None:
    config = extracted / "messages/campaign.toml"
    inline = (
        '[campaign]\nname = "Mini Campaign"\nsource_locale = "en"\n'
        'hashtags = ["#MiniAction"]\nurl = "https://example.org/mini"\n'
        'locales = ["en", "es"]\n'
    )
    # the same settings as one inline table: valid TOML that add-locale will not rewrite
    config.write_text(
        'campaign = { name = "Mini Campaign", source_locale = "en", locales = ["en", "es"], '
        'hashtags = ["#MiniAction"], url = "https://example.org/mini" }\n'
    )
    before = tree(extracted)
    code, out, err = run_cli(extracted, "add-locale", "fr")
    assert code == 2
    assert out == ""
    message = _one_line(err)
    assert message.startswith(f"{config}:1: ")
    assert "cannot add 'fr'" in message
    assert tree(extracted) == before

    config.write_text(inline)
    assert run_cli(extracted, "add-locale", "fr")[0] == 0  # a retry is not blocked
    assert load_campaign(extracted).locales == ("en", "es", "fr")


def test_add_locale_puts_campaign_toml_back_when_the_po_cannot_be_written(
    extracted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outreach.files
    from outreach.catalogs import add_locale

    config = extracted / "messages/campaign.toml"
    before = config.read_bytes()
    real = outreach.files.atomic_write_bytes

    def failing(path: str | os.PathLike[str], data: bytes, **kwargs: object) -> None:
        if str(path).endswith(".po"):
            raise OSError("disk full")
        real(path, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outreach.files, "atomic_write_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        add_locale(load_campaign(extracted), "fr")
    assert config.read_bytes() == before
    assert not po_path(extracted, "fr").exists()
    monkeypatch.undo()
    assert add_locale(load_campaign(extracted), "fr").path == po_path(extracted, "fr")


# -- atomic writes ------------------------------------------------------------------------
@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_file_gets_the_umask(tmp_path: Path, umask_027: None) -> None:
    target = tmp_path / "new.txt"
    atomic_write_bytes(target, b"x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o604)
    atomic_write_bytes(target, b"y")  # an existing file keeps its mode
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.txt"]


def test_a_symbolic_link_is_replaced_never_written_through(tmp_path: Path) -> None:
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    real = real_dir / "campaign.toml"
    real.write_text("old")
    link = link_dir / "campaign.toml"
    link.symlink_to(os.path.relpath(real, link_dir))
    atomic_write_bytes(link, b"new")
    assert not link.is_symlink() and link.read_text() == "new"
    assert real.read_text() == "old"  # the file the link pointed at is untouched
    assert sorted(p.name for p in real_dir.iterdir()) == ["campaign.toml"]
    assert sorted(p.name for p in link_dir.iterdir()) == ["campaign.toml"]
