"""Ceph direct download: Glance images read straight from Ceph; not applicable (with the reason) when instance
disks are on rbd themselves. Its fields checked by the planner; "this host is also a Glance API node"."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.check import AnswerCheck, Field

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
ENABLE = "Download images directly from Ceph (ceph_download.enabled)"
GLANCE_NODE = "This host is also a Glance API node: set show_image_direct_url there"
GLANCE_NOTE = "Image locations then become visible to users of the Glance API."


class CephDownloadForm:
    """What the step offers with the Storage step's backend, its fields, and the planner's checks."""

    def __init__(
        self, answers: CephDownloadAnswers, storage_backend: str, facts: HostFacts, root: Path
    ) -> None:
        self.answers = answers
        self.storage_backend = storage_backend
        self.applicable = storage_backend != "rbd"
        self.facts = facts
        self.root = root  # where ceph.conf is looked for, as the planner does

    def check(self, key: str, answers: CephDownloadAnswers | None = None) -> AnswerCheck:
        """The planner's check of ceph_download.KEY, with direct download on and the Storage step's backend."""
        # lazy: the engine is not imported before the first frame
        from wizard.answers import Answers, StorageAnswers

        download = dataclasses.replace(answers or self.answers, enabled=True)
        checked = Answers(storage=StorageAnswers(backend=self.storage_backend), ceph_download=download)
        return AnswerCheck(f"ceph_download.{key}", checked, self.facts, self.root)

    def fields(self) -> list[Field]:
        answers = self.answers
        return [
            Field(
                "rbd_user",
                "Ceph client",
                answers.rbd_user,
                self.check("rbd_user"),
                hint="reads images; without 'client.'",
            ),
            Field("rbd_pool", "Image pool", answers.rbd_pool, self.check("rbd_pool")),
            Field("ceph_conf", "ceph.conf", answers.ceph_conf, self.check("ceph_conf")),
            Field(
                "connect_timeout",
                "Connect timeout (s)",
                str(answers.connect_timeout),
                self.check("connect_timeout"),
            ),
        ]

    def enabled_problem(self, current: CephDownloadAnswers) -> str | None:
        """What the planner refuses in direct download on this host (the rbd command, python3-rbd, a keyring)."""
        return self.check("enabled", current).problem(True)

    def chosen(
        self, *, enabled: bool, values: dict[str, str] | None = None, glance_api_node: bool | None = None
    ) -> CephDownloadAnswers:
        """The answers for the choices and the fields' texts (``values`` None: the fields were never shown,
        so they are what the step was given); a timeout that is not a number stays what it was."""
        from wizard.answers import CephDownloadAnswers  # lazy: not before the first frame

        answers = self.answers
        if not self.applicable:
            return dataclasses.replace(answers, enabled=False)
        if values is None:
            return dataclasses.replace(answers, enabled=enabled)
        try:
            typed = self.check("connect_timeout").value(values["connect_timeout"])
        except ValueError:  # not a number: the field says so, and the answer stays what it was
            typed = answers.connect_timeout
        timeout = typed if isinstance(typed, int) else answers.connect_timeout
        return CephDownloadAnswers(
            enabled=enabled,
            rbd_user=values["rbd_user"],
            rbd_pool=values["rbd_pool"],
            ceph_conf=values["ceph_conf"],
            connect_timeout=timeout,
            glance_api_node=answers.glance_api_node if glance_api_node is None else glance_api_node,
        )
