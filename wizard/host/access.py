"""Accounts and who may open /dev/kvm: decided from its owner, group and mode and the root's /etc/group."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wizard.host.facts import PathStat
from wizard.host.parsing import GroupEntry, UserEntry


@dataclass(frozen=True)
class Accounts:
    """The users and groups recorded from the root's /etc/passwd and /etc/group."""

    users: dict[str, UserEntry]
    groups: dict[str, GroupEntry]
    readable: bool = True
    error: str | None = None

    def group_names_of(self, user: str) -> frozenset[str]:
        """Every group of a user: its primary group and the groups listing it as a member."""
        names = {name for name, group in self.groups.items() if user in group.members}
        entry = self.users.get(user)
        if entry is not None:
            names |= {name for name, group in self.groups.items() if group.gid == entry.gid}
        return frozenset(names)

    def gids_of(self, user: str) -> frozenset[int]:
        gids = {self.groups[name].gid for name in self.group_names_of(user)}
        entry = self.users.get(user)
        if entry is not None:
            gids.add(entry.gid)
        return frozenset(gids)


class AccessVia(StrEnum):
    ROOT = "root"  # uid 0 opens anything (capabilities)
    OWNER = "owner"
    GROUP = "group"
    OTHERS = "others"


@dataclass(frozen=True)
class KvmAccess:
    """Whether one user can open /dev/kvm read-write, and why."""

    user: str
    exists: bool  # the account exists on this host
    can_open: bool | None  # None: /dev/kvm missing or not readable facts
    via: AccessVia | None
    reason: str  # one sentence, for the operator
    in_kvm_group: bool = False
    assumed_groups: frozenset[str] = frozenset()  # groups assumed for an account not created yet


# Packages add these accounts to group kvm when they create them (Debian's libvirt-daemon-system makes kvm
# libvirt-qemu's primary group; RHEL's qemu user is created with -G kvm).
PACKAGED_KVM_MEMBERS = frozenset({"libvirt-qemu", "qemu"})


def kvm_access(user: str, device: PathStat, accounts: Accounts) -> KvmAccess:
    entry = accounts.users.get(user)
    exists = entry is not None
    if not device.exists:
        return KvmAccess(user, exists, None, None, "/dev/kvm does not exist")
    group_names = accounts.group_names_of(user)
    gids = set(accounts.gids_of(user))
    assumed: frozenset[str] = frozenset()
    if not exists and user in PACKAGED_KVM_MEMBERS and "kvm" in accounts.groups:
        # Not created yet: judge it as the package will create it, a member of group kvm.
        assumed = frozenset({"kvm"})
        gids.add(accounts.groups["kvm"].gid)
        group_names = group_names | assumed
    in_kvm = "kvm" in group_names
    mode = device.mode
    group_label = device.group or str(device.gid)
    owner_label = device.owner or str(device.uid)
    if entry is not None and entry.uid == 0:
        return KvmAccess(user, True, True, AccessVia.ROOT, f"{user} is uid 0", in_kvm)
    if entry is not None and entry.uid == device.uid:
        allowed = mode & 0o600 == 0o600
        return KvmAccess(
            user,
            exists,
            allowed,
            AccessVia.OWNER,
            f"{user} owns /dev/kvm and mode {mode:04o} {'gives' if allowed else 'denies'} the owner read-write",
            in_kvm,
            assumed,
        )
    if device.gid in gids:
        allowed = mode & 0o060 == 0o060
        membership = "would be" if assumed else "is"
        return KvmAccess(
            user,
            exists,
            allowed,
            AccessVia.GROUP,
            f"{user} {membership} in group {group_label}, and mode {mode:04o} "
            f"{'gives' if allowed else 'denies'} that group read-write",
            in_kvm,
            assumed,
        )
    allowed = mode & 0o006 == 0o006
    groups_text = ", ".join(sorted(group_names)) or "no group that matters"
    if allowed:
        reason = f"mode {mode:04o} lets every user read and write /dev/kvm"
    else:
        reason = (
            f"/dev/kvm is {owner_label}:{group_label} {mode:04o}; {user} is not its owner and not in group "
            f"{group_label} ({'would be in' if assumed else 'member of'}: {groups_text})"
        )
    return KvmAccess(user, exists, allowed, AccessVia.OTHERS, reason, in_kvm, assumed)
