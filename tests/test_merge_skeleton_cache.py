"""Proved skeletons kept in the check cache: recalled only under everything a render
depends on, and only when their MAC holds; the messages the same as a cold run's."""

from __future__ import annotations

import json
import mailbox
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import edit_po, po_path, rewrite, run_cli, unlistable
from merge_support import (
    HELLO,
    SECRET,
    check_message,
    edit_layout,
    edit_template,
    merge_campaign,
    write_csv,
)

from outreach.cache import CheckCache
from outreach.campaign import load_campaign
from outreach.merge.audience import Choice, Supporter
from outreach.merge.skeleton import SKELETONS, MessageMaker
from outreach.merge.supporters import parse_address
from outreach.render import Renderer
from outreach.unsubscribe import Unsubscribe

COLUMNS = ["email", "name", "locale", "city"]
DATE = b"Date: Mon, 07 Dec 2026 03:00:00 +0000\r\n"


@pytest.fixture
def love(tmp_path: Path) -> Path:
    return merge_campaign(tmp_path / "love")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The locales whose skeleton was built and proved (not recalled), in order."""
    built: list[str] = []
    original = MessageMaker._built

    def counting(self: MessageMaker, key: Any) -> Any:
        built.append(key[0])
        return original(self, key)

    monkeypatch.setattr(MessageMaker, "_built", counting)
    yield built


def prepared(
    root: Path,
    cache_dir: Path,
    *,
    message: str = "hello",
    columns: list[str] | None = None,
    variables: dict[str, Any] | None = None,
    secret: str = SECRET,
    private: bool = False,
    **settings: Any,
) -> MessageMaker:
    """A maker of ``message`` with the check cache in ``cache_dir``, every locale prepared
    (its skeletons built or recalled), the cache saved as a merge saves it."""
    campaign = load_campaign(root)
    cache = CheckCache.open(cache_dir, str(root))
    renderer = Renderer(campaign, variables, cache=cache, private=private)
    links = Unsubscribe(campaign.email.unsubscribe_url, None, secret=secret)
    maker = MessageMaker(campaign, renderer, message, columns or COLUMNS, links, **settings)
    maker.prepare(campaign.locales)
    cache.save()
    return maker


def made(maker: MessageMaker, locale: str = "es", name: str = "Zoë", city: str = "Leeds") -> bytes:
    address = parse_address("ana@example.net")
    assert not isinstance(address, str)
    fields = {"email": "ana@example.net", "name": name, "city": city}
    supporter = Supporter(2, address, name, Choice(locale, "first", locale), fields)
    return maker.make(supporter).data(DATE)


def test_a_warm_maker_recalls_every_skeleton_and_makes_the_same_bytes(
    love: Path, tmp_path: Path, builds: list[str]
) -> None:
    cold = prepared(love, tmp_path / "cache")
    assert sorted(builds) == sorted(load_campaign(love).locales)
    builds.clear()
    warm = prepared(love, tmp_path / "cache")
    assert builds == []  # nothing rendered to build or prove a skeleton
    assert warm.refused == cold.refused
    for locale in ("en", "es", "fr", "pt"):
        for name, city in (("Zoë", "Leeds"), ("Ana", ""), ("=?utf-8?q?x?=", "São Paulo")):
            data = made(warm, locale, name, city)
            if city:  # prepare's skeleton: recalled, its boundary too
                assert data == made(cold, locale, name, city)
            else:  # another set of non-empty fields: each maker built its own
                assert _unbounded(data) == _unbounded(made(cold, locale, name, city))
            check_message(
                data,
                locale=locale,
                name=name,
                address="ana@example.net",
                campaign=love,
                message="hello",
                fields={"email": "ana@example.net", "name": name, "city": city},
            )


def _unbounded(data: bytes) -> bytes:
    return re.sub(rb"=+\d{19}==", b"BOUNDARY", data)


def _edit_catalog(root: Path) -> None:
    edit_po(po_path(root, "es"), {"Unsubscribe": "Darse de baja"})


def _edit_config(root: Path) -> None:
    rewrite(root / "messages" / "campaign.toml", "team@example.org", "equipo@example.org")


def _edit_unsubscribe(root: Path) -> None:
    rewrite(root / "messages" / "campaign.toml", "unsubscribe?email=", "unsubscribe/?email=")


#: Each input of a render, changed in turn: (what, how the campaign changes, how the maker
#: is made differently). Every one must miss the cache.
CHANGES: list[tuple[str, Callable[[Path], None] | None, dict[str, Any]]] = [
    ("the message's template", edit_template, {}),
    ("a layout of messages/", edit_layout, {}),
    ("a catalog", _edit_catalog, {}),
    ("campaign.toml", _edit_config, {}),
    ("the unsubscribe link", _edit_unsubscribe, {}),
    ("a --var", None, {"variables": {"url": "https://example.org/other"}}),
    ("the CSV's columns", None, {"columns": ["email", "name", "locale", "city", "extra"]}),
    ("the columns' order", None, {"columns": ["name", "email", "locale", "city"]}),
    ("the unsubscribe secret", None, {"secret": SECRET + " but another"}),
    ("the sender", None, {"sender": "Someone Else <else@example.org>"}),
    ("SMTPUTF8", None, {"utf8": False}),
    ("the line end", None, {"newline": b"\n"}),
    ("the low-trace variant", None, {"private": True}),
]


@pytest.mark.parametrize(("what", "edit", "how"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_to_any_input_of_a_render_misses(
    love: Path,
    tmp_path: Path,
    builds: list[str],
    what: str,
    edit: Callable[[Path], None] | None,
    how: dict[str, Any],
) -> None:
    prepared(love, tmp_path / "cache")
    if edit is not None:
        edit(love)
    builds.clear()
    changed = prepared(love, tmp_path / "cache", **how)
    if what == "a catalog":  # only the locales whose chain holds it
        assert builds == ["es"], what
    else:
        assert sorted(builds) == sorted(load_campaign(love).locales), what
    data = made(changed, "es")
    assert data.count(b"Message-ID:") == 1


def test_another_inlined_image_misses(love: Path, tmp_path: Path, builds: list[str]) -> None:
    """The low-trace email carries the message's image file: new bytes in the same file
    (the same name, the same campaign.toml) build its skeletons again."""
    config = love / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[privacy]\nlocales = ["pt"]\ninline_images = true\n',
        encoding="utf-8",
    )
    columns = ["email", "name", "locale"]
    first = prepared(love, tmp_path / "cache", message="share", columns=columns, private=True)
    assert first.renderer.render_email("share", "pt").inline is not None
    builds.clear()
    prepared(love, tmp_path / "cache", message="share", columns=columns, private=True)
    assert builds == []
    image = love / "images" / "film-still.jpg"
    image.write_bytes(image.read_bytes() + b"\0")
    prepared(love, tmp_path / "cache", message="share", columns=columns, private=True)
    assert len(builds) == len(load_campaign(love).locales)


def test_another_message_misses(love: Path, tmp_path: Path, builds: list[str]) -> None:
    prepared(love, tmp_path / "cache")
    builds.clear()
    prepared(love, tmp_path / "cache", message="share", columns=["email", "name", "locale"])
    assert len(builds) == len(load_campaign(love).locales)


def test_other_code_misses(
    love: Path, tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new outreach, Python or library (the code digest) builds again."""
    import outreach.cache

    prepared(love, tmp_path / "cache")
    builds.clear()
    monkeypatch.setattr(outreach.cache, "_code_digest", lambda: b"another release")
    prepared(love, tmp_path / "cache")
    assert len(builds) == len(load_campaign(love).locales)


def test_a_fixed_fields_value_is_part_of_the_key(
    love: Path, tmp_path: Path, builds: list[str]
) -> None:
    """A skeleton built for a value of a field the template filters is recalled for that
    value (by type and repr) and no other."""
    template = (
        "{% block subject %}Hi{% endblock %}{% block text %}{{ n|number }} {{ name }}{% endblock %}"
    )
    (love / "messages" / "num.j2").write_text(template, encoding="utf-8")
    columns = ["email", "name", "locale", "n"]

    def run(values: list[str]) -> list[bytes]:
        maker = prepared(love, tmp_path / "cache", message="num", columns=columns)
        out = []
        for value in values:
            address = parse_address("ana@example.net")
            assert not isinstance(address, str)
            fields = {"email": "ana@example.net", "name": "Ana", "n": value}
            supporter = Supporter(2, address, "Ana", Choice("en", "first", "en"), fields)
            out.append(maker.make(supporter).data(DATE))
        assert maker.renderer.cache is not None
        maker.renderer.cache.save()
        return out

    first = run(["1200", "1200", "1200"])  # the second builds a skeleton for 1200
    assert builds.count("en") == 2  # prepare's, and 1200's
    builds.clear()
    again = run(["1200", "1200", "7"])
    assert again[1] == first[1]  # from the skeleton (the first of a value is rendered in full)
    # prepare's probe value fails |number (a failure is never kept: built again); 1200's
    # recalled; 7 came once: rendered in full
    assert builds.count("en") == 1
    assert b"1,200" in again[0] and b"7 Ana" in again[2].replace(b"=\r\n", b"")


def _stored(cache_dir: Path) -> tuple[Path, dict[str, Any]]:
    (path,) = cache_dir.glob(f"*.{SKELETONS}.json")
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_a_tampered_skeleton_is_never_used(love: Path, tmp_path: Path, builds: list[str]) -> None:
    """Whoever can write the cache directory but not read the secret rewrites a stored
    skeleton's text (a phishing link), keeping its MAC: the skeleton is rebuilt and the
    email is the real one."""
    cold = prepared(love, tmp_path / "cache")
    honest = made(cold, "es")
    path, document = _stored(tmp_path / "cache")
    for pair in document["values"].values():
        pair[1] = pair[1].replace("example.org/love", "evil.com/love")
    path.write_text(json.dumps(document), encoding="utf-8")
    builds.clear()
    warm = prepared(love, tmp_path / "cache")
    assert sorted(builds) == sorted(load_campaign(love).locales)
    data = made(warm, "es")
    assert b"evil.com" not in data
    assert _unbounded(data) == _unbounded(honest)
    _, rewritten = _stored(tmp_path / "cache")  # the forged values were replaced
    assert "evil.com" not in json.dumps(rewritten)


def test_a_value_moved_to_another_key_is_never_used(
    love: Path, tmp_path: Path, builds: list[str]
) -> None:
    """A genuine skeleton copied under another key (MAC and all) fails that key's MAC."""
    prepared(love, tmp_path / "cache")
    path, document = _stored(tmp_path / "cache")
    values = document["values"]
    keys = sorted(values)
    values[keys[0]], values[keys[1]] = values[keys[1]], values[keys[0]]
    path.write_text(json.dumps(document), encoding="utf-8")
    builds.clear()
    prepared(love, tmp_path / "cache")
    assert len(builds) == 2


def test_merge_warm_and_cold_write_the_same_mbox(love: Path, tmp_path: Path) -> None:
    """The same mbox from a cold cache, a warm one and another cache directory, but for the
    Date (and, from another cache, the boundary: a skeleton's own, kept with it)."""
    rows = [("ana@example.net", "Ana", "es", "Recife"), ("bo@example.net", "Bo", "fr", "")]
    rows += [(f"p{i}@example.net", f"P {i}", "pt", "Leeds") for i in range(5)]
    supporters = write_csv(tmp_path / "s.csv", rows)

    def merged(name: str) -> list[bytes]:
        box = tmp_path / f"{name}.mbox"
        code, _, err = run_cli(love, "merge", str(supporters), "hello", "--out", str(box))
        assert code == 0, err
        return [
            re.sub(rb"\nDate: [^\n]*\n", b"\nDate: -\n", m.as_bytes()) for m in mailbox.mbox(box)
        ]

    cold = merged("cold")
    warm = merged("warm")
    assert warm == cold
    assert len(cold) == len(rows)


def test_merge_from_another_cache_differs_only_in_the_boundary(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    supporters = write_csv(tmp_path / "s.csv", [("ana@example.net", "Ana", "es", "Recife")])
    found = []
    for name in ("one", "two"):
        monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path / f"cache-{name}"))
        box = tmp_path / f"{name}.mbox"
        code, _, err = run_cli(love, "merge", str(supporters), "hello", "--out", str(box))
        assert code == 0, err
        (message,) = mailbox.mbox(box)
        data = re.sub(rb"\nDate: [^\n]*\n", b"\n", message.as_bytes())
        found.append(_unbounded(data))
    assert found[0] == found[1]


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)


def test_a_folder_of_templates_that_cannot_be_listed_keeps_no_skeleton(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of ``messages/`` with search but no read permission (``chmod 311``): the
    template it holds is included by name, but the digest of the tree cannot see it, so a
    skeleton keyed by that digest would outlive an edit of it (simulated: the tests may run
    as root, whom no permission stops). No skeleton of such a campaign is kept."""
    included = HELLO.replace(
        "{% endblock %}\n{% block text %}",
        "{% include 'parts/foot.html' %}{% endblock %}\n{% block text %}",
        1,
    )
    assert included != HELLO
    love = merge_campaign(tmp_path / "love", {"hello.j2": included})
    parts = love / "messages" / "parts"
    parts.mkdir()
    (parts / "foot.html").write_text("<p>Old foot</p>", encoding="utf-8")
    unlistable(monkeypatch, parts)
    assert b"Old foot" in made(prepared(love, tmp_path / "cache"))
    (parts / "foot.html").write_text("<p>New foot</p>", encoding="utf-8")
    builds.clear()
    data = made(prepared(love, tmp_path / "cache"))
    assert b"New foot" in data and b"Old foot" not in data
    assert "es" in builds
