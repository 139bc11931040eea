"""The check cache: per entry, outside the campaign, and unforgeable.

A pull request can add any file to a campaign, a cache included; outreach's cache lives in
the user's cache directory and its keys are MACs (keyed BLAKE2b) under a secret of the
machine, so no file anyone else wrote can turn an error into silence.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import edit_po, po_path, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_checks_cli import SPANISH

from outreach.cache import CheckCache
from outreach.campaign import load_campaign
from outreach.qa.campaign import check_campaign

EVIL = "Mira el corto en https://evil.com/x"


@pytest.fixture
def translated(extracted: Path) -> Path:
    config = extracted / "messages" / "campaign.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[variables]\ndeadline = "2014-02-06"\nsupporter_name = "Ana"\n'
        "signatures = 3\nshares = 2\n",
        encoding="utf-8",
    )
    assert run_cli(extracted, "update")[0] == 0
    edit_po(po_path(extracted, "es"), SPANISH)
    return extracted


def _cache_files(root: Path | None = None) -> list[Path]:
    root = Path(os.environ["OUTREACH_CACHE_DIR"]) if root is None else root
    return sorted(p for p in root.iterdir() if p.suffix == ".json")


def _kind(path: Path) -> str:
    """The kind of value a cache file holds: ``<campaign>.<kind>[.<part>].json``."""
    return path.name.split(".")[1]


def _cache_file(kind: str, root: Path | None = None) -> Path:
    (path,) = [p for p in _cache_files(root) if p.name.endswith(f".{kind}.json")]
    return path


def _cache_parts(kind: str, root: Path | None = None) -> list[Path]:
    """The files of a kind of value: entries and detections are kept in up to 16 parts."""
    found = [p for p in _cache_files(root) if _kind(p) == kind]
    assert found, kind
    return found


def test_warm_cache_gives_the_same_report_and_one_edit_rechecks_one_entry(
    translated: Path,
) -> None:
    campaign = load_campaign(translated)
    cold = check_campaign(campaign)
    assert not (translated / ".outreach-cache").exists()  # nothing in the campaign
    files = _cache_files()  # one campaign: its files of three kinds of value
    assert sorted({_kind(p) for p in files}) == ["detections", "entries", "files"]
    assert len({p.name.split(".")[0] for p in files}) == 1
    assert all(len(p.name.split(".")) == 4 for p in files if _kind(p) != "files")  # parts
    total = cold.entries["checked"]
    assert total >= 10 and cold.entries["cached"] == 0
    warm = check_campaign(campaign)
    assert warm.findings == cold.findings
    assert warm.entries == {"cached": total, "checked": 0}
    assert warm.detection == {"cached": 0, "consistent": 0, "langdetect": 0}
    edit_po(
        po_path(translated, "es"),
        {"Thank you for standing with us.": "Gracias por estar siempre con nosotros."},
    )
    edited = check_campaign(campaign)
    assert edited.entries == {"cached": total - 1, "checked": 1}
    assert edited.detection["consistent"] + edited.detection["langdetect"] == 1
    assert edited.findings == cold.findings


def test_a_cache_in_the_campaign_is_never_read(translated: Path) -> None:
    """The attack: a pull request adds a bad translation and a cache that calls it clean."""
    edit_po(po_path(translated, "es"), {"Watch the film": EVIL})
    forged = translated / ".outreach-cache"
    forged.mkdir()
    (forged / "check.json").write_text(json.dumps({"schema": 1, "catalogs": {}}))
    (forged / "langdetect.json").write_text("{}")
    code, out, _ = run_cli(translated, "check")
    assert code == 1 and "link hijack" in out


def test_a_forged_entry_in_the_cache_directory_matches_nothing(translated: Path) -> None:
    """Even written into the cache directory, entries keyed without this machine's secret
    (the key is a MAC) are never found: the bad entry is checked and reported."""
    campaign = load_campaign(translated)
    check_campaign(campaign)
    import hashlib

    for path in _cache_parts("entries"):
        document = json.loads(path.read_text())
        for material in ("es\0Watch the film\0" + EVIL, EVIL):
            fake = hashlib.sha256(material.encode()).hexdigest()
            document["values"][fake] = []
        path.write_text(json.dumps(document))
    edit_po(po_path(translated, "es"), {"Watch the film": EVIL})
    report = check_campaign(campaign)
    assert any(f.check == "urls" and f.severity == "error" for f in report.findings)


def test_a_cache_from_another_machine_matches_nothing(translated: Path, tmp_path: Path) -> None:
    campaign = load_campaign(translated)
    elsewhere = tmp_path / "other-machine"
    check_campaign(campaign, cache_dir=elsewhere)
    here = tmp_path / "this-machine"
    check_campaign(campaign, cache_dir=here)  # creates this machine's secret
    for path in _cache_files(here):
        path.unlink()
    for path in _cache_files(elsewhere):  # the other machine's values, all "clean"
        (here / path.name).write_bytes(path.read_bytes())
    report = check_campaign(campaign, cache_dir=here)
    assert report.entries["cached"] == 0


# An entry's findings emptied (an error made silence), Spanish text said to be German.
FORGED = {"entries": [], "detections": [["de", 0.9999]], "files": {"forged": True}}


@pytest.mark.parametrize("namespace", ["entries", "detections", "files"])
def test_a_rewritten_value_is_ignored_and_rebuilt(translated: Path, namespace: str) -> None:
    """Issue 18 item 8: a value rewritten in the cache directory (an entry's findings
    emptied, a detection changed) keeps its key but not its MAC: it is a miss, the check
    runs again and reports what it found, and the value is sealed anew."""
    edit_po(po_path(translated, "es"), {"Watch the film": EVIL})
    campaign = load_campaign(translated)
    expected = check_campaign(campaign, use_cache=False)
    assert any(f.check == "urls" and f.severity == "error" for f in expected.findings)
    check_campaign(campaign)
    for kind in ("files", "entries"):  # what is read before the namespace under attack
        if kind != namespace:
            for path in _cache_parts(kind):
                path.unlink()
    parts = _cache_parts(namespace)
    for path in parts:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["schema"] == 5 and document["values"]
        for key, (mac, _) in document["values"].items():
            forged = json.dumps(FORGED[namespace], separators=(",", ":"))
            document["values"][key] = [mac, forged]
        path.write_text(json.dumps(document), encoding="utf-8")
    report = check_campaign(campaign)
    assert report.findings == expected.findings
    if namespace == "entries":  # the clean entries' values were [] already: still genuine
        assert report.entries["checked"] >= 1
    if namespace == "detections":
        assert report.detection["cached"] == 0
        assert report.detection["consistent"] + report.detection["langdetect"] > 0
    rebuilt = {}
    for path in parts:
        rebuilt.update(json.loads(path.read_text(encoding="utf-8"))["values"])
    store = CheckCache.of(campaign)  # every value stored now is sealed, the forged ones anew
    assert all(mac == store.seal(namespace, key, text) for key, (mac, text) in rebuilt.items())
    assert any(json.loads(text) != FORGED[namespace] for _, text in rebuilt.values())
    assert check_campaign(campaign).findings == expected.findings


DEEP = b"[" * 100_000 + b"]" * 100_000  # past the JSON parser's depth: RecursionError


@pytest.mark.parametrize("damage", [b"{not json", b"\x00\xff", b'{"schema": 99}', b"[]", DEEP])
def test_a_corrupt_cache_is_ignored_and_rewritten(translated: Path, damage: bytes) -> None:
    campaign = load_campaign(translated)
    expected = check_campaign(campaign, use_cache=False).findings
    check_campaign(campaign)
    for path in _cache_files():
        path.write_bytes(damage)
    assert check_campaign(campaign).findings == expected
    for path in _cache_files():
        assert json.loads(path.read_bytes())["schema"] == 5  # 4 before values had MACs
    assert check_campaign(campaign).entries["checked"] == 0


def test_an_unusable_cache_directory_never_breaks_a_run(
    translated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the directory should be")
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(blocker))
    code, out, err = run_cli(translated, "check")
    assert (code, err) == (0, "") and out.strip().endswith("in 2 catalogs")


def test_a_link_in_the_cache_directory_is_not_followed(translated: Path, tmp_path: Path) -> None:
    campaign = load_campaign(translated)
    check_campaign(campaign)
    path = _cache_file("files")  # read by every run
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path.unlink()
    path.symlink_to(victim)
    check_campaign(campaign)
    assert victim.read_text() == "keep me"
    assert not path.is_symlink()  # replaced by the cache file, not written through


def test_no_cache_writes_nothing(translated: Path) -> None:
    assert run_cli(translated, "check", "--no-cache")[0] == 0
    assert _cache_files() == []


def test_the_cache_is_invalidated_by_langdetect_version_and_campaign_toml(
    translated: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    import outreach.cache
    import outreach.detect
    import outreach.qa.campaign

    campaign = load_campaign(translated)
    check_campaign(campaign)
    # the code's digest (versions included) is taken once a process: start it again
    code_digest = outreach.cache._code_digest
    code_digest.cache_clear()
    monkeypatch.setattr(outreach.detect, "langdetect_version", lambda: "9.9.9")
    monkeypatch.setattr(outreach.qa.campaign, "langdetect_version", lambda: "9.9.9")
    request.addfinalizer(code_digest.cache_clear)  # the real versions for later tests
    report = check_campaign(campaign)
    assert report.entries["cached"] == 0
    assert check_campaign(campaign).entries["checked"] == 0
    config = translated / "messages" / "campaign.toml"
    config.write_text(config.read_text() + "# an edit\n")
    after = check_campaign(load_campaign(translated))
    assert after.entries["cached"] == 0 and after.detection["cached"] > 0


# -- a hostile cache directory: a planted secret, a FIFO, a huge file ------------------------

ROOT_ONLY = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="os.chown to another user: root only"
)


def _cache_dir() -> Path:
    return Path(os.environ["OUTREACH_CACHE_DIR"])


def _plant_secret(root: Path, how: str) -> None:
    """What whoever can write the cache directory does: a secret of their own (which they
    know), or the directory made theirs (or everyone's)."""
    secret = root / "secret"
    if how.startswith("secret"):
        secret.unlink()
        secret.write_bytes(b"known to the attacker".ljust(32, b"!"))
        os.chmod(secret, 0o600)
    if how == "secret mode 0644":
        os.chmod(secret, 0o644)
    elif how == "secret mode 0660":
        os.chmod(secret, 0o660)
    elif how == "secret of another user":
        os.chown(secret, 4242, 4242)
    elif how == "directory writable by others":
        os.chmod(root, 0o777)
    elif how == "directory writable by the group":
        os.chmod(root, 0o770)
    elif how == "directory of another user":
        os.chown(root, 4242, 4242)


HOSTILE = [
    "secret mode 0644",
    "secret mode 0660",
    pytest.param("secret of another user", marks=ROOT_ONLY),
    "directory writable by others",
    "directory writable by the group",
    pytest.param("directory of another user", marks=ROOT_ONLY),
]


@pytest.mark.parametrize("how", HOSTILE)
def test_a_secret_someone_else_could_have_written_is_never_trusted(
    translated: Path, how: str
) -> None:
    """Hostile cache directory (a): a secret is believed only if it is a 0600 file of this
    user's in a directory no one else can write; otherwise the cache is not used at all --
    nothing read, nothing stored -- and the check finds what it finds without one."""
    edit_po(po_path(translated, "es"), {"Watch the film": EVIL})
    campaign = load_campaign(translated)
    expected = check_campaign(campaign, use_cache=False).findings
    assert CheckCache.of(campaign).enabled  # the control: a cache of the user's own is used
    check_campaign(campaign)
    root = _cache_dir()
    _plant_secret(root, how)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    assert not CheckCache.of(campaign).enabled
    report = check_campaign(campaign)
    assert report.findings == expected and report.entries["cached"] == 0
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before  # nothing stored
    code, out, _ = run_cli(translated, "check")
    assert code == 1 and "link hijack" in out


def test_new_cache_directories_and_files_are_the_users_alone(
    translated: Path, tmp_path: Path
) -> None:
    """0700 for a new cache directory, 0600 for the secret and every cache file, whatever
    the umask (0 here: a new file would be 0666); a replaced cache file is 0600 again."""
    root = tmp_path / "new" / "cache"
    campaign = load_campaign(translated)
    umask = os.umask(0)
    try:
        check_campaign(campaign, cache_dir=root)
        files = _cache_files(root)
        assert {p.name: p.stat().st_mode & 0o777 for p in files} == dict.fromkeys(
            (p.name for p in files), 0o600
        )
        before = {p.name: p.stat().st_ino for p in files}
        for path in _cache_parts("entries", root):
            os.chmod(path, 0o644)
        edit_po(po_path(translated, "es"), {"Watch the film": EVIL})
        check_campaign(campaign, cache_dir=root)  # rewrites the edited entry's part
    finally:
        os.umask(umask)
    assert root.stat().st_mode & 0o777 == 0o700
    assert (root / "secret").stat().st_mode & 0o777 == 0o600
    replaced = [p for p in _cache_files(root) if before.get(p.name) != p.stat().st_ino]
    assert any(_kind(p) == "entries" for p in replaced)
    assert {p.name: p.stat().st_mode & 0o777 for p in replaced} == dict.fromkeys(
        (p.name for p in replaced), 0o600
    )


class _Hung(BaseException):
    """Not an OSError (as TimeoutError is), which the cache would take for a failed open."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block takes longer than ``seconds``:
    SIGALRM interrupts a blocking ``open`` of a FIFO (and again every second after)."""

    def expired(signum: int, frame: object) -> None:
        raise _Hung(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@FIFO
def test_a_fifo_as_the_secret_is_no_secret_and_never_waited_on(translated: Path) -> None:
    """Hostile cache directory (b): a FIFO opened for reading waits for a writer forever;
    the secret is opened without blocking and refused for not being a regular file."""
    root = _cache_dir()
    os.mkfifo(root / "secret", 0o600)
    campaign = load_campaign(translated)
    with _deadline(20):
        assert not CheckCache.of(campaign).enabled
        code, out, err = run_cli(translated, "check")
    assert (code, err) == (0, "") and out.strip().endswith("in 2 catalogs")
    assert _cache_files(root) == []


@FIFO
def test_a_fifo_as_a_cache_file_is_ignored_and_replaced(translated: Path) -> None:
    """Hostile cache directory (b): a FIFO where a cache file should be is a corrupt file:
    not waited on, ignored, and replaced by the cache file. Every file is one, so each is
    opened: the files' (read by every run), then the entries' and the detections'."""
    campaign = load_campaign(translated)
    cold = check_campaign(campaign)
    files = _cache_files()
    for path in files:
        path.unlink()
        os.mkfifo(path, 0o600)
    with _deadline(20):
        report = check_campaign(campaign)
    assert report.findings == cold.findings and report.entries == cold.entries
    assert all(path.is_file() and json.loads(path.read_bytes())["schema"] == 5 for path in files)
    assert check_campaign(campaign).entries["checked"] == 0


def test_a_cache_file_past_the_size_cap_is_never_parsed(translated: Path) -> None:
    """Hostile cache directory (c): a cache file larger than the cap (here genuine ones,
    padded with spaces to 64 MiB: valid JSON) is refused by its size, before it is read
    (a 230 MB file took 1 GB to parse): a miss, and rewritten within the cap."""
    from outreach.cache import _MAX_BYTES

    campaign = load_campaign(translated)
    cold = check_campaign(campaign)
    for path in _cache_files():
        genuine = path.read_bytes()  # JSON allows any amount of white space after it
        path.write_bytes(genuine + b" " * (_MAX_BYTES + 1 - len(genuine)))
    report = check_campaign(campaign)
    assert report.findings == cold.findings and report.entries == cold.entries
    assert all(path.stat().st_size < 1_000_000 for path in _cache_files())  # rewritten
    assert check_campaign(campaign).entries["checked"] == 0


def test_no_cache_file_is_written_past_the_size_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What no run would read is never written: past the cap a file keeps what this run
    used, and if that is still too large, nothing."""
    import outreach.cache

    monkeypatch.setattr(outreach.cache, "_MAX_BYTES", 4000)
    store = CheckCache.open(tmp_path, "campaign")
    old = [store.key("old", n) for n in range(20)]
    for key in old:
        store.put("files", key, ["x" * 40])
    store.save()
    path = store.path("files")
    assert path is not None and 3000 < path.stat().st_size <= 4000
    again = CheckCache.open(tmp_path, "campaign")
    new = [again.key("new", n) for n in range(10)]
    for key in new:
        again.put("files", key, ["y" * 40])
    again.save()  # 30 values do not fit: the 10 this run used do
    assert path.stat().st_size <= 4000
    kept = CheckCache.open(tmp_path, "campaign")
    assert [kept.get("files", key) for key in new] == [["y" * 40]] * 10
    assert all(kept.get("files", key) is None for key in old)
    huge = CheckCache.open(tmp_path, "campaign")
    huge.put("files", huge.key("huge"), ["z" * 5000])
    huge.save()  # even what this run used does not fit: nothing
    assert json.loads(path.read_bytes()) == {"schema": 5, "values": {}}


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}:,\n\u00e9'),
    lambda children: st.lists(children) | st.dictionaries(st.text(alphabet='a"\\[{'), children),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES, st.integers(min_value=0, max_value=3))
def test_the_plausibility_count_is_that_of_json_strings(value: object, nesting: int) -> None:
    """cache._json_shape counts strings and what lies outside them with byte operations; a
    JSON string pattern (the reference, as the check first was) gives the same counts, for
    texts of JSON that hold JSON texts (as every cache file does), however nested."""
    import re

    from outreach.cache import _json_shape

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for _ in range(nesting):
        text = json.dumps(["m" * 32, text], ensure_ascii=False)
    raw = text.encode("utf-8")
    rest, strings = re.subn(rb'"[^"\\]*(?:\\.[^"\\]*)*"', b"", raw)
    assert _json_shape(raw) == (strings, rest)


def test_a_dense_part_of_a_namespace_is_never_parsed(tmp_path: Path) -> None:
    """Entries and detections are kept in 16 files each: a crafted one (here of empty lists,
    20 to 30 times its size once parsed) is looked at from 64 KiB and refused unparsed, so
    the parts a run reads cost at most a few times their size together."""
    from outreach.cache import _plausible

    store = CheckCache.open(tmp_path, "campaign")
    key = store.key("entry")
    store.put("entries", key, [])
    store.save()
    crafted = b'{"schema":5,"values":{"k":[' + b"[]," * 30_000 + b"[]]}}"
    assert len(crafted) > 1 << 16 and not _plausible(crafted)
    for file in store.files("entries"):
        path = store.path(file)
        assert path is not None
        path.write_bytes(crafted)
    again = CheckCache.open(tmp_path, "campaign")
    assert again.get("entries", key) is None
    assert all(again.namespaces[f] == {} for f in again.files("entries") if f in again.namespaces)
    assert again.dirty  # rewritten at the next save


def test_an_entrys_findings_are_not_replayed_under_another_count_of_gettexts_reading(
    tmp_path: Path,
) -> None:
    """A Japanese catalog without Plural-Forms is also read with gettext's n != 1, whose
    count of forms every plural entry writes is not outreach's (one form each is ja's
    nplurals, not gettext's): an entry's findings in a catalog where every plural entry
    writes one form (no msgstr[1] missing there) are not those of the same entry beside
    one that writes two."""
    from outreach.checks.runner import StoredEntries, check_catalog
    from outreach.pofile import parse_po

    head = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    entry = 'msgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] "%(n)s 項目"\n'
    other = '\nmsgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\n'

    def found(text: str, cache: StoredEntries | None) -> list[tuple[str, str]]:
        po = parse_po(text.encode(), path="ja.po", locale="ja")
        return sorted(
            (f.check, f.severity)
            for f in check_catalog(po, file="ja.po", locale="ja", cache=cache)
            if f.msgid == "%(n)s item"
        )

    ones, mixed = head + entry + other, head + entry + other + 'msgstr[1] "y"\n'
    assert found(ones, None) != found(mixed, None)  # else this test tests nothing
    entries = StoredEntries(CheckCache.open(tmp_path, "campaign"), "fingerprint")
    found(ones, entries)
    assert found(mixed, entries) == found(mixed, None)


def test_a_template_that_gives_no_sources_is_in_the_fingerprint(tmp_path: Path) -> None:
    """In a campaign of catalogs alone, ``share_title`` may be a message key (a link its
    translation adds is a warning); once the campaign has a template, even one that cannot
    be parsed, it is the template's string, and the same catalog, unchanged, is judged
    anew: the cached warning is not replayed in place of the error."""
    root = tmp_path / "campaign"
    (root / "messages").mkdir(parents=True)
    (root / "messages" / "campaign.toml").write_text(
        '[campaign]\nname = "Test"\nsource_locale = "en"\nlocales = ["en", "ru"]\n'
        'hashtags = ["#Love"]\nurl = "https://example.org/love"\n',
        encoding="utf-8",
    )
    po = root / "locales" / "ru" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: ru\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "share_title"\nmsgstr "Поделиться: https://evil.net/x"\n',
        encoding="utf-8",
    )

    def severities() -> list[str]:
        report = check_campaign(load_campaign(root), ["ru"], render=False)
        return [f.severity for f in report.findings if f.check == "urls"]

    assert severities() == ["warning"]
    (root / "messages" / "share.j2").write_text('{{ _("share_title") }\n', encoding="utf-8")
    assert severities() == ["error"]
