"""apply_plan(): a Plan applied as one transaction under the lock, and preview_apply() to name it beforehand."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from wizard import interrupts
from wizard.apply.accounts import Accounts
from wizard.apply.atomic import Attributes, FileState, describe_os_error, write_atomic
from wizard.apply.engine import Transaction
from wizard.apply.events import ProgressCallback, TransactionStep, ignore_progress
from wizard.apply.generations import list_generations
from wizard.apply.journal import JournalError, read_journal
from wizard.apply.lock import LockHeld, hold_lock
from wizard.apply.log import ActivityLog
from wizard.apply.pending import PendingFileError, read_pending, seconds_left
from wizard.apply.reporter import CHECK_STEP, Reporter, build_steps, write_step
from wizard.apply.results import ApplyResult, StepOutcome, StepStatus, TransactionKind
from wizard.apply.spec import TransactionSpec
from wizard.apply.state import PRIVATE_FILE_MODE, StatePaths, state_paths
from wizard.apply.targets import StaleEditError, Target, file_target
from wizard.apply.verify import kvm_api_works
from wizard.commands import CommandRunner
from wizard.files.toml_depth import load_toml
from wizard.plan.model import Action, Check, CheckKind, FileEdit, Plan
from wizard.rootfs import PathEscapeError, is_system_root


@dataclass(frozen=True)
class ApplyPreview:
    """What an apply of this plan under this root will do, named before anything is done."""

    steps: tuple[TransactionStep, ...]
    irreversible: tuple[Action, ...]  # actions that will run and cannot be undone
    remaining: tuple[Action, ...]  # actions left to do on the target (root other than /)
    skipped_checks: tuple[Check, ...]  # checks that need the running system
    notes: tuple[str, ...]  # symbolic links followed, owners that do not exist under the root
    problems: tuple[str, ...]  # what stops the apply now: a path outside the root, a directory, a stale plan


def has_smoke(checks: tuple[Check, ...], live: bool) -> bool:
    """Whether the transaction starts a smoke guest (a check of the running system: live only, unless made to)."""
    return any(check.kind is CheckKind.SMOKE_GUEST and (live or not check.live_only) for check in checks)


def split_actions(plan: Plan, live: bool) -> tuple[tuple[Action, ...], tuple[Action, ...]]:
    """(actions run, actions left for the target): with a root other than / only persistent work is done."""
    run = tuple(action for action in plan.actions if live or not action.live_only)
    return run, tuple(action for action in plan.actions if action not in run)


def summarize_answers(answers_toml: str) -> str:
    """One line for generation lists: "kvm, qcow2, nested host-passthrough, vhost_net"."""
    try:
        data = load_toml(answers_toml) if answers_toml.strip() else {}
    except ValueError:  # not TOML (tomllib.TOMLDecodeError), or nested too deep
        return "answers not readable"
    if not data:
        return "no answers recorded"
    parts = [
        str(data.get("hypervisor", {}).get("virt_type", "")),
        str(data.get("storage", {}).get("backend", "")),
    ]
    nested = data.get("nested", {})
    if nested.get("enabled"):
        parts.append(f"nested {nested.get('cpu_mode', '')}".strip())
    parts += [
        name
        for section, key, name in (
            ("ceph_download", "enabled", "ceph download"),
            ("tpm", "vtpm", "vTPM"),
            ("performance", "vhost_net", "vhost_net"),
        )
        if data.get(section, {}).get(key)
    ]
    return ", ".join(part for part in parts if part) or "answers without choices"


def busy_reason(paths: StatePaths, *, allow_pending: bool = False) -> str | None:
    """Why no new transaction may start: an interrupted one, or an apply still waiting for confirmation."""
    try:
        contents = read_journal(paths.journal)
    except (JournalError, OSError) as error:
        return (
            f"an interrupted transaction left a journal that cannot be read ({error}); see kvm-wizard recover"
        )
    if contents is not None:
        return "an earlier transaction was interrupted; finish or roll it back first: kvm-wizard recover"
    if allow_pending:
        return None
    try:
        pending = read_pending(paths)
    except PendingFileError as error:
        return str(error)
    if pending is not None:
        left = seconds_left(pending)
        return (
            f"the apply of generation {pending.generation} still waits for confirmation ({left:.0f} s left): "
            "kvm-wizard confirm keeps it; without it, it is reverted"
        )
    return None


def _target(root: Path, edit: FileEdit, accounts: Accounts, notes: list[str]) -> Target:
    """One edit checked against the disk; ValueError says why it cannot be applied."""
    try:
        return file_target(root, edit, accounts, notes)
    except StaleEditError as error:
        raise ValueError(
            f"{error.written_path} changed since the plan was made "
            f"({_changed_by(root, error.written_path, error.now)}); make the plan again"
        ) from error


def _changed_by(root: Path, system: str, now: FileState) -> str:
    """Who changed a file since the plan was made: a kvm-wizard transaction (another wizard, or a command,
    that applied meanwhile) when the file holds what one wrote, else someone by hand."""
    try:
        entries = list_generations(state_paths(root))
    except (OSError, PathEscapeError):
        entries = []
    for entry in reversed(entries):
        generation = entry.generation
        item = generation.file(system) if generation is not None else None
        if generation is None or item is None or generation.status == "rolled-back":
            continue
        if item.after.exists == now.exists and (not now.exists or item.after.sha256 == now.sha256):
            when = generation.created.replace("T", " ")[:19]
            return f"by another kvm-wizard: its {generation.kind} of generation {generation.number} at {when}"
        break  # the last transaction that touched it did not leave this: a hand edit since
    return "edited by hand, or by another tool"


def _targets(root: Path, plan: Plan) -> tuple[list[Target], list[str], list[str]]:
    accounts = Accounts(root)
    targets: list[Target] = []
    notes: list[str] = []
    problems: list[str] = []
    for edit in plan.edits:
        try:
            target = _target(root, edit, accounts, notes)
        except ValueError as error:
            problems.append(str(error))
            continue
        if any(other.written_path == target.written_path for other in targets):
            problems.append(f"{target.written_path} is edited twice by the plan")
        targets.append(target)
    return targets, notes, problems


def preview_apply(plan: Plan, root: Path | str, *, confirm_timeout: float | None = None) -> ApplyPreview:
    """Steps, irreversible actions, work left for the target and problems, before anything is done."""
    root_path = Path(root).absolute()
    live = is_system_root(root_path)
    actions, remaining = split_actions(plan, live)
    _, notes, problems = _targets(root_path, plan)
    writes = [write_step(edit.path, edit.target or edit.path) for edit in plan.edits]
    return ApplyPreview(
        steps=build_steps(
            writes,
            actions,
            remaining,
            confirm=confirm_timeout is not None,
            smoke=has_smoke(plan.checks, live),
        ),
        irreversible=tuple(action for action in actions if not action.reversible),
        remaining=remaining,
        skipped_checks=tuple(check for check in plan.checks if check.live_only and not live),
        notes=tuple(notes),
        problems=tuple(problems),
    )


def _refused(reporter: Reporter, error: str, remaining: tuple[Action, ...], started: float) -> ApplyResult:
    reporter.failed(0, error)
    return ApplyResult(
        ok=False,
        kind=TransactionKind.APPLY,
        generation=None,
        steps=reporter.outcomes(),
        failed_step=CHECK_STEP,
        error=error,
        remaining=remaining,
        duration=time.perf_counter() - started,
    )


def apply_plan(
    plan: Plan,
    root: Path | str,
    *,
    runner: CommandRunner,
    progress: ProgressCallback = ignore_progress,
    confirm_timeout: float | None = None,
    summary: str | None = None,
) -> ApplyResult:
    """Apply ``plan`` under ``root`` as one transaction; on any failure every file written is restored.

    With ``confirm_timeout`` the result carries a pending confirmation: confirm() within the timeout keeps
    the new state, otherwise a detached watcher reverts it. ``runner.dry_run`` changes nothing.
    """
    started = time.perf_counter()
    root_path = Path(root).absolute()
    live = is_system_root(root_path)
    actions, remaining = split_actions(plan, live)
    writes = [write_step(edit.path, edit.target or edit.path) for edit in plan.edits]
    steps = build_steps(
        writes, actions, remaining, confirm=confirm_timeout is not None, smoke=has_smoke(plan.checks, live)
    )
    log = ActivityLog(root_path, "apply", enabled=not runner.dry_run)
    reporter = Reporter(steps, progress, log)
    if plan.empty:
        return ApplyResult(ok=True, kind=TransactionKind.APPLY, generation=None, notes=plan.notes)
    if runner.dry_run:
        return _dry_run(plan, reporter, runner, actions, started)
    reporter.started(0)
    try:
        paths = state_paths(root_path)
        with hold_lock(paths, "apply"):
            refusal = busy_reason(paths)
            if refusal is not None:
                return _refused(reporter, refusal, remaining, started)
            targets, notes, problems = _targets(root_path, plan)
            if problems:
                return _refused(reporter, "; ".join(problems), remaining, started)
            kvm_before = confirm_timeout is not None and live and Path("/dev/kvm").exists()
            spec = TransactionSpec(
                kind=TransactionKind.APPLY,
                summary=summary or summarize_answers(plan.answers_toml),
                targets=tuple(targets),
                actions=actions,
                remaining=remaining,
                checks=tuple(check for check in plan.checks if live or not check.live_only),
                answers=plan.answers_toml,
                confirm_timeout=confirm_timeout,
                notes=(*plan.notes, *notes),
                kvm_worked_before=kvm_before and kvm_api_works(Path("/dev/kvm"))[0],
                measure_pcr=plan.measure_pcr,
                measure_off=plan.measure_off,
            )
            reporter.finished(0, f"{len(targets)} file(s) as the plan expects")
            result = Transaction(paths, spec, runner, reporter).run()
            if result.ok and plan.answers_toml:
                with interrupts.shield():  # the transaction has ended: the result must reach the caller
                    _save_answers(paths, plan.answers_toml)
            return result
    except LockHeld as held:
        return _refused(reporter, str(held), remaining, started)
    except PathEscapeError as error:
        return _refused(reporter, f"the state directory: {error}", remaining, started)
    except OSError as error:
        return _refused(reporter, f"cannot take the lock: {describe_os_error(error)}", remaining, started)


def _save_answers(paths: StatePaths, answers: str) -> None:
    """The last answers applied, for the next run's defaults (not part of the transaction: a convenience)."""
    try:
        write_atomic(
            paths.answers, answers.encode("utf-8"), Attributes(os.geteuid(), os.getegid(), PRIVATE_FILE_MODE)
        )
    except OSError as error:
        ActivityLog(paths.root, "apply").write(f"the answers were not saved: {describe_os_error(error)}")


def _dry_run(
    plan: Plan, reporter: Reporter, runner: CommandRunner, actions: tuple[Action, ...], started: float
) -> ApplyResult:
    remaining = tuple(action for action in plan.actions if action not in actions)
    for index, step in enumerate(reporter.steps):
        reporter.started(index)
        action = next((item for item in actions if step.id == f"action:{item.id}"), None)
        if action is not None:

            def show(stream: str, line: str, at: int = index) -> None:
                reporter.output(at, stream, line)

            runner.run(action.argv, on_line=show)
        reporter.skipped(index, "dry run: nothing changed")
    return ApplyResult(
        ok=True,
        kind=TransactionKind.APPLY,
        generation=None,
        steps=reporter.outcomes(),
        remaining=remaining,
        irreversible=tuple(action for action in actions if not action.reversible),
        notes=plan.notes,
        duration=time.perf_counter() - started,
        dry_run=True,
    )


__all__ = ["ApplyPreview", "StepOutcome", "StepStatus", "apply_plan", "preview_apply", "summarize_answers"]
