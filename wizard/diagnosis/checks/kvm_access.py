"""Checks of who may open /dev/kvm: the QEMU user and nova, from its mode and the root's accounts."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, Impact, assess, stat_evidence
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.checks.kvm_device import device_ok, permissions_reason
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.access import KvmAccess
from wizard.host.profile import NOVA_USER, HostProfile


def _access_evidence(profile: HostProfile, access: KvmAccess) -> list[Evidence]:
    evidence = [stat_evidence("/dev/kvm", profile.kvm_device)]
    user = profile.accounts.users.get(access.user)
    evidence.append(
        Evidence(
            "/etc/passwd",
            f"{user.name}: uid {user.uid}, gid {user.gid}" if user else f"no user {access.user}",
        )
    )
    groups = sorted(profile.accounts.group_names_of(access.user))
    if access.assumed_groups:
        member = f"{access.user} not created yet; its package adds it to {', '.join(sorted(access.assumed_groups))}"
    else:
        member = f"{access.user} in: {', '.join(groups) or 'no group'}"
    evidence.append(Evidence("/etc/group", member))
    return evidence


def check_kvm_access(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    results: list[Assessment] = []
    for user, access in profile.access.items():
        is_qemu = user == profile.qemu_user
        finding_id = "kvm-access-qemu" if is_qemu else "kvm-access-nova"
        who = f"{user} (the QEMU user, {profile.qemu_user_source})" if is_qemu else user
        if not profile.accounts.readable:
            results.append(
                assess(
                    finding_id,
                    Status.UNKNOWN,
                    f"Cannot tell whether {user} may open /dev/kvm",
                    [Evidence("accounts", profile.accounts.error or "not readable")],
                )
            )
            continue
        evidence = _access_evidence(profile, access)
        if access.can_open is None:
            results.append(assess(finding_id, Status.INFO, f"{who}: decided once /dev/kvm exists", evidence))
            continue
        if not access.exists and not access.assumed_groups and not is_qemu:
            results.append(
                assess(
                    finding_id,
                    Status.INFO,
                    f"{user} does not exist yet (nova-compute is not installed)",
                    evidence,
                    detail=access.reason,
                )
            )
            continue
        if access.can_open:
            title = (
                f"{who} can open /dev/kvm"
                if access.exists
                else (
                    f"{user} does not exist yet; created by libvirt's package in group kvm, it could open /dev/kvm"
                )
            )
            results.append(
                assess(
                    finding_id,
                    Status.PASS if access.exists else Status.INFO,
                    title,
                    evidence,
                    detail=access.reason,
                )
            )
            continue
        device_fault = not device_ok(profile)
        if device_fault:
            remedy = Remedy(
                summary="Fix the group and mode of /dev/kvm (see kvm-device-permissions)",
                plan_fix="fix-kvm-device-permissions",
            )
        else:
            remedy = Remedy(
                summary=f"Add {user} to group kvm, then restart libvirt so that new QEMU processes get the group",
                commands=(f"usermod -aG kvm {user}",),
                why="Group membership is read when a process starts.",
                plan_fix="add-user-to-kvm-group",
            )
        if is_qemu:
            state = "cannot open /dev/kvm" if access.exists else "will not be able to open /dev/kvm"
            results.append(
                assess(
                    finding_id,
                    Status.FAIL,
                    f"{who} {state}",
                    evidence,
                    remedy=remedy,
                    detail=access.reason
                    + (
                        ""
                        if access.exists
                        else f". {user} does not exist yet: libvirt's package creates it in group kvm."
                    ),
                    impact=Impact.FIXABLE,
                    reason=permissions_reason(profile)
                    if device_fault
                    else f"{user} (the QEMU user) is not in group kvm",
                )
            )
        else:
            results.append(
                assess(
                    finding_id,
                    Status.WARN,
                    f"{user} cannot open /dev/kvm",
                    evidence,
                    remedy=remedy,
                    detail=access.reason
                    + f". nova-compute itself does not open /dev/kvm (libvirt starts QEMU as "
                    f"{profile.qemu_user}); it matters where QEMU runs as {NOVA_USER}.",
                )
            )
    return results
