"""Done: how the apply ended, what changed, what is left to do (restart nova-compute, work for the target),
and how to undo it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screens.session import Session
from screens.steps.said import Keys, Said

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult


def recheck_note(keys: Keys) -> str:
    return (
        f"{keys.back} goes back to Troubleshoot, which checks this node again (the files linted anew): what "
        f"the fixes solved is gone from it. {keys.go_on} finishes."
    )


@dataclass(frozen=True)
class Outcome:
    result: ApplyResult
    confirmed: bool | None  # kept (True), reverted (False), or not asked (no confirm-or-revert)
    message: str  # what confirming or reverting said
    notes: tuple[str, ...]  # the plan's notes: what the operator should know or do afterwards
    root: Path
    live: bool
    rechecks: bool = False  # rescue fixes: going back to Troubleshoot checks the node again


def outcome_of(session: Session, result: ApplyResult) -> Outcome:
    """How this session's apply ended, with the plan's notes: what the operator should know or do now."""
    plan = session.plan_to_apply()
    return Outcome(
        result,
        session.confirmed,
        session.settled_message,
        plan.notes if plan is not None else (),
        session.source.root or Path("/"),
        session.source.live,
        rechecks=session.mode == "rescue" and session.plan is not None,
    )


def headline(outcome: Outcome) -> Said:
    result = outcome.result
    if not result.ok:
        return Said(result.describe(), "fail")
    if result.nothing_to_do:
        return Said("Nothing had to change: the files already said what your answers ask.", "pass")
    if outcome.confirmed is False:
        return Said(f"Reverted: {outcome.message}", "warn")
    if outcome.confirmed is None and result.confirmation is not None:
        return Said(outcome.message or "Not settled here.", "info")
    return Said(f"{result.describe()} {outcome.message}".strip(), "pass")


def summary(outcome: Outcome, keys: Keys) -> list[Said]:
    """The whole summary, with the view's keys where it says what to press."""
    result = outcome.result
    out = [headline(outcome)]
    if result.written:
        out += [Said(""), Said("What changed", tone="heading")]
        for path in result.written:
            state = "restored" if result.rolled_back or outcome.confirmed is False else "written"
            out.append(Said(f"{path} ({state})", indent=2))
    ran = [item for item in result.steps if item.step.kind.value == "action" and item.status.value == "done"]
    out += [Said(f"ran: {item.step.title}", indent=2) for item in ran]
    out += [Said(f"cannot be undone: {action.title}", indent=2) for action in result.irreversible]
    notes = (*outcome.notes, recheck_note(keys)) if outcome.rechecks else outcome.notes
    next_steps = [*notes, *(f"On the target: {action.title}" for action in result.remaining)]
    if result.ok and outcome.confirmed is not False and next_steps:
        out += [Said(""), Said("Next steps", tone="heading")]
        out += [Said(f"- {note}", indent=2) for note in next_steps]
    if result.generation is not None:
        where = "" if outcome.root == Path("/") else f" --root {outcome.root}"
        out += [
            Said(""),
            Said("How to undo it", tone="heading"),
            Said(
                f"Generation {result.generation} holds every file as it was before. {keys.snapshots} rolls back "
                "to it with a preview and confirm-or-revert, or from any shell:",
                indent=2,
            ),
            Said(f"kvm-wizard snapshots rollback {result.generation}{where}", indent=4),
        ]
    return out
