"""Hypervisor: kvm, or qemu (software emulation) only with the operator's explicit consent to its cost.

When KVM cannot work on this host the wizard stops here with the reason: the operator fixes the host (back to
the Host check) or chooses qemu. It never falls back to emulation by itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.check import AnswerCheck
from screens.steps.said import Keys, Said

if TYPE_CHECKING:
    from wizard.answers import HypervisorAnswers
    from wizard.diagnosis.findings import Verdict
    from wizard.host.facts import HostFacts

CHOICES = {
    "kvm": "kvm: hardware virtualization (VT-x, AMD-V, POWER or Arm)",
    "qemu": "qemu: software emulation (TCG)",
}
CONSENT = "I accept software emulation and its cost (allow_emulation = true)"
COST = (
    "qemu emulates every instruction in software (TCG): instances run typically 10 to 50 times slower, "
    "use far more CPU, and nested guests are out of the question. Use it for tests and demos, or on a host "
    "that cannot run KVM, and only knowingly."
)


class HypervisorForm:
    """What the step offers on this host and what a choice means."""

    def __init__(self, answers: HypervisorAnswers, verdict: Verdict, facts: HostFacts, root: Path) -> None:
        # lazy: the engine is not imported before the first frame
        from wizard.plan.validate import KVM_CAN_WORK, KVM_MIGHT_WORK

        self.answers = answers
        self.verdict = verdict
        self.kvm_works = verdict.code in KVM_CAN_WORK
        self.kvm_might_work = verdict.code in KVM_MIGHT_WORK  # qemu is then a choice against KVM
        self.facts = facts
        self.root = root

    def state(self, *, qemu: bool, keys: Keys, below: str = "below") -> Said:
        """Whether KVM can work here; where it cannot, why, and the two ways on."""
        if self.kvm_works:
            return Said(f"KVM can work on this host ({self.verdict.code.value}).", "pass")
        if self.kvm_might_work:
            return Said(f"Whether KVM can work on this host is not known: {self.verdict.summary}", "warn")
        # With kvm chosen, the problem under the choice gives the reason (the planner's words): not twice.
        reason = f": {self.verdict.summary}" if qemu else "."
        return Said(
            f"KVM cannot work on this host ({self.verdict.code.value}){reason}\nThe wizard stops here: fix the "
            f"host ({keys.back} goes back to the Host check), or choose qemu {below} and accept software "
            "emulation.",
            "fail",
        )

    def asks_consent(self, virt_type: str) -> bool:
        """Consent is asked only where KVM could run: there, qemu is a choice against it. Where KVM cannot
        work, qemu is the only way on, and consent is not recorded: these answers, used on a node where KVM
        works, must not choose emulation there without asking."""
        return virt_type == "qemu" and self.kvm_might_work

    def chosen(self, virt_type: str, consent: bool) -> HypervisorAnswers:
        from wizard.answers import HypervisorAnswers  # lazy: not before the first frame

        return HypervisorAnswers(
            virt_type=virt_type, allow_emulation=consent and self.asks_consent(virt_type)
        )

    def problem(self, chosen: HypervisorAnswers) -> str | None:
        """The planner's verdict on the choice, naming the key ("hypervisor.virt_type: ...")."""
        from wizard.answers import Answers  # lazy: not before the first frame

        answers = Answers(hypervisor=chosen)
        for path in ("hypervisor.virt_type", "hypervisor.allow_emulation"):
            found = AnswerCheck(path, answers, self.facts, self.root).problem(answers.value(path))
            if found is not None:
                return f"{path}: {found}"
        return None
