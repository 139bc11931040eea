"""A merge's recalled plan (outreach.merge.plan): used only by a run whose every input is
the same as the run that kept it, only when its MAC holds, and the messages the same."""

from __future__ import annotations

import json
import mailbox
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import edit_po, po_path, rewrite, run_cli, unlistable
from merge_support import SECRET, edit_layout, edit_template, merge_campaign, write_csv

import outreach.cache
import outreach.files
from outreach.merge.plan import PLANS
from outreach.merge.skeleton import SKELETONS, MessageMaker
from outreach.render import Renderer

ROWS = [("ana@example.net", "Ana", "es", "Recife"), ("bo@example.net", "Bo", "fr", "Lyon")]
ROWS += [(f"p{i}@example.net", f"P {i}", "pt", "Leeds") for i in range(3)]


@pytest.fixture
def love(tmp_path: Path) -> Path:
    return merge_campaign(tmp_path / "love")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(folder))
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)
    return folder


@pytest.fixture
def worked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What a run worked out instead of recalling: ``channels`` (the message's template
    compiled), ``prepare`` (catalogs loaded, skeletons recalled or built)."""
    done: list[str] = []
    channels, prepare = Renderer.channels, MessageMaker.prepare

    def counting_channels(self: Renderer, message: str) -> list[str]:
        done.append("channels")
        return channels(self, message)

    def counting_prepare(self: MessageMaker, locales: Any) -> None:
        done.append("prepare")
        prepare(self, locales)

    monkeypatch.setattr(Renderer, "channels", counting_channels)
    monkeypatch.setattr(MessageMaker, "prepare", counting_prepare)
    yield done


def merged(
    love: Path,
    tmp_path: Path,
    *args: str,
    rows: list[tuple[str, ...]] | None = None,
    header: tuple[str, ...] = ("email", "name", "locale", "city"),
    message: str = "hello",
) -> list[bytes]:
    """The messages of one ``merge`` into an mbox, without their Date."""
    supporters = write_csv(tmp_path / "s.csv", rows or ROWS, header)
    box = tmp_path / "out.mbox"
    box.unlink(missing_ok=True)
    code, _, err = run_cli(love, "merge", str(supporters), message, "--out", str(box), *args)
    assert code == 0, err
    return [re.sub(rb"\nDate: [^\n]*\n", b"\nDate: -\n", m.as_bytes()) for m in mailbox.mbox(box)]


def test_a_second_run_recalls_its_plan_and_writes_the_same_mbox(
    love: Path, tmp_path: Path, cache_dir: Path, worked: list[str]
) -> None:
    cold = merged(love, tmp_path)
    assert worked == ["channels", "prepare"]
    worked.clear()
    warm = merged(love, tmp_path)
    assert worked == []  # nothing compiled, no catalog loaded, no skeleton looked up by key
    assert warm == cold
    assert len(warm) == len(ROWS)


def test_a_warm_run_imports_no_jinja2(love: Path, tmp_path: Path, cache_dir: Path) -> None:
    """In a fresh process, a recalled plan leaves Jinja2 and the catalogs unloaded."""
    import subprocess
    import sys

    supporters = write_csv(tmp_path / "s.csv", ROWS)
    probe = (
        "import sys\nfrom outreach.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('jinja2', 'outreach.translations'"
        ", 'outreach.sources'))), file=sys.stderr)\n"
    )
    src = str(Path(outreach.cache.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": src}
    command = [sys.executable, "-c", probe, "-C", str(love), "merge", str(supporters), "hello"]
    found = []
    for n in range(2):
        done = subprocess.run(
            [*command, "--out", str(tmp_path / f"{n}.mbox")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        found.append(done.stderr.strip().splitlines()[-1])
    assert "jinja2" in found[0]  # cold: rendered, proved
    assert found[1] == "[]", found[1]


def _add_template(root: Path) -> None:
    (root / "messages" / "other.j2").write_text("{% block subject %}x{% endblock %}\n")


def _edit_catalog(root: Path) -> None:
    edit_po(po_path(root, "es"), {"Unsubscribe": "Darse de baja"})


def _edit_pot(root: Path) -> None:
    pot = root / "locales" / "messages.pot"
    pot.write_bytes(pot.read_bytes() + b"\n") if pot.exists() else pot.write_bytes(b"\n")


def _edit_config(root: Path) -> None:
    rewrite(root / "messages" / "campaign.toml", "team@example.org", "equipo@example.org")


def _edit_unsubscribe(root: Path) -> None:
    rewrite(root / "messages" / "campaign.toml", "unsubscribe?email=", "unsubscribe/?email=")


def _other_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outreach.cache, "_code_digest", lambda: b"another release")


def _other_zone_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = outreach.files.zone_rules
    monkeypatch.setattr(outreach.files, "zone_rules", lambda name: rules(name) + b"\0")


def _other_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET + " but another")


#: Each input of a run, changed in turn: (what, an edit of the campaign, a change of the
#: process, the merge's own arguments, its CSV's header). Every one must miss the plan.
Change = tuple[
    str,
    Callable[[Path], None] | None,
    Callable[[pytest.MonkeyPatch], None] | None,
    tuple[str, ...],
    tuple[str, ...] | None,
]
CHANGES: list[Change] = [
    ("the message's template", edit_template, None, (), None),
    ("a layout of messages/", edit_layout, None, (), None),
    ("another template in messages/", _add_template, None, (), None),
    ("a catalog", _edit_catalog, None, (), None),
    ("the POT", _edit_pot, None, (), None),
    ("campaign.toml", _edit_config, None, (), None),
    ("the unsubscribe link", _edit_unsubscribe, None, (), None),
    ("outreach's code", None, _other_code, (), None),
    ("a time zone's rules", None, _other_zone_rules, (), None),
    ("the unsubscribe secret", None, _other_secret, (), None),
    ("a --var", None, None, ("--var", "url=https://example.org/other"), None),
    ("the CSV's columns", None, None, (), ("email", "name", "locale", "city", "extra")),
    ("the columns' order", None, None, (), ("name", "email", "locale", "city")),
]


@pytest.mark.parametrize(
    ("what", "edit", "patch", "args", "header"), CHANGES, ids=[c[0] for c in CHANGES]
)
def test_a_change_to_any_input_misses_the_plan(
    love: Path,
    tmp_path: Path,
    cache_dir: Path,
    worked: list[str],
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    edit: Callable[[Path], None] | None,
    patch: Callable[[pytest.MonkeyPatch], None] | None,
    args: tuple[str, ...],
    header: tuple[str, ...] | None,
) -> None:
    merged(love, tmp_path)
    merged(love, tmp_path)
    if edit is not None:
        edit(love)
    if patch is not None:
        patch(monkeypatch)
    worked.clear()
    rows = None
    if header is not None:
        order = {"email": 0, "name": 1, "locale": 2, "city": 3}
        rows = [tuple(r[order[c]] if c in order else "x" for c in header) for r in ROWS]
    changed = merged(
        love, tmp_path, *args, rows=rows, header=header or ("email", "name", "locale", "city")
    )
    assert "prepare" in worked, what
    worked.clear()
    again = merged(
        love, tmp_path, *args, rows=rows, header=header or ("email", "name", "locale", "city")
    )
    assert worked == [], what  # the changed run's own plan, kept
    assert again == changed


def test_the_line_end_and_smtputf8_are_part_of_the_key(love: Path, tmp_path: Path) -> None:
    """What only an SMTP run or a directory of .eml files changes, at the key itself."""
    from outreach.cache import CheckCache
    from outreach.campaign import load_campaign
    from outreach.merge.plan import plan_inputs, plan_key
    from outreach.unsubscribe import Unsubscribe

    campaign = load_campaign(love)
    cache = CheckCache.open(tmp_path / "cache", str(love))
    inputs = plan_inputs(cache, campaign, Renderer(campaign, cache=cache), "hello")
    links = Unsubscribe(campaign.email.unsubscribe_url, None, secret=SECRET)
    columns = ["email", "name", "locale", "city"]
    keys = {
        plan_key(cache, inputs, columns, links, utf8=u, newline=n, wire=w)
        for u in (True, False)
        for n in (b"\n", b"\r\n")
        for w in (True, False)
    }
    assert len(keys) == 8
    assert plan_inputs(cache, campaign, Renderer(campaign, cache=cache, private=True), "x") is None
    assert plan_inputs(cache, campaign, Renderer(campaign, cache=cache), "share") != inputs


def _plans(cache_dir: Path) -> tuple[Path, dict[str, Any]]:
    (path,) = cache_dir.glob(f"*.{PLANS}.json")
    return path, json.loads(path.read_text(encoding="utf-8"))


def _skeletons(cache_dir: Path) -> tuple[Path, dict[str, Any]]:
    (path,) = cache_dir.glob(f"*.{SKELETONS}.json")
    return path, json.loads(path.read_text(encoding="utf-8"))


def _forge_use(pair: list[str]) -> None:
    """The plan says no field is written (a skeleton with no slot would then be a lie)."""
    value = json.loads(pair[1])
    if isinstance(value, dict):
        value["use"]["plain"] = []
        value["use"]["conditions"] = []
        pair[1] = json.dumps(value)


def _swap_locales(pair: list[str]) -> None:
    """The plan names the Spanish skeleton for French supporters and the other way."""
    value = json.loads(pair[1])
    if isinstance(value, dict):
        named = value["skeletons"]
        named["es"], named["fr"] = named["fr"], named["es"]
        pair[1] = json.dumps(value)


FORGERIES: list[tuple[str, Callable[[Path], None]]] = [
    (
        "the fields' use rewritten, MAC kept",
        lambda d: _rewrite_plans(d, _forge_use),
    ),
    (
        "two locales' skeletons swapped, MAC kept",
        lambda d: _rewrite_plans(d, _swap_locales),
    ),
    (
        "a plan moved to another key",
        lambda d: _move_plan(d),
    ),
    ("the plans file truncated", lambda d: _truncate(_plans(d)[0])),
    ("the plans file not JSON", lambda d: _garble(_plans(d)[0])),
    ("the plans file a directory", lambda d: _replace_by_directory(_plans(d)[0])),
    ("the plans file a FIFO", lambda d: _replace_by_fifo(_plans(d)[0])),
    ("the skeletons file truncated", lambda d: _truncate(_skeletons(d)[0])),
    ("the skeletons file emptied of values", lambda d: _empty_skeletons(d)),
    ("a skeleton's text rewritten, MAC kept", lambda d: _phish_skeletons(d)),
]


def _rewrite_plans(cache_dir: Path, how: Callable[[list[str]], None]) -> None:
    path, document = _plans(cache_dir)
    for pair in document["values"].values():
        how(pair)
    path.write_text(json.dumps(document), encoding="utf-8")


def _move_plan(cache_dir: Path) -> None:
    """The run's plan stored under the key of the email-flag value, and the other way."""
    path, document = _plans(cache_dir)
    values = document["values"]
    first, second = sorted(values)
    values[first], values[second] = values[second], values[first]
    path.write_text(json.dumps(document), encoding="utf-8")


def _garble(path: Path) -> None:
    path.write_bytes(b"\xff{[")


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _replace_by_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _replace_by_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _empty_skeletons(cache_dir: Path) -> None:
    path, document = _skeletons(cache_dir)
    document["values"] = {}
    path.write_text(json.dumps(document), encoding="utf-8")


def _phish_skeletons(cache_dir: Path) -> None:
    path, document = _skeletons(cache_dir)
    for pair in document["values"].values():
        pair[1] = pair[1].replace("example.org/love", "evil.com/love")
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize(("what", "forge"), FORGERIES, ids=[f[0] for f in FORGERIES])
def test_a_tampered_cache_is_never_trusted(
    love: Path,
    tmp_path: Path,
    cache_dir: Path,
    worked: list[str],
    what: str,
    forge: Callable[[Path], None],
) -> None:
    """Whoever can write the cache directory but not read the secret changes what the
    plan says, or what it points at: the run works it all out again, writes the honest
    messages, one to each supporter, and never fails."""
    honest = merged(love, tmp_path)
    merged(love, tmp_path)  # the plan, recalled once
    forge(cache_dir)
    worked.clear()
    data = merged(love, tmp_path)
    assert "prepare" in worked, what
    assert b"evil.com" not in b"".join(data)
    assert [_unbounded(m) for m in data] == [_unbounded(m) for m in honest], what
    tos = [re.search(rb"\nTo: [^\n]*", m) for m in data]
    assert len({t.group(0) for t in tos if t}) == len(ROWS)


def _unbounded(data: bytes) -> bytes:
    return re.sub(rb"=+\d{19}==", b"BOUNDARY", data)


def test_ready_only_and_the_low_trace_variant_never_use_a_plan(
    love: Path, tmp_path: Path, cache_dir: Path, worked: list[str]
) -> None:
    merged(love, tmp_path)
    worked.clear()
    merged(love, tmp_path, "--ready-only", "--broken-locales", "fallback")
    assert "prepare" in worked
    config = love / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[privacy]\nlocales = ["pt"]\n', encoding="utf-8"
    )
    for _ in range(2):
        worked.clear()
        merged(love, tmp_path)
        assert "prepare" in worked


def test_a_message_without_an_email_is_refused_before_anything_else(
    love: Path, tmp_path: Path, cache_dir: Path
) -> None:
    (love / "messages" / "post.j2").write_text("{% block post %}Hi #LoveAlwaysWins{% endblock %}")
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    for _ in range(2):
        code, _, err = run_cli(love, "merge", str(supporters), "post", "--out", str(tmp_path / "x"))
        assert code == 2 and "has no email" in err


def _translate_anew(root: Path) -> None:
    edit_po(po_path(root, "es"), {"Watch the film": "Mira la película nueva"})


def _fresh(love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What a run with an empty cache writes now (boundaries aside)."""
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path / "another cache"))
    try:
        return [_unbounded(m) for m in merged(love, tmp_path)]
    finally:
        monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path / "cache"))


def test_a_catalog_saved_while_a_run_starts_keeps_no_plan_for_the_old_bytes(
    love: Path, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is of the files as they were when the run started; its catalogs are read a
    moment later. A catalog saved in between (a ``git pull``, a Weblate push) would leave a
    plan of the old bytes naming a skeleton of the new ones: when the old bytes come back,
    the run would send the new translation, and skip the gate of the old catalog."""
    catalog = po_path(love, "es")
    before = catalog.read_bytes()
    honest = _fresh(love, tmp_path, monkeypatch)
    channels = Renderer.channels

    def saved_meanwhile(self: Renderer, message: str) -> list[str]:
        if catalog.read_bytes() == before:
            _translate_anew(love)
        return channels(self, message)

    monkeypatch.setattr(Renderer, "channels", saved_meanwhile)
    merged(love, tmp_path)  # keyed by the old bytes, made of the new
    monkeypatch.setattr(Renderer, "channels", channels)
    assert catalog.read_bytes() != before
    catalog.write_bytes(before)
    assert [_unbounded(m) for m in merged(love, tmp_path)] == honest


def test_a_message_given_its_email_while_a_run_starts_is_not_noted_as_having_one(
    love: Path, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race for the note that a message has an email: kept under the old bytes,
    it would let a message without one past its check."""
    template = love / "messages" / "post.j2"
    post = "{% block post %}Hi #LoveAlwaysWins{% endblock %}"
    template.write_text(post, encoding="utf-8")
    channels = Renderer.channels

    def saved_meanwhile(self: Renderer, message: str) -> list[str]:
        template.write_text((love / "messages" / "hello.j2").read_text(encoding="utf-8"))
        return channels(self, message)

    monkeypatch.setattr(Renderer, "channels", saved_meanwhile)
    merged(love, tmp_path, message="post")
    monkeypatch.setattr(Renderer, "channels", channels)
    template.write_text(post, encoding="utf-8")
    supporters = write_csv(tmp_path / "s.csv", ROWS)
    code, _, err = run_cli(love, "merge", str(supporters), "post", "--out", str(tmp_path / "x"))
    assert code == 2 and "has no email" in err


def test_a_folder_that_cannot_be_listed_keeps_no_plan(
    love: Path, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder with search but no read permission (``chmod 311``): its files open by name,
    so the catalog is read, but the digest of the tree cannot see them. A plan keyed by it
    would outlive an edit of the catalog (simulated: the tests may run as root, whom no
    permission stops)."""
    unlistable(monkeypatch, po_path(love, "es").parent)
    old = merged(love, tmp_path)
    merged(love, tmp_path)
    _translate_anew(love)
    honest = _fresh(love, tmp_path, monkeypatch)
    assert honest != [_unbounded(m) for m in old]
    assert [_unbounded(m) for m in merged(love, tmp_path)] == honest
