"""Checks of the machine itself: architecture, CPU vendor, virtualization extensions, CPUID, firmware."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, Impact, assess, shorten
from wizard.diagnosis.checks.context import Context, VtState, find_out
from wizard.diagnosis.checks.outer import outer_host_remedy
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.hypervisor import HypervisorKind
from wizard.host.kernel import KvmUsability
from wizard.host.platform import Arch, ArchFamily, Platform, Vendor

SUPPORTED_TEXT = "x86_64, aarch64, ppc64le and s390x"
SERVED = (
    f"kvm-wizard sets up Nova with KVM on {SUPPORTED_TEXT} only: the architectures on which Nova's libvirt "
    "driver runs KVM guests and distributions ship OpenStack's compute packages."
)


def _has(platform: Platform, what: str) -> str:
    shown = platform.vt_shown
    if shown is None:
        return f"whether this CPU has {what} was not seen"
    return f"this CPU {'has' if shown else 'does not have'} it"


def _why_not_served(platform: Platform) -> str:
    """Why this architecture is not a Nova KVM host here, and what Linux's KVM says about it."""
    arch = platform.arch
    if arch is Arch.PPC64:
        return (
            "Big-endian POWER can run KVM, but current distributions build OpenStack only for ppc64le "
            "(POWER8 and later). Reinstall the host with a ppc64le distribution."
        )
    if arch is Arch.X86_32:
        cpu64 = "lm" in platform.flags
        return "This is a 32-bit x86 kernel; Nova's compute hosts need x86_64." + (
            " The CPU is 64-bit ('lm'): a 64-bit distribution would run on it." if cpu64 else ""
        )
    if arch is Arch.ARM32:
        return "32-bit Arm: Linux removed KVM for 32-bit Arm hosts (Linux 5.7); KVM on Arm needs aarch64."
    if arch is Arch.PPC32:
        return "32-bit PowerPC: no KVM-HV, and no OpenStack packages. " + SERVED
    if arch is Arch.SPARC64:
        return (
            "Linux has no KVM for SPARC at all; SPARC machines virtualize with Oracle VM Server for SPARC "
            "(Logical Domains) instead. " + SERVED
        )
    if arch is Arch.RISCV64:
        return f"Linux's KVM on RISC-V needs the H (hypervisor) extension: {_has(platform, 'it')}. " + SERVED
    if arch is Arch.LOONGARCH64:
        return (
            f"Linux's KVM on LoongArch needs LVZ (the virtualization extension): {_has(platform, 'it')}. "
            + SERVED
        )
    if arch in {Arch.MIPS, Arch.MIPS64}:
        return f"Linux's KVM on MIPS needs the VZ extension: {_has(platform, 'it')}. " + SERVED
    return f"kvm-wizard does not know the architecture {platform.arch_name!r}. " + SERVED


def check_arch(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    platform = profile.platform
    if platform.arch_inferred:
        source = Evidence("/proc/cpuinfo (its layout)", f"inferred: {platform.arch_name}")
    elif profile.kvm.usability is not KvmUsability.NOT_PROBED:  # probed live: machine is uname's
        source = Evidence("uname -m (the running kernel)", platform.machine or "not recorded")
    else:
        source = Evidence("/proc/sys/kernel/arch", platform.machine or "not recorded")
    if platform.arch is Arch.UNKNOWN:
        missing = (
            [Evidence("/proc/cpuinfo", platform.cpuinfo_error or "not readable")]
            if not platform.cpuinfo_readable
            else []
        )
        return [
            assess(
                "arch",
                Status.UNKNOWN,
                "The architecture is unknown",
                [source, *missing],
                detail="Neither the kernel nor /proc/cpuinfo told which architecture this is; to know, "
                + find_out(profile)
                + ".",
                impact=Impact.UNKNOWN,
                reason="the architecture (neither the kernel nor /proc/cpuinfo was seen)",
            )
        ]
    if platform.supported:
        return [assess("arch", Status.PASS, f"Architecture {platform.arch}: supported", [source])]
    if platform.vt_flag is not None and platform.cpuinfo_readable and platform.family is not ArchFamily.X86:
        source = Evidence(source.source, f"{source.observed}; {_flag_text(platform)}")
    name = platform.arch_name
    return [
        assess(
            "arch",
            Status.FAIL,
            f"Architecture {name} is not supported: kvm-wizard cannot make a Nova KVM host of it",
            [source],
            detail=_why_not_served(platform),
            impact=Impact.UNSUPPORTED,
            reason=f"{name} is not an architecture kvm-wizard serves",
        )
    ]


def _flag_text(platform: Platform) -> str:
    where = {ArchFamily.RISCV: "isa", ArchFamily.MIPS: "ASEs implemented"}.get(platform.family, "features")
    return f"{where}: {'has' if platform.vt_shown else 'no'} '{platform.vt_flag}'"


def check_vendor(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    if not platform.cpuinfo_readable:
        return [
            assess(
                "cpu-vendor",
                Status.UNKNOWN,
                "The CPU is unknown: /proc/cpuinfo was not readable",
                [Evidence("/proc/cpuinfo", platform.cpuinfo_error or "not readable")],
            )
        ]
    names = {
        Vendor.INTEL: "Intel",
        Vendor.AMD: "AMD",
        Vendor.IBM_POWER: "IBM POWER",
        Vendor.IBM_S390: "IBM Z",
        Vendor.ARM: "Arm",
    }
    label = names.get(platform.vendor, platform.vendor_id)
    model = platform.model_name or platform.vendor_id
    observed = f"vendor {platform.vendor_id or '?'}, model {model or '?'}"
    status = Status.PASS if platform.vendor in names else Status.INFO
    if not label:
        return [
            assess(
                "cpu-vendor",
                status,
                f"CPU: {shorten(model or 'unknown', 60)}",
                [Evidence("/proc/cpuinfo", observed)],
            )
        ]
    detail = ""
    if platform.vendor is Vendor.OTHER and platform.family is ArchFamily.X86:
        detail = "Other x86 vendors (Zhaoxin, Centaur) use Intel's VT-x and the kvm_intel module."
    return [
        assess(
            "cpu-vendor",
            status,
            f"CPU: {label} ({shorten(model, 48)})" if model else f"CPU: {label}",
            [Evidence("/proc/cpuinfo", observed)],
            detail=detail,
        )
    ]


def check_guest(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    virtualization = platform.virtualization
    evidence = [Evidence(source, observed) for source, observed in virtualization.evidence]
    if len(virtualization.layers) > 1:
        evidence.append(Evidence("nesting", virtualization.chain))
    if platform.is_guest is None:
        return [_guest_unknown(ctx, evidence)]
    if not platform.is_guest:
        return [assess("guest", Status.PASS, "Bare metal: no hypervisor below this host", evidence)]
    hypervisor = virtualization.direct.label if virtualization.direct else "an unidentified hypervisor"
    if ctx.lpar:
        return [
            assess(
                "guest",
                Status.INFO,
                f"Runs in an IBM Z logical partition ({virtualization.direct.detail if virtualization.direct else 'PR/SM'})",
                evidence,
                detail="LPARs are where KVM hosts on IBM Z normally run; KVM needs the SIE facility there.",
            )
        ]
    if ctx.kvm_works:
        how = "through PVM" if ctx.profile.pvm_active else "as nested virtualization"
        return [
            assess(
                "guest",
                Status.WARN,
                f"A virtual machine on {hypervisor}: KVM works here {how}",
                evidence,
                detail=(
                    "Instances on this host are nested guests: slower than on bare metal, and the outer "
                    "hypervisor's limits apply (nested guests cannot be live-migrated or resumed from suspend "
                    "while they run their own VMs). Fine for tests and demos; use bare metal for production."
                ),
                impact=Impact.RESTRICTION,
                reason=f"this host is itself a virtual machine on {hypervisor}",
            )
        ]
    if ctx.profile.pvm_active and ctx.kvm_works is None:
        return [
            assess(
                "guest",
                Status.WARN,
                f"A virtual machine on {hypervisor}: KVM can only come from PVM here (not tested)",
                evidence,
                detail="PVM (kvm_pvm) runs KVM inside a virtual machine without hardware virtualization.",
                impact=Impact.RESTRICTION,
                reason=f"this host is itself a virtual machine on {hypervisor}",
            )
        ]
    if ctx.vt is VtState.PRESENT and not virtualization.xen_dom0:
        return [
            assess(
                "guest",
                Status.INFO,
                f"A virtual machine on {hypervisor}, whose virtual CPU shows {ctx.vt_name}",
                evidence,
                detail=(
                    "The hypervisor below exposes hardware virtualization, so KVM may work here as nested KVM; "
                    "the KVM API test decides (QEMU's emulation, TCG, shows the flag too)."
                ),
            )
        ]
    if ctx.vt is VtState.UNKNOWN and not virtualization.xen_dom0:
        return [
            assess(
                "guest",
                Status.INFO,
                f"A virtual machine on {hypervisor}",
                evidence,
                detail=f"Whether {hypervisor} gives it {ctx.vt_name} was not observed (see the findings below).",
            )
        ]
    remedy = outer_host_remedy(ctx)
    if virtualization.xen_dom0:
        title = f"Xen's control domain (dom0): Xen owns {ctx.vt_name}, so KVM cannot run here"
        detail = "The Xen hypervisor runs below this Linux; the CPU's virtualization is Xen's."
        reason = f"this is Xen's dom0, and Xen holds {ctx.vt_name}"
    else:
        title = f"A virtual machine on {hypervisor}, without nested virtualization"
        detail = f"{hypervisor} does not give this guest {ctx.vt_name}, so KVM cannot run here."
        reason = f"this is a virtual machine on {hypervisor} that does not pass {ctx.vt_name} through"
    if remedy is None:
        detail += (
            " kvm-wizard knows no setting of that hypervisor that would change this: run KVM on bare metal."
        )
    return [
        assess(
            "guest",
            Status.FAIL,
            title,
            evidence,
            remedy=remedy,
            detail=detail,
            impact=Impact.UNSUPPORTED,
            reason=reason,
        )
    ]


def _guest_unknown(ctx: Context, evidence: list[Evidence]) -> Assessment:
    virtualization = ctx.profile.platform.virtualization
    direct = virtualization.direct
    if direct is not None and direct.kind is HypervisorKind.SUN4V:
        return assess(
            "guest",
            Status.INFO,
            "Runs on the sun4v firmware hypervisor (Logical Domains): control or guest domain, not recorded",
            evidence,
        )
    unseen = [
        Evidence(item.split(": ", 1)[0], "not seen: " + item.split(": ", 1)[-1])
        for item in virtualization.not_seen
    ]
    looked = "; ".join(f"{item.source}: {item.observed}" for item in evidence) or "nothing"
    # Without the VT flag, "a VM without nested virtualization" and "VT off in the firmware" look alike.
    matters = ctx.vt is VtState.NOT_SHOWN and not ctx.kvm_works
    return assess(
        "guest",
        Status.UNKNOWN,
        "Cannot tell whether this is a virtual machine or bare metal",
        [*evidence, *unseen],
        detail=(
            f"No sign of a hypervisor in what was seen ({looked}), but that is not enough to say bare metal: "
            "a VirtualBox guest, for one, can hide the CPU's hypervisor flag. DMI, PCI ids or raw CPUID name "
            "the machine."
        ),
        impact=Impact.UNKNOWN if matters else None,
        reason="whether this is a virtual machine or bare metal",
    )


def firmware_remedy(ctx: Context) -> Remedy:
    platform = ctx.profile.platform
    if platform.family is ArchFamily.ARM:
        return Remedy(
            summary="Boot the kernel in EL2 (hypervisor mode): update or configure the firmware or boot loader",
            why=(
                "KVM on aarch64 needs the kernel started at EL2. Server firmware (UEFI with ACPI) does this; "
                "some boards and boot loaders start Linux at EL1, and then no setting inside Linux helps."
            ),
        )
    return Remedy(
        summary=f"Enable {ctx.firmware_setting} in the firmware (BIOS/UEFI) setup, save, and power the machine off and on",
        settings=(
            f"{ctx.firmware_setting} = Enabled (firmware setup, usually under CPU or Processor configuration)",
        ),
        why=(
            f"The CPU has {ctx.vt_name}, but the firmware keeps it locked off; Linux cannot change that. A full power "
            "cycle (not only a reboot) is the safe way to make the firmware apply the new setting. Then load the "
            "KVM modules (see kvm-modules)."
        ),
    )
