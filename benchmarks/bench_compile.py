"""How fast is ``outreach compile`` next to ``pybabel compile`` and GNU ``msgfmt``?

Generates, in a temporary directory, a campaign-shaped tree with one 5,000-entry catalog per
locale (es, fr, ru: python-format placeholders, about 10% plurals, a few fuzzy entries), then
times each tool, best of 5, wall clock, each run a fresh subprocess so that start-up counts
the same for everyone:

* ``outreach -C DIR compile -l es -l fr -l ru`` (structural checks included)
* ``pybabel compile -d DIR/locales -D messages`` from the same virtualenv
* ``msgfmt -o X.mo X.po``, one invocation per locale, summed (when msgfmt is on PATH)

Run it with the project's virtualenv::

    .venv/bin/python benchmarks/bench_compile.py
    .venv/bin/python benchmarks/bench_compile.py --json
    .venv/bin/python benchmarks/bench_compile.py --entries 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

LOCALES = ("es", "fr", "ru")
BIN = Path(sys.executable).parent

_WORDS_TEXT = (
    "sign share watch support join stand together love always wins petition film friends "
    "family voices heard today campaign deadline people community rights equal justice "
    "everyone action change world future hope proud march rally donate volunteer call "
    "write send message help build movement safe free open honest brave kind"
)
_TARGET_WORDS = {
    "es": "firma comparte mira apoya únete juntos amor siempre gana petición película amigos "
    "familia voces hoy campaña gente comunidad derechos justicia todos acción cambio mundo",
    "fr": "signez partagez regardez soutenez rejoignez ensemble amour toujours gagne pétition "
    "film amis famille voix aujourd'hui campagne gens communauté droits justice monde",
    "ru": "подпишите поделитесь смотрите поддержите вместе любовь всегда побеждает петиция "
    "фильм друзья семья голоса сегодня кампания люди сообщество права справедливость мир",
}
_PLACEHOLDERS = ("%(name)s", "%(url)s", "%(hashtag)s", "%(count)d", "%(deadline)s", "%(city)s")
_CONTEXTS = (None, None, None, None, None, None, "subject", "preheader")


def _sentence(rng: random.Random, words: Sequence[str], placeholders: Sequence[str]) -> str:
    body = [rng.choice(words) for _ in range(rng.randint(3, 18))]
    for placeholder in placeholders:
        body.insert(rng.randint(0, len(body)), placeholder)
    text = " ".join(body)
    return text[0].upper() + text[1:] + rng.choice((".", "!", ".", "?"))


def build_campaign(root: Path, entries: int, seed: int = 2013) -> Path:
    """Write ``root/messages/campaign.toml`` and one catalog per locale; return ``root``."""
    from babel.messages.catalog import Catalog

    from outreach.pofile import write_catalog

    (root / "messages").mkdir(parents=True, exist_ok=True)
    (root / "messages" / "campaign.toml").write_text(
        "[campaign]\n"
        'name = "Benchmark"\n'
        'source_locale = "en"\n'
        f"locales = {json.dumps(['en', *LOCALES])}\n"
        'hashtags = ["#Bench"]\n'
        'url = "https://example.org/bench"\n',
        encoding="utf-8",
    )
    rng = random.Random(seed)
    source_words = _WORDS_TEXT.split()
    sources = []
    seen = set()
    while len(sources) < entries:
        placeholders = rng.sample(_PLACEHOLDERS, rng.choice((0, 0, 1, 1, 2)))
        msgid = _sentence(rng, source_words, placeholders)
        context = rng.choice(_CONTEXTS)
        if (msgid, context) in seen:
            continue
        seen.add((msgid, context))
        plural = None
        if rng.random() < 0.10:  # "%(count)d supporter: ..." / "%(count)d supporters: ..."
            noun = rng.choice(("supporter", "friend", "city", "signature", "volunteer"))
            rest = msgid[0].lower() + msgid[1:]
            msgid, plural = f"%(count)d {noun}: {rest}", f"%(count)d {noun}s: {rest}"
            placeholders = [*placeholders, "%(count)d"]
            if (msgid, context) in seen:
                continue
            seen.add((msgid, context))
        line = len(sources) + 1
        sources.append((msgid, plural, context, placeholders, line))

    for locale in LOCALES:
        catalog = Catalog(locale=locale, project="Benchmark", version="1.0", fuzzy=False)
        words = _TARGET_WORDS[locale].split()
        for msgid, plural, context, placeholders, line in sources:
            file = f"messages/m{line % 97:02d}.j2"
            if plural is not None:
                named = sorted(set(placeholders))
                forms = tuple(_sentence(rng, words, named) for _ in range(catalog.num_plurals))
                catalog.add((msgid, plural), forms, [(file, line)], context=context)
            else:
                flags = ["fuzzy"] if rng.random() < 0.005 else []
                catalog.add(
                    msgid,
                    _sentence(rng, words, placeholders),
                    [(file, line)],
                    context=context,
                    flags=flags,
                )
        path = root / "locales" / locale / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(write_catalog(catalog))
    return root


def _best(commands: Sequence[Sequence[str]], repeat: int) -> float:
    """Best wall-clock time of ``repeat`` runs; a run executes every command in turn."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for command in commands:
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(
                    f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}"
                )
        best = min(best, time.perf_counter() - start)
    return best


def _tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def run(entries: int, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        root = build_campaign(Path(tmp) / "campaign", entries)
        locales = root / "locales"
        outreach = _tool("outreach")
        outreach_cmd = (
            [outreach]
            if outreach
            else [sys.executable, "-c", "from outreach.cli import main; main()"]
        )
        selected = [arg for loc in LOCALES for arg in ("-l", loc)]
        rows: list[dict[str, object]] = []
        rows.append(
            {
                "tool": "outreach compile",
                "seconds": _best([[*outreach_cmd, "-C", str(root), "compile", *selected]], repeat),
            }
        )
        for locale in LOCALES:  # sanity: every catalog compiled
            assert (locales / locale / "LC_MESSAGES" / "messages.mo").stat().st_size > 0
        pybabel = _tool("pybabel")
        if pybabel:
            command = [pybabel, "compile", "-d", str(locales), "-D", "messages"]
            rows.append({"tool": "pybabel compile", "seconds": _best([command], repeat)})
        msgfmt = shutil.which("msgfmt")
        if msgfmt:
            commands = [
                [
                    msgfmt,
                    "-o",
                    str(locales / loc / "LC_MESSAGES" / "msgfmt.mo"),
                    str(locales / loc / "LC_MESSAGES" / "messages.po"),
                ]
                for loc in LOCALES
            ]
            rows.append({"tool": "GNU msgfmt", "seconds": _best(commands, repeat)})
        base = float(rows[0]["seconds"])  # type: ignore[arg-type]
        for row in rows:
            row["seconds"] = round(float(row["seconds"]), 4)  # type: ignore[arg-type]
            row["ratio"] = round(float(row["seconds"]) / base, 2)
        versions = {"python": sys.version.split()[0]}
        try:
            import babel

            versions["babel"] = babel.__version__
        except ImportError:  # pragma: no cover
            pass
        if msgfmt:
            first = subprocess.run([msgfmt, "--version"], capture_output=True, text=True)
            versions["msgfmt"] = first.stdout.splitlines()[0] if first.stdout else "?"
        return {
            "entries_per_locale": entries,
            "locales": list(LOCALES),
            "repeat": repeat,
            "versions": versions,
            "results": rows,
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000, help="entries per catalog")
    parser.add_argument("--repeat", type=int, default=5, help="runs per tool (best is kept)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    report = run(args.entries, args.repeat)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"{report['entries_per_locale']} entries x {len(LOCALES)} locales "
        f"({', '.join(LOCALES)}), best of {report['repeat']}, wall clock"
    )
    print(f"{'tool':<18} {'seconds':>8} {'ratio':>6}")
    for row in report["results"]:  # type: ignore[union-attr]
        print(f"{row['tool']:<18} {row['seconds']:>8.3f} {row['ratio']:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
