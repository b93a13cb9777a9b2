"""Storage: where instance disks live (qcow2, flat, lvm, rbd), each with its consequences, and its fields
checked as they are typed (the volume group is offered from the host when lvm2 is there).

Only the chosen backend's fields are built (half the screen's widgets are fields, and a step costs what it
builds); another backend's are built when it is first chosen, and kept with what was typed in them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RadioButton, RadioSet, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.widgets.text import line
from screens.widgets.validated_field import AnswerCheck, ValidatedField

if TYPE_CHECKING:
    from wizard.answers import StorageAnswers
    from wizard.host.facts import HostFacts

BACKENDS = {
    "qcow2": "qcow2: copy-on-write files on local disk (the default)",
    "flat": "flat: raw files on local disk",
    "lvm": "lvm: logical volumes in a volume group",
    "rbd": "rbd: Ceph RBD images (shared storage)",
}
CONSEQUENCES = {
    "qcow2": "Disk space: thin, an instance uses only what it writes. Speed: a little slower than raw. "
    "Live migration copies the disks unless /var/lib/nova/instances is shared. Glance images may be qcow2 "
    "or raw; with force_raw_images (nova's default) they are converted to raw once, on first use.",
    "flat": "Disk space: the whole disk size is reserved when the instance starts. Speed: the fastest local "
    "files. Live migration copies the disks unless /var/lib/nova/instances is shared. Images are converted "
    "to raw (force_raw_images).",
    "lvm": "Disk space: each disk is a logical volume of its full size in the volume group, which must exist "
    "(vgs). Speed: raw block devices, fast. Live migration copies the disks (block migration).",
    "rbd": "Disk space: in the Ceph pool, shared by every compute node. Live migration does not copy disks, "
    "and instances start as copy-on-write clones of their image, which must be raw in Glance: a qcow2 image "
    "is downloaded and converted instead (with force_raw_images), losing the clone. Needs ceph.conf, a Ceph "
    "client and the libvirt secret holding its key.",
}


FIELDS = ("lvm", "rbd")  # the backends with fields of their own


class StorageScreen(SectionScreen["StorageAnswers"]):
    CSS_PATH = stylesheet("storage")
    HELP = "storage"

    def __init__(self, banner: Banner, answers: StorageAnswers, facts: HostFacts, root: Path) -> None:
        from wizard.host.profile import HostProfile

        super().__init__(banner, answers)
        self.facts = facts
        self.root = root  # where ceph.conf is looked for, as the planner does
        profile = HostProfile.from_facts(facts)
        self.groups = profile.volume_groups  # None: lvm2 is not there (or vgs failed)
        self.groups_source = profile.volume_groups_source

    def compose_body(self) -> ComposeResult:

        with RadioSet(id="backend", compact=True):
            for backend, label in BACKENDS.items():
                yield RadioButton(label, value=backend == self.answers.backend, id=backend)
        yield Static("", id="consequences")
        for backend in FIELDS:
            with Vertical(id=f"{backend}-fields", classes="fields"):
                if backend == self.answers.backend:
                    yield from self._fields_of(backend)

    def _check(self, key: str, backend: str) -> AnswerCheck:
        """The planner's check of storage.KEY, with the backend its field is for chosen."""
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        storage = dataclasses.replace(self.answers, backend=backend)
        return AnswerCheck(f"storage.{key}", Answers(storage=storage), self.facts, self.root)

    def _fields_of(self, backend: str) -> list[ValidatedField]:
        if backend == "lvm":
            vg = self.answers.volume_group or (self.groups[0] if self.groups else "")
            return [
                ValidatedField(
                    "Volume group",
                    vg,
                    self._check("volume_group", backend),
                    id="volume_group",
                    hint=self._groups_hint(),
                    suggestions=self.groups or (),
                )
            ]
        return [
            ValidatedField("Pool", self.answers.rbd_pool, self._check("rbd_pool", backend), id="rbd_pool"),
            ValidatedField(
                "ceph.conf", self.answers.ceph_conf, self._check("ceph_conf", backend), id="ceph_conf"
            ),
            ValidatedField(
                "Ceph client",
                self.answers.rbd_user,
                self._check("rbd_user", backend),
                id="rbd_user",
                hint="without 'client.'",
            ),
            ValidatedField(
                "Secret UUID",
                self.answers.rbd_secret_uuid,
                self._check("rbd_secret_uuid", backend),
                id="rbd_secret_uuid",
                hint="virsh secret-list shows it",
                placeholder="e.g. 457eb676-33da-42ec-9a8c-9293d545c337",
            ),
        ]

    def _groups_hint(self) -> str:
        if self.groups is None:
            return f"lvm2 was not found here ({self.groups_source})"
        if not self.groups:
            return "no volume group exists here yet: vgcreate one first"
        return "on this host: " + ", ".join(self.groups) + " (right arrow completes)"

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
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        current = self.current() or self.answers
        return AnswerCheck("storage.backend", Answers(storage=current), self.facts, self.root).problem(
            backend
        )

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

    def _value(self, field: str, unbuilt: str) -> str:
        """What the field holds, or ``unbuilt`` (the answer it would start from) when it is not built."""
        built = self.query(f"#{field}").results(ValidatedField)
        return next((widget.value for widget in built), unbuilt)

    def current(self) -> StorageAnswers | None:
        from wizard.answers import StorageAnswers

        backend = self.backend()
        answers = self.answers
        return StorageAnswers(
            backend=backend,
            volume_group=self._value("volume_group", answers.volume_group)
            if backend == "lvm"
            else answers.volume_group,
            rbd_pool=self._value("rbd_pool", answers.rbd_pool),
            ceph_conf=self._value("ceph_conf", answers.ceph_conf),
            rbd_user=self._value("rbd_user", answers.rbd_user),
            rbd_secret_uuid=self._value("rbd_secret_uuid", answers.rbd_secret_uuid),
        )

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
