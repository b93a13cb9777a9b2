"""Storage: where instance disks live (qcow2, flat, lvm, rbd), each with its consequences, and its fields
checked as they are typed (the volume group is offered from the host when lvm2 is there).

Only the chosen backend's fields are built (half the screen's widgets are fields, and a step costs what it
builds); another backend's are built when it is first chosen, and kept with what was typed in them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RadioButton, RadioSet, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.steps.storage import BACKENDS, CONSEQUENCES, FIELDS, StorageForm
from screens.widgets.text import line
from screens.widgets.validated_field import ValidatedField

if TYPE_CHECKING:
    from wizard.answers import StorageAnswers
    from wizard.host.facts import HostFacts


class StorageScreen(SectionScreen["StorageAnswers"]):
    CSS_PATH = stylesheet("storage")
    HELP = "storage"

    def __init__(self, banner: Banner, answers: StorageAnswers, facts: HostFacts, root: Path) -> None:
        super().__init__(banner, answers)
        self.form = StorageForm(answers, facts, root)

    def adopt(self, value: StorageAnswers) -> None:
        super().adopt(value)
        self.form.answers = value

    def compose_body(self) -> ComposeResult:

        with RadioSet(id="backend", compact=True):
            for backend, label in BACKENDS.items():
                yield RadioButton(label, value=backend == self.answers.backend, id=backend)
        yield Static("", id="consequences")
        for backend in FIELDS:
            with Vertical(id=f"{backend}-fields", classes="fields"):
                if backend == self.answers.backend:
                    yield from self._fields_of(backend)

    def _fields_of(self, backend: str) -> list[ValidatedField]:
        return [
            ValidatedField.of(field) for field in self.form.fields(backend, complete="right arrow completes")
        ]

    def on_mount(self) -> None:
        self._update()
        self.query_one("#backend").focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._update()

    def backend(self) -> str:
        for backend in BACKENDS:
            if self.query_one(f"#{backend}", RadioButton).value:
                return backend
        return self.answers.backend

    def _backend_problem(self, backend: str) -> str | None:
        """What the planner refuses in the backend on this host (the Ceph pieces rbd needs, say)."""
        return self.form.backend_problem(backend, self.current() or self.answers)

    def _update(self) -> None:
        backend = self.backend()
        consequences = Text(CONSEQUENCES[backend])
        problem = self._backend_problem(backend)
        if problem is not None:
            consequences.append("\n")
            consequences.append_text(line("fail", problem))
        self.query_one("#consequences", Static).update(consequences)
        for name in FIELDS:
            container = self.query_one(f"#{name}-fields")
            if name == backend and not container.children:
                container.mount_all(self._fields_of(name))
            container.display = name == backend

    def _fields(self) -> list[ValidatedField]:
        if self.backend() not in FIELDS:
            return []
        return list(self.query_one(f"#{self.backend()}-fields").query(ValidatedField))

    def current(self) -> StorageAnswers | None:
        # A field not built yet keeps the answer it would start from.
        values = {field.id or "": field.value for field in self.query(ValidatedField)}
        return self.form.chosen(self.backend(), values)

    def collect(self) -> StorageAnswers | None:
        problem = self._backend_problem(self.backend())
        if problem is not None:
            self.notify(line("fail", f"storage.backend: {problem}").plain, severity="error")
            return None
        for field in self._fields():
            problem = field.problem
            if problem is not None:
                field.focus_input()
                self.notify(line("fail", problem).plain, severity="error")
                return None
        return self.current()
