"""Re-checking a catalog after a few entries changed, without reading the rest again.

Translators run ``outreach check`` on every save. A 5,000-entry catalog takes a few hundred
milliseconds to parse however good the per-entry cache is, so a catalog is also remembered
as *blocks*: the runs of lines between blank lines, which is how every PO tool writes
entries. After a check, each block's findings are stored under a digest of the block's bytes
(:class:`FileRecord`); the next run splits the file again, takes the findings of every block
it has seen, and parses and checks only the blocks that changed, under the same header.

The runner falls back to a full check whenever a changed block could change more than
itself: a new header, a header that is not in the first block (or no header: the first
block is what the changed blocks are parsed under), a block that holds more than one entry
or does not parse on its own, an entry whose msgctxt and msgid another block already has,
plural entries that now write a different number of forms (the catalog-level checks count
them), or more than :data:`MAX_CHANGED` changed blocks. The records live in the keyed check cache
(:mod:`outreach.cache`), so no file can forge them.

>>> data = b'msgid ""\\nmsgstr ""\\n\\n\\nmsgid "a"\\nmsgstr "b"\\n'
>>> [(block.start, block.data) for block in split_blocks(data)]
[(1, b'msgid ""\\nmsgstr ""'), (5, b'msgid "a"\\nmsgstr "b"')]
"""

from __future__ import annotations

import functools
import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, NamedTuple

from outreach.findings import Finding, Severity
from outreach.pofile import javascript_catalog

__all__ = ["MAX_CHANGED", "Block", "Entry", "FileRecord", "MsgidLines", "Plan", "split_blocks"]

#: More changed blocks than this, and the whole catalog is checked again.
MAX_CHANGED = 64


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def entry_key(msgctxt: str | None, msgid: str) -> str:
    """A short digest of an entry's ``(msgctxt, msgid)``, which is what records keep."""
    material = f"{msgid}" if msgctxt is None else f"{msgctxt}\x04{msgid}"
    return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class Block(NamedTuple):
    """Lines of a ``.po`` between blank lines: ``start`` is the first one's number,
    ``digest`` a digest of ``data``."""

    start: int
    data: bytes
    digest: str

    @property
    def lines(self) -> int:
        return self.data.count(b"\n") + 1


#: A run of lines that each hold something other than white space.
_BLOCK = re.compile(rb"^[^\S\n]*\S[^\n]*(?:\n[^\S\n]*\S[^\n]*)*", re.MULTILINE)
#: A line that begins with white space (the fast split below handles none).
_INDENT = re.compile(rb"\n[ \t\r\x0b\x0c]")
_RUNS = re.compile(rb"(\n\n+)")  # runs of empty lines, kept by re.split


def split_blocks(data: bytes) -> list[Block]:
    """The blocks of ``data``, in order (white-space-only lines separate blocks)."""
    blocks: list[Block] = []
    if data[:1].isspace() or _INDENT.search(data):
        line, position = 1, 0
        for match in _BLOCK.finditer(data):
            line += data.count(b"\n", position, match.start())
            position = match.start()
            piece = match.group()
            blocks.append(Block(line, piece, _digest(piece)))
        return blocks
    # Only empty lines separate blocks: split at runs of newlines, in C (the blocks, their
    # lines and digests made in bulk: 5,000 blocks in about 8 ms, 11 with a loop a block)
    body = data.lstrip(b"\n")
    parts = _RUNS.split(body.rstrip(b"\n"))
    if parts == [b""]:
        return blocks
    pieces = parts[0::2]
    steps = [p.count(b"\n") + len(s) for p, s in zip(pieces[:-1], parts[1::2], strict=True)]
    starts = accumulate(steps, initial=1 + len(data) - len(body))
    return list(map(Block, starts, pieces, map(_digest, pieces)))


@dataclass(frozen=True)
class Entry:
    """An entry as a record keeps it: where its msgid is, whether it is active (not
    obsolete), and how many forms it writes if it is a plural entry."""

    line: int
    msgctxt: str | None
    msgid: str
    active: bool
    forms: int | None


#: A stored finding: ``[check, severity, message, line or None, msgid, msgctxt]``, the line
#: relative to its block's first line in a block's list.
Stored = list[Any]
#: A stored block: ``[entries, plural form counts, findings]``; an entry is
#: ``[entry_key, msgid line relative to the block]``.
StoredBlock = list[Any]


class MsgidLines(Mapping[tuple[str | None, str], int]):
    """The ``msgid`` line of every entry of a catalog, by ``(msgctxt, msgid)``, kept by
    :func:`entry_key` (the index that a full parse builds as a dict; not
    :class:`outreach.pofile.EntryLines`, the lines of one entry).

    >>> lines = MsgidLines({entry_key(None, "Sign"): 5})
    >>> lines[(None, "Sign")], (None, "Sign") in lines, ("menu", "Sign") in lines
    (5, True, False)
    """

    def __init__(self, by_key: dict[str, int]) -> None:
        self.by_key = by_key

    def __getitem__(self, key: tuple[str | None, str]) -> int:
        return self.by_key[entry_key(*key)]

    def __iter__(self) -> Iterator[tuple[str | None, str]]:
        raise TypeError("MsgidLines keeps digests; look entries up by (msgctxt, msgid)")

    def __len__(self) -> int:
        return len(self.by_key)


@dataclass
class FileRecord:
    """What a check of one catalog found, block by block: ``blocks`` maps a block's digest
    to a :data:`StoredBlock`, in the file's order, and ``starts`` holds their first lines;
    ``catalog`` holds the findings of the catalog-level checks, at absolute lines;
    ``header`` is the header block's digest, ``digest`` the whole file's; ``obsolete``
    whether the file had obsolete (``#~``) entries when it was last checked whole;
    ``javascript`` whether its references made it a JavaScript catalog
    (:func:`outreach.pofile.javascript_catalog`), which the checks of every block read."""

    digest: str
    header: str
    catalog: list[Stored]
    blocks: dict[str, StoredBlock]
    starts: list[int]
    obsolete: bool = False
    javascript: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "header": self.header,
            "catalog": self.catalog,
            "blocks": self.blocks,
            "starts": self.starts,
            "obsolete": self.obsolete,
            "javascript": self.javascript,
        }

    @classmethod
    def from_json(cls, value: object) -> FileRecord | None:
        """The record stored as ``value``, or ``None`` if it is not one."""
        if not isinstance(value, dict):
            return None
        digest, header = value.get("digest"), value.get("header")
        catalog, blocks = value.get("catalog"), value.get("blocks")
        starts, obsolete = value.get("starts"), value.get("obsolete")
        javascript = value.get("javascript")
        if not (isinstance(digest, str) and isinstance(header, str)):
            return None
        if not (isinstance(obsolete, bool) and isinstance(javascript, bool)):
            return None
        if not (isinstance(catalog, list) and isinstance(blocks, dict)):
            return None
        if not all(isinstance(b, list) and len(b) == 3 for b in blocks.values()):
            return None
        if not (isinstance(starts, list) and all(isinstance(n, int) for n in starts)):
            return None
        return cls(digest, header, catalog, blocks, starts, obsolete, javascript)

    @property
    def plural_counts(self) -> list[int]:
        return sorted(n for block in self.blocks.values() for n in block[1])

    @classmethod
    def build(
        cls,
        data: bytes,
        findings: Sequence[Finding],
        entries: Sequence[Entry],
        catalog_checks: frozenset[str],
        blocks: Sequence[Block] | None = None,
        *,
        obsolete: bool = False,
    ) -> FileRecord:
        """The record of a check of ``data`` (split into ``blocks``, unless given):
        ``entries`` are the entries it has, ``findings`` what the check found, ``obsolete``
        whether it has obsolete entries."""
        blocks = split_blocks(data) if blocks is None else blocks
        header = blocks[0].digest if blocks else ""
        record = cls(_digest(data), header, [], {}, [], obsolete, javascript_catalog(data))
        record.add(blocks, findings, entries, catalog_checks)
        record.order(blocks)
        return record

    def order(self, blocks: Sequence[Block]) -> None:
        """Keep :attr:`blocks` in the order of ``blocks``, the file's, and their starts."""
        self.blocks = {block.digest: self.blocks[block.digest] for block in blocks}
        self.starts = [block.start for block in blocks]

    def add(
        self,
        blocks: Sequence[Block],
        findings: Sequence[Finding],
        entries: Sequence[Entry],
        catalog_checks: frozenset[str],
    ) -> None:
        """Record ``blocks`` with the ``findings`` and ``entries`` that fall in them."""
        starts = [block.start for block in blocks]
        stored: list[StoredBlock] = [[[], [], []] for _ in blocks]
        for entry in entries:
            index = bisect_right(starts, entry.line) - 1
            if index < 0:
                continue
            if entry.active:
                relative = entry.line - blocks[index].start
                stored[index][0].append([entry_key(entry.msgctxt, entry.msgid), relative])
            if entry.forms is not None:
                stored[index][1].append(entry.forms)
        for finding in findings:
            item = _store(finding)
            index = -1 if finding.line is None else bisect_right(starts, finding.line) - 1
            if finding.check in catalog_checks or index < 0:
                self.catalog.append(item)
                continue
            item[3] = int(item[3]) - blocks[index].start
            stored[index][2].append(item)
        for block, value in zip(blocks, stored, strict=True):
            self.blocks[block.digest] = value

    def plan(self, data: bytes) -> Plan | None:
        """How to re-check ``data`` from this record, or ``None`` for a full check."""
        if len(self.starts) == len(self.blocks) and _digest(data) == self.digest:
            # unchanged: the record knows where every block is (their data is not needed)
            same = [Block(start, b"", d) for start, d in zip(self.starts, self.blocks, strict=True)]
            return Plan(self, data, same, [])
        blocks = split_blocks(data)
        if not blocks or blocks[0].digest != self.header:
            return None
        changed = [b for b in blocks[1:] if b.digest not in self.blocks]
        if len(changed) > MAX_CHANGED:
            return None
        kept = [b.digest for b in blocks if b.digest in self.blocks]
        if len(set(kept)) != len(kept):
            return None  # a block written twice: duplicate entries, a full check says so
        return Plan(self, data, blocks, changed)


@dataclass
class Plan:
    """A re-check from a record: the file, its blocks, and those that changed."""

    record: FileRecord
    data: bytes
    blocks: list[Block]
    changed: list[Block]

    def _kept(self) -> list[tuple[Block, StoredBlock]]:
        return self._unchanged

    @functools.cached_property
    def javascript(self) -> bool:
        """Whether the file's references make it a JavaScript catalog now: the whole file's,
        which the changed blocks are checked under (:func:`outreach.pofile.
        javascript_catalog`); when it differs from :attr:`FileRecord.javascript`, the kept
        blocks were judged otherwise, and only a full check judges them again."""
        return javascript_catalog(self.data)

    @functools.cached_property
    def _unchanged(self) -> list[tuple[Block, StoredBlock]]:
        """Each unchanged block with its record, in the file's order: found once (a re-check
        asks for them six times; 15,000 blocks each time in bench_check.py's catalogs)."""
        found = []
        for block in self.blocks:
            stored = self.record.blocks.get(block.digest)
            if stored is not None:
                found.append((block, stored))
        return found

    def mini_file(self) -> tuple[bytes, Callable[[int], int]]:
        """The header and the changed blocks as one ``.po``, and a function from its line
        numbers to those of the real file."""
        header = self.blocks[0]
        pieces = [header.data]
        offsets: list[tuple[int, int]] = [(1, header.start)]
        line = 1 + header.lines + 1
        for block in self.changed:
            offsets.append((line, block.start))
            pieces.append(block.data)
            line += block.lines + 1
        mini = b"\n\n".join(pieces) + b"\n"
        starts = [start for start, _ in offsets]

        def original(number: int) -> int:
            start, real = offsets[max(bisect_right(starts, number) - 1, 0)]
            return number - start + real

        return mini, original

    def kept_keys(self) -> set[str]:
        """The :func:`entry_key` of every active entry in an unchanged block."""
        return {key for _, stored in self._kept() for key, _ in stored[0]}

    def changed_keys(self) -> set[str]:
        """The :func:`entry_key` of every active entry in the record's blocks that are not
        in the file any more (the changed blocks as they were)."""
        kept = {block.digest for block, _ in self._kept()}
        return {
            key
            for digest, stored in self.record.blocks.items()
            if digest not in kept
            for key, _ in stored[0]
        }

    def kept_counts(self) -> list[int]:
        """The form counts of the plural entries in unchanged blocks."""
        return [n for _, stored in self._kept() for n in stored[1]]

    @property
    def kept_count(self) -> int:
        """How many entries the unchanged blocks hold."""
        return sum(len(stored[0]) for _, stored in self._kept())

    def kept_findings(self, locale: str, file: str) -> list[Finding]:
        """The findings of the unchanged blocks, at their new lines, and the catalog's."""
        found = [_load(s, locale, file, None) for s in self.record.catalog]
        for block, stored in self._kept():
            if stored[2]:  # most blocks have none
                found += [_load(s, locale, file, block.start) for s in stored[2]]
        return found

    def lines(self, fresh: Sequence[Entry]) -> MsgidLines:
        """Entry lines of the whole file: the unchanged blocks' and ``fresh`` ones'."""
        by_key = {
            key: block.start + int(relative)
            for block, stored in self._kept()
            for key, relative in stored[0]
        }
        by_key.update({entry_key(e.msgctxt, e.msgid): e.line for e in fresh if e.active})
        return MsgidLines(by_key)

    def record_after(
        self, findings: Sequence[Finding], fresh: Sequence[Entry], catalog_checks: frozenset[str]
    ) -> FileRecord:
        """The record of the file once the changed blocks are checked: ``findings`` and
        ``fresh`` entries are theirs (at the file's lines)."""
        header, catalog = self.record.header, list(self.record.catalog)
        record = FileRecord(
            _digest(self.data), header, catalog, {}, [], self.record.obsolete, self.javascript
        )
        for block, stored in self._kept():
            record.blocks[block.digest] = stored
        record.add(self.changed, findings, fresh, catalog_checks)
        record.order(self.blocks)
        return record


def _store(finding: Finding) -> Stored:
    return [
        finding.check,
        finding.severity,
        finding.message,
        finding.line,
        finding.msgid,
        finding.msgctxt,
    ]


def _load(stored: Stored, locale: str, file: str, start: int | None) -> Finding:
    check, severity, message, line, msgid, msgctxt = stored
    if line is not None and start is not None:
        line = start + int(line)
    level: Severity = "error" if severity == "error" else "warning"
    return Finding(locale, file, line, msgid, msgctxt, str(check), level, str(message))
