"""Checks of /dev/kvm: the device, the KVM API probe, its permissions, udev, and who can open it."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, Impact, assess, stat_evidence
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.kernel import KvmUsability
from wizard.host.observed import Seen
from wizard.host.profile import HostProfile

KVM_RULE = 'KERNEL=="kvm", GROUP="kvm", MODE="0660"'
RULE_FILE = "/etc/udev/rules.d/65-kvm.rules"


def check_kvm_device(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    device = profile.kvm_device
    evidence = [stat_evidence("/dev/kvm", device)]
    if profile.seen("/dev/kvm") is Seen.UNKNOWN and not device.exists:
        if not device.error:
            evidence = [Evidence("stat /dev/kvm", f"not seen ({profile.source}: no running kernel's /dev)")]
        return [
            assess(
                "kvm-device",
                Status.UNKNOWN,
                "/dev/kvm could not be examined",
                evidence,
                # When KVM works, /dev/kvm exists: who may open it (the QEMU user) is what is not known.
                impact=Impact.UNKNOWN,
                reason="who may open /dev/kvm (it was not examined)"
                if ctx.kvm_works
                else "whether /dev/kvm exists",
            )
        ]
    if device.exists and device.kind == "char" and (device.major, device.minor) == (10, 232):
        return [assess("kvm-device", Status.PASS, "/dev/kvm exists (character device 10:232)", evidence)]
    if device.exists:
        return [
            assess(
                "kvm-device",
                Status.FAIL,
                "/dev/kvm is not the KVM device",
                evidence,
                remedy=Remedy(
                    summary="Replace it with the real device node",
                    commands=("rm /dev/kvm", "mknod -m 0660 /dev/kvm c 10 232", "chgrp kvm /dev/kvm"),
                ),
                impact=Impact.FIXABLE,
                reason="/dev/kvm is not the KVM character device 10:232",
            )
        ]
    if profile.kvm_registered:
        evidence.append(Evidence("/proc/misc", "232 kvm (the kernel has registered the device)"))
        commands = (
            ("udevadm trigger --sysname-match=kvm",)
            if profile.udev.running
            else (
                "mknod -m 0660 /dev/kvm c 10 232",
                "chgrp kvm /dev/kvm",
            )
        )
        return [
            assess(
                "kvm-device",
                Status.FAIL,
                "KVM is registered but /dev/kvm is missing",
                evidence,
                remedy=Remedy(summary="Create the device node", commands=commands),
                impact=Impact.FIXABLE,
                reason="/dev/kvm is missing",
            )
        ]
    detail = (
        "The kernel has not registered KVM: the causes are in the findings above (modules, firmware, CPU)."
    )
    return [assess("kvm-device", Status.FAIL, "/dev/kvm does not exist", evidence, detail=detail)]


def check_kvm_api(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    result = profile.kvm
    device = "/dev/kvm"
    if result.usability is KvmUsability.NOT_PROBED:
        return [
            assess(
                "kvm-api",
                Status.UNKNOWN,
                "The KVM API was not probed",
                [Evidence("facts", f"{profile.source}: no KVM API probe recorded")],
                detail=(
                    "Only the live host can be probed (kvm-wizard check without --root or --facts); "
                    "the other findings say what the recorded files show."
                ),
            )
        ]
    if ctx.kvm_works is None:
        return [
            assess(
                "kvm-api",
                Status.UNKNOWN,
                f"This user (uid {profile.euid}) may not open /dev/kvm, so the KVM API was not tested",
                [Evidence(f"open {device} read-write", result.error or "denied")],
                detail="Run kvm-wizard check as root for the authoritative test.",
            )
        ]
    if result.usability is KvmUsability.USABLE:
        capabilities = dict(result.capabilities)
        evidence = [
            Evidence(f"ioctl KVM_GET_API_VERSION on {device}", f"returned {result.api_version}"),
            Evidence(f"ioctl KVM_CREATE_VM on {device}", "returned a VM file descriptor (closed at once)"),
        ]
        if capabilities:
            evidence.append(
                Evidence(
                    "ioctl KVM_CHECK_EXTENSION",
                    f"max vCPUs {capabilities.get('KVM_CAP_MAX_VCPUS', '?')}, recommended "
                    f"{capabilities.get('KVM_CAP_NR_VCPUS', '?')}, nested state "
                    f"{capabilities.get('KVM_CAP_NESTED_STATE', '?')}",
                )
            )
        return [assess("kvm-api", Status.PASS, "The KVM API works: a test VM was created", evidence)]
    step = {
        "open": f"open {device} read-write",
        "api-version": "ioctl KVM_GET_API_VERSION",
        "create-vm": "ioctl KVM_CREATE_VM",
    }
    source = step.get(result.failed_step or "", "KVM API probe")
    observed = result.error or "failed"
    if result.api_version is not None and result.failed_step == "api-version":
        observed = f"returned {result.api_version}, expected 12"
    title = {
        "open": f"The KVM API probe could not open {device}",
        "api-version": "The KVM API version is not 12",
        "create-vm": "KVM could not create a VM",
    }.get(result.failed_step or "", "The KVM API probe failed")
    return [
        assess(
            "kvm-api",
            Status.FAIL,
            title,
            [Evidence(source, observed)],
            detail="This is the authoritative test; the findings around it explain why it fails.",
            reason="the KVM API probe failed",
        )
    ]


def device_ok(profile: HostProfile) -> bool:
    device = profile.kvm_device
    return device.mode & 0o006 == 0o006 or (device.group == "kvm" and device.mode & 0o060 == 0o060)


def permissions_remedy(profile: HostProfile) -> Remedy:
    """Give /dev/kvm group kvm, mode 0660: by udev when udevd runs, else by hand plus a rule for later."""
    add_group = () if "kvm" in profile.accounts.groups else ("groupadd --system kvm",)
    rule = profile.udev.kvm_group_rule
    settings: list[str] = []
    if rule is None:
        settings.append(f"{KVM_RULE} in {RULE_FILE}")
    if profile.udev.running:
        reload = () if rule is not None else ("udevadm control --reload",)
        return Remedy(
            summary="Let udev give /dev/kvm group kvm and mode 0660",
            commands=(*add_group, *reload, "udevadm trigger --sysname-match=kvm"),
            settings=tuple(settings),
            why=(
                "The seed document's fix (`udevadm trigger`), limited to /dev/kvm: udevd re-applies the rule now, "
                "and at every boot."
            ),
            plan_fix="fix-kvm-device-permissions",
        )
    systemd = profile.udev.init == "systemd"
    if systemd:
        settings.append("z /dev/kvm 0660 root kvm - in /etc/tmpfiles.d/kvm.conf")
    boot_note = (
        "systemd-tmpfiles applies the tmpfiles line at boot."
        if systemd
        else f"Nothing applies them at boot here (init is {profile.udev.init or 'unknown'}, not systemd): "
        "repeat the two commands from the script that starts this machine."
    )
    return Remedy(
        summary="Give /dev/kvm group kvm and mode 0660 by hand (udevd is not running)",
        commands=(*add_group, "chgrp kvm /dev/kvm", "chmod 0660 /dev/kvm"),
        settings=tuple(settings),
        why=(
            "udevd is not running, so `udevadm trigger` would change nothing. chgrp and chmod fix the device "
            f"now, and are lost at reboot; the udev rule makes it permanent where udevd runs. {boot_note}"
        ),
        plan_fix="fix-kvm-device-permissions",
    )


def permissions_reason(profile: HostProfile) -> str:
    device = profile.kvm_device
    label = f"{device.owner or device.uid}:{device.group or device.gid} {device.mode:04o}"
    return f"/dev/kvm is {label}, so {profile.qemu_user} (the QEMU user) could not open it"


def check_kvm_permissions(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    device = profile.kvm_device
    if not device.exists:
        return []
    evidence = [stat_evidence("/dev/kvm", device)]
    kvm_group = profile.accounts.groups.get("kvm")
    evidence.append(
        Evidence(
            "/etc/group",
            f"kvm:{kvm_group.gid}:{','.join(kvm_group.members)}" if kvm_group else "no group kvm",
        )
    )
    label = f"{device.owner or device.uid}:{device.group or device.gid} {device.mode:04o}"
    if device.mode & 0o006 == 0o006:
        return [
            assess(
                "kvm-device-permissions",
                Status.PASS,
                f"/dev/kvm is {label}: every user may open it",
                evidence,
                detail="Upstream systemd's default; distributions usually narrow it to root:kvm 0660.",
            )
        ]
    if device.group == "kvm" and device.mode & 0o060 == 0o060:
        return [
            assess(
                "kvm-device-permissions",
                Status.PASS,
                f"/dev/kvm is {label}, as distributions set it",
                evidence,
            )
        ]
    qemu = profile.access.get(profile.qemu_user)
    blocking = qemu is None or qemu.can_open is not True
    return [
        assess(
            "kvm-device-permissions",
            Status.FAIL if blocking else Status.WARN,
            f"/dev/kvm is {label}: {'only its owner may open it' if device.mode & 0o077 == 0 else 'not group kvm read-write'}",
            evidence,
            remedy=permissions_remedy(profile),
            detail='Distributions set root:kvm 0660 (udev rule KERNEL=="kvm", GROUP="kvm", MODE="0660").',
            impact=Impact.FIXABLE if blocking else None,
            reason=permissions_reason(profile),
        )
    ]


def check_udev(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    udev = profile.udev
    found: list[Assessment] = []
    rule = udev.kvm_group_rule
    if rule is not None:
        found.append(
            assess(
                "kvm-udev-rule",
                Status.PASS,
                "A udev rule gives /dev/kvm its group",
                [Evidence(rule[0], rule[1])],
            )
        )
    elif not udev.rules_searched:
        found.append(assess("kvm-udev-rule", Status.UNKNOWN, "The udev rules were not readable"))
    else:
        found.append(
            assess(
                "kvm-udev-rule",
                Status.WARN if udev.running else Status.INFO,
                "No udev rule sets the group of /dev/kvm",
                [Evidence("udev rules directories", 'no rule with KERNEL=="kvm" and GROUP=')],
                remedy=Remedy(
                    summary="Add the rule distributions ship",
                    settings=(f"{KVM_RULE} in {RULE_FILE}",),
                    why="Without it, /dev/kvm keeps the kernel's root:root 0600 after every boot (where udevd runs).",
                    plan_fix="fix-kvm-device-permissions",
                ),
            )
        )
    control = Evidence("stat /run/udev/control", "a socket (udevd listens)" if udev.running else "no socket")
    if udev.running is None:
        found.append(assess("udevd", Status.UNKNOWN, "Cannot tell whether udevd runs", [control]))
    elif udev.running:
        found.append(assess("udevd", Status.PASS, "udevd is running", [control]))
    else:
        lost = device_ok(profile) and profile.kvm_device.exists and udev.init != "systemd"
        detail = "Device permissions are not re-applied by udev on this host, now or at boot."
        if lost:
            detail += (
                f" /dev/kvm's group and mode were set by hand or by a package; init here is "
                f"{udev.init or 'unknown'}, not systemd, so after a reboot /dev/kvm is back to the kernel's "
                "root:root 0600 unless the script that starts this machine repeats the fix."
            )
        found.append(
            assess(
                "udevd",
                Status.WARN if lost or not device_ok(profile) else Status.INFO,
                "udevd is not running: `udevadm trigger` would do nothing here",
                [control, Evidence("/proc/1/comm", udev.init or "not readable")],
                detail=detail,
                remedy=Remedy(
                    summary="Repeat the permission fix at every boot, from the script that starts this machine",
                    commands=("chgrp kvm /dev/kvm", "chmod 0660 /dev/kvm"),
                )
                if lost
                else None,
            )
        )
    return found
