"""The way forward from a journal that cannot be read: set it aside, then recover from the generation.

A journal damaged in its middle (a disk error, a hand edit), or one that is not a regular file, cannot say
which step the interrupted transaction had reached. It need not: every file is wholly old or wholly new (the
writes are atomic), and the transaction's generation holds both sides of every file. So the damaged journal
is kept aside (journal.damaged-TIME, for a support report) and:

- when its first record is intact, the generation and the actions are known: a clean journal is rebuilt
  from the records that still read, counting every file as possibly written, and the ordinary recovery
  completes or rolls back (restoring a file that was never written changes nothing);
- when it is not, the newest generation still pending is the one the transaction recorded: its files are
  restored by a rollback transaction (a revert's is completed instead), its actions named as not undone;
- when no generation was recorded, no file had been changed: there is nothing more to do.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from wizard.apply import generations
from wizard.apply.atomic import fsync_directory
from wizard.apply.events import ProgressCallback, ignore_progress
from wizard.apply.journal import Journal, JournalError, read_journal, salvage_journal
from wizard.apply.lock import hold_lock
from wizard.apply.log import ActivityLog
from wizard.apply.pending import PendingFileError, read_pending, remove_pending, stop_watcher
from wizard.apply.recovery import Recovery, RecoveryDecision, RecoveryError, recover_under_lock
from wizard.apply.results import TransactionKind
from wizard.apply.rollback import run_rollback
from wizard.apply.state import StatePaths, state_paths
from wizard.commands import CommandRunner

_KEPT = ("action", "action-done", "failed")  # records that still say something once the files are all counted


def _set_aside(paths: StatePaths) -> Path:
    aside = paths.directory / f"journal.damaged-{time.strftime('%Y%m%dT%H%M%S')}"
    os.rename(paths.journal, aside)
    fsync_directory(paths.directory)
    return aside


def _rebuild(paths: StatePaths, begin: dict[str, object], records: tuple[dict[str, object], ...]) -> None:
    """A clean journal for the ordinary recovery, from the records that still read."""
    generation = generations.load_generation(paths, int(str(begin["generation"])))
    fields = {key: value for key, value in begin.items() if key != "type"}
    journal = Journal.create(paths.journal, fields)
    try:
        journal.append("recorded")
        for item in sorted(generation.files, key=lambda item: item.index):
            journal.append("write", file=item.index)  # which were written is unknown: every one may have been
        for record in records:
            if record["type"] in _KEPT:
                journal.append(str(record["type"]), **{k: v for k, v in record.items() if k != "type"})
    finally:
        journal.close()


def _pending_generation(paths: StatePaths, kept: str) -> generations.Generation | None:
    """The newest generation a transaction recorded and never finished (no status yet); None when the
    transaction had recorded none (then no file had been changed)."""
    entries = generations.list_generations(paths)
    if not entries:
        return None
    newest = entries[-1]
    if newest.generation is None:
        if not (paths.generation(newest.number) / generations.MANIFEST).exists():
            generations.discard(paths, newest.number)  # stopped while recording: no file was changed
            return None
        raise RecoveryError(
            f"{newest.problem}. {kept} Neither the journal nor the generation can say what to restore: "
            "the files are each wholly old or wholly new; compare them with the previous generation "
            "(kvm-wizard snapshots diff) and correct them by hand"
        )
    return newest.generation if newest.generation.status == "pending" else None


def recover_damaged(
    root: Path | str,
    decision: RecoveryDecision,
    *,
    runner: CommandRunner | None = None,
    progress: ProgressCallback = ignore_progress,
) -> Recovery | None:
    """Recover a transaction whose journal cannot be read (see the module's docstring); None when there is
    no journal at all. ``decision`` is honoured where the generation allows it."""
    paths = state_paths(Path(root).absolute())
    log = ActivityLog(paths.root, "recover")
    run = runner or CommandRunner()
    with hold_lock(paths, "recover"):
        try:
            contents = read_journal(paths.journal)
        except JournalError:
            pass
        else:  # readable after all (another kvm-wizard set it right meanwhile): the ordinary recovery
            return recover_under_lock(paths, contents, decision, runner=run, progress=progress, log=log)
        try:
            salvage = salvage_journal(paths.journal)
        except FileNotFoundError:
            return None
        aside = _set_aside(paths)
        kept = f"The damaged journal is kept as {aside} (for a support report; remove it when done)."
        log.write(f"damaged journal ({salvage.problem}) set aside as {aside.name}")
        if salvage.begin is None:
            return _from_generation(paths, decision, run, progress, kept)
        number = int(str(salvage.begin["generation"]))
        try:
            status = generations.load_generation(paths, number).status
        except generations.GenerationError:
            # The manifest is written before any file: without it, nothing had been changed.
            generations.discard(paths, number)
            return Recovery("cleaned", f"The interrupted transaction had not changed any file yet. {kept}")
        if status != "pending":  # it had committed or rolled back: only its journal was left
            return Recovery("cleaned", f"The transaction of generation {number} had ended ({status}). {kept}")
        _rebuild(paths, salvage.begin, salvage.records)
        recovery = recover_under_lock(
            paths, read_journal(paths.journal), decision, runner=run, progress=progress, log=log
        )
        if recovery is None:  # pragma: no cover - the journal was just rebuilt
            return None
        unknown = "Every file of the generation was counted as possibly written (the journal could not say)."
        return Recovery(recovery.decision, f"{recovery.message} {unknown} {kept}", recovery.result)


def _from_generation(
    paths: StatePaths,
    decision: RecoveryDecision,
    runner: CommandRunner,
    progress: ProgressCallback,
    kept: str,
) -> Recovery:
    generation = _pending_generation(paths, kept)
    if generation is None:
        return Recovery("cleaned", f"No generation was recorded: no file had been changed. {kept}")
    number = generation.number
    complete = generation.kind == TransactionKind.REVERT.value or (
        generation.kind == TransactionKind.ROLLBACK.value and decision is RecoveryDecision.COMPLETE
    )
    target = generation.restores if complete else number
    result = run_rollback(
        paths,
        target,
        kind=TransactionKind.ROLLBACK,
        runner=runner,
        progress=progress,
        accept_drift=True,
        reason=f"the journal of generation {number} was damaged",
    )
    if not result.ok:
        raise RecoveryError(
            f"{result.error}. {kept} The files of generation {number} are each wholly old or wholly new: "
            f"compare them with kvm-wizard snapshots diff {number}"
        )
    with contextlib.suppress(OSError):
        generations.set_status(paths, number, "applied" if complete else "rolled-back")
    with contextlib.suppress(PendingFileError, OSError):
        pending = read_pending(paths)
        if pending is not None and pending.generation == number:
            remove_pending(paths)
            stop_watcher(pending)
    not_undone = "; ".join(generation.actions)
    actions = (
        f" Its actions cannot be known from the journal and were not undone: {not_undone}."
        if not_undone
        else ""
    )
    done = "completed" if complete else "rolled back"
    message = (
        f"The interrupted {generation.kind} of generation {number} was {done} from its generation "
        f"(the journal's first record was damaged, so only its files could be restored).{actions} {kept}"
    )
    return Recovery(
        RecoveryDecision.COMPLETE.value if complete else RecoveryDecision.ROLL_BACK.value, message, result
    )
