"""Done: how the apply stands now, read from the record on disk (kept, reverted by you, reverted at the
deadline, failed: wizard/apply/settlement.py), what became of each file, what is left to do (restart
nova-compute, work for the target), and how to undo it when there is something to undo."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screens.session import Session
from screens.steps.fates import headline
from screens.steps.said import Keys, Said

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult
    from wizard.apply.settlement import Settlement

READING = "Reading how the change stands..."


def recheck_note(keys: Keys) -> str:
    return (
        f"{keys.back} goes back to Troubleshoot, which checks this node again (the files linted anew): what "
        f"the fixes solved is gone from it. {keys.go_on} finishes."
    )


@dataclass(frozen=True)
class Outcome:
    result: ApplyResult
    notes: tuple[str, ...]  # the plan's notes: what the operator should know or do afterwards
    root: Path
    live: bool
    still_broken: tuple[str, ...] = ()  # the host's problems before the apply: still there when it is undone
    rechecks: bool = False  # rescue fixes: going back to Troubleshoot checks the node again
    image_commands: tuple[str, ...] = ()  # the plan's image properties of TPM 2.0 and Secure Boot guests


def outcome_of(session: Session, result: ApplyResult) -> Outcome:
    """How this session's apply ended, with the plan's notes: what the operator should know or do now."""
    plan = session.plan_to_apply()
    failing = session.diagnosis.findings if session.diagnosis is not None else ()
    still = tuple(f"[FAIL] {finding.title}" for finding in failing if finding.status.value == "fail")
    return Outcome(
        result,
        plan.notes if plan is not None else (),
        session.source.root or Path("/"),
        session.source.live,
        still_broken=still,
        rechecks=session.mode == "rescue" and session.plan is not None,
        image_commands=plan.image_commands if plan is not None else (),
    )


def read(outcome: Outcome) -> Settlement:
    """How the change stands now, by the record on disk."""
    from wizard.apply.settlement import settlement  # lazy: the engine is not loaded before the first frame

    return settlement(outcome.root, outcome.result)


def summary(outcome: Outcome, state: Settlement, keys: Keys) -> list[Said]:
    """The whole summary, with the view's keys where it says what to press."""
    result = outcome.result
    word, sentence = headline(state, result, keys)
    out = [Said(sentence, word)]
    undone = not state.changed
    if state.files:
        out += [Said(""), Said("What changed" if state.changed else "The files", tone="heading")]
        out += [Said(f"{item.path}: {item.fate(undone)}", indent=2) for item in state.files]
    if state.changed:
        ran = [
            step for step in result.steps if step.step.kind.value == "action" and step.status.value == "done"
        ]
        out += [Said(f"ran: {step.step.title}", indent=2) for step in ran]
        out += [Said(f"cannot be undone: {action.title}", indent=2) for action in result.irreversible]
        notes = (*outcome.notes, recheck_note(keys)) if outcome.rechecks else outcome.notes
        next_steps = [*notes, *(f"On the target: {action.title}" for action in result.remaining)]
        if next_steps:
            out += [Said(""), Said("Next steps", tone="heading")]
            out += [Said(f"- {note}", indent=2) for note in next_steps]
        out += image_properties(outcome.image_commands)
        if state.generation is not None:
            where = "" if outcome.root == Path("/") else f" --root {outcome.root}"
            out += [
                Said(""),
                Said("How to undo it", tone="heading"),
                Said(
                    f"Generation {state.generation} holds every file as it was before. {keys.snapshots} rolls "
                    "back to it with a preview and confirm-or-revert, or from any shell:"
                    if keys.rolls_back
                    else f"Generation {state.generation} holds every file as it was before. Roll back to it "
                    f"from any shell ({keys.snapshots} lists the generations):",
                    indent=2,
                ),
                Said(f"kvm-wizard snapshots rollback {state.generation}{where}", indent=4),
            ]
    elif state.fate.value != "nothing":
        left = [*state.not_undone, *outcome.still_broken]
        if left:
            out += [Said(""), Said("Still as before", tone="heading")]
            out += [Said(f"- {thing}", indent=2) for thing in left]
    return out


def image_properties(commands: tuple[str, ...]) -> list[Said]:
    """Ready-to-copy commands: what images (or flavors) of guests that require TPM 2.0 and Secure Boot say."""
    if not commands:
        return []
    from wizard.tpm.guests import command_lines  # lazy: the engine is not loaded before the first frame

    return [
        Said(""),
        Said("Guests that require TPM 2.0 and Secure Boot", tone="heading"),
        Said("Set these on their images (IMAGE), or the same on their flavors (FLAVOR):", indent=2),
        *(Said(part, indent=4) for command in commands for part in command_lines(command)),
    ]
