"""Nested guests: on or off; the CPU mode instances see (host-passthrough, host-model, custom with models and
extra flags); the vendor's flag (vmx or svm) that the wizard adds and shows; the limitations, shown before the
choice is confirmed. What cannot be valid on this host is not offered, with the reason."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.check import AnswerCheck, Field, names_in
from screens.steps.said import Said

if TYPE_CHECKING:
    from wizard.answers import NestedAnswers
    from wizard.host.facts import HostFacts

ENABLE = "Let instances run their own KVM guests (nested.enabled)"
MODES = {
    "host-passthrough": "host-passthrough: this very CPU (fastest; migrates only to the same CPU)",
    "host-model": "host-model: the closest named model plus this CPU's features",
    "custom": "custom: named CPU models you choose (the most portable)",
}
LIMITATIONS = (
    "While an instance runs nested guests it cannot be live-migrated, and it cannot resume from suspend; "
    "plan maintenance with that in mind. The module reload that turns nested on fails while instances run."
)


class NestedForm:
    """What the step offers on this host, its fields, and the planner's checks."""

    def __init__(self, answers: NestedAnswers, facts: HostFacts, root: Path, *, virt_type: str) -> None:
        # lazy: the engine is not imported before the first frame
        from wizard.answers import Answers, HypervisorAnswers, NestedAnswers
        from wizard.host.profile import HostProfile
        from wizard.plan.settings import vendor_flag
        from wizard.plan.validate import unavailable_choices

        self.answers = answers
        self.facts = facts
        self.root = root
        self.hypervisor = HypervisorAnswers(virt_type, allow_emulation=virt_type == "qemu")
        profile = HostProfile.from_facts(facts)
        self.flag = vendor_flag(profile)
        self.module = profile.nested_module
        state = profile.nested.get(self.module) if self.module else None
        self.active = state.active if state is not None else None
        self.vendor = {"vmx": "Intel", "svm": "AMD"}.get(self.flag or "", "")
        # What cannot be valid on this host whatever else is chosen here is not offered, with the reason.
        self.not_offered = unavailable_choices(
            "nested.cpu_mode", Answers(hypervisor=self.hypervisor), profile
        )
        passthrough = Answers(hypervisor=self.hypervisor, nested=NestedAnswers(cpu_mode="host-passthrough"))
        self.nested_refused = unavailable_choices("nested.enabled", passthrough, profile).get("true")
        offered = [mode for mode in MODES if mode not in self.not_offered]
        self.mode = answers.cpu_mode if answers.cpu_mode in offered or not offered else offered[0]

    @property
    def enabled(self) -> bool:
        """Whether nested guests start ticked (never where they are refused)."""
        return self.answers.enabled and self.nested_refused is None

    def host_line(self) -> Said:
        if self.module is None:
            return Said("Nested guests are not supported by the wizard on this architecture.", "info")
        state = {True: "on", False: "off", None: "unknown"}[self.active]
        text = f"{self.module} controls nested guests here; it is {state} now."
        if self.flag:
            text += f" {self.vendor} CPU: the wizard adds {self.flag} when nested guests need it."
        return Said(text, "info")

    def not_offered_lines(self) -> list[Said]:
        out = []
        if self.nested_refused is not None:
            out.append(Said(f"Not offered: {self.nested_refused}", "skip"))
        out += [Said(f"Not offered: {mode}: {reason}", "skip") for mode, reason in self.not_offered.items()]
        return out

    def check(self, key: str) -> AnswerCheck:
        """The planner's check of nested.KEY; the models' field is for custom mode."""
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        mode = "custom" if key == "cpu_models" else self.mode
        nested = dataclasses.replace(self.answers, cpu_mode=mode)
        return AnswerCheck(
            f"nested.{key}", Answers(hypervisor=self.hypervisor, nested=nested), self.facts, self.root
        )

    def models_field(self) -> Field:
        return Field(
            "cpu_models",
            "CPU models",
            ", ".join(self.answers.cpu_models),
            self.check("cpu_models"),
            hint="comma-separated, e.g. IvyBridge (virsh cpu-models x86_64)",
        )

    def flags_field(self) -> Field:
        return Field(
            "extra_flags",
            "Extra CPU flags",
            ", ".join(self.answers.extra_flags),
            self.check("extra_flags"),
            hint="comma-separated, e.g. pcid; may be empty",
        )

    def chosen(self, *, enabled: bool, mode: str, models: str, flags: str) -> NestedAnswers:
        """The answers for the choices and the fields' texts (the models count only in custom mode)."""
        return dataclasses.replace(
            self.answers,
            enabled=enabled,
            cpu_mode=mode,
            cpu_models=names_in(models) if mode == "custom" else (),
            extra_flags=names_in(flags),
        )

    def flags_result(self, answers: NestedAnswers) -> str:
        """What nova.conf will say about the CPU (the vendor's flag added where nested guests need it)."""
        from wizard.answers import Answers
        from wizard.plan.settings import extra_flags

        flags, _ = extra_flags(Answers(nested=answers), self.flag)
        text = f"cpu_mode = {answers.cpu_mode}"
        if answers.cpu_mode == "custom" and answers.cpu_models:
            text += f", cpu_models = {', '.join(answers.cpu_models)}"
        if flags:
            text += f", cpu_model_extra_flags = {', '.join(flags)}"
        return text

    def enabled_problem(self, answers: NestedAnswers) -> str | None:
        """What the planner refuses in nested guests being on here, naming the key."""
        if not answers.enabled:
            return None
        found = self.check("enabled").problem(True)
        return f"nested.enabled: {found}" if found is not None else None
