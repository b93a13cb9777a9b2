"""Storage: where instance disks live (qcow2, flat, lvm, rbd), each with its consequences, and the fields of
the backends that have them, checked by the planner (the volume group is offered from the host when lvm2 is
there)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.check import AnswerCheck, Field

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


class StorageForm:
    """What the step offers on this host, its fields, and the planner's checks."""

    def __init__(self, answers: StorageAnswers, facts: HostFacts, root: Path) -> None:
        from wizard.host.profile import HostProfile  # lazy: not before the first frame

        self.answers = answers
        self.facts = facts
        self.root = root  # where ceph.conf is looked for, as the planner does
        profile = HostProfile.from_facts(facts)
        self.groups = profile.volume_groups  # None: lvm2 is not there (or vgs failed)
        self.groups_source = profile.volume_groups_source

    def check(self, key: str, backend: str, answers: StorageAnswers | None = None) -> AnswerCheck:
        """The planner's check of storage.KEY, with the backend its field is for chosen."""
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        storage = dataclasses.replace(answers or self.answers, backend=backend)
        return AnswerCheck(f"storage.{key}", Answers(storage=storage), self.facts, self.root)

    def groups_hint(self, complete: str) -> str:
        """What the host has for the volume group; ``complete`` says how the view completes a name."""
        if self.groups is None:
            return f"lvm2 was not found here ({self.groups_source})"
        if not self.groups:
            return "no volume group exists here yet: vgcreate one first"
        return "on this host: " + ", ".join(self.groups) + (f" ({complete})" if complete else "")

    def fields(self, backend: str, *, complete: str = "") -> list[Field]:
        """The fields of a backend, starting from the answers (an empty volume group from the host's)."""
        answers = self.answers
        if backend == "lvm":
            group = answers.volume_group or (self.groups[0] if self.groups else "")
            return [
                Field(
                    "volume_group",
                    "Volume group",
                    group,
                    self.check("volume_group", backend),
                    hint=self.groups_hint(complete),
                    suggestions=tuple(self.groups or ()),
                )
            ]
        if backend != "rbd":
            return []
        return [
            Field("rbd_pool", "Pool", answers.rbd_pool, self.check("rbd_pool", backend)),
            Field("ceph_conf", "ceph.conf", answers.ceph_conf, self.check("ceph_conf", backend)),
            Field(
                "rbd_user",
                "Ceph client",
                answers.rbd_user,
                self.check("rbd_user", backend),
                hint="without 'client.'",
            ),
            Field(
                "rbd_secret_uuid",
                "Secret UUID",
                answers.rbd_secret_uuid,
                self.check("rbd_secret_uuid", backend),
                hint="virsh secret-list shows it",
                placeholder="e.g. 457eb676-33da-42ec-9a8c-9293d545c337",
            ),
        ]

    def chosen(self, backend: str, values: dict[str, str]) -> StorageAnswers:
        """The answers for a backend and the fields' values (a field not shown keeps what it was given)."""
        from wizard.answers import StorageAnswers  # lazy: not before the first frame

        answers = self.answers
        return StorageAnswers(
            backend=backend,
            volume_group=values.get("volume_group", answers.volume_group)
            if backend == "lvm"
            else answers.volume_group,
            rbd_pool=values.get("rbd_pool", answers.rbd_pool),
            ceph_conf=values.get("ceph_conf", answers.ceph_conf),
            rbd_user=values.get("rbd_user", answers.rbd_user),
            rbd_secret_uuid=values.get("rbd_secret_uuid", answers.rbd_secret_uuid),
        )

    def backend_problem(self, backend: str, current: StorageAnswers) -> str | None:
        """What the planner refuses in the backend on this host (the Ceph pieces rbd needs, say)."""
        from wizard.answers import Answers  # lazy: not before the first frame

        return AnswerCheck("storage.backend", Answers(storage=current), self.facts, self.root).problem(
            backend
        )
