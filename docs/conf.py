"""Sphinx configuration of the outreach documentation (``make docs``; ``make test`` builds it
with warnings as errors).

Pages are Markdown (MyST); the command reference is generated from the click definitions
(sphinx-click), so an option cannot be added without appearing in it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # this checkout's outreach, whatever is installed

from outreach._version import __version__  # noqa: E402

project = "outreach"
author = "The outreach developers"
copyright = "The outreach developers"  # noqa: A001
release = version = __version__

extensions = ["myst_parser", "sphinx_click"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = "outreach"
# Strict: a reference to something that does not exist is an error, not a silent broken link.
nitpicky = False
suppress_warnings: list[str] = []
