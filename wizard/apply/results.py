"""What a transaction reports: its result, a pending confirmation, an automatic revert, an interrupted one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wizard.apply.events import TransactionStep
from wizard.plan.model import Action


class TransactionKind(StrEnum):
    APPLY = "apply"
    ROLLBACK = "rollback"  # kvm-wizard snapshots rollback N
    REVERT = "revert"  # confirm-or-revert: no confirmation in time, a failed health check, or "revert now"


class StepStatus(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    NOT_REACHED = "not reached"
    UNDONE = "undone"  # done, then rolled back


@dataclass(frozen=True)
class StepOutcome:
    step: TransactionStep
    status: StepStatus
    detail: str = ""


@dataclass(frozen=True)
class UndoCommand:
    """The inverse of a reversible action that ran, kept for a revert."""

    action_id: str
    title: str
    argv: tuple[str, ...]
    timeout: float


@dataclass(frozen=True)
class PendingConfirmation:
    """An apply waiting for the operator's confirmation; a revert restores generation ``generation``."""

    generation: int
    kind: str
    summary: str
    started: str  # ISO 8601 wall time, for people
    timeout: float
    deadline: str  # ISO 8601 wall time, for people
    deadline_boottime: float  # CLOCK_BOOTTIME seconds: immune to clock changes, comparable across processes
    boot_id: str  # a reboot before the deadline means the console was lost too
    watcher_pid: int
    undo: tuple[UndoCommand, ...] = ()
    irreversible: tuple[str, ...] = ()  # titles of actions that ran and a revert cannot undo


@dataclass(frozen=True)
class RevertRecord:
    """An automatic revert, kept until the next start has reported it."""

    time: str
    restored: int  # the generation restored
    generation: int  # the revert's own generation (a rollback to it undoes the revert)
    reason: str
    automatic: bool
    problems: tuple[str, ...] = ()
    reported: bool = False


@dataclass(frozen=True)
class ApplyResult:
    ok: bool
    kind: TransactionKind
    generation: int | None  # the generation recorded before the first write; None when nothing was recorded
    steps: tuple[StepOutcome, ...] = ()
    failed_step: TransactionStep | None = None
    error: str = ""  # why it failed, one line
    rolled_back: bool = False
    rollback_problems: tuple[str, ...] = ()  # files that could not be restored: recover will retry them
    written: tuple[str, ...] = ()  # system paths written (restored again when rolled back)
    remaining: tuple[Action, ...] = ()  # actions left to do on the target (root other than /)
    irreversible: tuple[Action, ...] = ()  # actions that ran and cannot be undone
    notes: tuple[str, ...] = ()
    confirmation: PendingConfirmation | None = None
    duration: float = 0.0
    dry_run: bool = False

    @property
    def nothing_to_do(self) -> bool:
        return self.ok and self.generation is None and not self.dry_run

    def describe(self) -> str:
        """One or two lines for the operator."""
        if self.ok and self.dry_run:
            return "Dry run done: nothing was written and no command was run (the steps above are what an apply does)."
        if self.ok:
            if self.nothing_to_do:
                return "Nothing to change."
            what = f"{len(self.written)} file(s) written"
            return f"{self.kind.value.capitalize()} done ({what}; generation {self.generation} holds the state before)."
        where = self.failed_step.title if self.failed_step else "the transaction"
        text = f"{self.kind.value.capitalize()} failed at: {where}: {self.error}"
        if self.rolled_back and not self.rollback_problems:
            text += "\nEvery file written was restored; nothing changed."
        elif self.rollback_problems:
            text += "\nNot every file could be restored: " + "; ".join(self.rollback_problems)
            text += "\nRun `kvm-wizard recover` once the cause is fixed."
        return text


@dataclass(frozen=True)
class Unfinished:
    """A transaction interrupted by a crash or kill -9, found by its journal."""

    kind: str
    generation: int
    summary: str
    started: str
    pid: int
    command: str
    phase: str  # "recording", "writing", "running actions", "verifying", "rolling back", "finishing"
    files: tuple[str, ...]  # every file of the transaction
    touched: tuple[str, ...]  # files whose write had begun: each is wholly old or wholly new
    actions_started: tuple[str, ...]
    failure: str  # a recorded failure: it can only be rolled back
    recorded: bool  # the generation is complete (else nothing had been changed)
    problem: str = ""  # why it cannot be recovered automatically (a damaged generation)

    @property
    def must_roll_back(self) -> bool:
        return bool(self.failure)

    @property
    def must_complete(self) -> bool:
        # An interrupted revert always completes: rolling it back would re-apply unconfirmed changes.
        return self.kind == TransactionKind.REVERT.value and not self.failure
