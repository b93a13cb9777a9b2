"""Ceph direct download: Glance images read straight from Ceph; not applicable (with the reason) when instance
disks are on rbd themselves. Fields checked as they are typed; "this host is also a Glance API node".

The fields are built when direct download is first ticked (most of the screen's widgets; a step costs what
it builds), and kept with what was typed in them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.widgets.text import line
from screens.widgets.validated_field import AnswerCheck, ValidatedField

if TYPE_CHECKING:
    from wizard.answers import CephDownloadAnswers
    from wizard.host.facts import HostFacts

WHAT = (
    "Instances boot from Glance images. With direct download this compute node reads an image straight "
    "from Ceph (rbd export) instead of through the Glance API: faster first boots from large images."
)
NOT_APPLICABLE = (
    "Not applicable: instance disks are on rbd (Storage step), so they are cloned inside Ceph and images are "
    "never downloaded to this host. Nothing is set here."
)


class CephDownloadScreen(SectionScreen["CephDownloadAnswers"]):
    CSS_PATH = stylesheet("ceph_download")
    HELP = "ceph_download"

    def __init__(
        self, banner: Banner, answers: CephDownloadAnswers, storage_backend: str, facts: HostFacts, root: Path
    ) -> None:
        super().__init__(banner, answers)
        self.storage_backend = storage_backend
        self.applicable = storage_backend != "rbd"
        self.facts = facts
        self.root = root  # where ceph.conf is looked for, as the planner does

    def compose_body(self) -> ComposeResult:
        yield Static(Text(WHAT), id="what")
        if not self.applicable:
            yield Static(line("info", NOT_APPLICABLE), id="not-applicable")
            return
        yield Checkbox(
            "Download images directly from Ceph (ceph_download.enabled)",
            value=self.answers.enabled,
            id="enabled",
            compact=True,
        )
        yield Static("", id="enabled-problem")
        with Vertical(id="fields"):
            if self.answers.enabled:
                yield from self._fields_widgets()

    def _check(self, key: str) -> AnswerCheck:
        """The planner's check of ceph_download.KEY, with direct download on and the Storage step's backend."""
        # lazy: the engine is not imported before the first frame
        from wizard.answers import Answers, StorageAnswers

        download = dataclasses.replace(self.answers, enabled=True)
        answers = Answers(storage=StorageAnswers(backend=self.storage_backend), ceph_download=download)
        return AnswerCheck(f"ceph_download.{key}", answers, self.facts, self.root)

    def _fields_widgets(self) -> list[Widget]:
        return [
            ValidatedField(
                "Ceph client",
                self.answers.rbd_user,
                self._check("rbd_user"),
                id="rbd_user",
                hint="reads images; without 'client.'",
            ),
            ValidatedField("Image pool", self.answers.rbd_pool, self._check("rbd_pool"), id="rbd_pool"),
            ValidatedField("ceph.conf", self.answers.ceph_conf, self._check("ceph_conf"), id="ceph_conf"),
            ValidatedField(
                "Connect timeout (s)",
                str(self.answers.connect_timeout),
                self._check("connect_timeout"),
                id="connect_timeout",
            ),
            Checkbox(
                "This host is also a Glance API node: set show_image_direct_url there",
                value=self.answers.glance_api_node,
                id="glance_api_node",
                compact=True,
            ),
            Static(
                Text("Image locations then become visible to users of the Glance API.", style="italic"),
                id="glance-note",
            ),
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
        # lazy: the engine is not imported before the first frame
        from wizard.answers import Answers, StorageAnswers

        current = self.current() or self.answers
        answers = Answers(storage=StorageAnswers(backend=self.storage_backend), ceph_download=current)
        return AnswerCheck("ceph_download.enabled", answers, self.facts, self.root).problem(True)

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
        from wizard.answers import CephDownloadAnswers

        answers = self.answers
        if not self.applicable:
            return dataclasses.replace(answers, enabled=False)
        if not self._fields():  # not built: never ticked here, so what it was given
            return dataclasses.replace(answers, enabled=self.query_one("#enabled", Checkbox).value)
        values = {field.id or "": field.value for field in self._fields()}
        try:
            typed = self._check("connect_timeout").value(values["connect_timeout"])
        except ValueError:  # not a number: the field says so, and the answer stays what it was
            typed = answers.connect_timeout
        timeout = typed if isinstance(typed, int) else answers.connect_timeout
        return CephDownloadAnswers(
            enabled=self.query_one("#enabled", Checkbox).value,
            rbd_user=values["rbd_user"],
            rbd_pool=values["rbd_pool"],
            ceph_conf=values["ceph_conf"],
            connect_timeout=timeout,
            glance_api_node=self.query_one("#glance_api_node", Checkbox).value,
        )

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
