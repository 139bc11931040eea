"""Review fixes: ``init`` never overwrites nor half-builds, ``add-locale`` edits campaign.toml
safely and first, and atomic writes respect the umask and symbolic links."""

from __future__ import annotations

import email.utils
import os
import re
import shutil
import stat
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import po_path, run_cli, tree
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.campaign import list_locale, load_campaign, parse_campaign
from outreach.errors import ConfigError
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


_GIT = [
    "git",
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.org",
    "-c",
    "init.defaultBranch=main",
]


def _git(root: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run([*_GIT, *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_init_gitignore_keeps_supporter_data_and_outputs_out_of_git(tmp_path: Path) -> None:
    """What a campaign's people and runs leave beside it never shows in ``git status``; what
    its authors write (templates, campaign.toml, catalogs) does."""
    root = tmp_path / "c"
    code, _, err = run_cli(None, "init", str(root))
    assert (code, err) == (0, "")
    _git(root, "init", "-q")
    private = [
        "supporters.csv", "lists/volunteers 2027.CSV", "members.tsv", "export.xlsx",
        "supporters.share.journal", "supporters.share.journal-wal",
        "supporters.share.journal-shm", "supporters.share.journal.lock",
        "supporters.share.shard-0-of-2.journal", "suppressions.txt", "unsubscribed.txt",
        "bounces.txt", "out/supporters.mbox", "proof.mbox", "mail/1.eml", "preview/index.html",
        "exports/x.csv", "locales/en/LC_MESSAGES/messages.mo", ".outreach-cache/k",
        "crm.sqlite", "crm.sqlite-wal", "people.db",
    ]  # fmt: skip
    mine = ["messages/unsubscribe.j2", "messages/bounce-back.j2", "notes.txt", "README.md"]
    for name in [*private, *mine]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("email\nana@example.org\n")
    status = _git(root, "status", "--porcelain", "--untracked-files=all")
    shown = {line[3:].strip('"') for line in status.splitlines()}
    assert not shown & set(private), shown & set(private)
    assert set(mine) <= shown
    assert {".gitignore", "messages/campaign.toml", "locales/en/LC_MESSAGES/messages.po"} <= shown


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_example_repository_follows_the_init_gitignore(tmp_path: Path) -> None:
    """Every pattern ``init`` writes is in the repository's own .gitignore (anchored at the
    example campaign, the repository root)."""
    from outreach.scaffold import _GITIGNORE

    root = Path(__file__).parent.parent
    ours = set((root / ".gitignore").read_text(encoding="utf-8").splitlines())
    for pattern in _GITIGNORE.decode().splitlines():
        if pattern and not pattern.startswith("#"):
            assert pattern in ours or f"/{pattern.lstrip('/')}" in ours, pattern


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


# campaign.toml as an organizer may keep it: comments everywhere, blank lines, tabs, a dotted
# key, a table before [campaign], decoy lists named locales, a multi-line string.
_KEPT = """\
# Pride 2027 -- settings (see the wiki)
[variables]   # shared
locales = ["xx"]      # a decoy: not the campaign's list
note = '''
locales = ["yy"]
'''

[campaign]
name = "Pride 2027"
source_locale = "en"   # what templates are written in

# every locale we ship; keep the comments
locales = [
\t"en",     # English
\t"pt-BR",  # Brazil ["pt"]
]
hashtags = [ "#Pride" ]
url = "https://example.org/pride"
email.from = "Pride <hello@example.org>"
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_list_locale_keeps_comments_and_layout(newline: str, bom: str) -> None:
    text = bom + _KEPT.replace("\n", newline)
    result = list_locale(text, "ar")
    last = f'\t"pt-BR",  # Brazil ["pt"]{newline}'
    assert result == text.replace(last, f'{last}\t"ar",{newline}')
    assert parse_campaign(result, root=".").locales == ("en", "pt_BR", "ar")


def test_add_locale_keeps_every_line_of_an_init_campaign(tmp_path: Path) -> None:
    assert run_cli(None, "init", str(tmp_path))[0] == 0
    config = tmp_path / "messages/campaign.toml"
    before = config.read_text()
    assert before.count('locales = ["en"] ') == 1
    for locale in ("es", "ar"):
        code, _, err = run_cli(tmp_path, "add-locale", locale)
        assert (code, err) == (0, "")
    after = before.replace('locales = ["en"] ', 'locales = ["en", "es", "ar"] ')
    assert config.read_text() == after


# Pieces of a list's layout: white space, line ends, comments (with the brackets, commas and
# quotes a scanner could trip on).
_GAP = st.lists(
    st.sampled_from([" ", "\t", "\n", "\n    ", '  # Arabic, "RTL" ] [x]\n', "#\n"]),
    max_size=3,
).map("".join)
_OTHERS = st.lists(
    st.sampled_from(["es", "ar", "pt-BR", "zh_Hant", "sr_Latn"]), unique=True, max_size=3
)


@st.composite
def _locales_lists(draw: st.DrawFn) -> tuple[list[str], str]:
    """The locales and a ``[...]`` list of them in any layout TOML allows, but for white
    space before the last item's trailing comma (tomlkit drops it: see below)."""
    locales = ["en", *draw(_OTHERS)]
    text = "[" + draw(_GAP)
    for index, locale in enumerate(locales):
        text += draw(st.sampled_from(['"{}"', "'{}'"])).format(locale)
        if index < len(locales) - 1:
            text += draw(st.sampled_from(["", " ", "\n  ", "  # c\n"])) + "," + draw(_GAP)
        else:
            text += draw(st.sampled_from(["", ","])) + draw(_GAP)
    return locales, text + "]"


@settings(max_examples=300, deadline=None)
@given(listed=_locales_lists(), newline=st.sampled_from(["\n", "\r\n"]))
def test_list_locale_round_trip_only_adds_the_locale(
    listed: tuple[list[str], str], newline: str
) -> None:
    locales, array = listed
    text = (
        '# settings\n[campaign]\nname = "X"\nsource_locale = "en"\n'
        f"locales = {array}  # shipped\n"
        'hashtags = ["#X"]\nurl = "https://example.org"\n[variables]\nlocales = ["xx"]\n'
    ).replace("\n", newline)
    result = list_locale(text, "fr")
    data = tomllib.loads(result)
    assert data["campaign"]["locales"] == [*locales, "fr"]
    assert data["variables"] == {"locales": ["xx"]}
    # the old text is all there, in order: the edit inserted the item and nothing but
    # commas, white space and line ends (the file's)
    rest = iter(result.replace('"fr"', "", 1))
    assert all(char in rest for char in text), (text, result)
    added = Counter(result.replace('"fr"', "", 1)) - Counter(text)
    assert set(added) <= {",", " ", "\t", "\n"} | ({"\r"} if newline == "\r\n" else set())
    assert added["\r"] == (added["\n"] if newline == "\r\n" else 0)
    assert list_locale(result, "de").count('"de"') == 1  # and again


@pytest.mark.parametrize(
    ("locales", "edited"),
    [
        # tomlkit writes the last item's trailing comma anew, without the space before it
        ('["en" , ]', '["en", "fr", ]'),
        ('[\n  "en"\n  ,\n]', '[\n  "en",\n  "fr",\n]'),
        # after the list's last line, comment or not
        (
            '[\n  "en",  # English\n  # more to come\n]',
            '[\n  "en",  # English\n  # more to come\n  "fr",\n]',
        ),
    ],
)
def test_list_locale_where_tomlkit_has_its_own_way(locales: str, edited: str) -> None:
    text = '[campaign]\nname = "X"\nsource_locale = "en"\nlocales = {}\nurl = "https://x.org"\n'
    text += 'hashtags = ["#X"]\n'
    assert list_locale(text.format(locales), "fr") == text.format(edited)


@pytest.mark.parametrize(
    ("locales", "fragment"),
    [
        # tomllib reads 200 nested lists, tomlkit stops at 100: valid TOML it will not edit
        ('locales = ["en"]\ndeep = ' + "[" * 200 + "]" * 200, ":4: cannot add 'fr'"),
        # tomlkit's time grows with the square of dotted keys: past MAX_DOTTED_KEYS, by hand
        ('locales = ["en"]\n' + "".join(f"d.k{i} = 1\n" for i in range(201)), ":4: cannot add"),
        # tomlkit would write a second comma after one on the line after a comment (and
        # before the new item)
        ('locales = ["en" # English\n, ]', ":4: cannot add 'fr'"),
    ],
)
def test_list_locale_refuses_what_it_would_garble(locales: str, fragment: str) -> None:
    text = '[campaign]\nname = "X"\nsource_locale = "en"\n' + locales + "\n"
    text += 'hashtags = ["#X"]\nurl = "https://example.org"\n'
    with pytest.raises(ConfigError) as info:
        list_locale(text, "fr", path="messages/campaign.toml")
    assert str(info.value).startswith("messages/campaign.toml:")
    assert fragment in str(info.value)


def test_add_locale_reports_a_file_tomlkit_cannot_read(extracted: Path) -> None:
    """Valid TOML that tomlkit will not read (its nesting limit) is not "invalid TOML": the
    campaign loads; add-locale says where to add the locale by hand."""
    config = extracted / "messages/campaign.toml"
    deep = "[" * 150 + "]" * 150
    config.write_text(config.read_text() + f"\n[variables]\ndeep = {deep}\n")
    line = next(n for n, text in enumerate(config.read_text().splitlines(), 1) if "locales" in text)
    before = tree(extracted), config.read_bytes()
    code, out, err = run_cli(extracted, "add-locale", "fr")
    assert (code, out) == (2, "")
    assert _one_line(err) == (
        f"{config}:{line}: cannot add 'fr' to the 'locales' of [campaign]; add it by hand"
    )
    assert (tree(extracted), config.read_bytes()) == before


def test_list_locale_time_is_bounded_on_dotted_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pull request's campaign.toml with thousands of dotted keys is refused before
    tomlkit reads it (tomlkit's time grows with their square: minutes for 20,000)."""
    import tomlkit

    def never(text: str) -> None:
        raise AssertionError("tomlkit.parse was called")

    monkeypatch.setattr(tomlkit, "parse", never)
    text = '[campaign]\nname = "X"\nsource_locale = "en"\nlocales = ["en"]\n'
    text += 'hashtags = ["#X"]\nurl = "https://example.org"\n[notes]\n'
    text += "".join(f"d.k{i} = 1\n" for i in range(20_000))
    with pytest.raises(ConfigError, match="add it by hand"):
        list_locale(text, "fr")


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


def test_the_starter_keeps_punctuation_inside_its_translatable_strings() -> None:
    """Punctuation next to a translatable string belongs to it (French puts a space before
    ':'; other languages reorder the sentence): no ``{% endtrans %}:`` and no ``_("…"):``
    in any template ``init`` writes."""
    from importlib import resources

    skeleton = resources.files("outreach") / "skeleton" / "messages"
    templates = [t for t in skeleton.iterdir() if t.name.endswith(".j2")]
    assert templates
    glued = re.compile(r"\{%-?\s*endtrans\s*-?%\}[^\s{<]|[^\s}>]\{%-?\s*trans\b|\)\s*\}\}[:;,.!?]")
    for template in templates:
        text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.S)
        assert not glued.search(text), (template.name, glued.search(text))
