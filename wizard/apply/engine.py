"""The transaction engine: generation, write-ahead journal, atomic writes, actions, verification, undo.

Protocol (each record is synced before its step starts; see journal.py):
  begin -> [generation copies + manifest] -> recorded -> (write i -> [temp, rename, sync] -> written i)*
  -> (action j -> [run] -> action-done j)* -> verify -> [pending confirmation] -> end -> unlink.
On a failure: failed -> [restore every file whose write began, newest first] -> end -> unlink.
Recovery reads the same records: before "recorded" nothing was changed; after it, restoring the "before"
copies of every file with a "write" record rolls back, and installing every "after" copy completes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from wizard import interrupts
from wizard.apply import generations
from wizard.apply.accounts import Accounts
from wizard.apply.atomic import (
    NotAFileError,
    create_directories,
    describe_os_error,
    fsync_directory,
    install,
    read_state,
    remove_empty_directories,
    remove_leftover,
)
from wizard.apply.events import RollbackFinished, RollbackStarted
from wizard.apply.faults import crash_point
from wizard.apply.journal import Journal
from wizard.apply.measure import measure_committed
from wizard.apply.pending import (
    PendingFileError,
    begin_confirmation,
    read_pending,
    remove_pending,
    stop_watcher,
)
from wizard.apply.reporter import CONFIRM_STEP, RECORD_STEP, SMOKE_STEP, VERIFY_STEP, Reporter
from wizard.apply.results import ApplyResult, PendingConfirmation, UndoCommand
from wizard.apply.smoke_guest import journaled_smoke_guest
from wizard.apply.spec import TransactionSpec, begin_record, generation_of
from wizard.apply.state import StatePaths
from wizard.apply.verify import verify_transaction
from wizard.commands import CommandRunner
from wizard.plan.model import Check, CheckKind
from wizard.rootfs import under


class StepError(Exception):
    def __init__(self, step_id: str, error: str) -> None:
        super().__init__(error)
        self.step_id = step_id
        self.error = error


@dataclass
class Transaction:
    """One transaction under the lock: fresh (run) or resumed from its journal (complete, roll_back)."""

    paths: StatePaths
    spec: TransactionSpec
    runner: CommandRunner
    reporter: Reporter
    before_commit: Callable[[int], list[str]] | None = None  # a revert's bookkeeping, inside the transaction
    number: int = 0
    journal: Journal | None = None
    recorded: bool = False
    touched: list[int] = field(default_factory=list)  # targets whose write began
    started_actions: list[int] = field(default_factory=list)
    done_actions: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    confirmation: PendingConfirmation | None = None
    committed: bool = False
    unsynced_directories: set[Path] = field(default_factory=set)  # synced once, before verification
    started: float = field(default_factory=time.perf_counter)

    @property
    def root(self) -> Path:
        return self.paths.root

    def _journal(self) -> Journal:
        if self.journal is None:  # pragma: no cover - set before any step runs
            raise RuntimeError("no journal")
        return self.journal

    def _step(self, step_id: str) -> int:
        index = self.reporter.index(step_id)
        self.reporter.started(index)
        return index

    def run(self) -> ApplyResult:
        """A fresh transaction (the lock is held and the check step passed)."""
        self.notes.extend(self.spec.notes)
        index = self._step(RECORD_STEP.id)
        # Recording runs whole; a signal meanwhile is taken at the first step's checkpoint (nothing written).
        with interrupts.shield():
            try:
                self.number = generations.reserve(self.paths)
                self.journal = Journal.create(self.paths.journal, begin_record(self.spec, self.number))
            except OSError as error:
                if self.number:
                    generations.discard(self.paths, self.number)
                return self._abort(StepError(RECORD_STEP.id, describe_os_error(error)))
            try:
                self._record(index)
            except StepError as failure:
                return self._abort(failure)
        return self.complete()

    def complete(self) -> ApplyResult:
        """Every remaining step; a failure undoes what was done (also a resumed transaction's earlier steps).

        A signal (wizard.interrupts) is taken between steps: what was done is undone, then it goes on up.
        """
        try:
            self._forward()
        except StepError as failure:
            return self._abort(failure)
        except BaseException as error:
            if self.committed:
                raise
            # An interruption or a bug: never leave a half-applied system behind us.
            step_id = self.reporter.steps[self.reporter.current].id
            reason = (
                f"interrupted by {error.name}"
                if isinstance(error, interrupts.Interrupted)
                else f"{type(error).__name__}: {error}"
            )
            result = self._abort(StepError(step_id, reason))
            error.add_note(self._undo_note(result))
            raise
        return self._result(True)

    def _undo_note(self, result: ApplyResult) -> str:
        what = f"the {self.spec.kind.value}" + (f" of generation {self.number}" if self.recorded else "")
        if result.rollback_problems:
            return (
                f"{what} was rolled back, but not every file could be restored "
                f"({'; '.join(result.rollback_problems)}): run kvm-wizard recover"
            )
        if not self.touched:
            return f"{what} had changed no file yet: nothing was changed"
        return f"{what} was rolled back: every file it had written is as it was before"

    def roll_back(self, reason: str) -> ApplyResult:
        """Undo a resumed transaction (recovery's 'roll back'): no step of it failed, it was interrupted."""
        result = self._abort(StepError(self.reporter.steps[self.reporter.current].id, reason), record=False)
        return replace(result, failed_step=None)

    def _forward(self) -> None:
        # Each step runs whole (interrupts.shield); a signal that came meanwhile is raised at the checkpoint
        # before the next step, and complete() rolls back what was done.
        for index in range(len(self.spec.targets)):
            interrupts.checkpoint()
            with interrupts.shield():
                self._write(index)
        for index in range(len(self.spec.actions)):
            if index not in self.done_actions:
                interrupts.checkpoint()
                with interrupts.shield():
                    self._run_action(index)
        for action in self.spec.remaining:
            self.reporter.skipped(self.reporter.index(f"action:{action.id}"), "left to do on the target")
        interrupts.checkpoint()
        with interrupts.shield():
            self._verify()
        smoke = next((check for check in self.spec.checks if check.kind is CheckKind.SMOKE_GUEST), None)
        if smoke is not None:
            interrupts.checkpoint()
            with interrupts.shield():
                self._smoke(smoke)
        if self.spec.confirm_timeout is not None:
            interrupts.checkpoint()
            with interrupts.shield():
                self._begin_confirmation(self.spec.confirm_timeout)
        interrupts.checkpoint()
        # The point of no return: a signal from here on finds the transaction committed.
        with interrupts.shield():
            self._commit()

    def _record(self, index: int) -> None:
        generation = generation_of(self.spec, self.number, Accounts(self.root))
        contents = {}
        for number, target in enumerate(self.spec.targets):
            for side, state in ((generations.BEFORE, target.before), (generations.AFTER, target.after)):
                if state.exists:
                    contents[(side, number)] = state.content
        try:
            generations.record(self.paths, generation, contents)
            self._journal().append("recorded")
        except OSError as error:
            message = f"cannot record generation {self.number}: {describe_os_error(error)}"
            raise StepError(RECORD_STEP.id, message) from error
        self.recorded = True
        self.reporter.finished(index, f"generation {self.number}")

    def _write(self, number: int) -> None:
        target = self.spec.targets[number]
        step_id = f"write:{target.path}"
        index = self._step(step_id)
        path = under(self.root, target.written_path)
        try:
            self._journal().append("write", file=number)
            if number not in self.touched:
                self.touched.append(number)
            remove_leftover(path)
            if read_state(path).same_as(target.after):
                detail = "already as planned"
            else:
                create_directories([under(self.root, item) for item in target.created_directories])
                install(path, target.after, sync_directory=False)
                self.unsynced_directories.add(path.parent)
                detail = f"{len(target.after.content)} bytes" if target.after.exists else "removed"
        except OSError as error:
            raise StepError(step_id, describe_os_error(error)) from error
        except NotAFileError as error:
            raise StepError(step_id, f"{target.path} {error}") from error
        self.reporter.finished(index, detail)

    def _run_action(self, number: int) -> None:
        action = self.spec.actions[number]
        step_id = f"action:{action.id}"
        index = self._step(step_id)
        try:
            self._journal().append("action", action=number)
            self.started_actions.append(number)
            crash_point("action")
            result = self.runner.run(
                action.argv,
                timeout=action.timeout,
                on_line=lambda stream, line: self.reporter.output(index, stream, line),
            )
            self._journal().append("action-done", action=number, ok=result.ok)
        except OSError as error:
            raise StepError(step_id, describe_os_error(error)) from error
        if result.ok:
            self.done_actions.add(number)
            self.reporter.finished(index, f"exit status {result.returncode}")
        elif self.spec.strict:
            raise StepError(step_id, result.describe_failure())
        else:  # a rollback's undo commands are best effort: the files are what it restores
            self.reporter.failed(index, result.describe_failure())
            self.notes.append(f"{action.title} failed: {result.describe_failure()}")

    def _verify(self) -> None:
        index = self._step(VERIFY_STEP.id)
        try:
            self._journal().append("verify")
        except OSError as error:
            raise StepError(VERIFY_STEP.id, describe_os_error(error)) from error
        crash_point("verify")
        try:
            for directory in sorted(self.unsynced_directories):
                fsync_directory(directory)  # the renames must be durable before the journal says "end"
        except OSError as error:
            raise StepError(VERIFY_STEP.id, describe_os_error(error)) from error
        problems, results = verify_transaction(self.root, self.spec, self.runner)
        if problems:
            raise StepError(VERIFY_STEP.id, "; ".join(problems))
        # What libvirt said of the new configuration is worth reading on the Confirm step: it is kept in the detail.
        said = "".join(
            f"; {result.detail}" for result in results if result.check.kind is CheckKind.LIBVIRT_ACCEPTS
        )
        also = f"; {len(results)} check(s) passed" if results else "; no other check applies here"
        self.reporter.finished(index, f"{len(self.spec.targets)} file(s) read back as written{also}{said}")

    def _smoke(self, check: Check) -> None:
        """The smoke guest, named in the journal before it is defined: recovery removes what a crash left."""
        index = self._step(SMOKE_STEP.id)
        try:
            outcome = journaled_smoke_guest(
                self.root,
                self.number,
                check,
                self.runner,
                self._journal().append,
                started=lambda: crash_point("smoke-guest"),
            )
        except OSError as error:
            raise StepError(SMOKE_STEP.id, describe_os_error(error)) from error
        self.notes.extend(f"the smoke guest was not removed: {leftover}" for leftover in outcome.leftovers)
        if not outcome.ok:
            raise StepError(SMOKE_STEP.id, outcome.detail)
        self.reporter.finished(index, outcome.detail)

    def _begin_confirmation(self, timeout: float) -> None:
        index = self._step(CONFIRM_STEP.id)
        ran = [self.spec.actions[number] for number in self.started_actions]
        undo = tuple(
            UndoCommand(action.id, action.title, action.inverse, action.timeout)
            for action in reversed(ran)
            if action.reversible and action.inverse
        )
        try:
            self.confirmation = begin_confirmation(
                self.paths,
                generation=self.number,
                kind=self.spec.kind.value,
                summary=self.spec.summary,
                timeout=timeout,
                undo=undo,
                irreversible=tuple(action.title for action in ran if not action.reversible),
            )
        except OSError as error:
            message = f"cannot start confirm-or-revert: {describe_os_error(error)}"
            raise StepError(CONFIRM_STEP.id, message) from error
        self.reporter.finished(index, f"confirm before {self.confirmation.deadline} or it is reverted")

    def _commit(self) -> None:
        try:
            generations.set_status(self.paths, self.number, "applied")
        except OSError as error:
            self.notes.append(f"generation {self.number}: status not updated: {error}")
        if self.before_commit is not None:
            self.notes.extend(self.before_commit(self.number))
        journal = self._journal()
        journal.append("end", outcome="applied")
        self.committed = True
        try:
            journal.finish()
        except OSError as error:  # the end record is written: recovery only removes the journal
            self.notes.append(f"the journal could not be removed: {describe_os_error(error)}")
        self.reporter.log.write(f"{self.spec.kind.value} done: generation {self.number}: {self.spec.summary}")
        self._measure()

    def _measure(self) -> None:
        """After the commit: the measured PCR extended with this generation. It changes no file of the node, so
        a failure is a note, never a reason to undo the committed change."""
        for line in measure_committed(self.paths, self.spec, self.number, self.runner):
            self.reporter.log.write(line)
            self.notes.append(line)

    def _abort(self, failure: StepError, *, record: bool = True) -> ApplyResult:
        with interrupts.shield():  # the undo and its bookkeeping run whole
            return self._abort_whole(failure, record=record)

    def _abort_whole(self, failure: StepError, *, record: bool) -> ApplyResult:
        if record:
            self.reporter.failed(self.reporter.index(failure.step_id), failure.error)
        if self.journal is not None:
            try:
                self.journal.append("failed", step=failure.step_id, error=failure.error)
            except OSError as error:
                self.notes.append(f"the journal could not record the failure: {describe_os_error(error)}")
        problems = self.undo(failure.error)
        if self.journal is not None and not problems:
            try:
                if self.recorded:
                    generations.set_status(self.paths, self.number, "rolled-back")
                else:
                    generations.discard(self.paths, self.number)
                self.journal.append("end", outcome="rolled-back")
                self.journal.finish()
            except (OSError, generations.GenerationError) as error:
                self.notes.append(
                    f"rolled back, but the journal could not be closed ({error}): run kvm-wizard recover"
                )
        elif self.journal is not None:
            self.journal.close()  # kept: `kvm-wizard recover` retries the files that could not be restored
        return self._result(False, failure, rolled_back=True, problems=tuple(problems))

    def undo(self, reason: str) -> list[str]:
        """Restore every file whose write began, newest first; undo the reversible actions that ran.

        It runs whole: a signal that comes meanwhile waits (interrupts.shield), and its progress lines go to a
        callback that cannot raise into it (the command line's output layer drops what cannot be written).
        """
        with interrupts.shield():
            return self._undo(reason)

    def _undo(self, reason: str) -> list[str]:
        self.reporter.emit(RollbackStarted(reason, len(self.touched)))
        self.reporter.log.write(f"rolling back {len(self.touched)} file(s): {reason}")
        problems: list[str] = []
        for number in reversed(self.touched):
            target = self.spec.targets[number]
            path = under(self.root, target.written_path)
            try:
                remove_leftover(path)
                if not read_state(path).same_as(target.before):
                    install(path, target.before)
                if not target.before.exists:
                    remove_empty_directories([under(self.root, item) for item in target.created_directories])
                crash_point("restore")
                self.reporter.undone(f"write:{target.path}")
            except OSError as error:
                problems.append(f"{target.path}: {describe_os_error(error)}")
            except NotAFileError as error:
                problems.append(f"{target.path} {error}")
        if self.spec.strict:
            self._undo_actions()
        self._drop_pending()
        self.reporter.emit(RollbackFinished(tuple(problems)))
        self.reporter.log.write("rollback finished" + (": " + "; ".join(problems) if problems else ""))
        return problems

    def _drop_pending(self) -> None:
        """A confirmation this transaction started waits for nothing once it is undone."""
        try:
            pending = read_pending(self.paths)
        except PendingFileError:
            return
        if pending is not None and pending.generation == self.number:
            try:
                remove_pending(self.paths)
            except OSError as error:
                self.notes.append(
                    f"the pending confirmation could not be removed: {describe_os_error(error)}"
                )
            stop_watcher(pending)

    def _undo_actions(self) -> None:
        for number in reversed(self.started_actions):
            action = self.spec.actions[number]
            if not action.reversible or not action.inverse:
                self.notes.append(f"{action.title} ran and cannot be undone")
                continue
            result = self.runner.run(action.inverse, timeout=action.timeout)
            if not result.ok:
                self.notes.append(f"undoing {action.title} failed: {result.describe_failure()}")

    def _result(
        self,
        ok: bool,
        failure: StepError | None = None,
        *,
        rolled_back: bool = False,
        problems: tuple[str, ...] = (),
    ) -> ApplyResult:
        failed_step = self.reporter.steps[self.reporter.index(failure.step_id)] if failure else None
        ran = [self.spec.actions[number] for number in self.started_actions]
        log_problem = self.reporter.log.problem
        return ApplyResult(
            ok=ok,
            kind=self.spec.kind,
            generation=self.number if self.recorded else None,
            steps=self.reporter.outcomes(),
            failed_step=failed_step,
            error=failure.error if failure else "",
            rolled_back=rolled_back,
            rollback_problems=problems,
            written=tuple(self.spec.targets[number].path for number in self.touched),
            remaining=self.spec.remaining,
            irreversible=tuple(action for action in ran if not action.reversible),
            notes=tuple(self.notes) + ((log_problem,) if log_problem else ()),
            confirmation=self.confirmation,
            duration=time.perf_counter() - self.started,
        )
