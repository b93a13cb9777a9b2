"""Hypervisor: kvm, or qemu (software emulation) only with the operator's explicit consent to its cost.

When KVM cannot work on this host the wizard stops here with the reason: the operator fixes the host (Esc
back to the Host check) or chooses qemu and ticks the consent. It never falls back to emulation by itself.
What the step offers and decides is screens/steps/hypervisor.py's, shared with the line mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.steps.hypervisor import CHOICES, CONSENT, COST, HypervisorForm
from screens.steps.said import SCREEN_KEYS
from screens.widgets.text import line, said_text

if TYPE_CHECKING:
    from wizard.answers import HypervisorAnswers
    from wizard.diagnosis.findings import Verdict
    from wizard.host.facts import HostFacts


class HypervisorScreen(SectionScreen["HypervisorAnswers"]):
    CSS_PATH = stylesheet("hypervisor")
    HELP = "hypervisor"

    def __init__(
        self, banner: Banner, answers: HypervisorAnswers, verdict: Verdict, facts: HostFacts, root: Path
    ) -> None:
        super().__init__(banner, answers)
        self.form = HypervisorForm(answers, verdict, facts, root)

    def compose_body(self) -> ComposeResult:
        qemu = self.answers.virt_type == "qemu"
        yield Static(self._state(qemu=qemu), id="state")
        with RadioSet(id="virt-type", compact=True):
            for virt_type, label in CHOICES.items():
                chosen = (virt_type == "qemu") == qemu
                yield RadioButton(label, value=chosen, id=virt_type)
        yield Static(Text(COST), id="cost")
        yield Checkbox(CONSENT, value=self.answers.allow_emulation, id="consent", compact=True)
        yield Static("", id="problem", classes="problem")

    def on_mount(self) -> None:
        self._update()
        self.query_one("#virt-type").focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._update()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._update()

    def _chosen(self) -> str:
        return "qemu" if self.query_one("#qemu", RadioButton).value else "kvm"

    def _state(self, *, qemu: bool) -> Text:
        return said_text([self.form.state(qemu=qemu, keys=SCREEN_KEYS)])

    def _update(self) -> None:
        virt_type = self._chosen()
        self.query_one("#state", Static).update(self._state(qemu=virt_type == "qemu"))
        self.query_one("#cost").display = virt_type == "qemu"
        self.query_one("#consent").display = self.form.asks_consent(virt_type)
        self.query_one("#problem", Static).update(self._problem() or "")

    def _problem(self) -> Text | None:
        """The planner's verdict on the choice."""
        found = self.form.problem(self._answers())
        return line("fail", found) if found is not None else None

    def _answers(self) -> HypervisorAnswers:
        return self.form.chosen(self._chosen(), self.query_one("#consent", Checkbox).value)

    def current(self) -> HypervisorAnswers | None:
        return self._answers()

    def collect(self) -> HypervisorAnswers | None:
        problem = self._problem()
        if problem is not None:
            self.query_one("#problem", Static).update(problem)
            self.notify(problem.plain, severity="error")
            return None
        return self.current()
