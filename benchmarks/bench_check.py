"""Benchmark ``outreach check`` against Translate Toolkit's ``pofilter``.

Generates a campaign with a 5,000-entry catalog for each of 3 locales (es, fr, de) in a
temporary directory -- real sentences in each language, placeholders, plurals, markup, a few
planted defects -- then runs, as subprocesses launched by GNU ``time``, in interleaved rounds
(:mod:`harness`; ``--before SRC`` adds an older checkout's outreach):

* ``pofilter`` over the three catalogs (all its checks, the default);
* ``outreach check`` with a cold cache (its cache directory, ``OUTREACH_CACHE_DIR``,
  removed first);
* ``outreach check`` with a warm cache (nothing changed since the last run);
* ``outreach check`` after editing one string in every catalog (the cache is per entry:
  three entries are checked again, and three strings detected);
* a process that only imports what such a re-check imports: the floor under it.

Targets (issue 23): cold <= 0.5x pofilter's time, under load too; one string edited <=
0.05x (issues 5 and 10: warm >= 20x faster than pofilter).

    .venv/bin/python benchmarks/bench_check.py [--rounds 5] [--before OLD/src]
    .venv/bin/python benchmarks/bench_check.py --corpus     # pofilter and msgfmt -c on tests/corpus

``--corpus`` runs pofilter and ``msgfmt -c`` on the labelled corpus and counts, as the
corpus test does for outreach, which planted defects each finds and how many clean entries
each flags.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BIN,
    ROOT,
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

LOCALES = ("es", "fr", "de")
ENTRIES = 5000

# (English, Spanish, French, German): sentences a campaign really says.
SENTENCES = [
    (
        "Love always wins.",
        "El amor siempre gana.",
        "L’amour gagne toujours.",
        "Die Liebe gewinnt immer.",
    ),
    (
        "Watch our new film and share it with the people you love.",
        "Mira nuestro nuevo corto y compártelo con las personas que quieres.",
        "Regardez notre nouveau film et partagez-le avec les personnes que vous aimez.",
        "Schau dir unseren neuen Film an und teile ihn mit den Menschen, die du liebst.",
    ),
    (
        "Thousands of people have already signed the petition.",
        "Miles de personas ya han firmado la petición.",
        "Des milliers de personnes ont déjà signé la pétition.",
        "Tausende Menschen haben die Petition bereits unterschrieben.",
    ),
    (
        "We will hand every signature to the committee before the Games begin.",
        "Entregaremos todas las firmas al comité antes de que empiecen los Juegos.",
        "Nous remettrons toutes les signatures au comité avant le début des Jeux.",
        "Wir übergeben alle Unterschriften dem Komitee, bevor die Spiele beginnen.",
    ),
    (
        "Every person who sees it makes the message harder to ignore.",
        "Cada persona que lo ve hace que el mensaje sea más difícil de ignorar.",
        "Chaque personne qui le voit rend le message plus difficile à ignorer.",
        "Jede Person, die ihn sieht, macht die Botschaft schwerer zu ignorieren.",
    ),
    (
        "Ask your friends to join us today.",
        "Pide a tus amigos que se unan hoy.",
        "Demandez à vos amis de nous rejoindre aujourd’hui.",
        "Bitte deine Freunde, heute mitzumachen.",
    ),
    (
        "The law makes it a crime to speak openly about who you love.",
        "La ley convierte en delito hablar abiertamente de a quién amas.",
        "La loi fait un délit du fait de parler ouvertement de qui l’on aime.",
        "Das Gesetz macht es strafbar, offen darüber zu sprechen, wen man liebt.",
    ),
    (
        "Our volunteers translate every message into many languages.",
        "Nuestros voluntarios traducen cada mensaje a muchos idiomas.",
        "Nos bénévoles traduisent chaque message dans de nombreuses langues.",
        "Unsere Freiwilligen übersetzen jede Nachricht in viele Sprachen.",
    ),
    (
        "Thank you for standing with us.",
        "Gracias por estar con nosotros.",
        "Merci d’être à nos côtés.",
        "Danke, dass du an unserer Seite stehst.",
    ),
    (
        "Please read the full report before you share it.",
        "Por favor, lee el informe completo antes de compartirlo.",
        "Veuillez lire le rapport complet avant de le partager.",
        "Bitte lies den vollständigen Bericht, bevor du ihn teilst.",
    ),
    (
        "We are asking the committee to live up to its own words.",
        "Le pedimos al comité que esté a la altura de sus propias palabras.",
        "Nous demandons au comité d’être fidèle à ses propres paroles.",
        "Wir fordern das Komitee auf, seinen eigenen Worten gerecht zu werden.",
    ),
    (
        "Sport is a human right and the Games reject discrimination of any kind.",
        "El deporte es un derecho humano y los Juegos rechazan toda discriminación.",
        "Le sport est un droit humain et les Jeux rejettent toute discrimination.",
        "Sport ist ein Menschenrecht, und die Spiele lehnen jede Diskriminierung ab.",
    ),
    (
        "Your donation helps us reach more people in more countries.",
        "Tu donación nos ayuda a llegar a más personas en más países.",
        "Votre don nous aide à toucher plus de personnes dans plus de pays.",
        "Deine Spende hilft uns, mehr Menschen in mehr Ländern zu erreichen.",
    ),
    (
        "Join the conversation and post with us this evening.",
        "Únete a la conversación y publica con nosotros esta noche.",
        "Rejoignez la conversation et publiez avec nous ce soir.",
        "Mach bei der Unterhaltung mit und poste heute Abend mit uns.",
    ),
    (
        "Nobody should be afraid to hold the hand of the person they love.",
        "Nadie debería tener miedo de tomar la mano de la persona que ama.",
        "Personne ne devrait avoir peur de tenir la main de la personne qu’il aime.",
        "Niemand sollte Angst haben, die Hand des Menschen zu halten, den er liebt.",
    ),
    (
        "The deadline is approaching, so please sign soon.",
        "La fecha límite se acerca, así que firma pronto.",
        "La date limite approche, alors signez vite.",
        "Die Frist läuft bald ab, also unterschreibe bitte bald.",
    ),
    (
        "We met with athletes who support equality.",
        "Nos reunimos con atletas que apoyan la igualdad.",
        "Nous avons rencontré des athlètes qui soutiennent l’égalité.",
        "Wir haben Sportlerinnen und Sportler getroffen, die Gleichberechtigung unterstützen.",
    ),
    (
        "Tell your family why this matters to you.",
        "Cuéntale a tu familia por qué esto te importa.",
        "Dites à votre famille pourquoi cela compte pour vous.",
        "Erzähl deiner Familie, warum dir das wichtig ist.",
    ),
    (
        "Together we can change the rules.",
        "Juntos podemos cambiar las reglas.",
        "Ensemble, nous pouvons changer les règles.",
        "Gemeinsam können wir die Regeln ändern.",
    ),
    (
        "This film was made by volunteers in twelve countries.",
        "Este corto lo hicieron voluntarios de doce países.",
        "Ce film a été réalisé par des bénévoles dans douze pays.",
        "Dieser Film wurde von Freiwilligen in zwölf Ländern gedreht.",
    ),
]
LABELS = [
    ("Sign now", "Firma ya", "Signez maintenant", "Jetzt unterschreiben"),
    ("Watch the film", "Mira el corto", "Regarder le film", "Film ansehen"),
    ("Share", "Compartir", "Partager", "Teilen"),
    ("Donate", "Donar", "Faire un don", "Spenden"),
    ("Read more", "Leer más", "En savoir plus", "Mehr lesen"),
]
PLURAL_FORMS = {
    "es": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "de": "nplurals=2; plural=(n != 1);",
}
PEOPLE = {
    "es": ("%(num)s persona ha firmado.", "%(num)s personas han firmado."),
    "fr": ("%(num)s personne a signé.", "%(num)s personnes ont signé."),
    "de": ("%(num)s Person hat unterschrieben.", "%(num)s Menschen haben unterschrieben."),
}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def generate_catalog(locale: str, entries: int, seed: int = 0) -> str:
    """A realistic catalog: sentences, labels, placeholders, plurals, markup; 1 % defects."""
    column = 1 + LOCALES.index(locale)
    rng = random.Random(seed + column)
    out = [
        'msgid ""',
        'msgstr ""',
        _q("Project-Id-Version: Bench 1.0\n"),
        _q(f"Language: {locale}\n"),
        _q("MIME-Version: 1.0\n"),
        _q("Content-Type: text/plain; charset=UTF-8\n"),
        _q("Content-Transfer-Encoding: 8bit\n"),
        _q(f"Plural-Forms: {PLURAL_FORMS[locale]}\n"),
        "",
    ]
    used: set[tuple[tuple[str, ...], ...]] = set()
    for i in range(entries):
        kind = rng.random()
        defect = i % 100 == 99
        out.append(f"#: messages/generated.j2:{i + 1}")
        if kind < 0.15:
            label = rng.choice(LABELS)
            out += [f"msgid {_q(f'{label[0]} ({i})')}", f"msgstr {_q(f'{label[column]} ({i})')}"]
        elif kind < 0.2:
            one, many = PEOPLE[locale]
            out += [
                "#, python-format",
                f"msgid {_q(f'One person signed in round {i}.')}",
                f"msgid_plural {_q(f'%(num)s people signed in round {i}.')}",
                f"msgstr[0] {_q(one.replace('.', f' ({i}).'))}",
                f"msgstr[1] {_q(many.replace('.', f' ({i}).'))}",
            ]
        else:
            # three sentences in an order not used before (6,840 combinations), so that
            # every string's prose is unique, as in a real catalog (a number alone would
            # not make it so: the language check ignores numbers)
            chosen = rng.sample(SENTENCES, 3)
            while tuple(chosen) in used:
                chosen = rng.sample(SENTENCES, 3)
            used.add(tuple(chosen))
            source = " ".join(s[0] for s in chosen) + f" Ref. {i}."
            target = " ".join(s[column] for s in chosen) + f" Ref. {i}."
            if kind < 0.4:
                source += " %(url)s"
                target += "" if defect else " %(url)s"
                out.append("#, python-format")
            elif kind < 0.45:
                source = f"<strong>{source}</strong>"
                target = f"<strong>{target}</strong>"
            out += [f"msgid {_q(source)}", f"msgstr {_q(target)}"]
        out.append("")
    return "\n".join(out)


def make_campaign(root: Path, entries: int = ENTRIES) -> Path:
    (root / "messages").mkdir(parents=True)
    (root / "messages" / "campaign.toml").write_text(
        "[campaign]\n"
        'name = "Bench"\n'
        'source_locale = "en"\n'
        'locales = ["en", "es", "fr", "de"]\n'
        'hashtags = ["#LoveAlwaysWins"]\n'
        'url = "https://example.org/love"\n',
        encoding="utf-8",
    )
    for locale in LOCALES:
        path = root / "locales" / locale / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True)
        path.write_text(generate_catalog(locale, entries), encoding="utf-8")
    return root


def _edit_one_string(root: Path, number: int) -> None:
    """Edit one translation in every catalog (a new number each time: always a change)."""
    for locale in LOCALES:
        path = root / "locales" / locale / "LC_MESSAGES" / "messages.po"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'(msgstr "[^"]*?)( Ref\. \d+\.)', rf"\1 (v{number})\2", text, count=1)
        path.write_text(text, encoding="utf-8")


def contenders(work: Path, entries: int, before: Path | None) -> dict[str, Callable[[], Run]]:
    """pofilter (the anchor) and outreach check cold (its cache removed before each run),
    warm (nothing changed), one string edited per catalog (before each run) and
    ``--no-cache``, each on a campaign copy and cache of its own; with ``before``, the older
    outreach cold and edited."""
    source = make_campaign(work / "source", entries)
    found: dict[str, Callable[[], Run]] = {}

    def campaign(name: str) -> Path:
        target = work / name
        shutil.copytree(source, target)
        return target

    pofilter_root = campaign("pofilter")
    out = work / "pofilter-out"
    pofilter = [
        str(BIN / "pofilter"),
        "--progress=none",
        "-i",
        str(pofilter_root / "locales"),
        "-o",
        str(out),
    ]

    def run_pofilter() -> Run:
        shutil.rmtree(out, ignore_errors=True)
        return measured(pofilter, work)

    found["pofilter (all checks)"] = run_pofilter
    locales_args = [arg for locale in LOCALES for arg in ("--locale", locale)]
    edits = iter(range(1_000_000))
    trees = [("", SRC)] + ([(" (before)", before)] if before else [])
    for label, src in trees:
        kinds = ("cold", "warm", "1 string edited/catalog", "--no-cache")
        for kind in kinds if not label else ("cold", "1 string edited/catalog"):
            slug = re.sub(r"[^a-z0-9]+", "-", f"{kind}{label}")
            root = campaign(f"outreach-{slug}")
            cache = work / f"cache-{slug}"
            env = environment(src, OUTREACH_CACHE_DIR=str(cache))
            command = [sys.executable, str(BIN / "outreach"), "-C", str(root), "check"]
            command += ["--format", "json", *locales_args]
            if kind == "--no-cache":
                command.append("--no-cache")
            if kind in ("warm", "1 string edited/catalog"):
                measured(command, work, env, ok=(0, 1))  # the cache, warm

            def run(
                kind: str = kind,
                root: Path = root,
                cache: Path = cache,
                command: list[str] = command,
                env: dict[str, str] = env,
            ) -> Run:
                if kind == "cold":
                    shutil.rmtree(cache, ignore_errors=True)
                elif kind == "1 string edited/catalog":
                    _edit_one_string(root, next(edits))
                return measured(command, work, env, ok=(0, 1))

            found[f"outreach check, {kind}{label}"] = run
    # The floor of a re-check after an edit: a process that imports what one needs (the
    # command line, the check runner with every check, the language judge) and does nothing
    imports = "import outreach.cli, outreach.qa.campaign, outreach.checks.runner, outreach.detect"
    floor = [sys.executable, "-c", imports]
    found["floor: imports of a re-check, nothing checked"] = lambda: measured(
        floor, work, environment(SRC)
    )
    return found


def bench(rounds: int, entries: int, before: Path | None, as_json: bool) -> None:
    anchor = "pofilter (all checks)"
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        loads = [load()]
        runs = interleaved(contenders(Path(tmp), entries, before), rounds)
        loads.append(load())
    summaries = {
        name: json.loads(found[-1].stdout)["summary"]
        for name, found in runs.items()
        if name.startswith("outreach")
    }
    base = [r.seconds for r in runs[anchor]]
    ratios = {name: ratio([r.seconds for r in found], base) for name, found in runs.items()}
    if as_json:
        report = {name: {**summary(found), **vars(ratios[name])} for name, found in runs.items()}
        print(json.dumps({"entries": entries, "load": loads, "results": report}, indent=2))
        return
    print(
        f"{len(LOCALES)} catalogs x {entries} entries ({', '.join(LOCALES)}), "
        f"{rounds} interleaved rounds; load average before/after: {loads}"
    )
    print("\n".join(table(runs, anchor)))
    for name, found in summaries.items():
        print(f"{name}: {found}")
    print("targets: cold <= 0.5x pofilter; one string edited <= 0.05x (ratio min/med)")


# -- the corpus comparison -----------------------------------------------------------------
def corpus_labels(root: Path) -> dict[str, tuple[dict[int, set[str]], set[str]]]:
    """Per catalog: {msgid line: labels} and whole-file labels (as tests/test_checks_corpus)."""
    found = {}
    for path in sorted((root / "locales").glob("*/LC_MESSAGES/messages.po")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("iso-8859-1")
        entries: dict[int, set[str]] = {}
        whole: set[str] = set()
        pending = None
        for number, line in enumerate(text.split("\n"), start=1):
            if m := re.match(r"# expect-file: (.+)", line):
                whole.update(s.strip() for s in m.group(1).split(","))
            elif m := re.match(r"# expect: (.+)", line):
                pending = {s.strip() for s in m.group(1).split(",")}
            elif line.startswith("msgid ") and pending is not None:
                entries[number] = pending
                pending = None
        found[path.relative_to(root).as_posix()] = (entries, whole)
    return found


def _entry_at(entries: dict[int, set[str]], line: int, text_lines: list[str]) -> int | None:
    """The msgid line of the entry that contains ``line`` (msgid ... msgstr lines)."""
    starts = sorted(entries)
    candidates = [s for s in starts if s <= line]
    if not candidates:
        return None
    start = candidates[-1]
    for number in range(start, min(line, len(text_lines)) + 1):
        if not text_lines[number - 1].strip() and number < line:
            return None  # a blank line between: the line belongs to a later comment
    return start


def corpus(root: Path) -> None:
    labels = corpus_labels(root)
    defects = {
        (file, line, check)
        for file, (entries, _) in labels.items()
        for line, checks in entries.items()
        for check in checks - {"clean"}
    }
    file_defects = {(file, check) for file, (_, whole) in labels.items() for check in whole}
    clean = {
        (file, line)
        for file, (entries, _) in labels.items()
        for line, checks in entries.items()
        if checks == {"clean"}
    }
    defective_entries = {(f, n) for f, n, _ in defects}
    total = len(defects) + len(file_defects)

    # pofilter: flagged units (and their checks) from its output catalogs.
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        result = subprocess.run(
            [str(BIN / "pofilter"), "--progress=none", "-i", str(root / "locales"), "-o", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        flagged: set[tuple[str, str | None, str]] = set()
        for path in out.rglob("*.po"):
            relative = "locales/" + path.relative_to(out).as_posix()
            catalog = _pofilter_units(path)
            flagged |= {(relative, ctx, msgid) for ctx, msgid in catalog}
        units = _units(root)
        pof_entries = {
            (f, line) for (f, ctx, msgid), line in units.items() if (f, ctx, msgid) in flagged
        }
    pof_found = {(f, n) for f, n in defective_entries if (f, n) in pof_entries}
    pof_false = {(f, n) for f, n in clean if (f, n) in pof_entries}
    # msgfmt -c: path:line: messages, mapped to entries.
    msg_entries: set[tuple[str, int]] = set()
    msg_files: set[str] = set()
    fatal_files = 0
    for file, (entries, _) in labels.items():
        proc = subprocess.run(
            ["msgfmt", "-c", "-o", "/dev/null", file], cwd=root, capture_output=True, check=False
        )
        fatal_files += proc.returncode != 0
        text_lines = (root / file).read_bytes().decode("utf-8", "replace").split("\n")
        for line in proc.stderr.decode("utf-8", "replace").splitlines():
            m = re.match(rf"{re.escape(file)}:(\d+):", line)
            if not m:
                continue
            start = _entry_at(entries, int(m.group(1)), text_lines)
            if start is None:
                msg_files.add(file)
            else:
                msg_entries.add((file, start))
    msg_found = {(f, n) for f, n in defective_entries if (f, n) in msg_entries}
    msg_false = {(f, n) for f, n in clean if (f, n) in msg_entries}
    msg_file_found = {(f, c) for f, c in file_defects if f in msg_files}

    print(
        f"corpus: {len(labels)} catalogs, {sum(len(e) for e, _ in labels.values())} entries, "
        f"{total} planted defects on {len(defective_entries)} entries + {len(file_defects)} "
        f"whole-file, {len(clean)} clean entries"
    )
    print(
        f"pofilter: exit {result.returncode}; flags {len(pof_found)}/{len(defective_entries)} "
        f"defective entries, {len(pof_false)}/{len(clean)} clean entries "
        f"({100 * len(pof_false) / len(clean):.0f}%); no line numbers; whole-file defects: "
        "not reported"
    )
    print(
        f"msgfmt -c: {fatal_files} catalogs fail; flags {len(msg_found)}/{len(defective_entries)} "
        f"defective entries, {len(msg_false)}/{len(clean)} clean entries; whole-file defects "
        f"{len(msg_file_found)}/{len(file_defects)}"
    )
    by_check: dict[str, list[int]] = {}
    for f, n, check in defects:
        row = by_check.setdefault(check, [0, 0, 0])
        row[0] += 1
        row[1] += (f, n) in pof_entries
        row[2] += (f, n) in msg_entries
    print(f"{'planted defect':<22}{'count':>6}{'pofilter':>10}{'msgfmt -c':>11}")
    for check, (count, pof, msg) in sorted(by_check.items()):
        print(f"{check:<22}{count:>6}{pof:>10}{msg:>11}")


def _pofilter_units(path: Path) -> set[tuple[str | None, str]]:
    """The units pofilter wrote out (those that failed a check), read leniently."""
    import polib

    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path)) if entry.msgid}


def _units(root: Path) -> dict[tuple[str, str | None, str], int]:
    """(file, msgctxt, msgid) -> msgid line, for every catalog that parses."""
    sys.path.insert(0, str(ROOT / "src"))
    from outreach.errors import CatalogError
    from outreach.pofile import iter_messages, read_catalog

    units = {}
    for path in sorted((root / "locales").glob("*/LC_MESSAGES/messages.po")):
        relative = path.relative_to(root).as_posix()
        try:
            catalog = read_catalog(path.read_bytes(), path=relative)
        except CatalogError:
            continue
        for m in iter_messages(catalog):
            msgid = str(m.id[0] if m.pluralizable else m.id)
            units[(relative, m.context, msgid)] = m.lineno
    return units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="store_true", help="compare on tests/corpus instead")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--entries", type=int, default=ENTRIES, help="entries per catalog")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_before_option(parser)
    args = parser.parse_args()
    if args.corpus:
        corpus(ROOT / "tests" / "corpus")
    else:
        bench(args.rounds, args.entries, args.before, args.json)


if __name__ == "__main__":
    main()
