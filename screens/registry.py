"""The step registry: every step of the wizard, once. The app, the step palette, Review and the line mode all
iterate it; nothing else lists the steps.

A step's spec says what the operator reads (its label), which section of the answers it edits, what it needs
before it can be shown, how its screen is built from the session (a recipe: the screen class with its
arguments) and how the typed value the screen is left with goes into the session.

Screen modules are imported inside the recipes, when their step is first shown: the first frame does not wait
for them. How to add a step: README.md, "How to add a step".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from screens.base import Direction, StepExit, StepScreen
from screens.session import Banner, Session

# Engine and screen types, for the type checker: importing them here would make the first frame wait.
if TYPE_CHECKING:
    from screens.confirm import Settled
    from screens.host_check import HostCheckResult
    from screens.troubleshoot import TroubleshootResult
    from screens.welcome import WelcomeResult
    from wizard.answers import (
        CephDownloadAnswers,
        HypervisorAnswers,
        NestedAnswers,
        PerformanceAnswers,
        StorageAnswers,
        TpmAnswers,
    )
    from wizard.apply.results import ApplyResult
    from wizard.plan.planner import PlanOutcome

T = TypeVar("T")
S = TypeVar("S")
# What a step needs before it can be shown; reachable() leads to the step that provides it first.
Needs = Literal["nothing", "files", "host", "plan", "apply"]


class Step(StrEnum):
    WELCOME = "welcome"
    HOST_CHECK = "host_check"
    HYPERVISOR = "hypervisor"
    STORAGE = "storage"
    NESTED = "nested"
    CEPH_DOWNLOAD = "ceph_download"
    TPM = "tpm"
    PERFORMANCE = "performance"
    REVIEW = "review"
    APPLY = "apply"
    CONFIRM = "confirm"
    DONE = "done"
    SNAPSHOTS = "snapshots"
    TROUBLESHOOT = "troubleshoot"

    @property
    def spec(self) -> StepSpec[Any]:
        return STEPS[self]

    @property
    def label(self) -> str:
        return STEPS[self].label


class Recipe(Protocol[T]):
    """A screen class with the arguments it is built from (a functools.partial, seen by what it holds). Two
    equal recipes build the same screen: the app shows the one it built before again (see same_recipe)."""

    @property
    def func(self) -> Callable[..., StepScreen[T]]: ...
    @property
    def args(self) -> tuple[Any, ...]: ...
    @property
    def keywords(self) -> dict[str, Any]: ...
    def __call__(self) -> StepScreen[T]: ...


def _keep_nothing(session: Session, value: Any) -> None:
    """A step whose value the session does not keep (Done's "finish")."""


@dataclass(frozen=True)
class StepSpec(Generic[T]):
    """One step of the wizard: everything the app needs to show it and keep what it collected."""

    label: str
    recipe: Callable[[Session, Banner], Recipe[T]]
    store: Callable[[Session, T], None] = _keep_nothing
    section: str | None = None  # the section of the answers the step edits
    needs: Needs = "files"
    reuse: bool = False  # the screen is kept once built and shown again while its recipe is the same
    # The ways of leaving that keep its value (Review's plan only counts when the operator goes on with it).
    stores_on: frozenset[Direction] = frozenset({"back", "next", "jump"})

    def keep(self, session: Session, exit: StepExit[T]) -> None:
        """Keep what the screen was left with, if this way of leaving keeps anything."""
        if exit.value is not None and exit.direction in self.stores_on:
            self.store(session, exit.value)


# -- the recipes: each imports its screen when it is first needed ----------------------------------------------
def _known(value: S | None, what: str) -> S:
    if value is None:  # reachable() leads to the step that provides it first
        raise LookupError(f"{what} is not known yet")
    return value


def _root(session: Session) -> Path:
    return session.source.root or Path("/")


def _welcome(session: Session, banner: Banner) -> Recipe[WelcomeResult]:
    from screens.welcome import WelcomeScreen

    return partial(WelcomeScreen, banner, session.mode, session.source)


def _store_welcome(session: Session, value: WelcomeResult) -> None:
    session.source = value.source


def _troubleshoot(session: Session, banner: Banner) -> Recipe[TroubleshootResult]:
    from screens.troubleshoot import TroubleshootScreen

    return partial(
        TroubleshootScreen,
        banner,
        session.source,
        session.confirm_timeout,
        applied=session.applied_generation(),
    )


def _store_troubleshoot(session: Session, value: TroubleshootResult) -> None:
    session.source = value.source
    session.facts = value.facts
    if session.diagnosis is not None:
        # Host check shows a known diagnosis as it is: keep it of the same facts. Without one it detects
        # again, which also suggests the answers the setup steps start from.
        session.diagnosis = value.diagnosis
    session.plan = value.plan  # None when left without choosing: no stale fixes are applied
    session.fixes = value.fixes


def _host_check(session: Session, banner: Banner) -> Recipe[HostCheckResult]:
    from screens.host_check import HostCheckScreen, KnownHost

    known = None
    if session.facts is not None and session.diagnosis is not None:
        known = KnownHost(session.facts, session.diagnosis)
    in_plan = session.fixes_in_plan()
    return partial(
        HostCheckScreen, banner, session.source, known, in_plan, want_answers=session.answers is None
    )


def _store_host_check(session: Session, value: HostCheckResult) -> None:
    session.facts = value.facts
    session.diagnosis = value.diagnosis
    if session.answers is None:
        session.answers = value.answers
    session.choose_fixes(value.fixes)


def _hypervisor(session: Session, banner: Banner) -> Recipe[HypervisorAnswers]:
    from screens.hypervisor import HypervisorScreen

    answers = _known(session.answers, "the answers")
    diagnosis = _known(session.diagnosis, "the diagnosis")
    facts = _known(session.facts, "the host's facts")
    return partial(HypervisorScreen, banner, answers.hypervisor, diagnosis.verdict, facts, _root(session))


def _storage(session: Session, banner: Banner) -> Recipe[StorageAnswers]:
    from screens.storage import StorageScreen

    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    return partial(StorageScreen, banner, answers.storage, facts, _root(session))


def _nested(session: Session, banner: Banner) -> Recipe[NestedAnswers]:
    from screens.nested import NestedScreen

    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    virt_type = answers.hypervisor.virt_type
    return partial(NestedScreen, banner, answers.nested, facts, _root(session), virt_type=virt_type)


def _ceph_download(session: Session, banner: Banner) -> Recipe[CephDownloadAnswers]:
    from screens.ceph_download import CephDownloadScreen

    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    return partial(
        CephDownloadScreen, banner, answers.ceph_download, answers.storage.backend, facts, _root(session)
    )


def _tpm(session: Session, banner: Banner) -> Recipe[TpmAnswers]:
    from screens.tpm import TpmScreen

    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    virt_type = answers.hypervisor.virt_type
    return partial(
        TpmScreen, banner, answers.tpm, facts, session.source.live, _root(session), virt_type=virt_type
    )


def _performance(session: Session, banner: Banner) -> Recipe[PerformanceAnswers]:
    from screens.performance import PerformanceScreen

    answers = _known(session.answers, "the answers")
    return partial(PerformanceScreen, banner, answers.performance, _known(session.facts, "the host's facts"))


def _store_section(section: str) -> Callable[[Session, Any], None]:
    def store(session: Session, value: Any) -> None:
        session.set_section(section, value)

    return store


def _review(session: Session, banner: Banner) -> Recipe[PlanOutcome]:
    from screens.review import ReviewScreen

    return partial(
        ReviewScreen,
        banner,
        _known(session.facts, "the host's facts"),
        _known(session.answers, "the answers"),
        _root(session),
        live=session.source.runs_actions,
        confirm_timeout=session.confirm_timeout,
        step_of_section=step_of_section,
        unsettled=tuple(
            (step, step.label, problem)
            for section, problem in session.unsettled.items()
            for step in (step_of_section(section),)
        ),
    )


def _store_review(session: Session, value: PlanOutcome) -> None:
    session.outcome = value
    session.plan = None  # the reviewed plan is the one to apply now


def _apply(session: Session, banner: Banner) -> Recipe[ApplyResult]:
    from screens.apply import ApplyScreen

    # The generation's summary names the rescue fixes (a rescue plan has no answers to sum up).
    summary = "rescue: " + ", ".join(session.fixes) if session.plan is not None else None
    back = "Troubleshoot" if session.plan is not None else "the Review"
    plan = _known(session.plan_to_apply(), "the plan")
    return partial(
        ApplyScreen, banner, plan, _root(session), session.confirm_timeout, summary=summary, back_to=back
    )


def _store_apply(session: Session, value: ApplyResult) -> None:
    session.result = value
    session.confirmed = None
    session.settled_message = ""


def _confirm(session: Session, banner: Banner, result: ApplyResult | None = None) -> Recipe[Settled]:
    """Confirm's screen for this session's last apply, or for ``result`` (a rollback from the snapshots)."""
    from screens.confirm import ConfirmScreen

    settling = result or _known(session.result, "the apply's result")
    return partial(ConfirmScreen, banner, _root(session), settling)


def _store_confirm(session: Session, value: Settled) -> None:
    session.confirmed = value.confirmed
    session.settled_message = value.message


RECHECK_NOTE = (
    "Esc goes back to Troubleshoot, which checks this node again (the files linted anew): what the fixes "
    "solved is gone from it. F10 finishes."
)


def _done(session: Session, banner: Banner) -> Recipe[str]:
    from screens.done import DoneScreen, Outcome

    result = _known(session.result, "the apply's result")
    plan = session.plan_to_apply()
    notes = plan.notes if plan is not None else ()
    if session.mode == "rescue" and session.plan is not None:
        notes = (*notes, RECHECK_NOTE)
    failing = session.diagnosis.findings if session.diagnosis is not None else ()
    still = tuple(f"[FAIL] {finding.title}" for finding in failing if finding.status.value == "fail")
    outcome = Outcome(
        result,
        notes,
        _root(session),
        session.source.live,
        still_broken=still,
        image_commands=plan.image_commands if plan is not None else (),
    )
    return partial(DoneScreen, banner, outcome)


def _snapshots(session: Session, banner: Banner) -> Recipe[ApplyResult]:
    from screens.snapshots import SnapshotsScreen

    return partial(SnapshotsScreen, banner, _root(session), session.source.live, session.confirm_timeout)


STEPS: dict[Step, StepSpec[Any]] = {
    Step.WELCOME: StepSpec("Welcome", _welcome, _store_welcome, needs="nothing"),
    Step.HOST_CHECK: StepSpec("Host check", _host_check, _store_host_check, reuse=True),
    Step.HYPERVISOR: StepSpec(
        "Hypervisor", _hypervisor, _store_section("hypervisor"), "hypervisor", "host", reuse=True
    ),
    Step.STORAGE: StepSpec("Storage", _storage, _store_section("storage"), "storage", "host", reuse=True),
    Step.NESTED: StepSpec("Nested guests", _nested, _store_section("nested"), "nested", "host", reuse=True),
    Step.CEPH_DOWNLOAD: StepSpec(
        "Ceph direct download",
        _ceph_download,
        _store_section("ceph_download"),
        "ceph_download",
        "host",
        reuse=True,
    ),
    Step.TPM: StepSpec("TPM", _tpm, _store_section("tpm"), "tpm", "host", reuse=True),
    Step.PERFORMANCE: StepSpec(
        "Performance", _performance, _store_section("performance"), "performance", "host", reuse=True
    ),
    Step.REVIEW: StepSpec(
        "Review", _review, _store_review, needs="host", reuse=True, stores_on=frozenset({"next"})
    ),
    Step.APPLY: StepSpec("Apply", _apply, _store_apply, needs="plan"),
    Step.CONFIRM: StepSpec("Confirm", _confirm, _store_confirm, needs="apply"),
    Step.DONE: StepSpec("Done", _done, needs="apply"),
    Step.SNAPSHOTS: StepSpec("Snapshots", _snapshots),  # opened with F2, not as a step
    Step.TROUBLESHOOT: StepSpec("Troubleshoot", _troubleshoot, _store_troubleshoot, needs="nothing"),
}

# The setup wizard, in order. Steps up to Review can be visited in any order; the rest follow from an apply.
SETUP_STEPS: tuple[Step, ...] = (
    Step.WELCOME,
    Step.HOST_CHECK,
    Step.HYPERVISOR,
    Step.STORAGE,
    Step.NESTED,
    Step.CEPH_DOWNLOAD,
    Step.TPM,
    Step.PERFORMANCE,
    Step.REVIEW,
    Step.APPLY,
    Step.CONFIRM,
    Step.DONE,
)
CHOICE_STEPS: tuple[Step, ...] = SETUP_STEPS[: SETUP_STEPS.index(Step.REVIEW) + 1]
# The rescue view: the fixes chosen on Troubleshoot go straight to the apply; the setup steps stay reachable (F9).
RESCUE_STEPS: tuple[Step, ...] = (Step.TROUBLESHOOT, Step.APPLY, Step.CONFIRM, Step.DONE)


def order(session: Session) -> tuple[Step, ...]:
    """The steps of this session's mode, in order."""
    return RESCUE_STEPS if session.mode == "rescue" else SETUP_STEPS


def step_of_section(section: str) -> Step:
    """The step that edits a section of the answers (Host check for anything else: the host's own problems)."""
    return next((step for step, spec in STEPS.items() if spec.section == section), Step.HOST_CHECK)


def banner(session: Session, step: Step) -> Banner:
    """What the title line says on this step: its label, where it is in the wizard, and the mode."""
    marker = ""
    source = session.source
    if source.kind == "demo":
        marker = f"DEMO {source.scenario}".rstrip()
    elif session.mode == "rescue":
        marker = "RESCUE"
    elif not source.live and source.root is not None:
        marker = f"ROOT {source.root}"
    position = ""
    if step in SETUP_STEPS and session.mode != "rescue":
        position = f"Step {SETUP_STEPS.index(step) + 1} of {len(SETUP_STEPS)}"
    return Banner(step.label, position, marker)


def recipe(step: Step, session: Session) -> Recipe[Any]:
    """The step's screen class with the arguments it is built from now."""
    return STEPS[step].recipe(session, banner(session, step))


def build(step: Step, session: Session) -> StepScreen[Any]:
    return recipe(step, session)()


def confirm_rollback(session: Session, result: ApplyResult) -> StepScreen[Settled]:
    """Confirm's screen for a rollback made from the snapshots."""
    title = dataclasses.replace(banner(session, Step.CONFIRM), title="Confirm the rollback", position="")
    screen: StepScreen[Settled] = _confirm(session, title, result)()
    return screen


def same_recipe(one: Recipe[Any], other: Recipe[Any]) -> bool:
    """Whether two recipes build the same screen (the arguments are compared by value: answers, facts)."""
    return (one.func, one.args, one.keywords) == (other.func, other.args, other.keywords)
