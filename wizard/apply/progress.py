"""Progress events as text lines, rendered once: `kvm-wizard apply`, `snapshots rollback` and `recover` print
them, the Apply and Snapshots screens show them (styled by kind, never reworded).

"[3/8] Write /etc/nova/nova.conf" when a step starts, what it reports indented under it, the output of commands
(masked) behind "|", and the rollback after a failure. Plain text that fits an 80-column console.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from wizard.apply.events import (
    CommandOutput,
    ProgressEvent,
    RollbackFinished,
    RollbackStarted,
    StepFailed,
    StepFinished,
    StepSkipped,
    StepStarted,
)
from wizard.secrets import mask_text

INDENT = "      "  # under the step's "[3/8] "


class ProgressKind(StrEnum):
    STEP = "step"  # a step starts: "[3/8] Write /etc/nova/nova.conf"
    NOTE = "note"  # what to know about the step that starts: "(a symbolic link: its target ... is edited)"
    DETAIL = "detail"  # what a step that ended reports
    SKIPPED = "skipped"  # a step listed, not run, and why
    FAILED = "failed"  # a step that failed, and its error
    OUTPUT = "output"  # a line a command printed, masked
    ROLLBACK = "rollback"  # the rollback after a failure: started, done or incomplete


@dataclass(frozen=True)
class ProgressLine:
    kind: ProgressKind
    text: str


def _counted(event: StepStarted | StepSkipped) -> str:
    return f"[{event.index + 1}/{event.count}] {event.step.title}"


def progress_lines(event: ProgressEvent) -> tuple[ProgressLine, ...]:
    """The lines one progress event reads as (none for a step that ended without a word to say)."""
    if isinstance(event, StepStarted):
        started = ProgressLine(ProgressKind.STEP, _counted(event))
        if not event.step.note:
            return (started,)
        return started, ProgressLine(ProgressKind.NOTE, f"{INDENT}({event.step.note})")
    if isinstance(event, StepFinished):
        return (
            (ProgressLine(ProgressKind.DETAIL, f"{INDENT}{mask_text(event.detail)}"),) if event.detail else ()
        )
    if isinstance(event, StepSkipped):
        return (ProgressLine(ProgressKind.SKIPPED, f"{_counted(event)}: not run: {event.reason}"),)
    if isinstance(event, StepFailed):
        return (ProgressLine(ProgressKind.FAILED, f"{INDENT}FAILED: {mask_text(event.error)}"),)
    if isinstance(event, CommandOutput):
        return (ProgressLine(ProgressKind.OUTPUT, f"{INDENT}| {mask_text(event.line)}"),)
    if isinstance(event, RollbackStarted):
        why = f": {mask_text(event.reason)}" if event.reason else "."
        return (ProgressLine(ProgressKind.ROLLBACK, f"Rolling back {event.files} file(s){why}"),)
    if isinstance(event, RollbackFinished):
        if not event.problems:
            return (ProgressLine(ProgressKind.ROLLBACK, "Rollback done."),)
        return (ProgressLine(ProgressKind.ROLLBACK, "Rollback incomplete: " + "; ".join(event.problems)),)
    assert_never(event)
