"""The step registry: every step of the wizard, once. The app, the step palette, Review and the line mode all
iterate it; nothing else lists the steps.

A step's spec says what the operator reads (its label), which section of the answers it edits, what it needs
before it can be shown, what its views are built from (the arguments, taken from the session), its two views
(the full screen's and the line mode's) and how the typed value a view is left with goes into the session.

The registry is UI-neutral: it imports neither Textual nor rich, nor any view, not even inside a function.
Each view is named by its module path and imported when its step is first shown (``load_view``): the line
mode never loads Textual (an import-linter contract says so), and the first frame does not wait for screens
it does not show. How to add a step: README.md, "How to add a step".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from screens.session import Banner, Session
from screens.steps.done import outcome_of
from screens.steps.host_check import KnownHost

# Engine and step types, for the type checker: importing them here would make the first frame wait.
if TYPE_CHECKING:
    from screens.steps.confirm import Settled
    from screens.steps.host_check import HostCheckResult
    from screens.steps.troubleshoot import TroubleshootResult
    from screens.steps.welcome import WelcomeResult
    from wizard.apply.results import ApplyResult
    from wizard.plan.planner import PlanOutcome

T = TypeVar("T")
S = TypeVar("S")
# What a step needs before it can be shown; reachable() leads to the step that provides it first.
Needs = Literal["nothing", "files", "host", "plan", "apply"]
Direction = Literal["back", "next", "jump"]


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


@dataclass(frozen=True)
class StepExit(Generic[T]):
    """How a step's view was left, and what it collected (None when nothing valid was entered)."""

    direction: Direction
    value: T | None = None
    target: str | None = None  # for "jump": the step to go to (a Step's value)


@dataclass(frozen=True)
class Arguments:
    """What a step's views are built from, after the banner: both views take the same ones."""

    args: tuple[Any, ...] = ()
    keywords: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Views:
    """A step's two views, by module path and class name ("screens.storage:StorageScreen")."""

    screen: str  # the full screen's: a screens.base.StepScreen
    line: str  # the line mode's: a screens.line.view.LineView (imports no Textual)


def load_view(reference: str) -> Any:
    """The class a view reference names, imported now (the first time its step is shown)."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def _keep_nothing(session: Session, value: Any) -> None:
    """A step whose value the session does not keep (Done's "finish")."""


@dataclass(frozen=True)
class StepSpec(Generic[T]):
    """One step of the wizard: everything either view needs to show it, and how to keep what it collected."""

    label: str
    views: Views
    arguments: Callable[[Session], Arguments]
    store: Callable[[Session, T], None] = _keep_nothing
    section: str | None = None  # the section of the answers the step edits
    needs: Needs = "files"
    reuse: bool = False  # the full screen keeps it once built and shows it again while its arguments hold
    # The ways of leaving that keep its value (Review's plan only counts when the operator goes on with it).
    stores_on: frozenset[Direction] = frozenset({"back", "next", "jump"})

    def keep(self, session: Session, exit: StepExit[T]) -> None:
        """Keep what the view was left with, if this way of leaving keeps anything."""
        if exit.value is not None and exit.direction in self.stores_on:
            self.store(session, exit.value)


# -- the arguments of each step, from the session -----------------------------------------------------------
def _known(value: S | None, what: str) -> S:
    if value is None:  # reachable() leads to the step that provides it first
        raise LookupError(f"{what} is not known yet")
    return value


def _root(session: Session) -> Path:
    return session.source.root or Path("/")


def _welcome(session: Session) -> Arguments:
    return Arguments((session.mode, session.source))


def _store_welcome(session: Session, value: WelcomeResult) -> None:
    session.source = value.source


def _troubleshoot(session: Session) -> Arguments:
    return Arguments((session.source, session.confirm_timeout), {"applied": session.applied_generation()})


def _store_troubleshoot(session: Session, value: TroubleshootResult) -> None:
    session.source = value.source
    session.facts = value.facts
    if session.diagnosis is not None:
        # Host check shows a known diagnosis as it is: keep it of the same facts. Without one it detects
        # again, which also suggests the answers the setup steps start from.
        session.diagnosis = value.diagnosis
    session.plan = value.plan  # None when left without choosing: no stale fixes are applied
    session.fixes = value.fixes


def _host_check(session: Session) -> Arguments:
    known = None
    if session.facts is not None and session.diagnosis is not None:
        known = KnownHost(session.facts, session.diagnosis)
    in_plan = session.fixes_in_plan()
    return Arguments((session.source, known, in_plan), {"want_answers": session.answers is None})


def _store_host_check(session: Session, value: HostCheckResult) -> None:
    session.facts = value.facts
    session.diagnosis = value.diagnosis
    if session.answers is None:
        session.answers = value.answers
    session.choose_fixes(value.fixes)


def _hypervisor(session: Session) -> Arguments:
    answers = _known(session.answers, "the answers")
    diagnosis = _known(session.diagnosis, "the diagnosis")
    facts = _known(session.facts, "the host's facts")
    return Arguments((answers.hypervisor, diagnosis.verdict, facts, _root(session)))


def _storage(session: Session) -> Arguments:
    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    return Arguments((answers.storage, facts, _root(session)))


def _nested(session: Session) -> Arguments:
    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    return Arguments((answers.nested, facts, _root(session)), {"virt_type": answers.hypervisor.virt_type})


def _ceph_download(session: Session) -> Arguments:
    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    return Arguments((answers.ceph_download, answers.storage.backend, facts, _root(session)))


def _tpm(session: Session) -> Arguments:
    answers = _known(session.answers, "the answers")
    facts = _known(session.facts, "the host's facts")
    return Arguments(
        (answers.tpm, facts, session.source.live, _root(session)),
        {"virt_type": answers.hypervisor.virt_type},
    )


def _performance(session: Session) -> Arguments:
    answers = _known(session.answers, "the answers")
    return Arguments((answers.performance, _known(session.facts, "the host's facts")))


def _store_section(section: str) -> Callable[[Session, Any], None]:
    def store(session: Session, value: Any) -> None:
        session.set_section(section, value)

    return store


def _review(session: Session) -> Arguments:
    return Arguments(
        (
            _known(session.facts, "the host's facts"),
            _known(session.answers, "the answers"),
            _root(session),
        ),
        {
            "live": session.source.runs_actions,
            "confirm_timeout": session.confirm_timeout,
            "step_of_section": step_of_section,
            "unsettled": tuple(
                (step, step.label, problem)
                for section, problem in session.unsettled.items()
                for step in (step_of_section(section),)
            ),
        },
    )


def _store_review(session: Session, value: PlanOutcome) -> None:
    session.outcome = value
    session.plan = None  # the reviewed plan is the one to apply now


def _apply(session: Session) -> Arguments:
    # The generation's summary names the rescue fixes (a rescue plan has no answers to sum up).
    summary = "rescue: " + ", ".join(session.fixes) if session.plan is not None else None
    back = "Troubleshoot" if session.plan is not None else "the Review"
    plan = _known(session.plan_to_apply(), "the plan")
    return Arguments((plan, _root(session), session.confirm_timeout), {"summary": summary, "back_to": back})


def _store_apply(session: Session, value: ApplyResult) -> None:
    session.result = value
    session.confirmed = None
    session.settled_message = ""


def confirm_arguments(session: Session, result: ApplyResult | None = None) -> Arguments:
    """Confirm's arguments for this session's last apply, or for ``result`` (a rollback from the snapshots)."""
    settling = result or _known(session.result, "the apply's result")
    return Arguments((_root(session), settling))


def _store_confirm(session: Session, value: Settled) -> None:
    session.confirmed = value.confirmed
    session.settled_message = value.message


def _done(session: Session) -> Arguments:
    return Arguments((outcome_of(session, _known(session.result, "the apply's result")),))


def _snapshots(session: Session) -> Arguments:
    return Arguments((_root(session), session.source.live, session.confirm_timeout))


STEPS: dict[Step, StepSpec[Any]] = {
    Step.WELCOME: StepSpec(
        "Welcome",
        Views("screens.welcome:WelcomeScreen", "screens.line.start:WelcomeLines"),
        _welcome,
        _store_welcome,
        needs="nothing",
    ),
    Step.HOST_CHECK: StepSpec(
        "Host check",
        Views("screens.host_check:HostCheckScreen", "screens.line.start:HostCheckLines"),
        _host_check,
        _store_host_check,
        reuse=True,
    ),
    Step.HYPERVISOR: StepSpec(
        "Hypervisor",
        Views("screens.hypervisor:HypervisorScreen", "screens.line.choices:HypervisorLines"),
        _hypervisor,
        _store_section("hypervisor"),
        "hypervisor",
        "host",
        reuse=True,
    ),
    Step.STORAGE: StepSpec(
        "Storage",
        Views("screens.storage:StorageScreen", "screens.line.choices:StorageLines"),
        _storage,
        _store_section("storage"),
        "storage",
        "host",
        reuse=True,
    ),
    Step.NESTED: StepSpec(
        "Nested guests",
        Views("screens.nested:NestedScreen", "screens.line.choices:NestedLines"),
        _nested,
        _store_section("nested"),
        "nested",
        "host",
        reuse=True,
    ),
    Step.CEPH_DOWNLOAD: StepSpec(
        "Ceph direct download",
        Views("screens.ceph_download:CephDownloadScreen", "screens.line.choices:CephDownloadLines"),
        _ceph_download,
        _store_section("ceph_download"),
        "ceph_download",
        "host",
        reuse=True,
    ),
    Step.TPM: StepSpec(
        "TPM",
        Views("screens.tpm:TpmScreen", "screens.line.choices:TpmLines"),
        _tpm,
        _store_section("tpm"),
        "tpm",
        "host",
        reuse=True,
    ),
    Step.PERFORMANCE: StepSpec(
        "Performance",
        Views("screens.performance:PerformanceScreen", "screens.line.choices:PerformanceLines"),
        _performance,
        _store_section("performance"),
        "performance",
        "host",
        reuse=True,
    ),
    Step.REVIEW: StepSpec(
        "Review",
        Views("screens.review:ReviewScreen", "screens.line.change:ReviewLines"),
        _review,
        _store_review,
        needs="host",
        reuse=True,
        stores_on=frozenset({"next"}),
    ),
    Step.APPLY: StepSpec(
        "Apply",
        Views("screens.apply:ApplyScreen", "screens.line.change:ApplyLines"),
        _apply,
        _store_apply,
        needs="plan",
    ),
    Step.CONFIRM: StepSpec(
        "Confirm",
        Views("screens.confirm:ConfirmScreen", "screens.line.change:ConfirmLines"),
        confirm_arguments,
        _store_confirm,
        needs="apply",
    ),
    Step.DONE: StepSpec(
        "Done", Views("screens.done:DoneScreen", "screens.line.change:DoneLines"), _done, needs="apply"
    ),
    # Opened with F2 (the line mode's s), not as a step.
    Step.SNAPSHOTS: StepSpec(
        "Snapshots",
        Views("screens.snapshots:SnapshotsScreen", "screens.line.rescue:SnapshotsLines"),
        _snapshots,
    ),
    Step.TROUBLESHOOT: StepSpec(
        "Troubleshoot",
        Views("screens.troubleshoot:TroubleshootScreen", "screens.line.rescue:TroubleshootLines"),
        _troubleshoot,
        _store_troubleshoot,
        needs="nothing",
    ),
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


def rollback_banner(session: Session) -> Banner:
    """Confirm's title line for a rollback made from the snapshots."""
    return Banner("Confirm the rollback", "", banner(session, Step.CONFIRM).marker)
