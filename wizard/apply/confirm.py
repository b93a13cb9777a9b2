"""Confirm-or-revert: the new state stands only when confirmed in time; otherwise it is reverted.

The deadline is on disk and a detached watcher enforces it, so a lost console or a killed wizard still
reverts. A revert is a rollback transaction to the generation recorded before the apply (its own
generation keeps the reverted state, so it can be undone) plus the inverse of the actions that ran.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from wizard.apply import generations
from wizard.apply.events import ProgressCallback, ignore_progress
from wizard.apply.lock import LockHeld, hold_lock
from wizard.apply.log import ActivityLog

# Re-exported: callers of pending_confirmation() catch it.
from wizard.apply.pending import PendingFileError as PendingFileError  # noqa: PLC0414 - mypy needs it explicit
from wizard.apply.pending import (
    boot_id,
    now_text,
    read_pending,
    read_revert_record,
    remove_pending,
    stop_watcher,
    write_revert_record,
)
from wizard.apply.pending import seconds_left as _seconds_left
from wizard.apply.results import ApplyResult, PendingConfirmation, RevertRecord, TransactionKind
from wizard.apply.rollback import run_rollback
from wizard.apply.settlement import REVERT_FAILED
from wizard.apply.state import StatePaths, state_paths
from wizard.apply.transaction import busy_reason
from wizard.commands import CommandRunner
from wizard.plan.model import Action

LOCK_WAIT = 30.0  # seconds a confirm or a revert waits for another kvm-wizard to finish (e.g. a revert)


@dataclass(frozen=True)
class ConfirmOutcome:
    confirmed: bool
    message: str
    revert: RevertOutcome | None = None  # the deadline had passed: reverted instead


@dataclass(frozen=True)
class RevertOutcome:
    reverted: bool
    message: str
    result: ApplyResult | None = None
    record: RevertRecord | None = None


def _paths(root: Path | str) -> StatePaths:
    return state_paths(Path(root).absolute())


def pending_confirmation(root: Path | str) -> PendingConfirmation | None:
    """The apply waiting for confirmation, if any (PendingFileError when its file is damaged)."""
    return read_pending(_paths(root))


def seconds_left(root: Path | str) -> float | None:
    """Seconds left to confirm, for a countdown; None when nothing waits."""
    pending = read_pending(_paths(root))
    return None if pending is None else _seconds_left(pending)


def _undo_actions(pending: PendingConfirmation) -> tuple[Action, ...]:
    return tuple(
        Action(
            id=f"undo:{command.action_id}",
            title=f"Undo: {command.title}",
            argv=command.argv,
            reasons=(),
            reversible=True,
            timeout=command.timeout,
        )
        for command in pending.undo
    )


def _revert_locked(
    paths: StatePaths,
    pending: PendingConfirmation,
    *,
    reason: str,
    automatic: bool,
    runner: CommandRunner,
    progress: ProgressCallback,
) -> RevertOutcome:
    refusal = busy_reason(paths, allow_pending=True)
    if refusal is not None:
        return RevertOutcome(False, f"Not reverted: {refusal}")
    log = ActivityLog(paths.root, "revert")
    log.write(f"reverting generation {pending.generation} ({pending.summary}): {reason}")
    record = RevertRecord(now_text(), pending.generation, 0, reason, automatic, reported=not automatic)
    kept = tuple(f"{title} ran and is not undone by the revert" for title in pending.irreversible)

    def bookkeeping(number: int) -> list[str]:
        # Inside the revert's transaction: a crash here is completed by recovery, record and all.
        write_revert_record(paths, replace(record, generation=number, problems=kept))
        remove_pending(paths)
        return list(kept)

    result = run_rollback(
        paths,
        pending.generation,
        kind=TransactionKind.REVERT,
        runner=runner,
        progress=progress,
        accept_drift=True,  # unconfirmed changes never stand; hand edits since are kept in the revert's generation
        actions=_undo_actions(pending),
        before_commit=bookkeeping,
        reason=reason,
    )
    if result.ok and result.generation is None:
        bookkeeping(0)  # nothing to restore: the files were already back as they were
    if os.getpid() != pending.watcher_pid:
        stop_watcher(pending)
    if result.ok:
        with contextlib.suppress(PendingFileError):
            record = read_revert_record(paths) or record
        final = record
        return RevertOutcome(
            True, f"Reverted to the state of generation {pending.generation}: {reason}.", result, final
        )
    # A revert that cannot be done must not block every later apply: the applied state stands, and says so.
    failed = replace(record, problems=(f"{REVERT_FAILED}: {result.error}", *kept), reported=False)
    write_revert_record(paths, failed)
    remove_pending(paths)
    log.write(f"the revert failed, the applied state stands: {result.error}")
    message = (
        f"The revert failed ({result.error}); the applied state stands. "
        f"Roll back by hand with: kvm-wizard snapshots rollback {pending.generation}"
    )
    return RevertOutcome(False, message, result, failed)


def revert_now(
    root: Path | str,
    *,
    reason: str = "the operator asked to revert",
    automatic: bool = False,
    runner: CommandRunner | None = None,
    progress: ProgressCallback = ignore_progress,
) -> RevertOutcome:
    """Revert the apply waiting for confirmation, now."""
    paths = _paths(root)
    if not paths.pending.exists():  # nothing to do: do not even create the state directory
        return RevertOutcome(False, _nothing_pending(paths))
    try:
        with hold_lock(paths, "revert", wait=LOCK_WAIT):
            pending = read_pending(paths)
            if pending is None:
                return RevertOutcome(False, _nothing_pending(paths))
            return _revert_locked(
                paths,
                pending,
                reason=reason,
                automatic=automatic,
                runner=runner or CommandRunner(),
                progress=progress,
            )
    except (LockHeld, PendingFileError) as error:
        return RevertOutcome(False, str(error))


def _nothing_pending(paths: StatePaths) -> str:
    try:
        record = read_revert_record(paths)
    except PendingFileError:
        return "Nothing waits for confirmation."
    if record is not None and not record.reported:
        return f"Nothing waits for confirmation: generation {record.restored} was reverted at {record.time} ({record.reason})."
    return "Nothing waits for confirmation."


def _expiry_reason(pending: PendingConfirmation) -> str:
    if pending.boot_id != boot_id():
        return "the system restarted before the change was confirmed"
    return f"not confirmed within {pending.timeout:g} s (deadline {pending.deadline})"


def confirm(root: Path | str, *, runner: CommandRunner | None = None) -> ConfirmOutcome:
    """Keep the new state. Past the deadline it is too late: the change is reverted instead."""
    paths = _paths(root)
    if not paths.pending.exists():  # nothing to do: do not even create the state directory
        return ConfirmOutcome(False, _nothing_pending(paths))
    try:
        with hold_lock(paths, "confirm", wait=LOCK_WAIT):
            pending = read_pending(paths)
            if pending is None:
                return ConfirmOutcome(False, _nothing_pending(paths))
            if _seconds_left(pending) <= 0:
                outcome = _revert_locked(
                    paths,
                    pending,
                    reason=_expiry_reason(pending),
                    automatic=True,
                    runner=runner or CommandRunner(),
                    progress=ignore_progress,
                )
                return ConfirmOutcome(False, f"Too late to confirm. {outcome.message}", outcome)
            remove_pending(paths)
            stop_watcher(pending)
            # The confirmation itself is the removed pending file; the status only feeds the listing.
            with contextlib.suppress(OSError):
                generations.set_status(paths, pending.generation, "applied", confirmed=now_text())
            ActivityLog(paths.root, "confirm").write(
                f"generation {pending.generation} confirmed: {pending.summary}"
            )
            return ConfirmOutcome(True, f"Confirmed: the changes of generation {pending.generation} stay.")
    except (LockHeld, PendingFileError) as error:
        return ConfirmOutcome(False, str(error))


def enforce_deadline(
    root: Path | str, *, runner: CommandRunner | None = None, wait: float | None = LOCK_WAIT
) -> RevertOutcome | None:
    """Revert when the deadline has passed (the watcher's job, and the next start's after a reboot)."""
    paths = _paths(root)
    pending = read_pending(paths)
    if pending is None or _seconds_left(pending) > 0:
        return None
    with hold_lock(paths, "revert", wait=wait):
        pending = read_pending(paths)  # again, under the lock: a confirm may have won the race
        if pending is None or _seconds_left(pending) > 0:
            return None
        return _revert_locked(
            paths,
            pending,
            reason=_expiry_reason(pending),
            automatic=True,
            runner=runner or CommandRunner(),
            progress=ignore_progress,
        )


def unreported_revert(root: Path | str) -> RevertRecord | None:
    """An automatic revert the operator has not been told about yet (for the next start); PendingFileError
    when its record is damaged."""
    record = read_revert_record(_paths(root))
    return record if record is not None and not record.reported else None


def mark_revert_reported(root: Path | str) -> None:
    paths = _paths(root)
    try:
        record = read_revert_record(paths)
    except PendingFileError:
        return  # damaged: the start report said so
    if record is not None and not record.reported:
        write_revert_record(paths, replace(record, reported=True))
