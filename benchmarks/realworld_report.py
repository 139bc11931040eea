"""Precision and recall of ``outreach check``, pofilter and ``msgfmt -c`` on real catalogs.

```sh
.venv/bin/python benchmarks/realworld_report.py                  # the dev half
.venv/bin/python benchmarks/realworld_report.py --half held-out  # its one measure
.venv/bin/python benchmarks/realworld_report.py --half both      # both halves
.venv/bin/python benchmarks/realworld_report.py --json           # one JSON document
.venv/bin/python benchmarks/realworld_report.py --every 8        # a quick look at a sample
```

The corpus is ``tests/realworld/manifest.toml`` (installed by the ``corpus`` extra, and
wheels fetched from PyPI into a cache); the judgments are ``tests/realworld/judgments.json``.
The corpus is split by project: the ``dev`` half is what the checks were tuned on (with the
earlier held-out halves, development data once measured), the ``held-out`` half is measured
once after tuning; each half is reported on its own, and the gap between their precisions is
the measure of over-fitting. Only ``--half held-out`` or ``--half both`` checks the held-out
half: a run of it is its one measure, so none happens by default. Each tool checks the same
copies of the catalogs in a temporary directory:

* outreach: ``check_campaign(use_cache=False, render=False)``, in process, one campaign per
  package and domain; its **errors** count (warnings are listed apart); also timed as
  ``outreach -C DIR check --no-cache --no-render``, one process per campaign;
* pofilter: Translate Toolkit's default checks, one process per campaign; every failure counts
  (it has no severities);
* ``msgfmt -c -o /dev/null``, one process per catalog; its fatal messages count; skipped when
  GNU gettext is not installed.

Precision is real / judged findings. Recall is the share of the ground truth (every defect
judged real, whichever tool found it, plus the defects no tool reported) that the tool reported
for that reason. Times are wall clock for the whole corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from realworld import corpus as C  # noqa: E402

#: Translate Toolkit's critical checks (its documentation's "critical" category).
POFILTER_CRITICAL = frozenset(
    (
        "printf",
        "pythonbraceformat",
        "variables",
        "escapes",
        "newlines",
        "tabs",
        "xmltags",
        "nplurals",
    )
)


def _pct(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.1f}%" if 0 < value < 0.01 else f"{100 * value:.0f}%"


def _example(hit: C.Hit) -> dict[str, Any]:
    return {
        "locale": hit.locale,
        "package": hit.package,
        "msgid": hit.msgid,
        "msgstr": hit.msgstr[:160],
        "message": hit.message,
    }


def _first_measure(judgments: dict[str, Any], half: str, names: set[str]) -> dict[str, Any] | None:
    """The one measure of ``half`` as it is now (``judgments.json``'s ``measures``: the
    figure taken before any fix it prompted), or None. A project ending in ``*`` names a
    family of packages (the JupyterLab language packs).

    >>> _first_measure({"measures": [{"half": "held-out", "commit": "c", "projects": ["a*"]}]},
    ...                "held-out", {"a-x", "a-y"})["commit"]
    'c'
    """
    for record in reversed(judgments.get("measures", [])):
        if record["half"] != half or "commit" not in record:
            continue
        if all(
            any(n == p or (p.endswith("*") and n.startswith(p[:-1])) for n in names)
            for p in record["projects"]
        ):
            return dict(record)
    return None


def _manifest_of(projects: frozenset[str], folder: Path) -> Path:
    """The corpus manifest with only ``projects`` in it (written in ``folder``), or the whole
    manifest when none are named."""
    if not projects:
        return C.MANIFEST
    import tomlkit

    data = tomlkit.parse(C.MANIFEST.read_text(encoding="utf-8"))
    kept = [p for p in data["package"] if p["name"] in projects]  # type: ignore[union-attr]
    unknown = projects - {str(p["name"]) for p in kept}
    if unknown:
        raise SystemExit(f"{C.MANIFEST}: no project named {', '.join(sorted(unknown))}")
    path = folder / "manifest.toml"
    path.write_text(tomlkit.dumps({"package": kept}), encoding="utf-8")
    return path


def measure(half: str, every: int = 1, projects: frozenset[str] = frozenset()) -> dict[str, Any]:
    judgments = C.load_judgments()
    with tempfile.TemporaryDirectory(prefix="outreach-realworld-") as tmp:
        manifest = _manifest_of(projects, Path(tmp))
        C.fetch(manifest, halves=(half,))
        corpus = C.build(Path(tmp) / "corpus", manifest, halves=(half,), every=every)
        sampled = {(cat.package, cat.path) for cat in corpus.catalogs}
        truth = {unit for unit in C.ground_truth(judgments) if unit[:2] in sampled}
        runs = [C.run_outreach(corpus), C.run_pofilter(corpus), C.run_msgfmt(corpus)]
        cli_seconds = C.time_outreach_cli(corpus)
        per_catalog: dict[tuple[str, str], int] = {}
        for path, cat in corpus.files.items():
            n = sum(1 for e in corpus.entries[path].values() if C._translated(e))
            per_catalog[(cat.package, cat.locale)] = (
                per_catalog.get((cat.package, cat.locale), 0) + n
            )
        translated = corpus.translated
        packages: dict[str, dict[str, Any]] = {}
        for cat in corpus.catalogs:
            info = packages.setdefault(
                cat.package,
                {"version": cat.version, "translations": cat.translations, "locales": {}},
            )
            info["locales"][cat.locale] = per_catalog[(cat.package, cat.locale)]
        files = len(corpus.files)
    tools = []
    scores = {}
    critical = C.Run(
        "pofilter",
        [h for h in runs[1].hits if h.check in POFILTER_CRITICAL],
        runs[1].seconds,
        runs[1].available,
        runs[1].note,
    )
    for name, run in (*((r.tool, r) for r in runs), ("pofilter-critical", critical)):
        hits = C.counted(run.hits, run.tool)
        result = C.score(hits, judgments, run.tool)
        scores[name] = result
        tools.append(
            {
                "tool": name,
                "available": run.available,
                "note": run.note,
                "findings": result.findings,
                "judged": result.judged,
                "real": result.real,
                "precision": result.precision,
                "recall": result.recall(truth) if run.available else None,
                "found": len(C.covered(result.found, truth)),
                "seconds": round(run.seconds, 2),
                "warnings": len(run.hits) - len(hits),
                "cli_seconds": round(cli_seconds, 2)
                if run.tool == "outreach" and cli_seconds is not None
                else None,
            }
        )
    outreach_run = runs[0]
    warned = C.score(
        [h for h in outreach_run.hits if h.severity == "warning"], judgments, "outreach"
    ).found
    outreach = scores["outreach"]
    tools[0]["recall_with_warnings"] = len(C.covered(outreach.found | warned, truth)) / len(truth)
    false_classes = [
        {
            "class": cls,
            "check": hits[0].check,
            "findings": len(hits),
            "examples": [_example(h) for h in hits[:3]],
        }
        for cls, hits in sorted(outreach.false_by_class.items(), key=lambda kv: -len(kv[1]))
    ]
    records = {
        C.unit(r): r
        for section in ("defects", *C.TOOLS)
        for r in judgments.get(section, [])
        if r.get("verdict", "real") == "real"
    }
    missed: dict[str, list[C.Unit]] = {}
    for defect in sorted(truth - C.covered(outreach.found, truth), key=str):
        missed.setdefault(defect[4], []).append(defect)
    missed_classes = []
    for cls, units in sorted(missed.items(), key=lambda kv: -len(kv[1])):
        by = {
            tool: len(C.covered(scores[tool].found, units))
            for tool in ("pofilter", "msgfmt")
            if tool in scores and tools[[t["tool"] for t in tools].index(tool)]["available"]
        }
        missed_classes.append(
            {
                "class": cls,
                "defects": len(units),
                "outreach_warning": len(C.covered(warned, units)),
                "found_by": by,
                "examples": [
                    {
                        "locale": records[u].get("locale"),
                        "package": u[0],
                        "msgid": u[3],
                        "reason": records[u]["reason"],
                        "fix": records[u].get("fix"),
                    }
                    for u in units[:3]
                ],
            }
        )
    return {
        "first_measure": _first_measure(judgments, half, set(packages)) if every == 1 else None,
        "sample": every,
        "half": half,
        "corpus": {"catalogs": files, "translated_entries": translated, "packages": packages},
        "ground_truth": len(truth),
        "tools": tools,
        "outreach_false_alarm_classes": false_classes,
        "outreach_missed_classes": missed_classes,
        "unjudged": {t: len(s.unjudged) for t, s in scores.items()},
    }


def print_report(doc: dict[str, Any]) -> None:
    corpus = doc["corpus"]
    sample = f" (every {doc['sample']}th catalog of each project)" if doc["sample"] > 1 else ""
    print(
        f"{doc['half']} half{sample}: {corpus['catalogs']} catalogs, "
        f"{corpus['translated_entries']:,} translated entries; "
        f"ground truth: {doc['ground_truth']} real defects"
    )
    for name, info in corpus["packages"].items():
        locales = ", ".join(f"{loc} {n}" for loc, n in info["locales"].items())
        print(f"  {name} {info['version']} ({info['translations']}): {locales}")
    print()
    print(
        f"{'tool':<18}{'findings':>9}{'judged':>8}{'real':>6}{'precision':>11}{'recall':>8}"
        f"{'seconds':>9}  notes"
    )
    for row in doc["tools"]:
        if not row["available"]:
            print(
                f"{row['tool']:<10}{'-':>9}{'-':>8}{'-':>6}{'-':>11}{'-':>8}{'-':>9}  {row['note']}"
            )
            continue
        cli = f"; as CLI processes {row['cli_seconds']:.2f} s" if row.get("cli_seconds") else ""
        note = {
            "outreach": f"errors ({_pct(row.get('recall_with_warnings'))} recall with its "
            f"{row['warnings']} warnings); in process{cli}",
            "pofilter": "every failure (no severities); stylistic checks judged by rule",
            "pofilter-critical": "only its critical checks (printf, xmltags, newlines, ...)",
            "msgfmt": f"fatal errors; {row['warnings']} warnings not counted",
        }[row["tool"]]
        print(
            f"{row['tool']:<18}{row['findings']:>9}{row['judged']:>8}{row['real']:>6}"
            f"{_pct(row['precision']):>11}{_pct(row['recall']):>8}{row['seconds']:>9.2f}  {note}"
        )
    unjudged = {t: n for t, n in doc["unjudged"].items() if n}
    if unjudged:
        print(f"unjudged findings (not in precision): {unjudged}")
    print("\noutreach false alarms by class:")
    for cls in doc["outreach_false_alarm_classes"]:
        print(f"  {cls['findings']:3d}  {cls['class']}  [{cls['check']}]")
        for ex in cls["examples"][:2]:
            print(f"         {ex['locale']}: {ex['msgid']!r} -> {ex['msgstr']!r}")
            print(f"             {ex['message']}")
    print("\nreal defects outreach does not report as errors, by class:")
    for cls in doc["outreach_missed_classes"]:
        by = ", ".join(f"{tool} {n}" for tool, n in cls["found_by"].items())
        warned = cls["outreach_warning"]
        print(f"  {cls['defects']:3d}  {cls['class']}  (outreach warning {warned}; {by})")
        for ex in cls["examples"][:2]:
            print(f"         {ex['locale']}: {ex['msgid']!r}: {ex['reason']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--half",
        choices=(*C.HALVES, "both"),
        default="dev",
        help="which half (dev; a run of the held-out half is its one measure)",
    )
    parser.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="N",
        help="check every N-th catalog of each project only (a quick look: the figures then "
        "cover that sample; 1, the default, is the whole corpus)",
    )
    parser.add_argument(
        "--projects",
        default="",
        metavar="NAME,...",
        help="only these projects of the manifest (a quick look; the figures then cover them)",
    )
    args = parser.parse_args()
    halves = C.HALVES if args.half == "both" else (args.half,)
    projects = frozenset(filter(None, args.projects.split(",")))
    docs = [measure(half, max(1, args.every), projects) for half in halves]
    if args.json:
        print(json.dumps(docs if len(docs) > 1 else docs[0], ensure_ascii=False, indent=1))
        return
    for doc in docs:
        print_report(doc)
        print()
    for doc in docs:
        row = doc["tools"][0]
        print(
            f"outreach errors, {doc['half']} half: {row['real']} real of {row['judged']} judged "
            f"({_pct(row['precision'])})"
        )
        if doc["first_measure"] is not None:
            first = doc["first_measure"]
            print(
                f"  measured once, before any fix it prompted: {first['real']} real of "
                f"{first['judged']} ({_pct(first['real'] / first['judged'])}), at "
                f"{first['commit']}; the figure above counts fixes made after that measure "
                "and is no longer a held-out figure"
                if row["judged"] != first["judged"] or row["real"] != first["real"]
                else f"  (the one measure, at {first['commit']})"
            )


if __name__ == "__main__":
    main()
