"""The sequencing table: which screen a step is, what it is given from the session, where its answer goes.

Screen modules are imported when their step is first shown, so that the first frame does not wait for them.
The choice steps' screens are kept once built (see recipe): going back and forth shows them again instead
of composing them anew, which is most of what a step change costs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from screens.base import StepExit, StepScreen
from screens.session import CHOICE_STEPS, NEEDS_HOST, SETUP_STEPS, Session, Step

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult, PendingConfirmation
    from wizard.plan.model import Plan

T = TypeVar("T")
# Steps whose screen is kept and shown again while what it is built from is the same (Welcome and the steps
# after the Review do their work when they are built, so they are built each time).
KEPT: frozenset[Step] = frozenset(CHOICE_STEPS[1:])


class Recipe(Protocol):
    """A screen class with the arguments it is built from: a functools.partial, seen by what it holds."""

    @property
    def func(self) -> Callable[..., StepScreen]: ...
    @property
    def args(self) -> tuple[Any, ...]: ...
    @property
    def keywords(self) -> dict[str, Any]: ...
    def __call__(self) -> StepScreen: ...


RECHECK_NOTE = (
    "Esc goes back to Troubleshoot, which checks this node again (the files linted anew): what the fixes "
    "solved is gone from it. F10 finishes."
)
SECTIONS = {
    Step.HYPERVISOR: "hypervisor",
    Step.STORAGE: "storage",
    Step.NESTED: "nested",
    Step.CEPH_DOWNLOAD: "ceph_download",
    Step.TPM: "tpm",
    Step.PERFORMANCE: "performance",
}


def reachable(step: Step, session: Session) -> Step:
    """The step itself, or the earlier one it needs first (the host's files, its facts, a plan, an apply)."""
    if step in (Step.TROUBLESHOOT, Step.WELCOME):
        return step
    if not session.source.ready:
        return Step.WELCOME
    if step in NEEDS_HOST and (session.facts is None or session.answers is None):
        return Step.HOST_CHECK
    if step is Step.APPLY and _plan(session) is None:
        return Step.REVIEW
    if step in (Step.CONFIRM, Step.DONE) and session.result is None:
        return Step.REVIEW
    return step


def build(step: Step, session: Session) -> StepScreen:
    if step in KEPT:
        return recipe(step, session)()
    banner = session.banner(step)
    source = session.source
    if step is Step.WELCOME:
        from screens.welcome import WelcomeScreen

        return WelcomeScreen(
            banner, session.mode, source, session.prepare_demo, root_ready=partial(_root_ready, session)
        )
    if step is Step.TROUBLESHOOT:
        from screens.troubleshoot import TroubleshootScreen

        return TroubleshootScreen(
            banner,
            source,
            session.prepare_demo,
            session.confirm_timeout,
            applied=_applied_generation(session),
            root_ready=partial(_root_ready, session),
        )
    root = source.root or Path("/")
    # Apply and what follows need a plan, not answers: the rescue view's fixes come without any.
    if step is Step.APPLY:
        from screens.apply import ApplyScreen

        # The generation's summary names the rescue fixes (a rescue plan has no answers to sum up).
        summary = "rescue: " + ", ".join(session.fixes) if session.plan is not None else None
        back = "Troubleshoot" if previous(Step.APPLY, session) is Step.TROUBLESHOOT else "the Review"
        return ApplyScreen(
            banner,
            _known(_plan(session), "the plan"),
            root,
            session.confirm_timeout,
            summary=summary,
            back_to=back,
        )
    if step is Step.CONFIRM:
        return build_confirm(session, _known(session.result, "the apply's result"), rollback=False)
    if step is Step.DONE:
        from screens.done import DoneScreen, Outcome

        result = _known(session.result, "the apply's result")
        plan = _plan(session)
        notes = plan.notes if plan is not None else ()
        if session.mode == "rescue" and session.plan is not None:
            notes = (*notes, RECHECK_NOTE)
        outcome = Outcome(result, session.kept, session.settled_message, notes, root, source.live)
        return DoneScreen(banner, outcome)
    raise ValueError(f"no screen for {step}")  # Snapshots is opened with F2, not as a step


def recipe(step: Step, session: Session) -> Recipe:
    """A kept step's screen class with the arguments it is built from. Two equal recipes build the same
    screen: the app shows the one it kept again as long as the recipe is the same (see same_recipe)."""
    banner = session.banner(step)
    source = session.source
    if step is Step.HOST_CHECK:
        from screens.host_check import HostCheckScreen, KnownHost

        known = None
        if session.facts is not None and session.diagnosis is not None:
            known = KnownHost(session.facts, session.diagnosis)
        in_plan = session.fixes_in_plan()
        return partial(HostCheckScreen, banner, source, known, in_plan, want_answers=session.answers is None)
    root = source.root or Path("/")
    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    diagnosis = _known(session.diagnosis, "the diagnosis")
    if step is Step.HYPERVISOR:
        from screens.hypervisor import HypervisorScreen

        return partial(HypervisorScreen, banner, answers.hypervisor, diagnosis.verdict, facts, root)
    if step is Step.STORAGE:
        from screens.storage import StorageScreen

        return partial(StorageScreen, banner, answers.storage, facts, root)
    if step is Step.NESTED:
        from screens.nested import NestedScreen

        return partial(NestedScreen, banner, answers.nested, facts, root)
    if step is Step.CEPH_DOWNLOAD:
        from screens.ceph_download import CephDownloadScreen

        return partial(
            CephDownloadScreen, banner, answers.ceph_download, answers.storage.backend, facts, root
        )
    if step is Step.TPM:
        from screens.tpm import TpmScreen

        return partial(TpmScreen, banner, answers.tpm, facts, source.live, root)
    if step is Step.PERFORMANCE:
        from screens.performance import PerformanceScreen

        return partial(PerformanceScreen, banner, answers.performance, facts)
    if step is Step.REVIEW:
        from screens.review import ReviewScreen

        return partial(
            ReviewScreen,
            banner,
            facts,
            answers,
            root,
            live=source.live,
            confirm_timeout=session.confirm_timeout,
            unsettled=tuple(session.unsettled.items()),
        )
    raise ValueError(f"{step} is not a kept step")


def same_recipe(one: Recipe, other: Recipe) -> bool:
    """Whether two recipes build the same screen (the arguments are compared by value: answers, facts)."""
    return (one.func, one.args, one.keywords) == (other.func, other.args, other.keywords)


def _plan(session: Session) -> Plan | None:
    """The plan the apply runs: the fixes chosen on Troubleshoot, else the one the Review made."""
    if session.plan is not None:
        return session.plan
    return session.outcome.plan if session.outcome is not None else None


def _root_ready(session: Session, root: Path) -> None:
    """A demo's copy was made: F2 (snapshots) and the farewell use it from now on, before the step is left."""
    session.source = dataclasses.replace(session.source, root=root, ready=True)


def _applied_generation(session: Session) -> int | None:
    """The generation this session applied and did not revert: Troubleshoot then says what it fixed."""
    result = session.result
    if result is None or not result.ok or result.nothing_to_do or session.kept is False:
        return None
    return result.generation


def _known(value: T | None, what: str) -> T:
    if value is None:  # reachable() leads to the step that provides it first
        raise LookupError(f"{what} is not known yet")
    return value


def build_confirm(session: Session, result: ApplyResult, *, rollback: bool) -> StepScreen:
    from screens.confirm import ConfirmScreen

    banner = session.banner(Step.CONFIRM)
    if rollback:
        banner = dataclasses.replace(banner, title="Confirm the rollback", position="")
    root = session.source.root or Path("/")
    return ConfirmScreen(banner, root, result, revert_at_once=session.quitting)


def needs_confirmation(value: object) -> bool:
    confirmation = getattr(value, "confirmation", None)
    return bool(getattr(value, "ok", False)) and confirmation is not None


def store(step: Step, session: Session, exit: StepExit) -> None:
    """Keep what a screen collected, whichever way it was left."""
    value = exit.value
    if value is None:
        return
    if step is Step.WELCOME:
        from screens.welcome import WelcomeResult

        if isinstance(value, WelcomeResult):
            session.source = dataclasses.replace(session.source, root=value.root, ready=True)
    elif step is Step.TROUBLESHOOT:
        from screens.troubleshoot import TroubleshootResult

        if isinstance(value, TroubleshootResult):
            session.source = dataclasses.replace(session.source, root=value.root, ready=True)
            session.facts = value.facts
            if session.diagnosis is not None:
                # Host check shows a known diagnosis as it is: keep it of the same facts. Without one it
                # detects again, which also suggests the answers the setup steps start from.
                session.diagnosis = value.diagnosis
            session.plan = value.plan  # None when left without choosing: no stale fixes are applied
            session.fixes = value.fixes
    elif step is Step.HOST_CHECK:
        from screens.host_check import HostCheckResult

        if isinstance(value, HostCheckResult):
            session.facts = value.facts
            session.diagnosis = value.diagnosis
            if session.answers is None:
                session.answers = value.answers
            session.choose_fixes(value.fixes)
    elif step in SECTIONS:
        session.set_section(SECTIONS[step], value)
    elif step is Step.REVIEW and exit.direction == "next":
        from wizard.plan.planner import PlanOutcome

        if isinstance(value, PlanOutcome):
            session.outcome = value
            session.plan = None  # the reviewed plan is the one to apply now
    elif step is Step.APPLY:
        from wizard.apply.results import ApplyResult

        if isinstance(value, ApplyResult):
            session.result = value
            session.kept = None
            session.settled_message = ""
    elif step is Step.CONFIRM:
        from screens.confirm import Settled

        if isinstance(value, Settled):
            session.kept = value.kept
            session.settled_message = value.message


def following(step: Step, session: Session) -> Step | None:
    if step is Step.APPLY:
        return Step.CONFIRM if needs_confirmation(session.result) else Step.DONE
    order = SETUP_STEPS if step in SETUP_STEPS else session.steps  # rescue can go into the setup steps too
    if step not in order or order.index(step) + 1 >= len(order) or step is Step.DONE:
        return None
    return order[order.index(step) + 1]


def previous(step: Step, session: Session) -> Step:
    if step in (Step.APPLY, Step.CONFIRM, Step.DONE):
        # Back to where the plan came from: the fixes chosen on Troubleshoot, or the Review.
        return Step.TROUBLESHOOT if session.plan is not None else Step.REVIEW
    order = SETUP_STEPS if step in SETUP_STEPS else session.steps
    if step not in order or order.index(step) == 0:
        return step
    return order[order.index(step) - 1]


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
    pending = _still_pending(session)
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
    pending = _still_pending(session)
    if pending is not None and root is not None:
        where = "" if root == Path("/") else f" --root {root}"
        lines.append(
            f"kvm-wizard: generation {pending.generation} waits for confirmation until "
            f"{pending.deadline}: kvm-wizard confirm{where}; otherwise it is reverted."
        )
    return lines


def _still_pending(session: Session) -> PendingConfirmation | None:
    """The confirmation this session's apply still waits for. The disk decides: it may have been kept or
    reverted on a screen not left yet."""
    result = session.result
    root = session.source.root
    if result is None or result.confirmation is None or root is None:
        return None
    from wizard.apply.confirm import PendingFileError, pending_confirmation

    try:
        return pending_confirmation(root)
    except PendingFileError:
        return result.confirmation


def exit_code(session: Session) -> int:
    """0: nothing applied, or applied and kept; 1: an apply failed, was rolled back or reverted."""
    result = session.result
    if result is None:
        return 0
    return 0 if result.ok and session.kept is not False else 1


__all__ = ["SETUP_STEPS", "build", "following", "previous", "reachable", "store"]
