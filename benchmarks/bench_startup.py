"""Start-up benchmark: one post and one email, each a fresh ``outreach`` process, against
``python -c "import click"``.

What a user waits for when they ask for one message: ``outreach render share -l es -c x``
(one X post) and ``outreach render petition -l es -c email`` (one email), on a copy of the
example campaign whose check cache is warm (the runs before the rounds warm it, as any
earlier command does): as a second identical run has it (its output recalled from the
cache: :mod:`outreach.recall`); ``rendered``, with that kept output removed before each
run (the command renders: what a run after an edit pays); and ``rendered, links too``, with
the links twitter-text found in the posts forgotten as well (what a post whose text changed
pays). The anchor is the interpreter
starting and importing click, which every command pays. Contenders run in interleaved
rounds, each process launched by GNU ``time`` (:mod:`harness`); the table gives min and
median seconds, CPU, peak RSS and the min/median of the per-round ratio to ``import click``.
Two floors run in the same rounds: a process that imports the libraries a rendering run
uses (:data:`FLOORS`: Jinja2, Babel, and nh3 and css-inline for an email or ``regex`` for a
post) and does nothing else, which no run that renders can beat.

Target (issue 23): one post and one email each <= 2x ``import click``.

    .venv/bin/python benchmarks/bench_startup.py [--rounds 15] [--before OLD/src] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BIN,
    SRC,
    Run,
    add_before_option,
    copy_example,
    environment,
    interleaved,
    load,
    measured,
    ratio,
    summary,
    table,
)

POST = ("render", "share", "-l", "es", "-c", "x")
EMAIL = ("render", "petition", "-l", "es", "-c", "email")
#: The libraries a rendering run imports besides click (``-X importtime`` of each command,
#: its output not recalled), imported and nothing else done: the floor of any run that
#: renders with them, measured in the same rounds as the target's anchor.
_RENDERING = "click, jinja2, markupsafe, idna, babel.core, babel.dates, babel.numbers, babel.lists"
FLOORS = {
    "floor: import what one email renders with": f"import {_RENDERING}, nh3, css_inline",
    "floor: import what one X post renders with": f"import {_RENDERING}, regex",
}


def contenders(work: Path, before: Path | None) -> dict[str, Callable[[], Run]]:
    campaign = copy_example(work / "love")
    found: dict[str, Callable[[], Run]] = {}
    plain = environment()
    found["python -c 'import click'"] = lambda: measured(
        [sys.executable, "-c", "import click"], work, plain
    )
    for floor, code in FLOORS.items():
        found[floor] = lambda c=code: measured([sys.executable, "-c", c], work, plain)
    trees = [("", SRC)] + ([(" (before)", before)] if before else [])
    for label, src in trees:
        for name, args in (("one X post", POST), ("one email", EMAIL)):
            # a cache of its own for each command and tree: forgetting one command's kept
            # output (below) leaves the other's
            store = work / f"cache-{len(found)}"
            env = environment(src, OUTREACH_CACHE_DIR=str(store))
            command = [sys.executable, str(BIN / "outreach"), "-C", str(campaign), *args]
            measured(command, work, env)  # warms the cache and the bytecode
            found[f"{name}{label}"] = lambda c=command, e=env: measured(c, work, e)
            if not label:  # rendered again: the output kept by the last run is forgotten
                found[f"{name}, rendered"] = lambda c=command, e=env, s=store: _rendered(
                    c, work, e, s, ("rendered",)
                )
                found[f"{name}, rendered, links too"] = lambda c=command, e=env, s=store: _rendered(
                    c, work, e, s, ("rendered", "links")
                )
    return found


def _rendered(
    command: list[str], work: Path, env: dict[str, str], store: Path, forget: tuple[str, ...]
) -> Run:
    """One run of ``command`` that renders: the cache's ``forget`` namespaces are removed
    first -- the outputs ``render`` kept (outreach.recall), and with ``links`` where
    twitter-text found the posts' links (outreach.platforms.remembering_links) -- not the
    rest (its catalogs compiled and checked, as any earlier command leaves them)."""
    for namespace in forget:
        for path in store.glob(f"*.{namespace}.json"):
            path.unlink()
    return measured(command, work, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_before_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        loads = [load()]
        runs = interleaved(contenders(Path(tmp), args.before), args.rounds)
        loads.append(load())
    anchor = "python -c 'import click'"
    if args.json:
        report = {
            name: {
                **summary(found),
                "ratio_min": ratio(
                    [r.seconds for r in found], [r.seconds for r in runs[anchor]]
                ).low,
                "ratio_median": ratio(
                    [r.seconds for r in found], [r.seconds for r in runs[anchor]]
                ).median,
            }
            for name, found in runs.items()
        }
        print(json.dumps({"rounds": args.rounds, "load": loads, "results": report}, indent=2))
        return 0
    print(f"{args.rounds} interleaved rounds; load average before/after: {loads}")
    print("\n".join(table(runs, anchor)))
    print("target: one post and one email <= 2x import click (ratio min/med)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
