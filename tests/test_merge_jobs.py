"""``outreach merge --jobs N``: the same mbox, directory, bad rows and summary as one
process; a worker's error as the one line one process prints; nothing left behind when a
worker fails; one progress bar."""

from __future__ import annotations

import json
import mailbox
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from merge_support import SECRET, check_message, env, merge_campaign, parse

LOCALES = ("en", "es-MX", "fr-CA", "pt-BR", "de-DE,fr;q=0.5", "")
# What differs between any two runs, one process or several: the second of the mbox's
# "From " line and of the Date header, and the MIME boundary (random, as the stdlib's).
_VARIES = re.compile(rb"^(From .*|Date: .*)$|={15}\d+==", re.MULTILINE)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", SECRET)


@pytest.fixture
def love(tmp_path: Path) -> Path:
    return merge_campaign(tmp_path / "love")


def supporters_csv(path: Path, count: int = 240) -> Path:
    """``count`` supporters in mixed locales, some without a city (another skeleton), some
    with a value rendered in full, and bad rows of every kind scattered among them."""
    lines = ["email,name,locale,city"]
    for i in range(count):
        city = "" if i % 5 == 0 else f"City {i % 7}"
        if i % 31 == 0:
            city = "two  spaces"  # a value rendering reshapes: rendered in full
        lines.append(f"p{i}@example.net,Person {i},{LOCALES[i % len(LOCALES)]},{city}")
        if i % 37 == 3:
            lines.append(f"P{i - 3}@Example.net,Again,en,")  # a duplicate of an earlier row
        if i % 41 == 7:
            lines.append(f"nobody-{i},No At,en,")
        if i % 43 == 11:
            lines.append(f"q{i}@example.net,Q,../../etc,")
        if i % 47 == 13:
            lines.append(f'r{i}@example.net,"Line\nBreak",en,')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def messages(path: Path) -> list[bytes]:
    box = mailbox.mbox(path)
    return [box.get_bytes(key) for key in box.keys()]  # noqa: SIM118 (a mailbox)


def normalised(data: bytes) -> bytes:
    return _VARIES.sub(b"~", data)


def summary_of(out: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(out)
    for varies in ("seconds", "messages_per_second"):
        summary.pop(varies)
    return summary


def merge_json(love: Path, supporters: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli(love, "merge", str(supporters), "hello", *args, "--format", "json")
    return code, summary_of(out), err


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_jobs_write_the_mbox_one_process_writes(love: Path, tmp_path: Path, jobs: str) -> None:
    supporters = supporters_csv(tmp_path / "s.csv")
    one, many = tmp_path / "one.mbox", tmp_path / "many.mbox"
    code, single, err_single = merge_json(love, supporters, "--out", str(one))
    assert code == 1, err_single
    code, parallel, err_parallel = merge_json(love, supporters, "--out", str(many), "--jobs", jobs)
    assert code == 1, err_parallel
    # the same bad rows, in the order of their lines, and the same counts
    assert err_parallel == err_single
    reported = [int(line.split(":")[1]) for line in err_single.splitlines()]
    assert reported == sorted(reported) and len(reported) == single["bad_rows"] >= 20
    assert parallel == single
    assert single["rendered"]["full"] > 0 and single["rendered"]["skeleton"] > 0
    # the same messages, in the same order, byte for byte but for the seconds and boundaries
    assert normalised(many.read_bytes()) == normalised(one.read_bytes())
    box = mailbox.mbox(many)
    assert len(box) == single["valid"] == single["outcome"]["written"]
    lines = [row for row in supporters.read_text(encoding="utf-8").splitlines()]
    for key in box.keys()[:12]:
        data = box.get_bytes(key)
        address = parse(data)["To"].addresses[0].addr_spec
        index = int(address.split("@")[0][1:])
        city = next(r.split(",")[3] for r in lines if r.startswith(f"{address},"))
        check_message(
            data,
            locale=parse(data)["Content-Language"],
            name=f"Person {index}",
            address=address,
            campaign=love,
            message="hello",
            fields={"email": address, "name": f"Person {index}", "city": city},
        )
    assert list(tmp_path.glob(".outreach-jobs-*")) == []  # the parts are gone


def test_jobs_write_the_directory_one_process_writes(love: Path, tmp_path: Path) -> None:
    supporters = supporters_csv(tmp_path / "s.csv", 120)
    one, many = tmp_path / "one", tmp_path / "many"
    code, single, err_single = merge_json(love, supporters, "--out-dir", str(one))
    code2, parallel, err_parallel = merge_json(
        love, supporters, "--out-dir", str(many), "--jobs", "2"
    )
    assert (code, code2) == (1, 1) and err_parallel == err_single and parallel == single
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in many.iterdir()) and len(names) == single["valid"]
    for name in names:
        assert normalised((many / name).read_bytes()) == normalised((one / name).read_bytes())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_jobs_dry_run_and_shards(love: Path, tmp_path: Path) -> None:
    supporters = supporters_csv(tmp_path / "s.csv", 120)
    _, single, err_single = merge_json(love, supporters, "--dry-run")
    _, parallel, err_parallel = merge_json(love, supporters, "--dry-run", "--jobs", "2")
    assert parallel == single and err_parallel == err_single
    assert single["outcome"]["checked"] == single["valid"]
    # --shard and --jobs split one CSV independently: the shards still cover everyone once
    written: list[str] = []
    bad = 0
    for k in range(2):
        box = tmp_path / f"{k}.mbox"
        code, part, _ = merge_json(
            love, supporters, "--shard", f"{k}/2", "--jobs", "2", "--out", str(box)
        )
        assert code == 1
        bad += part["bad_rows"]
        written += [m["To"].addresses[0].addr_spec for m in map(parse, messages(box))]
    assert len(written) == len(set(written)) == single["valid"]
    assert bad == single["bad_rows"]


def test_jobs_without_a_bad_row_exit_0(love: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "email,name,locale\n" + "".join(f"g{i}@example.net,G {i},pt-BR\n" for i in range(30)),
        encoding="utf-8",
    )
    box = tmp_path / "out.mbox"
    code, out, err = run_cli(love, "merge", str(path), "share", "--out", str(box), "--jobs", "4")
    assert (code, err) == (0, ""), err
    assert "share: 30 rows, 30 supporters" in out and "locales: pt 30" in out
    assert len(mailbox.mbox(box)) == 30


def test_a_worker_error_is_the_line_one_process_prints(love: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    rows = "".join(f"g{i}@example.net,G\n" for i in range(50))
    path.write_text(f'email,name\n{rows}b@example.net,"unterminated\n', encoding="utf-8")
    outputs = {"--out": tmp_path / "out.mbox", "--out-dir": tmp_path / "emails"}
    for option, target in outputs.items():
        single = run_cli(love, "merge", str(path), "share", option, str(target))
        parallel = run_cli(love, "merge", str(path), "share", option, str(target), "--jobs", "2")
        assert single[0] == parallel[0] == 2
        assert parallel[2] == single[2]
        assert len(parallel[2].splitlines()) == 1 and "not a CSV file this can read" in single[2]
        assert parallel[2].startswith(f"{path}:52: ")  # path, line and message, not lost
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["love", "s.csv"]


def test_a_worker_that_dies_or_breaks(
    love: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach.merge import parallel

    supporters = supporters_csv(tmp_path / "s.csv", 60)
    box = tmp_path / "out.mbox"
    original = parallel._Job.window

    def killed(job: Any, start: int, end: int | None) -> Any:
        if start and end is not None:  # the second of three
            os.kill(os.getpid(), signal.SIGKILL)
        return original(job, start, end)

    monkeypatch.setattr(parallel._Job, "window", killed)
    code, out, err = run_cli(
        love, "merge", str(supporters), "share", "--out", str(box), "--jobs", "3"
    )
    assert code == 2 and out == ""
    assert err == "outreach: --jobs worker 2 was killed by signal 9: nothing was written\n"
    assert not box.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["love", "s.csv"]

    def broken(job: Any, start: int, end: int | None) -> Any:
        if start == 0:
            raise ZeroDivisionError("a bug")
        return original(job, start, end)

    monkeypatch.setattr(parallel._Job, "window", broken)
    code, out, err = run_cli(
        love, "merge", str(supporters), "share", "--out", str(box), "--jobs", "2"
    )
    assert code == 2 and err.count("\n") == 1
    assert "internal error: RuntimeError: in a --jobs worker: ZeroDivisionError: a bug" in err
    assert not box.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["love", "s.csv"]


@pytest.mark.parametrize(
    "args",
    [
        ("--limit", "3", "--out", "x.mbox"),
        ("--to", "me@example.org", "--out", "x.mbox"),
    ],
)
def test_jobs_only_where_they_can_be_the_same(
    love: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """A limit or a proof is one process's count: --jobs refuses them. (Over SMTP --jobs
    shards the supporters: tests/test_merge_smtp.py.)"""
    supporters = supporters_csv(tmp_path / "s.csv", 10)
    code, _, err = run_cli(love, "merge", str(supporters), "share", *args, "--jobs", "2")
    assert code == 2
    assert err == "outreach: --jobs goes without --to and --limit\n"


class _Terminal:
    """A terminal as tqdm sees one, writing straight to a file (shared with the workers),
    and noting which process wrote."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        self.writers = path.with_suffix(".pids")

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with open(self.writers, "a", encoding="utf-8") as pids:
            pids.write(f"{os.getpid()}\n")
        count = self.file.write(text)
        self.file.flush()
        return count

    def flush(self) -> None:
        self.file.flush()


def test_one_progress_bar_drawn_by_the_parent(love: Path, tmp_path: Path) -> None:
    from outreach.campaign import load_campaign
    from outreach.merge import MergeOptions, merge
    from outreach.merge.display import Progress
    from outreach.merge.supporters import open_supporters

    supporters = supporters_csv(tmp_path / "s.csv", 300)
    shown = tmp_path / "terminal.txt"
    terminal = _Terminal(shown)
    progress = Progress(terminal)  # type: ignore[arg-type]
    options = MergeOptions(supporters=supporters, message="hello", dry_run=True, jobs=3)
    try:
        summary = merge(load_campaign(love), options, report=progress.write, progress=progress)
    finally:
        progress.close()
        terminal.file.close()
    # one bar, the parent's: the workers only count, in shared memory
    assert set(terminal.writers.read_text(encoding="utf-8").split()) == {str(os.getpid())}
    text = shown.read_text(encoding="utf-8")
    total = summary.rows
    states = [state for state in re.split(r"[\r\n]", text) if "row/s" in state]
    assert states[-1].startswith(f"100%|##########| {total}/{total} ")  # the real count
    estimate = open_supporters(supporters, parse_all=False).records  # line breaks
    assert estimate > total and all(f"/{total} " in s or f"/{estimate} " in s for s in states)
    problems = [line for line in text.splitlines() if line.startswith(str(supporters))]
    assert problems == summary.problems  # every bad row, in the order of the lines
    assert len(summary.problems) == summary.bad_rows > 0


def test_jobs_from_the_command_line(love: Path, tmp_path: Path) -> None:
    """A real process (not the test's), whose workers write to real pipes and stderr."""
    supporters = supporters_csv(tmp_path / "s.csv", 200)
    runs = {}
    for jobs in ("1", "2"):
        box = tmp_path / f"{jobs}.mbox"
        command = [str(Path(sys.executable).parent / "outreach"), "-C", str(love), "merge"]
        done = subprocess.run(
            [*command, str(supporters), "share", "--out", str(box), "--jobs", jobs],
            capture_output=True,
            text=True,
            env=env(),
            timeout=120,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        runs[jobs] = (done.stderr, normalised(box.read_bytes()))
    assert runs["1"] == runs["2"]
