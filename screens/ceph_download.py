"""Ceph direct download: Glance images read straight from Ceph; not applicable (with the reason) when instance
disks are on rbd themselves. Fields checked as they are typed; "this host is also a Glance API node".

The fields are built when direct download is first ticked (most of the screen's widgets; a step costs what
it builds), and kept with what was typed in them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.steps.ceph_download import (
    ENABLE,
    GLANCE_NODE,
    GLANCE_NOTE,
    NOT_APPLICABLE,
    WHAT,
    CephDownloadForm,
)
from screens.widgets.text import line
from screens.widgets.validated_field import ValidatedField

if TYPE_CHECKING:
    from wizard.answers import CephDownloadAnswers
    from wizard.host.facts import HostFacts


class CephDownloadScreen(SectionScreen["CephDownloadAnswers"]):
    CSS_PATH = stylesheet("ceph_download")
    HELP = "ceph_download"

    def __init__(
        self, banner: Banner, answers: CephDownloadAnswers, storage_backend: str, facts: HostFacts, root: Path
    ) -> None:
        super().__init__(banner, answers)
        self.form = CephDownloadForm(answers, storage_backend, facts, root)
        self.applicable = self.form.applicable

    def adopt(self, value: CephDownloadAnswers) -> None:
        super().adopt(value)
        self.form.answers = value

    def compose_body(self) -> ComposeResult:
        yield Static(Text(WHAT), id="what")
        if not self.applicable:
            yield Static(line("info", NOT_APPLICABLE), id="not-applicable")
            return
        yield Checkbox(
            ENABLE,
            value=self.answers.enabled,
            id="enabled",
            compact=True,
        )
        yield Static("", id="enabled-problem")
        with Vertical(id="fields"):
            if self.answers.enabled:
                yield from self._fields_widgets()

    def _fields_widgets(self) -> list[Widget]:
        return [
            *(ValidatedField.of(field) for field in self.form.fields()),
            Checkbox(GLANCE_NODE, value=self.answers.glance_api_node, id="glance_api_node", compact=True),
            Static(Text(GLANCE_NOTE, style="italic"), id="glance-note"),
        ]

    def on_mount(self) -> None:
        if self.applicable:
            self._update()
            self.query_one("#enabled").focus()
        else:
            self.query_one("#next").focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._update()

    def enabled_problem(self) -> str | None:
        """What the planner refuses in direct download on this host (the rbd command, python3-rbd, a keyring)."""
        return self.form.enabled_problem(self.current() or self.answers)

    def _update(self) -> None:
        enabled = self.query_one("#enabled", Checkbox).value
        fields = self.query_one("#fields")
        if enabled and not fields.children:
            fields.mount_all(self._fields_widgets())
        fields.display = enabled
        problem = self.enabled_problem() if enabled else None
        self.query_one("#enabled-problem", Static).update(line("fail", problem) if problem else "")
        self.query_one("#enabled-problem").display = problem is not None

    def _fields(self) -> list[ValidatedField]:
        return list(self.query(ValidatedField))

    def current(self) -> CephDownloadAnswers | None:
        if not self.applicable:
            return self.form.chosen(enabled=False)
        enabled = self.query_one("#enabled", Checkbox).value
        if not self._fields():  # not built: never ticked here, so what it was given
            return self.form.chosen(enabled=enabled)
        values = {field.id or "": field.value for field in self._fields()}
        glance = self.query_one("#glance_api_node", Checkbox).value
        return self.form.chosen(enabled=enabled, values=values, glance_api_node=glance)

    @property
    def unsettled(self) -> str:
        if self.applicable and self._fields() and self.query_one("#enabled", Checkbox).value:
            return next((field.problem for field in self._fields() if field.problem is not None), "")
        return ""

    def collect(self) -> CephDownloadAnswers | None:
        if self.applicable and self.query_one("#enabled", Checkbox).value:
            problem = self.enabled_problem()
            if problem is not None:
                self.notify(f"ceph_download.enabled: {problem}", severity="error")
                return None
            for field in self._fields():
                if field.problem is not None:
                    field.focus_input()
                    self.notify(field.problem, severity="error")
                    return None
        return self.current()
