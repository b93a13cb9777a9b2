"""The flow between steps: where each way of leaving a step leads, what a step needs first, what quitting says.

Which steps there are, and what each is, is the registry's (screens/registry.py); this decides the order of
going through them for the session as it stands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from screens.registry import CHOICE_STEPS, SETUP_STEPS, STEPS, Step, order
from screens.session import Session

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult, PendingConfirmation


def reachable(step: Step, session: Session) -> Step:
    """The step itself, or the earlier one it needs first (the host's files, its facts, a plan, an apply)."""
    needs = STEPS[step].needs
    if needs == "nothing":
        return step
    if not session.source.ready:
        return Step.WELCOME
    if needs == "host" and (session.facts is None or session.answers is None):
        return Step.HOST_CHECK
    if needs == "plan" and session.plan_to_apply() is None:
        return Step.REVIEW
    if needs == "apply" and session.result is None:
        return Step.REVIEW
    return step


def needs_confirmation(result: ApplyResult | None) -> bool:
    return result is not None and result.ok and result.confirmation is not None


def following(step: Step, session: Session) -> Step | None:
    if step is Step.APPLY:
        return Step.CONFIRM if needs_confirmation(session.result) else Step.DONE
    steps = SETUP_STEPS if step in SETUP_STEPS else order(session)  # rescue can go into the setup steps too
    if step not in steps or steps.index(step) + 1 >= len(steps) or step is Step.DONE:
        return None
    return steps[steps.index(step) + 1]


def previous(step: Step, session: Session) -> Step:
    if step in (Step.APPLY, Step.CONFIRM, Step.DONE):
        # Back to where the plan came from: the fixes chosen on Troubleshoot, or the Review.
        return Step.TROUBLESHOOT if session.plan is not None else Step.REVIEW
    steps = SETUP_STEPS if step in SETUP_STEPS else order(session)
    if step not in steps or steps.index(step) == 0:
        return step
    return steps[steps.index(step) - 1]


def jumpable(session: Session) -> tuple[Step, ...]:
    """The steps the palette offers (when nothing is running or held)."""
    if session.mode == "rescue":
        return (Step.TROUBLESHOOT, *CHOICE_STEPS)
    return CHOICE_STEPS


def after_quit(step: Step, session: Session) -> Step | None:
    """Where an apply goes when the operator quit during it: its revert, then the end."""
    if step is Step.APPLY and needs_confirmation(session.result):
        return Step.CONFIRM
    return None


def quit_question(step: Step | None, session: Session, busy: str) -> str:
    if busy and step is Step.CONFIRM:
        return (
            "Quit now? The change is reverted first, so nothing unconfirmed stays. (To keep it, answer n "
            "and press y.)"
        )
    if busy:
        return (
            f"Not now: {busy}, and it cannot stop half-way. Quit when it has ended? It is then reverted, so "
            "nothing is left half-applied."
        )
    pending = still_pending(session)
    if pending is not None:
        return (
            f"Quit kvm-wizard? Generation {pending.generation} is not confirmed yet: it is reverted at "
            f"{pending.deadline} unless `kvm-wizard confirm` keeps it first."
        )
    if session.result is not None and session.result.ok:
        return "Quit kvm-wizard? What was applied stays; F2 snapshots or `kvm-wizard snapshots` can undo it."
    return "Quit kvm-wizard? Nothing has been changed on this host; your answers here are not kept."


def farewell(session: Session) -> list[str]:
    """What the launcher prints after the terminal is restored."""
    lines: list[str] = []
    root = session.source.root
    if session.source.kind == "demo" and root is not None and session.source.ready:
        lines.append(f"kvm-wizard: the demo's files are in {root} (a throwaway copy; remove it when done).")
    pending = still_pending(session)
    if pending is not None and root is not None:
        where = "" if root == Path("/") else f" --root {root}"
        lines.append(
            f"kvm-wizard: generation {pending.generation} waits for confirmation until "
            f"{pending.deadline}: kvm-wizard confirm{where}; otherwise it is reverted."
        )
    return lines


def still_pending(session: Session) -> PendingConfirmation | None:
    """The confirmation this session's apply still waits for. The disk decides: it may have been kept or
    reverted on a screen not left yet."""
    result = session.result
    root = session.source.root
    if result is None or result.confirmation is None or root is None:
        return None
    from wizard.apply.confirm import PendingFileError, pending_confirmation  # loaded by the apply already

    try:
        return pending_confirmation(root)
    except PendingFileError:
        return result.confirmation


def exit_code(session: Session) -> int:
    """0: nothing applied, or applied and kept; 1: an apply failed, was rolled back or reverted."""
    result = session.result
    if result is None:
        return 0
    return 0 if result.ok and session.confirmed is not False else 1
