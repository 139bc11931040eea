"""Start-up stays light: importing outreach and ``outreach --help`` load neither Jinja2,
langdetect nor Babel's locale data. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import outreach

#: The probes import the outreach under test (this tree's ``src``), not an installed one.
ENV = {**os.environ, "PYTHONPATH": str(Path(outreach.__file__).resolve().parents[1])}

HEAVY = (
    "jinja2",
    "langdetect",
    "babel.core",
    "babel.localedata",
    "babel.messages",
    "aiosmtpd",
    "tqdm",
)

PROBE = """
import json, sys
{body}
babel_cache = None
if "babel.localedata" in sys.modules:
    babel_cache = len(sys.modules["babel.localedata"]._cache)
print(json.dumps({{"modules": sorted(sys.modules), "babel_cache": babel_cache}}))
"""


def _probe(body: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _heavy(modules: object) -> list[str]:
    assert isinstance(modules, list)
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_import_outreach_is_light() -> None:
    found = _probe("import outreach")
    assert _heavy(found["modules"]) == []
    assert found["babel_cache"] in (None, 0)


CLI_HELP = """
from outreach.cli import main
for argv in (["--help"], ["--version"], ["stats", "--help"], ["compile", "--help"],
             ["merge", "--help"]):
    try:
        main(argv, standalone_mode=False)
    except SystemExit:
        pass
"""


def test_cli_help_is_light() -> None:
    found = _probe(CLI_HELP)
    assert _heavy(found["modules"]) == []
    assert found["babel_cache"] in (None, 0)


def test_public_names_load_lazily() -> None:
    found = _probe("import outreach\nassert 'extract' in dir(outreach)")
    assert _heavy(found["modules"]) == []


def test_console_script_help_importtime() -> None:
    script = Path(sys.executable).parent / "outreach"
    if not script.exists():
        pytest.skip("the outreach console script is not installed next to this Python")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(script), "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    assert "Usage: outreach" in result.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "outreach.cli" in imported
    assert not [m for m in imported if m.split(".")[0] in ("jinja2", "langdetect")]
    assert not [m for m in imported if m in ("babel.core", "babel.localedata")]


def test_commands_do_load_what_they_need() -> None:
    """The probe itself works: running a real command does import Babel."""
    found = _probe("from outreach.locales import babel_locale\nbabel_locale('pt-BR').english_name")
    assert "babel.core" in found["modules"]
    assert found["babel_cache"]


RENDER = """
import os
from outreach.cli import main
os.environ["OUTREACH_CACHE_DIR"] = {cache!r}
try:
    main(["-C", {root!r}, "render", {message!r}, "-l", "es", "-c", {channel!r}],
         standalone_mode=False)
except SystemExit:
    pass
"""

#: What one post or one email never imports: twitter-text's emoji module and its
#: ``pkg_resources`` (half a second), its ``parse_tweet`` (which imports the emoji module),
#: language detection and the merge and preview machinery.
NEVER_FOR_ONE_MESSAGE = (
    "pkg_resources",
    "twitter_text.regexp.emoji",
    "twitter_text.parse_tweet",
    "twitter_text.extract_emojis",
    "langdetect",
    "polib",
    "aiosmtpd",
    "outreach.merge",
    "outreach.preview",
)


def _render_modules(tmp_path: Path, message: str, channel: str) -> list[str]:
    from conftest import copy_example

    root = copy_example(tmp_path / "love")
    found = _probe(
        RENDER.format(
            root=str(root), cache=str(tmp_path / "cache"), message=message, channel=channel
        )
    )
    modules = found["modules"]
    assert isinstance(modules, list)
    return modules


def _never(modules: list[str]) -> list[str]:
    return [
        m for m in modules if any(m == n or m.startswith(n + ".") for n in NEVER_FOR_ONE_MESSAGE)
    ]


def test_one_post_imports_only_what_it_needs(tmp_path: Path) -> None:
    """An X post's length needs twitter-text's URL extractor (the post holds a link), not
    its emoji module (no emoji in it) nor its package ``__init__``'s ``parse_tweet``."""
    modules = _render_modules(tmp_path, "share", "x")
    assert "outreach.render" in modules  # the probe rendered
    assert "twitter_text.extract_urls" in modules
    assert _never(modules) == []


def test_one_email_imports_no_twitter_text(tmp_path: Path) -> None:
    modules = _render_modules(tmp_path, "petition", "email")
    assert "outreach.render" in modules
    assert [m for m in modules if m.split(".")[0] == "twitter_text"] == []
    assert _never(modules) == []


#: What a render whose output is recalled (outreach.recall) never imports: nothing renders.
NEVER_WHEN_RECALLED = (
    "jinja2",
    "babel",
    "twitter_text",
    "regex",
    "markupsafe",
    "tomllib",
    "outreach.render",
    "outreach.campaign",
    "outreach.translations",
    "outreach.platforms",
    "outreach.settings",
)


@pytest.mark.parametrize(("message", "channel"), [("share", "x"), ("petition", "email")])
def test_a_recalled_render_imports_no_renderer(tmp_path: Path, message: str, channel: str) -> None:
    """The second of two identical renders prints the first one's output from the cache:
    it imports click and outreach's command line, the cache and the files, and none of
    Jinja2, Babel, twitter-text, ``regex`` or the campaign's settings. A real process: its
    output is the cold run's, byte for byte."""
    from conftest import copy_example

    root = copy_example(tmp_path / "love")
    script = RENDER.format(
        root=str(root), cache=str(tmp_path / "cache"), message=message, channel=channel
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", PROBE.format(body=script)],
            capture_output=True,
            check=True,
            env=ENV,
        )
        for _ in range(2)
    ]
    cold, warm = (json.loads(r.stdout.splitlines()[-1])["modules"] for r in runs)
    assert "outreach.render" in cold and "jinja2" in cold
    assert "outreach.recall" in warm
    assert [
        m for m in warm if any(m == n or m.startswith(n + ".") for n in NEVER_WHEN_RECALLED)
    ] == []
    assert [r.stdout.splitlines()[:-1] for r in runs] == [runs[0].stdout.splitlines()[:-1]] * 2
    assert runs[0].stderr == runs[1].stderr


def test_a_post_rendered_again_recalls_its_links(tmp_path: Path) -> None:
    """A post rendered again (its kept output gone: only the links' answers are kept) needs
    no twitter-text URL pattern: where its links are was remembered with the first run."""
    from conftest import copy_example

    root = copy_example(tmp_path / "love")
    cache = tmp_path / "cache"
    script = RENDER.format(root=str(root), cache=str(cache), message="share", channel="x")
    outputs = []
    for _ in range(2):
        for kept in cache.glob("*.rendered.json"):
            kept.unlink()
        run = subprocess.run(
            [sys.executable, "-c", PROBE.format(body=script)],
            capture_output=True,
            text=True,
            check=True,
            env=ENV,
        )
        lines = run.stdout.splitlines()
        outputs.append((lines[:-1], run.stderr, json.loads(lines[-1])["modules"]))
    (first, err, cold), (second, err_again, again) = outputs
    assert "outreach.render" in again and "twitter_text.extract_urls" in cold
    assert [m for m in again if m.startswith("twitter_text.regexp")] == []
    assert "twitter_text.extract_urls" not in again
    assert (first, err) == (second, err_again)
