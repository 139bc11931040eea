"""Check and render time against one pathological translator string, from 10 KB to 1 MB.

A translator controls the text of a string, and the red team found strings whose checking
took quadratic time (300 KB of ``)`` took 92 s). For each pattern below, this script puts a
string of 10 KB, 100 KB and 1 MB into one catalog entry and times, in one run:

* ``check``: ``check_catalog`` with every check, on an entry whose source is as long as the
  translation (so that no "far too long" short cut applies: every check reads the string);
* ``check (short source)``: the same string as the translation of a short source (the
  "far too long" error, found in linear time, and nothing else);
* ``render``: what ``outreach render`` does with the catalog -- parse it, run the checks that
  decide which translations are used, compile it -- then the HTML sanitiser and the X length
  count on the string itself.

The figure that matters is the growth exponent ``log(t(1 MB) / t(10 KB)) / log(100)``: 1.0 is
linear, 2.0 quadratic. Everything must stay near 1.

    .venv/bin/python benchmarks/bench_pathological.py            # the table
    .venv/bin/python benchmarks/bench_pathological.py --json
    .venv/bin/python benchmarks/bench_pathological.py --sizes 1000 4000   # a quick run

(with other ``--sizes``, the exponent is taken over their smallest and largest).
"""

from __future__ import annotations

import argparse
import gettext
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from babel.messages.catalog import Catalog

from outreach.campaign import parse_campaign
from outreach.checks import check_catalog
from outreach.detect import LanguageJudge
from outreach.pofile import write_catalog
from outreach.sanitize import SafeTranslations

#: Each pattern repeated is the translation; a pair is ``(source's unit, translation's)``, for a
#: pattern that only a source of its own kind sets off (a LaTeX line's TeX arguments, read as
#: such only where every brace of the source is one: 60,000 characters took 49 s once).
PATTERNS: dict[str, str | tuple[str, str]] = {
    "closing parens": ")",
    "template opening": "{{",
    "unclosed tags": "<a ",
    "unclosed comments": "<!--",
    "placeholder openings": "%(",
    "nested strong": "<strong>",
    "dotted labels": "a.",
    "at signs": "@a",
    "hashes": "#a",
    "url-like": "https://a.b/",
    "percent": "%",
    "bidi controls": "\u202e",
    "TeX arguments": ("\\ab{x}", "\\ab{y}"),
    "TeX coordinates": ("\\ab(1,2){x}", "\\ab(1,2){y}"),
}
SIZES = (10_000, 100_000, 1_000_000)
SOURCE_UNIT = "Love always wins. "


def _catalog(source: str, translation: str) -> Catalog:
    catalog = Catalog(locale="es", fuzzy=False)
    catalog.add(source, translation)
    return catalog


def _time(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(pattern: str | tuple[str, str], size: int, campaign_root: Path) -> dict[str, float]:
    source_unit, pattern = pattern if isinstance(pattern, tuple) else (SOURCE_UNIT, pattern)
    text = (pattern * (size // len(pattern) + 1))[:size]
    long_source = (source_unit * (size // len(source_unit) + 1))[:size]
    campaign = parse_campaign(
        '[campaign]\nname = "Bench"\nsource_locale = "en"\nlocales = ["en", "es"]\n'
        'hashtags = ["#LoveAlwaysWins"]\nurl = "https://example.org/love"\n',
        root=campaign_root,
    )
    judge = LanguageJudge()
    long_catalog = _catalog(long_source, text)
    short_catalog = _catalog("Watch the film", text)
    figures = {
        "check": _time(
            lambda: check_catalog(
                long_catalog, file="es.po", locale="es", campaign=campaign, detector=judge
            )
        ),
        "check (short source)": _time(
            lambda: check_catalog(short_catalog, file="es.po", locale="es", campaign=campaign)
        ),
    }
    po = campaign_root / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_bytes(write_catalog(long_catalog))

    def render() -> None:
        from outreach.platforms import measure as count
        from outreach.translations import load_locale

        load_locale(campaign, "es")
        safe = SafeTranslations(gettext.NullTranslations(), html=True)
        safe.sanitize(text, "<strong>%(hashtag)s</strong>")
        count("x", text)

    figures["render"] = _time(render)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="string sizes in bytes"
    )
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    results: dict[str, dict[str, dict[int, float]]] = {}
    with tempfile.TemporaryDirectory() as directory:
        for name, pattern in PATTERNS.items():
            for size in sizes:
                figures = measure(pattern, size, Path(directory) / f"{name}-{size}")
                for kind, seconds in figures.items():
                    results.setdefault(name, {}).setdefault(kind, {})[size] = seconds
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("seconds for one string of each size (bytes), and the growth exponent")
    print("(1.0 linear, 2.0 quadratic), best of one run")
    heads = " ".join(f"{size:>8,}" for size in sizes)
    print(f"{'pattern':22} {'path':22} {heads} {'exp':>5}")
    worst = 0.0
    for name, kinds in results.items():
        for kind, by_size in kinds.items():
            small, large = by_size[sizes[0]], by_size[sizes[-1]]
            span = math.log(sizes[-1] / sizes[0]) if sizes[-1] > sizes[0] else 1.0
            exponent = math.log(max(large, 1e-6) / max(small, 1e-6)) / span
            if large > 0.05:  # below that, timer noise dominates the ratio
                worst = max(worst, exponent)
            cells = " ".join(f"{by_size[s]:8.3f}" for s in sizes)
            print(f"{name:22} {kind:22} {cells} {exponent:5.2f}")
    print(f"\nworst growth exponent (paths over 50 ms at 1 MB): {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
