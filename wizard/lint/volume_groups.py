"""The one home of "the LVM volume group for instance disks must exist on this host".

Every view asks here and words it the same: the planner's validation of storage.volume_group (which the
Storage screen's field calls), the config lint of nova.conf's images_volume_group, and the Ansible export's
assertion (which lists the groups when it runs on the target).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MissingVolumeGroup:
    """A volume group that cannot be used for instance disks: what is wrong, and what to do about it."""

    what: str  # "'vg0' does not exist on this host (volume groups: nova-vg)"
    fix: str  # "create it with vgcreate vg0 DEVICE, or name an existing one"

    def sentence(self) -> str:
        """Both in one message: "'vg0' does not exist on this host (...). Create it with vgcreate ..."."""
        return f"{self.what}. {self.fix[:1].upper()}{self.fix[1:]}."


def listed(groups: Sequence[str]) -> str:
    """The volume groups as the messages name them: "nova-vg, data", or "none"."""
    return ", ".join(groups) or "none"


def absent_volume_group(name: str, groups: str) -> MissingVolumeGroup:
    """The words for a volume group the host does not have; ``groups`` names the ones it has (see listed())."""
    return MissingVolumeGroup(
        f"{name!r} does not exist on this host (volume groups: {groups})",
        f"create it with vgcreate {name} DEVICE, or name an existing one",
    )


def missing_volume_group(
    name: str, groups: Sequence[str] | None, unknown_because: str
) -> MissingVolumeGroup | None:
    """Why ``name`` cannot hold instance disks on a host with ``groups``, or None when it exists there.

    ``groups`` is None when they are not known, for ``unknown_because`` ("vgs is not installed (package lvm2)").
    """
    if groups is None:
        return MissingVolumeGroup(
            f"cannot be checked: {unknown_because}",
            "the lvm backend needs lvm2 (vgs, lvcreate) on this host: install lvm2 and create the volume "
            "group, then plan again",
        )
    if name in groups:
        return None
    return absent_volume_group(name, listed(groups))
