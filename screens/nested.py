"""Nested guests: on or off; the CPU mode instances see (host-passthrough, host-model, custom with models and
extra flags); the vendor's flag (vmx or svm) that the wizard adds and shows; the limitations, shown before the
choice is confirmed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.steps.nested import ENABLE, LIMITATIONS, MODES, NestedForm
from screens.widgets.text import line, said_text
from screens.widgets.validated_field import ValidatedField

if TYPE_CHECKING:
    from wizard.answers import NestedAnswers
    from wizard.host.facts import HostFacts


class NestedScreen(SectionScreen["NestedAnswers"]):
    CSS_PATH = stylesheet("nested")
    HELP = "nested"

    def __init__(
        self, banner: Banner, answers: NestedAnswers, facts: HostFacts, root: Path, *, virt_type: str = "kvm"
    ) -> None:
        super().__init__(banner, answers)
        self.form = NestedForm(answers, facts, root, virt_type=virt_type)

    def compose_body(self) -> ComposeResult:
        form = self.form
        yield Static(said_text([form.host_line()]), id="host")
        yield Checkbox(
            ENABLE,
            value=form.enabled,
            id="enabled",
            compact=True,
            disabled=form.nested_refused is not None,
        )
        yield Static(line("warn", LIMITATIONS), id="limitations")
        with RadioSet(id="cpu-mode", compact=True):
            for mode, label in MODES.items():
                yield RadioButton(label, value=mode == form.mode, id=mode, disabled=mode in form.not_offered)
        yield Static(said_text(form.not_offered_lines()), id="not-offered")
        with Vertical(id="custom-fields"):
            yield ValidatedField.of(form.models_field())
        yield ValidatedField.of(form.flags_field())
        yield Static("", id="flags-result")

    def on_mount(self) -> None:
        self.query_one("#not-offered").display = bool(self.form.not_offered_lines())
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
        return self.form.mode

    def _update(self) -> None:
        enabled = self.query_one("#enabled", Checkbox).value
        self.query_one("#limitations").display = enabled
        self.query_one("#custom-fields").display = self._mode() == "custom"
        self.query_one("#flags-result", Static).update(self._flags_result())

    def _flags_result(self) -> Text:
        text = Text("nova.conf will say: ", style="italic")
        text.append(self.form.flags_result(self._answers()))
        return text

    def _answers(self) -> NestedAnswers:
        mode = self._mode()
        return self.form.chosen(
            enabled=self.query_one("#enabled", Checkbox).value,
            mode=mode,
            models=self.query_one("#cpu_models", ValidatedField).value,
            flags=self.query_one("#extra_flags", ValidatedField).value,
        )

    def adopt(self, value: NestedAnswers) -> None:
        super().adopt(value)
        self.form.answers = value

    def current(self) -> NestedAnswers | None:
        return self._answers()

    def collect(self) -> NestedAnswers | None:
        answers = self._answers()
        problem = self.form.enabled_problem(answers)
        if problem is not None:
            self.notify(problem, severity="error")
            return None
        fields = ["extra_flags"] + (["cpu_models"] if answers.cpu_mode == "custom" else [])
        for name in fields:
            field = self.query_one(f"#{name}", ValidatedField)
            if field.problem is not None:
                field.focus_input()
                self.notify(field.problem, severity="error")
                return None
        return answers
