"""What a transaction does (targets, actions, checks), and its round trip through the journal and manifest."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from wizard.apply import generations
from wizard.apply.accounts import Accounts
from wizard.apply.atomic import FileState
from wizard.apply.journal import action_from_record, action_to_record, check_from_record, check_to_record
from wizard.apply.log import command_line
from wizard.apply.pending import now_text
from wizard.apply.results import TransactionKind
from wizard.apply.state import StatePaths
from wizard.apply.targets import Target
from wizard.plan.model import Action, Check


@dataclass(frozen=True)
class TransactionSpec:
    kind: TransactionKind
    summary: str
    targets: tuple[Target, ...]
    actions: tuple[Action, ...] = ()
    remaining: tuple[Action, ...] = ()
    checks: tuple[Check, ...] = ()
    answers: str = ""
    restores: int = 0
    confirm_timeout: float | None = None
    notes: tuple[str, ...] = ()
    kvm_worked_before: bool = False  # a health check: KVM must still work after the apply
    measure_pcr: int | None = None  # turns measuring on into this PCR at commit (wizard.apply.measure)
    measure_off: bool = False  # turns it off at commit; neither: the node's setting decides

    @property
    def strict(self) -> bool:
        """Apply: a failing action or a parse error undoes everything. A rollback restores recorded bytes."""
        return self.kind is TransactionKind.APPLY


def recorded_state(state: FileState, accounts: Accounts) -> generations.RecordedState:
    if not state.exists or state.attributes is None:
        return generations.RecordedState(False)
    attributes = state.attributes
    return generations.RecordedState(
        True,
        state.sha256,
        len(state.content),
        attributes.uid,
        attributes.gid,
        attributes.mode,
        accounts.user_name(attributes.uid),
        accounts.group_name(attributes.gid),
        attributes.xattrs,
    )


def generation_of(spec: TransactionSpec, number: int, accounts: Accounts) -> generations.Generation:
    files = tuple(
        generations.RecordedFile(
            index,
            target.path,
            target.written_path,
            target.kind,
            target.link,
            recorded_state(target.before, accounts),
            recorded_state(target.after, accounts),
            target.created_directories,
        )
        for index, target in enumerate(spec.targets)
    )
    return generations.Generation(
        number=number,
        kind=spec.kind.value,
        created=now_text(),
        summary=spec.summary,
        version=_version(),
        status="pending",
        files=files,
        answers=spec.answers,
        restores=spec.restores,
        actions=tuple(action.title for action in spec.actions),
    )


def _version() -> str:
    from wizard import __version__

    return __version__


def begin_record(spec: TransactionSpec, number: int) -> dict[str, Any]:
    """Everything recovery needs that the manifest does not hold."""
    return {
        "kind": spec.kind.value,
        "generation": number,
        "summary": spec.summary,
        "started": now_text(),
        "pid": os.getpid(),
        "command": command_line(),
        "restores": spec.restores,
        "actions": [action_to_record(action) for action in spec.actions],
        "remaining": [action_to_record(action) for action in spec.remaining],
        "checks": [check_to_record(check) for check in spec.checks],
        "confirm_timeout": spec.confirm_timeout,
        "kvm_worked_before": spec.kvm_worked_before,
        "notes": list(spec.notes),
        "measure_pcr": spec.measure_pcr,
        "measure_off": spec.measure_off,
    }


def spec_from_records(
    paths: StatePaths, begin: dict[str, Any], generation: generations.Generation
) -> TransactionSpec:
    """Rebuild an interrupted transaction from its journal and its generation (contents checked by sha256)."""
    targets = tuple(
        Target(
            item.path,
            item.written_path,
            item.kind,
            generations.load_content(paths, generation, item, generations.BEFORE),
            generations.load_content(paths, generation, item, generations.AFTER),
            item.link,
            item.created_directories,
        )
        for item in sorted(generation.files, key=lambda item: item.index)
    )
    timeout = begin.get("confirm_timeout")
    return TransactionSpec(
        kind=TransactionKind(begin["kind"]),
        summary=str(begin["summary"]),
        targets=targets,
        actions=tuple(action_from_record(record) for record in begin.get("actions", [])),
        remaining=tuple(action_from_record(record) for record in begin.get("remaining", [])),
        checks=tuple(check_from_record(record) for record in begin.get("checks", [])),
        answers=generation.answers,
        restores=int(begin.get("restores", 0)),
        confirm_timeout=float(timeout) if timeout is not None else None,
        notes=tuple(str(note) for note in begin.get("notes", [])),
        kvm_worked_before=bool(begin.get("kvm_worked_before", False)),
        measure_pcr=_pcr(begin.get("measure_pcr")),
        measure_off=bool(begin.get("measure_off", False)),
    )


def _pcr(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
