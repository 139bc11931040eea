"""The documentation cannot fall behind the code.

- every command, and every option of every command, is documented: the command reference
  (docs/reference/cli.md) is generated from the click definitions, so each option must have
  a help text, and each command and long option must also appear in the written pages
  (docs/, README.md), where a person looks first;
- every campaign.toml key the code reads is named in docs/reference/campaign-toml.md, whose
  example is read by outreach's own reader, and every key the example sets is read;
- every key of every JSON output is named in docs/reference/json.md;
- the platform limits table says what the code counts;
- the site builds in strict mode (a warning fails) and its command reference lists every
  option.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from conftest import REPOSITORY, WATCH, copy_example, edit_po, po_path, run_cli

from outreach.cli import main

DOCS = REPOSITORY / "docs"


def _written() -> str:
    """The pages people write (the generated reference left out) and the README."""
    pages = [p for p in sorted(DOCS.rglob("*.md")) if "_build" not in p.parts]
    pages = [p for p in pages if p != DOCS / "reference" / "cli.md"]
    return "\n".join(p.read_text(encoding="utf-8") for p in [*pages, REPOSITORY / "README.md"])


def _commands() -> Iterator[tuple[str, click.Command]]:
    yield from sorted(main.commands.items())


def _options() -> list[tuple[str, str]]:
    found = []
    for name, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option):
                found += [(name, o) for o in param.opts if o.startswith("--") and o != "--help"]
    return found


@pytest.mark.parametrize(("name", "command"), list(_commands()), ids=[n for n, _ in _commands()])
def test_every_command_is_documented(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip(), f"outreach {name} has no docstring"
    assert f"outreach {name}" in _written(), f"outreach {name} is in no page of docs/"
    for param in command.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            assert param.help, f"outreach {name} {param.opts[0]} has no help text"


@pytest.mark.parametrize(("name", "option"), _options(), ids=lambda v: str(v))
def test_every_option_is_documented(name: str, option: str) -> None:
    assert re.search(re.escape(option) + r"(?![\w-])", _written()), (
        f"outreach {name} {option} is in no written page of docs/ nor the README"
    )


# -- campaign.toml ---------------------------------------------------------------------------
class _Recording(dict[str, Any]):
    """A TOML table that remembers every key the code looks up in it."""

    def __init__(self, data: dict[str, Any], path: tuple[str, ...], seen: set[tuple[str, ...]]):
        super().__init__({k: _wrap(v, (*path, k), seen) for k, v in data.items()})
        self.path, self.seen = path, seen

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add((*self.path, key))
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.seen.add((*self.path, key))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add((*self.path, str(key)))
        return super().__contains__(key)


def _wrap(value: Any, path: tuple[str, ...], seen: set[tuple[str, ...]]) -> Any:
    if isinstance(value, dict):
        return _Recording(value, path, seen)
    if isinstance(value, list):
        return [_wrap(v, (*path, "[]"), seen) for v in value]
    return value


def _toml_example() -> str:
    page = (DOCS / "reference" / "campaign-toml.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", page, re.S)
    assert len(blocks) == 1
    return blocks[0]


def _read_keys(monkeypatch: pytest.MonkeyPatch, text: str) -> set[tuple[str, ...]]:
    import outreach.campaign

    seen: set[tuple[str, ...]] = set()
    shim = types.SimpleNamespace(
        loads=lambda s: _Recording(tomllib.loads(s), (), seen),
        TOMLDecodeError=tomllib.TOMLDecodeError,
    )
    monkeypatch.setattr(outreach.campaign, "tomllib", shim)
    outreach.campaign.parse_campaign(text, root=REPOSITORY)
    return seen


def _set_keys(data: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in data.items():
        yield (*path, key)
        if isinstance(value, dict):
            yield from _set_keys(value, (*path, key))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                yield from _set_keys(item, (*path, key, "[]"))


#: Tables whose keys are the user's own names (locales, variables, columns, accounts).
_FREE = {"variables", "localized_names", "localized_hashtags", "timezones", "columns", "sample"}
_FREE |= {"default", "approved"}


def test_every_campaign_toml_key_the_code_reads_is_documented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = (DOCS / "reference" / "campaign-toml.md").read_text(encoding="utf-8")
    example = _toml_example()
    read = _read_keys(monkeypatch, example)
    named = set(re.findall(r"`([A-Za-z_][\w.]*)`", page))
    named |= {k for k in re.findall(r"^\[*([\w.]+)\]*|^(\w+)\s*=", example, re.M) for k in k if k}
    named |= {part for key in named for part in key.split(".")}
    for path in read:
        assert path[-1] in named, f"campaign.toml key {'.'.join(path)} is not documented"


def test_every_campaign_toml_key_the_page_sets_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    example = _toml_example()
    read = _read_keys(monkeypatch, example)
    for path in _set_keys(tomllib.loads(example)):
        named_by_user = path[0] == "variables" or _FREE & set(path[:-1])
        if named_by_user or (path[0] in {"messages", "handles", "platforms"} and len(path) == 2):
            continue  # the user's own names, and what is under them
        assert path in read, f"the page sets {'.'.join(path)}, which outreach does not read"


# -- JSON ------------------------------------------------------------------------------------
def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


_FREE_JSON = {"locales", "states", "meta", "headers"}  # keys under these are data


def _documented_keys(document: Any, free_under: str | None = None) -> Iterator[str]:
    if isinstance(document, dict):
        for key, item in document.items():
            if free_under is None:
                yield key
            yield from _documented_keys(item, key if key in _FREE_JSON else None)
    elif isinstance(document, list):
        for item in document:
            yield from _documented_keys(item, free_under)


@pytest.mark.slow
def test_every_json_key_is_documented(tmp_path: Path) -> None:
    from merge_support import Behaviour, Server, env

    page = (DOCS / "reference" / "json.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w-]+)`", page))
    campaign = copy_example(tmp_path / "love")
    documents = []
    for args in (
        ["check", "--no-cache", "--format", "json"],
        ["stats", "--format", "json"],
        ["render", "--all-locales", "--format", "json"],
        ["detect", "--format", "json", "El amor siempre gana, mira el corto"],
        ["status", "--format", "json"],
    ):
        code, out, err = run_cli(campaign, *args)
        assert code in (0, 1), err
        documents.append(json.loads(out))
    code, _, _ = run_cli(campaign, "render", "--all-locales", "--out", str(tmp_path / "r"))
    documents.append(json.loads((tmp_path / "r" / "index.json").read_text(encoding="utf-8")))
    # a finding: a broken link in a translation
    edit_po(po_path(campaign, "es"), {WATCH: "Mira el corto en https://evil.com/x"})
    code, out, _ = run_cli(campaign, "check", "--no-cache", "--format", "json")
    assert json.loads(out)["findings"]
    documents.append(json.loads(out))
    # merge --status with a refused recipient
    supporters = tmp_path / "s.csv"
    supporters.write_text("email,locale\nana@example.net,es\nbo@example.net,en\n")
    with Server(Behaviour(refused={"bo@example.net"})) as server:
        from click.testing import CliRunner

        result = CliRunner(env=env()).invoke(
            main,
            ["-C", str(campaign), "merge", str(supporters), "share", "--smtp", server.address],
        )
        assert result.exit_code == 1, result.stderr
    code, out, _ = run_cli(
        campaign, "merge", str(supporters), "share", "--status", "--format", "json"
    )
    status = json.loads(out)
    assert status["problems"]
    documents.append(status)
    for document in documents:
        missing = set(_documented_keys(document)) - named
        assert not missing, f"JSON keys not in docs/reference/json.md: {sorted(missing)}"


# -- platform limits -------------------------------------------------------------------------
def test_the_platform_limits_table_says_what_the_code_counts() -> None:
    from outreach.platforms import POST_CHANNELS, platform

    page = (DOCS / "reference" / "platform-limits.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): [c.strip() for c in m.group(2).split("|")]
        for m in re.finditer(r"^\| `(\w+)` \|(.*)\|$", page, re.M)
    }
    assert set(rows) == set(POST_CHANNELS)
    for name in POST_CHANNELS:
        spec = platform(name)
        limit, unit, also, source = rows[name][:4]
        assert limit == f"{spec.limit:,}", name
        assert unit == spec.unit, name
        assert source, f"{name}: no source"
        if spec.max_bytes:
            assert f"{spec.max_bytes:,} bytes" in also
        if spec.max_links:
            assert f"{spec.max_links} unique links" in also
        if spec.max_hashtags:
            assert f"{spec.max_hashtags} hashtags" in also


# -- the site --------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_site_builds_strictly_with_every_option(tmp_path: Path) -> None:
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_click")
    out = tmp_path / "html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    reference = (out / "reference" / "cli.html").read_text(encoding="utf-8")
    for name, option in _options():
        assert option in reference, f"{name} {option} is not in the generated reference"
    for page in (
        "tutorial",
        "howto/translators",
        "reference/campaign-toml",
        "reference/trust-model",
    ):
        assert (out / f"{page}.html").is_file()
