"""Rollback to a generation: itself a transaction with its own generation, so a rollback can be undone."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.atomic import NotAFileError, describe_os_error, read_state
from wizard.apply.engine import Transaction
from wizard.apply.events import ProgressCallback, ignore_progress
from wizard.apply.generations import GenerationError
from wizard.apply.history import Drift, Timeline
from wizard.apply.lock import LockHeld, hold_lock
from wizard.apply.log import ActivityLog
from wizard.apply.reporter import CHECK_STEP, Reporter, build_steps, write_step
from wizard.apply.results import ApplyResult, TransactionKind
from wizard.apply.spec import TransactionSpec
from wizard.apply.state import StatePaths, state_paths
from wizard.apply.targets import Target, plan_directories
from wizard.apply.transaction import busy_reason
from wizard.commands import CommandRunner
from wizard.plan.model import Action
from wizard.rootfs import PathEscapeError, resolve


@dataclass(frozen=True)
class RollbackPreview:
    number: int
    summary: str  # of the generation rolled back to
    changes: tuple[tuple[str, str], ...]  # (path, "restore 812 bytes" / "remove" / "unchanged")
    drift: tuple[Drift, ...]  # hand edits the rollback would overwrite (its own generation keeps them)
    problems: tuple[str, ...]  # what stops the rollback

    @property
    def needed(self) -> bool:
        return any(what != "unchanged" for _, what in self.changes)


def rollback_targets(paths: StatePaths, number: int) -> tuple[list[Target], RollbackPreview]:
    """The files as they were at generation ``number``, against what is on disk now."""
    targets: list[Target] = []
    changes: list[tuple[str, str]] = []
    drift: list[Drift] = []
    problems: list[str] = []
    timeline = Timeline(paths)
    try:
        summary = timeline.generation(number).summary
        written_paths = timeline.paths_from(number)
    except GenerationError as error:
        return [], RollbackPreview(number, "", (), (), (str(error),))
    for written_path in written_paths:
        try:
            source = timeline.source_at(number, written_path)
            if source is None:  # pragma: no cover - paths_from lists recorded files only
                continue
            wanted = timeline.load(source)
            on_disk, system = resolve(paths.root, written_path)
            if system != written_path:
                raise ValueError(
                    f"{written_path} is now reached through a symbolic link to {system}; not following it"
                )
            current = read_state(on_disk)
        except (GenerationError, PathEscapeError, ValueError) as error:
            problems.append(str(error))
            continue
        except NotAFileError as error:
            problems.append(f"{written_path} {error}")
            continue
        except OSError as error:
            problems.append(f"{written_path}: {describe_os_error(error)}")
            continue
        if current.same_as(wanted):
            changes.append((source.file.path, "unchanged"))
            continue
        found = timeline.drift(written_path, current)
        if found is not None:
            drift.append(found)
        directories = plan_directories(paths.root, written_path) if wanted.exists else ()
        targets.append(
            Target(
                source.file.path,
                written_path,
                source.file.kind,
                current,
                wanted,
                source.file.link,
                directories,
            )
        )
        changes.append(
            (source.file.path, f"restore {len(wanted.content)} bytes" if wanted.exists else "remove")
        )
    return targets, RollbackPreview(number, summary, tuple(changes), tuple(drift), tuple(problems))


def preview_rollback(root: Path | str, number: int) -> RollbackPreview:
    """What ``rollback_generation`` would restore and overwrite, without the lock (for the question)."""
    return rollback_targets(state_paths(Path(root).absolute()), number)[1]


def run_rollback(
    paths: StatePaths,
    number: int,
    *,
    kind: TransactionKind,
    runner: CommandRunner,
    progress: ProgressCallback,
    confirm_timeout: float | None = None,
    accept_drift: bool = False,
    actions: tuple[Action, ...] = (),
    before_commit: Callable[[int], list[str]] | None = None,
    reason: str = "",
) -> ApplyResult:
    """The rollback transaction itself; the caller holds the lock."""
    started = time.perf_counter()
    targets, preview = rollback_targets(paths, number)
    writes = [
        write_step(target.path, target.written_path, removes=not target.after.exists, restores=True)
        for target in targets
    ]
    steps = build_steps(writes, actions, (), confirm=confirm_timeout is not None)
    reporter = Reporter(steps, progress, ActivityLog(paths.root, kind.value))
    reporter.started(0)
    refusal = "; ".join(preview.problems)
    if not refusal and preview.drift and not accept_drift:
        refusal = "hand edits would be overwritten: " + "; ".join(
            f"{item.path} {item.detail}" for item in preview.drift
        )
    if refusal:
        reporter.failed(0, refusal)
        return ApplyResult(
            ok=False,
            kind=kind,
            generation=None,
            steps=reporter.outcomes(),
            failed_step=CHECK_STEP,
            error=refusal,
            duration=time.perf_counter() - started,
        )
    if not targets and not actions:
        reporter.finished(0, "nothing to restore")
        note = f"every file is already as it was at generation {number}"
        return ApplyResult(ok=True, kind=kind, generation=None, steps=reporter.outcomes(), notes=(note,))
    notes = tuple(
        f"{item.path} was {item.detail}; that state is kept in this rollback's generation"
        for item in preview.drift
    )
    reporter.finished(0, f"{len(targets)} file(s) to restore")
    spec = TransactionSpec(
        kind=kind,
        summary=f"{kind.value} to generation {number}" + (f": {reason}" if reason else ""),
        targets=tuple(targets),
        actions=actions,
        restores=number,
        confirm_timeout=confirm_timeout,
        notes=notes,
    )
    return Transaction(paths, spec, runner, reporter, before_commit=before_commit).run()


def rollback_generation(
    root: Path | str,
    number: int,
    *,
    runner: CommandRunner,
    progress: ProgressCallback = ignore_progress,
    confirm_timeout: float | None = None,
    accept_drift: bool = False,
) -> ApplyResult:
    """Restore every file recorded at or after generation ``number`` to its state at ``number``.

    Refuses when files were edited by hand since the wizard last wrote them, unless ``accept_drift``
    (their current state is kept in the rollback's own generation either way).
    """
    paths = state_paths(Path(root).absolute())
    try:
        with hold_lock(paths, "rollback"):
            refusal = busy_reason(paths)
            if refusal is None:
                return run_rollback(
                    paths,
                    number,
                    kind=TransactionKind.ROLLBACK,
                    runner=runner,
                    progress=progress,
                    confirm_timeout=confirm_timeout,
                    accept_drift=accept_drift,
                )
    except LockHeld as held:
        refusal = str(held)
    except OSError as error:
        refusal = f"cannot take the lock: {describe_os_error(error)}"
    return ApplyResult(
        ok=False, kind=TransactionKind.ROLLBACK, generation=None, failed_step=CHECK_STEP, error=refusal
    )
