"""Recovery of a transaction interrupted by a crash or kill -9: find it, then complete it or roll it back."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from wizard.apply import generations
from wizard.apply.atomic import fsync_directory
from wizard.apply.engine import Transaction
from wizard.apply.events import ProgressCallback, ignore_progress
from wizard.apply.journal import Journal, JournalContents, JournalError, read_journal
from wizard.apply.lock import hold_lock, lock_is_free
from wizard.apply.log import ActivityLog
from wizard.apply.pending import (
    PendingFileError,
    now_text,
    read_pending,
    remove_pending,
    stop_watcher,
    write_revert_record,
)
from wizard.apply.reporter import RECORD_STEP, Reporter, build_steps, write_step
from wizard.apply.results import ApplyResult, RevertRecord, TransactionKind, Unfinished
from wizard.apply.smoke_guest import remove_recorded
from wizard.apply.spec import TransactionSpec, spec_from_records
from wizard.apply.state import StatePaths, state_paths
from wizard.commands import CommandRunner
from wizard.plan.model import CheckKind

# What a journal that cannot be read leads to (apply and rollback point at recover, which has the way forward).
DAMAGED_WAY_FORWARD = (
    "kvm-wizard recover sets it aside and completes or rolls back the change from its generation "
    "(every file is wholly old or wholly new)"
)


class RecoveryDecision(StrEnum):
    COMPLETE = "complete"
    ROLL_BACK = "rollback"


class RecoveryError(Exception):
    """An interrupted transaction that cannot be recovered automatically; the message says what to do."""


@dataclass(frozen=True)
class Recovery:
    decision: str  # "complete", "rollback", or "cleaned" when nothing had been changed or all was done
    message: str
    result: ApplyResult | None = None

    @property
    def ok(self) -> bool:
        if self.result is None:
            return True
        if self.decision == RecoveryDecision.ROLL_BACK.value:
            return not self.result.rollback_problems
        return self.result.ok


_PHASES = {
    "begin": "recording the generation",
    "recorded": "about to write the first file",
    "write": "writing files",
    "action": "running actions",
    "action-done": "running actions",
    "verify": "verifying",
    "smoke": "starting the smoke guest",
    "smoke-done": "verifying",
    "failed": "rolling back after a failure",
    "recover": "recovering",
    "end": "finishing",
}


def _touched(contents: JournalContents) -> list[int]:
    return list(dict.fromkeys(int(record["file"]) for record in contents.of("write")))


def _describe(paths: StatePaths, contents: JournalContents) -> Unfinished:
    begin = contents.begin
    number = int(begin["generation"])
    recorded = bool(contents.of("recorded"))
    files: tuple[str, ...] = ()
    touched: tuple[str, ...] = ()
    problem = ""
    if recorded:
        try:
            generation = generations.load_generation(paths, number)
            by_index = {item.index: item.path for item in generation.files}
            files = tuple(item.path for item in sorted(generation.files, key=lambda item: item.index))
            touched = tuple(by_index[index] for index in _touched(contents) if index in by_index)
        except generations.GenerationError as error:
            problem = str(error)
    actions = begin.get("actions", [])
    failed = [{"error": str(record["error"])} for record in contents.of("failed")]
    if not failed and begin["kind"] == TransactionKind.APPLY.value:
        # A failed action of an apply is a failure even when the crash came before the "failed" record.
        failed = [
            {"error": f"{actions[int(record['action'])]['title']} failed"}
            for record in contents.of("action-done")
            if not record["ok"]
        ]
    return Unfinished(
        kind=str(begin["kind"]),
        generation=number,
        summary=str(begin["summary"]),
        started=str(begin["started"]),
        pid=int(begin["pid"]),
        command=str(begin["command"]),
        phase=_PHASES.get(str(contents.records[-1]["type"]), "unknown"),
        files=files,
        touched=touched,
        actions_started=tuple(
            str(actions[int(record["action"])]["title"]) for record in contents.of("action")
        ),
        failure=str(failed[-1]["error"]) if failed else "",
        recorded=recorded,
        problem=problem,
    )


def find_unfinished(root: Path | str) -> Unfinished | None:
    """The transaction a crash interrupted, if any (one still running under the lock is not 'unfinished')."""
    paths = state_paths(Path(root).absolute())
    try:
        contents = read_journal(paths.journal)
    except JournalError as error:
        raise RecoveryError(f"{error}; {DAMAGED_WAY_FORWARD}") from error
    if contents is None or not lock_is_free(paths):
        return None
    if not contents.records:
        return Unfinished("apply", 0, "", "", 0, "", "starting", (), (), (), "", False)
    return _describe(paths, contents)


def _remove_journal(paths: StatePaths) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(paths.journal)
    fsync_directory(paths.directory)


def _revert_bookkeeping(paths: StatePaths, spec: TransactionSpec) -> list[str]:
    """What a revert does inside its transaction: the record for the next start, no more pending file."""
    record = RevertRecord(now_text(), spec.restores, 0, f"{spec.summary} (completed by recovery)", True)
    with contextlib.suppress(PendingFileError):
        pending = read_pending(paths)
        if pending is not None and pending.generation == spec.restores:
            remove_pending(paths)
            stop_watcher(pending)
    write_revert_record(paths, record)
    return []


def recover(
    root: Path | str,
    decision: RecoveryDecision,
    *,
    runner: CommandRunner | None = None,
    progress: ProgressCallback = ignore_progress,
) -> Recovery | None:
    """Complete or roll back the interrupted transaction; None when there is none.

    A transaction that recorded a failure can only be rolled back, and an interrupted revert is always
    completed (rolling it back would re-apply changes nobody confirmed): ``decision`` is then overridden.
    A journal that cannot be read raises RecoveryError; recover_damaged() is the way forward from it.
    """
    paths = state_paths(Path(root).absolute())
    log = ActivityLog(paths.root, "recover")
    with hold_lock(paths, "recover"):
        try:
            contents = read_journal(paths.journal)
        except JournalError as error:
            raise RecoveryError(f"{error}; {DAMAGED_WAY_FORWARD}") from error
        return recover_under_lock(
            paths, contents, decision, runner=runner or CommandRunner(), progress=progress, log=log
        )


def recover_under_lock(
    paths: StatePaths,
    contents: JournalContents | None,
    decision: RecoveryDecision,
    *,
    runner: CommandRunner,
    progress: ProgressCallback,
    log: ActivityLog,
) -> Recovery | None:
    """recover() once the lock is held and the journal read (also a journal salvage.py rebuilt)."""
    if contents is None:
        return None
    if not contents.records:
        _remove_journal(paths)
        return Recovery("cleaned", "The interrupted transaction had not begun: nothing was changed.")
    number = int(contents.begin["generation"])
    if contents.of("end"):
        _remove_journal(paths)
        return Recovery(
            "cleaned", f"The transaction of generation {number} had finished; its journal is removed."
        )
    if not contents.of("recorded"):
        generations.discard(paths, number)
        _remove_journal(paths)
        log.write(f"interrupted while recording generation {number}: discarded, no file had been changed")
        return Recovery("cleaned", "The interrupted transaction had not changed any file yet: nothing to do.")
    try:
        generation = generations.load_generation(paths, number)
        spec = spec_from_records(paths, contents.begin, generation)
    except generations.GenerationError as error:
        raise RecoveryError(
            f"{error}. The interrupted transaction cannot be recovered from it; its files are each wholly "
            f"old or wholly new. Compare them with kvm-wizard snapshots diff {number}."
        ) from error
    for line in remove_recorded(paths.root, contents.records, runner):
        log.write(line)
    unfinished = _describe(paths, contents)
    if unfinished.must_roll_back:
        decision = RecoveryDecision.ROLL_BACK
    elif unfinished.must_complete:
        decision = RecoveryDecision.COMPLETE
    writes = [
        write_step(
            target.path,
            target.written_path,
            removes=not target.after.exists,
            restores=spec.kind is not TransactionKind.APPLY,
        )
        for target in spec.targets
    ]
    steps = build_steps(
        writes,
        spec.actions,
        spec.remaining,
        confirm=spec.confirm_timeout is not None,
        smoke=any(check.kind is CheckKind.SMOKE_GUEST for check in spec.checks),
    )
    reporter = Reporter(steps, progress, log)
    reporter.already_done(
        reporter.index(RECORD_STEP.id), f"generation {number}, recorded before the interruption"
    )
    journal = Journal.reopen(paths.journal, contents)
    journal.append("recover", decision=decision.value)
    log.write(f"recovering generation {number} ({unfinished.phase}): {decision.value}")
    transaction = Transaction(
        paths,
        spec,
        runner,
        reporter,
        number=number,
        journal=journal,
        recorded=True,
        touched=_touched(contents),
        started_actions=[int(record["action"]) for record in contents.of("action")],
        done_actions={int(record["action"]) for record in contents.of("action-done") if record["ok"]},
    )
    if decision is RecoveryDecision.ROLL_BACK:
        return _roll_back(paths, transaction, unfinished)
    if spec.kind is TransactionKind.REVERT:
        transaction.before_commit = lambda _number: _revert_bookkeeping(paths, spec)
    with contextlib.suppress(PendingFileError):
        old = read_pending(paths)
        if old is not None and old.generation == number:
            stop_watcher(old)  # completing starts a fresh confirmation with its own watcher
    result = transaction.complete()
    if result.ok:
        return Recovery(
            decision.value, f"Completed the interrupted {spec.kind.value} of generation {number}.", result
        )
    return Recovery(
        decision.value,
        f"Completing failed at {result.failed_step.title if result.failed_step else '?'}: {result.error}; "
        "every file was restored instead.",
        result,
    )


def _roll_back(paths: StatePaths, transaction: Transaction, unfinished: Unfinished) -> Recovery:
    reason = unfinished.failure or "interrupted; rolled back by kvm-wizard recover"
    result = transaction.roll_back(reason)
    number = transaction.number
    if result.rollback_problems:
        message = "Not every file could be restored: " + "; ".join(result.rollback_problems)
        return Recovery(RecoveryDecision.ROLL_BACK.value, message, result)
    with contextlib.suppress(PendingFileError, OSError):
        pending = read_pending(paths)
        if pending is not None and pending.generation == number:
            remove_pending(paths)  # the apply it waited for is undone
            stop_watcher(pending)
    return Recovery(
        RecoveryDecision.ROLL_BACK.value,
        f"Rolled back the interrupted {unfinished.kind} of generation {number}: every file is as before it.",
        result,
    )
