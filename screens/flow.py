"""The flow between steps: where each way of leaving a step leads, what a step needs first, what quitting says.

Which steps there are, and what each is, is the registry's (screens/registry.py); this decides the order of
going through them for the session as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screens.registry import CHOICE_STEPS, SETUP_STEPS, STEPS, Step, order
from screens.session import Session
from screens.steps.fates import clock_time, headline

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult, PendingConfirmation
    from wizard.apply.settlement import Settlement


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


@dataclass(frozen=True)
class Standing:
    """What the record on disk says now: the change waiting for confirmation (any, this session's or an
    earlier one's), and how this session's last apply stands."""

    pending: PendingConfirmation | None = None
    state: Settlement | None = None
    problem: str = ""  # the pending confirmation could not be read


def standing(session: Session) -> Standing:
    root = session.source.root
    if root is None or not session.source.ready:
        return Standing()
    # The engine is loaded by then (the host's files are ready): these imports cost nothing.
    from wizard.apply.confirm import PendingFileError, pending_confirmation
    from wizard.apply.settlement import settlement

    pending, problem = None, ""
    try:
        pending = pending_confirmation(root)
    except PendingFileError as error:
        problem = str(error)
    state = settlement(root, session.result) if session.result is not None else None
    return Standing(pending, state, problem)


@dataclass(frozen=True)
class QuitQuestion:
    """The one quit question, for the state the wizard and the record are in. Each answer names its outcome."""

    text: str
    quit_label: str  # "Quit", "Quit and revert", "Quit when it ends, then revert"
    waits: bool = False  # quitting waits for the running transaction to end
    reverts: bool = False  # quitting reverts the change waiting for confirmation (after the wait)
    leave_label: str = ""  # a change waits: the answer that quits and leaves it to `kvm-wizard confirm`


def quit_question(session: Session, busy: str, standing: Standing, keep_how: str = "") -> QuitQuestion:
    """``busy``: why the step shown cannot be left now (a transaction running); ``keep_how``: how the change
    waiting for confirmation is kept from the screen shown ("" where it is not)."""
    if busy:
        if session.confirm_timeout is None:
            return QuitQuestion(
                f"Not yet: {busy}, and it cannot stop half-way. Quitting waits for it to end; what it changes "
                "is kept (--no-confirm), and F2 (snapshots) or `kvm-wizard snapshots` can roll it back later.",
                "Quit when it ends",
                waits=True,
            )
        return QuitQuestion(
            f"Not yet: {busy}, and it cannot stop half-way. Quitting waits for it to end, then reverts what "
            "it changed (nothing unconfirmed stays) and ends the wizard.",
            "Quit when it ends, then revert",
            waits=True,
            reverts=True,
        )
    pending = standing.pending
    if pending is not None:
        keep = keep_how or "choose Stay and keep it on Confirm"
        return QuitQuestion(
            f"The {pending.kind} of generation {pending.generation} waits for your confirmation: it is "
            f"reverted at {clock_time(pending.deadline)} unless you keep it. To keep it, {keep}.\n"
            "Quit and revert: the files go back as they were before it, now; then the wizard ends.\n"
            "Quit, leave it waiting: `kvm-wizard confirm` (from any shell) keeps it before "
            f"{clock_time(pending.deadline)}; otherwise it is reverted then.",
            "Quit and revert",
            reverts=True,
            leave_label="Quit, leave it waiting",
        )
    if standing.problem:
        return QuitQuestion(
            f"Quit kvm-wizard? {standing.problem}: `kvm-wizard confirm` or `kvm-wizard recover` settles it "
            "from a shell.",
            "Quit",
        )
    state, result = standing.state, session.result
    if state is not None and result is not None:
        sentence = headline(state, result)[1]
        if state.changed and state.generation is not None:
            sentence += (
                f" F2 (snapshots) or `kvm-wizard snapshots rollback {state.generation}` can undo it later."
            )
        return QuitQuestion(f"Quit kvm-wizard? {sentence}", "Quit")
    return QuitQuestion(
        "Quit kvm-wizard? Nothing has been changed on this host; the answers on these screens are not saved.",
        "Quit",
    )


def farewell(session: Session, standing: Standing) -> list[str]:
    """What the launcher prints after the terminal is restored."""
    lines: list[str] = []
    root = session.source.root
    if session.source.kind == "demo" and root is not None and session.source.ready:
        lines.append(f"kvm-wizard: the demo's files are in {root} (a throwaway copy; remove it when done).")
    if standing.state is not None and session.result is not None and standing.state.fate.value != "pending":
        lines.append(f"kvm-wizard: {headline(standing.state, session.result)[1]}")
    pending = standing.pending
    if pending is not None and root is not None:
        where = "" if root == Path("/") else f" --root {root}"
        lines.append(
            f"kvm-wizard: generation {pending.generation} waits for confirmation until "
            f"{clock_time(pending.deadline)}: kvm-wizard confirm{where}; otherwise it is reverted."
        )
    if standing.problem:
        lines.append(f"kvm-wizard: {standing.problem}")
    return lines


def exit_code(standing: Standing) -> int:
    """0: nothing applied, or applied and kept; 1: an apply failed, was reverted, or is not settled."""
    state = standing.state
    if state is None:
        return 0
    return 0 if state.fate.value in ("nothing", "kept") else 1
