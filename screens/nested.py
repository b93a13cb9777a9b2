"""Nested guests: on or off; the CPU mode instances see (host-passthrough, host-model, custom with models and
extra flags); the vendor's flag (vmx or svm) that the wizard adds and shows; the limitations, shown before the
choice is confirmed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.widgets.text import line
from screens.widgets.validated_field import AnswerCheck, ValidatedField, names_in

if TYPE_CHECKING:
    from wizard.answers import NestedAnswers
    from wizard.host.facts import HostFacts

MODES = {
    "host-passthrough": "host-passthrough: this very CPU (fastest; migrates only to the same CPU)",
    "host-model": "host-model: the closest named model plus this CPU's features",
    "custom": "custom: named CPU models you choose (the most portable)",
}
LIMITATIONS = (
    "While an instance runs nested guests it cannot be live-migrated, and it cannot resume from suspend; "
    "plan maintenance with that in mind. The module reload that turns nested on fails while instances run."
)


class NestedScreen(SectionScreen["NestedAnswers"]):
    CSS_PATH = stylesheet("nested")
    HELP = "nested"

    def __init__(
        self, banner: Banner, answers: NestedAnswers, facts: HostFacts, root: Path, *, virt_type: str = "kvm"
    ) -> None:
        from wizard.answers import Answers, HypervisorAnswers, NestedAnswers
        from wizard.host.profile import HostProfile
        from wizard.plan.settings import vendor_flag
        from wizard.plan.validate import unavailable_choices

        super().__init__(banner, answers)
        self.facts = facts
        self.root = root
        self.hypervisor = HypervisorAnswers(virt_type, allow_emulation=virt_type == "qemu")
        profile = HostProfile.from_facts(facts)
        self.flag = vendor_flag(profile)
        self.module = profile.nested_module
        state = profile.nested.get(self.module) if self.module else None
        self.active = state.active if state is not None else None
        self.vendor = {"vmx": "Intel", "svm": "AMD"}.get(self.flag or "", "")
        # What cannot be valid on this host whatever else is chosen here is not offered (greyed, with the reason).
        self.not_offered = unavailable_choices(
            "nested.cpu_mode", Answers(hypervisor=self.hypervisor), profile
        )
        passthrough = Answers(hypervisor=self.hypervisor, nested=NestedAnswers(cpu_mode="host-passthrough"))
        self.nested_refused = unavailable_choices("nested.enabled", passthrough, profile).get("true")
        offered = [mode for mode in MODES if mode not in self.not_offered]
        self.mode = answers.cpu_mode if answers.cpu_mode in offered or not offered else offered[0]

    def compose_body(self) -> ComposeResult:
        yield Static(self._host_line(), id="host")
        yield Checkbox(
            "Let instances run their own KVM guests (nested.enabled)",
            value=self.answers.enabled and self.nested_refused is None,
            id="enabled",
            compact=True,
            disabled=self.nested_refused is not None,
        )
        yield Static(line("warn", LIMITATIONS), id="limitations")
        with RadioSet(id="cpu-mode", compact=True):
            for mode, label in MODES.items():
                yield RadioButton(label, value=mode == self.mode, id=mode, disabled=mode in self.not_offered)
        yield Static(self._not_offered_text(), id="not-offered")
        with Vertical(id="custom-fields"):
            yield ValidatedField(
                "CPU models",
                ", ".join(self.answers.cpu_models),
                self._check("cpu_models"),
                id="cpu_models",
                hint="comma-separated, e.g. IvyBridge (virsh cpu-models x86_64)",
            )
        yield ValidatedField(
            "Extra CPU flags",
            ", ".join(self.answers.extra_flags),
            self._check("extra_flags"),
            id="extra_flags",
            hint="comma-separated, e.g. pcid; may be empty",
        )
        yield Static("", id="flags-result")

    def _not_offered_text(self) -> Text:
        text = Text()
        if self.nested_refused is not None:
            text.append_text(line("skip", f"Not offered: {self.nested_refused}"))
        for mode, reason in self.not_offered.items():
            if text:
                text.append("\n")
            text.append_text(line("skip", f"Not offered: {mode}: {reason}"))
        return text

    def _host_line(self) -> Text:
        if self.module is None:
            return line("info", "Nested guests are not supported by the wizard on this architecture.")
        state = {True: "on", False: "off", None: "unknown"}[self.active]
        text = line("info", f"{self.module} controls nested guests here; it is {state} now.")
        if self.flag:
            text.append(f" {self.vendor} CPU: the wizard adds {self.flag} when nested guests need it.")
        return text

    def _check(self, key: str) -> AnswerCheck:
        """The planner's check of nested.KEY; the models' field is for custom mode."""
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        mode = "custom" if key == "cpu_models" else self.mode
        nested = dataclasses.replace(self.answers, cpu_mode=mode)
        answers = Answers(hypervisor=self.hypervisor, nested=nested)
        return AnswerCheck(f"nested.{key}", answers, self.facts, self.root)

    def on_mount(self) -> None:
        self.query_one("#not-offered").display = bool(self.not_offered) or self.nested_refused is not None
        self._update()
        self.query_one("#enabled").focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._update()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._update()

    def on_input_changed(self) -> None:
        self._update()

    def _mode(self) -> str:
        for mode in MODES:
            if self.query_one(f"#{mode}", RadioButton).value:
                return mode
        return self.mode

    def _update(self) -> None:
        enabled = self.query_one("#enabled", Checkbox).value
        self.query_one("#limitations").display = enabled
        self.query_one("#custom-fields").display = self._mode() == "custom"
        self.query_one("#flags-result", Static).update(self._flags_result())

    def _flags_result(self) -> Text:
        from wizard.answers import Answers
        from wizard.plan.settings import extra_flags

        answers = self._answers()
        flags, _ = extra_flags(Answers(nested=answers), self.flag)
        text = Text("nova.conf will say: ", style="italic")
        text.append(f"cpu_mode = {answers.cpu_mode}")
        if answers.cpu_mode == "custom" and answers.cpu_models:
            text.append(f", cpu_models = {', '.join(answers.cpu_models)}")
        if flags:
            text.append(f", cpu_model_extra_flags = {', '.join(flags)}")
        return text

    def _answers(self) -> NestedAnswers:
        mode = self._mode()
        models = names_in(self.query_one("#cpu_models", ValidatedField).value) if mode == "custom" else ()
        return dataclasses.replace(
            self.answers,
            enabled=self.query_one("#enabled", Checkbox).value,
            cpu_mode=mode,
            cpu_models=models,
            extra_flags=names_in(self.query_one("#extra_flags", ValidatedField).value),
        )

    def current(self) -> NestedAnswers | None:
        return self._answers()

    def collect(self) -> NestedAnswers | None:
        answers = self._answers()
        problem = self._check("enabled").problem(True) if answers.enabled else None
        if problem is not None:
            self.notify(f"nested.enabled: {problem}", severity="error")
            return None
        fields = ["extra_flags"] + (["cpu_models"] if answers.cpu_mode == "custom" else [])
        for name in fields:
            field = self.query_one(f"#{name}", ValidatedField)
            if field.problem is not None:
                field.focus_input()
                self.notify(field.problem, severity="error")
                return None
        return answers
