"""Progress events of a transaction: small frozen records a UI can draw per-step progress from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class StepKind(StrEnum):
    CHECK = "check"  # the plan against the files on disk, under the lock
    RECORD = "record"  # the generation
    WRITE = "write"
    ACTION = "action"
    VERIFY = "verify"
    CONFIRM = "confirm"  # health checks and the start of confirm-or-revert


@dataclass(frozen=True)
class TransactionStep:
    id: str  # stable: "check", "record", "write:/etc/nova/nova.conf", "action:load-module:kvm_intel", "verify"
    kind: StepKind
    title: str
    runs: bool = True  # False: listed, not run (an action left for the target under a staging root)
    note: str = ""  # "a symbolic link: its target /etc/nova/nova.conf.d/real.conf is edited"


@dataclass(frozen=True)
class StepStarted:
    index: int  # 0-based position in the transaction's steps
    count: int
    step: TransactionStep


@dataclass(frozen=True)
class StepFinished:
    index: int
    count: int
    step: TransactionStep
    detail: str = ""


@dataclass(frozen=True)
class StepSkipped:
    index: int
    count: int
    step: TransactionStep
    reason: str


@dataclass(frozen=True)
class StepFailed:
    index: int
    count: int
    step: TransactionStep
    error: str


@dataclass(frozen=True)
class CommandOutput:
    """One line an action printed, while it runs."""

    index: int
    count: int
    step: TransactionStep
    stream: str  # "stdout" or "stderr"
    line: str


@dataclass(frozen=True)
class RollbackStarted:
    reason: str
    files: int  # how many files are restored


@dataclass(frozen=True)
class RollbackFinished:
    problems: tuple[str, ...]  # empty when every file was restored


ProgressEvent = (
    StepStarted | StepFinished | StepSkipped | StepFailed | CommandOutput | RollbackStarted | RollbackFinished
)
ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(event: ProgressEvent) -> None:
    """The default callback: headless callers that only want the result."""
