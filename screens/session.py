"""The session: where the host comes from, what was found there, what the operator chose, what was done.

The app owns one Session and hands each screen the parts it needs (through the step registry's recipes);
screens never see the session itself. Engine types are named for the type checker only: importing the engine
here would make the first frame wait for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.apply.results import ApplyResult
    from wizard.diagnosis.findings import Diagnosis
    from wizard.host.facts import HostFacts
    from wizard.plan.model import Plan
    from wizard.plan.planner import PlanOutcome

Mode = Literal["setup", "demo", "rescue"]
DEFAULT_CONFIRM_TIMEOUT = 120.0  # seconds, as `kvm-wizard apply` on a console


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
    confirm_timeout: float | None = DEFAULT_CONFIRM_TIMEOUT  # None: --no-confirm, kept without asking
    facts: HostFacts | None = None
    diagnosis: Diagnosis | None = None
    answers: Answers | None = None
    outcome: PlanOutcome | None = None
    plan: Plan | None = None  # the fixes chosen on Troubleshoot; it goes before outcome's plan until a Review
    fixes: tuple[str, ...] = ()  # the ids of those fixes
    result: ApplyResult | None = None  # the last apply
    confirmed: bool | None = None  # the last apply confirmed (True), reverted (False), or not settled
    settled_message: str = ""
    quitting: bool = False  # the operator quit during an apply: revert it when it ends, then stop
    unsettled: dict[str, str] = field(default_factory=dict)  # answers section -> a field left not valid

    @property
    def root(self) -> Path | None:
        return self.source.root

    def plan_to_apply(self) -> Plan | None:
        """The plan the apply runs: the fixes chosen on Troubleshoot, else the one the Review made."""
        if self.plan is not None:
            return self.plan
        return self.outcome.plan if self.outcome is not None else None

    def applied_generation(self) -> int | None:
        """The generation this session applied and did not revert: Troubleshoot then says what it fixed."""
        result = self.result
        if result is None or not result.ok or result.nothing_to_do or self.confirmed is False:
            return None
        return result.generation

    def fixes_in_plan(self) -> frozenset[str]:
        from wizard.plan.fixes import fixes_in  # the engine, loaded once the host is known

        return frozenset() if self.answers is None else fixes_in(self.answers)

    def choose_fixes(self, choices: dict[str, bool]) -> None:
        """Fixes ticked or unticked on the Host check screen, as the answers that make the plan include them."""
        from wizard.plan.fixes import choose_fixes

        if self.answers is not None:
            answers = choose_fixes(self.answers, choices)
            if answers != self.answers:
                self.answers = answers
                self.outcome = None

    def set_section(self, section: str, value: object) -> None:
        """One screen's answers back into the whole set."""
        if self.answers is not None:
            # The keys whose value changed become given: only those change the node.
            self.answers = self.answers.with_section(section, value)
            self.outcome = None  # the plan was made for other answers
