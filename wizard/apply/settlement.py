"""How a transaction stands now, read from the record on disk: kept, waiting for confirmation, reverted (by the
operator or at the deadline), failed and rolled back, or unknown; and what happened to each of its files.

Every view that says what became of an apply or a rollback (Confirm, Done, the quit question, the farewell,
the exit status) reads this, never what a screen assumed: another console may have confirmed, the watcher may
have reverted, a revert may have failed and left the change standing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from wizard.apply import generations
from wizard.apply.lock import lock_is_free
from wizard.apply.pending import PendingFileError, read_pending, read_revert_record, seconds_left
from wizard.apply.results import ApplyResult, TransactionKind
from wizard.apply.state import StatePaths, state_paths
from wizard.rootfs import PathEscapeError

REVERT_FAILED = "the revert failed"  # how a revert record that could not be carried out starts its problems


class Fate(StrEnum):
    NOTHING = "nothing"  # nothing had to change
    FAILED = "failed"  # the transaction failed; what it wrote was restored (unless it says otherwise)
    KEPT = "kept"  # confirmed, or kept at once (no confirmation asked)
    PENDING = "pending"  # waits for the operator's confirmation until its deadline
    REVERTED = "reverted"  # reverted when the operator asked
    REVERTED_AT_DEADLINE = "reverted-at-deadline"  # nobody confirmed in time (or the system restarted)
    REVERT_FAILED = "revert-failed"  # a revert was due but failed: the change stands
    UNKNOWN = "unknown"  # the record cannot tell


@dataclass(frozen=True)
class FileChange:
    """One file of the transaction: what it did to it."""

    path: str
    created: bool | None  # absent before it (None: the generation could not be read)
    removed: bool | None  # absent after it

    def fate(self, undone: bool) -> str:
        """The file's state in words, the transaction kept (``undone`` False) or undone."""
        if undone:
            if self.created:
                return "removed again: the change had created it"
            if self.removed:
                return "put back: the change had removed it"
            return "restored as it was"
        if self.created:
            return "created"
        if self.removed:
            return "removed"
        return "written"


@dataclass(frozen=True)
class Settlement:
    fate: Fate
    kind: str  # "apply", "rollback" or "revert": what the transaction was
    generation: int | None  # the generation it recorded (what undoing it restores)
    files: tuple[FileChange, ...] = ()
    deadline: str = ""  # PENDING: when it is reverted (ISO 8601)
    seconds_left: float = 0.0  # PENDING
    when: str = ""  # KEPT: when it was confirmed; REVERTED*: when it was reverted
    reason: str = ""  # REVERTED*: why; REVERT_FAILED: the error; UNKNOWN: what could not be read
    not_undone: tuple[str, ...] = ()  # what a revert left as it was (actions that cannot be undone)
    revert_generation: int | None = None  # the revert's own generation (a rollback to it undoes the revert)

    @property
    def reverted(self) -> bool:
        return self.fate in (Fate.REVERTED, Fate.REVERTED_AT_DEADLINE)

    @property
    def changed(self) -> bool:
        """The files stand as the transaction wrote them."""
        return self.fate in (Fate.KEPT, Fate.PENDING, Fate.REVERT_FAILED)

    @property
    def confirmed(self) -> bool | None:
        """True kept, False reverted or failed, None not settled or unknown."""
        if self.fate is Fate.KEPT:
            return True
        if self.reverted or self.fate is Fate.FAILED:
            return False
        return None


def _files(paths: StatePaths, number: int | None, fallback: tuple[str, ...]) -> tuple[FileChange, ...]:
    if number is None:
        return ()
    try:
        generation = generations.load_generation(paths, number)
    except generations.GenerationError:
        return tuple(FileChange(path, None, None) for path in fallback)
    return tuple(
        FileChange(item.path, not item.before.exists, not item.after.exists) for item in generation.files
    )


def _reverted_by(paths: StatePaths, number: int) -> generations.Generation | None:
    """The newest revert of generation ``number`` that was carried out (its own generation, applied)."""
    with contextlib.suppress(OSError):
        for entry in reversed(generations.list_generations(paths)):
            found = entry.generation
            if entry.number <= number:
                break
            if (
                found is not None
                and found.kind == TransactionKind.REVERT.value
                and found.restores == number
                and found.status == "applied"
            ):
                return found
    return None


def transaction_running(root: Path | str) -> bool:
    """A transaction (an apply, a rollback, a revert, a recovery) holds the lock under ``root`` now."""
    try:
        return not lock_is_free(state_paths(Path(root).absolute()))
    except (PathEscapeError, OSError):
        return False


def settlement(root: Path | str, result: ApplyResult) -> Settlement:
    """Where the transaction of ``result`` stands now, by the record under ``root``."""
    kind = result.kind.value
    number = result.generation
    try:
        paths = state_paths(Path(root).absolute())
    except PathEscapeError as error:
        return Settlement(Fate.UNKNOWN, kind, number, reason=str(error))
    files = _files(paths, number, result.written)
    if not result.ok:
        return Settlement(Fate.FAILED, kind, number, files, reason=result.error)
    if result.nothing_to_do or number is None:
        return Settlement(Fate.NOTHING, kind, None)
    if result.confirmation is None:
        return Settlement(Fate.KEPT, kind, number, files)  # kept at once: no confirmation was asked
    try:
        pending = read_pending(paths)
    except PendingFileError as error:
        return Settlement(Fate.UNKNOWN, kind, number, files, reason=str(error))
    if pending is not None and pending.generation == number:
        return Settlement(
            Fate.PENDING,
            kind,
            number,
            files,
            deadline=pending.deadline,
            seconds_left=seconds_left(pending),
            not_undone=pending.irreversible,
        )
    with contextlib.suppress(generations.GenerationError):
        confirmed = generations.load_generation(paths, number).confirmed
        if confirmed:
            return Settlement(Fate.KEPT, kind, number, files, when=confirmed)
    record = read_revert_record(paths)
    if record is not None and record.restored == number:
        if record.problems and record.problems[0].startswith(REVERT_FAILED):
            return Settlement(
                Fate.REVERT_FAILED,
                kind,
                number,
                files,
                when=record.time,
                reason=record.problems[0],
                not_undone=record.problems[1:],
            )
        return Settlement(
            Fate.REVERTED_AT_DEADLINE if record.automatic else Fate.REVERTED,
            kind,
            number,
            files,
            when=record.time,
            reason=record.reason,
            not_undone=record.problems,
            revert_generation=record.generation or None,
        )
    revert = _reverted_by(paths, number)
    if revert is not None:
        reason = revert.summary.partition(": ")[2]
        return Settlement(
            Fate.REVERTED,
            kind,
            number,
            files,
            when=revert.created,
            reason=reason,
            revert_generation=revert.number,
        )
    return Settlement(
        Fate.UNKNOWN,
        kind,
        number,
        files,
        reason=f"nothing on record says whether generation {number} was confirmed or reverted",
    )
