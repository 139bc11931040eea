"""``render`` recalls what it printed when nothing it depends on changed (outreach.recall).

Proof that the kept output is keyed by everything it depends on: each input is changed in
turn, and the command renders again and prints what a cold run (a new cache) prints; a
warm run prints the same standard output and standard error, and exits with the same code,
as the cold run did, without rendering; a kept value changed behind the cache's back is
ignored; what is never kept (``--format eml``, ``--out``, ``--supporters``, exit 2) renders
every time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SHARE_POST, edit_po, po_path, rewrite, run_cli, unlistable

import outreach.recall
import outreach.render
from outreach.errors import UnsafePathError
from outreach.files import read_inside
from outreach.recall import NAMESPACE, OutputMemo

POST = ("render", "share", "-l", "es", "-c", "x")


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time ``render`` really renders."""
    calls: list[int] = []
    real = outreach.render.Renderer.render_all

    def counted(self: outreach.render.Renderer, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outreach.render.Renderer, "render_all", counted)
    return calls


def _cold(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> object:
    """What a run with a cache of its own (nothing kept) prints; the cache is put back."""
    previous = os.environ["OUTREACH_CACHE_DIR"]
    fresh = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(fresh))
    try:
        return run_cli(root, *args)
    finally:
        monkeypatch.setenv("OUTREACH_CACHE_DIR", previous)


def test_a_warm_render_prints_what_the_cold_one_did_without_rendering(
    example: Path, renders: list[int]
) -> None:
    cold = run_cli(example, *POST)
    assert cold[0] == 0 and "== share · es · x" in cold[1]
    assert len(renders) == 1
    for _ in range(2):
        assert run_cli(example, *POST) == cold
    assert len(renders) == 1


def test_findings_exit_code_and_stderr_are_the_same_warm(example: Path, renders: list[int]) -> None:
    """A translation that lost the hashtag holds the locale back, a post over X's limit is a
    problem: each exits 1 with its lines on stderr, and the warm run says the same, with the
    same code."""
    edit_po(po_path(example, "es"), {SHARE_POST: "El amor siempre gana. %(url)s"})
    held = run_cli(example, *POST)
    assert held[0] == 1 and "held back" in held[2], held
    assert run_cli(example, *POST) == held
    edit_po(po_path(example, "es"), {SHARE_POST: "El amor " * 40 + "%(url)s %(hashtag)s"})
    over = run_cli(example, *POST)
    assert over[0] == 1 and "/280" in over[1] and over[2], over
    assert run_cli(example, *POST) == over
    assert len(renders) == 2


def _edit_template(root: Path) -> None:
    rewrite(
        root / "messages" / "share.j2", "share it with the\npeople", "pass it on to the\npeople"
    )


def _edit_catalog(root: Path) -> None:
    edit_po(po_path(root, "es"), {SHARE_POST: "Otro texto: %(url)s %(hashtag)s"})


def _edit_settings(root: Path) -> None:
    rewrite(root / "messages" / "campaign.toml", '"lovealwayswins"', '"amor"')


def _add_template(root: Path) -> None:
    (root / "messages" / "unused.j2").write_text("{% block post %}x{% endblock %}\n")


def _add_compiled(root: Path) -> None:
    (root / "locales" / "es" / "LC_MESSAGES" / "messages.mo").write_bytes(b"\xde\x12\x04\x95")


def _remove_locale_file(root: Path) -> None:
    (root / "locales" / "messages.pot").unlink()


#: Each input of the output, changed in turn: (what, change, whether the output changes).
CHANGES: list[tuple[str, Callable[[Path], None], bool]] = [
    ("a template's bytes", _edit_template, False),  # es: the msgid no longer matches
    ("a catalog's bytes", _edit_catalog, True),
    ("campaign.toml's bytes", _edit_settings, True),
    ("a file added to messages/", _add_template, False),
    ("a file added to locales/", _add_compiled, False),
    ("a file removed from locales/", _remove_locale_file, False),
]


@pytest.mark.parametrize(("what", "change", "differs"), CHANGES, ids=[c[0] for c in CHANGES])
def test_each_campaign_file_is_part_of_the_key(
    example: Path,
    renders: list[int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    change: Callable[[Path], None],
    differs: bool,
) -> None:
    before = run_cli(example, *POST)
    change(example)
    after = run_cli(example, *POST)
    assert len(renders) == 2, f"{what}: the kept output was printed"
    assert after == _cold(example, tmp_path, monkeypatch, *POST)
    if differs:
        assert after != before
    assert run_cli(example, *POST) == after
    assert len(renders) == 3  # the cold run; the last one was recalled


PETITION = ("render", "petition", "-l", "es", "-c", "email")
OPTIONS = [
    ("another locale", POST, ("render", "share", "-l", "fr", "-c", "x")),
    ("another channel", POST, ("render", "share", "-l", "es", "-c", "mastodon")),
    ("another format", POST, (*POST, "--format", "json")),
    ("two locales", POST, ("render", "share", "-l", "es", "-l", "pt", "-c", "x")),
    ("another message", POST, ("render", "petition", "-l", "es", "-c", "x")),
    ("every message", POST, ("render", "-l", "es", "-c", "x")),
    ("a variable", PETITION, (*PETITION, "--var", "signatures=7")),
    ("every locale", PETITION, ("render", "petition", "--all-locales", "-c", "email")),
]


@pytest.mark.parametrize(("what", "base", "args"), OPTIONS, ids=[o[0] for o in OPTIONS])
def test_each_option_is_part_of_the_key(
    example: Path,
    renders: list[int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    base: tuple[str, ...],
    args: tuple[str, ...],
) -> None:
    before = run_cli(example, *base)
    after = run_cli(example, *args)
    assert len(renders) == 2, what
    assert after != before
    assert after == _cold(example, tmp_path, monkeypatch, *args)


@pytest.mark.parametrize(
    "variable", ["LANG", "LC_ALL", "TZ", "NO_COLOR", "OUTREACH_UNSUBSCRIBE_SECRET"]
)
def test_the_environment_is_part_of_the_key(
    example: Path, renders: list[int], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    first = run_cli(example, *POST)
    monkeypatch.setenv(variable, "x" * 40)
    assert run_cli(example, *POST) == first
    assert len(renders) == 2
    assert run_cli(example, *POST) == first
    assert len(renders) == 2


def test_the_code_and_the_campaign_path_are_part_of_the_key(
    example: Path, renders: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_cli(example, *POST)
    monkeypatch.setattr(outreach.recall, "code_fingerprint", lambda: "another outreach")
    assert run_cli(example, *POST) == first
    assert len(renders) == 2
    monkeypatch.chdir(example.parent)
    assert run_cli(Path(example.name), *POST) == first  # the same campaign, named otherwise
    assert len(renders) == 3


def _rendered_file() -> Path:
    [path] = Path(os.environ["OUTREACH_CACHE_DIR"]).glob(f"*.{NAMESPACE}.json")
    return path


def test_a_forged_kept_output_is_ignored_and_replaced(example: Path, renders: list[int]) -> None:
    """Whoever can write the cache directory but not read the secret cannot make render
    print something else: a value whose MAC does not match is a miss."""
    genuine = run_cli(example, *POST)
    path = _rendered_file()
    document = json.loads(path.read_text())
    [(key, (mac, text))] = document["values"].items()
    forged = json.loads(text)
    forged["output"] = [[1, "== share · es · x (20/280) ==\nVote for someone else\n"]]
    document["values"][key] = [mac, json.dumps(forged)]
    path.write_text(json.dumps(document))
    assert run_cli(example, *POST) == genuine
    assert len(renders) == 2
    assert json.loads(path.read_text())["values"][key] != [mac, json.dumps(forged)]
    assert run_cli(example, *POST) == genuine
    assert len(renders) == 2


NEVER_KEPT = [
    ("eml", ("render", "petition", "-l", "es", "-c", "email", "--format", "eml")),
    ("out", ("render", "share", "-l", "es", "-c", "x", "--out", "OUT")),
    ("supporters", ("render", "share", "-l", "es", "-c", "x", "--supporters", "ROWS")),
    ("exit 2", ("render", "no-such-message", "-l", "es")),
]


@pytest.mark.parametrize(("what", "args"), NEVER_KEPT, ids=[n[0] for n in NEVER_KEPT])
def test_what_is_never_kept_runs_every_time(
    example: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    args: tuple[str, ...],
) -> None:
    calls: list[int] = []
    real = outreach.render.Renderer.__init__

    def counted(self: outreach.render.Renderer, *a: object, **k: object) -> None:
        calls.append(1)
        real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(outreach.render.Renderer, "__init__", counted)
    rows = tmp_path / "rows.csv"
    rows.write_text("email,locale\nana@example.org,es\n")
    argv = [str(rows) if a == "ROWS" else str(tmp_path / "out") if a == "OUT" else a for a in args]
    first = run_cli(example, *argv)
    run_cli(example, *argv)
    assert len(calls) == 2, (what, first)
    assert not list(Path(os.environ["OUTREACH_CACHE_DIR"]).glob(f"*.{NAMESPACE}.json"))


def test_files_read_outside_the_hashed_trees_are_read_again(tmp_path: Path) -> None:
    """A campaign file the command read outside messages/ and locales/ (an inlined image)
    is read again before the output is recalled: changed, missing or made a link, the
    output is made again."""
    campaign, cache = tmp_path / "campaign", tmp_path / "cache"
    (campaign / "messages").mkdir(parents=True)
    picture = campaign / "images" / "still.jpg"
    picture.parent.mkdir()
    picture.write_bytes(b"one")

    def command() -> bool:
        memo = OutputMemo.open(str(campaign), ("show",), root=cache)
        if memo.replay():
            return False
        with memo.recording():
            try:
                print(read_inside(campaign, picture).decode())
            except (OSError, UnsafePathError) as error:
                print(type(error).__name__)
        return True

    assert command() and not command()
    picture.write_bytes(b"two")
    assert command() and not command()
    picture.unlink()
    assert command() and not command()
    (campaign / "elsewhere.jpg").write_bytes(b"two")
    picture.symlink_to(campaign / "elsewhere.jpg")
    assert command() and not command()


def test_a_disabled_cache_keeps_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o777)
    os.chmod(cache, 0o777)  # others could write it: the cache is not used
    memo = OutputMemo.open(str(tmp_path), ("show",), root=cache)
    assert memo.key is None and not memo.replay()
    with memo.recording():
        pass
    assert not list(cache.glob("*.json"))


def test_a_folder_that_cannot_be_listed_keeps_no_output(
    example: Path, tmp_path: Path, renders: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalog's folder with search but no read permission (``chmod 311``): the catalog
    opens by name, but the digest of the tree cannot see it, so an output keyed by that
    digest would outlive an edit of it (simulated: the tests may run as root)."""
    unlistable(monkeypatch, po_path(example, "es").parent)
    run_cli(example, *POST)
    edit_po(po_path(example, "es"), {SHARE_POST: "Un texto nuevo #LoveAlwaysWins"})
    renders.clear()
    warm = run_cli(example, *POST)
    assert renders == [1]
    assert warm == _cold(example, tmp_path, monkeypatch, *POST)
