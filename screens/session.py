"""The session: where the host comes from, what was found there, what the operator chose, what was done.

The app owns one Session and hands each screen the parts it needs; screens never see the session itself.
Engine types are named for the type checker only: importing the engine here would slow the first frame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.apply.results import ApplyResult
    from wizard.diagnosis.findings import Diagnosis
    from wizard.host.facts import HostFacts
    from wizard.plan.model import Plan
    from wizard.plan.planner import PlanOutcome

Mode = Literal["setup", "demo", "rescue"]
SourceKind = Literal["live", "facts", "demo"]
DEFAULT_CONFIRM_TIMEOUT = 120.0  # seconds, as `kvm-wizard apply` on a console


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
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {
    Step.WELCOME: "Welcome",
    Step.HOST_CHECK: "Host check",
    Step.HYPERVISOR: "Hypervisor",
    Step.STORAGE: "Storage",
    Step.NESTED: "Nested guests",
    Step.CEPH_DOWNLOAD: "Ceph direct download",
    Step.TPM: "TPM",
    Step.PERFORMANCE: "Performance",
    Step.REVIEW: "Review",
    Step.APPLY: "Apply",
    Step.CONFIRM: "Confirm",
    Step.DONE: "Done",
    Step.SNAPSHOTS: "Snapshots",
    Step.TROUBLESHOOT: "Troubleshoot",
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
NEEDS_HOST: frozenset[Step] = frozenset(CHOICE_STEPS[2:])  # the host's facts must be known first
# The rescue view: the fixes chosen on Troubleshoot go straight to the apply; the setup steps stay reachable (F9).
RESCUE_STEPS: tuple[Step, ...] = (Step.TROUBLESHOOT, Step.APPLY, Step.CONFIRM, Step.DONE)


@dataclass(frozen=True)
class HostSource:
    """Where the host's facts come from and where its files are."""

    kind: SourceKind
    root: Path | None  # None: a demo whose throwaway copy is not made yet
    facts_path: Path | None = None  # kind "facts"
    scenario: str = ""  # kind "demo"; "" until the operator picks one
    scenario_title: str = ""
    ready: bool = True  # the files are there (a demo's copy is made by the Welcome screen)

    @property
    def live(self) -> bool:
        """The running system itself: actions run, and the TPM and devices are this machine's."""
        return self.kind == "live" and self.root == Path("/")

    def describe(self) -> str:
        if self.kind == "demo":
            return f"demo host {self.scenario}" + (f" ({self.scenario_title})" if self.scenario_title else "")
        if self.kind == "facts":
            return f"recorded host {self.facts_path}"
        return "this host" if self.live else f"the files under {self.root}"


@dataclass(frozen=True)
class Banner:
    """What the title line of every screen says: the step, where it is in the wizard, and the mode."""

    title: str
    position: str = ""  # "Step 4 of 12"
    marker: str = ""  # "DEMO intel-ready", "RESCUE", "ROOT /srv/stage"


@dataclass
class Session:
    mode: Mode
    source: HostSource
    # Copies a demo scenario's files into a root (the launcher's; screens never write files): (name, DIR or None).
    prepare_demo: Callable[[str, Path | None], Path] | None = None
    confirm_timeout: float | None = DEFAULT_CONFIRM_TIMEOUT  # None: --no-confirm, kept without asking
    facts: HostFacts | None = None
    diagnosis: Diagnosis | None = None
    answers: Answers | None = None
    outcome: PlanOutcome | None = None
    plan: Plan | None = None  # the fixes chosen on Troubleshoot; it goes before outcome's plan until a Review
    fixes: tuple[str, ...] = ()  # the ids of those fixes
    result: ApplyResult | None = None  # the last apply
    kept: bool | None = None  # the last apply confirmed (True), reverted (False), or not settled
    settled_message: str = ""
    quitting: bool = False  # the operator quit during an apply: revert it when it ends, then stop
    visited: set[Step] = field(default_factory=set)
    unsettled: dict[Step, str] = field(default_factory=dict)  # steps left with a field that is not valid

    @property
    def root(self) -> Path | None:
        return self.source.root

    @property
    def steps(self) -> tuple[Step, ...]:
        return RESCUE_STEPS if self.mode == "rescue" else SETUP_STEPS

    def banner(self, step: Step) -> Banner:
        marker = ""
        if self.source.kind == "demo":
            marker = f"DEMO {self.source.scenario}".rstrip()
        elif self.mode == "rescue":
            marker = "RESCUE"
        elif not self.source.live and self.source.root is not None:
            marker = f"ROOT {self.source.root}"
        if step in SETUP_STEPS and self.mode != "rescue":
            position = f"Step {SETUP_STEPS.index(step) + 1} of {len(SETUP_STEPS)}"
        else:
            position = ""
        return Banner(step.label, position, marker)

    def fixes_in_plan(self) -> frozenset[str]:
        from wizard.plan.fixes import fixes_in  # lazy: the engine is not imported before the first frame

        return frozenset() if self.answers is None else fixes_in(self.answers)

    def choose_fixes(self, choices: dict[str, bool]) -> None:
        """Fixes ticked or unticked on the Host check screen, as the answers that make the plan include them."""
        from wizard.plan.fixes import choose_fixes  # lazy: the engine is not imported before the first frame

        if self.answers is None:
            return
        answers = choose_fixes(self.answers, choices)
        if answers != self.answers:
            self.answers = answers
            self.outcome = None

    def set_section(self, section: str, value: object) -> None:
        """One screen's answers back into the whole set."""
        if self.answers is not None:
            self.answers = dataclasses.replace(self.answers, **cast("dict[str, Any]", {section: value}))
            self.outcome = None  # the plan was made for other answers
