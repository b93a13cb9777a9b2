"""The write-ahead journal: one checksummed line per step, synced before the step it announces.

A record torn by a crash fails its checksum and counts as never written: since every record is written
before its step starts, a missing record means the step had not started. The journal exists only while a
transaction runs; finding one without a lock holder means a transaction was interrupted.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.apply.atomic import fsync_directory
from wizard.apply.faults import armed, crash_point
from wizard.apply.state import PRIVATE_FILE_MODE
from wizard.plan.model import Action, Check, CheckKind, Reason
from wizard.regular_files import read_regular

Record = dict[str, Any]


class JournalError(Exception):
    """A journal that cannot be read (a damaged record before the last one)."""


def _line(record: Record) -> bytes:
    body = json.dumps(record, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    return f"{digest} {body}\n".encode()


def _parse(line: bytes) -> Record | None:
    digest, _, body = line.rstrip(b"\n").partition(b" ")
    if not line.endswith(b"\n") or hashlib.sha256(body).hexdigest()[:16].encode() != digest:
        return None
    record = json.loads(body)
    return record if isinstance(record, dict) else None


@dataclass(frozen=True)
class JournalContents:
    records: tuple[Record, ...]
    valid_length: int  # bytes up to the end of the last good record
    torn: bool  # a partial record followed the good ones (a crash while writing it)

    def of(self, kind: str) -> list[Record]:
        return [record for record in self.records if record["type"] == kind]

    @property
    def begin(self) -> Record:
        return self.records[0]


MAX_JOURNAL_BYTES = 64 * 1024 * 1024  # a journal is a few KB: one line per step


def read_journal(path: Path) -> JournalContents | None:
    try:
        data = read_regular(path, limit=MAX_JOURNAL_BYTES, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as error:  # not a regular file, too large, unreadable: as damaged as a bad record
        raise JournalError(f"{path} cannot be read: {error.strerror or error}") from error
    records: list[Record] = []
    position = 0
    lines = data.splitlines(keepends=True)
    for number, line in enumerate(lines):
        record = _parse(line)
        if record is None:
            if number != len(lines) - 1:
                raise JournalError(
                    f"{path}: record {number + 1} of {len(lines)} is damaged (not the last one, so not a crash "
                    "while writing it)"
                )
            return JournalContents(tuple(records), position, True)
        records.append(record)
        position += len(line)
    if not records:
        return JournalContents((), 0, bool(data))
    return JournalContents(tuple(records), position, False)


@dataclass(frozen=True)
class Salvage:
    """What still reads in a damaged journal: the records that pass their checksum, and the first record
    when it is an intact "begin" (then the transaction and its generation are known)."""

    records: tuple[Record, ...]
    begin: Record | None
    problem: str  # what is wrong with the journal, in words


def salvage_journal(path: Path) -> Salvage:
    """Every record of a journal read_journal() refused that can still be trusted (FileNotFoundError when
    there is no journal at all)."""
    try:
        data = read_regular(path, limit=MAX_JOURNAL_BYTES, follow_symlinks=False)
    except FileNotFoundError:
        raise
    except OSError as error:
        return Salvage((), None, f"{path} cannot be read: {error.strerror or error}")
    lines = data.splitlines(keepends=True)
    records: list[Record] = []
    damaged: list[int] = []
    for number, line in enumerate(lines, start=1):
        try:
            record = _parse(line)
        except ValueError:  # a checksum that matches text that is not JSON: damaged all the same
            record = None
        if record is None or "type" not in record:
            damaged.append(number)
        else:
            records.append(record)
    begin = records[0] if records and 1 not in damaged and records[0]["type"] == "begin" else None
    listing = ", ".join(str(number) for number in damaged[:10]) + (" ..." if len(damaged) > 10 else "")
    return Salvage(tuple(records), begin, f"{path}: record(s) {listing} of {len(lines)} are damaged")


class Journal:
    """An open journal; every append is synced before it returns."""

    def __init__(self, path: Path, handle: int) -> None:
        self.path = path
        self._handle = handle

    @classmethod
    def create(cls, path: Path, begin: Record) -> Journal:
        handle = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, PRIVATE_FILE_MODE
        )
        journal = cls(path, handle)
        try:
            journal.append("begin", **begin)
            fsync_directory(path.parent)  # the journal's existence must survive a power cut too
        except BaseException:
            journal.close()
            os.unlink(path)  # nothing was changed yet: no journal means no transaction
            raise
        return journal

    @classmethod
    def reopen(cls, path: Path, contents: JournalContents) -> Journal:
        """Continue an interrupted journal: cut a torn tail so new records follow the last good one."""
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        if contents.torn:
            os.ftruncate(handle, contents.valid_length)
            os.fsync(handle)
        return cls(path, handle)

    def append(self, record_type: str, /, **fields: Any) -> None:
        crash_point("commit" if record_type == "end" else "journal-append")
        line = _line({**fields, "type": record_type})
        if armed("journal-torn"):
            # Only under the test hook: make a torn record observable by stopping halfway through it.
            os.write(self._handle, line[: len(line) // 2])
            os.fsync(self._handle)
            crash_point("journal-torn")
            os.write(self._handle, line[len(line) // 2 :])
        else:
            os.write(self._handle, line)
        os.fdatasync(self._handle)

    def close(self) -> None:
        if self._handle >= 0:
            os.close(self._handle)
            self._handle = -1

    def finish(self) -> None:
        """After the end record: remove the journal (a crash before the unlink leaves an ended journal)."""
        crash_point("ended")
        self.close()
        os.unlink(self.path)
        fsync_directory(self.path.parent)


def action_to_record(action: Action) -> Record:
    return {
        "id": action.id,
        "title": action.title,
        "argv": list(action.argv),
        "reversible": action.reversible,
        "inverse": list(action.inverse) if action.inverse is not None else None,
        "live_only": action.live_only,
        "timeout": action.timeout,
        "reasons": [[reason.text, reason.source] for reason in action.reasons],
    }


def action_from_record(record: Record) -> Action:
    inverse = record.get("inverse")
    return Action(
        id=str(record["id"]),
        title=str(record["title"]),
        argv=tuple(str(part) for part in record["argv"]),
        reasons=tuple(Reason(str(text), str(source)) for text, source in record.get("reasons", [])),
        reversible=bool(record["reversible"]),
        inverse=tuple(str(part) for part in inverse) if inverse is not None else None,
        live_only=bool(record["live_only"]),
        timeout=float(record["timeout"]),
    )


def check_to_record(check: Check) -> Record:
    return {
        "kind": check.kind.value,
        "subject": check.subject,
        "expected": check.expected,
        "title": check.title,
        "live_only": check.live_only,
        "files": list(check.files),
        "options": list(check.options),
    }


def check_from_record(record: Record) -> Check:
    return Check(
        kind=CheckKind(record["kind"]),
        subject=str(record["subject"]),
        expected=str(record["expected"]),
        title=str(record["title"]),
        live_only=bool(record["live_only"]),
        files=tuple(str(path) for path in record.get("files", ())),
        options=tuple(str(option) for option in record.get("options", [])),
    )
