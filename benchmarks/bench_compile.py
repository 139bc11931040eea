"""How fast is ``outreach compile`` next to ``pybabel compile`` and GNU ``msgfmt``?

Generates, in a temporary directory, a campaign-shaped tree with one 5,000-entry catalog per
locale (es, fr, ru: python-format placeholders, about 10% plurals, a few fuzzy entries), then
runs each tool in interleaved rounds (:mod:`harness`), each run a fresh subprocess launched
by GNU ``time`` so that start-up counts the same for everyone:

* ``msgfmt -o X.mo X.po``, one invocation per locale, in one ``sh -c`` (the anchor)
* ``pybabel compile -d DIR/locales -D messages`` from the same virtualenv
* ``outreach -C DIR compile -l es -l fr -l ru``: cold (no check cache), after ``outreach
  check`` (the cache as check leaves it) and unchanged (compiled before: nothing changed)

Targets (issue 23): cold <= 1.5x msgfmt; unchanged faster than msgfmt.

    .venv/bin/python benchmarks/bench_compile.py [--entries 5000] [--rounds 7] [--before OLD/src]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BIN,
    SRC,
    Run,
    add_before_option,
    environment,
    interleaved,
    load,
    measured,
    ratio,
    summary,
    table,
)

LOCALES = ("es", "fr", "ru")

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


def _tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def contenders(work: Path, entries: int, before: Path | None) -> dict[str, Callable[[], Run]]:
    """The contenders, each on a campaign of its own (the same seeded catalogs): GNU msgfmt
    (the anchor), pybabel, and outreach cold (its check cache removed before each run),
    after ``outreach check`` (the cache as check left it, restored before each run) and
    unchanged (the cache warm); with ``before``, the older outreach cold and unchanged."""
    source = build_campaign(work / "source", entries)
    found: dict[str, Callable[[], Run]] = {}

    def campaign(name: str) -> Path:
        target = work / name
        shutil.copytree(source, target)
        return target

    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise SystemExit("GNU msgfmt is missing: sudo apt-get install gettext")
    root = campaign("msgfmt")
    script = " && ".join(
        f'"$0" -o {root}/locales/{loc}/LC_MESSAGES/messages.mo '
        f"{root}/locales/{loc}/LC_MESSAGES/messages.po"
        for loc in LOCALES
    )
    found["GNU msgfmt (3 runs)"] = lambda: measured(["sh", "-c", script, msgfmt], work)
    pybabel = _tool("pybabel")
    if pybabel:
        locales = campaign("pybabel") / "locales"
        command = [pybabel, "compile", "-d", str(locales), "-D", "messages"]
        found["pybabel compile"] = lambda babel=command: measured(babel, work)
    selected = [arg for loc in LOCALES for arg in ("-l", loc)]
    trees = [("", SRC)] + ([(" (before)", before)] if before else [])
    for label, src in trees:
        for kind in ("cold", "after check", "unchanged"):
            if kind == "after check" and label:
                continue  # the compile before this issue read no check cache
            root = campaign(f"outreach-{kind}{label}".replace(" ", "-"))
            cache = work / f"cache-{kind}{label}".replace(" ", "-")
            env = environment(src, OUTREACH_CACHE_DIR=str(cache))
            command = [sys.executable, str(BIN / "outreach"), "-C", str(root), "compile"]
            command += selected
            if kind == "after check":
                checked = work / "cache-checked"
                check = [sys.executable, str(BIN / "outreach"), "-C", str(root), "check"]
                check_env = environment(src, OUTREACH_CACHE_DIR=str(checked))
                measured([*check, "--no-render", *selected], work, check_env, ok=(0, 1))

                def restore(saved: Path = checked, cache: Path = cache, root: Path = root) -> None:
                    shutil.rmtree(cache, ignore_errors=True)
                    shutil.copytree(saved, cache)
                    for mo in root.rglob("*.mo"):
                        mo.unlink()

                prepare: Callable[[], None] = restore
            elif kind == "cold":

                def wipe(cache: Path = cache, root: Path = root) -> None:
                    shutil.rmtree(cache, ignore_errors=True)
                    for mo in root.rglob("*.mo"):
                        mo.unlink()

                prepare = wipe
            else:
                measured(command, work, env)  # warms the cache: nothing changes after it

                def nothing() -> None:
                    return None

                prepare = nothing

            def run(
                prepare: Callable[[], None] = prepare,
                command: list[str] = command,
                env: dict[str, str] = env,
            ) -> Run:
                prepare()
                return measured(command, work, env)

            found[f"outreach compile, {kind}{label}"] = run
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000, help="entries per catalog")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_before_option(parser)
    args = parser.parse_args(argv)
    anchor = "GNU msgfmt (3 runs)"
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        loads = [load()]
        runs = interleaved(contenders(Path(tmp), args.entries, args.before), args.rounds)
        loads.append(load())
    base = [r.seconds for r in runs[anchor]]
    if args.json:
        report = {
            name: {**summary(found), **vars(ratio([r.seconds for r in found], base))}
            for name, found in runs.items()
        }
        print(json.dumps({"entries": args.entries, "load": loads, "results": report}, indent=2))
        return 0
    print(
        f"{args.entries} entries x {len(LOCALES)} locales ({', '.join(LOCALES)}), "
        f"{args.rounds} interleaved rounds; load average before/after: {loads}"
    )
    print("\n".join(table(runs, anchor)))
    print("targets: cold <= 1.5x msgfmt; unchanged < 1x msgfmt (ratio min/med)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
