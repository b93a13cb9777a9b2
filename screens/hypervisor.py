"""Hypervisor: kvm, or qemu (software emulation) only with the operator's explicit consent to its cost.

When KVM cannot work on this host the wizard stops here with the reason: the operator fixes the host (Esc
back to the Host check) or chooses qemu and ticks the consent. It never falls back to emulation by itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.widgets.text import line
from screens.widgets.validated_field import AnswerCheck

if TYPE_CHECKING:
    from wizard.answers import HypervisorAnswers
    from wizard.diagnosis.findings import Verdict
    from wizard.host.facts import HostFacts

COST = (
    "qemu emulates every instruction in software (TCG): instances run typically 10 to 50 times slower, "
    "use far more CPU, and nested guests are out of the question. Use it for tests and demos, or on a host "
    "that cannot run KVM, and only knowingly."
)


class HypervisorScreen(SectionScreen["HypervisorAnswers"]):
    CSS_PATH = stylesheet("hypervisor")
    HELP = "hypervisor"

    def __init__(
        self, banner: Banner, answers: HypervisorAnswers, verdict: Verdict, facts: HostFacts, root: Path
    ) -> None:
        # lazy: the engine is not imported before the first frame
        from wizard.plan.validate import KVM_CAN_WORK, KVM_MIGHT_WORK

        super().__init__(banner, answers)
        self.verdict = verdict
        self.kvm_works = verdict.code in KVM_CAN_WORK
        self.kvm_might_work = verdict.code in KVM_MIGHT_WORK  # qemu is then a choice against KVM
        self.facts = facts
        self.root = root

    def compose_body(self) -> ComposeResult:
        qemu = self.answers.virt_type == "qemu"
        yield Static(self._state(qemu=qemu), id="state")
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

    def _state(self, *, qemu: bool) -> Text:
        if self.kvm_works:
            return line("pass", f"KVM can work on this host ({self.verdict.code.value}).")
        if self.kvm_might_work:
            return line("warn", f"Whether KVM can work on this host is not known: {self.verdict.summary}")
        text = line("fail", f"KVM cannot work on this host ({self.verdict.code.value})")
        # With kvm chosen, the problem under the choice gives the reason (the planner's words): not twice.
        text.append(f": {self.verdict.summary}" if qemu else ".")
        text.append(
            "\nThe wizard stops here: fix the host (Esc goes back to the Host check), or choose qemu below "
            "and accept software emulation."
        )
        return text

    def _update(self) -> None:
        qemu = self._chosen() == "qemu"
        self.query_one("#state", Static).update(self._state(qemu=qemu))
        self.query_one("#cost").display = qemu
        # Consent is asked only where KVM could run: there, qemu is a choice against it. Where KVM cannot
        # work, qemu is the only way on, and consent is not recorded: these answers, used on a node where
        # KVM works, must not choose emulation there without asking.
        self.query_one("#consent").display = qemu and self.kvm_might_work
        self.query_one("#problem", Static).update(self._problem() or "")

    def _problem(self) -> Text | None:
        """The planner's verdict on the choice."""
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        answers = Answers(hypervisor=self._answers())
        for path in ("hypervisor.virt_type", "hypervisor.allow_emulation"):
            problem = AnswerCheck(path, answers, self.facts, self.root).problem(answers.value(path))
            if problem is not None:
                return line("fail", f"{path}: {problem}")
        return None

    def _answers(self) -> HypervisorAnswers:
        # lazy: the engine is not imported before the first frame
        from wizard.answers import HypervisorAnswers

        qemu = self._chosen() == "qemu"
        consent = qemu and self.kvm_might_work and self.query_one("#consent", Checkbox).value
        return HypervisorAnswers(virt_type=self._chosen(), allow_emulation=consent)

    def current(self) -> HypervisorAnswers | None:
        return self._answers()

    def collect(self) -> HypervisorAnswers | None:
        problem = self._problem()
        if problem is not None:
            self.query_one("#problem", Static).update(problem)
            self.notify(problem.plain, severity="error")
            return None
        return self.current()
