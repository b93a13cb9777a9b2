"""Hypervisor: kvm, or qemu (software emulation) only with the operator's explicit consent to its cost.

When KVM cannot work on this host the wizard stops here with the reason: the operator fixes the host (Esc
back to the Host check) or chooses qemu and ticks the consent. It never falls back to emulation by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.widgets.text import line

if TYPE_CHECKING:
    from wizard.answers import HypervisorAnswers
    from wizard.diagnosis.findings import Verdict
    from wizard.host.facts import HostFacts
    from wizard.host.profile import HostProfile

KVM_CAN_WORK = ("ready", "fixable", "limited")  # as wizard.plan.validate.KVM_CAN_WORK
COST = (
    "qemu emulates every instruction in software (TCG): instances run typically 10 to 50 times slower, "
    "use far more CPU, and nested guests are out of the question. Use it for tests and demos, or on a host "
    "that cannot run KVM, and only knowingly."
)


class HypervisorScreen(SectionScreen["HypervisorAnswers"]):
    CSS_PATH = stylesheet("hypervisor")
    HELP = "hypervisor"

    def __init__(
        self, banner: Banner, answers: HypervisorAnswers, verdict: Verdict, facts: HostFacts | None = None
    ) -> None:
        super().__init__(banner, answers)
        self.verdict = verdict
        self.kvm_works = verdict.code.value in KVM_CAN_WORK
        self.profile: HostProfile | None = None
        if facts is not None:
            from wizard.host.profile import HostProfile  # lazy: the engine is imported when the step is built

            self.profile = HostProfile.from_facts(facts)

    def compose_body(self) -> ComposeResult:
        if self.kvm_works:
            yield Static(line("pass", f"KVM can work on this host ({self.verdict.code.value})."), id="state")
        else:
            text = line("fail", f"KVM cannot work on this host ({self.verdict.code.value}): ")
            text.append(self.verdict.summary)
            text.append(
                "\nThe wizard stops here: fix the host (Esc goes back to the Host check), or choose qemu below "
                "and accept software emulation."
            )
            yield Static(text, id="state")
        qemu = self.answers.virt_type == "qemu"
        with RadioSet(id="virt-type", compact=True):
            yield RadioButton(
                "kvm: hardware virtualization (VT-x, AMD-V, POWER or Arm)",
                value=not qemu,
                id="kvm",
            )
            yield RadioButton("qemu: software emulation (TCG)", value=qemu, id="qemu")
        yield Static(Text(COST), id="cost")
        yield Checkbox(
            "I accept software emulation and its cost (allow_emulation = true)",
            value=self.answers.allow_emulation,
            id="consent",
            compact=True,
        )
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

    def _update(self) -> None:
        qemu = self._chosen() == "qemu"
        self.query_one("#cost").display = qemu
        self.query_one("#consent").display = qemu
        self.query_one("#problem", Static).update(self._problem() or "")

    def _problem(self) -> Text | None:
        if self._chosen() == "kvm" and not self.kvm_works:
            return line("fail", "kvm cannot work here; see above.")
        if self._chosen() == "qemu" and not self.query_one("#consent", Checkbox).value:
            return line("fail", "qemu needs your consent: tick the box above (space), or choose kvm.")
        if self.profile is not None:
            from wizard.answers import Answers  # lazy: the engine is imported when the step is built
            from wizard.plan.validate import choice_problem

            current = self.current()
            answers = Answers(hypervisor=current) if current is not None else Answers()
            problem = choice_problem("hypervisor.virt_type", self._chosen(), answers, self.profile)
            if problem is not None:
                return line("fail", problem)
        return None

    def current(self) -> HypervisorAnswers | None:
        from wizard.answers import HypervisorAnswers

        qemu = self._chosen() == "qemu"
        consent = qemu and self.query_one("#consent", Checkbox).value
        return HypervisorAnswers(virt_type=self._chosen(), allow_emulation=consent)

    def collect(self) -> HypervisorAnswers | None:
        problem = self._problem()
        if problem is not None:
            self.query_one("#problem", Static).update(problem)
            self.notify(problem.plain, severity="error")
            return None
        return self.current()
