"""Start-up stays light: importing outreach and ``outreach --help`` load neither Jinja2,
langdetect nor Babel's locale data. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
