"""Steps of a transaction and their progress: events to the caller, lines to the log, outcomes for the result."""

from __future__ import annotations

from collections.abc import Sequence

from wizard.apply.events import (
    CommandOutput,
    ProgressCallback,
    ProgressEvent,
    StepFailed,
    StepFinished,
    StepKind,
    StepSkipped,
    StepStarted,
    TransactionStep,
)
from wizard.apply.log import ActivityLog
from wizard.apply.results import StepOutcome, StepStatus
from wizard.plan.model import Action

CHECK_STEP = TransactionStep("check", StepKind.CHECK, "Check the files against the plan, under the lock")
RECORD_STEP = TransactionStep(
    "record", StepKind.RECORD, "Record a generation (a snapshot of every file touched)"
)
VERIFY_STEP = TransactionStep(
    "verify", StepKind.VERIFY, "Verify: re-read every file, re-parse, run the checks"
)
SMOKE_STEP = TransactionStep(
    "smoke", StepKind.VERIFY, "Smoke guest: libvirt starts a throwaway guest as nova would, then removes it"
)
CONFIRM_STEP = TransactionStep(
    "confirm", StepKind.CONFIRM, "Health checks, then wait for the operator's confirmation"
)


def write_step(
    path: str, written_path: str, *, removes: bool = False, restores: bool = False
) -> TransactionStep:
    verb = "Remove" if removes else "Restore" if restores else "Write"
    note = f"a symbolic link: its target {written_path} is edited" if written_path != path else ""
    return TransactionStep(f"write:{path}", StepKind.WRITE, f"{verb} {path}", note=note)


def action_step(action: Action, *, runs: bool) -> TransactionStep:
    note = "" if runs else "acts on the running system: not run under this root; left to do on the target"
    return TransactionStep(f"action:{action.id}", StepKind.ACTION, action.title, runs=runs, note=note)


def build_steps(
    writes: Sequence[TransactionStep],
    actions: Sequence[Action],
    remaining: Sequence[Action],
    *,
    confirm: bool,
    smoke: bool = False,
) -> tuple[TransactionStep, ...]:
    steps = [CHECK_STEP, RECORD_STEP, *writes]
    steps += [action_step(action, runs=True) for action in actions]
    steps += [action_step(action, runs=False) for action in remaining]
    steps.append(VERIFY_STEP)
    if smoke:
        steps.append(SMOKE_STEP)
    if confirm:
        steps.append(CONFIRM_STEP)
    return tuple(steps)


class Reporter:
    """Tells the caller and the log what each step does; remembers how each one ended."""

    def __init__(
        self, steps: tuple[TransactionStep, ...], progress: ProgressCallback, log: ActivityLog
    ) -> None:
        self.steps = steps
        self._progress = progress
        self.log = log
        self._outcomes: dict[int, StepOutcome] = {}
        self.current = 0

    def index(self, step_id: str) -> int:
        return next(index for index, step in enumerate(self.steps) if step.id == step_id)

    def _emit(self, event: ProgressEvent) -> None:
        self._progress(event)

    def started(self, index: int) -> None:
        self.current = index
        self.log.write(f"[{index + 1}/{len(self.steps)}] {self.steps[index].title}")
        self._emit(StepStarted(index, len(self.steps), self.steps[index]))

    def finished(self, index: int, detail: str = "") -> None:
        self._outcomes[index] = StepOutcome(self.steps[index], StepStatus.DONE, detail)
        if detail:
            self.log.write(f"  done: {detail}")
        self._emit(StepFinished(index, len(self.steps), self.steps[index], detail))

    def already_done(self, index: int, detail: str) -> None:
        """A step an interrupted run finished before: its outcome, without announcing it again."""
        self._outcomes[index] = StepOutcome(self.steps[index], StepStatus.DONE, detail)

    def skipped(self, index: int, reason: str) -> None:
        self._outcomes[index] = StepOutcome(self.steps[index], StepStatus.SKIPPED, reason)
        self.log.write(f"[{index + 1}/{len(self.steps)}] {self.steps[index].title}: skipped: {reason}")
        self._emit(StepSkipped(index, len(self.steps), self.steps[index], reason))

    def failed(self, index: int, error: str) -> None:
        self._outcomes[index] = StepOutcome(self.steps[index], StepStatus.FAILED, error)
        self.log.write(f"  FAILED: {error}")
        self._emit(StepFailed(index, len(self.steps), self.steps[index], error))

    def output(self, index: int, stream: str, line: str) -> None:
        self.log.write(f"  {stream}: {line}")
        self._emit(CommandOutput(index, len(self.steps), self.steps[index], stream, line))

    def emit(self, event: ProgressEvent) -> None:
        self._emit(event)

    def undone(self, step_id: str) -> None:
        index = self.index(step_id)
        previous = self._outcomes.get(index)
        if previous is not None and previous.status is StepStatus.DONE:
            self._outcomes[index] = StepOutcome(self.steps[index], StepStatus.UNDONE, "restored")

    def outcomes(self) -> tuple[StepOutcome, ...]:
        return tuple(
            self._outcomes.get(index, StepOutcome(step, StepStatus.NOT_REACHED))
            for index, step in enumerate(self.steps)
        )
