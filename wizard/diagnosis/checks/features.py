"""Checks of what guests get beyond KVM itself: nested virtualization, vhost-net, tun, the IOMMU."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, Impact, assess, stat_evidence
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.kernel import ModuleState
from wizard.host.observed import Seen
from wizard.host.platform import ArchFamily, Vendor
from wizard.host.profile import HostProfile

NESTED_LIMITS = (
    "Nested guests fail to live-migrate and to resume from suspend while they run their own VMs "
    "(see the KVM documentation's Nested Guests limitations)."
)


def _reload(profile: HostProfile, module: str) -> tuple[str, ...]:
    if profile.modules[module].state is ModuleState.BUILTIN or profile.module_loading.possible is False:
        return ()
    return (f"modprobe -r {module}", f"modprobe {module}")


def nested_remedy(profile: HostProfile, module: str, configured_by: str | None) -> Remedy:
    builtin = profile.modules[module].state is ModuleState.BUILTIN
    if builtin:
        setting = f"{module}.nested=1 on the kernel command line"
        how = "The module is built in: the kernel command line sets it, and a reboot applies it."
    else:
        setting = f"options {module} nested=1 in /etc/modprobe.d/kvm.conf"
        how = "Reloading the module (every VM on this host stopped) or a reboot applies it."
    if configured_by and not builtin:
        how = f"Replace {configured_by}. " + how
    return Remedy(
        summary=f"Turn on nested virtualization for {module}",
        commands=_reload(profile, module),
        settings=(setting,),
        why=f"Needed only if instances run VMs of their own. {how} {NESTED_LIMITS}",
        plan_fix="enable-nested",
    )


def check_nested(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    module = profile.nested_module
    if module is None:
        if profile.platform.family is ArchFamily.ARM:
            return [
                assess(
                    "nested",
                    Status.INFO,
                    "Nested virtualization on aarch64 is not assessed",
                    detail="It needs a CPU with FEAT_NV2 and a recent kernel (kvm-arm.mode=nested).",
                )
            ]
        return []
    state = profile.nested[module]
    evidence: list[Evidence] = []
    if state.raw is not None:
        evidence.append(Evidence(f"/sys/module/{module}/parameters/nested", state.raw))
    if state.configured_by:
        evidence.append(Evidence("configuration", state.configured_by))
    if profile.pvm_active:
        return [assess("nested", Status.INFO, f"Not applicable: KVM comes from PVM, not {module}", evidence)]
    if not profile.modules[module].present:
        what = (
            f"configured {'on' if state.configured else 'off'}"
            if state.configured is not None
            else "not configured"
        )
        return [
            assess(
                "nested",
                Status.INFO,
                f"Nested virtualization unknown until {module} is loaded ({what})",
                evidence,
            )
        ]
    if state.active is None:
        shown = state.raw if state.raw is not None else "not readable"
        return [
            assess(
                "nested",
                Status.UNKNOWN,
                f"The nested parameter of {module} is unknown ({shown})",
                evidence or [Evidence(f"/sys/module/{module}/parameters/nested", shown)],
            )
        ]
    if state.active:
        if state.configured is False:
            return [
                assess(
                    "nested",
                    Status.WARN,
                    f"Nested virtualization is on now, but configured off: it goes at the next reload of {module}",
                    evidence,
                    remedy=nested_remedy(profile, module, state.configured_by),
                )
            ]
        return [
            assess(
                "nested", Status.PASS, f"Nested virtualization is on ({module} nested={state.raw})", evidence
            )
        ]
    if state.configured:
        commands = _reload(profile, module)
        return [
            assess(
                "nested",
                Status.WARN,
                f"Nested virtualization is configured but not active: reload {module} or reboot",
                evidence,
                remedy=Remedy(
                    summary=f"Reload {module} (with every VM on this host stopped), or reboot",
                    commands=commands,
                    why="The nested parameter is read when the module loads.",
                    plan_fix="enable-nested",
                ),
            )
        ]
    flag = "svm" if profile.platform.vendor is Vendor.AMD else "vmx"
    return [
        assess(
            "nested",
            Status.INFO,
            f"Nested virtualization is off ({module} nested={state.raw})",
            evidence,
            remedy=nested_remedy(profile, module, state.configured_by),
            detail=(
                f"Instances then see no {flag}. With it on, Nova's cpu_mode host-passthrough passes it through "
                f"(host-model and custom need '{flag}' in cpu_model_extra_flags)."
                if profile.platform.family is ArchFamily.X86
                else ""
            ),
        )
    ]


def _loadable(profile: HostProfile, module: str) -> bool:
    return profile.module_loading.possible is not False and profile.modules[module].in_kernel is not False


def check_vhost_net(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    device = profile.vhost_net_device
    info = profile.modules["vhost_net"]
    evidence = [
        stat_evidence("/dev/vhost-net", device),
        Evidence("modules", f"vhost_net: {info.state}; " + "; ".join(info.evidence)),
    ]
    if device.exists:
        how = (
            "loaded"
            if info.state is ModuleState.LOADED
            else ("built in" if info.state is ModuleState.BUILTIN else "loaded on first use")
        )
        return [assess("vhost-net", Status.PASS, f"vhost-net is available ({how})", evidence)]
    if profile.seen("/dev/vhost-net") is Seen.UNKNOWN:
        return [
            _device_unknown("vhost-net", "/dev/vhost-net", "guests' fast networking (vhost-net)", evidence)
        ]
    if _loadable(profile, "vhost_net"):
        return [
            assess(
                "vhost-net",
                Status.WARN,
                "vhost-net is not loaded: guests' network runs slower, in QEMU",
                evidence,
                remedy=Remedy(
                    summary="Load vhost_net now and at every boot",
                    commands=("modprobe vhost_net",),
                    settings=(f"vhost_net in {profile.distribution.modules_file}",),
                    why="vhost-net moves packet handling into the kernel (the seed document's performance tweak).",
                    plan_fix="load-vhost-net",
                ),
            )
        ]
    return [
        assess(
            "vhost-net",
            Status.WARN,
            "This kernel has no vhost-net: guests' network runs slower, in QEMU",
            evidence,
            remedy=Remedy(
                summary="Use a kernel built with CONFIG_VHOST_NET (=m or =y) for full network speed"
            ),
            impact=Impact.RESTRICTION,
            reason="this kernel has no vhost-net (slower guest networking)",
        )
    ]


def _device_unknown(finding_id: str, path: str, what: str, evidence: list[Evidence]) -> Assessment:
    return assess(
        finding_id,
        Status.UNKNOWN,
        f"{path} was not seen: {what} unknown",
        evidence,
        detail="This source has no running kernel's /dev (a tree, or a recording without it).",
        impact=Impact.UNKNOWN,
        reason=what,
    )


def check_tun(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    device = profile.tun_device
    evidence = [stat_evidence("/dev/net/tun", device)]
    if device.exists and device.kind == "char":
        return [
            assess("tun", Status.PASS, "/dev/net/tun exists: guests can get tap network devices", evidence)
        ]
    if profile.seen("/dev/net/tun") is Seen.UNKNOWN:
        return [_device_unknown("tun", "/dev/net/tun", "guests' network (/dev/net/tun)", evidence)]
    if _loadable(profile, "tun"):
        return [
            assess(
                "tun",
                Status.FAIL,
                "/dev/net/tun is missing: guests would get no network",
                evidence,
                remedy=Remedy(
                    summary="Load the tun module now and at every boot",
                    commands=("modprobe tun",),
                    settings=(f"tun in {profile.distribution.modules_file}",),
                ),
                impact=Impact.FIXABLE,
                reason="/dev/net/tun is missing",
            )
        ]
    return [
        assess(
            "tun",
            Status.FAIL,
            "/dev/net/tun is missing and this kernel has no tun: guests would get no network",
            evidence,
            remedy=Remedy(summary="Use a kernel built with CONFIG_TUN"),
            impact=Impact.RESTRICTION,
            reason="no /dev/net/tun (guests get no network)",
        )
    ]


def check_iommu(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    iommu = profile.iommu
    if profile.platform.family not in {ArchFamily.X86, ArchFamily.ARM, ArchFamily.POWER, ArchFamily.S390}:
        return []
    tables = [
        name
        for name, present in (("DMAR (Intel VT-d)", iommu.dmar), ("IVRS (AMD-Vi)", iommu.ivrs))
        if present
    ]
    evidence = [
        Evidence("/sys/firmware/acpi/tables", ", ".join(tables) or "no DMAR or IVRS table"),
        Evidence(
            "/sys/kernel/iommu_groups", "not readable" if iommu.groups is None else f"{iommu.groups} groups"
        ),
    ]
    if iommu.groups is None:
        return [
            assess("iommu", Status.UNKNOWN, "IOMMU unknown: /sys/kernel/iommu_groups not readable", evidence)
        ]
    if iommu.groups:
        return [
            assess(
                "iommu",
                Status.INFO,
                f"IOMMU active ({iommu.groups} groups): PCI passthrough possible",
                evidence,
            )
        ]
    argument = "amd_iommu=on" if profile.platform.vendor is Vendor.AMD else "intel_iommu=on"
    remedy = None
    if tables and profile.platform.family is ArchFamily.X86:
        remedy = Remedy(
            summary=f"Add {argument} to the kernel command line and reboot, if guests need PCI passthrough",
            settings=(
                f"{argument} iommu=pt in GRUB_CMDLINE_LINUX (/etc/default/grub), then update the boot loader",
            ),
        )
    return [
        assess(
            "iommu",
            Status.INFO,
            "No IOMMU groups: PCI passthrough is not available"
            + (" (the firmware has an IOMMU)" if tables else ""),
            evidence,
            remedy=remedy,
            detail="Only PCI passthrough needs it; KVM and Nova work without.",
        )
    ]
