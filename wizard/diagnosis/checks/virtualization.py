"""Checks of hardware virtualization: the per-architecture flag, raw CPUID, firmware, the KVM API probe."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, Impact, assess, flags_excerpt, shorten
from wizard.diagnosis.checks.context import Context, VtState, find_out
from wizard.diagnosis.checks.cpu import firmware_remedy
from wizard.diagnosis.checks.outer import outer_host_remedy
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.platform import ArchFamily


def check_extensions(ctx: Context) -> list[Assessment]:
    """The architecture's own sign of hardware virtualization: vmx/svm, PowerNV, sie, HYP mode."""
    family = ctx.profile.platform.family
    if family is ArchFamily.X86:
        return _x86_flags(ctx)
    if family is ArchFamily.POWER:
        return _power_platform(ctx)
    if family is ArchFamily.S390:
        return _s390_sie(ctx)
    if family is ArchFamily.ARM:
        return _arm_hyp(ctx)
    return []


def _x86_flags(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    flag = platform.vt_flag or "vmx"
    if not platform.cpuinfo_readable:
        return [assess("vt-flags", Status.UNKNOWN, "CPU flags unknown: /proc/cpuinfo was not readable")]
    evidence = [Evidence("/proc/cpuinfo", flags_excerpt(platform.flags, (flag, "hypervisor")))]
    if flag in platform.flags and ctx.vt is not VtState.ABSENT:
        return [assess("vt-flags", Status.PASS, f"The CPU shows {ctx.vt_name} (flag {flag})", evidence)]
    if flag in platform.flags:
        return [
            assess(
                "vt-flags",
                Status.INFO,
                f"The CPU shows {flag}, but KVM cannot use it under Xen (the guest finding says why)",
                evidence,
            )
        ]
    if ctx.kvm_works or (ctx.kvm_works is None and ctx.profile.pvm_active):
        return [
            assess(
                "vt-flags",
                Status.INFO,
                f"No {flag} flag, yet KVM works"
                if ctx.kvm_works
                else f"No {flag} flag: KVM can only come from PVM",
                evidence,
                detail=(
                    "KVM here does not use hardware virtualization of its own (PVM, or a paravirtual KVM): "
                    "tools that decide by the flag (kvm-ok, virt-host-validate) wrongly say no."
                ),
            )
        ]
    if ctx.vt is VtState.FIRMWARE_DISABLED:
        return [
            assess(
                "vt-flags",
                Status.FAIL,
                f"No {flag} flag: the kernel hides {ctx.vt_name} because the firmware switched it off",
                evidence,
                detail=(
                    "Since Linux 5.6 the kernel removes vmx from the flags when the firmware left VMX disabled "
                    "(the firmware finding says what to do)."
                ),
                impact=Impact.FIRMWARE,
                reason=f"{ctx.vt_name} is switched off in the firmware",
            )
        ]
    if ctx.vt is VtState.NOT_SHOWN:
        return [_not_shown(ctx, flag, evidence)]
    guest = ctx.guest
    return [
        assess(
            "vt-flags",
            Status.FAIL,
            f"No {flag} flag: this {'virtual ' if guest else ''}CPU has no {ctx.vt_name}",
            evidence,
            # In a guest the guest finding carries the verdict, with the remedy on the outer host.
            impact=None if guest else Impact.UNSUPPORTED,
            reason=f"the CPU has no {ctx.vt_name}",
        )
    ]


def _not_shown(ctx: Context, flag: str, evidence: list[Evidence]) -> Assessment:
    """No flag, and nothing that tells why: say what is known, what is not, and how to find out."""
    profile = ctx.profile
    unknown: list[str] = []
    if not profile.platform.cpuid.readable:
        unknown.append("raw CPUID")
    if not profile.kernel_log_source:
        unknown.append("the kernel log")
    if profile.platform.is_guest is None:
        unknown.append("whether this is a virtual machine")
    causes = "the CPU lacks it, the firmware switched it off"
    if profile.platform.is_guest is None:
        causes += ", or this is a virtual machine whose hypervisor does not pass it through"
    else:
        causes = causes.replace(", the", ", or the")
    return assess(
        "vt-flags",
        Status.FAIL,
        f"No {flag} flag: KVM cannot work as things are, and why is not known",
        evidence,
        detail=(
            f"The kernel shows no {ctx.vt_name}. Either {causes}; "
            f"what would tell was not seen: {', '.join(unknown) or 'nothing more to read'}. To find out, "
            f"{find_out(profile)}."
        ),
        impact=Impact.UNKNOWN,
        reason=f"why this CPU shows no {ctx.vt_name} ({causes}; not seen: {', '.join(unknown) or 'nothing'})",
    )


def _power_platform(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    evidence = [Evidence("/proc/cpuinfo", f"platform: {platform.power_platform or 'not shown'}")]
    if platform.opal:
        evidence.append(Evidence("stat /sys/firmware/opal", "exists (OPAL firmware)"))
    if ctx.vt is VtState.PRESENT:
        return [assess("power-platform", Status.PASS, "PowerNV (bare metal): kvm_hv can run here", evidence)]
    if ctx.vt is VtState.UNKNOWN:
        return [assess("power-platform", Status.UNKNOWN, "The POWER platform is unknown", evidence)]
    if ctx.kvm_works:
        return [
            assess(
                "power-platform",
                Status.WARN,
                f"{platform.power_platform}: KVM works, but not as kvm_hv on bare metal",
                evidence,
                detail="Here KVM runs as kvm_pr (slow, no SMP guests on some kernels) or nested kvm_hv.",
                impact=Impact.RESTRICTION,
                reason=f"this is a {platform.power_platform} partition, not PowerNV bare metal",
            )
        ]
    return [
        assess(
            "power-platform",
            Status.FAIL,
            f"{platform.power_platform}: not PowerNV, so no kvm_hv",
            evidence,
            detail=(
                "KVM with kvm_hv needs a POWER machine running in OPAL (PowerNV) mode. A pSeries partition of "
                "PowerVM, or a KVM guest, can only use kvm_pr or nested kvm_hv provided by the host below."
            ),
            remedy=outer_host_remedy(ctx),
            impact=Impact.UNSUPPORTED,
            reason=f"this POWER system is a {platform.power_platform} partition, not PowerNV",
        )
    ]


def _s390_sie(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    if not platform.cpuinfo_readable:
        return [assess("s390-sie", Status.UNKNOWN, "Unknown: /proc/cpuinfo was not readable")]
    evidence = [
        Evidence("/proc/cpuinfo", flags_excerpt(platform.flags, ("sie",)).replace("flags", "features"))
    ]
    if ctx.vt is VtState.PRESENT:
        return [assess("s390-sie", Status.PASS, "The SIE facility is available (features: sie)", evidence)]
    if ctx.kvm_works:
        return [assess("s390-sie", Status.INFO, "No 'sie' in features, yet KVM works", evidence)]
    return [
        assess(
            "s390-sie",
            Status.FAIL,
            "No 'sie' in features: KVM cannot run here",
            evidence,
            detail="KVM on IBM Z needs the SIE facility; the guest finding says what the level below can do.",
            impact=Impact.UNSUPPORTED,
            reason="the SIE facility is not available",
        )
    ]


def _arm_hyp(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    lines = [line for line in ctx.profile.firmware.log_lines if "HYP" in line]
    mode = platform.arm_hyp_mode
    evidence = [
        Evidence(f"kernel log ({ctx.profile.kernel_log_source or 'none'})", shorten(line)) for line in lines
    ]
    if mode and mode != "unavailable":
        evidence = [
            Evidence(f"kernel log ({ctx.profile.kernel_log_source})", f"{mode} mode initialized successfully")
        ]
        return [assess("arm-hyp-mode", Status.PASS, f"KVM initialized in {mode} mode", evidence)]
    if mode == "unavailable":
        if ctx.kvm_works:
            return [
                assess(
                    "arm-hyp-mode",
                    Status.INFO,
                    "The log says HYP mode not available, yet KVM works",
                    evidence,
                )
            ]
        if ctx.guest:
            return [
                assess(
                    "arm-hyp-mode",
                    Status.FAIL,
                    "HYP mode not available: this virtual machine has no EL2",
                    evidence,
                    impact=Impact.UNSUPPORTED,
                    reason="the virtual machine has no EL2 (no nested virtualization)",
                )
            ]
        return [
            assess(
                "arm-hyp-mode",
                Status.FAIL,
                "HYP mode not available: the kernel was not started at EL2",
                evidence,
                remedy=firmware_remedy(ctx),
                impact=Impact.FIRMWARE,
                reason="the firmware started Linux without EL2 (hypervisor mode)",
            )
        ]
    if ctx.profile.kernel_log_error and not ctx.profile.kernel_log_source:
        return [
            assess(
                "arm-hyp-mode",
                Status.UNKNOWN,
                "KVM's start message is unknown: the kernel log was not readable",
                [Evidence("kernel log", ctx.profile.kernel_log_error)],
                detail="aarch64 has no cpuinfo flag for virtualization: the KVM API probe decides.",
            )
        ]
    return [
        assess(
            "arm-hyp-mode",
            Status.INFO,
            "No KVM start message in the kernel log",
            detail="aarch64 has no cpuinfo flag for virtualization: the KVM API probe decides.",
        )
    ]


def check_cpuid(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    if platform.family is not ArchFamily.X86:
        return []
    cpuid = platform.cpuid
    if not cpuid.readable:
        can_load = ctx.profile.module_loading.possible
        hint = "run kvm-wizard check as root"
        if (cpuid.error or "").startswith("ENOENT") and can_load:
            hint += " after loading the cpuid driver (modprobe cpuid)"
        needed = not ctx.kvm_works and platform.vt_flag not in platform.flags
        return [
            assess(
                "cpuid",
                Status.UNKNOWN if needed else Status.INFO,
                "Raw CPUID was not read" + ("" if needed else " (not needed here)"),
                [Evidence("/dev/cpu/0/cpuid", cpuid.error or "not recorded")],
                detail=f"It tells 'the CPU lacks VT' from 'the firmware hid it'; to read it, {hint}.",
            )
        ]
    bit = cpuid.svm if platform.vt_flag == "svm" else cpuid.vmx
    name = ctx.vt_name
    leaf = "0x80000001 ECX bit 2 (SVM)" if platform.vt_flag == "svm" else "1 ECX bit 5 (VMX)"
    evidence = [Evidence(f"CPUID {cpuid.source}", f"leaf {leaf}: {'set' if bit else 'clear'}")]
    if cpuid.hypervisor_signature:
        evidence.append(Evidence(f"CPUID {cpuid.source}", f"leaf 0x40000000: {cpuid.hypervisor_signature!r}"))
    where = "the virtual CPU" if platform.is_guest else "the CPU"
    if bit:
        hidden = platform.vt_flag not in platform.flags
        title = f"Raw CPUID: {where} has {name}" + (", though /proc/cpuinfo hides it" if hidden else "")
    else:
        title = f"Raw CPUID: {where} has no {name}"
    return [assess("cpuid", Status.INFO, title, evidence)]


def check_firmware(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    if profile.platform.family not in {ArchFamily.X86, ArchFamily.ARM}:
        return []  # only x86 firmware switches VT off, and only Arm firmware decides the exception level
    hints = profile.firmware
    source = f"kernel log ({profile.kernel_log_source})" if profile.kernel_log_source else "kernel log"
    evidence = [Evidence(source, shorten(line)) for line in hints.log_lines[-3:]]
    if hints.msr_evidence:
        evidence.append(Evidence("MSR /dev/cpu/0/msr", hints.msr_evidence))
    if ctx.vt is VtState.FIRMWARE_DISABLED and not ctx.kvm_works:
        return [
            assess(
                "firmware",
                Status.FAIL,
                f"{ctx.vt_name} is disabled in the firmware",
                evidence,
                remedy=firmware_remedy(ctx),
                impact=Impact.FIRMWARE,
                reason=f"{ctx.vt_name} is switched off in the firmware",
            )
        ]
    if hints.busy_lines and ctx.kvm_works is False:
        return [
            assess(
                "firmware",
                Status.FAIL,
                f"Another hypervisor holds {ctx.vt_name}",
                [Evidence(source, shorten(line)) for line in hints.busy_lines[-2:]],
                remedy=Remedy(
                    summary="Stop the other hypervisor (VirtualBox, VMware Workstation) and its VMs, then try again",
                    why=f"Only one hypervisor at a time can switch {ctx.vt_name} on.",
                ),
                impact=Impact.FIXABLE,
                reason=f"another hypervisor holds {ctx.vt_name}",
            )
        ]
    if hints.log_lines:
        title = "The kernel log reports missing hardware support" + (
            " (from an earlier attempt: KVM works now)" if ctx.kvm_works else ""
        )
        return [
            assess(
                "firmware",
                Status.INFO,
                title,
                evidence,
                detail='Messages such as "no hardware support" also appear when the CPU (or virtual CPU) lacks VT.',
            )
        ]
    if not profile.kernel_log_source and not hints.msr_evidence:
        return [
            assess(
                "firmware",
                Status.INFO if ctx.kvm_works else Status.UNKNOWN,
                "Firmware settings unknown: neither the kernel log nor the MSRs were readable",
                [Evidence("kernel log", profile.kernel_log_error or "not recorded")],
                detail="Run kvm-wizard check as root: /dev/kmsg (dmesg) needs it when kernel.dmesg_restrict=1.",
            )
        ]
    looked = [
        item
        for item in (source if profile.kernel_log_source else "", "MSR" if hints.msr_evidence else "")
        if item
    ]
    return [
        assess(
            "firmware",
            Status.PASS,
            "No sign of virtualization disabled in the firmware",
            evidence or [Evidence(" and ".join(looked), "no firmware-disabled message")],
        )
    ]
